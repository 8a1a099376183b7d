// tests/rules/folded_key_test.cc: the index's word-at-a-time folding (rules/folded_key.h) agrees
// with lower-casing the text first, at every length around the eight-byte words.
#include "rules/folded_key.h"

#include <string>

#include <gtest/gtest.h>

#include "rules/match_string.h"

namespace trailhound::rules {
namespace {

std::string Lowered(std::string_view text) {
  std::string out;
  AppendLowerCase(text, out);
  return out;
}

TEST(FoldedKey, AsciiTextHashesAndComparesAsItsLowerCase) {
  const std::string source = "GetBucketPolicyStatus@[Z`a{AZaz09-_./:";
  const AsciiFoldedHash hash;
  const AsciiFoldedEqual equal;
  for (size_t size = 0; size <= source.size(); ++size) {
    SCOPED_TRACE(size);
    const std::string text = source.substr(0, size);
    const std::string lower = Lowered(text);
    EXPECT_EQ(hash(text), hash(lower));
    EXPECT_TRUE(equal(text, lower));
    EXPECT_EQ(KeyFilterBit(text), KeyFilterBit(lower));
    EXPECT_LT(KeyFilterBit(text), 4096u);
    if (size > 0) {
      std::string other = lower;
      other[size - 1] = other[size - 1] == 'q' ? 'r' : 'q';  // one byte differs, at the end
      EXPECT_FALSE(equal(text, other));
      other = lower;
      other[0] = other[0] == '@' ? '`' : '@';  // '@' and '`' are not a case pair
      EXPECT_FALSE(equal(text, other));
    }
    EXPECT_FALSE(equal(text, lower + "x"));
  }
}

TEST(FoldedKey, IsAsciiWordsFindsAHighByteAnywhere) {
  for (size_t size = 0; size < 20; ++size) {
    const std::string plain(size, 'a');
    EXPECT_TRUE(IsAsciiWords(plain)) << size;
    for (size_t at = 0; at < size; ++at) {
      std::string text = plain;
      text[at] = static_cast<char>(0xC3);
      EXPECT_FALSE(IsAsciiWords(text)) << size << " at " << at;
    }
  }
}

}  // namespace
}  // namespace trailhound::rules
