// tests/rules/modifier_chain_test.cc: modifier chains (SIGMA.md §9, §14; checklist items 8-11,
// 54-58, 91, 93, 94): legal combinations and their plans, modifier-combination and value-type
// errors, every chain warning, and the value transforms (expand, windash, UTF-16, Base64).
#include "rules/modifier_chain.h"

#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trailhound::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using Kind = ModifierPlan::Kind;
using Shape = ModifierPlan::Shape;

SigmaValue Str(std::string text) {
  return SigmaValue{ValueKind::kString, false, 0, 0, text, {}};
}
SigmaValue Int(int64_t n) {
  return SigmaValue{ValueKind::kInt, false, n, static_cast<double>(n), std::to_string(n), {}};
}
SigmaValue Float(double n, std::string text) {
  return SigmaValue{ValueKind::kFloat, false, 0, n, text, {}};
}
SigmaValue Bool(bool b) {
  return SigmaValue{ValueKind::kBool, b, 0, 0, b ? "true" : "false", {}};
}
SigmaValue Null() {
  return SigmaValue{};
}

// `contains|all` → the modifiers, by their Sigma names.
std::vector<Modifier> Chain(std::string_view text) {
  std::vector<Modifier> chain;
  while (!text.empty()) {
    const size_t bar = text.find('|');
    const std::optional<Modifier> m = ModifierByName(text.substr(0, bar));
    EXPECT_TRUE(m.has_value()) << text;
    if (m)
      chain.push_back(*m);
    text = bar == std::string_view::npos ? "" : text.substr(bar + 1);
  }
  return chain;
}

DetectionItem Item(std::string_view chain, std::vector<SigmaValue> values, bool keyword = false) {
  DetectionItem item;
  item.keyword = keyword;
  item.field = keyword ? "" : "F";
  item.modifiers = Chain(chain);
  item.values = std::move(values);
  item.location = SourceLocation{"r.yml", 7, 3};
  return item;
}

std::vector<std::string> Codes(const Diagnostics& diagnostics) {
  std::vector<std::string> codes;
  for (const Diagnostic& d : diagnostics.items())
    codes.push_back(d.code);
  return codes;
}

ModifierPlan Plan(Kind kind, Shape shape = Shape::kExact) {
  ModifierPlan plan;
  plan.kind = kind;
  plan.shape = shape;
  return plan;
}
ModifierPlan With(ModifierPlan plan, void (*change)(ModifierPlan&)) {
  change(plan);
  return plan;
}

struct LegalRow {
  std::string_view chain;
  std::vector<SigmaValue> values;
  ModifierPlan want;
  std::vector<std::string> warnings;
  bool keyword = false;
};

