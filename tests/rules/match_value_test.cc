// tests/rules/match_value_test.cc: the value modifiers that are not string comparisons (SIGMA.md
// §9, checklist items 8 (re, cidr), 49-53, 59-62, 66): RE2 searches and their flags, strict CIDR
// networks and the candidates they refuse, numeric comparison, and RFC 3339 time parts.
#include "rules/match_value.h"

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <re2/re2.h>
#include <simdjson.h>

#include "rules/match_string.h"

namespace trailhound::rules {
namespace {

// ---- re --------------------------------------------------------------------------------------

struct RegexRow {
  const char* name;
  std::string_view pattern;
  RegexOptions options;
  std::string_view text;
  bool want;
};

constexpr RegexOptions kPlain{};
constexpr RegexOptions kI{.ignore_case = true};
constexpr RegexOptions kM{.multiline = true};
constexpr RegexOptions kS{.dot_all = true};

TEST(RegexMatcher, SearchesUnanchoredWithSigmaFlags) {
  const std::vector<RegexRow> rows = {
      {"49 unanchored search", "b.r", kPlain, "foobarbaz", true},
      {"49 anchors hold", "^bar$", kPlain, "foobar", false},
      {"49 anchors whole text", "^bar$", kPlain, "bar", true},
      {"49 case-sensitive by default", "BAR", kPlain, "bar", false},
      {"49 i ignores case", "BAR", kI, "bar", true},
      {"50 m: caret per line", "^b", kM, "a\nb", true},
      {"50 without m: caret at start only", "^b", kPlain, "a\nb", false},
      {"50 m: dollar per line", "a$", kM, "a\nb", true},
      {"50 without m: dollar at end only", "a$", kPlain, "a\nb", false},
      {"50 s: dot matches newline", "a.b", kS, "a\nb", true},
      {"50 without s: dot stops at newline", "a.b", kPlain, "a\nb", false},
      {"50 m does not imply s", "a.b", kM, "a\nb", false},
      {"51 no Sigma escape processing", "a\\d", kPlain, "a1", true},
      {"51 backslash-d is a digit class", "a\\d", kPlain, "ad", false},
      {"51 star is a quantifier, not a wildcard", "ab*", kPlain, "a", true},
      {"52 assumed-role arn", ".+:assumed-role/aws:.+", kPlain,
       "arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1", true},
      {"52 assumed-role arn other role", ".+:assumed-role/aws:.+", kPlain,
       "arn:aws:sts::1:assumed-role/admin/i-1", false},
      {"empty pattern matches anything", "", kPlain, "", true},
      {"utf-8 dot is one code point", "^caf.$", kPlain, "café", true},
      {"i folds non-ascii", "ÄRGER", kI, "ärger", true},
  };
  for (const RegexRow& row : rows) {
    SCOPED_TRACE(row.name);
    std::string error;
    const std::optional<RegexMatcher> matcher =
        RegexMatcher::Compile(row.pattern, row.options, error);
    ASSERT_TRUE(matcher.has_value()) << error;
    EXPECT_EQ(matcher->Matches(row.text), row.want);
  }
}

TEST(RegexMatcher, ReadsNumbersAsTextViaCandidateText) {
  // 53: the caller passes the §7 text of a JSON number.
  simdjson::dom::parser parser;
  const simdjson::padded_string json(std::string_view(R"({"F":42})"));
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS);
  std::string scratch;
  const std::optional<std::string_view> text = CandidateText(root["F"].value(), scratch);
  ASSERT_TRUE(text.has_value());
  std::string error;
  const std::optional<RegexMatcher> matcher = RegexMatcher::Compile("^4", kPlain, error);
  ASSERT_TRUE(matcher.has_value()) << error;
  EXPECT_TRUE(matcher->Matches(*text));
}

TEST(RegexMatcher, RejectsInvalidPatternsWithRe2Message) {
  struct Row {
    const char* name;
    std::string_view pattern;
    RegexOptions options;
  };
  const std::vector<Row> rows = {
      {"8 unclosed group", "(a", kPlain},         {"8 unclosed group under m", "(a", kM},
      {"dangling repetition", "*a", kPlain},      {"backreference is not RE2", "(a)\\1", kPlain},
      {"lookahead is not RE2", "a(?=b)", kPlain},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::string error;
    EXPECT_FALSE(RegexMatcher::Compile(row.pattern, row.options, error).has_value());
    EXPECT_FALSE(error.empty());
    // The message is about what the user wrote, not the `(?m)` prefix we add.
    EXPECT_EQ(error.find("(?m)"), std::string::npos) << error;
  }
}

TEST(RegexMatcher, RefusesPatternsOverMemoryBudget) {
  // A thousand copies of the Unicode letter class need far more than kMaxMemoryBytes; a hundred
  // fit.
  std::string error;
  EXPECT_TRUE(RegexMatcher::Compile("\\pL{100}", kPlain, error).has_value()) << error;
  EXPECT_FALSE(RegexMatcher::Compile("\\pL{1000}", kPlain, error).has_value());
  EXPECT_NE(error.find("too large"), std::string::npos) << error;
}

TEST(RegexMatcher, CatastrophicBacktrackingPatternRunsInLinearTime) {
  // A backtracking engine takes exponential time here; RE2 does not backtrack.
  std::string error;
  const std::optional<RegexMatcher> matcher = RegexMatcher::Compile("(a+)+$", kPlain, error);
  ASSERT_TRUE(matcher.has_value()) << error;
  std::string text(100000, 'a');
  text += 'b';
  EXPECT_FALSE(matcher->Matches(text));  // the text ends in `b`, so no run of `a` reaches `$`
  text.back() = 'a';
  EXPECT_TRUE(matcher->Matches(text));
}

TEST(RegexMatcher, CopiesShareOneCompiledProgram) {
  std::string error;
  const std::optional<RegexMatcher> matcher = RegexMatcher::Compile("x+y", kPlain, error);
  ASSERT_TRUE(matcher.has_value()) << error;
  const RegexMatcher copy = *matcher;
  EXPECT_TRUE(copy.Matches("axxy"));
  EXPECT_FALSE(copy.Matches("axx"));
}

TEST(RegexMatcher, RequiredLiteralsComeFromRe2sPrefilter) {
  const struct {
    std::string_view pattern;
    RegexOptions options;
    std::vector<std::string> want;
  } rows[] = {
      {".+:assumed-role/aws:.+", kPlain, {":assumed-role/aws:"}},
      {"AssumeRole.*Web", kPlain, {"assumerole", "web"}},
      {"ASSUME", kI, {"assume"}},
      {"abc|abd", kPlain, {}},  // either will do: neither is required
      {"^A", kPlain, {}},
      {".+", kPlain, {}},
      {"(abc)?xyz", kPlain, {"xyz"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.pattern);
    std::string error;
    const std::optional<RegexMatcher> matcher =
        RegexMatcher::Compile(row.pattern, row.options, error);
    ASSERT_TRUE(matcher.has_value()) << error;
    std::vector<std::string> got = matcher->required_literals();
    std::sort(got.begin(), got.end());
    std::vector<std::string> want = row.want;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want);
  }
}

// The literal check in front of RE2 must never change a verdict: RegexMatcher against RE2 run
// directly with the same options, over patterns with required literals in both cases, flags,
// alternations, optional parts and Unicode that case-folds into ASCII (U+212A `K`, U+017F `ſ`),
// and random texts mixing ASCII, those code points and ill-formed bytes.
TEST(RegexMatcher, LiteralPrefilterAgreesWithRe2) {
  const std::vector<std::string> patterns = {".+:assumed-role/aws:.+",
                                             "role/aws",
                                             "Role/AWS",
                                             "kkk",
                                             "Kx+k",
                                             "\xE2\x84\xAA"
                                             "kk",
                                             "stop",
                                             "\xC5\xBFtop",
                                             "st(o|0)p",
                                             "(?:ab)+cd",
                                             "^ab.*cd$",
                                             "a\\d+bc",
                                             "x\\.y.z",
                                             "[kK]ey12",
                                             "é+ab",
                                             "ab|cd",
                                             "\\bkey\\b",
                                             "ke\\Cy",
                                             "ab\ncd",
                                             "(?s)ab.cd",
                                             "ab$",
                                             "ÉTÉab",
                                             "(ab)?(cd)?",
                                             "ab(?:cd)?ef",
                                             "ab?ab",
                                             "aBc"};
  const std::vector<std::string> alphabet = {"a",
                                             "b",
                                             "c",
                                             "d",
                                             "A",
                                             "B",
                                             "C",
                                             "D",
                                             "k",
                                             "K",
                                             "\xE2\x84\xAA",
                                             "s",
                                             "S",
                                             "\xC5\xBF",
                                             "t",
                                             "o",
                                             "p",
                                             "T",
                                             "O",
                                             "P",
                                             "e",
                                             "y",
                                             "E",
                                             "Y",
                                             "é",
                                             "É",
                                             "x",
                                             ".",
                                             "1",
                                             "\n",
                                             ":",
                                             "\xC3",
                                             "\x80",
                                             "role/aws",
                                             "ROLE/AWS",
                                             ":assumed-role/aws:",
                                             "stop",
                                             "key",
                                             "abcd"};
  std::mt19937 random(20240601);
  std::vector<std::string> texts = {
      "", "arn:aws:sts::1:assumed-role/aws:ec2/x", "arn:aws:sts::1:ASSUMED-ROLE/AWS:ec2/x",
      "arn:aws:iam::1:user/x", "\xE2\x84\xAA\xE2\x84\xAA\xE2\x84\xAA"};
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const size_t length = random() % 10;
    for (size_t j = 0; j < length; ++j) {
      text += alphabet[random() % alphabet.size()];
    }
    texts.push_back(text);
  }
  int disagreements = 0;
  int prefiltered = 0;
  for (const std::string& pattern : patterns) {
    for (const RegexOptions options : {kPlain, kI, kM, kS}) {
      std::string error;
      const std::optional<RegexMatcher> matcher = RegexMatcher::Compile(pattern, options, error);
      ASSERT_TRUE(matcher.has_value()) << pattern << ": " << error;
      prefiltered += matcher->required_literals().empty() ? 0 : 1;
      re2::RE2::Options re2_options;
      re2_options.set_case_sensitive(!options.ignore_case);
      re2_options.set_dot_nl(options.dot_all);
      const re2::RE2 reference((options.multiline ? "(?m)" : "") + pattern, re2_options);
      ASSERT_TRUE(reference.ok()) << pattern;
      for (const std::string& text : texts) {
        const bool want = re2::RE2::PartialMatch(text, reference);
        if (matcher->Matches(text) != want && ++disagreements <= 10) {
          ADD_FAILURE() << "pattern '" << pattern << "' i " << options.ignore_case << " text '"
                        << text << "' want " << want;
        }
      }
    }
  }
  EXPECT_EQ(disagreements, 0);
  EXPECT_GT(prefiltered, 40);  // most of these patterns do get a literal check
}

