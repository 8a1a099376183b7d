// tests/pipeline/sink_kafka_test.cc: KafkaAlertSink and DeadLetterProducer against a real
// broker, `trailhound dev-broker` on 127.0.0.1 port 0, with kcat as the independent client that
// reads back what they wrote and writes what a crashed run left behind. Every wait is bounded
// by a deadline; nothing sleeps.
#include "pipeline/sink_kafka.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/alert.h"
#include "pipeline/dead_letter_kafka.h"
#include "pipeline/decode.h"
#include "pipeline/event/position.h"
#include "rules/compiled_rule.h"
#include "rules/correlation.h"
#include "tests/integration/child_process.h"
#include "tests/integration/cli_harness.h"

namespace trailhound::pipeline {
namespace {

using testing::ChildProcess;
using testing::Lines;
using testing::ReadFile;
using testing::RunTool;
using testing::TempDir;
using testing::TestClock;
using testing::ToolResult;

constexpr std::chrono::seconds kStartTimeout{30};
constexpr std::chrono::seconds kToolTimeout{60};

std::vector<OutboxEntry> Alerts(uint64_t first_seq, int count) {
  std::vector<OutboxEntry> entries;
  for (int i = 0; i < count; ++i) {
    const uint64_t seq = first_seq + static_cast<uint64_t>(i);
    entries.push_back({seq, "alert-" + std::to_string(seq),
                       "{\"alert_id\":\"alert-" + std::to_string(seq) + "\"}"});
  }
  return entries;
}

constexpr int64_t kNow = 1'741'944'461'512'000'000;  // 2025-03-14T09:27:41.512Z
constexpr std::string_view kRecord =
    R"({"eventVersion":"1.08","eventID":"7d3c1f0e-5b2a-4c8e-9f61-2a4b8c0d9e13",)"
    R"("eventTime":"2025-03-14T09:26:58Z","eventName":"PutBucketPolicy",)"
    R"("eventSource":"s3.amazonaws.com","awsRegion":"eu-west-1",)"
    R"("recipientAccountId":"222222222222","sourceIPAddress":"203.0.113.45",)"
    R"("userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::222222222222:user/alice"}})";

// Formats an event alert for each record decoded, as the pipeline workers do.
class AlertFormattingSink : public DecodeSink {
 public:
  explicit AlertFormattingSink(const rules::CompiledRule& rule) : rule_(rule) {}
  void OnEvent(event::Event&& decoded) override {
    bodies.push_back(FormatAlert(rule_, decoded, AlertInput{"kafka", kNow}, kNow));
  }
  void OnReject(const Rejected& rejected) override { ADD_FAILURE() << rejected.error; }
  void OnSkip(SkipReason, const event::Position&) override { ADD_FAILURE() << "skipped"; }

  std::vector<std::string> bodies;

