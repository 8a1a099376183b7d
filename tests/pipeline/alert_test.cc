// tests/pipeline/alert_test.cc: the `event` object of every kind of alert has the same keys
// (DETECTIONS.md §5.1 makes it an object): a matched record, a correlation window closed
// without its record at hand, and an operational alert that no event triggered.
#include "pipeline/alert.h"

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "pipeline/decode.h"
#include "pipeline/event/position.h"
#include "rules/compiled_rule.h"
#include "rules/correlation.h"

namespace trailhound::pipeline {
namespace {

constexpr int64_t kNow = int64_t{1'741'944'461'512} * 1'000'000;

constexpr std::string_view kRecord =
    R"({"eventVersion":"1.09","eventID":"7d3c1f0e-5b2a-4c8e-9f61-2a4b8c0d9e13",)"
    R"("eventTime":"2025-03-14T09:26:58Z","eventName":"PutBucketPolicy",)"
    R"("eventSource":"s3.amazonaws.com","awsRegion":"eu-west-1",)"
    R"("recipientAccountId":"222222222222","sourceIPAddress":"203.0.113.45",)"
    R"("userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::222222222222:user/alice"}})";

class FormattingSink : public DecodeSink {
 public:
  explicit FormattingSink(const rules::CompiledRule& rule) : rule_(rule) {}
  void OnEvent(event::Event&& decoded) override {
    bodies.push_back(FormatAlert(rule_, decoded, AlertInput{"kafka", kNow}, kNow));
  }
  void OnReject(const Rejected& rejected) override { ADD_FAILURE() << rejected.error; }
  void OnSkip(SkipReason, const event::Position&) override { ADD_FAILURE() << "skipped"; }
  std::vector<std::string> bodies;

 private:
  const rules::CompiledRule& rule_;
};

// Every key of the `event` object, nested ones as `userIdentity.arn`, with the JSON type.
std::set<std::string> EventKeys(const std::string& body, rapidjson::Document& document) {
  document.Parse(body.c_str());
  EXPECT_FALSE(document.HasParseError()) << body;
  std::set<std::string> keys;
  if (document.HasParseError() || !document.HasMember("event") || !document["event"].IsObject()) {
    ADD_FAILURE() << "`event` is not an object: " << body;
    return keys;
  }
  const rapidjson::Value& event = document["event"];
  for (rapidjson::SizeType i = 0; i < event.MemberCount(); ++i) {
    const rapidjson::Value& value = (event.MemberBegin() + i)->value;
    const std::string name = (event.MemberBegin() + i)->name.GetString();
    if (value.IsObject()) {
      for (rapidjson::SizeType j = 0; j < value.MemberCount(); ++j) {
        keys.insert(name + "." + (value.MemberBegin() + j)->name.GetString());
      }
    } else {
      keys.insert(name);
    }
  }
  return keys;
}

std::string MatchedEventAlert() {
  rules::CompiledRule rule;
  rule.id = "th-exposure-s3-public";
  rule.title = "S3 bucket or object made public";
  rule.level = "critical";
  FormattingSink sink(rule);
  event::Position position;
  position.source = std::make_shared<const std::string>("cloudtrail/3");
  Decoder().Decode(kRecord, position, sink);
  EXPECT_EQ(sink.bodies.size(), 1u);
  return sink.bodies.empty() ? "" : sink.bodies[0];
}

TEST(Alert, EveryAlertHasAnEventObjectWithTheSameKeys) {
  rapidjson::Document matched_doc;
  const std::set<std::string> matched = EventKeys(MatchedEventAlert(), matched_doc);
  ASSERT_TRUE(matched.contains("eventName")) << "the matched alert lost its event";
  ASSERT_TRUE(matched.contains("userIdentity.arn"));
  EXPECT_STREQ(matched_doc["event"]["eventName"].GetString(), "PutBucketPolicy");

  rules::CorrelationRule rule;
  rule.id = "th-discovery-recon-burst";
  rule.title = "Reconnaissance burst by one identity";
  rule.level = "low";
  rule.timespan_ns = int64_t{600} * 1'000'000'000;
  rules::CorrelationAlert correlation;
  correlation.rule = &rule;
  correlation.group = {{"userIdentity.arn", "arn:aws:iam::222222222222:user/alice"}};
  correlation.event_id = "e-10";
  correlation.first_event_id = "e-1";
  correlation.account = "222222222222";
  correlation.count = 10;
  correlation.event_ids = {"e-1", "e-10"};
  rapidjson::Document closed_doc;
  EXPECT_EQ(EventKeys(FormatCorrelationAlert(correlation, nullptr, AlertInput{"kafka", kNow}, kNow),
                      closed_doc),
            matched);
  EXPECT_STREQ(closed_doc["event"]["eventID"].GetString(), "e-10");
  EXPECT_STREQ(closed_doc["event"]["recipientAccountId"].GetString(), "222222222222");
  EXPECT_TRUE(closed_doc["event"]["eventName"].IsNull());
  EXPECT_TRUE(closed_doc["event"]["userIdentity"]["arn"].IsNull());

  EventsLost lost{"cloudtrail", 0, 40, "Fetch position offset 40 is out of range"};
  rapidjson::Document lost_doc;
  EXPECT_EQ(EventKeys(FormatEventsLostAlert(lost, kNow), lost_doc), matched);
  EXPECT_TRUE(lost_doc["event"]["eventID"].IsNull());
  EXPECT_TRUE(lost_doc["event"]["recipientAccountId"].IsNull());
  EXPECT_TRUE(lost_doc["event"]["readOnly"].IsNull());
  EXPECT_EQ(lost_doc["input"]["offset"].GetInt64(), 40);
}

}  // namespace
}  // namespace trailhound::pipeline
