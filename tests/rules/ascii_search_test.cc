// tests/rules/ascii_search_test.cc: the block search agrees with a plain scan for every start,
// literal length and case mix, non-ASCII bytes included.
#include "rules/ascii_search.h"

#include <string>

#include <gtest/gtest.h>

namespace trailhound::rules {
namespace {

size_t PlainFind(std::string_view text, std::string_view lower, size_t from) {
  for (size_t at = from; at + lower.size() <= text.size(); ++at) {
    bool equal = true;
    for (size_t i = 0; i < lower.size() && equal; ++i) {
      const char c = text[at + i];
      equal = (c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) == lower[i];
    }
    if (equal) {
      return at;
    }
  }
  return std::string_view::npos;
}

TEST(AsciiSearch, AgreesWithAPlainScan) {
  // Few distinct bytes, so literals occur often; '@' and '`' sit next to the letters' case bit,
  // and 0xC1 | 0x20 is no letter either.
  const std::string alphabet = "aAbB:@`-\xC1";
  uint64_t state = 7;
  const auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>(state >> 33);
  };
  int found = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t size = next() % 70;
    for (size_t i = 0; i < size; ++i) {
      text.push_back(alphabet[next() % alphabet.size()]);
    }
    std::string lower;
    const size_t length = 2 + next() % 5;
    for (size_t i = 0; i < length; ++i) {
      lower.push_back("ab:@`-"[next() % 6]);
    }
    const size_t from = size == 0 ? 0 : next() % (size + 1);
    const size_t want = PlainFind(text, lower, from);
    ASSERT_EQ(FindAsciiIgnoringCase(text, lower, from), want)
        << "text '" << text << "' literal '" << lower << "' from " << from;
    found += want != std::string_view::npos ? 1 : 0;
  }
  EXPECT_GT(found, 100);  // not vacuous
}

TEST(AsciiSearch, FindsTheLeftmostOccurrenceInLongText) {
  const std::string text =
      "arn:aws:sts::123456789012:ASSUMED-ROLE/aws:ec2-instance/i-1 :assumed-role/aws:x";
  EXPECT_EQ(FindAsciiIgnoringCase(text, ":assumed-role/aws:", 0), 25u);
  EXPECT_EQ(FindAsciiIgnoringCase(text, ":assumed-role/aws:", 26), 60u);
  EXPECT_EQ(FindAsciiIgnoringCase(text, ":assumed-role/aws:x", 0), 60u);
  EXPECT_EQ(FindAsciiIgnoringCase(text, ":assumed-role/aws:y", 0), std::string_view::npos);
}

}  // namespace
}  // namespace trailhound::rules
