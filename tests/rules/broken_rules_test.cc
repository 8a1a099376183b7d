// tests/rules/broken_rules_test.cc: bad rules. Every file of tests/data/broken-rules/ breaks one
// thing and names the diagnostic it must draw in its first line (`# expect: code [line:col]`,
// optionally `# message: text` and `# loads: n`); each must be rejected with that code and load
// nothing else. Hostile inputs too big to commit (10,000 nested parentheses, a 200,000-value
// list, alias bombs, ...) are generated here; they must be rejected or loaded, never crash, and
// do work in proportion to their size. No test asserts a duration: the figures are printed.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules/compiled_rule.h"
#include "rules/match_value.h"
#include "rules/rule_set.h"
#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

namespace fs = std::filesystem;

struct Expectation {
  std::string code;
  int line = 0;  // 0: any position
  int column = 0;
  std::string message;  // a substring of the diagnostic's message, or empty
  size_t loads = 0;     // rules of the file that still load (a duplicate id: the first)
};

// Reads the `# expect:`, `# message:` and `# loads:` comment lines at the top of `path`.
Expectation ReadExpectation(const fs::path& path) {
  Expectation want;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line) && line.starts_with("# ")) {
    std::istringstream fields(line.substr(2));
    std::string key;
    fields >> key;
    if (key == "expect:") {
      fields >> want.code;
      std::string position;
      if (fields >> position) {
        const size_t colon = position.find(':');
        want.line = std::stoi(position.substr(0, colon));
        want.column = std::stoi(position.substr(colon + 1));
      }
    } else if (key == "message:") {
      std::getline(fields >> std::ws, want.message);
    } else if (key == "loads:") {
      fields >> want.loads;
    }
  }
  return want;
}

std::string Describe(const Diagnostics& diagnostics) {
  std::string all;
  for (const Diagnostic& d : diagnostics.items()) {
    all += d.ToString() + "\n";
  }
  return all;
}

bool Reports(const Diagnostics& diagnostics, const Expectation& want) {
  for (const Diagnostic& d : diagnostics.items()) {
    if (d.severity == Severity::kError && d.code == want.code &&
        (want.line == 0 || (d.location.line == want.line && d.location.column == want.column)) &&
        d.message.find(want.message) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(BrokenRules, EachCorpusFileIsRejectedWithItsExpectedCode) {
  const fs::path corpus = fs::path(TH_SOURCE_DIR) / "tests/data/broken-rules";
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(corpus)) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 60u) << corpus;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    const Expectation want = ReadExpectation(file);
    ASSERT_FALSE(want.code.empty()) << "no '# expect: code' first line";
    Diagnostics diagnostics;
    const LoadedRules loaded = LoadRules({file.string()}, CompileOptions{}, diagnostics);
    EXPECT_TRUE(Reports(diagnostics, want))
        << "want error[" << want.code << "] at " << want.line << ":" << want.column << " '"
        << want.message << "', got:\n"
        << Describe(diagnostics);
    EXPECT_EQ(loaded.rules.size(), want.loads) << Describe(diagnostics);
  }
}

// ---- Generated inputs ------------------------------------------------------------------------

constexpr char kHead[] =
    "title: Generated\nid: 4db60cc0-36fb-42b7-9b58-a5b53019fb74\nlevel: low\n"
    "logsource: {product: aws, service: cloudtrail}\n";

std::string Repeat(std::string_view text, size_t times) {
  std::string out;
  out.reserve(text.size() * times);
  for (size_t i = 0; i < times; ++i) {
    out += text;
  }
  return out;
}

struct Outcome {
  std::vector<CompiledRule> rules;
  Diagnostics diagnostics;
  size_t documents = 0;
  double milliseconds = 0;