// ---- cidr ------------------------------------------------------------------------------------

struct CidrRow {
  const char* name;
  std::string_view cidr;
  std::string_view candidate;
  bool want;
};

TEST(CidrMatcher, MatchesAddressesOfTheSameFamilyInsideTheNetwork) {
  const std::vector<CidrRow> rows = {
      {"59 inside", "10.0.0.0/8", "10.1.2.3", true},
      {"59 outside", "10.0.0.0/8", "11.0.0.1", false},
      {"59 not an address", "10.0.0.0/8", "AWS Internal", false},
      {"59 hostname", "10.0.0.0/8", "ec2.amazonaws.com", false},
      {"60 v6 inside", "fc00::/7", "fd00::1", true},
      {"60 v6 lower edge", "fc00::/7", "fc00::", true},
      {"60 v6 outside", "fc00::/7", "fe00::1", false},
      {"60 v4 never in v6 network", "fc00::/7", "10.0.0.1", false},
      {"60 v4-mapped v6 not in v4 network", "10.0.0.0/8", "::ffff:10.0.0.1", false},
      {"v4-mapped v6 in v6 network", "::ffff:0:0/96", "::ffff:10.0.0.1", true},
      {"v4 never in v4-mapped v6 network", "::ffff:0:0/96", "10.0.0.1", false},
      {"61 leading zero", "10.0.0.0/8", "010.1.2.3", false},
      {"61 leading zero last part", "10.0.0.0/8", "10.1.2.03", false},
      {"61 three parts", "10.0.0.0/8", "10.1.2", false},
      {"61 five parts", "10.0.0.0/8", "10.1.2.3.4", false},
      {"61 empty", "10.0.0.0/8", "", false},
      {"61 number text", "10.0.0.0/8", "12345", false},
      {"61 zone index", "fe80::/10", "fe80::1%eth0", false},
      {"61 zone index v4 network", "10.0.0.0/8", "fe80::1%eth0", false},
      {"part over 255", "10.0.0.0/8", "10.256.0.1", false},
      {"four-digit part", "10.0.0.0/8", "10.1.2.0003", false},
      {"leading space", "10.0.0.0/8", " 10.1.2.3", false},
      {"trailing space", "10.0.0.0/8", "10.1.2.3 ", false},
      {"sign", "10.0.0.0/8", "+10.1.2.3", false},
      {"trailing dot", "10.0.0.0/8", "10.1.2.3.", false},
      {"candidate with prefix", "10.0.0.0/8", "10.1.2.3/32", false},
      {"v6 embedded v4 leading zero", "::/0", "::ffff:010.0.0.1", false},
      {"v6 group too long", "::/0", "12345::1", false},
      {"v6 two double colons", "::/0", "1::2::3", false},
      {"v6 upper case", "fc00::/7", "FD00::1", true},
      {"v6 full form", "2001:db8::/32", "2001:0db8:0000:0000:0000:0000:0000:0001", true},
      {"slash 0 v4 takes all v4", "0.0.0.0/0", "255.255.255.255", true},
      {"slash 0 v4 refuses v6", "0.0.0.0/0", "::1", false},
      {"slash 0 v6 takes all v6", "::/0", "ffff::1", true},
      {"slash 0 v6 refuses v4", "::/0", "1.2.3.4", false},
      {"slash 32 equal", "10.1.2.3/32", "10.1.2.3", true},
      {"slash 32 other", "10.1.2.3/32", "10.1.2.4", false},
      {"slash 128 equal", "2001:db8::1/128", "2001:db8::1", true},
      {"slash 128 other", "2001:db8::1/128", "2001:db8::2", false},
      {"bare address is a host", "10.1.2.3", "10.1.2.3", true},
      {"bare address other host", "10.1.2.3", "10.1.2.4", false},
      {"odd prefix inside", "192.168.0.0/23", "192.168.1.255", true},
      {"odd prefix outside", "192.168.0.0/23", "192.168.2.0", false},
      {"v6 odd prefix inside", "2001:db8::/33", "2001:db8:7fff::1", true},
      {"v6 odd prefix outside", "2001:db8::/33", "2001:db8:8000::1", false},
  };
  for (const CidrRow& row : rows) {
    SCOPED_TRACE(row.name);
    std::string error;
    const std::optional<CidrMatcher> matcher = CidrMatcher::Parse(row.cidr, error);
    ASSERT_TRUE(matcher.has_value()) << error;
    EXPECT_EQ(matcher->Matches(row.candidate), row.want);
  }
}

