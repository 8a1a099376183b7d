// tests/rules/match_string_test.cc: Sigma string matching (SIGMA.md §7-§9, checklist items
// 26-35, 39-40, 42, 44-48): escapes, wildcards, shapers, case folding, the compiled form each
// value gets, and how JSON scalars read as text.
#include "rules/match_string.h"

#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace trailhound::rules {
namespace {

using Kind = StringPattern::Kind;
using Op = StringPattern::GlobToken::Op;

bool Match(std::string_view pattern, Shape shape, bool cased, std::string_view candidate) {
  std::string scratch;
  return CompileStringPattern(pattern, shape, cased).Matches(candidate, scratch);
}

// The kGlob program as text: `*`, `?` and `[literal]`, e.g. `*[ab]?[d]`.
std::string GlobText(const StringPattern& pattern) {
  std::string text;
  for (const StringPattern::GlobToken& token : pattern.glob()) {
    switch (token.op) {
      case Op::kAnyMany:
        text += '*';
        break;
      case Op::kAnyOne:
        text += '?';
        break;
      case Op::kLiteral:
        text += '[';
        text += pattern.literal().substr(token.offset, token.size);
        text += ']';
        break;
    }
  }
  return text;
}

struct MatchRow {
  const char* name;
  std::string_view pattern;
  Shape shape;
  bool cased;
  std::string_view candidate;
  bool want;
};

constexpr Shape kExact = Shape::kExact;
constexpr Shape kContains = Shape::kContains;
constexpr Shape kStarts = Shape::kStartsWith;
constexpr Shape kEnds = Shape::kEndsWith;

TEST(StringPattern, MatchesPerSigmaSections7To9) {
  const MatchRow rows[] = {
      // 26: case-insensitive, whole value.
      {"26 lower rule matches mixed case", "stoplogging", kExact, false, "StopLogging", true},
      {"26 whole value only", "StopLogging", kExact, false, "StopLoggingOrElse", false},
      {"26 not a prefix either", "StopLogging", kExact, false, "Stop", false},
      // 27: wildcards.
      {"27 star", "Stop*", kExact, false, "StopLogging", true},
      {"27 question mark", "Stop?ogging", kExact, false, "StopLogging", true},
      {"27 question mark is exactly one", "Stop?", kExact, false, "StopLogging", false},
      {"27 star matches nothing", "Stop*", kExact, false, "Stop", true},
      // 28: newlines are characters like any other.
      {"28 star across newline", "a*b", kExact, false, "a\nb", true},
      {"28 question across newline", "a?b", kExact, false, "a\nb", true},
      {"28 star across many lines", "a*", kStarts, false, "a\n\nb\r\n", true},
      // 29: `?` is one code point, not one byte.
      {"29 caf? café", "caf?", kExact, false, "café", true},
      {"29 caf?? café", "caf??", kExact, false, "café", false},
      {"29 four-byte code point", "a?b", kExact, false,
       "a\xF0\x9F\x98\x80"
       "b",
       true},
      {"29 ill-formed byte is one", "a?b", kExact, false,
       "a\xFF"
       "b",
       true},
      {"29 truncated sequence is bytes", "a??b", kExact, false,
       "a\xE2\x82"
       "b",
       true},
      // 30: full backtracking.
      {"30 backtracks", "*ab?d", kExact, false, "abXabYd", true},
      {"30 backtracks no", "*ab?d", kExact, false, "abXabYYd", false},
      {"30 star then question", "*?x", kExact, false, "éx", true},
      {"30 star then two questions", "*??", kExact, false, "é", false},
      // 31-34: escapes.
      {"31 escaped star literal", "a\\*b", kExact, false, "a*b", true},
      {"31 escaped star not wildcard", "a\\*b", kExact, false, "aXb", false},
      {"31 escaped question literal", "a\\?", kExact, false, "a?", true},
      {"31 escaped question not wildcard", "a\\?", kExact, false, "ab", false},
      {"32 escaped backslash then star", "a\\\\*b", kExact, false, "a\\XYZb", true},
      {"32 backslash is required", "a\\\\*b", kExact, false, "aXb", false},
      {"33 backslash and star literal", "a\\\\\\*b", kExact, false, "a\\*b", true},
      {"33 no wildcard left", "a\\\\\\*b", kExact, false, "a\\Xb", false},
      {"34 other backslashes literal", "C:\\Windows\\x", kExact, false, "C:\\Windows\\x", true},
      {"34 trailing backslash literal", "end\\", kExact, false, "end\\", true},
      {"34 trailing backslash needed", "end\\", kExact, false, "end", false},
      {"34 escaped backslash is one", "a\\\\b", kExact, false, "a\\b", true},
      // 35: simple Unicode lower-case mapping.
      {"35 umlaut folds", "ÄRGER", kExact, false, "ärger", true},
      {"35 umlaut folds other way", "ärger", kExact, false, "ÄRGER", true},
      {"35 cased keeps case", "ÄRGER", kExact, true, "ärger", false},
      {"35 cased same case", "ÄRGER", kExact, true, "ÄRGER", true},
      {"35 greek", "ΣΟΦΙΑ", kExact, false, "σοφια", true},
      {"35 cyrillic", "ПРИВЕТ*", kExact, false, "привет мир", true},
      {"35 latin extended-a", "ŁÓDŹ", kExact, false, "łódź", true},
      {"35 dotted capital I is i", "i", kExact, false, "İ", true},
      {"35 kelvin sign is k", "k", kExact, false, "\u212A", true},
      {"35 sharp s is not ss", "ss", kExact, false, "ß", false},
      // 39, 40, 42: numbers and booleans as text (see CandidateText for the reading).
      {"40 rule string vs number text", "4624", kExact, false, "4624", true},
      {"40 contains in number text", "62", kContains, false, "4624", true},
      {"39 leading zero differs", "4624", kExact, false, "04624", false},
      {"39 float text differs", "4624", kExact, false, "4624.0", false},
      {"42 true any case", "true", kExact, false, "TRUE", true},
      {"42 yes is not true", "true", kExact, false, "yes", false},
      {"42 one is not true", "true", kExact, false, "1", false},
      {"42 false", "false", kExact, false, "false", true},
      // 44, 45: contains of `*` and of ''.
      {"44 contains star empty", "*", kContains, false, "", true},
      {"44 contains star text", "*", kContains, false, "x", true},
      {"45 contains empty", "", kContains, false, "", true},
      {"45 contains empty text", "", kContains, false, "4624", true},
      {"37 exact empty only empty", "", kExact, false, "", true},
      {"37 exact empty not text", "", kExact, false, "x", false},
      // 46: inner wildcards stay wildcards.
      {"46 inner star", "a*b", kContains, false, "zzaQQbzz", true},
      {"46 inner star order", "a*b", kContains, false, "zzbQQazz", false},
      {"46 leading star not doubled", "*ab", kContains, false, "xxabyy", true},
      {"46 inner question", "a?c", kContains, false, "xxabcyy", true},
      {"46 inner escaped star", "a\\*b", kContains, false, "xa*bx", true},
      {"46 inner escaped star literal", "a\\*b", kContains, false, "xaQbx", false},
      // 47: startswith / endswith.
      {"47 startswith", "UpdateFunctionConfiguration", kStarts, false,
       "UpdateFunctionConfiguration20150331v2", true},
      {"47 startswith no", "UpdateFunctionConfiguration", kStarts, false, "xUpdateFunction", false},
      {"47 endswith backslash", "\\cmd.exe", kEnds, false, "C:\\WINDOWS\\CMD.EXE", true},
      {"47 endswith no", "\\cmd.exe", kEnds, false, "C:\\WINDOWS\\CMD.EXE.bak", false},
      {"47 endswith cased", "\\cmd.exe", kEnds, true, "C:\\WINDOWS\\CMD.EXE", false},
      {"47 startswith with question", "a?c", kStarts, false, "abcdef", true},
      {"47 endswith with star", "a*c", kEnds, false, "xxabbbc", true},
      // 48: contains|cased.
      {"48 cased contains", "Foo", kContains, true, "xFoox", true},
      {"48 cased contains no", "Foo", kContains, true, "xfoox", false},
      {"48 uncased contains", "Foo", kContains, false, "xFOOx", true},
      // Globs with several stars.
      {"glob prefix and suffix", "a*b*c", kExact, false, "aXbYc", true},
      {"glob suffix anchored", "a*b*c", kExact, false, "aXbYcZ", false},
      {"glob repeated suffix", "*ab", kExact, false, "abababab", true},
      {"glob overlapping", "*aab*", kExact, false, "aaab", true},
  };
  for (const MatchRow& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(Match(row.pattern, row.shape, row.cased, row.candidate), row.want)
        << "pattern '" << row.pattern << "' candidate '" << row.candidate << "'";
  }
}

struct CompiledRow {
  const char* name;
  std::string_view pattern;
  Shape shape;
  bool cased;
  Kind kind;
  std::string_view literal;  // for kGlob: GlobText
};

TEST(StringPattern, PicksTheCheapestMatcherAtCompileTime) {
  const CompiledRow rows[] = {
      {"plain is equal, lower-cased", "StopLogging", kExact, false, Kind::kEqual, "stoplogging"},
      {"cased keeps case", "StopLogging", kExact, true, Kind::kEqual, "StopLogging"},
      {"unicode lower-cased once", "ÄRGER", kExact, false, Kind::kEqual, "ärger"},
      {"empty is equal", "", kExact, false, Kind::kEqual, ""},
      {"escapes resolve to literal", "a\\\\\\*b", kExact, false, Kind::kEqual, "a\\*b"},
      {"other backslashes kept", "C:\\Windows\\x", kExact, true, Kind::kEqual, "C:\\Windows\\x"},
      {"trailing star is prefix", "Stop*", kExact, false, Kind::kStartsWith, "stop"},
      {"startswith is prefix", "Update", kStarts, false, Kind::kStartsWith, "update"},
      {"startswith star not doubled", "Update*", kStarts, false, Kind::kStartsWith, "update"},
      {"endswith is suffix", "\\cmd.exe", kEnds, false, Kind::kEndsWith, "\\cmd.exe"},
      {"leading star is suffix", "*.exe", kExact, false, Kind::kEndsWith, ".exe"},
      {"contains is substring", "Foo", kContains, true, Kind::kContains, "Foo"},
      {"contains not doubled", "*foo*", kContains, false, Kind::kContains, "foo"},
      {"stars folded", "**foo***", kExact, false, Kind::kContains, "foo"},
      {"star alone is anything", "*", kExact, false, Kind::kAnything, ""},
      {"contains star is anything", "*", kContains, false, Kind::kAnything, ""},
      {"contains empty is anything", "", kContains, false, Kind::kAnything, ""},
      {"question is glob", "Stop?ogging", kExact, false, Kind::kGlob, "[stop]?[ogging]"},
      {"backtracking glob", "*ab?d", kExact, false, Kind::kGlob, "*[ab]?[d]"},
      {"inner star glob", "a*b", kContains, false, Kind::kGlob, "*[a]*[b]*"},
      {"escaped backslash then star", "a\\\\*b", kExact, false, Kind::kGlob, "[a\\]*[b]"},
      {"escaped star inside glob", "a\\**b", kExact, false, Kind::kGlob, "[a*]*[b]"},
      {"escaped question literal", "a\\?", kExact, false, Kind::kEqual, "a?"},
      {"startswith with question", "a?c", kStarts, false, Kind::kGlob, "[a]?[c]*"},
  };
  for (const CompiledRow& row : rows) {
    SCOPED_TRACE(row.name);
    const StringPattern pattern = CompileStringPattern(row.pattern, row.shape, row.cased);
    EXPECT_EQ(pattern.kind(), row.kind);
    EXPECT_EQ(pattern.cased(), row.cased);
    if (row.kind == Kind::kGlob) {
      EXPECT_EQ(GlobText(pattern), row.literal);
    } else {
      EXPECT_EQ(pattern.literal(), row.literal);
      EXPECT_TRUE(pattern.glob().empty());
    }
  }
}

TEST(StringPattern, PathologicalPatternsFinish) {
  const std::string as(10000, 'a');
  EXPECT_FALSE(Match("*a*a*a*a*a*a*b", kExact, false, as));
  EXPECT_TRUE(Match("*a*a*a*a*a*a*a", kExact, false, as));
  EXPECT_FALSE(Match("*a?a?a?a?a?b", kExact, false, as));
  EXPECT_FALSE(Match("*aaaaaaaaab*", kExact, false, as));
  EXPECT_FALSE(Match("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", kExact, false, as));
  EXPECT_TRUE(Match("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", kExact, false, as));
  EXPECT_TRUE(Match("*?a", kExact, false, as));
  EXPECT_FALSE(Match("*??????????", kExact, false, as.substr(0, 9)));
}

// A plainly recursive matcher over code points (exponential, fine for short inputs) to check
// the compiled matchers against. Pattern tokens: `*`, `?` or one literal code point; `fold`
// lower-cases the two code points used in upper case here.
std::string_view Fold(std::string_view code_point, bool fold) {
  if (fold && code_point == "A") {
    return "a";
  }
  if (fold && code_point == "É") {
    return "é";
  }
  return code_point;
}

bool ReferenceMatch(const std::vector<std::string>& pattern, size_t p,
                    const std::vector<std::string>& text, size_t t, bool fold) {
  if (p == pattern.size()) {
    return t == text.size();
  }
  if (pattern[p] == "*") {
    for (size_t skip = t; skip <= text.size(); ++skip) {
      if (ReferenceMatch(pattern, p + 1, text, skip, fold)) {
        return true;
      }
    }
    return false;
  }
  if (t == text.size()) {
    return false;
  }
  return (pattern[p] == "?" || Fold(pattern[p], fold) == Fold(text[t], fold)) &&
         ReferenceMatch(pattern, p + 1, text, t + 1, fold);
}

TEST(StringPattern, AgreesWithAReferenceMatcherOnEveryShortCase) {
  const std::vector<std::string> pattern_alphabet = {"a", "É", "*", "?"};
  const std::vector<std::string> text_alphabet = {"A", "a", "é", "\n"};
  // Every pattern of up to 4 tokens against every text of up to 5 code points.
  std::vector<std::vector<std::string>> patterns = {{}};
  for (size_t begin = 0, length = 0; length < 4; ++length) {
    const size_t end = patterns.size();
    for (size_t i = begin; i < end; ++i) {
      for (const std::string& token : pattern_alphabet) {
        std::vector<std::string> longer = patterns[i];
        longer.push_back(token);
        patterns.push_back(longer);
      }
    }
    begin = end;
  }
  std::vector<std::vector<std::string>> texts = {{}};
  for (size_t begin = 0, length = 0; length < 5; ++length) {
    const size_t end = texts.size();
    for (size_t i = begin; i < end; ++i) {
      for (const std::string& code_point : text_alphabet) {
        std::vector<std::string> longer = texts[i];
        longer.push_back(code_point);
        texts.push_back(longer);
      }
    }
    begin = end;
  }
  std::vector<std::string> joined_texts;
  for (const std::vector<std::string>& text_points : texts) {
    std::string& text = joined_texts.emplace_back();
    for (const std::string& code_point : text_points) {
      text += code_point;
    }
  }
  std::string scratch;
  int disagreements = 0;
  for (const std::vector<std::string>& pattern_tokens : patterns) {
    std::string pattern_text;
    for (const std::string& token : pattern_tokens) {
      pattern_text += token;
    }
    for (const bool cased : {true, false}) {
      const StringPattern pattern = CompileStringPattern(pattern_text, kExact, cased);
      for (size_t i = 0; i < texts.size(); ++i) {
        const std::vector<std::string>& text_points = texts[i];
        const std::string& text = joined_texts[i];
        const bool want = ReferenceMatch(pattern_tokens, 0, text_points, 0, !cased);
        if (pattern.Matches(text, scratch) != want && ++disagreements <= 10) {
          ADD_FAILURE() << "pattern '" << pattern_text << "' text '" << text << "' cased " << cased
                        << " want " << want;
        }
      }
    }
  }
  EXPECT_EQ(disagreements, 0);
}

// The in-place ASCII test must give Matches' verdict exactly: the straightforward path (fold the
// candidate, then compare) is the reference, over random patterns and candidates mixing ASCII of
// both cases with code points that fold into ASCII (`K` U+212A → `k`, `İ` U+0130 → `i`), that
// grow when folded (`Ⱥ` U+023A → `ⱥ` U+2C65), ill-formed bytes and the wildcards and escapes.
TEST(StringPattern, AsciiInPlaceAgreesWithFoldingFirst) {
  const std::vector<std::string> pattern_alphabet = {"a", "B", "k", "i",  "ⱥ",   "é",
                                                     "-", "*", "?", "\\", "\\*", "x"};
  const std::vector<std::string> text_alphabet = {"a",
                                                  "A",
                                                  "b",
                                                  "B",
                                                  "k",
                                                  "K",
                                                  "\xE2\x84\xAA",
                                                  "i",
                                                  "I",
                                                  "\xC4\xB0",
                                                  "\xC8\xBA",
                                                  "\xE2\xB1\xA5",
                                                  "é",
                                                  "É",
                                                  "-",
                                                  "*",
                                                  "?",
                                                  "\\",
                                                  "x",
                                                  "\xC3",
                                                  "\x80",
                                                  "\n",
                                                  ""};
  std::mt19937 random(20240601);
  const auto pick = [&](const std::vector<std::string>& alphabet, size_t max_length) {
    std::string text;
    const size_t length = random() % (max_length + 1);
    for (size_t i = 0; i < length; ++i) {
      text += alphabet[random() % alphabet.size()];
    }
    return text;
  };
  std::vector<std::string> texts = {"", "A", "a", "\xE2\x84\xAA", "AK", "ak"};
  for (int i = 0; i < 400; ++i) {
    texts.push_back(pick(text_alphabet, 8));
  }
  std::string scratch;
  int compared = 0;
  int decided = 0;
  int disagreements = 0;
  for (int i = 0; i < 600; ++i) {
    const std::string value =
        i < 6 ? std::string(i % 2 == 0 ? "" : "AK") : pick(pattern_alphabet, 4);
    for (const Shape shape : {kExact, kContains, kStarts, kEnds}) {
      const StringPattern pattern = CompileStringPattern(value, shape, false);
      for (const std::string& text : texts) {
        std::string reference_scratch;
        const bool want = pattern.MatchesFolded(FoldCase(text, reference_scratch));
        const std::optional<bool> in_place = pattern.MatchesAsciiIgnoringCase(text);
        ++compared;
        decided += in_place.has_value() ? 1 : 0;
        if ((pattern.Matches(text, scratch) != want ||
             (in_place.has_value() && *in_place != want)) &&
            ++disagreements <= 10) {
          ADD_FAILURE() << "value '" << value << "' shape " << static_cast<int>(shape) << " text '"
                        << text << "' want " << want;
        }
      }
    }
  }
  EXPECT_EQ(disagreements, 0);
  EXPECT_GT(decided, compared / 4);  // the ASCII path is taken, not only the fallback
}

TEST(StringPattern, AsciiCandidatesAreDecidedInPlace) {
  const struct {
    const char* name;
    std::string_view value;
    Shape shape;
    std::string_view candidate;
    std::optional<bool> want;
  } rows[] = {
      {"equal mixed case", "TruffleHog", kExact, "trufflehog", true},
      {"equal longer", "TruffleHog", kExact, "TruffleHogX", false},
      {"equal shorter", "TruffleHog", kExact, "Truffle", false},
      {"equal differs before non-ascii", "abc", kExact, "xé", false},
      {"equal non-ascii first needs folding", "kb", kExact,
       "\xE2\x84\xAA"
       "b",
       std::nullopt},
      {"equal empty", "", kExact, "", true},
      {"equal empty vs text", "", kExact, "a", false},
      {"prefix", "Get", kStarts, "GETObject", true},
      {"prefix longer than text", "GetObject", kStarts, "get", false},
      {"suffix", ".EXE", kEnds, "cmd.exe", true},
      {"suffix non-ascii before it is irrelevant", "exe", kEnds, "é.EXE", true},
      {"suffix non-ascii inside", "kexe", kEnds,
       "\xE2\x84\xAA"
       "exe",
       std::nullopt},
      {"contains letter first", "Hog", kContains, "aws-cli TRUFFLEHOG/1.0", true},
      {"contains other first", "/1.", kContains, "TruffleHog/1.0", true},
      {"contains miss in ascii", "nmap", kContains, "aws-cli/2.0", false},
      {"contains miss with non-ascii", "k", kContains, "\xE2\x84\xAA", std::nullopt},
      {"contains hit despite non-ascii", "hog", kContains, "é HOG", true},
      {"contains non-ascii literal, ascii text", "é", kContains, "abc", false},
      {"glob ascii", "a?c*D", kExact, "AbCxxd", true},
      {"glob non-ascii text", "a?c", kExact, "aéc", std::nullopt},
      {"anything", "*", kExact, "\xE2\x84\xAA", true},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(
        CompileStringPattern(row.value, row.shape, false).MatchesAsciiIgnoringCase(row.candidate),
        row.want);
  }
}

TEST(ContainsIgnoringAsciiCase, FindsEveryPlacementInEitherCase) {
  const struct {
    std::string_view text;
    std::string_view lower;
    bool want;
  } rows[] = {
      {"TruffleHog/1.0", "trufflehog", true},  // at the start
      {"aws-cli KALI", "kali", true},          // at the very end
      {"aaab", "aab", true},                   // after a false start of the same letter
      {"AaAaB", "aab", true},                  // false starts in both cases
      {"aa", "aab", false},                    // longer than the text
      {"abc", "", true},
      {"", "a", false},
      {"x:assumed-role/AWS:y", ":assumed-role/aws:", true},  // a non-letter first byte
      {"x:assumed-role/aw", ":assumed-role/aws:", false},
      {std::string_view("a\0b", 3), std::string_view("\0b", 2), true},  // a NUL first byte
      {std::string_view("a\0c", 3), std::string_view("\0b", 2), false},
      {"k\xE2\x84\xAA", "kk", false},  // U+212A is not ASCII: the caller decides
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    EXPECT_EQ(ContainsIgnoringAsciiCase(row.text, row.lower), row.want);
  }
}

// The byte-pair filter only ever refuses what Matches refuses: random ASCII and non-ASCII texts
// against `contains` values of every length, in both cases.
TEST(StringPattern, BytePairFilterNeverRefusesAMatch) {
  const std::vector<std::string> alphabet = {"a", "B", "c",   "K", "k", "\xE2\x84\xAA",
                                             "-", "é", "\xC3"};
  std::mt19937 random(7);
  const auto pick = [&](size_t max_length) {
    std::string text;
    const size_t length = random() % (max_length + 1);
    for (size_t i = 0; i < length; ++i) {
      text += alphabet[random() % alphabet.size()];
    }
    return text;
  };
  std::vector<std::string> texts;
  for (int i = 0; i < 500; ++i) {
    texts.push_back(pick(12));
  }
  std::string scratch;
  int refused = 0;
  int wrongly_refused = 0;
  for (int i = 0; i < 300; ++i) {
    const StringPattern pattern = CompileStringPattern(pick(4), kContains, i % 5 == 0);
    for (const std::string& text : texts) {
      if (!pattern.MayMatch(BytePairSet::Of(text))) {
        ++refused;
        if (pattern.Matches(text, scratch) && ++wrongly_refused <= 10) {
          ADD_FAILURE() << "refused '" << text << "' for '" << pattern.literal() << "'";
        }
      }
    }
  }
  EXPECT_EQ(wrongly_refused, 0);
  EXPECT_GT(refused, 10000);  // and it does refuse
  EXPECT_FALSE(CompileStringPattern("kali", kContains, false).MayMatch(BytePairSet::Of("Boto3")));
  EXPECT_TRUE(CompileStringPattern("kali", kContains, false).MayMatch(BytePairSet::Of("x KALI")));
}

// Long texts take the byte-table path: the same set as the pairs one by one.
TEST(BytePairSet, LongTextHasExactlyTheSetOfItsPairs) {
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text.push_back(static_cast<char>(' ' + (i * 37 + i / 7) % 95));
  }
  for (const size_t size : {size_t{47}, size_t{48}, size_t{49}, size_t{130}, size_t{400}}) {
    SCOPED_TRACE(size);
    const std::string_view part = std::string_view(text).substr(0, size);
    BytePairSet want;
    for (size_t i = 0; i + 1 < part.size(); ++i) {
      const BytePairSet pair = BytePairSet::Of(part.substr(i, 2));
      for (size_t w = 0; w < 4; ++w) {
        want.bits[w] |= pair.bits[w];
      }
    }
    const BytePairSet got = BytePairSet::Of(part);
    for (size_t w = 0; w < 4; ++w) {
      EXPECT_EQ(got.bits[w], want.bits[w]) << "word " << w;
    }
    EXPECT_TRUE(got.ascii);
  }
  EXPECT_FALSE(BytePairSet::Of(text.substr(0, 60) + "\xC3\x84").ascii);
  EXPECT_FALSE(BytePairSet::Of("\xC3\x84" + text.substr(0, 60)).ascii);
}

