// Tests for pipeline/decode_envelope.cc: every envelope of FORMATS.md §1 yields the right events,
// envelope kinds, positions and flags; skips and rejects carry the documented reasons.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/codec.h"
#include "pipeline/decode.h"
#include "pipeline/event/event.h"
#include "tests/pipeline/collecting_sink.h"

namespace trailhound::pipeline {
namespace {

using event::EnvelopeKind;
using testing::At;
using testing::CollectingSink;
using ::testing::HasSubstr;
using testing::SourcePosition;
using ::testing::StartsWith;

constexpr std::string_view kSource = "t.json";

// A complete CloudTrail record: every hot field present, so it carries no flag of its own.
std::string Rec(std::string_view id, std::string_view name = "GetObject") {
  std::string out = R"({"eventVersion":"1.09","userIdentity":{"type":"IAMUser",)"
                    R"("arn":"arn:aws:iam::111111111111:user/alice","accountId":"111111111111",)"
                    R"("accessKeyId":"AKIAIOSFODNN7EXAMPLE"},"eventTime":"2025-03-14T09:26:58Z",)"
                    R"("eventSource":"s3.amazonaws.com","eventName":")";
  out += name;
  out += R"(","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7","eventID":")";
  out += id;
  out += R"(","readOnly":true,"recipientAccountId":"111111111111"})";
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) {
      out += ",";
    }
    out += item;
  }
  return out;
}

std::string Records(const std::vector<std::string>& records) {
  return R"({"Records":[)" + Join(records) + "]}";
}

// `text` as a JSON string literal.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string EventBridge(std::string_view detail_type, std::string_view source,
                        std::string_view detail) {
  return R"({"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":")" +
         std::string(detail_type) + R"(","source":")" + std::string(source) +
         R"(","account":"111111111111","time":"2025-03-14T09:26:58Z","region":"eu-west-1",)"
         R"("resources":[],"detail":)" +
         std::string(detail) + "}";
}

std::string Firehose(const std::vector<std::string>& payloads) {
  std::vector<std::string> records;
  for (const std::string& payload : payloads) {
    records.push_back(R"({"data":")" + EncodeBase64(payload) + R"("})");
  }
  return R"({"requestId":"ed4acda5-034f-9f42-bba1-f29aea6d7d8f","timestamp":1741944418512,)"
         R"("records":[)" +
         Join(records) + "]}";
}

std::string Logs(std::string_view message_type, const std::vector<std::string>& messages) {
  std::vector<std::string> events;
  for (size_t i = 0; i < messages.size(); ++i) {
    events.push_back(R"({"id":"3195310660696698337880902507980421114328961542)" +
                     std::to_string(400 + i) + R"(","timestamp":1741944418000,"message":)" +
                     Quote(messages[i]) + "}");
  }
  return R"({"messageType":")" + std::string(message_type) +
         R"(","owner":"111111111111","logGroup":"aws-cloudtrail-logs",)"
         R"("logStream":"111111111111_CloudTrail_eu-west-1",)"
         R"("subscriptionFilters":["to-trailhound"],"logEvents":[)" +
         Join(events) + "]}";
}

std::string Sns(std::string_view message) {
  return R"({"Type":"Notification","MessageId":"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",)"
         R"("TopicArn":"arn:aws:sns:eu-west-1:111111111111:trail","Message":)" +
         Quote(message) + R"(,"Timestamp":"2025-03-14T09:27:00.000Z"})";
}

std::string S3Notification(std::string_view event_source) {
  return R"({"eventVersion":"2.1","eventSource":")" + std::string(event_source) +
         R"(","awsRegion":"eu-west-1","eventTime":"2025-03-14T09:26:58.000Z",)"
         R"("eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0",)"
         R"("bucket":{"name":"trail-bucket"},"object":{"key":"AWSLogs/x.json.gz"}}})";
}

struct WantEvent {
  std::string id;
  EnvelopeKind envelope;
  std::string position;
  uint32_t flags = 0;
};

struct WantReject {
  RejectReason reason;
  std::string position;
};

struct WantSkip {
  SkipReason reason;
  std::string position;
};

struct EnvelopeRow {
  std::string name;
  std::string input;
  std::vector<WantEvent> events;
  std::vector<WantReject> rejects;
  std::vector<WantSkip> skips;
};

