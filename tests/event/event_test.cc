// tests/event/event_test.cc: Event, the decoded CloudTrail record: hot-field extraction, the
// partial / time-unknown / derived-id / content-unknown / insight flags (FORMATS.md §2), the
// canonical JSON and the lifetime of the views an Event hands out.
#include "pipeline/event/event.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "pipeline/event/event_time.h"
#include "pipeline/event/hot_field.h"
#include "pipeline/event/position.h"

namespace trailhound::event {
namespace {

// An AssumeRole call by an assumed-role session, with every hot field set.
constexpr std::string_view kFullRecord = R"({
  "eventVersion": "1.08",
  "userIdentity": {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLEID:alice",
    "arn": "arn:aws:sts::111111111111:assumed-role/Admin/alice",
    "accountId": "111111111111",
    "accessKeyId": "ASIAEXAMPLEKEY",
    "sessionContext": {
      "sessionIssuer": {
        "type": "Role",
        "principalId": "AROAEXAMPLEID",
        "arn": "arn:aws:iam::111111111111:role/Admin",
        "accountId": "111111111111",
        "userName": "Admin"
      },
      "attributes": {"creationDate": "2023-07-10T11:00:00Z", "mfaAuthenticated": "false"}
    }
  },
  "eventTime": "2023-07-10T11:45:01Z",
  "eventSource": "sts.amazonaws.com",
  "eventName": "AssumeRole",
  "awsRegion": "eu-west-1",
  "sourceIPAddress": "203.0.113.7",
  "userAgent": "aws-cli/2.13.0 Python/3.11.4",
  "errorCode": "AccessDenied",
  "errorMessage": "not authorized",
  "requestParameters": {"roleArn": "arn:aws:iam::222222222222:role/Other", "roleSessionName": "x"},
  "responseElements": null,
  "requestID": "4f2b0c1e-0000-4000-8000-000000000001",
  "eventID": "9e1a3b5c-0000-4000-8000-000000000002",
  "readOnly": true,
  "eventType": "AwsApiCall",
  "managementEvent": true,
  "recipientAccountId": "111111111111",
  "eventCategory": "Management"
})";

constexpr int64_t kFullRecordTimeNs = int64_t{1688989501} * 1'000'000'000;

// Parses `json` and builds a bare Event on its root; the Event shares the document.
Event MakeEvent(std::string_view json, Position position = {}) {
  simdjson::dom::parser parser;
  std::shared_ptr<const ParsedJson> document;
  const simdjson::error_code error = ParsedJson::Parse(parser, json, document);
  EXPECT_EQ(error, simdjson::SUCCESS) << json;
  if (error != simdjson::SUCCESS) {
    EXPECT_EQ(ParsedJson::Parse(parser, "{}", document), simdjson::SUCCESS);
  }
  const simdjson::dom::element root = document->root();
  return Event(std::move(document), root, std::move(position), EnvelopeKind::kBare);
}

// `base` with the first occurrence of `from` replaced by `to` (which may be empty).
std::string Patched(std::string_view base, std::string_view from, std::string_view to) {
  std::string out(base);
  const size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) {
    out.replace(at, from.size(), to);
  }
  return out;
}

bool IsLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

TEST(Event, KeysThatDifferFromAHotFieldByOneByteAreNotHotFields) {
  // Hot keys are recognised by 8-byte words of the key (first, second, last); a key that
  // differs in any of those words, or in length, must not be taken for the hot field.
  struct Row {
    const char* key;
  };
  const Row rows[] = {
      {"eventNamE"},
      {"EventName"},
      {"eventName "},
      {"eventNam"},
      {"eventTimes"},
      {"recipientAccountIx"},
      {"recipientAccountId2"},
      {"rEcipientAccountId"},
      {"recipientXccountId"},
      {"sourceIPAddresS"},
      {"eventI"},
      {"eventIDs"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.key);
    const std::string json = std::string(R"({"eventTime":"2023-07-10T11:45:01Z",")") + row.key +
                             R"(":"decoy","eventSource":"s3.amazonaws.com"})";
    const Event event = MakeEvent(json);
    EXPECT_EQ(event.event_name(), "");
    EXPECT_EQ(event.recipient_account_id(), "");
    EXPECT_EQ(event.source_ip(), "");
    EXPECT_EQ(event.hot(HotField::kEventId), std::string_view(event.event_id()));
    EXPECT_TRUE(event.has_flag(kFlagDerivedId)) << "eventID must not be taken from " << row.key;
    EXPECT_EQ(event.event_source(), "s3.amazonaws.com");
  }
}