TEST(CidrMatcher, ParsesFamilyAndPrefixLength) {
  std::string error;
  const std::optional<CidrMatcher> v4 = CidrMatcher::Parse("10.0.0.0/8", error);
  ASSERT_TRUE(v4.has_value()) << error;
  EXPECT_FALSE(v4->is_v6());
  EXPECT_EQ(v4->prefix_length(), 8);
  const std::optional<CidrMatcher> v6 = CidrMatcher::Parse("fc00::/7", error);
  ASSERT_TRUE(v6.has_value()) << error;
  EXPECT_TRUE(v6->is_v6());
  EXPECT_EQ(v6->prefix_length(), 7);
  const std::optional<CidrMatcher> host = CidrMatcher::Parse("::1", error);
  ASSERT_TRUE(host.has_value()) << error;
  EXPECT_EQ(host->prefix_length(), 128);
}

TEST(CidrMatcher, RejectsMalformedOrNonStrictNetworks) {
  struct Row {
    const char* name;
    std::string_view cidr;
    std::string_view error_has;
  };
  const std::vector<Row> rows = {
      {"8 host bits set", "10.0.0.1/8", "did you mean '10.0.0.0/8'"},
      {"host bits v6", "fc00::1/7", "did you mean 'fc00::/7'"},
      {"host bits odd prefix", "192.168.1.0/23", "did you mean '192.168.0.0/23'"},
      {"prefix 33", "10.0.0.0/33", "'33' is not a prefix length"},
      {"prefix 129", "::/129", "write 0 to 128"},
      {"negative prefix", "10.0.0.0/-1", "'-1' is not a prefix length"},
      {"empty prefix", "10.0.0.0/", "'' is not a prefix length"},
      {"plus prefix", "10.0.0.0/+8", "is not a prefix length"},
      {"prefix with space", "10.0.0.0/ 8", "is not a prefix length"},
      {"netmask form", "10.0.0.0/255.0.0.0", "is not a prefix length"},
      {"two slashes", "10.0.0.0/8/8", "is not a prefix length"},
      {"leading zero network", "010.0.0.0/8", "'010.0.0.0' is not an IPv4 or IPv6 address"},
      {"three parts", "10.0.0/8", "is not an IPv4 or IPv6 address"},
      {"zone", "fe80::%eth0/10", "is not an IPv4 or IPv6 address"},
      {"empty", "", "is not an IPv4 or IPv6 address"},
      {"name", "AWS Internal", "is not an IPv4 or IPv6 address"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::string error;
    EXPECT_FALSE(CidrMatcher::Parse(row.cidr, error).has_value());
    EXPECT_NE(error.find(row.error_has), std::string::npos) << error;
  }
}

// ---- gt gte lt lte ---------------------------------------------------------------------------

struct CompareRow {
  const char* name;
  std::string_view json_value;  // the value of F in {"F": ...}
  CompareOp op;
  double value;
  bool want;
};

TEST(CompareNumber, ComparesNumbersAndPlainDecimalStrings) {
  using enum CompareOp;
  const std::vector<CompareRow> rows = {
      {"62 gt int", "16", kGt, 15, true},
      {"62 gt decimal string", R"("16")", kGt, 15, true},
      {"62 gt equal is false", "15", kGt, 15, false},
      {"62 gt non-numeric string", R"("abc")", kGt, 15, false},
      {"62 gte equal", "15", kGte, 15, true},
      {"62 lt below float", "1", kLt, 1.5, true},
      {"62 lte negative string", R"("-2")", kLte, -2, true},
      {"lt equal is false", "15", kLt, 15, false},
      {"lte above is false", "16", kLte, 15, false},
      {"double candidate", "15.5", kGt, 15, true},
      {"double candidate equal", "15.0", kGte, 15, true},
      {"exponent number", "1e3", kGte, 1000, true},
      {"exponent string", R"("1e3")", kGte, 1000, true},
      {"exponent string above", R"("1e3")", kGt, 1000, false},
      {"signed exponent string", R"("25E-1")", kLt, 2.6, true},
      {"fraction string", R"("15.25")", kGt, 15.2, true},
      {"negative int", "-3", kLt, -2, true},
      {"leading space string", R"(" 16")", kGt, 15, false},
      {"trailing space string", R"("16 ")", kGt, 15, false},
      {"trailing junk string", R"("16abc")", kGt, 15, false},
      {"plus sign string", R"("+16")", kGt, 15, false},
      {"bare fraction string", R"(".5")", kLt, 1, false},
      {"trailing dot string", R"("16.")", kGt, 15, false},
      {"hex string", R"("0x10")", kGt, 15, false},
      {"empty string", R"("")", kLt, 1, false},
      {"inf string", R"("inf")", kGt, 1, false},
      {"nan string", R"("nan")", kGt, 1, false},
      {"out of range string", R"("1e999")", kGt, 1, false},
      {"true", "true", kGt, 0, false},
      {"false", "false", kLt, 1, false},
      {"null", "null", kLt, 1, false},
      {"array", "[16]", kGt, 15, false},
      {"object", R"({"a":16})", kGt, 15, false},
      {"int64 beyond double precision", "9007199254740993", kGt, 9007199254740992.0, true},
      {"int string beyond double precision", R"("9007199254740993")", kGt, 9007199254740992.0,
       true},
      {"uint64 max", "18446744073709551615", kGt, 1e19, true},
      {"uint64 below 2^64", "18446744073709551615", kLt, 18446744073709551616.0, true},
      {"int64 min", "-9223372036854775808", kLte, -9223372036854775808.0, true},
      {"int64 min below", "-9223372036854775808", kGt, -1e19, true},
      {"int vs fraction above", "2", kGt, 1.5, true},
      {"int vs fraction below", "1", kGt, 1.5, false},
      {"negative int vs fraction", "-2", kLt, -1.5, true},
      {"negative int vs fraction equal floor", "-2", kGt, -2.5, true},
      {"leading zero string is a plain decimal", R"("016")", kGt, 15, true},
  };
  simdjson::dom::parser parser;
  for (const CompareRow& row : rows) {
    SCOPED_TRACE(row.name);
    std::string json("{\"F\":");
    json.append(row.json_value).append("}");
    const simdjson::padded_string padded(json);
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(padded).get(root), simdjson::SUCCESS);
    simdjson::dom::element value;
    ASSERT_EQ(root["F"].get(value), simdjson::SUCCESS);
    EXPECT_EQ(CompareNumber(value, row.op, row.value), row.want);
  }
}