  bool HasError(std::string_view code) const {
    for (const Diagnostic& d : diagnostics.items()) {
      if (d.severity == Severity::kError && d.code == code) {
        return true;
      }
    }
    return false;
  }
  size_t Count(std::string_view code) const {
    size_t n = 0;
    for (const Diagnostic& d : diagnostics.items()) {
      n += d.code == code;
    }
    return n;
  }
  // Bytes of diagnostic text: a bound on the memory a load spends on reporting.
  size_t DiagnosticBytes() const {
    size_t bytes = 0;
    for (const Diagnostic& d : diagnostics.items()) {
      bytes += d.message.size() + d.rule_title.size();
    }
    return bytes;
  }
};

// Parses and compiles `text` the way LoadRules does a file (in memory; duplicate ids across
// documents are LoadRules' business and tested with the corpus). Prints the time it took.
Outcome Load(const std::string& name, const std::string& text) {
  Outcome outcome;
  const auto start = std::chrono::steady_clock::now();
  for (const SigmaDocument& document : ParseRuleText(text, name, outcome.diagnostics)) {
    ++outcome.documents;
    if (document.kind == DocumentKind::kDetection && document.loaded) {
      if (std::optional<CompiledRule> rule =
              CompileRule(document.rule, name, CompileOptions{}, outcome.diagnostics)) {
        outcome.rules.push_back(*std::move(rule));
      }
    }
  }
  outcome.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ bench    ] " << name << ": " << text.size() << " bytes, " << outcome.rules.size()
            << " rules, " << outcome.diagnostics.size() << " diagnostics, " << outcome.milliseconds
            << " ms\n";
  return outcome;
}

std::string Detection(const std::string& selections, const std::string& condition) {
  return std::string(kHead) + "detection:\n" + selections + "  condition: " + condition + "\n";
}

constexpr char kSelection[] = "  selection:\n    eventName: StopLogging\n";

TEST(BrokenRules, TenThousandNestedParenthesesAreConditionSyntax) {
  for (const auto& [name, condition] : std::vector<std::pair<std::string, std::string>>{
           {"open-and-closed", Repeat("(", 10000) + std::string("selection") + Repeat(")", 10000)},
           {"only-open", Repeat("(", 10000) + "selection"},
           {"only-closed", std::string("selection") + Repeat(")", 10000)},
           {"not-open", Repeat("not (", 10000) + std::string("selection") + Repeat(")", 10000)}}) {
    SCOPED_TRACE(name);
    const Outcome outcome = Load("parens-" + name, Detection(kSelection, "'" + condition + "'"));
    EXPECT_TRUE(outcome.HasError("condition-syntax")) << Describe(outcome.diagnostics);
    EXPECT_TRUE(outcome.rules.empty());
    EXPECT_EQ(outcome.Count("condition-syntax"), 1u);  // one report, not one per level
  }
}

TEST(BrokenRules, ParenthesesJustWithinTheNestingLimitLoad) {
  const std::string condition = Repeat("(", kMaxConditionNesting) + std::string("selection") +
                                Repeat(")", kMaxConditionNesting);
  const Outcome outcome = Load("parens-at-limit", Detection(kSelection, "'" + condition + "'"));
  ASSERT_EQ(outcome.rules.size(), 1u) << Describe(outcome.diagnostics);
  EXPECT_EQ(outcome.rules[0].condition.nodes().size(), 1u);
}

// A long and/or chain is one flat node: its size grows with n, its depth does not.
TEST(BrokenRules, HundredThousandAndsLoadAsOneFlatNode) {
  for (const size_t n : {10000u, 100000u}) {
    const std::string condition = std::string("selection") + Repeat(" and selection", n);
    const Outcome outcome = Load("ands-" + std::to_string(n), Detection(kSelection, condition));
    ASSERT_EQ(outcome.rules.size(), 1u) << Describe(outcome.diagnostics);
    EXPECT_EQ(outcome.rules[0].condition.nodes().size(), n + 2);
  }
  const Outcome dangling =
      Load("ands-dangling", Detection(kSelection, Repeat("selection and ", 100000)));
  EXPECT_TRUE(dangling.HasError("condition-syntax"));
  const Outcome nots = Load("nots", Detection(kSelection, Repeat("not ", 100001) + "selection"));
  ASSERT_EQ(nots.rules.size(), 1u);
  EXPECT_EQ(nots.rules[0].condition.nodes().size(), 2u);  // an odd run of `not` is one
}