 private:
  const rules::CompiledRule& rule_;
};

// A real event alert (pipeline/alert.cc's FormatAlert) for kRecord.
OutboxEntry EventAlert(uint64_t seq) {
  rules::CompiledRule rule;
  rule.id = "th-exposure-s3-public";
  rule.title = "S3 bucket or object made public";
  rule.level = "critical";
  AlertFormattingSink formatted(rule);
  event::Position position;
  position.source = std::make_shared<const std::string>("cloudtrail/3");
  Decoder().Decode(kRecord, position, formatted);
  EXPECT_EQ(formatted.bodies.size(), 1u);
  std::string body = formatted.bodies.empty() ? "" : formatted.bodies[0];
  return {seq, "alert-event", std::move(body)};
}

// A real correlation alert whose window closed without its record at hand, so `event` holds
// only the id and, when known, the account.
OutboxEntry CorrelationAlert(uint64_t seq, std::string alert_id, std::string account) {
  rules::CorrelationRule rule;
  rule.id = "th-discovery-recon-burst";
  rule.title = "Reconnaissance burst by one identity";
  rule.level = "low";
  rule.timespan_ns = int64_t{600} * 1'000'000'000;
  rules::CorrelationAlert alert;
  alert.rule = &rule;
  alert.group = {{"userIdentity.arn", "arn:aws:iam::222222222222:user/alice"}};
  alert.event_id = "e-10";
  alert.first_event_id = "e-1";
  alert.account = std::move(account);
  alert.count = 10;
  alert.event_ids = {"e-1", "e-10"};
  return {seq, std::move(alert_id),
          FormatCorrelationAlert(alert, nullptr, AlertInput{"kafka", kNow}, kNow)};
}

DeadLetterRecord Record(std::string raw) {
  DeadLetterRecord record;
  record.reason = "bad-json";
  record.error = "unexpected end of input at byte 9";
  record.source_topic = "cloudtrail";
  record.source_partition = 3;
  record.source_offset = 42;
  record.source_timestamp_ms = 1700000000123;
  record.raw = std::move(raw);
  record.truncated = false;
  return record;
}

class KafkaSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kcat_ = testing::FindOnPath("kcat");
    if (kcat_.empty()) {
      GTEST_SKIP() << "kcat is not installed; scripts/setup installs it (Debian package kcat)";
    }
  }

  // Starts `trailhound dev-broker` with `topics` (NAME:PARTITIONS) and reads its bootstrap.
  void StartBroker(const std::vector<std::string>& topics) {
    std::vector<std::string> argv = {TH_TRAILHOUND_BIN, "dev-broker", "--listen", "127.0.0.1:0"};
    for (const std::string& topic : topics) {
      argv.insert(argv.end(), {"--topic", topic});
    }
    ASSERT_TRUE(broker_.Start(argv)) << broker_.error();
    const std::optional<std::string> line =
        broker_.ReadStdoutLine(TestClock::now() + kStartTimeout);
    ASSERT_TRUE(line.has_value()) << "no bootstrap line; stderr:\n" << broker_.stderr_text();
    ASSERT_TRUE(line->starts_with("bootstrap: ")) << *line;
    bootstrap_ = line->substr(std::strlen("bootstrap: "));
  }

  void Control(const std::string& line, const std::string& acknowledgement) {
    ASSERT_TRUE(broker_.WriteStdin(line + "\n"));
    ASSERT_TRUE(broker_.WaitForStderr(acknowledgement, TestClock::now() + kStartTimeout))
        << broker_.stderr_text();
  }

  ToolResult Kcat(std::vector<std::string> args, const std::string& stdin_path = "/dev/null") {
    args.insert(args.begin(), kcat_);
    return RunTool(std::move(args), dir_.path(), stdin_path, kToolTimeout);
  }

  // `count` messages of `topic` from the beginning, formatted by `format`, sorted.
  std::vector<std::string> Consume(const std::string& topic, int count, const std::string& format) {
    const ToolResult consumed = Kcat({"-C", "-b", bootstrap_, "-t", topic, "-o", "beginning", "-e",
                                      "-q", "-c", std::to_string(count), "-f", format});
    EXPECT_EQ(consumed.exit_code, std::optional<int>(0)) << consumed.err;
    std::vector<std::string> lines = Lines(consumed.out);
    std::sort(lines.begin(), lines.end());
    return lines;
  }

  std::unique_ptr<KafkaAlertSink> NewSink(const std::string& topic,
                                          int64_t recover_max_messages = 100'000) {
    KafkaSinkOptions options;
    options.recover_max_messages_per_partition = recover_max_messages;
    options.brokers = bootstrap_;
    options.topic = topic;
    options.recover_timeout = std::chrono::seconds(20);
    base::Result<std::unique_ptr<KafkaAlertSink>> sink = KafkaAlertSink::Create(options);
    EXPECT_TRUE(sink.has_value()) << sink.error().ToString();
    return sink.has_value() ? std::move(sink).value() : nullptr;
  }