TEST(PlanModifiers, AcceptsLegalChainsWithTheirPlan) {
  const auto all = [](ModifierPlan& p) { p.all = true; };
  const auto neq = [](ModifierPlan& p) { p.neq = true; };
  const auto cased = [](ModifierPlan& p) { p.cased = true; };
  const auto icase = [](ModifierPlan& p) { p.regex_ignore_case = true; };
  const auto flags = [](ModifierPlan& p) { p.regex_multiline = p.regex_dot_all = true; };
  const auto gte = [](ModifierPlan& p) { p.compare = Modifier::kGte; };
  const auto week = [](ModifierPlan& p) { p.time_part = Modifier::kWeek; };
  const std::vector<LegalRow> rows = {
      {"", {Str("x")}, Plan(Kind::kString), {}},
      {"contains|all", {Str("a"), Str("b")}, With(Plan(Kind::kString, Shape::kContains), all), {}},
      {"windash|contains", {Str(" -f ")}, Plan(Kind::kString, Shape::kContains), {}},
      {"base64offset|contains", {Str("x")}, Plan(Kind::kString, Shape::kContains), {}},
      {"wide|base64offset|contains", {Str("x")}, Plan(Kind::kString, Shape::kContains), {}},
      {"utf16le|base64", {Str("x")}, Plan(Kind::kString), {}},
      {"utf16be|base64", {Str("x")}, Plan(Kind::kString), {}},
      {"base64|base64", {Str("x")}, Plan(Kind::kString), {}},
      {"re|i", {Str("a")}, With(Plan(Kind::kRegex), icase), {}},
      {"re|ignorecase", {Str("a")}, With(Plan(Kind::kRegex), icase), {}},
      {"re|m|s", {Str("a")}, With(Plan(Kind::kRegex), flags), {}},
      {"re|neq", {Str("a")}, With(Plan(Kind::kRegex), neq), {}},
      {"re|all", {Str("a"), Str("b")}, With(Plan(Kind::kRegex), all), {}},
      {"contains|cased", {Str("Foo")}, With(Plan(Kind::kString, Shape::kContains), cased), {}},
      {"startswith", {Str("a")}, Plan(Kind::kString, Shape::kStartsWith), {}},
      {"endswith|neq", {Str("a")}, With(Plan(Kind::kString, Shape::kEndsWith), neq), {}},
      {"expand|contains", {Str("%x%")}, Plan(Kind::kString, Shape::kContains), {}},
      {"fieldref", {Str("a.b")}, Plan(Kind::kFieldRef), {}},
      {"fieldref|endswith", {Str("a.b")}, Plan(Kind::kFieldRef, Shape::kEndsWith), {}},
      {"cidr", {Str("10.0.0.0/8")}, Plan(Kind::kCidr), {}},
      {"cidr|neq", {Str("10.0.0.0/8")}, With(Plan(Kind::kCidr), neq), {}},
      {"cidr|all", {Str("10.0.0.0/8"), Str("10.0.0.0/16")}, With(Plan(Kind::kCidr), all), {}},
      {"exists", {Bool(true)}, Plan(Kind::kExists), {}},
      {"exists|neq", {Bool(false)}, With(Plan(Kind::kExists), neq), {}},
      {"gt", {Int(15)}, Plan(Kind::kCompare), {}},
      {"neq|gte", {Float(1.5, "1.5")}, With(With(Plan(Kind::kCompare), gte), neq), {}},
      {"hour", {Int(3)}, Plan(Kind::kTimePart), {}},
      {"week|neq", {Int(1)}, With(With(Plan(Kind::kTimePart), week), neq), {}},
      {"", {Null()}, Plan(Kind::kNull), {}},
      {"neq", {Null()}, With(Plan(Kind::kNull), neq), {}},
      {"all", {Str("foo"), Str("bar")}, With(Plan(Kind::kString), all), {}, true},
      {"contains", {Str("zq")}, Plan(Kind::kString, Shape::kContains), {}, true},
      {"", {Bool(true)}, Plan(Kind::kString), {}},
      {"", {Int(4624)}, Plan(Kind::kString), {}},
  };
  for (const LegalRow& row : rows) {
    SCOPED_TRACE(row.chain);
    Diagnostics diagnostics;
    const std::optional<ModifierPlan> plan =
        PlanModifiers(Item(row.chain, row.values, row.keyword), diagnostics);
    ASSERT_TRUE(plan.has_value()) << (diagnostics.size() ? diagnostics.items()[0].ToString() : "");
    EXPECT_TRUE(*plan == row.want);
    EXPECT_THAT(Codes(diagnostics), ElementsAreArray(row.warnings));
  }
}

struct ErrorRow {
  std::string_view chain;
  std::vector<SigmaValue> values;
  std::string_view code;
  bool keyword = false;
};