TEST(BrokenRules, UndefinedIdentifiersReportInProportionToTheirNumber) {
  // Long names: each report lists the defined names, which must not make the reports quadratic.
  std::string selections;
  for (int i = 0; i < 8; ++i) {
    selections +=
        std::string("  ? s") + std::to_string(i) + std::string(5000, 'a') + "\n  : {x: 1}\n";
  }
  std::vector<size_t> bytes;
  for (const size_t n : {1000u, 10000u}) {
    const Outcome outcome = Load("undefined-" + std::to_string(n),
                                 Detection(selections, std::string("u") + Repeat(" or u", n - 1)));
    EXPECT_EQ(outcome.Count("undefined-identifier"), n);
    EXPECT_TRUE(outcome.rules.empty());
    bytes.push_back(outcome.DiagnosticBytes());
  }
  EXPECT_LT(bytes[1], 11 * bytes[0]);
  EXPECT_LT(bytes[1], size_t{10} << 20);
}

TEST(BrokenRules, TwoHundredThousandValuesLoad) {
  std::string values;
  for (int i = 0; i < 200000; ++i) {
    values += std::string("      - v") + std::to_string(i) + "\n";
  }
  const Outcome outcome =
      Load("list-200000", Detection("  selection:\n    eventName:\n" + values, "selection"));
  ASSERT_EQ(outcome.rules.size(), 1u) << Describe(outcome.diagnostics);
  EXPECT_EQ(outcome.rules[0].selections[0].alternatives[0][0].values.size(), 200000u);
  const Outcome flow = Load(
      "flow-list-200000",
      Detection("  selection:\n    eventName: [" + Repeat("a, ", 200000) + "b]\n", "selection"));
  ASSERT_EQ(flow.rules.size(), 1u) << Describe(flow.diagnostics);
}

// Duplicate keys are looked for in every mapping; a wide one must not make that quadratic.
TEST(BrokenRules, HundredThousandFieldsInOneSelectionLoad) {
  std::string fields;
  for (int i = 0; i < 100000; ++i) {
    fields += std::string("    f") + std::to_string(i) + ": v\n";
  }
  const Outcome outcome = Load("fields-100000", Detection("  selection:\n" + fields, "selection"));
  ASSERT_EQ(outcome.rules.size(), 1u) << Describe(outcome.diagnostics);
  EXPECT_EQ(outcome.rules[0].selections[0].alternatives[0].size(), 100000u);
  const Outcome duplicate = Load(
      "fields-duplicate", Detection("  selection:\n" + fields + "    f0: again\n", "selection"));
  EXPECT_EQ(duplicate.Count("duplicate-key"), 1u);
  EXPECT_TRUE(duplicate.rules.empty());
}

TEST(BrokenRules, OneMegabyteStringValuesLoad) {
  const std::string big(1 << 20, 'x');
  for (const std::string_view modifiers :
       {"", "|contains", "|base64offset|contains", "|windash", "|cased|endswith"}) {
    SCOPED_TRACE(modifiers);
    std::string item = "  selection:\n    requestParameters.policy";
    item.append(modifiers).append(": '").append(big).append("'\n");
    const Outcome outcome =
        Load(std::string("value-1mb").append(modifiers), Detection(item, "selection"));
    EXPECT_EQ(outcome.rules.size(), 1u) << Describe(outcome.diagnostics).substr(0, 500);
  }
  // A megabyte of regex is more program than RE2 may build for one rule (its memory budget).
  const Outcome regex = Load(
      "value-1mb|re",
      Detection("  selection:\n    requestParameters.policy|re: '" + big + "'\n", "selection"));
  EXPECT_TRUE(regex.HasError("bad-regex"));
  // Five word-initial dashes after a megabyte: 3125 alternatives of a megabyte each are refused
  // before they are built.
  const Outcome windash = Load("value-1mb-windash-5",
                               Detection("  selection:\n    requestParameters.policy|windash: '" +
                                             big + " -a -b -c -d -e'\n",
                                         "selection"));
  EXPECT_TRUE(windash.HasError("value-type"));
  EXPECT_LT(windash.DiagnosticBytes(), size_t{4096});
}

