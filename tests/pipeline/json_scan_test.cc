// Tests for pipeline/json_scan.cc: the structural scanner that streams large containers and
// salvages good elements around a broken one, and the JSON string unescaper.
#include "pipeline/json_scan.h"

#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trailhound::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Texts(std::string_view text, const std::vector<Span>& spans) {
  std::vector<std::string> out;
  for (const Span& span : spans) {
    out.emplace_back(text.substr(span.begin, span.size()));
  }
  return out;
}

TEST(ScanValueEnd, FindsTheEndOfEachKindOfValue) {
  struct Row {
    std::string name;
    std::string text;
    size_t pos;
    size_t want;
  };
  const std::vector<Row> rows = {
      {"object", R"({"a":1} tail)", 0, 7},
      {"array", "[1,2,3],", 0, 7},
      {"leading whitespace is skipped", " \n\t[1]", 0, 6},
      {"starts at pos", R"(xx{"a":[]})", 2, 10},
      {"string", R"("abc",)", 0, 5},
      {"escaped quote inside a string", R"("a\"b" )", 0, 6},
      {"escaped backslash before the closing quote", R"("a\\" )", 0, 5},
      {"three backslashes then a quote", R"("a\\\"b")", 0, 8},
      {"brackets inside strings do not count", R"({"a":"]}[{","b":"\"}"})", 0, 22},
      {"nested brackets", R"([{"a":[{"b":[[]]}]},{}])", 0, 23},
      {"number", "-12.5e3]", 0, 7},
      {"literal", "true,", 0, 4},
      {"null at end of text", "null", 0, 4},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(ScanValueEnd(row.text, row.pos), row.want);
  }
}

TEST(ScanValueEnd, UnterminatedOrMismatchedValuesAreErrors) {
  struct Row {
    std::string name;
    std::string text;
  };
  const std::vector<Row> rows = {
      {"empty", ""},
      {"whitespace only", "  \n"},
      {"unterminated object", R"({"a":1)"},
      {"unterminated array", "[1,[2]"},
      {"unterminated string", R"("abc)"},
      {"string ending in an escaped quote", R"("abc\")"},
      {"unterminated string inside an object", R"({"a":"b})"},
      {"object closed by ]", R"({"a":1])"},
      {"array closed by }", "[1}"},
      {"inner mismatch", R"([{"a":[1}]])"},
      {"a closer where a value should start", "]"},
      {"a comma where a value should start", ",1"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(ScanValueEnd(row.text, 0), kScanError);
  }
}

TEST(ScanValueEnd, DeepNestingIsScannedWithoutRecursion) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(ScanValueEnd(deep, 0), deep.size());
  EXPECT_EQ(ScanValueEnd(deep.substr(0, deep.size() - 1), 0), kScanError);
}

TEST(ScanArray, ReturnsEveryElementOfAWellFormedArray) {
  struct Row {
    std::string name;
    std::string text;
    std::vector<std::string> want;
  };
  const std::vector<Row> rows = {
      {"empty", "[]", {}},
      {"empty with whitespace", "[ \n ]", {}},
      {"scalars", "[1, true ,null,\"s\"]", {"1", "true", "null", "\"s\""}},
      {"objects and arrays",
       R"([{"a":[1,2]}, [3,{"b":"]"}] ])",
       {R"({"a":[1,2]})", R"([3,{"b":"]"}])"}},
      {"newlines between elements",
       "[\n  {\"a\":1},\n  {\"b\":2}\n]\n",
       {"{\"a\":1}", "{\"b\":2}"}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::vector<Span> elements;
    size_t fault = 0;
    const size_t end = ScanArray(row.text, 0, elements, fault);
    EXPECT_EQ(end, row.text.find_last_of(']') + 1);
    EXPECT_EQ(Texts(row.text, elements), row.want);
  }
}

TEST(ScanArray, PartialArrayReturnsElementsBeforeTheFault) {
  struct Row {
    std::string name;
    std::string text;
    std::vector<std::string> want;
    size_t want_fault;
  };
  const std::vector<Row> rows = {
      {"cut inside the third element",
       R"([{"a":1},{"b":2},{"c":)",
       {R"({"a":1})", R"({"b":2})"},
       17},
      {"cut after a comma", R"([{"a":1},)", {R"({"a":1})"}, 9},
      {"cut after an element", R"([{"a":1})", {R"({"a":1})"}, 8},
      {"missing comma", R"([{"a":1} {"b":2}])", {R"({"a":1})"}, 9},
      {"trailing comma", R"([1,2,])", {"1", "2"}, 5},
      {"mismatched bracket in the second element", R"([{"a":1},{"b":[}])", {R"({"a":1})"}, 9},
      {"unterminated string in the second element", R"([1,"abc])", {"1"}, 3},
      {"not an array", R"({"a":1})", {}, 0},
      {"nothing after the bracket", "[", {}, 1},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::vector<Span> elements;
    size_t fault = 0;
    EXPECT_EQ(ScanArray(row.text, 0, elements, fault), kScanError);
    EXPECT_EQ(Texts(row.text, elements), row.want);
    EXPECT_EQ(fault, row.want_fault);
  }
}

TEST(ScanArray, StartsAtTheGivenPosition) {
  const std::string text = R"({"Records": [ {"x":1} , {"y":2} ] })";
  std::vector<Span> elements;
  size_t fault = 0;
  const size_t end = ScanArray(text, text.find('['), elements, fault);
  EXPECT_EQ(end, text.find(']') + 1);
  EXPECT_THAT(Texts(text, elements), ElementsAre(R"({"x":1})", R"({"y":2})"));
}