TEST(Event, ExtractsEveryHotFieldFromAFullRecord) {
  const Event event = MakeEvent(kFullRecord);
  struct Row {
    HotField field;
    std::string_view want;
  };
  const Row rows[] = {
      {HotField::kEventTime, "2023-07-10T11:45:01Z"},
      {HotField::kEventName, "AssumeRole"},
      {HotField::kEventSource, "sts.amazonaws.com"},
      {HotField::kAwsRegion, "eu-west-1"},
      {HotField::kRecipientAccountId, "111111111111"},
      {HotField::kSourceIpAddress, "203.0.113.7"},
      {HotField::kUserType, "AssumedRole"},
      {HotField::kUserArn, "arn:aws:sts::111111111111:assumed-role/Admin/alice"},
      {HotField::kPrincipalId, "AROAEXAMPLEID:alice"},
      {HotField::kUserAccountId, "111111111111"},
      {HotField::kAccessKeyId, "ASIAEXAMPLEKEY"},
      {HotField::kSessionIssuerArn, "arn:aws:iam::111111111111:role/Admin"},
      {HotField::kErrorCode, "AccessDenied"},
      {HotField::kReadOnly, "true"},
      {HotField::kEventId, "9e1a3b5c-0000-4000-8000-000000000002"},
      {HotField::kRequestId, "4f2b0c1e-0000-4000-8000-000000000001"},
      {HotField::kEventType, "AwsApiCall"},
      {HotField::kUserAgent, "aws-cli/2.13.0 Python/3.11.4"},
  };
  static_assert(sizeof(rows) / sizeof(rows[0]) == kHotFieldCount, "every hot field has a row");
  for (const Row& row : rows) {
    SCOPED_TRACE(HotFieldPath(row.field));
    EXPECT_EQ(event.hot(row.field), row.want);
    simdjson::dom::element element;
    EXPECT_TRUE(event.hot_element(row.field, element));
  }
  EXPECT_EQ(event.event_name(), "AssumeRole");
  EXPECT_EQ(event.event_source(), "sts.amazonaws.com");
  EXPECT_EQ(event.event_id(), "9e1a3b5c-0000-4000-8000-000000000002");
  EXPECT_EQ(event.aws_region(), "eu-west-1");
  EXPECT_EQ(event.recipient_account_id(), "111111111111");
  EXPECT_EQ(event.source_ip(), "203.0.113.7");
  EXPECT_EQ(event.user_arn(), "arn:aws:sts::111111111111:assumed-role/Admin/alice");
  EXPECT_EQ(event.access_key_id(), "ASIAEXAMPLEKEY");
  EXPECT_EQ(event.error_code(), "AccessDenied");
  EXPECT_EQ(event.read_only(), ReadOnly::kTrue);
  EXPECT_TRUE(event.time_known());
  EXPECT_EQ(event.event_time_ns(), kFullRecordTimeNs);
  EXPECT_EQ(event.flags(), 0u) << "a complete record carries no flag";
  EXPECT_EQ(event.envelope(), EnvelopeKind::kBare);
}

TEST(Event, HotElementKeepsTheJsonTypeAndReportsAbsence) {
  const Event event = MakeEvent(kFullRecord);
  simdjson::dom::element read_only;
  ASSERT_TRUE(event.hot_element(HotField::kReadOnly, read_only));
  EXPECT_TRUE(read_only.is_bool());

  const Event sparse = MakeEvent(R"({"eventName":"ListBuckets","errorCode":null})");
  simdjson::dom::element element;
  EXPECT_FALSE(sparse.hot_element(HotField::kUserArn, element));
  EXPECT_FALSE(sparse.hot_element(HotField::kSessionIssuerArn, element));
  ASSERT_TRUE(sparse.hot_element(HotField::kErrorCode, element)) << "null is present, not missing";
  EXPECT_TRUE(element.is_null());
  EXPECT_EQ(sparse.error_code(), "");
}

