// tests/integration/run_daemon_test.cc: `trailhound run` end to end on a real Kafka protocol
// broker (trailhound dev-broker) with kcat producing the CloudTrail and reading the alerts
// topic back: every expected alert arrives once in the NDJSON file and the alerts topic, bad
// records reach the dead-letter topic with their reasons, SIGHUP swaps good rules and keeps the
// old ones on a broken file, and SIGTERM drains and exits 0.
#include <signal.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/daemon_harness.h"

namespace trailhound::testing {
namespace {

constexpr char kTopics[][32] = {"cloudtrail:4", "trailhound-alerts:1", "trailhound-dead-letters:1"};

class RunDaemonTest : public DaemonHarness {
 protected:
  void StartBrokerWithTopics() { StartBroker({kTopics[0], kTopics[1], kTopics[2]}); }
};

// A base rule and an event_count correlation on it: three listings of one account in ten
// minutes.
constexpr char kBucketListingCorrelation[] = R"(title: Buckets listed
id: 2d5c9a7e-3f41-4b8e-9c2a-6e1f0b7d8a34
name: buckets_listed
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventSource: s3.amazonaws.com
    eventName: ListBuckets
  condition: selection
level: low
---
title: Buckets listed three times in ten minutes
id: 8a1e4f6b-7c2d-4e9a-b5f3-1d0c9e8b7a65
correlation:
  type: event_count
  rules: [buckets_listed]
  group-by: [recipientAccountId]
  timespan: 10m
  condition: {gte: 3}
level: medium
)";

// Three bucket listings of account 222222222222 within a minute, ids `prefix`-0.., times
// from 10:00:00.
std::vector<std::string> BucketListings(const std::string& prefix, int count) {
  std::vector<std::string> lines = GenerateEvents(prefix, count, 0).lines;
  for (std::string& line : lines) {
    line.replace(line.find("ec2.amazonaws.com"), 17, "s3.amazonaws.com");
    line.replace(line.find("DescribeInstances"), 17, "ListBuckets");
    line.replace(line.find(R"("recipientAccountId":"111111111111")"), 35,
                 R"("recipientAccountId":"222222222222")");
  }
  return lines;
}

TEST_F(RunDaemonTest, EveryExpectedAlertArrivesOnceInTheFileAndTheTopic) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithTopics());
  const GeneratedEvents events = GenerateEvents("e2e", 3000, 50);
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", events.lines));
  const std::string member = dir_ / "a";
  PrepareMember(member, Config());
  ChildProcess daemon;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));

  const std::vector<std::string> file_lines =
      WaitForLines(member + "/alerts.ndjson", events.alerting_ids.size(), {&daemon});
  const std::vector<std::string> topic_lines =
      ConsumeTopic("trailhound-alerts", events.alerting_ids.size());
  ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));

  const AlertTally from_file = TallyAlerts(Lines(ReadFile(member + "/alerts.ndjson")));
  EXPECT_EQ(from_file.ids, events.alerting_ids);
  EXPECT_EQ(from_file.duplicates, 0u);
  const AlertTally from_topic = TallyAlerts(topic_lines);
  EXPECT_EQ(from_topic.ids, events.alerting_ids);
  EXPECT_EQ(from_topic.duplicates, 0u);
  EXPECT_NE(daemon.stderr_text().find("stopped: 3000 messages, 3000 events"), std::string::npos)
      << daemon.stderr_text();
}