void ExpectOutput(const CollectingSink& sink, const EnvelopeRow& row) {
  ASSERT_EQ(sink.events.size(), row.events.size());
  for (size_t i = 0; i < row.events.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(sink.events[i].event_id, row.events[i].id);
    EXPECT_EQ(sink.events[i].envelope, row.events[i].envelope);
    EXPECT_EQ(sink.events[i].position, row.events[i].position);
    EXPECT_EQ(sink.events[i].flags, row.events[i].flags);
  }
  std::vector<std::string> errors;
  for (const testing::CollectedReject& r : sink.rejects) {
    errors.push_back(r.position + ": " + r.reason_name + ": " + r.error);
  }
  ASSERT_EQ(sink.rejects.size(), row.rejects.size()) << ::testing::PrintToString(errors);
  for (size_t i = 0; i < row.rejects.size(); ++i) {
    SCOPED_TRACE("reject " + std::to_string(i) + ": " + sink.rejects[i].error);
    EXPECT_EQ(sink.rejects[i].reason_name, RejectReasonName(row.rejects[i].reason));
    EXPECT_EQ(sink.rejects[i].position, row.rejects[i].position);
    EXPECT_FALSE(sink.rejects[i].error.empty());
    EXPECT_FALSE(sink.rejects[i].raw.empty());
  }
  ASSERT_EQ(sink.skips.size(), row.skips.size());
  for (size_t i = 0; i < row.skips.size(); ++i) {
    SCOPED_TRACE("skip " + std::to_string(i));
    EXPECT_EQ(sink.skips[i].reason, row.skips[i].reason);
    EXPECT_EQ(sink.skips[i].position, row.skips[i].position);
  }
}

void RunRows(const std::vector<EnvelopeRow>& rows, const DecodeLimits& limits = {}) {
  Decoder decoder(limits);
  for (const EnvelopeRow& row : rows) {
    SCOPED_TRACE(row.name);
    CollectingSink sink;
    decoder.Decode(row.input, SourcePosition(kSource), sink);
    ExpectOutput(sink, row);
  }
}

// Event, position and flags of every output, one line each, for comparing two decodes.
std::vector<std::string> Summaries(const CollectingSink& sink) {
  std::vector<std::string> out;
  for (const testing::CollectedEvent& e : sink.events) {
    out.push_back("event " + e.position + " " + std::string(event::EnvelopeKindName(e.envelope)) +
                  " flags=" + std::to_string(e.flags) + " id=" + e.event_id + " " + e.json);
  }
  for (const testing::CollectedReject& r : sink.rejects) {
    out.push_back("reject " + r.position + " " + r.reason_name);
  }
  for (const testing::CollectedSkip& s : sink.skips) {
    out.push_back("skip " + s.position + " " + std::string(SkipReasonName(s.reason)));
  }
  return out;
}

constexpr uint32_t kFirehose = event::kFlagFromFirehose;
constexpr uint32_t kSns = event::kFlagFromSns;

TEST(DecodeEnvelope, EachBatchShapeYieldsItsRecordsWithEnvelopeAndPosition) {
  const std::string a = Rec("a");
  const std::string b = Rec("b");
  const std::string c = Rec("c");
  const std::string pretty = "{\n  \"Records\": [\n    " + a + ",\n    " + b + "\n  ]\n}\n";
  RunRows({
      {"bare object", a, {{"a", EnvelopeKind::kBare, At(kSource, "")}}, {}, {}},
      {"bare object with BOM and surrounding whitespace",
       "\xEF\xBB\xBF \n" + a + " \r\n",
       {{"a", EnvelopeKind::kBare, At(kSource, "")}},
       {},
       {}},
      {"Records batch",
       Records({a, b, c}),
       {{"a", EnvelopeKind::kRecords, At(kSource, "Records[0]")},
        {"b", EnvelopeKind::kRecords, At(kSource, "Records[1]")},
        {"c", EnvelopeKind::kRecords, At(kSource, "Records[2]")}},
       {},
       {}},
      {"gzip Records batch",
       Gzip(Records({a, b, c})),
       {{"a", EnvelopeKind::kRecords, At(kSource, "gzip > Records[0]")},
        {"b", EnvelopeKind::kRecords, At(kSource, "gzip > Records[1]")},
        {"c", EnvelopeKind::kRecords, At(kSource, "gzip > Records[2]")}},
       {},
       {}},
      {"pretty-printed Records batch is one document, not NDJSON",
       pretty,
       {{"a", EnvelopeKind::kRecords, At(kSource, "Records[0]")},
        {"b", EnvelopeKind::kRecords, At(kSource, "Records[1]")}},
       {},
       {}},
      {"top-level array",
       "[" + a + "," + b + "]",
       {{"a", EnvelopeKind::kArray, At(kSource, "[0]")},
        {"b", EnvelopeKind::kArray, At(kSource, "[1]")}},
       {},
       {}},
      {"array of Records batches",
       "[" + Records({a}) + "," + Records({b, c}) + "]",
       {{"a", EnvelopeKind::kRecords, At(kSource, "[0] > Records[0]")},
        {"b", EnvelopeKind::kRecords, At(kSource, "[1] > Records[0]")},
        {"c", EnvelopeKind::kRecords, At(kSource, "[1] > Records[1]")}},
       {},
       {}},
      {"empty array", "[]", {}, {}, {}},
      {"empty array with whitespace", "[ \n ]\n", {}, {}, {}},
      {"empty Records", R"({"Records":[]})", {}, {}, {}},
      {"gzip empty Records", Gzip(R"({"Records": [ ]})"), {}, {}, {}},
  });
}