TEST(PlanModifiers, RejectsIllegalCombinations) {
  const std::vector<ErrorRow> rows = {
      {"all|re", {Str("a"), Str("b")}, "modifier-combination"},
      {"neq|cidr", {Str("10.0.0.0/8")}, "modifier-combination"},
      {"base64|wide", {Str("a")}, "modifier-combination"},
      {"base64offset|utf16|contains", {Str("a")}, "modifier-combination"},
      {"contains|exists", {Bool(true)}, "modifier-combination"},
      {"exists|contains", {Bool(true)}, "modifier-combination"},
      {"exists|all", {Bool(true)}, "modifier-combination"},
      {"contains|endswith", {Str("a")}, "modifier-combination"},
      {"startswith|contains", {Str("a")}, "modifier-combination"},
      {"contains|re", {Str("a")}, "modifier-combination"},
      {"cidr|contains", {Str("10.0.0.0/8")}, "modifier-combination"},
      {"cidr|startswith", {Str("10.0.0.0/8")}, "modifier-combination"},
      {"re|cased", {Str("a")}, "modifier-combination"},
      {"re|expand", {Str("a")}, "modifier-combination"},
      {"re|cidr", {Str("a")}, "modifier-combination"},
      {"i", {Str("a")}, "modifier-combination"},
      {"contains|m", {Str("a")}, "modifier-combination"},
      {"gt|lt", {Int(1)}, "modifier-combination"},
      {"gt|contains", {Int(1)}, "modifier-combination"},
      {"hour|day", {Int(1)}, "modifier-combination"},
      {"minute|cased", {Int(1)}, "modifier-combination"},
      {"neq|fieldref", {Str("a")}, "modifier-combination"},
      {"fieldref|contains|endswith", {Str("a")}, "modifier-combination"},
      {"fieldref|windash", {Str("a")}, "modifier-combination"},
      {"utf16le|utf16be|base64", {Str("a")}, "modifier-combination"},
      {"contains|base64", {Str("a")}, "modifier-combination"},
      {"contains", {Null()}, "modifier-combination"},
      {"exists", {Bool(true)}, "modifier-combination", true},
      {"fieldref", {Str("a")}, "modifier-combination", true},
      {"gt", {Str("5")}, "value-type"},
      {"lte", {Bool(true)}, "value-type"},
      {"exists", {Str("true")}, "value-type"},
      {"exists", {Null()}, "value-type"},
      {"hour", {Float(1.5, "1.5")}, "value-type"},
      {"contains", {Bool(true)}, "value-type"},
      {"windash", {Bool(false)}, "value-type"},
      {"base64", {Bool(true)}, "value-type"},
      {"re", {Bool(true)}, "value-type"},
      {"cidr", {Int(10)}, "value-type"},
      {"fieldref", {Str("a.*")}, "value-type"},
      {"fieldref", {Int(1)}, "value-type"},
  };
  for (const ErrorRow& row : rows) {
    SCOPED_TRACE(row.chain);
    Diagnostics diagnostics;
    EXPECT_FALSE(PlanModifiers(Item(row.chain, row.values, row.keyword), diagnostics));
    EXPECT_TRUE(diagnostics.Has(row.code)) << ::testing::PrintToString(Codes(diagnostics));
    ASSERT_GE(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics.items().back().location.line, 7);
  }
}

TEST(PlanModifiers, LoadsWithEachWarning) {
  const auto contains = Plan(Kind::kString, Shape::kContains);
  const std::vector<LegalRow> rows = {
      {"contains|all", {Str("x")}, contains, {"all-single-value"}},
      {"all",
       {Str("a"), Str("b")},
       With(Plan(Kind::kString), [](ModifierPlan& p) { p.all = true; }),
       {"all-without-shaper"}},
      {"contains|contains", {Str("a")}, contains, {}},  // the parser warns the repeat
      {"re|contains", {Str("b.r")}, Plan(Kind::kRegex), {"shaper-on-regex"}},
      {"re", {Str("(?i)bar")}, Plan(Kind::kRegex), {"inline-regex-flag"}},
      {"re", {Str("(?s:a.b)")}, Plan(Kind::kRegex), {"inline-regex-flag"}},
      {"wide", {Str("a")}, Plan(Kind::kString), {"encoding-without-base64"}},
      {"base64offset", {Str("a")}, Plan(Kind::kString), {"base64offset-without-contains"}},
      {"fieldref|cased",
       {Str("a.b")},
       With(Plan(Kind::kFieldRef), [](ModifierPlan& p) { p.cased = true; }),
       {"non-portable"}},
      {"contains", {Int(62)}, contains, {"non-portable"}},
  };
  for (const LegalRow& row : rows) {
    SCOPED_TRACE(row.chain);
    Diagnostics diagnostics;
    const std::optional<ModifierPlan> plan =
        PlanModifiers(Item(row.chain, row.values), diagnostics);
    ASSERT_TRUE(plan.has_value());
    EXPECT_TRUE(*plan == row.want);
    EXPECT_THAT(Codes(diagnostics), ElementsAreArray(row.warnings));
    EXPECT_FALSE(diagnostics.has_errors());
  }
}