TEST(BrokenRules, RepeatedBase64IsRefusedBeforeItGrowsExponentially) {
  const Outcome outcome =
      Load("base64-x200", Detection("  selection:\n    ? requestParameters.userData" +
                                        Repeat("|base64", 200) + "\n    : abcdefgh\n",
                                    "selection"));
  EXPECT_TRUE(outcome.HasError("value-type")) << Describe(outcome.diagnostics);
  EXPECT_TRUE(outcome.rules.empty());
}

TEST(BrokenRules, LongModifierChainsReportInProportionToTheirLength) {
  std::vector<size_t> warnings;
  for (const size_t n : {10000u, 100000u}) {
    const Outcome outcome = Load("windash-x" + std::to_string(n),
                                 Detection("  selection:\n    ? requestParameters.command" +
                                               Repeat("|windash", n) + "\n    : -x\n",
                                           "selection"));
    EXPECT_EQ(outcome.rules.size(), 1u);
    warnings.push_back(outcome.Count("repeated-modifier"));
  }
  EXPECT_EQ(warnings[0], 9999u);
  EXPECT_EQ(warnings[1], 99999u);
  const Outcome unknown =
      Load("modifier-1mb",
           Detection("  selection:\n    ? eventName|" + std::string(1 << 20, 'q') + "\n    : x\n",
                     "selection"));
  EXPECT_TRUE(unknown.HasError("unknown-modifier"));
}

// A title repeats in every diagnostic of its rule; an over-long one is cut there.
TEST(BrokenRules, OverlongTitleIsNotCopiedIntoEveryDiagnostic) {
  const std::string text = std::string("title: ") + std::string(1 << 20, 'T') +
                           "\nid: 4db60cc0-36fb-42b7-9b58-a5b53019fb74\nlevel: low\n"
                           "logsource: {product: aws, service: cloudtrail}\n"
                           "detection:\n  selection:\n    ? eventName" +
                           Repeat("|zz", 10000) + "\n    : x\n  condition: selection\n";
  const Outcome outcome = Load("title-1mb", text);
  EXPECT_TRUE(outcome.HasError("value-type"));
  EXPECT_EQ(outcome.Count("unknown-modifier"), 10000u);
  EXPECT_LT(outcome.DiagnosticBytes(), size_t{16} << 20);
}

TEST(BrokenRules, CatastrophicRegexLoadsAndMatchesInLinearTime) {
  const Outcome outcome =
      Load("regex-catastrophic",
           Detection("  selection:\n    requestParameters.name|re: '(a+)+$'\n", "selection"));
  ASSERT_EQ(outcome.rules.size(), 1u) << Describe(outcome.diagnostics);
  std::string error;
  const std::optional<RegexMatcher> regex = RegexMatcher::Compile("(a+)+$", RegexOptions{}, error);
  ASSERT_TRUE(regex.has_value()) << error;
  for (const size_t n : {100000u, 1000000u}) {
    const std::string text = std::string(n, 'a') + "!";  // a backtracking engine never returns
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(regex->Matches(text));
    std::cout << "[ bench    ] (a+)+$ on " << n << " a's and '!': "
              << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count()
              << " ms\n";
  }
  EXPECT_TRUE(regex->Matches("xaaa"));
}

TEST(BrokenRules, FiveThousandSelectionsLoad) {
  std::string selections;
  std::string named = "selection_0";
  for (int i = 0; i < 5000; ++i) {
    selections += std::string("  selection_") + std::to_string(i) +
                  std::string(":\n    eventName: e") + std::to_string(i) + "\n";
    if (i > 0) {
      named += std::string(" or selection_") + std::to_string(i);
    }
  }
  for (const auto& [name, condition] : std::vector<std::pair<std::string, std::string>>{
           {"1-of-them", "1 of them"},
           {"all-of-pattern", "all of selection_*"},
           {"named", named},
           {"stars", std::string("1 of ") + std::string(100000, '*') + "9"}}) {
    SCOPED_TRACE(name);
    const Outcome outcome = Load("selections-" + name, Detection(selections, condition));
    ASSERT_EQ(outcome.rules.size(), 1u) << Describe(outcome.diagnostics).substr(0, 500);
    EXPECT_EQ(outcome.rules[0].selections.size(), 5000u);
  }
}