TEST(DecodeEnvelope, NdjsonLinesAreDetectedOneByOneWithLineNumberAndOffset) {
  const std::string a = Rec("a");
  const std::string b = Rec("b");
  const std::string c = Rec("c");
  const std::string d = Rec("d");
  // Line 2 is blank, line 3 ends in CRLF, line 4 has trailing whitespace, line 5 has no newline.
  const std::string input = a + "\n\n" + b + "\r\n" + c + " \t\n" + d;
  const size_t b_at = a.size() + 2;
  const size_t c_at = b_at + b.size() + 2;
  const size_t d_at = c_at + c.size() + 3;
  const auto line = [](size_t offset, int number) {
    return std::string(kSource) + " @" + std::to_string(offset) + " line " + std::to_string(number);
  };
  RunRows({
      {"NDJSON",
       input,
       {{"a", EnvelopeKind::kBare, line(0, 1)},
        {"b", EnvelopeKind::kBare, line(b_at, 3)},
        {"c", EnvelopeKind::kBare, line(c_at, 4)},
        {"d", EnvelopeKind::kBare, line(d_at, 5)}},
       {},
       {}},
      {"NDJSON with final newline and leading blank line",
       "\n" + a + "\n" + b + "\n",
       // Leading whitespace is trimmed first, so lines count from the first record.
       {{"a", EnvelopeKind::kBare, line(1, 1)},
        {"b", EnvelopeKind::kBare, line(1 + a.size() + 1, 2)}},
       {},
       {}},
      {"NDJSON of Records batches",
       Records({a, b}) + "\n" + Records({c}) + "\n",
       {{"a", EnvelopeKind::kRecords, line(0, 1) + " > Records[0]"},
        {"b", EnvelopeKind::kRecords, line(0, 1) + " > Records[1]"},
        {"c", EnvelopeKind::kRecords, line(Records({a, b}).size() + 1, 2) + " > Records[0]"}},
       {},
       {}},
      {"gzip NDJSON",
       Gzip(a + "\n" + b + "\n"),
       {{"a", EnvelopeKind::kBare, At(kSource, "gzip > line 1")},
        {"b", EnvelopeKind::kBare, At(kSource, "gzip > line 2")}},
       {},
       {}},
  });
}

TEST(DecodeEnvelope, EventBridgeCloudTrailDetailTypesKeepEnvelopeMetadata) {
  const std::vector<std::string> detail_types = {
      "AWS API Call via CloudTrail",        "AWS Console Signin via CloudTrail",
      "AWS Console Sign In via CloudTrail", "AWS Console Action via CloudTrail",
      "AWS Service Event via CloudTrail",   "AWS Insight via CloudTrail",
  };
  Decoder decoder;
  for (const std::string& detail_type : detail_types) {
    SCOPED_TRACE(detail_type);
    CollectingSink sink;
    decoder.Decode(EventBridge(detail_type, "aws.signin", Rec("eb")), SourcePosition(kSource),
                   sink);
    EXPECT_TRUE(sink.rejects.empty());
    ASSERT_EQ(sink.events.size(), 1u);
    const testing::CollectedEvent& got = sink.events[0];
    EXPECT_EQ(got.event_id, "eb");
    EXPECT_EQ(got.envelope, EnvelopeKind::kEventBridge);
    EXPECT_EQ(got.position, At(kSource, "detail"));
    EXPECT_EQ(got.flags, 0u);
    EXPECT_EQ(got.json, Rec("eb"));  // the record alone, envelope removed
    ASSERT_TRUE(got.has_eventbridge);
    EXPECT_EQ(got.eventbridge.id, "6a7e8feb-b491-4cf7-a9f1-bf3703467718");
    EXPECT_EQ(got.eventbridge.time, "2025-03-14T09:26:58Z");
    EXPECT_EQ(got.eventbridge.region, "eu-west-1");
    EXPECT_EQ(got.eventbridge.account, "111111111111");
    EXPECT_EQ(got.eventbridge.source, "aws.signin");
    EXPECT_EQ(got.eventbridge.detail_type, detail_type);
  }
}