  std::unique_ptr<DeadLetterProducer> NewDeadLetterProducer(const std::string& topic,
                                                            KafkaProperties properties = {}) {
    DeadLetterProducerOptions options;
    options.brokers = bootstrap_;
    options.topic = topic;
    options.fallback_path = dir_ / "dead-letters.ndjson";
    options.properties = std::move(properties);
    base::Result<std::unique_ptr<DeadLetterProducer>> producer =
        DeadLetterProducer::Create(options);
    EXPECT_TRUE(producer.has_value()) << producer.error().ToString();
    return producer.has_value() ? std::move(producer).value() : nullptr;
  }

  TempDir dir_;
  ChildProcess broker_;
  std::string kcat_;
  std::string bootstrap_;
};

TEST_F(KafkaSinkTest, AlertsAreDeliveredKeyedByAlertId) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"alerts:2"}));
  std::unique_ptr<KafkaAlertSink> sink = NewSink("alerts");
  ASSERT_NE(sink, nullptr);
  const std::vector<OutboxEntry> entries = Alerts(1, 50);
  base::Result<size_t> confirmed = sink->Deliver(entries);
  ASSERT_TRUE(confirmed.has_value()) << confirmed.error().ToString();
  EXPECT_EQ(*confirmed, entries.size());

  std::vector<std::string> want;
  for (const OutboxEntry& entry : entries) {
    want.push_back(entry.alert_id + " " + entry.body);
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(Consume("alerts", 50, "%k %s\n"), want);
}

// FORMATS.md §7: key alert_id, headers th-schema, th-rule, th-level, th-account; a header
// whose field the alert lacks is left out and the alert is still delivered.
TEST_F(KafkaSinkTest, AlertsCarryTheDocumentedKeyAndHeaders) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"alerts:1"}));
  std::unique_ptr<KafkaAlertSink> sink = NewSink("alerts");
  ASSERT_NE(sink, nullptr);
  const std::vector<OutboxEntry> entries = {
      EventAlert(1),
      CorrelationAlert(2, "alert-correlation", "222222222222"),
      CorrelationAlert(3, "alert-correlation-no-account", ""),
      {4, "alert-not-json", "not an alert object"},
  };
  ASSERT_NE(entries[0].body.find(R"("recipientAccountId":"222222222222")"), std::string::npos)
      << entries[0].body;
  ASSERT_NE(entries[2].body.find(R"("recipientAccountId":null)"), std::string::npos)
      << entries[2].body;
  base::Result<size_t> confirmed = sink->Deliver(entries);
  ASSERT_TRUE(confirmed.has_value()) << confirmed.error().ToString();
  EXPECT_EQ(*confirmed, entries.size());

  EXPECT_EQ(Consume("alerts", 4, "%k|%h\n"),
            (std::vector<std::string>{
                "alert-correlation-no-account|th-schema=trailhound.alert/v1,"
                "th-rule=th-discovery-recon-burst,th-level=low",
                "alert-correlation|th-schema=trailhound.alert/v1,"
                "th-rule=th-discovery-recon-burst,th-level=low,th-account=222222222222",
                "alert-event|th-schema=trailhound.alert/v1,th-rule=th-exposure-s3-public,"
                "th-level=critical,th-account=222222222222",
                "alert-not-json|th-schema=trailhound.alert/v1",
            }));
  // The value is the alert object, byte for byte.
  std::vector<std::string> want;
  for (const OutboxEntry& entry : entries) {
    want.push_back(entry.body);
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(Consume("alerts", 4, "%s\n"), want);
}

