// tests/pipeline/base_text_test.cc: the text helpers rules and configuration loading share.
#include <string>

#include <gtest/gtest.h>

#include "pipeline/base/edit_distance.h"
#include "pipeline/base/yaml_text.h"

namespace trailhound::base {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("contains", "contains"), 0u);
  EXPECT_EQ(EditDistance("containz", "contains"), 1u);
  EXPECT_EQ(EditDistance("contain", "contains"), 1u);
  EXPECT_EQ(EditDistance("ccontains", "contains"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "brokers"), 7u);
  EXPECT_EQ(EditDistance("brokers", ""), 7u);
  EXPECT_EQ(EditDistance("borkers", "brokers"), 2u);  // a swap is two edits
}

TEST(FlowNestingExceeds, CountsBracketsOutsideQuotesOnly) {
  EXPECT_FALSE(FlowNestingExceeds("a: [1, {b: [2]}]", 3));
  EXPECT_TRUE(FlowNestingExceeds("a: [1, {b: [[2]]}]", 3));
  EXPECT_FALSE(FlowNestingExceeds("a: '[[[[[[' \nb: \"{{{{{{\"", 3));
  // Closing brackets never take the depth below zero.
  EXPECT_FALSE(FlowNestingExceeds("]]]]]] [[[", 3));
  EXPECT_TRUE(FlowNestingExceeds("]]]]]] [[[[", 3));
  // A quote left open ends with its line: the brackets after it still count.
  EXPECT_TRUE(FlowNestingExceeds("a: 'open\nb: [[[[", 3));
  EXPECT_TRUE(FlowNestingExceeds(std::string(10000, '['), 256));
  EXPECT_FALSE(FlowNestingExceeds(std::string(256, '['), 256));
}

}  // namespace
}  // namespace trailhound::base
