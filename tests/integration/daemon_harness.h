// tests/integration/daemon_harness.h: `trailhound run` against `trailhound dev-broker`, with kcat
// as the independent client that produces CloudTrail and reads the alerts topic back. Events
// are generated with known eventIDs; the ones a test rule must alert on are known to the test,
// so the oracle does not depend on the engine. Every wait has a deadline.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/base/str_cat.h"
#include "tests/integration/child_process.h"
#include "tests/integration/cli_harness.h"

namespace trailhound::testing {

inline constexpr std::chrono::seconds kDaemonStartTimeout{30};
inline constexpr std::chrono::seconds kDaemonToolTimeout{60};
inline constexpr std::chrono::seconds kDaemonStopTimeout{30};
inline constexpr std::chrono::seconds kAlertTimeout{60};

// One CloudTrail record per line. Every `alert_every`-th event is a DeleteTrail (the test rule
// alerts on it); the rest are DescribeInstances. eventIDs are `<prefix>-<n>`.
struct GeneratedEvents {
  std::vector<std::string> lines;
  std::set<std::string> alerting_ids;  // eventIDs the rule must alert on
};

inline GeneratedEvents GenerateEvents(const std::string& prefix, int count, int alert_every) {
  GeneratedEvents out;
  for (int i = 0; i < count; ++i) {
    const bool alerting = alert_every > 0 && i % alert_every == 0;
    const std::string id = base::StrCat({prefix, "-", std::to_string(i)});
    char time[32];
    std::snprintf(time, sizeof(time), "2026-11-23T10:%02d:%02dZ", (i / 60) % 60, i % 60);
    const std::string name = alerting ? "DeleteTrail" : "DescribeInstances";
    const std::string source = alerting ? "cloudtrail.amazonaws.com" : "ec2.amazonaws.com";
    out.lines.push_back(base::StrCat(
        {R"({"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE",)",
         R"("arn":"arn:aws:iam::111111111111:user/alice","accountId":"111111111111",)",
         R"("accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":")", time,
         R"(","eventSource":")", source, R"(","eventName":")", name,
         R"(","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2",)",
         R"("requestParameters":{"name":"main-trail"},"responseElements":null,"eventID":")", id,
         R"(","readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111111111111"})"}));
    if (alerting) {
      out.alerting_ids.insert(id);
    }
  }
  return out;
}

inline constexpr char kTestRule[] = R"(title: CloudTrail trail deleted
id: 0b1c5e38-7a53-4a5c-9a0e-5d1d2c1f0a11
status: test
author: trailhound tests
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: cloudtrail.amazonaws.com
    eventName: DeleteTrail
  condition: selection
level: high
)";

// The eventID of an alert line, found without a JSON library: `"eventID":"..."` inside `event`.
inline std::string AlertEventId(const std::string& line) {
  const std::string key = R"("eventID":")";
  const std::size_t at = line.find(key);
  if (at == std::string::npos) {
    return "";
  }
  const std::size_t begin = at + key.size();
  return line.substr(begin, line.find('"', begin) - begin);
}

class DaemonHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    kcat_ = FindOnPath("kcat");
    if (kcat_.empty()) {
      GTEST_SKIP() << "kcat is not installed; scripts/setup installs it (Debian package kcat)";
    }
  }

  void StartBroker(const std::vector<std::string>& topics) {
    std::vector<std::string> argv = {TH_TRAILHOUND_BIN, "dev-broker", "--listen", "127.0.0.1:0"};
    for (const std::string& topic : topics) {
      argv.push_back("--topic");
      argv.push_back(topic);
    }
    ASSERT_TRUE(broker_.Start(argv)) << broker_.error();
    const std::optional<std::string> line =
        broker_.ReadStdoutLine(TestClock::now() + kDaemonStartTimeout);
    ASSERT_TRUE(line.has_value()) << "no bootstrap line; stderr:\n" << broker_.stderr_text();
    ASSERT_TRUE(line->starts_with("bootstrap: ")) << *line;
    bootstrap_ = line->substr(std::string("bootstrap: ").size());
  }

  // Sends a control line to the dev-broker and waits for its acknowledgement.
  void BrokerControl(const std::string& line) {
    ASSERT_TRUE(broker_.WriteStdin(line + "\n"));
    ASSERT_TRUE(broker_.WaitForStderr("control: ok: ", TestClock::now() + kDaemonStartTimeout))
        << broker_.stderr_text();
  }

  // The configuration every test starts from; `extra` is appended (more sinks, limits).
  std::string Config(const std::string& group = "th-test", const std::string& extra = "") {
    return base::StrCat({R"(sources:
  kafka:
    brokers: ")",
                         bootstrap_, R"("
    topics: [cloudtrail]
    group_id: )",
                         group, R"(
    batch_max_ms: 20
    dead_letter_topic: trailhound-dead-letters
    properties:
      session.timeout.ms: "3000"
      heartbeat.interval.ms: "300"
      max.poll.interval.ms: "3000"
      auto.commit.interval.ms: "200"
      statistics.interval.ms: "1000"
rules:
  paths: [rules]
state:
  dir: state
  durability: process
sinks:
  - type: file
    name: file
    path: alerts.ndjson
  - type: kafka
    name: kafka
    topic: trailhound-alerts
metrics:
  listen: "127.0.0.1:0"
dead_letter:
  file: dead-letters.ndjson
limits:
  shutdown_timeout_s: 20
)",
                         extra});
  }

  // Writes the rule and the configuration into `dir` (a member's own directory).
  void PrepareMember(const std::string& dir, const std::string& config) {
    WriteFile(dir + "/rules/trail-deleted.yml", kTestRule);
    WriteFile(dir + "/trailhound.yml", config);
  }

  // Starts `trailhound run` for the member in `dir`; waits until it says it is running.
  void StartDaemon(ChildProcess& daemon, const std::string& dir,
                   std::vector<std::string> env = {}) {
    ASSERT_TRUE(daemon.Start({TH_TRAILHOUND_BIN, "run", "--config", dir + "/trailhound.yml"},
                             std::move(env)))
        << daemon.error();
    ASSERT_TRUE(daemon.WaitForStderr("running:", TestClock::now() + kDaemonStartTimeout))
        << daemon.stderr_text();
  }

  void Produce(const std::string& topic, const std::vector<std::string>& lines,
               const std::vector<std::string>& kcat_options = {}) {
    std::string text;
    for (const std::string& line : lines) {
      text += line + "\n";
    }
    const std::string path = dir_ / "produce.ndjson";
    WriteFile(path, text);
    // No sticky partitioning: every message picks a partition at random, so each member of a
    // group gets a share of any batch (by default a whole batch goes to one partition).
    std::vector<std::string> args = {"-P",
                                     "-b",
                                     bootstrap_,
                                     "-t",
                                     topic,
                                     "-z",
                                     "lz4",
                                     "-X",
                                     "linger.ms=20",
                                     "-X",
                                     "sticky.partitioning.linger.ms=0"};
    args.insert(args.end(), kcat_options.begin(), kcat_options.end());
    const ToolResult produced = Kcat(std::move(args), path);
    ASSERT_EQ(produced.exit_code, std::optional<int>(0)) << produced.err;
  }

  ToolResult Kcat(std::vector<std::string> args, const std::string& stdin_path = "/dev/null") {
    args.insert(args.begin(), kcat_);
    return RunTool(std::move(args), dir_.path(), stdin_path, kDaemonToolTimeout);
  }

  // The first `count` messages of `topic` (kcat waits for them, up to its timeout).
  std::vector<std::string> ConsumeTopic(const std::string& topic, size_t count,
                                        const std::string& format = "%s\n") {
    const ToolResult consumed = Kcat({"-C", "-b", bootstrap_, "-t", topic, "-o", "beginning", "-q",
                                      "-c", std::to_string(count), "-f", format});
    EXPECT_EQ(consumed.exit_code, std::optional<int>(0)) << consumed.err;
    return Lines(consumed.out);
  }

  // Waits until the file holds at least `count` lines, reading the daemons' output meanwhile.
  std::vector<std::string> WaitForLines(const std::string& path, size_t count,
                                        std::vector<ChildProcess*> daemons) {
    const TestClock::time_point deadline = TestClock::now() + kAlertTimeout;
    std::vector<std::string> lines = Lines(ReadFile(path));
    while (lines.size() < count && TestClock::now() < deadline) {
      for (ChildProcess* daemon : daemons) {
        daemon->PumpFor(std::chrono::milliseconds(50 / daemons.size() + 1));
      }
      lines = Lines(ReadFile(path));
    }
    return lines;
  }

  // SIGTERM must end a daemon with exit 0 within its deadline.
  void StopDaemon(ChildProcess& daemon) {
    const std::optional<int> code = daemon.Stop(SIGTERM, TestClock::now() + kDaemonStopTimeout);
    ASSERT_TRUE(code.has_value()) << "no exit within " << kDaemonStopTimeout.count()
                                  << " s of SIGTERM; stderr:\n"
                                  << daemon.stderr_text();
    EXPECT_EQ(*code, 0) << daemon.stderr_text();
  }

  TempDir dir_;
  ChildProcess broker_;
  std::string kcat_;
  std::string bootstrap_;
};

// The eventIDs of the alert lines, each once, and how many lines repeated an id.
struct AlertTally {
  std::set<std::string> ids;
  size_t duplicates = 0;
};

inline AlertTally TallyAlerts(const std::vector<std::string>& lines) {
  AlertTally tally;
  for (const std::string& line : lines) {
    if (!tally.ids.insert(AlertEventId(line)).second) {
      ++tally.duplicates;
    }
  }
  return tally;
}

}  // namespace trailhound::testing