TEST(PlanModifiers, EscapedInlineFlagTextDoesNotWarn) {
  Diagnostics diagnostics;
  ASSERT_TRUE(PlanModifiers(Item("re", {Str(R"(a\(?i\))")}), diagnostics));
  EXPECT_EQ(diagnostics.size(), 0u);
}

TEST(PlanModifiers, AllWithOneValueFoldsToTheItemWithoutIt) {
  Diagnostics folded_diagnostics, plain_diagnostics;
  const auto folded = PlanModifiers(Item("contains|all", {Str("x")}), folded_diagnostics);
  const auto plain = PlanModifiers(Item("contains", {Str("x")}), plain_diagnostics);
  ASSERT_TRUE(folded && plain);
  EXPECT_TRUE(*folded == *plain);
  EXPECT_FALSE(folded->all);
  EXPECT_THAT(Codes(folded_diagnostics), ElementsAre("all-single-value"));
}

struct ExpandRow {
  std::string_view chain;
  SigmaValue value;
  std::vector<std::string> want;
};

TEST(ExpandValueAlternatives, AppliesTheValueTransformsInOrder) {
  const std::vector<ExpandRow> rows = {
      {"", Str("a*b"), {"a*b"}},
      {"contains|all|cased", Str("x"), {"x"}},
      {"", Int(4624), {"4624"}},
      {"", Str("%X%"), {"%X%"}},  // literal without expand
      {"expand", Str("%X%"), {"a", "b"}},
      {"expand", Str(R"(\%p%X%)"), {"%pa", "%pb"}},
      {"expand", Str("%X%-%Y%"), {"a-1", "a-2", "b-1", "b-2"}},
      {"expand", Str("%W%\\x"), {"w*\\x"}},
      {"expand", Str("50% off %"), {"50% off %"}},
      {"base64", Str("foobar"), {"Zm9vYmFy"}},
      {"base64|contains", Str("fo"), {"Zm8="}},
      {"base64", Str(R"(a\*)"), {"YSo="}},
      {"base64", Str(R"(C:\x)"), {"QzpceA=="}},
      {"base64offset|contains", Str("foobar"), {"Zm9vYmFy", "Zvb2Jhc", "mb29iYX"}},
      {"wide|base64offset|contains", Str("ping"), {"cABpAG4AZw", "AAaQBuAGcA", "wAGkAbgBnA"}},
      {"utf16le|base64", Str("a"), {"YQA="}},
      {"wide|base64", Str("a"), {"YQA="}},
      {"utf16be|base64", Str("a"), {"AGE="}},
      {"utf16|base64", Str("a"), {"//5hAA=="}},
      {"base64|base64", Str("a"), {"WVE9PQ=="}},
      {"wide", Str("a\\"), {std::string("a\0\\\\\0", 5)}},
      {"windash|contains",
       Str(" -f "),
       {" -f ", " /f ",
        " \xE2\x80\x93"
        "f ",
        " \xE2\x80\x94"
        "f ",
        " \xE2\x80\x95"
        "f "}},
      {"windash", Str("a-f"), {"a-f"}},
      {"windash", Str("x - /"), {"x - /"}},
      {"windash",
       Str("/a -b"),
       {"-a -b",
        "-a /b",
        "-a \xE2\x80\x93"
        "b",
        "-a \xE2\x80\x94"
        "b",
        "-a \xE2\x80\x95"
        "b",
        "/a -b",
        "/a /b",
        "/a \xE2\x80\x93"
        "b",
        "/a \xE2\x80\x94"
        "b",
        "/a \xE2\x80\x95"
        "b",
        "\xE2\x80\x93"
        "a -b",
        "\xE2\x80\x93"
        "a /b",
        "\xE2\x80\x93"
        "a \xE2\x80\x93"
        "b",
        "\xE2\x80\x93"
        "a \xE2\x80\x94"
        "b",
        "\xE2\x80\x93"
        "a \xE2\x80\x95"
        "b",
        "\xE2\x80\x94"
        "a -b",
        "\xE2\x80\x94"
        "a /b",
        "\xE2\x80\x94"
        "a \xE2\x80\x93"
        "b",
        "\xE2\x80\x94"
        "a \xE2\x80\x94"
        "b",
        "\xE2\x80\x94"
        "a \xE2\x80\x95"
        "b",
        "\xE2\x80\x95"
        "a -b",
        "\xE2\x80\x95"
        "a /b",
        "\xE2\x80\x95"
        "a \xE2\x80\x93"
        "b",
        "\xE2\x80\x95"
        "a \xE2\x80\x94"
        "b",
        "\xE2\x80\x95"
        "a \xE2\x80\x95"
        "b"}},
      {"windash|base64", Str("-a"), {"LWE=", "L2E=", "4oCTYQ==", "4oCUYQ==", "4oCVYQ=="}},
      {"", Null(), {}},
  };
  const Placeholders placeholders = {{"X", {"a", "b"}}, {"Y", {"1", "2"}}, {"W", {"w*"}}};
  for (const ExpandRow& row : rows) {
    SCOPED_TRACE(std::string(row.chain) + " " + row.value.text);
    Diagnostics diagnostics;
    const std::vector<Modifier> chain = Chain(row.chain);
    const auto alternatives =
        ExpandValueAlternatives(row.value, chain, placeholders, SourceLocation{}, diagnostics);
    ASSERT_TRUE(alternatives.has_value());
    EXPECT_THAT(*alternatives, ElementsAreArray(row.want));
    EXPECT_EQ(diagnostics.size(), 0u);
  }
}