TEST(StringPattern, ScratchIsReusedWithoutGrowing) {
  const StringPattern pattern = CompileStringPattern("logging", kContains, false);
  std::string scratch;
  ASSERT_TRUE(pattern.Matches("StopLoggingNow", scratch));
  const char* buffer = scratch.data();
  const size_t capacity = scratch.capacity();
  EXPECT_TRUE(pattern.Matches("StartLogging", scratch));
  EXPECT_FALSE(pattern.Matches("DeleteTrail", scratch));
  EXPECT_EQ(scratch.data(), buffer);
  EXPECT_EQ(scratch.capacity(), capacity);
  // ASCII, lower-case or not, needs no copy at all: the scratch is left alone.
  scratch = "untouched";
  EXPECT_TRUE(pattern.Matches("stoplogging", scratch));
  EXPECT_TRUE(pattern.Matches("STOPLOGGING", scratch));
  EXPECT_EQ(scratch, "untouched");
}

TEST(StringPattern, AppendLowerCaseMapsSimpleCaseAndKeepsIllFormedBytes) {
  const struct {
    const char* name;
    std::string_view input;
    std::string_view want;
  } rows[] = {
      {"ascii", "StopLogging", "stoplogging"},
      {"latin-1", "ÀÉÎÕÜÝÞ×", "àéîõüýþ×"},
      {"latin extended-a", "ĀĂĄĆŁŃŐŒŠŸŹŻŽ", "āăąćłńőœšÿźżž"},
      {"latin extended-b", "ƁǄȺ", "ɓǆⱥ"},
      {"greek", "ΆΈΑΒΓΔΩΪ", "άέαβγδωϊ"},
      {"final sigma is not special", "ΟΔΟΣ", "οδοσ"},
      {"cyrillic", "ЀЁЂАБВЯѠҊӀӐԮ", "ѐёђабвяѡҋӏӑԯ"},
      {"armenian", "ԱԲ", "աբ"},
      {"letterlike", "\u212A\u2126\u212B", "kωå"},
      {"fullwidth", "ＡＺ", "ａｚ"},
      {"deseret", "\U00010400", "\U00010428"},
      {"dotted capital I", "İ", "i"},
      {"already lower", "ärger ß ı", "ärger ß ı"},
      {"ill-formed kept", "A\xC3(\xFF\xC1\x81\xE2\x82Z", "a\xC3(\xFF\xC1\x81\xE2\x82z"},
      {"surrogate encoding kept", "\xED\xA0\x80", "\xED\xA0\x80"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    std::string out = "prefix:";
    AppendLowerCase(row.input, out);
    EXPECT_EQ(out, "prefix:" + std::string(row.want));
  }
}

// How each JSON scalar of `{"F": ...}` reads as text; "<none>" when it is not a candidate.
std::string ReadAsText(std::string_view json_value) {
  simdjson::dom::parser parser;
  const simdjson::padded_string json("{\"F\":" + std::string(json_value) + "}");
  simdjson::dom::element root;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) {
    return "<bad json>";
  }
  simdjson::dom::element value;
  if (root["F"].get(value) != simdjson::SUCCESS) {
    return "<no F>";
  }
  std::string scratch;
  const std::optional<std::string_view> text = CandidateText(value, scratch);
  return text.has_value() ? std::string(*text) : "<none>";
}