TEST(DecodeEnvelope, EventBridgeNotFromCloudTrailIsRejectedNotCloudTrail) {
  const std::string record = Rec("eb");
  std::string no_source = EventBridge("AWS API Call via CloudTrail", "aws.s3", record);
  no_source.replace(no_source.find(R"("source":"aws.s3",)"),
                    std::string_view(R"("source":"aws.s3",)").size(), "");
  const WantReject rejected{RejectReason::kNotCloudTrail, At(kSource, "")};
  RunRows({
      {"forged source",
       EventBridge("AWS API Call via CloudTrail", "custom.app", record),
       {},
       {rejected},
       {}},
      {"source aws without dot",
       EventBridge("AWS API Call via CloudTrail", "awsx.s3", record),
       {},
       {rejected},
       {}},
      {"missing source", no_source, {}, {rejected}, {}},
      {"unknown detail-type",
       EventBridge("EC2 Instance State-change Notification", "aws.ec2", record),
       {},
       {rejected},
       {}},
      {"detail-type in another case",
       EventBridge("aws api call via cloudtrail", "aws.s3", record),
       {},
       {rejected},
       {}},
      {"detail without CloudTrail key",
       EventBridge("AWS API Call via CloudTrail", "aws.s3", R"({"state":"running"})"),
       {},
       {rejected},
       {}},
      {"detail not an object",
       EventBridge("AWS API Call via CloudTrail", "aws.s3", R"("text")"),
       {},
       {rejected},
       {}},
  });
}

TEST(DecodeEnvelope, FirehoseRecordsAreBase64DecodedAndDetectedAgain) {
  const std::string logs = Gzip(Logs("DATA_MESSAGE", {Rec("cw")}));
  const std::string input = Firehose({
      Rec("bare") + "\n",
      Records({Rec("r0"), Rec("r1")}),
      EventBridge("AWS API Call via CloudTrail", "aws.iam", Rec("eb")),
      logs,
      "",
      Rec("l1") + "\n" + Rec("l2") + "\n",
      Gzip(Records({Rec("gz")})),
  });
  RunRows(
      {{"Firehose body",
        input,
        {{"bare", EnvelopeKind::kBare, At(kSource, "records[0]"), kFirehose},
         {"r0", EnvelopeKind::kRecords, At(kSource, "records[1] > Records[0]"), kFirehose},
         {"r1", EnvelopeKind::kRecords, At(kSource, "records[1] > Records[1]"), kFirehose},
         {"eb", EnvelopeKind::kEventBridge, At(kSource, "records[2] > detail"), kFirehose},
         {"cw", EnvelopeKind::kCloudWatchLogs, At(kSource, "records[3] > gzip > logEvents[0]"),
          kFirehose},
         {"l1", EnvelopeKind::kBare, At(kSource, "records[5] > line 1"), kFirehose},
         {"l2", EnvelopeKind::kBare, At(kSource, "records[5] > line 2"), kFirehose},
         {"gz", EnvelopeKind::kRecords, At(kSource, "records[6] > gzip > Records[0]"), kFirehose}},
        {},
        {{SkipReason::kEmpty, At(kSource, "records[4]")}}},
       {"Firehose body with no records",
        R"({"requestId":"x","timestamp":1,"records":[]})",
        {},
        {},
        {}},
       {"gzip Firehose body",
        Gzip(Firehose({Rec("a")})),
        {{"a", EnvelopeKind::kBare, At(kSource, "gzip > records[0]"), kFirehose}},
        {},
        {}}});
}

TEST(DecodeEnvelope, CloudWatchLogsDataMessagesYieldEachLogEvent) {
  RunRows({
      {"gzip DATA_MESSAGE",
       Gzip(Logs("DATA_MESSAGE", {Rec("a"), Rec("b")})),
       {{"a", EnvelopeKind::kCloudWatchLogs, At(kSource, "gzip > logEvents[0]")},
        {"b", EnvelopeKind::kCloudWatchLogs, At(kSource, "gzip > logEvents[1]")}},
       {},
       {}},
      {"plain DATA_MESSAGE (Firehose decompression on)",
       Logs("DATA_MESSAGE", {Rec("a")}),
       {{"a", EnvelopeKind::kCloudWatchLogs, At(kSource, "logEvents[0]")}},
       {},
       {}},
      {"gzip CONTROL_MESSAGE",
       Gzip(Logs("CONTROL_MESSAGE", {"CWL CONTROL MESSAGE: Checking health of destination"})),
       {},
       {},
       {{SkipReason::kControlMessage, At(kSource, "gzip")}}},
      {"log event message that is not a record",
       Logs("DATA_MESSAGE", {"plain text line", Rec("b")}),
       {{"b", EnvelopeKind::kCloudWatchLogs, At(kSource, "logEvents[1]")}},
       {{RejectReason::kMalformedJson, At(kSource, "logEvents[0]")}},
       {}},
  });
}