TEST_F(RunDaemonTest, ARestartReadsNothingTwiceAndAlertsNothingTwice) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithTopics());
  const GeneratedEvents first = GenerateEvents("before", 1000, 20);
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", first.lines));
  const std::string member = dir_ / "a";
  PrepareMember(member, Config());
  {
    ChildProcess daemon;
    ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));
    WaitForLines(member + "/alerts.ndjson", first.alerting_ids.size(), {&daemon});
    ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));
  }
  const GeneratedEvents second = GenerateEvents("after", 1000, 20);
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", second.lines));
  ChildProcess daemon;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));
  const size_t total = first.alerting_ids.size() + second.alerting_ids.size();
  WaitForLines(member + "/alerts.ndjson", total, {&daemon});
  ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));
  // The second run consumed only what was produced after the first stopped.
  EXPECT_NE(daemon.stderr_text().find("stopped: 1000 messages"), std::string::npos)
      << daemon.stderr_text();
  const AlertTally tally = TallyAlerts(Lines(ReadFile(member + "/alerts.ndjson")));
  std::set<std::string> expected = first.alerting_ids;
  expected.insert(second.alerting_ids.begin(), second.alerting_ids.end());
  EXPECT_EQ(tally.ids, expected);
  EXPECT_EQ(tally.duplicates, 0u);
}

TEST_F(RunDaemonTest, BadRecordsGoToTheDeadLetterTopicWithTheirReasonsAndTheRestFlows) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithTopics());
  GeneratedEvents events = GenerateEvents("mixed", 200, 10);
  std::vector<std::string> lines = events.lines;
  // A 2 MiB record: over the 1 MiB event limit, kept in its dead letter cut to 64 KiB.
  const std::string huge =
      base::StrCat({R"({"eventVersion":"1.08","eventID":"huge",)", R"("requestParameters":{"x":")",
                    std::string(2 << 20, 'A'), R"("}})"});
  lines.insert(lines.begin() + 5, "{this is not json");
  lines.insert(lines.begin() + 50, R"({"hello":"world","not":"cloudtrail"})");
  lines.insert(lines.begin() + 100, huge);
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", lines, {"-X", "message.max.bytes=4000000"}));
  const std::string member = dir_ / "a";
  PrepareMember(member, Config());
  ChildProcess daemon;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));
  WaitForLines(member + "/alerts.ndjson", events.alerting_ids.size(), {&daemon});
  // The key, the headers as `name=value` pairs, then the value's size (FORMATS.md §7).
  const std::vector<std::string> dead = ConsumeTopic("trailhound-dead-letters", 3, "%k|%h|%S\n");
  ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));
  ASSERT_EQ(dead.size(), 3u);
  std::vector<std::string> reasons;
  for (const std::string& line : dead) {
    SCOPED_TRACE(line);
    // KEY|th-reason=R,th-source=S,th-position=KEY,th-error=E,th-truncated=B,
    // th-source-timestamp=MS|SIZE, where KEY is `S @offset` and S is `cloudtrail/partition`.
    const std::string key = line.substr(0, line.find('|'));
    ASSERT_TRUE(key.starts_with("cloudtrail/"));
    ASSERT_NE(key.find(" @"), std::string::npos);
    const std::string source = key.substr(0, key.find(" @"));
    ASSERT_TRUE(line.substr(key.size()).starts_with("|th-reason="));
    const std::size_t at = key.size() + std::string("|th-reason=").size();
    const std::size_t end = line.find(',', at);
    ASSERT_NE(end, std::string::npos);
    reasons.push_back(line.substr(at, end - at));
    EXPECT_TRUE(line.substr(end).starts_with(
        base::StrCat({",th-source=", source, ",th-position=", key, ",th-error="})));
    const bool cut = reasons.back() == "too-large";
    EXPECT_NE(line.find(cut ? ",th-truncated=true," : ",th-truncated=false,"), std::string::npos);
    EXPECT_NE(line.find(",th-source-timestamp="), std::string::npos);
    if (cut) {
      EXPECT_TRUE(line.ends_with("|65536"));
    }
  }
  std::sort(reasons.begin(), reasons.end());
  EXPECT_EQ(reasons, (std::vector<std::string>{"malformed-json", "not-cloudtrail", "too-large"}));
  const AlertTally tally = TallyAlerts(Lines(ReadFile(member + "/alerts.ndjson")));
  EXPECT_EQ(tally.ids, events.alerting_ids);
  EXPECT_EQ(tally.duplicates, 0u);
}