TEST(CandidateText, ReadsScalarsAsSigmaSection7Says) {
  const struct {
    const char* name;
    std::string_view json;
    std::string_view want;
  } rows[] = {
      {"string", "\"StopLogging\"", "StopLogging"},
      {"escaped string", "\"a\\nb\\u00e9\"", "a\nbé"},
      {"true", "true", "true"},
      {"false", "false", "false"},
      {"integer", "4624", "4624"},
      {"zero", "0", "0"},
      {"negative", "-17", "-17"},
      {"int64 min", "-9223372036854775808", "-9223372036854775808"},
      {"uint64 max", "18446744073709551615", "18446744073709551615"},
      {"double", "1.5", "1.5"},
      {"integral double keeps .0", "4624.0", "4624.0"},
      {"exponent without fraction", "1e3", "1000.0"},
      {"huge", "1e300", "1e+300"},
      {"largest double", "1.7976931348623157e308", "1.7976931348623157e+308"},
      {"switch to exponent at 1e16", "1e16", "1e+16"},
      {"fixed below 1e16", "1e15", "1000000000000000.0"},
      {"2^53 + 1 rounds", "9007199254740993.0", "9007199254740992.0"},
      {"small fixed", "0.0001", "0.0001"},
      {"small exponent", "0.00001", "1e-05"},
      {"fraction exponent", "1.5e-7", "1.5e-07"},
      {"negative double", "-2.5", "-2.5"},
      {"negative zero", "-0.0", "-0.0"},
      {"shortest round trip", "0.1", "0.1"},
      {"subnormal", "5e-324", "5e-324"},
      {"null", "null", "<none>"},
      {"array", "[\"x\"]", "<none>"},
      {"object", "{\"k\":\"X\"}", "<none>"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(ReadAsText(row.json), row.want);
  }
}

// Checklist 39, 40, 42, 44, 45 end to end: JSON scalar → text → string pattern.
TEST(CandidateText, FeedsStringPatterns) {
  const struct {
    const char* name;
    std::string_view pattern;
    Shape shape;
    std::string_view json;
    bool want;
  } rows[] = {
      {"40 string rule vs number", "4624", kExact, "4624", true},
      {"40 contains vs number", "62", kContains, "4624", true},
      {"39 string rule vs float", "4624", kExact, "4624.0", false},
      {"41 string true vs boolean", "true", kExact, "true", true},
      {"41 string false vs boolean", "false", kExact, "false", true},
      {"42 true vs one", "true", kExact, "1", false},
      {"44 contains star vs empty string", "*", kContains, "\"\"", true},
      {"45 contains empty vs number", "", kContains, "12", true},
      {"45 contains empty vs boolean", "", kContains, "false", true},
      {"44 contains star vs null", "*", kContains, "null", false},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const StringPattern pattern = CompileStringPattern(row.pattern, row.shape, false);
    simdjson::dom::parser parser;
    const simdjson::padded_string json("{\"F\":" + std::string(row.json) + "}");
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS);
    simdjson::dom::element value;
    ASSERT_EQ(root["F"].get(value), simdjson::SUCCESS);
    std::string text_scratch;
    std::string match_scratch;
    const std::optional<std::string_view> text = CandidateText(value, text_scratch);
    EXPECT_EQ(text.has_value() && pattern.Matches(*text, match_scratch), row.want);
  }
}

}  // namespace
}  // namespace trailhound::rules