TEST(Event, ReadOnlyAcceptsBooleanAndStringForms) {
  struct Row {
    std::string_view name;
    std::string_view value;  // JSON text replacing `true` in the full record
    ReadOnly want;
    std::string_view want_text;
    bool want_partial;
  };
  const Row rows[] = {
      {"boolean true", "true", ReadOnly::kTrue, "true", false},
      {"boolean false", "false", ReadOnly::kFalse, "false", false},
      {"string true", R"("true")", ReadOnly::kTrue, "true", false},
      {"string false", R"("false")", ReadOnly::kFalse, "false", false},
      {"null", "null", ReadOnly::kUnknown, "", false},
      {"number is mistyped", "1", ReadOnly::kUnknown, "", true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const Event event = MakeEvent(
        Patched(kFullRecord, R"("readOnly": true)", "\"readOnly\": " + std::string(row.value)));
    EXPECT_EQ(event.read_only(), row.want);
    EXPECT_EQ(event.hot(HotField::kReadOnly), row.want_text);
    EXPECT_EQ(event.has_flag(kFlagPartial), row.want_partial);
  }
  const Event missing = MakeEvent(Patched(kFullRecord, R"("readOnly": true,)", ""));
  EXPECT_EQ(missing.read_only(), ReadOnly::kUnknown);
  EXPECT_FALSE(missing.has_flag(kFlagPartial)) << "readOnly is optional";
}

TEST(Event, MissingOrMistypedHotFieldFlagsPartialAndKeepsTheOthers) {
  struct Row {
    std::string_view name;
    std::string_view from;
    std::string_view to;
    std::vector<HotField> emptied;  // hot fields left empty by the change
  };
  const std::vector<HotField> kIdentity = {HotField::kUserType,    HotField::kUserArn,
                                           HotField::kPrincipalId, HotField::kUserAccountId,
                                           HotField::kAccessKeyId, HotField::kSessionIssuerArn};
  const Row rows[] = {
      {"eventName is a number", R"("AssumeRole")", "5", {HotField::kEventName}},
      {"eventName missing", R"("eventName": "AssumeRole",)", "", {HotField::kEventName}},
      {"eventName null", R"("AssumeRole")", "null", {HotField::kEventName}},
      {"eventSource is an array",
       R"("sts.amazonaws.com")",
       R"(["sts.amazonaws.com"])",
       {HotField::kEventSource}},
      {"eventSource missing",
       R"("eventSource": "sts.amazonaws.com",)",
       "",
       {HotField::kEventSource}},
      {"awsRegion missing", R"("awsRegion": "eu-west-1",)", "", {HotField::kAwsRegion}},
      {"eventID is an object", R"("9e1a3b5c-0000-4000-8000-000000000002")", R"({"id":1})", {}},
      {"sourceIPAddress is an object",
       R"("203.0.113.7")",
       R"({"ip":"203.0.113.7"})",
       {HotField::kSourceIpAddress}},
      {"errorCode is a number", R"("AccessDenied")", "403", {HotField::kErrorCode}},
      {"userIdentity.arn is a number",
       R"("arn:aws:sts::111111111111:assumed-role/Admin/alice")",
       "7",
       {HotField::kUserArn}},
      {"userIdentity.accessKeyId is a boolean",
       R"("ASIAEXAMPLEKEY")",
       "false",
       {HotField::kAccessKeyId}},
      {"userIdentity missing", R"("userIdentity": {)", R"("otherIdentity": {)", kIdentity},
      {"userIdentity is a string", R"("userIdentity": {)", R"("userIdentity": "root", "x": {)",
       kIdentity},
      {"userIdentity is null", R"("userIdentity": {)", R"("userIdentity": null, "x": {)",
       kIdentity},
  };
  const HotField kChecked[] = {
      HotField::kEventName,       HotField::kEventSource, HotField::kAwsRegion,
      HotField::kUserArn,         HotField::kAccessKeyId, HotField::kErrorCode,
      HotField::kSourceIpAddress, HotField::kRequestId,   HotField::kEventId};
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const Event event = MakeEvent(Patched(kFullRecord, row.from, row.to));
    EXPECT_TRUE(event.has_flag(kFlagPartial));
    for (const HotField field : kChecked) {
      const bool emptied =
          std::find(row.emptied.begin(), row.emptied.end(), field) != row.emptied.end();
      // The broken field reads empty; whatever is broken, the rest of the record is still read.
      EXPECT_EQ(event.hot(field).empty(), emptied) << HotFieldPath(field);
    }
    EXPECT_TRUE(event.time_known());
    EXPECT_EQ(event.event_time_ns(), kFullRecordTimeNs);
  }
}