TEST(DecodeEnvelope, SnsNotificationMessageIsDetectedAgain) {
  RunRows({
      {"record", Sns(Rec("a")), {{"a", EnvelopeKind::kBare, At(kSource, "Message"), kSns}}, {}, {}},
      {"Records batch",
       Sns(Records({Rec("a"), Rec("b")})),
       {{"a", EnvelopeKind::kRecords, At(kSource, "Message > Records[0]"), kSns},
        {"b", EnvelopeKind::kRecords, At(kSource, "Message > Records[1]"), kSns}},
       {},
       {}},
      {"S3 notification of a new log file",
       Sns(Records({S3Notification("aws:s3")})),
       {},
       {{RejectReason::kS3Pointer, At(kSource, "Message > Records[0]")}},
       {}},
      {"CloudTrail file notice",
       Sns(R"({"s3Bucket":"trail-bucket","s3ObjectKey":["AWSLogs/x.json.gz"]})"),
       {},
       {{RejectReason::kS3Pointer, At(kSource, "Message")}},
       {}},
      {"SubscriptionConfirmation is not a notification",
       R"({"Type":"SubscriptionConfirmation","Message":"You have chosen to subscribe"})",
       {},
       {{RejectReason::kNotCloudTrail, At(kSource, "")}},
       {}},
  });
}

TEST(DecodeEnvelope, DigestsAreSkippedAndPointersRejected) {
  const std::string digest =
      R"({"awsAccountId":"111111111111","digestStartTime":"2025-03-14T08:00:00Z",)"
      R"("digestEndTime":"2025-03-14T09:00:00Z","digestS3Bucket":"trail-bucket",)"
      R"("digestS3Object":"AWSLogs/111111111111/CloudTrail-Digest/x.json.gz",)"
      R"("digestPublicKeyFingerprint":"abc","digestSignatureAlgorithm":"SHA256withRSA",)"
      R"("logFiles":[{"s3Bucket":"trail-bucket","s3Object":"AWSLogs/x.json.gz",)"
      R"("hashValue":"00","hashAlgorithm":"SHA-256"}]})";
  const std::string s3_test_event =
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2025-03-14T09:26:58.000Z",)"
      R"("Bucket":"trail-bucket","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw"})";
  std::string schema_only = S3Notification("s3.amazonaws.com");
  RunRows({
      {"digest", digest, {}, {}, {{SkipReason::kDigest, At(kSource, "")}}},
      {"gzip digest", Gzip(digest), {}, {}, {{SkipReason::kDigest, At(kSource, "gzip")}}},
      {"CloudTrail file notice",
       R"({"s3Bucket":"trail-bucket","s3ObjectKey":["AWSLogs/x.json.gz"]})",
       {},
       {{RejectReason::kS3Pointer, At(kSource, "")}},
       {}},
      {"S3 event notification among CloudTrail records",
       Records({Rec("a"), S3Notification("aws:s3"), Rec("b")}),
       {{"a", EnvelopeKind::kRecords, At(kSource, "Records[0]")},
        {"b", EnvelopeKind::kRecords, At(kSource, "Records[2]")}},
       {{RejectReason::kS3Pointer, At(kSource, "Records[1]")}},
       {}},
      {"S3 event notification recognised by s3.s3SchemaVersion",
       Records({schema_only}),
       {},
       {{RejectReason::kS3Pointer, At(kSource, "Records[0]")}},
       {}},
      {"S3 test event", s3_test_event, {}, {{RejectReason::kNotCloudTrail, At(kSource, "")}}, {}},
  });
}

TEST(DecodeEnvelope, ObjectsWithoutCloudTrailKeysAreRejectedNotCloudTrail) {
  const WantReject rejected{RejectReason::kNotCloudTrail, At(kSource, "")};
  RunRows({
      {"empty object", "{}", {}, {rejected}, {}},
      {"unrelated object",
       R"({"foo":1,"bar":{"eventName":"nested keys do not count"}})",
       {},
       {rejected},
       {}},
      {"Records element that is not an object",
       R"({"Records":[42]})",
       {},
       {{RejectReason::kNotCloudTrail, At(kSource, "Records[0]")}},
       {}},
      {"Records element without CloudTrail key",
       R"({"Records":[{"foo":"bar"}]})",
       {},
       {{RejectReason::kNotCloudTrail, At(kSource, "Records[0]")}},
       {}},
  });
}

TEST(DecodeEnvelope, LowercaseAthenaKeysAreRecognisedAsARecord) {
  Decoder decoder;
  for (const std::string& input : {
           std::string(R"({"eventname":"ConsoleLogin","eventtime":"2025-03-14 09:26:58"})"),
           std::string(R"({"EVENTSOURCE":"signin.amazonaws.com"})"),
           std::string(R"({"useridentity":{"type":"Root"}})"),
       }) {
    SCOPED_TRACE(input);
    CollectingSink sink;
    decoder.Decode(input, SourcePosition(kSource), sink);
    EXPECT_TRUE(sink.rejects.empty());
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_EQ(sink.events[0].envelope, EnvelopeKind::kBare);
    EXPECT_EQ(sink.events[0].json, input);
    // The hot fields are read by their documented names, so the event is partial.
    EXPECT_TRUE(sink.events[0].has_flag(event::kFlagPartial));
  }
}

