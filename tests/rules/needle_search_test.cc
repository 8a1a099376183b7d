// tests/rules/needle_search_test.cc: the multi-needle search reports exactly the needles a plain
// find reports, on random texts and needles over a small alphabet (so needles overlap, nest and
// share prefixes and suffixes), bytes above 0x7F and the empty needle included; and with A-Z
// read as a-z.
#include "rules/needle_search.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace trailhound::rules {
namespace {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

std::string RandomText(Random& random, std::string_view alphabet, size_t max_size) {
  std::string text;
  const size_t size = random.Below(max_size + 1);
  for (size_t i = 0; i < size; ++i) {
    text += alphabet[random.Below(alphabet.size())];
  }
  return text;
}

std::set<uint32_t> Found(const NeedleSearch& search, std::string_view text) {
  std::set<uint32_t> found;
  search.Search(text, [&](uint32_t needle) { found.insert(needle); });
  return found;
}

TEST(NeedleSearch, AgreesWithAPlainFind) {
  const std::string alphabet = "abc-\xC3\xA4/";
  Random random(11);
  size_t hits = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> needles(1 + random.Below(40));
    for (std::string& needle : needles) {
      needle = RandomText(random, alphabet, 6);
    }
    const NeedleSearch search(needles);
    for (int t = 0; t < 20; ++t) {
      const std::string text = RandomText(random, alphabet + "xyz", 60);
      std::set<uint32_t> expected;
      for (uint32_t i = 0; i < needles.size(); ++i) {
        if (!needles[i].empty() && text.find(needles[i]) != std::string::npos) {
          expected.insert(i);
        }
      }
      ASSERT_EQ(Found(search, text), expected) << text;
      hits += expected.size();
    }
  }
  EXPECT_GT(hits, 10000u);  // not vacuous
}

TEST(NeedleSearch, EitherCaseReadsAsciiCapitalsAsLowerCase) {
  const std::string alphabet = "abcABC-[{@`";  // '[' '{' '@' '`' sit next to the letters
  Random random(12);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> needles(1 + random.Below(20));
    for (std::string& needle : needles) {
      needle = RandomText(random, "abc-[{@`", 4);
    }
    const NeedleSearch search(needles, /*ascii_either_case=*/true);
    for (int t = 0; t < 20; ++t) {
      const std::string text = RandomText(random, alphabet, 40);
      std::string lower = text;
      for (char& c : lower) {
        c = c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
      }
      std::set<uint32_t> expected;
      for (uint32_t i = 0; i < needles.size(); ++i) {
        if (!needles[i].empty() && lower.find(needles[i]) != std::string::npos) {
          expected.insert(i);
        }
      }
      ASSERT_EQ(Found(search, text), expected) << text;
    }
  }
}

TEST(NeedleSearch, RepeatedNeedlesAndEveryByteValue) {
  std::vector<std::string> needles = {"ab", "ab", "b", "", "\xFF\x00"};
  needles.back() = std::string("\xFF\0", 2);
  for (int byte = 0; byte < 256; ++byte) {
    needles.push_back(std::string(1, static_cast<char>(byte)) + "z");
  }
  const NeedleSearch search(needles);
  EXPECT_EQ(Found(search, "xab"), (std::set<uint32_t>{0, 1, 2}));
  EXPECT_EQ(Found(search, std::string("\xFF\0z", 3)), (std::set<uint32_t>{4, 5 + 0}));
  EXPECT_EQ(Found(search, "\x80z"), std::set<uint32_t>{5 + 0x80});
  EXPECT_TRUE(Found(search, "").empty());
  EXPECT_TRUE(Found(NeedleSearch(), "abc").empty());
}

}  // namespace
}  // namespace trailhound::rules