TEST_F(KafkaSinkTest, RecoverFindsAlertsAlreadyInTheTopic) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"alerts:3"}));
  // An earlier run delivered seqs 1-5 and crashed before acknowledging them.
  std::string lines;
  for (const OutboxEntry& entry : Alerts(1, 5)) {
    lines += entry.alert_id + "|" + entry.body + "\n";
  }
  testing::WriteFile(dir_ / "earlier.txt", lines);
  const ToolResult produced =
      Kcat({"-P", "-b", bootstrap_, "-t", "alerts", "-K", "|"}, dir_ / "earlier.txt");
  ASSERT_EQ(produced.exit_code, std::optional<int>(0)) << produced.err;

  std::unique_ptr<KafkaAlertSink> sink = NewSink("alerts");
  ASSERT_NE(sink, nullptr);
  std::vector<uint64_t> already_delivered;
  const base::Status status = sink->Recover(Alerts(1, 8), already_delivered);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::sort(already_delivered.begin(), already_delivered.end());
  EXPECT_EQ(already_delivered, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(KafkaSinkTest, RecoverReadsOnlyTheLastMessagesOfEachPartition) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"alerts:1"}));
  std::unique_ptr<KafkaAlertSink> sink = NewSink("alerts", /*recover_max_messages=*/3);
  ASSERT_NE(sink, nullptr);
  base::Result<size_t> confirmed = sink->Deliver(Alerts(1, 10));
  ASSERT_TRUE(confirmed.has_value()) << confirmed.error().ToString();
  ASSERT_EQ(*confirmed, 10u);
  std::vector<uint64_t> already_delivered;
  const base::Status status = sink->Recover(Alerts(1, 10), already_delivered);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::sort(already_delivered.begin(), already_delivered.end());
  EXPECT_EQ(already_delivered, (std::vector<uint64_t>{8, 9, 10}));
}

// AT-LEAST-ONCE.md §7: with a recorded position, Recover reads each partition from the offset
// after the last acknowledged alert to its end, however many messages that is; the bounded
// tail (3 messages here) would miss most of them.
TEST_F(KafkaSinkTest, RecoverReadsPastTheRecordedPositionOfEachPartition) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"alerts:2"}));
  std::string position;
  {
    std::unique_ptr<KafkaAlertSink> sink = NewSink("alerts", /*recover_max_messages=*/3);
    ASSERT_NE(sink, nullptr);
    ASSERT_EQ(sink->Deliver(Alerts(1, 4)).value(), 4u);
    position = sink->RecoveryPosition();
    // Delivered, then a crash before the acknowledgement.
    ASSERT_EQ(sink->Deliver(Alerts(5, 16)).value(), 16u);
  }
  ASSERT_TRUE(position.starts_with("kafka:")) << position;

  std::unique_ptr<KafkaAlertSink> restarted = NewSink("alerts", /*recover_max_messages=*/3);
  ASSERT_NE(restarted, nullptr);
  restarted->SetRecordedPosition(position);
  std::vector<uint64_t> already_delivered;
  const base::Status status = restarted->Recover(Alerts(5, 16), already_delivered);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::sort(already_delivered.begin(), already_delivered.end());
  std::vector<uint64_t> all;
  for (uint64_t seq = 5; seq <= 20; ++seq) {
    all.push_back(seq);
  }
  EXPECT_EQ(already_delivered, all);
  // The acknowledged alerts lie before the position: not read, not reported.
  already_delivered.clear();
  ASSERT_TRUE(restarted->Recover(Alerts(1, 4), already_delivered).ok());
  EXPECT_TRUE(already_delivered.empty());
  // A damaged position is ignored: the bounded tails (3 per partition) are read instead.
  restarted->SetRecordedPosition("kafka:0=x");
  already_delivered.clear();
  ASSERT_TRUE(restarted->Recover(Alerts(5, 16), already_delivered).ok());
  EXPECT_EQ(already_delivered.size(), 6u);
}

TEST_F(KafkaSinkTest, RecoverOnAnEmptyTopicFindsNothing) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"alerts:2"}));
  std::unique_ptr<KafkaAlertSink> sink = NewSink("alerts");
  ASSERT_NE(sink, nullptr);
  std::vector<uint64_t> already_delivered;
  const base::Status status = sink->Recover(Alerts(1, 3), already_delivered);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(already_delivered.empty());
}