TEST(DecodeEnvelope, RecordsBatchWithOneBrokenElementKeepsTheOthers) {
  const std::string input =
      R"({"Records":[)" + Rec("a") + R"(,{"eventID":"bad","eventName":nope},)" + Rec("c") + "]}";
  RunRows({{"broken element in the middle",
            input,
            {{"a", EnvelopeKind::kRecords, At(kSource, "Records[0]")},
             {"c", EnvelopeKind::kRecords, At(kSource, "Records[2]")}},
            {{RejectReason::kMalformedJson, At(kSource, "Records[1]")}},
            {}}});
  CollectingSink sink;
  Decoder().Decode(input, SourcePosition(kSource), sink);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_EQ(sink.rejects[0].raw, R"({"eventID":"bad","eventName":nope})");
}

// Every container decoded with a small max_event_bytes (streamed by the scanner, one document per
// element) gives exactly what the one-document path gives.
TEST(DecodeEnvelope, LargeContainersAreStreamedElementByElement) {
  std::vector<std::string> records;
  for (int i = 0; i < 40; ++i) {
    records.push_back(Rec("id-" + std::to_string(i), "Op" + std::to_string(i)));
  }
  std::string ndjson;
  for (const std::string& record : records) {
    ndjson += record + "\n";
  }
  const std::vector<std::string> few(records.begin(), records.begin() + 3);
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"Records", Records(records)},
      {"gzip Records", Gzip(Records(records))},
      {"Records with a broken element",
       R"({"Records":[)" + Join(few) + R"(,{"eventName":tru},)" + Join(records) + "]}"},
      {"Records with an S3 notification", Records({Join(records), S3Notification("aws:s3")})},
      {"top-level array", "[" + Join(records) + "]"},
      {"NDJSON", ndjson},
      {"Firehose", Firehose({Join(few), Records(records), "", Rec("last")})},
      {"CloudWatch Logs", Logs("DATA_MESSAGE", records)},
      {"gzip CloudWatch Logs", Gzip(Logs("DATA_MESSAGE", records))},
      {"CloudWatch Logs control message",
       Logs("CONTROL_MESSAGE", std::vector<std::string>(40, std::string(200, 'x')))},
      {"SNS", Sns(Records(records))},
  };
  DecodeLimits small;
  small.max_event_bytes = 4096;
  Decoder streaming(small);
  Decoder whole;
  for (const auto& [name, input] : rows) {
    SCOPED_TRACE(name);
    CollectingSink want;
    whole.Decode(input, SourcePosition(kSource), want);
    CollectingSink got;
    streaming.Decode(input, SourcePosition(kSource), got);
    EXPECT_EQ(Summaries(got), Summaries(want));
    EXPECT_FALSE(Summaries(want).empty());
  }
}

TEST(DecodeEnvelope, RecordOverMaxEventBytesInsideStreamedBatchIsRejectedTooLarge) {
  DecodeLimits small;
  small.max_event_bytes = 4096;
  const std::string big = Rec("big", std::string(5000, 'X'));
  RunRows({{"Records",
            Records({Rec("a"), big, Rec("c")}),
            {{"a", EnvelopeKind::kRecords, At(kSource, "Records[0]")},
             {"c", EnvelopeKind::kRecords, At(kSource, "Records[2]")}},
            {{RejectReason::kTooLarge, At(kSource, "Records[1]")}},
            {}},
           {"bare", big, {}, {{RejectReason::kTooLarge, At(kSource, "")}}, {}}},
          small);
}