// A `condition:` list of n elements over n selections: the identifier index is built once per
// rule, not once per element (which made 10,000 x 10,000 take half a minute).
TEST(BrokenRules, ConditionListOfTenThousandOverTenThousandSelectionsLoads) {
  constexpr int kCount = 10000;
  std::string text = std::string(kHead) + "detection:\n";
  for (int i = 0; i < kCount; ++i) {
    text += "  s" + std::to_string(i) + ": {eventName: e" + std::to_string(i) + "}\n";
  }
  text += "  condition:\n";
  for (int i = 0; i < kCount; ++i) {
    text += "    - s" + std::to_string(i) + "\n";
  }
  const Outcome outcome = Load("condition-list", text);
  ASSERT_EQ(outcome.rules.size(), 1u) << Describe(outcome.diagnostics).substr(0, 500);
  EXPECT_EQ(outcome.rules[0].condition.nodes().size(), kCount + 1u);  // or(s0, ..., s9999)
}

// Each `1 of them` stands for every selection: k of them over m selections are k * m terms,
// which a condition may not expand past (a million).
TEST(BrokenRules, QuantifiersExpandingPastTheLimitAreConditionSyntax) {
  std::string selections;
  for (int i = 0; i < 2000; ++i) {
    selections += std::string("  s") + std::to_string(i) + ": {eventName: x}\n";
  }
  const Outcome within =
      Load("them-x100", Detection(selections, "1 of them" + Repeat(" and 1 of them", 99)));
  EXPECT_EQ(within.rules.size(), 1u) << Describe(within.diagnostics);
  const Outcome past =
      Load("them-x1000", Detection(selections, "1 of them" + Repeat(" and 1 of them", 999)));
  EXPECT_TRUE(past.HasError("condition-syntax")) << Describe(past.diagnostics);
  EXPECT_EQ(past.diagnostics.size(), 1u);
}

TEST(BrokenRules, DeeplyNestedYamlIsYamlSyntax) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"flow-sequences", Repeat("[", 10000) + Repeat("]", 10000)},
           {"flow-maps", Repeat("{a: ", 10000) + std::string("b") + Repeat("}", 10000)},
           {"unclosed-flow", Repeat("[", 10000)},
           {"block-sequences", Repeat("- ", 10000) + "x"}}) {
    SCOPED_TRACE(name);
    const Outcome outcome = Load(
        "nested-" + name, Detection("  selection:\n    eventName: " + value + "\n", "selection"));
    EXPECT_TRUE(outcome.HasError("yaml-syntax")) << Describe(outcome.diagnostics);
    EXPECT_TRUE(outcome.rules.empty());
  }
  const Outcome document = Load("nested-document", Repeat("- ", 100000) + "x\n");
  EXPECT_TRUE(document.HasError("yaml-syntax"));
}