TEST_F(KafkaSinkTest, ARefusedDeliveryIsAnErrorAndTheRetrySucceeds) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"alerts:1"}));
  std::unique_ptr<KafkaAlertSink> sink = NewSink("alerts");
  ASSERT_NE(sink, nullptr);
  ASSERT_NO_FATAL_FAILURE(Control("errors Produce 1 TOPIC_AUTHORIZATION_FAILED",
                                  "control: ok: next 1 Produce requests fail"));
  const std::vector<OutboxEntry> entries = Alerts(1, 3);
  base::Result<size_t> refused = sink->Deliver(entries);
  ASSERT_FALSE(refused.has_value()) << "confirmed " << *refused;
  EXPECT_EQ(refused.error().code(), base::StatusCode::kUnavailable);
  EXPECT_NE(refused.error().message().find("alert-1"), std::string_view::npos)
      << refused.error().ToString();
  base::Result<size_t> retried = sink->Deliver(entries);
  ASSERT_TRUE(retried.has_value()) << retried.error().ToString();
  EXPECT_EQ(*retried, 3u);
  EXPECT_EQ(Consume("alerts", 3, "%k\n"),
            (std::vector<std::string>{"alert-1", "alert-2", "alert-3"}));
}

TEST_F(KafkaSinkTest, StopEndsADeliveryTheBrokerCannotConfirm) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"alerts:1"}));
  std::unique_ptr<KafkaAlertSink> sink = NewSink("alerts");
  ASSERT_NE(sink, nullptr);
  ASSERT_NO_FATAL_FAILURE(Control("down", "control: ok: all brokers down"));
  const std::vector<OutboxEntry> entries = Alerts(1, 3);
  std::future<base::Result<size_t>> delivered =
      std::async(std::launch::async, [&] { return sink->Deliver(entries); });
  // With message.timeout.ms=0 nothing fails on its own: only Stop ends the wait.
  EXPECT_EQ(delivered.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  sink->Stop();
  ASSERT_EQ(delivered.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  base::Result<size_t> confirmed = delivered.get();
  ASSERT_TRUE(confirmed.has_value()) << confirmed.error().ToString();
  EXPECT_EQ(*confirmed, 0u);
}

// FORMATS.md §7: key = the source position as text, value = the original bytes, headers
// th-reason, th-source, th-position, th-error; then our th-truncated and th-source-timestamp
// (left out when the source message had no timestamp).
TEST_F(KafkaSinkTest, DeadLettersCarryTheDocumentedKeyAndHeaders) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"dlq:1"}));
  std::unique_ptr<DeadLetterProducer> producer = NewDeadLetterProducer("dlq");
  ASSERT_NE(producer, nullptr);
  DeadLetterRecord cut = Record("AAAA");
  cut.reason = "too-large";
  cut.error = "record of 2097152 bytes is over the 1048576-byte limit";
  cut.source_offset = 43;
  cut.source_timestamp_ms = -1;
  cut.truncated = true;
  base::Result<size_t> confirmed = producer->Deliver({{7, Record("{\"Records\":")}, {8, cut}});
  ASSERT_TRUE(confirmed.has_value()) << confirmed.error().ToString();
  EXPECT_EQ(*confirmed, 2u);
  EXPECT_EQ(producer->outcomes(), (std::vector<DeadLetterDelivery>{DeadLetterDelivery::kProduced,
                                                                   DeadLetterDelivery::kProduced}));
  EXPECT_EQ(producer->produced_total(), 2u);

  EXPECT_EQ(Consume("dlq", 2, "%k|%h|%s\n"),
            (std::vector<std::string>{
                "cloudtrail/3 @42|th-reason=bad-json,th-source=cloudtrail/3,"
                "th-position=cloudtrail/3 @42,th-error=unexpected end of input at byte 9,"
                "th-truncated=false,th-source-timestamp=1700000000123|{\"Records\":",
                "cloudtrail/3 @43|th-reason=too-large,th-source=cloudtrail/3,"
                "th-position=cloudtrail/3 @43,"
                "th-error=record of 2097152 bytes is over the 1048576-byte limit,"
                "th-truncated=true|AAAA",
            }));
}