TEST_F(RunDaemonTest, SighupKeepsTheOldRulesOnABrokenFileAndSwapsInGoodOnes) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithTopics());
  const std::string member = dir_ / "a";
  PrepareMember(member, Config());
  ChildProcess daemon;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));

  WriteFile(member + "/rules/broken.yml", "title: broken\ndetection:\n  condition: nothing\n");
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForStderr("reload failed", TestClock::now() + kDaemonStartTimeout))
      << daemon.stderr_text();
  const GeneratedEvents first = GenerateEvents("kept", 100, 10);
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", first.lines));
  WaitForLines(member + "/alerts.ndjson", first.alerting_ids.size(), {&daemon});

  // A good set: the broken file fixed into a rule on DescribeInstances, which every other
  // generated event is.
  WriteFile(member + "/rules/broken.yml", R"(title: instances described
id: 5f0c2d4e-1b2a-4c3d-8e9f-0a1b2c3d4e5f
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: DescribeInstances
  condition: selection
level: low
)");
  // A setting a reload cannot apply: said so, and the rules are reloaded all the same.
  std::string config = Config();
  const std::string timeout = "shutdown_timeout_s: 20";
  config.replace(config.find(timeout), timeout.size(), "shutdown_timeout_s: 21");
  WriteFile(member + "/trailhound.yml", config);
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForStderr("reload: `limits` changed; it takes effect at the next restart",
                                   TestClock::now() + kDaemonStartTimeout))
      << daemon.stderr_text();
  ASSERT_TRUE(daemon.WaitForStderr("reload done", TestClock::now() + kDaemonStartTimeout))
      << daemon.stderr_text();
  const GeneratedEvents second = GenerateEvents("swapped", 20, 10);
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", second.lines));
  // 2 DeleteTrail alerts plus 18 DescribeInstances alerts.
  const size_t total = first.alerting_ids.size() + 20;
  const std::vector<std::string> lines = WaitForLines(member + "/alerts.ndjson", total, {&daemon});
  ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));
  EXPECT_EQ(lines.size(), total);
  EXPECT_EQ(TallyAlerts(lines).duplicates, 0u);
}

// Each partition keeps its own correlation windows and watermark: a partition read after another
// that is hours ahead in event time still correlates its events. With one engine for all
// partitions the watermark would be the ahead partition's, and these records all late.
TEST_F(RunDaemonTest, CorrelationWindowsAreKeptPerPartition) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithTopics());
  const std::string member = dir_ / "a";
  PrepareMember(member, Config());
  WriteFile(member + "/rules/bucket-listing.yml", kBucketListingCorrelation);
  ChildProcess daemon;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));

  // Partition 0 first, two hours ahead: its DeleteTrail alert shows it was read.
  std::vector<std::string> ahead = GenerateEvents("ahead", 1, 1).lines;
  ahead[0].replace(ahead[0].find("2026-11-23T10:"), 14, "2026-11-23T12:");
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", ahead, {"-p", "0"}));
  WaitForLines(member + "/alerts.ndjson", 1, {&daemon});

  // Then partition 1: three listings of another account within a minute, two hours behind.
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", BucketListings("behind", 3), {"-p", "1"}));
  const std::vector<std::string> lines = WaitForLines(member + "/alerts.ndjson", 2, {&daemon});
  ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));
  ASSERT_EQ(lines.size(), 2u) << daemon.stderr_text();
  EXPECT_NE(lines[1].find("8a1e4f6b-7c2d-4e9a-b5f3-1d0c9e8b7a65"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("222222222222"), std::string::npos) << lines[1];
}