TEST(DecodeEnvelope, MoreThanMaxEnvelopeLayersIsRejectedDepthExceeded) {
  DecodeLimits limits;
  limits.max_envelope_layers = 4;
  const std::string record = Rec("a");
  std::string gzip4 = record;
  for (int i = 0; i < 4; ++i) {
    gzip4 = Gzip(gzip4);
  }
  std::string sns5 = record;
  for (int i = 0; i < 5; ++i) {
    sns5 = Sns(sns5);
  }
  RunRows(
      {{"four gzip layers",
        gzip4,
        {{"a", EnvelopeKind::kBare, At(kSource, "gzip > gzip > gzip > gzip")}},
        {},
        {}},
       {"five gzip layers",
        Gzip(gzip4),
        {},
        {{RejectReason::kDepthExceeded, At(kSource, "gzip > gzip > gzip > gzip > gzip")}},
        {}},
       {"four SNS layers",
        Sns(Sns(Sns(Sns(record)))),
        {{"a", EnvelopeKind::kBare, At(kSource, "Message > Message > Message > Message"), kSns}},
        {},
        {}},
       {"five SNS layers",
        sns5,
        {},
        {{RejectReason::kDepthExceeded,
          At(kSource, "Message > Message > Message > Message > Message")}},
        {}},
       {"five nested arrays",
        "[[[[[" + record + "]]]]]",
        {},
        {{RejectReason::kDepthExceeded, At(kSource, "[0] > [0] > [0] > [0] > [0]")}},
        {}},
       {"Firehose in SNS in gzip in gzip, record in gzip",
        Gzip(Gzip(Sns(Firehose({Gzip(record)})))),
        {},
        {{RejectReason::kDepthExceeded, At(kSource, "gzip > gzip > Message > records[0] > gzip")}},
        {}}},
      limits);
}

TEST(DecodeEnvelope, InsightRecordTakesEventNameFromInsightDetails) {
  const std::string insight =
      R"({"eventVersion":"1.07","eventTime":"2025-03-14T09:00:00Z","awsRegion":"eu-west-1",)"
      R"("eventID":"ins-1","eventType":"AwsCloudTrailInsight","recipientAccountId":"111111111111",)"
      R"("sharedEventID":"shared-1","insightDetails":{"state":"Start",)"
      R"("eventSource":"ec2.amazonaws.com","eventName":"RunInstances",)"
      R"("insightType":"ApiCallRateInsight","insightContext":{}},"eventCategory":"Insight"})";
  Decoder decoder;
  for (const std::string& input : {insight, Records({insight})}) {
    SCOPED_TRACE(input.substr(0, 12));
    CollectingSink sink;
    decoder.Decode(input, SourcePosition(kSource), sink);
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_TRUE(sink.events[0].has_flag(event::kFlagInsight));
    EXPECT_EQ(sink.events[0].event_name, "RunInstances");
    EXPECT_EQ(sink.events[0].event_id, "ins-1");
  }
  CollectingSink plain;
  decoder.Decode(Rec("a"), SourcePosition(kSource), plain);
  ASSERT_EQ(plain.events.size(), 1u);
  EXPECT_FALSE(plain.events[0].has_flag(event::kFlagInsight));
}

TEST(DecodeEnvelope, MissingEventIdIsDerivedDeterministically) {
  const std::string without_id =
      R"({"eventVersion":"1.09","eventTime":"2025-03-14T09:26:58Z","eventName":"GetObject",)"
      R"("eventSource":"s3.amazonaws.com","awsRegion":"eu-west-1"})";
  const std::string other = R"({"eventVersion":"1.09","eventName":"PutObject"})";
  CollectingSink first;
  Decoder().Decode(without_id, SourcePosition(kSource), first);
  CollectingSink second;
  Decoder decoder;
  decoder.Decode(Records({without_id, other}), SourcePosition("other.json"), second);
  decoder.Decode(without_id, SourcePosition(kSource), second);
  ASSERT_EQ(first.events.size(), 1u);
  ASSERT_EQ(second.events.size(), 3u);
  const std::string& id = first.events[0].event_id;
  EXPECT_THAT(id, StartsWith("th-"));
  EXPECT_EQ(id.size(), 3u + 32u);
  EXPECT_TRUE(first.events[0].has_flag(event::kFlagDerivedId));
  // Same record bytes give the same id, whatever decoder, envelope or position.
  EXPECT_EQ(second.events[0].event_id, id);
  EXPECT_EQ(second.events[2].event_id, id);
  EXPECT_NE(second.events[1].event_id, id);
  EXPECT_THAT(second.events[1].event_id, StartsWith("th-"));

  CollectingSink with_id;
  decoder.Decode(Rec("given"), SourcePosition(kSource), with_id);
  ASSERT_EQ(with_id.events.size(), 1u);
  EXPECT_EQ(with_id.events[0].event_id, "given");
  EXPECT_FALSE(with_id.events[0].has_flag(event::kFlagDerivedId));
}

TEST(DecodeEnvelope, OmittedMarkerSetsContentUnknown) {
  struct Row {
    std::string name;
    std::string section;
    bool want;
  };
  const std::vector<Row> rows = {
      {"requestParameters omitted true",
       R"("requestParameters":{"omitted":true,"originalSize":300000})", true},
      {"requestParameters omitted \"true\"", R"("requestParameters":{"omitted":"true"})", true},
      {"responseElements omitted", R"("responseElements":{"omitted":true})", true},
      {"additionalEventData omitted", R"("additionalEventData":{"omitted":true})", true},
      {"serviceEventDetails omitted", R"("serviceEventDetails":{"omitted":true})", true},
      {"omitted false", R"("requestParameters":{"omitted":false})", false},
      {"ordinary parameters", R"("requestParameters":{"bucketName":"b"})", false},
      {"marker outside a payload section", R"("tlsDetails":{"omitted":true})", false},
  };
  Decoder decoder;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::string record = Rec("a");
    record.insert(record.size() - 1, "," + row.section);
    CollectingSink sink;
    decoder.Decode(record, SourcePosition(kSource), sink);
    ASSERT_EQ(sink.events.size(), 1u);
    EXPECT_EQ(sink.events[0].has_flag(event::kFlagContentUnknown), row.want);
  }
}