TEST_F(KafkaSinkTest, ARecordTooLargeForTheTopicGoesToTheFileInOrder) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"dlq:1"}));
  std::unique_ptr<DeadLetterProducer> producer =
      NewDeadLetterProducer("dlq", {{"message.max.bytes", "10000"}});
  ASSERT_NE(producer, nullptr);
  const std::string huge(20000, 'x');
  base::Result<size_t> confirmed =
      producer->Deliver({{1, Record("small-1")}, {2, Record(huge)}, {3, Record("small-3")}});
  ASSERT_TRUE(confirmed.has_value()) << confirmed.error().ToString();
  EXPECT_EQ(*confirmed, 3u);
  EXPECT_EQ(producer->outcomes(), (std::vector<DeadLetterDelivery>{DeadLetterDelivery::kProduced,
                                                                   DeadLetterDelivery::kFile,
                                                                   DeadLetterDelivery::kProduced}));
  EXPECT_EQ(producer->file_total(), 1u);
  const std::vector<std::string> file = Lines(ReadFile(dir_ / "dead-letters.ndjson"));
  ASSERT_EQ(file.size(), 1u);
  // FORMATS.md §8's fields first, then where in Kafka the record came from.
  EXPECT_TRUE(file[0].starts_with("{\"time\":\"")) << file[0];
  EXPECT_NE(file[0].find("\"source\":\"cloudtrail/3\",\"position\":\"cloudtrail/3 @42\","
                         "\"reason\":\"bad-json\",\"error\":\"unexpected end of input at byte 9\","
                         "\"raw\":\"xxxxxx"),
            std::string::npos)
      << file[0];
  EXPECT_NE(file[0].find("\"raw_truncated\":false,\"source_topic\":\"cloudtrail\","
                         "\"source_partition\":3,\"source_offset\":42,"
                         "\"source_timestamp_ms\":1700000000123,"
                         "\"kafka_error\":\"MSG_SIZE_TOO_LARGE\"}"),
            std::string::npos)
      << file[0].substr(file[0].size() - 300);
  EXPECT_EQ(Consume("dlq", 2, "%s\n"), (std::vector<std::string>{"small-1", "small-3"}));
}

// The 2.0.2 mock creates any topic a Metadata request names, whatever allow.auto.create.topics
// says, so a missing topic cannot be staged; the broker refusing the topic takes the same path.
TEST_F(KafkaSinkTest, ADeadLetterTopicThatRefusesRecordsFallsBackToTheFile) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"dlq:1"}));
  std::unique_ptr<DeadLetterProducer> producer = NewDeadLetterProducer("dlq");
  ASSERT_NE(producer, nullptr);
  ASSERT_NO_FATAL_FAILURE(Control("errors Produce 1 TOPIC_AUTHORIZATION_FAILED",
                                  "control: ok: next 1 Produce requests fail"));
  base::Result<size_t> confirmed = producer->Deliver({{9, Record("lost?")}});
  ASSERT_TRUE(confirmed.has_value()) << confirmed.error().ToString();
  EXPECT_EQ(*confirmed, 1u);
  EXPECT_EQ(producer->outcomes(), std::vector<DeadLetterDelivery>{DeadLetterDelivery::kFile});
  EXPECT_EQ(producer->file_total(), 1u);
  const std::string file = ReadFile(dir_ / "dead-letters.ndjson");
  EXPECT_NE(file.find("\"kafka_error\":\"TOPIC_AUTHORIZATION_FAILED\""), std::string::npos) << file;
  EXPECT_NE(file.find("\"raw\":\"lost?\""), std::string::npos) << file;
}

}  // namespace
}  // namespace trailhound::pipeline