TEST(ScanObject, ReturnsMembersWithRawKeysAndValueSpans) {
  const std::string text = R"({ "a" : 1, "b\"c":[1,{"d":"}"}], "e":{} ,"f":"x"})";
  std::vector<ScanMember> members;
  size_t fault = 0;
  EXPECT_EQ(ScanObject(text, 0, members, fault), text.size());
  ASSERT_EQ(members.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"a", "1"}, {R"(b\"c)", R"([1,{"d":"}"}])"}, {"e", "{}"}, {"f", R"("x")"}};
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].first);
    EXPECT_EQ(members[i].key, want[i].first);
    EXPECT_EQ(text.substr(members[i].value.begin, members[i].value.size()), want[i].second);
  }
  ASSERT_NE(FindMember(members, "e"), nullptr);
  EXPECT_EQ(FindMember(members, "e")->key, "e");
  EXPECT_EQ(FindMember(members, R"(b\"c)"), &members[1]);
  EXPECT_EQ(FindMember(members, "missing"), nullptr);
  EXPECT_EQ(FindMember(members, "A"), nullptr);  // keys compare exactly

  members.clear();
  EXPECT_EQ(ScanObject("{ }", 0, members, fault), 3u);
  EXPECT_THAT(members, IsEmpty());
}

TEST(ScanObject, MalformedObjectsFailAtTheFault) {
  struct Row {
    std::string name;
    std::string text;
    std::vector<std::string> want_keys;
    size_t want_fault;
  };
  const std::vector<Row> rows = {
      {"unquoted key", "{a:1}", {}, 1},
      {"missing colon", R"({"a" 1})", {}, 5},
      {"missing comma", R"({"a":1 "b":2})", {"a"}, 7},
      {"unterminated key", R"({"a)", {}, 1},
      {"nothing after the brace", "{", {}, 1},
      {"not an object", "[1]", {}, 0},
      {"trailing comma", R"({"a":1,})", {"a"}, 7},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::vector<ScanMember> members;
    size_t fault = 0;
    EXPECT_EQ(ScanObject(row.text, 0, members, fault), kScanError);
    std::vector<std::string> keys;
    for (const ScanMember& member : members) {
      keys.emplace_back(member.key);
    }
    EXPECT_EQ(keys, row.want_keys);
    EXPECT_EQ(fault, row.want_fault);
  }
}

TEST(ScanObject, ValueCutShortIsReportedWithItsBeginning) {
  const std::string text = R"({"Records":[{"a":1},{"b":)";
  std::vector<ScanMember> members;
  size_t fault = 0;
  EXPECT_EQ(ScanObject(text, 0, members, fault), kScanError);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].key, "Records");
  EXPECT_EQ(members[0].value.begin, text.find('['));
  EXPECT_EQ(members[0].value.end, kScanError);
  EXPECT_EQ(fault, text.find('['));
}

TEST(UnescapeJsonString, DecodesEscapesToUtf8) {
  struct Row {
    std::string name;
    std::string literal;
    std::string want;
  };
  const std::vector<Row> rows = {
      {"plain", R"("abc")", "abc"},
      {"empty", R"("")", ""},
      {"simple escapes", R"("\"\\\/\b\f\n\r\t")", "\"\\/\b\f\n\r\t"},
      {"newline in text", R"("line1\nline2")", "line1\nline2"},
      {"two-byte character", R"("caf\u00e9")", "caf\xC3\xA9"},
      {"upper-case hex", R"("\u00E9")", "\xC3\xA9"},
      {"ASCII by escape", R"("\u0041")", "A"},
      {"NUL by escape", R"("a\u0000b")", std::string("a\0b", 3)},
      {"three-byte character", R"("\u20ac")", "\xE2\x82\xAC"},
      {"surrogate pair", R"("\ud83d\ude00")", "\xF0\x9F\x98\x80"},
      {"surrogate pair upper-case", R"("\uD834\uDD1E")", "\xF0\x9D\x84\x9E"},
      {"lone high surrogate", R"("a\ud83db")",
       "a\xEF\xBF\xBD"
       "b"},
      {"lone high surrogate at end", R"("\ud83d")", "\xEF\xBF\xBD"},
      {"lone low surrogate", R"("\ude00")", "\xEF\xBF\xBD"},
      {"high surrogate then non-surrogate escape", R"("\ud83d\u0041")",
       "\xEF\xBF\xBD"
       "A"},
      {"two high surrogates", R"("\ud83d\ud83d")", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {"raw UTF-8 passes through", "\"\xC3\xA9\"", "\xC3\xA9"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::string out = "stale";
    ASSERT_TRUE(UnescapeJsonString(row.literal, out));
    EXPECT_EQ(out, row.want);
  }
}

TEST(UnescapeJsonString, MalformedLiteralsAreRejected) {
  struct Row {
    std::string name;
    std::string literal;
  };
  const std::vector<Row> rows = {
      {"unknown escape", R"("\x41")"},
      {"escaped apostrophe", R"("\'")"},
      {"short unicode escape", R"("\u12")"},
      {"non-hex unicode escape", R"("\u12G4")"},
      {"backslash before the closing quote", R"("abc\")"},
      {"raw control character", std::string("\"a\x01z\"")},
      {"raw newline", "\"a\nb\""},
      {"no quotes", "abc"},
      {"opening quote only", "\"abc"},
      {"closing quote only", "abc\""},
      {"a single quote", "\""},
      {"empty text", ""},
      {"unescaped quote inside", R"("a"b")"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::string out;
    EXPECT_FALSE(UnescapeJsonString(row.literal, out));
  }
}

}  // namespace
}  // namespace trailhound::pipeline