// `&a [*a]` is a node holding itself, and a chain of aliases doubling each time stands for
// 2^n nodes: both must be refused without walking them.
TEST(BrokenRules, AliasBombsAreYamlSyntax) {
  std::string bomb = std::string(kHead) + "a0: &a0 [x, x]\n";
  for (int i = 1; i < 64; ++i) {
    const std::string previous = std::string("*a") + std::to_string(i - 1);
    bomb += std::string("a") + std::to_string(i) + std::string(": &a") + std::to_string(i) + " [" +
            previous + ", " + previous + "]\n";
  }
  bomb += std::string("detection:\n") + std::string(kSelection) + "  condition: selection\n";
  std::string chain = std::string(kHead) + "a0: &a0 [x]\n";
  for (int i = 1; i < 20000; ++i) {
    chain += std::string("a") + std::to_string(i) + std::string(": &a") + std::to_string(i) +
             std::string(" [*a") + std::to_string(i - 1) + "]\n";
  }
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"doubling", bomb},
           {"self", std::string(kHead) + "a: &a [*a, *a]\n" +
                        Detection(kSelection, "selection").substr(sizeof kHead - 1)},
           {"self-map", "&m {a: *m, b: *m}\n"},
           {"deep-chain", chain}}) {
    SCOPED_TRACE(name);
    const Outcome outcome = Load("alias-" + name, text);
    EXPECT_TRUE(outcome.HasError("yaml-syntax")) << Describe(outcome.diagnostics);
    EXPECT_TRUE(outcome.rules.empty());
  }
  // An alias or two in a real rule is fine.
  const Outcome modest =
      Load("alias-modest", std::string(kHead) + "x-names: &names [StopLogging, DeleteTrail]\n" +
                               "detection:\n  selection:\n    eventName: *names\n"
                               "  filter:\n    requestParameters.name: *names\n"
                               "  condition: selection and not filter\n");
  EXPECT_EQ(modest.rules.size(), 1u) << Describe(modest.diagnostics);
}

TEST(BrokenRules, ManyDocumentsEachLoadOrFailAlone) {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    text += std::string("---\ntitle: Doc ") + std::to_string(i) + "\nid: 4db60cc0-36fb-42b7-9b58-" +
            std::to_string(100000000000 + i) +
            "\nlevel: low\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n" +
            kSelection + "  condition: " + (i % 2 == 0 ? "selection" : "selection and") + "\n";
  }
  const Outcome outcome = Load("documents-10000", text);
  EXPECT_EQ(outcome.documents, 10000u);
  EXPECT_EQ(outcome.rules.size(), 5000u);
  EXPECT_EQ(outcome.Count("condition-syntax"), 5000u);
  const Outcome empty = Load("documents-empty", Repeat("---\n", 100000));
  EXPECT_EQ(empty.documents, 0u);
  EXPECT_EQ(empty.diagnostics.size(), 0u);
}

// yaml-cpp 0.7 reads the end of the text as the end of an unclosed quote, and `[a,, b]` as
// `[a, null, b]`; both would load a rule YAML refuses.
TEST(BrokenRules, UnclosedQuoteOnTheLastLineIsYamlSyntax) {
  for (const char* value : {"'StopLogging", "\"StopLogging", "[StopLogging, 'x]"}) {
    SCOPED_TRACE(value);
    const Outcome outcome = Load("unclosed-quote", std::string(kHead) +
                                                       "detection:\n  condition: selection\n"
                                                       "  selection:\n    eventName: " +
                                                       value + "\n");
    EXPECT_TRUE(outcome.HasError("yaml-syntax")) << Describe(outcome.diagnostics);
    EXPECT_TRUE(outcome.rules.empty());
  }
}

TEST(BrokenRules, EmptyFlowEntryIsYamlSyntaxAtItsComma) {
  const Outcome outcome =
      Load("stray-comma",
           Detection("  selection:\n    eventName: [StopLogging,, DeleteTrail]\n", "selection"));
  ASSERT_TRUE(outcome.HasError("yaml-syntax")) << Describe(outcome.diagnostics);
  EXPECT_EQ(outcome.diagnostics.items()[0].location.line, 7);
  EXPECT_EQ(outcome.diagnostics.items()[0].location.column, 29);
  const Outcome trailing =
      Load("trailing-comma",
           Detection("  selection:\n    eventName: [StopLogging, DeleteTrail, ]\n", "selection"));
  EXPECT_EQ(trailing.rules.size(), 1u) << Describe(trailing.diagnostics);
  const Outcome empty_value =
      Load("empty-flow-value",
           Detection("  selection: {eventName: , eventSource: s3.amazonaws.com}\n", "selection"));
  EXPECT_EQ(empty_value.rules.size(), 1u) << Describe(empty_value.diagnostics);
}

}  // namespace
}  // namespace trailhound::rules
