// tests/pipeline/alert_shrink_test.cc: FORMATS.md §8's line limit: `items` lists go first, then
// `forensics`, then the other context sections; the alert itself is never dropped.
#include "pipeline/alert_shrink.h"

#include <string>

#include <gtest/gtest.h>

namespace trailhound::pipeline {
namespace {

std::string Filler(size_t bytes) {
  return std::string(bytes, 'x');
}

TEST(ShrinkAlert, AnAlertThatFitsIsLeftAlone) {
  const std::string body = R"({"alert_id":"a","context":{"events":{"items":[1,2,3]}}})";
  const ShrunkAlert shrunk = ShrinkAlert(body, body.size() + 1);
  EXPECT_EQ(shrunk.step, ShrinkStep::kNone);
  EXPECT_TRUE(shrunk.body.empty());
}

TEST(ShrinkAlert, ItemListsAreEmptiedWhereverTheyAreAndMarkedTruncated) {
  const std::string body = R"({"alert_id":"a","context":{"ip":{"status":"ok","items":[")" +
                           Filler(300) + R"("]},"caller":{"truncated":false,"items":[{"x":")" +
                           Filler(300) + R"("}]},"events":{"items":[]}}})";
  const ShrunkAlert shrunk = ShrinkAlert(body, 200);
  EXPECT_EQ(shrunk.step, ShrinkStep::kItems);
  EXPECT_EQ(shrunk.body,
            R"({"alert_id":"a","context":{"ip":{"status":"ok","items":[],"truncated":true},)"
            R"("caller":{"truncated":true,"items":[]},"events":{"items":[]}}})");
}

TEST(ShrinkAlert, ForensicsGoesNextKeepingItsStatus) {
  const std::string body = R"({"alert_id":"a","context":{"events":{"items":[1]},)"
                           R"("forensics":{"status":"ok","notes":")" +
                           Filler(500) + R"("}}})";
  const ShrunkAlert shrunk = ShrinkAlert(body, 200);
  EXPECT_EQ(shrunk.step, ShrinkStep::kForensics);
  EXPECT_EQ(shrunk.body, R"({"alert_id":"a","context":{"events":{"items":[],"truncated":true},)"
                         R"("forensics":{"status":"ok","truncated":true}}})");
}

TEST(ShrinkAlert, ThenEveryContextSectionIsCutToItsStatus) {
  const std::string body = R"({"alert_id":"a","context":{"identity":{"status":"ok","arn":")" +
                           Filler(500) + R"("},"forensics":{"status":"unknown"}}})";
  const ShrunkAlert shrunk = ShrinkAlert(body, 200);
  EXPECT_EQ(shrunk.step, ShrinkStep::kContext);
  EXPECT_EQ(shrunk.body, R"({"alert_id":"a","context":{"identity":{"status":"ok","truncated":)"
                         R"(true},"forensics":{"status":"unknown","truncated":true}}})");
}

TEST(ShrinkAlert, AnAlertTooLargeWithoutContextIsStillWritten) {
  const std::string body = R"({"alert_id":"a","summary":")" + Filler(500) + R"("})";
  const ShrunkAlert shrunk = ShrinkAlert(body, 200);
  EXPECT_EQ(shrunk.step, ShrinkStep::kStillTooLarge);
  const std::string& line = shrunk.body.empty() ? body : shrunk.body;
  EXPECT_EQ(line, body);
}

TEST(ShrinkAlert, ABodyThatIsNotAJsonObjectIsWrittenAsItIs) {
  const std::string body = "[" + Filler(500);
  const ShrunkAlert shrunk = ShrinkAlert(body, 200);
  EXPECT_EQ(shrunk.step, ShrinkStep::kStillTooLarge);
  EXPECT_TRUE(shrunk.body.empty());
}

TEST(ShrinkAlert, DeepNestingDoesNotExhaustTheStack) {
  std::string body = R"({"alert_id":"a","context":{"events":)";
  for (int i = 0; i < 100'000; ++i) {
    body += R"({"items":[1],"n":)";
  }
  body += "0";
  for (int i = 0; i < 100'000; ++i) {
    body += "}";
  }
  body += "}}";
  // Parsed iteratively and refused by depth before anything recursive runs: written as it came.
  const ShrunkAlert shrunk = ShrinkAlert(body, 200);
  EXPECT_EQ(shrunk.step, ShrinkStep::kStillTooLarge);
  EXPECT_TRUE(shrunk.body.empty());
}

}  // namespace
}  // namespace trailhound::pipeline