// ---- minute hour day week month year ---------------------------------------------------------

struct TimeRow {
  const char* name;
  std::string_view text;
  TimePart part;
  std::optional<int> want;
};

TEST(ExtractTimePart, ReadsRfc3339InUtc) {
  using enum TimePart;
  const std::vector<TimeRow> rows = {
      {"66 hour", "2024-01-01T03:59:59Z", kHour, 3},
      {"66 week 1 of 2024", "2024-01-01T00:00:00Z", kWeek, 1},
      {"minute", "2024-01-01T03:59:59Z", kMinute, 59},
      {"day", "2024-02-29T12:00:00Z", kDay, 29},
      {"month", "2024-02-29T12:00:00Z", kMonth, 2},
      {"year", "2024-02-29T12:00:00Z", kYear, 2024},
      {"offset moves to previous day hour", "2024-01-01T02:30:00+03:00", kHour, 23},
      {"offset moves to previous day", "2024-01-01T02:30:00+03:00", kDay, 31},
      {"offset moves to previous month", "2024-01-01T02:30:00+03:00", kMonth, 12},
      {"offset moves to previous year", "2024-01-01T02:30:00+03:00", kYear, 2023},
      {"offset minute", "2024-01-01T02:30:00+03:00", kMinute, 30},
      {"half-hour offset minute", "2024-01-01T02:30:00+05:45", kMinute, 45},
      {"negative offset to next day", "2023-12-31T22:00:00-05:00", kDay, 1},
      {"negative offset to next year", "2023-12-31T22:00:00-05:00", kYear, 2024},
      {"minus zero offset is utc", "2024-01-01T03:00:00-00:00", kHour, 3},
      {"fraction", "2024-01-01T03:04:05.123456789Z", kMinute, 4},
      {"lower case t and z", "2024-01-01t03:04:05z", kHour, 3},
      {"space separator", "2024-01-01 03:04:05Z", kHour, 3},
      {"leap second stays in its minute", "2016-12-31T23:59:60Z", kMinute, 59},
      {"leap second stays in its year", "2016-12-31T23:59:60Z", kYear, 2016},
      {"week 53 of 2020", "2021-01-03T12:00:00Z", kWeek, 53},
      {"week 1 after 53", "2021-01-04T00:00:00Z", kWeek, 1},
      {"week 52 of 2023", "2023-12-31T00:00:00Z", kWeek, 52},
      {"week 1 in December", "2024-12-30T00:00:00Z", kWeek, 1},
      {"week by utc not local", "2024-01-01T02:00:00+03:00", kWeek, 52},
      {"mid-year week", "2024-07-04T00:00:00Z", kWeek, 27},
      {"no zone", "2024-01-01T03:00:00", kHour, std::nullopt},
      {"date only", "2024-01-01", kDay, std::nullopt},
      {"february 30", "2024-02-30T00:00:00Z", kDay, std::nullopt},
      {"february 29 of common year", "2023-02-29T00:00:00Z", kDay, std::nullopt},
      {"month 13", "2024-13-01T00:00:00Z", kMonth, std::nullopt},
      {"hour 24", "2024-01-01T24:00:00Z", kHour, std::nullopt},
      {"minute 60", "2024-01-01T23:60:00Z", kMinute, std::nullopt},
      {"second 61", "2024-01-01T23:59:61Z", kMinute, std::nullopt},
      {"offset hour 24", "2024-01-01T00:00:00+24:00", kHour, std::nullopt},
      {"offset without colon", "2024-01-01T00:00:00+0300", kHour, std::nullopt},
      {"empty fraction", "2024-01-01T00:00:00.Z", kHour, std::nullopt},
      {"trailing text", "2024-01-01T00:00:00Zjunk", kHour, std::nullopt},
      {"leading space", " 2024-01-01T00:00:00Z", kHour, std::nullopt},
      {"short year", "24-01-01T00:00:00Z", kYear, std::nullopt},
      {"epoch number text", "1704067200", kYear, std::nullopt},
      {"empty", "", kYear, std::nullopt},
  };
  for (const TimeRow& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(ExtractTimePart(row.text, row.part), row.want);
  }
}

}  // namespace
}  // namespace trailhound::rules