TEST(DecodeEnvelope, ConcatenatedValuesOnOneLineAreDecodedInTurn) {
  RunRows({{"two records",
            Rec("a") + Rec("b"),
            {{"a", EnvelopeKind::kBare, At(kSource, "value 1")},
             {"b", EnvelopeKind::kBare, At(kSource, "value 2")}},
            {},
            {}}});
}

TEST(DecodeEnvelope, ReasonNamesMatchTheDeadLetterAndMetricLabels) {
  const std::vector<std::pair<RejectReason, std::string_view>> rejects = {
      {RejectReason::kMalformedJson, "malformed-json"},
      {RejectReason::kNotCloudTrail, "not-cloudtrail"},
      {RejectReason::kGzipError, "gzip-error"},
      {RejectReason::kTooLarge, "too-large"},
      {RejectReason::kDepthExceeded, "depth-exceeded"},
      {RejectReason::kS3Pointer, "s3-pointer"},
  };
  ASSERT_EQ(rejects.size(), kRejectReasonCount);
  for (const auto& [reason, name] : rejects) {
    EXPECT_EQ(RejectReasonName(reason), name);
  }
  const std::vector<std::pair<SkipReason, std::string_view>> skips = {
      {SkipReason::kDigest, "digest"},
      {SkipReason::kControlMessage, "control-message"},
      {SkipReason::kEmpty, "empty"},
  };
  ASSERT_EQ(skips.size(), kSkipReasonCount);
  for (const auto& [reason, name] : skips) {
    EXPECT_EQ(SkipReasonName(reason), name);
  }
}

// DecodeCounts is fed by a sink; this one counts every event it is given.
class CountingSink : public DecodeSink {
 public:
  void OnEvent(event::Event&& decoded) override { counts.CountEvent(decoded); }
  void OnReject(const Rejected& rejected) override {
    ++counts.rejected[static_cast<size_t>(rejected.reason)];
  }
  void OnSkip(SkipReason reason, const event::Position&) override {
    ++counts.skipped[static_cast<size_t>(reason)];
  }
  DecodeCounts counts;
};

TEST(DecodeCounts, CountsEventsByEnvelopeAndFlag) {
  CountingSink sink;
  Decoder decoder;
  decoder.Decode(Records({Rec("a"), Rec("b"), R"({"eventName":"NoId"})"}), SourcePosition(kSource),
                 sink);
  decoder.Decode(EventBridge("AWS API Call via CloudTrail", "aws.s3", Rec("c")),
                 SourcePosition(kSource), sink);
  decoder.Decode("{}", SourcePosition(kSource), sink);
  decoder.Decode("", SourcePosition(kSource), sink);
  const DecodeCounts& counts = sink.counts;
  EXPECT_EQ(counts.events, 4u);
  EXPECT_EQ(counts.events_by_envelope[static_cast<size_t>(EnvelopeKind::kRecords)], 3u);
  EXPECT_EQ(counts.events_by_envelope[static_cast<size_t>(EnvelopeKind::kEventBridge)], 1u);
  EXPECT_EQ(counts.partial, 1u);
  EXPECT_EQ(counts.derived_id, 1u);
  EXPECT_EQ(counts.time_unknown, 1u);
  EXPECT_EQ(counts.total_rejected(), 1u);
  EXPECT_EQ(counts.rejected[static_cast<size_t>(RejectReason::kNotCloudTrail)], 1u);
  EXPECT_EQ(counts.total_skipped(), 1u);
  EXPECT_EQ(counts.skipped[static_cast<size_t>(SkipReason::kEmpty)], 1u);
}

TEST(DecodeEnvelope, RejectsKeepTheOffendingBytes) {
  CollectingSink sink;
  Decoder().Decode(Records({Rec("a"), R"({"foo" : "bar"})"}), SourcePosition(kSource), sink);
  ASSERT_EQ(sink.rejects.size(), 1u);
  EXPECT_EQ(sink.rejects[0].raw, R"({"foo":"bar"})");
  EXPECT_THAT(sink.rejects[0].error, HasSubstr("CloudTrail"));
}

}  // namespace
}  // namespace trailhound::pipeline