// A window that spans a restart still alerts: the events it holds are kept in the store with
// the partition's batches, pruned once no window can count them, and re-fed to the rebuilt
// windows at assignment. Two listings before the restart, the third after it.
TEST_F(RunDaemonTest, CorrelationWindowsSurviveARestart) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithTopics());
  const std::string member = dir_ / "a";
  PrepareMember(member, Config());
  WriteFile(member + "/rules/bucket-listing.yml", kBucketListingCorrelation);
  const std::vector<std::string> listings = BucketListings("spanning", 3);
  {
    ChildProcess daemon;
    ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));
    // A listing two hours older first: no window can count it once the others are read, so it
    // is pruned and not among the events rebuilt. The DeleteTrail after them on the same
    // partition shows they were read and written.
    std::string early = BucketListings("early", 1)[0];
    early.replace(early.find("2026-11-23T10:"), 14, "2026-11-23T08:");
    std::vector<std::string> first = {early, listings[0], listings[1]};
    first.push_back(GenerateEvents("marker", 1, 1).lines[0]);
    ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", first, {"-p", "2"}));
    WaitForLines(member + "/alerts.ndjson", 1, {&daemon});
    ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));
  }
  ChildProcess daemon;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", {listings[2]}, {"-p", "2"}));
  const std::vector<std::string> lines = WaitForLines(member + "/alerts.ndjson", 2, {&daemon});
  ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));
  ASSERT_EQ(lines.size(), 2u) << daemon.stderr_text();
  EXPECT_NE(lines[1].find("8a1e4f6b-7c2d-4e9a-b5f3-1d0c9e8b7a65"), std::string::npos) << lines[1];
  EXPECT_NE(daemon.stderr_text().find("windows rebuilt from 2 kept events"), std::string::npos)
      << daemon.stderr_text();
  // The second run read only the third listing.
  EXPECT_NE(daemon.stderr_text().find("stopped: 1 messages"), std::string::npos)
      << daemon.stderr_text();
}

// A window that spans a SIGHUP reload still alerts: the reload writes what was polled, and the
// new rules' windows are rebuilt from the kept records (here the correlation's timespan
// changes from 10 to 15 minutes). Two listings before the reload, the third after it.
TEST_F(RunDaemonTest, CorrelationWindowsSurviveAReload) {
  ASSERT_NO_FATAL_FAILURE(StartBrokerWithTopics());
  const std::string member = dir_ / "a";
  PrepareMember(member, Config());
  WriteFile(member + "/rules/bucket-listing.yml", kBucketListingCorrelation);
  const std::vector<std::string> listings = BucketListings("reloaded", 3);
  ChildProcess daemon;
  ASSERT_NO_FATAL_FAILURE(StartDaemon(daemon, member));
  std::vector<std::string> first = {listings[0], listings[1]};
  first.push_back(GenerateEvents("marker", 1, 1).lines[0]);  // its alert shows they were read
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", first, {"-p", "2"}));
  WaitForLines(member + "/alerts.ndjson", 1, {&daemon});

  std::string widened = kBucketListingCorrelation;
  widened.replace(widened.find("timespan: 10m"), 13, "timespan: 15m");
  WriteFile(member + "/rules/bucket-listing.yml", widened);
  daemon.Signal(SIGHUP);
  ASSERT_TRUE(daemon.WaitForStderr("reload done", TestClock::now() + kDaemonStartTimeout))
      << daemon.stderr_text();
  ASSERT_NO_FATAL_FAILURE(Produce("cloudtrail", {listings[2]}, {"-p", "2"}));
  const std::vector<std::string> lines = WaitForLines(member + "/alerts.ndjson", 2, {&daemon});
  ASSERT_NO_FATAL_FAILURE(StopDaemon(daemon));
  ASSERT_EQ(lines.size(), 2u) << daemon.stderr_text();
  EXPECT_NE(lines[1].find("8a1e4f6b-7c2d-4e9a-b5f3-1d0c9e8b7a65"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(R"("window_s":900)"), std::string::npos) << lines[1];
  EXPECT_NE(daemon.stderr_text().find("windows rebuilt from 2 kept events"), std::string::npos)
      << daemon.stderr_text();
}

}  // namespace
}  // namespace trailhound::testing