struct ExpandErrorRow {
  std::string_view chain;
  SigmaValue value;
  std::string_view code;
};

TEST(ExpandValueAlternatives, RejectsWhatCannotBeExpanded) {
  const std::vector<ExpandErrorRow> rows = {
      {"base64", Str("a*"), "wildcard-in-encoded"},
      {"base64offset|contains", Str("a?b"), "wildcard-in-encoded"},
      {"wide", Str("*a"), "wildcard-in-encoded"},
      {"expand|base64", Str("%W%"), "wildcard-in-encoded"},
      {"expand", Str("%X%"), "unresolved-placeholder"},
      {"expand", Str("a%Empty%"), "unresolved-placeholder"},
      {"wide|base64", Str("caf\xC3\xA9"), "value-type"},
      {"windash", Str("-a -b -c -d -e -f -g"), "value-type"},
  };
  const Placeholders placeholders = {{"W", {"w*"}}, {"Empty", {}}};
  const SourceLocation where{"r.yml", 9, 5};
  for (const ExpandErrorRow& row : rows) {
    SCOPED_TRACE(std::string(row.chain) + " " + row.value.text);
    Diagnostics diagnostics;
    const std::vector<Modifier> chain = Chain(row.chain);
    EXPECT_FALSE(ExpandValueAlternatives(row.value, chain, placeholders, where, diagnostics));
    EXPECT_THAT(Codes(diagnostics), ElementsAre(std::string(row.code)));
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics.items()[0].location.line, 9);
  }
}

TEST(ExpandValueAlternatives, Utf16LeAndWideEncodeAlike) {
  Diagnostics diagnostics;
  const std::vector<Modifier> utf16le = Chain("utf16le|base64");
  const std::vector<Modifier> wide = Chain("wide|base64");
  const auto a = ExpandValueAlternatives(Str("ping"), utf16le, {}, SourceLocation{}, diagnostics);
  const auto b = ExpandValueAlternatives(Str("ping"), wide, {}, SourceLocation{}, diagnostics);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_THAT(*a, ElementsAre("cABpAG4AZwA="));
}

}  // namespace
}  // namespace trailhound::rules
