// tests/pipeline/source_kafka_test.cc: reading librdkafka's OFFSET reset warning, the only
// report of events lost to retention (AT-LEAST-ONCE.md §1, §12 row 14).
#include "pipeline/source_kafka.h"

#include <gtest/gtest.h>

namespace trailhound::pipeline {
namespace {

TEST(ParseOffsetReset, ReadsTopicPartitionAndTheLostOffset) {
  // As librdkafka 2.0.2 logs it, thread prefix included (seen from the dev-broker).
  const std::string message =
      "[thrd:main]: cloudtrail [0]: offset reset (at offset 40, broker 1) to cached BEGINNING "
      "offset 240: fetch failed due to requested offset not available on the broker: Broker: "
      "Offset out of range";
  const std::optional<OffsetReset> reset = ParseOffsetReset(message);
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->topic, "cloudtrail");
  EXPECT_EQ(reset->partition, 0);
  EXPECT_EQ(reset->at_offset, 40);
  EXPECT_EQ(reset->message, message);
}

TEST(ParseOffsetReset, WithoutThreadPrefixAndWithALogicalOffset) {
  const std::optional<OffsetReset> reset = ParseOffsetReset(
      "org.cloudtrail-events [17]: offset reset (at offset INVALID, broker 3) to END: x: y");
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->topic, "org.cloudtrail-events");
  EXPECT_EQ(reset->partition, 17);
  EXPECT_EQ(reset->at_offset, -1);
}

TEST(ParseOffsetReset, OtherOffsetMessagesAreNotResets) {
  EXPECT_FALSE(ParseOffsetReset("[thrd:main]: cloudtrail [0]: stored offset 12").has_value());
  EXPECT_FALSE(ParseOffsetReset("]: offset reset (at offset 1, broker 1)").has_value());
  EXPECT_FALSE(ParseOffsetReset("t [x]: offset reset (at offset 1, broker 1)").has_value());
  EXPECT_FALSE(ParseOffsetReset("").has_value());
}

}  // namespace
}  // namespace trailhound::pipeline