TEST(Event, OptionalHotFieldsMayBeAbsentOrNullWithoutPartial) {
  struct Row {
    std::string_view name;
    std::string_view from;
    std::string_view to;
  };
  const Row rows[] = {
      {"errorCode absent (a successful call)", R"("errorCode": "AccessDenied",)", ""},
      {"errorCode null (Athena export)", R"("AccessDenied")", "null"},
      {"sourceIPAddress absent", R"("sourceIPAddress": "203.0.113.7",)", ""},
      {"no sessionContext", R"("sessionContext")", R"("otherContext")"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const Event event = MakeEvent(Patched(kFullRecord, row.from, row.to));
    EXPECT_FALSE(event.has_flag(kFlagPartial));
    EXPECT_EQ(event.event_name(), "AssumeRole");
  }
}

TEST(Event, UnknownTimeIsFlaggedWhenEventTimeIsMissingOrUnparseable) {
  struct Row {
    std::string_view name;
    std::string_view from;
    std::string_view to;
    bool want_partial;
  };
  const Row rows[] = {
      {"missing", R"("eventTime": "2023-07-10T11:45:01Z",)", "", true},
      {"unparseable text", R"("2023-07-10T11:45:01Z")", R"("yesterday")", false},
      {"redacted", R"("2023-07-10T11:45:01Z")", R"("redacted")", false},
      {"month 13", R"("2023-07-10T11:45:01Z")", R"("2023-13-10T11:45:01Z")", false},
      {"epoch number is mistyped", R"("2023-07-10T11:45:01Z")", "1688989501", true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const Event event = MakeEvent(Patched(kFullRecord, row.from, row.to));
    EXPECT_TRUE(event.has_flag(kFlagTimeUnknown));
    EXPECT_FALSE(event.time_known());
    EXPECT_EQ(event.has_flag(kFlagPartial), row.want_partial);
    EXPECT_EQ(event.event_name(), "AssumeRole") << "the record still decodes";
  }
  const Event panther = MakeEvent(
      Patched(kFullRecord, R"("2023-07-10T11:45:01Z")", R"("2023-07-10 11:45:01.000000000")"));
  EXPECT_TRUE(panther.time_known());
  EXPECT_EQ(panther.event_time_ns(), kFullRecordTimeNs);
}

TEST(Event, MissingEventIdIsDerivedFromTheCanonicalBytes) {
  // SHA-256 of this exact (minified) text, first 16 bytes in hex, computed independently.
  constexpr std::string_view kRecord =
      R"({"eventVersion":"1.08","eventTime":"2023-07-10T11:45:01Z",)"
      R"("eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1"})";
  const Event event = MakeEvent(kRecord);
  EXPECT_TRUE(event.has_flag(kFlagDerivedId));
  EXPECT_EQ(event.event_id(), "th-087778ab732c9652b828496022fd568e");
  EXPECT_EQ(event.hot(HotField::kEventId), event.event_id());
  simdjson::dom::element element;
  EXPECT_FALSE(event.hot_element(HotField::kEventId, element)) << "the record has no eventID";

  // The same record pretty-printed has the same canonical bytes, hence the same id.
  const Event pretty = MakeEvent(
      "{\n  \"eventVersion\": \"1.08\",\n  \"eventTime\": \"2023-07-10T11:45:01Z\",\n"
      "  \"eventSource\": \"s3.amazonaws.com\",\n  \"eventName\": \"ListBuckets\",\n"
      "  \"awsRegion\": \"us-east-1\"\n}\n");
  EXPECT_EQ(pretty.event_id(), event.event_id());

  const Event other = MakeEvent(Patched(kRecord, "ListBuckets", "GetBucketAcl"));
  EXPECT_TRUE(other.has_flag(kFlagDerivedId));
  EXPECT_NE(other.event_id(), event.event_id());
  ASSERT_EQ(other.event_id().size(), 35u);
  EXPECT_EQ(other.event_id().substr(0, 3), "th-");
  EXPECT_TRUE(IsLowerHex(other.event_id().substr(3)));

  // The id depends on the record alone, not on the envelope it arrived in.
  simdjson::dom::parser parser;
  std::shared_ptr<const ParsedJson> batch;
  ASSERT_EQ(ParsedJson::Parse(parser, "{\"Records\": [" + std::string(kRecord) + "]}", batch),
            simdjson::SUCCESS);
  const simdjson::dom::element in_batch = batch->root().at_pointer("/Records/0").value();
  const Event batched(batch, in_batch, Position{}, EnvelopeKind::kRecords);
  EXPECT_EQ(batched.event_id(), event.event_id());

  const Event with_id = MakeEvent(kFullRecord);
  EXPECT_FALSE(with_id.has_flag(kFlagDerivedId));
}

TEST(Event, OmittedPayloadMarksContentUnknown) {
  struct Row {
    std::string_view name;
    std::string_view request_parameters;
    bool want;
  };
  const Row rows[] = {
      {"boolean marker", R"({"omitted": true, "originalSize": 120000})", true},
      {"string marker", R"({"omitted": "true"})", true},
      {"marker false", R"({"omitted": false})", false},
      {"ordinary payload", R"({"bucketName": "omitted"})", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    const Event event = MakeEvent(
        Patched(kFullRecord,
                R"({"roleArn": "arn:aws:iam::222222222222:role/Other", "roleSessionName": "x"})",
                row.request_parameters));
    EXPECT_EQ(event.has_flag(kFlagContentUnknown), row.want);
  }
  const Event response = MakeEvent(Patched(kFullRecord, R"("responseElements": null)",
                                           R"("responseElements": {"omitted": true})"));
  EXPECT_TRUE(response.has_flag(kFlagContentUnknown));
}

TEST(Event, InsightRecordTakesItsNameFromInsightDetails) {
  constexpr std::string_view kInsight =
      R"({"eventVersion":"1.07","eventTime":"2019-11-14T00:51:00Z","awsRegion":"us-east-1",)"
      R"("eventID":"EXAMPLE8-9621-4d00-b913-beca2EXAMPLE","eventType":"AwsCloudTrailInsight",)"
      R"("recipientAccountId":"123456789012","sharedEventID":"EXAMPLE2-1729",)"
      R"("insightDetails":{"state":"Start","eventSource":"ssm.amazonaws.com",)"
      R"("eventName":"UpdateInstanceInformation","insightType":"ApiCallRateInsight"},)"
      R"("eventCategory":"Insight"})";
  const Event event = MakeEvent(kInsight);
  EXPECT_TRUE(event.has_flag(kFlagInsight));
  EXPECT_EQ(event.event_name(), "UpdateInstanceInformation");
  EXPECT_EQ(event.event_source(), "ssm.amazonaws.com");
  EXPECT_FALSE(event.has_flag(kFlagPartial)) << "an Insight has no userIdentity by design";
  EXPECT_TRUE(event.time_known());

  EXPECT_FALSE(MakeEvent(kFullRecord).has_flag(kFlagInsight));
}

TEST(Event, CanonicalJsonIsTheMinifiedRecordAndRoundTrips) {
  const Event event = MakeEvent(kFullRecord);
  const std::string canonical = event.CanonicalJson();
  EXPECT_EQ(canonical.find('\n'), std::string::npos);
  EXPECT_EQ(canonical.find(": "), std::string::npos);
  EXPECT_EQ(canonical.rfind(R"({"eventVersion":"1.08","userIdentity":{"type":"AssumedRole",)", 0),
            0u);
  EXPECT_NE(canonical.find(R"("userAgent":"aws-cli/2.13.0 Python/3.11.4")"), std::string::npos)
      << "spaces inside strings are kept";
  EXPECT_LT(canonical.size(), kFullRecord.size());

  const Event again = MakeEvent(canonical);
  EXPECT_EQ(again.CanonicalJson(), canonical);
  for (size_t i = 0; i < kHotFieldCount; ++i) {
    const HotField field = static_cast<HotField>(i);
    EXPECT_EQ(again.hot(field), event.hot(field)) << HotFieldPath(field);
  }
  EXPECT_EQ(again.flags(), event.flags());
  EXPECT_EQ(again.event_time_ns(), event.event_time_ns());
}

TEST(Event, CanonicalJsonOfARecordInsideABatchHoldsOnlyThatRecord) {
  simdjson::dom::parser parser;
  std::shared_ptr<const ParsedJson> document;
  ASSERT_EQ(ParsedJson::Parse(parser,
                              R"({"Records": [{"eventName": "A", "eventID": "1"},)"
                              R"( {"eventName": "B", "eventID": "2"}]})",
                              document),
            simdjson::SUCCESS);
  std::vector<Event> events;
  simdjson::dom::array records;
  ASSERT_EQ(document->root().at_key("Records").get(records), simdjson::SUCCESS);
  for (const simdjson::dom::element record : records) {
    events.emplace_back(document, record, Position{}, EnvelopeKind::kRecords);
  }
  document.reset();  // The events share the batch's document and keep it alive.
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].CanonicalJson(), R"({"eventName":"A","eventID":"1"})");
  EXPECT_EQ(events[1].CanonicalJson(), R"({"eventName":"B","eventID":"2"})");
  EXPECT_EQ(events[1].envelope(), EnvelopeKind::kRecords);
  EXPECT_EQ(EnvelopeKindName(events[1].envelope()), "records");
}

TEST(Event, HotViewsSurviveMovesAndTheLossOfOtherOwners) {
  constexpr std::string_view kNoId =
      R"({"eventTime":"2023-07-10T11:45:01Z","eventName":"GetCallerIdentity",)"
      R"("eventSource":"sts.amazonaws.com","awsRegion":"us-east-1",)"
      R"("userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/bob"}})";
  std::optional<Event> source(MakeEvent(kNoId));
  ASSERT_TRUE(source->has_flag(kFlagDerivedId));
  const std::string id(source->event_id());
  const char* const id_data = source->event_id().data();
  const std::string canonical = source->CanonicalJson();

  // Move-construct, destroy the moved-from object, then move-assign into a vector slot that
  // reallocates: every view must still read the same bytes.
  Event moved(std::move(*source));
  source.reset();
  std::vector<Event> events;
  events.push_back(MakeEvent(kFullRecord));
  events[0] = std::move(moved);
  for (int i = 0; i < 16; ++i) {
    events.push_back(MakeEvent(kFullRecord));
  }
  const Event& event = events[0];
  EXPECT_EQ(event.event_id(), id);
  EXPECT_EQ(static_cast<const void*>(event.event_id().data()), static_cast<const void*>(id_data))
      << "the derived id lives on the heap";
  EXPECT_EQ(event.event_name(), "GetCallerIdentity");
  EXPECT_EQ(event.event_source(), "sts.amazonaws.com");
  EXPECT_EQ(event.user_arn(), "arn:aws:iam::111111111111:user/bob");
  EXPECT_EQ(event.hot(HotField::kUserType), "IAMUser");
  EXPECT_EQ(event.event_time_ns(), kFullRecordTimeNs);
  EXPECT_EQ(event.CanonicalJson(), canonical);
  EXPECT_EQ(events[16].event_name(), "AssumeRole");
}

TEST(Event, KeepsItsPositionAndFlagsAddedByTheDecoder) {
  Position position;
  position.source = std::make_shared<const std::string>("trail.json.gz");
  position = position.With(StepKind::kGzip, 0).With(StepKind::kRecords, 12);
  Event event = MakeEvent(kFullRecord, position);
  EXPECT_EQ(event.position().ToString(), "trail.json.gz @0 gzip > Records[12]");
  event.AddFlags(kFlagFromFirehose);
  EXPECT_TRUE(event.has_flag(kFlagFromFirehose));
  EXPECT_FALSE(event.has_flag(kFlagPartial));
}

TEST(Position, RendersEveryStepKind) {
  Position position;
  EXPECT_EQ(position.ToString(), "<unknown> @0");
  position.source = std::make_shared<const std::string>("-");
  position = position.WithOffset(120).With(StepKind::kLine, 4);
  EXPECT_EQ(position.ToString(), "- @120 line 4");
  const Position deep = Position{}
                            .With(StepKind::kFirehoseRecord, 3)
                            .With(StepKind::kValue, 2)
                            .With(StepKind::kSnsMessage, 0)
                            .With(StepKind::kLogEvent, 1)
                            .With(StepKind::kDetail, 0)
                            .With(StepKind::kArray, 5);
  EXPECT_EQ(deep.ToString(),
            "<unknown> @0 records[3] > value 2 > Message > logEvents[1] > detail > [5]");
  Position full;
  for (uint32_t i = 0; i < Position::kMaxSteps + 3; ++i) {
    full = full.With(StepKind::kArray, i);
  }
  EXPECT_EQ(full.step_count, Position::kMaxSteps) << "steps past the cap are dropped";
}

}  // namespace
}  // namespace trailhound::event
