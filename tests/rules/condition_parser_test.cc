// tests/rules/condition_parser_test.cc: Sigma conditions (SIGMA.md §10; checklist items 3-6,
// 71-74, 77, 78): precedence by truth table, the compiled tree, quantifiers, diagnostics with
// their columns, and the limits that keep hostile conditions cheap.
#include "rules/condition_parser.h"

#include <array>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace trailhound::rules {
namespace {

using Names = std::vector<std::string>;

// The condition's first character sits at line 5, column 12 of the rule file.
const SourceLocation kWhere{"rules/x.yml", 5, 12};

struct Parsed {
  std::optional<Condition> condition;
  Diagnostics diags;
  std::string Shape(const Names& ids) const {
    return condition ? DescribeCondition(*condition, ids) : "<none>";
  }
};

Parsed Parse(std::string_view text, const Names& ids) {
  Parsed parsed;
  parsed.condition = ParseCondition(text, ids, kWhere, parsed.diags);
  return parsed;
}

// Evaluates `condition` for every assignment of truth values to `count` selections and compares
// with `expected`, which reads the same assignment.
void ExpectTruthTable(const Condition& condition, size_t count,
                      const std::function<bool(std::span<const bool>)>& expected) {
  std::array<bool, 8> values{};
  ASSERT_LE(count, values.size());
  for (uint32_t mask = 0; mask < (1u << count); ++mask) {
    for (size_t i = 0; i < count; ++i) {
      values[i] = (mask >> i) & 1u;
    }
    const std::span<const bool> assignment(values.data(), count);
    EXPECT_EQ(EvaluateCondition(condition, assignment), expected(assignment)) << "mask " << mask;
  }
}

TEST(ConditionPrecedence, MatchesHandWrittenTruthTables) {
  const Names ids = {"a", "b", "c"};
  using V = std::span<const bool>;
  const struct {
    const char* text;
    std::function<bool(V)> expected;
  } rows[] = {
      {"a or b and not c", [](V v) { return v[0] || (v[1] && !v[2]); }},
      {"a or (b and (not c))", [](V v) { return v[0] || (v[1] && !v[2]); }},
      {"not a and b", [](V v) { return !v[0] && v[1]; }},
      {"(not a) and b", [](V v) { return !v[0] && v[1]; }},
      {"not (a and b)", [](V v) { return !(v[0] && v[1]); }},
      {"not not a", [](V v) { return v[0]; }},
      {"not not not a", [](V v) { return !v[0]; }},
      {"(a or b) and c", [](V v) { return (v[0] || v[1]) && v[2]; }},
      {"a or b and c", [](V v) { return v[0] || (v[1] && v[2]); }},
      {"a and b or c", [](V v) { return (v[0] && v[1]) || v[2]; }},
      {"not a or not b and c", [](V v) { return !v[0] || (!v[1] && v[2]); }},
      {"a and not (b or not c)", [](V v) { return v[0] && !(v[1] || !v[2]); }},
      {"a\n  and\tb", [](V v) { return v[0] && v[1]; }},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    const Parsed parsed = Parse(row.text, ids);
    ASSERT_TRUE(parsed.condition.has_value());
    EXPECT_EQ(parsed.diags.size(), 0u);
    ExpectTruthTable(*parsed.condition, ids.size(), row.expected);
  }
}

TEST(ConditionTree, IsLaidOutRootFirstWithContiguousChildren) {
  const Names ids = {"a", "b", "c"};
  const Parsed parsed = Parse("a or b and not c", ids);
  ASSERT_TRUE(parsed.condition.has_value());
  using K = ConditionNode::Kind;
  const struct {
    K kind;
    uint32_t first;
    uint32_t count;
  } want[] = {{K::kOr, 1, 2},        {K::kSelection, 0, 0}, {K::kAnd, 3, 2},
              {K::kSelection, 1, 0}, {K::kNot, 5, 1},       {K::kSelection, 2, 0}};
  const auto nodes = parsed.condition->nodes();
  ASSERT_EQ(nodes.size(), std::size(want));
  for (size_t i = 0; i < nodes.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(nodes[i].kind, want[i].kind);
    EXPECT_EQ(nodes[i].first, want[i].first);
    EXPECT_EQ(nodes[i].count, want[i].count);
  }
}

TEST(ConditionTree, FlattensNestedAndOrAndCancelsDoubleNegation) {
  const Names ids = {"a", "b", "c", "d", "sel_1", "sel_2"};
  const struct {
    const char* text;
    const char* shape;
  } rows[] = {
      {"a or b and not c", "or(a, and(b, not(c)))"},
      {"(a or b) or (c or d)", "or(a, b, c, d)"},
      {"a and (b and (c and d))", "and(a, b, c, d)"},
      {"(a or b) and c", "and(or(a, b), c)"},
      {"((((a))))", "a"},
      {"not not a", "a"},
      {"not (not (a or b))", "or(a, b)"},
      {"not a and b", "and(not(a), b)"},
      {"a or 1 of sel_*", "or(a, sel_1, sel_2)"},
      {"a and all of sel_*", "and(a, sel_1, sel_2)"},
      {"a and 1 of sel_*", "and(a, or(sel_1, sel_2))"},
      {"not 1 of sel_*", "not(or(sel_1, sel_2))"},
      {"1 of sel_1", "sel_1"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    EXPECT_EQ(Parse(row.text, ids).Shape(ids), row.shape);
  }
}

TEST(ConditionQuantifier, SelectsIdentifiersByWholeNamePattern) {
  const Names ids = {"selection", "selection_extra", "sel_1",    "sel_2", "filter",
                     "filter1",   "filter_x",        "_private", "_x"};
  const struct {
    const char* text;
    const char* shape;
  } rows[] = {
      {"1 of sel_*", "or(sel_1, sel_2)"},
      {"any of sel_*", "or(sel_1, sel_2)"},
      {"all of sel_*", "and(sel_1, sel_2)"},
      {"1 of them", "or(selection, selection_extra, sel_1, sel_2, filter, filter1, filter_x)"},
      {"all of them", "and(selection, selection_extra, sel_1, sel_2, filter, filter1, filter_x)"},
      {"1 of *", "or(selection, selection_extra, sel_1, sel_2, filter, filter1, filter_x)"},
      {"1 of _*", "or(_private, _x)"},
      {"all of _x", "_x"},
      {"1 of *_x", "filter_x"},
      {"1 of selection", "selection"},
      {"1 of selection*", "or(selection, selection_extra)"},
      {"1 of filter*", "or(filter, filter1, filter_x)"},
      {"1 of f*r*", "or(filter, filter1, filter_x)"},
      {"1 of s*_*", "or(selection_extra, sel_1, sel_2)"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    const Parsed parsed = Parse(row.text, ids);
    EXPECT_EQ(parsed.Shape(ids), row.shape);
    EXPECT_EQ(parsed.diags.size(), 0u);
  }
}

TEST(ConditionQuantifier, OneOfIsAnOrAndAllOfIsAnAnd) {
  const Names ids = {"sel_1", "sel_2"};
  using V = std::span<const bool>;
  for (const char* text : {"1 of sel_*", "any of sel_*"}) {
    SCOPED_TRACE(text);
    const Parsed parsed = Parse(text, ids);
    ASSERT_TRUE(parsed.condition.has_value());
    ExpectTruthTable(*parsed.condition, 2, [](V v) { return v[0] || v[1]; });
  }
  const Parsed all = Parse("all of sel_*", ids);
  ASSERT_TRUE(all.condition.has_value());
  ExpectTruthTable(*all.condition, 2, [](V v) { return v[0] && v[1]; });
}

TEST(ConditionWords, OperatorsAreWholeWordsSoLookalikesAreIdentifiers) {
  const Names ids = {"notice", "orgs", "android", "order_1", "of_x", "them_1", "all-x"};
  const struct {
    const char* text;
    const char* shape;
  } rows[] = {
      {"notice or orgs and android", "or(notice, and(orgs, android))"},
      {"not notice", "not(notice)"},
      {"order_1 and of_x or them_1", "or(and(order_1, of_x), them_1)"},
      {"all-x and 1 of them_*", "and(all-x, them_1)"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    const Parsed parsed = Parse(row.text, ids);
    EXPECT_EQ(parsed.Shape(ids), row.shape);
    EXPECT_EQ(parsed.diags.size(), 0u);
  }
}

TEST(ConditionDiagnostics, EachProblemHasItsCodeAndColumn) {
  const Names ids = {"sel", "filter"};
  const struct {
    const char* name;
    const char* text;
    const char* code;
    int offset;  // of the reported character in the condition
  } rows[] = {
      {"undefined identifier", "sel and nope", "undefined-identifier", 8},
      {"upper-case AND", "sel AND filter", "uppercase-operator", 4},
      {"mixed-case Or", "sel Or filter", "uppercase-operator", 4},
      {"upper-case NOT", "NOT sel", "uppercase-operator", 0},
      {"upper-case OF", "1 OF them", "uppercase-operator", 2},
      {"upper-case THEM", "all of THEM", "uppercase-operator", 7},
      {"pipe count", "sel | count() > 5", "legacy-aggregation", 4},
      {"pipe near", "sel | near filter", "legacy-aggregation", 4},
      {"bare near", "sel near filter", "legacy-aggregation", 4},
      {"empty", "", "condition-syntax", 0},
      {"blank", "  \n ", "condition-syntax", 0},
      {"unclosed paren", "sel and (filter or sel", "condition-syntax", 8},
      {"unmatched close paren", "sel and filter)", "condition-syntax", 14},
      {"dangling and", "sel and", "condition-syntax", 7},
      {"leading or", "or sel", "condition-syntax", 0},
      {"dangling not", "sel and not", "condition-syntax", 11},
      {"not between terms", "sel not filter", "condition-syntax", 4},
      {"missing operator", "sel filter", "condition-syntax", 4},
      {"empty parentheses", "sel or ()", "condition-syntax", 7},
      {"bad quantifier", "2 of sel*", "condition-syntax", 0},
      {"quantifier without pattern", "1 of", "condition-syntax", 4},
      {"parenthesised pattern", "1 of (sel)", "condition-syntax", 5},
      {"quantifier without of", "all sel", "condition-syntax", 0},
      {"them alone", "sel or them", "condition-syntax", 7},
      {"wildcard outside pattern", "sel*", "condition-syntax", 0},
      {"bad character", "sel.x", "condition-syntax", 3},
      {"quoted identifier", "'sel'", "condition-syntax", 0},
      {"nothing left", "1 of nothing_*", "empty-condition", 0},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const Parsed parsed = Parse(row.text, ids);
    EXPECT_FALSE(parsed.condition.has_value());
    bool found = false;
    for (const Diagnostic& d : parsed.diags.items()) {
      EXPECT_FALSE(d.message.empty());
      if (d.code == row.code && d.severity == Severity::kError) {
        found = true;
        EXPECT_EQ(d.location.file, "rules/x.yml");
        EXPECT_EQ(d.location.line, 5);
        EXPECT_EQ(d.location.column, 12 + row.offset) << d.ToString();
      }
    }
    EXPECT_TRUE(found) << "no " << row.code;
  }
}

TEST(ConditionDiagnostics, ReportsEveryUndefinedAndUppercaseProblemInOnePass) {
  const Parsed parsed = Parse("nope1 AND (sel Or nope2)", {"sel"});
  EXPECT_FALSE(parsed.condition.has_value());
  std::vector<std::string> got;
  for (const Diagnostic& d : parsed.diags.items()) {
    got.push_back(d.code + "@" + std::to_string(d.location.column));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"uppercase-operator@18", "uppercase-operator@27",
                                           "undefined-identifier@12", "undefined-identifier@30"}));
}

TEST(ConditionDiagnostics, MessagesSayWhatToDo) {
  const Parsed parsed = Parse("sel AND filter", {"sel", "filter"});
  ASSERT_EQ(parsed.diags.size(), 1u);
  EXPECT_EQ(parsed.diags.items()[0].ToString(),
            "rules/x.yml:5:16: error[uppercase-operator]: 'AND' is an operator in the wrong case; "
            "Sigma operators are lower case: write 'and'");
  const Parsed undefined = Parse("selection and nope", {"selection"});
  ASSERT_EQ(undefined.diags.size(), 1u);
  EXPECT_EQ(undefined.diags.items()[0].message,
            "'nope' is not a search identifier of this rule; defined: selection");
}

TEST(ConditionDiagnostics, DefinedIdentifierSpelledLikeAnOperatorStaysAnIdentifier) {
  const Names ids = {"sel", "And"};
  const Parsed parsed = Parse("sel or And", ids);
  EXPECT_EQ(parsed.Shape(ids), "or(sel, And)");
  EXPECT_EQ(parsed.diags.size(), 0u);
}

TEST(ConditionEmptySelector, TermSelectingNothingIsDroppedWithAWarning) {
  const Names ids = {"sel", "filter", "_x"};
  const struct {
    const char* text;
    const char* shape;
    int warning_offset;
  } rows[] = {
      {"sel and 1 of nothing_*", "sel", 8},
      {"not 1 of nothing_* and sel", "sel", 4},
      {"sel or (all of nothing_*)", "sel", 8},
      {"(1 of nothing_* or filter) and sel", "and(filter, sel)", 1},
      {"1 of x and sel", "sel", 0},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    const Parsed parsed = Parse(row.text, ids);
    EXPECT_EQ(parsed.Shape(ids), row.shape);
    ASSERT_EQ(parsed.diags.size(), 1u);
    const Diagnostic& warning = parsed.diags.items()[0];
    EXPECT_EQ(warning.code, "empty-selector");
    EXPECT_EQ(warning.severity, Severity::kWarning);
    EXPECT_EQ(warning.location.column, 12 + row.warning_offset);
  }
}

TEST(ConditionEmptySelector, ConditionThatDisappearsIsEmptyCondition) {
  for (const char* text : {"1 of nothing_*", "1 of nothing_* or all of none_*",
                           "not (1 of nothing_*)", "all of them"}) {
    SCOPED_TRACE(text);
    const Parsed parsed = Parse(text, {"_x"});
    EXPECT_FALSE(parsed.condition.has_value());
    EXPECT_TRUE(parsed.diags.Has("empty-selector"));
    EXPECT_TRUE(parsed.diags.Has("empty-condition"));
  }
}

TEST(ConditionLimits, DeepParenthesesAreRejectedAtTheFirstLevelTooDeep) {
  const std::string deep = std::string(10'000, '(') + "a" + std::string(10'000, ')');
  const Parsed parsed = Parse(deep, {"a"});
  EXPECT_FALSE(parsed.condition.has_value());
  ASSERT_EQ(parsed.diags.size(), 1u);
  EXPECT_EQ(parsed.diags.items()[0].code, "condition-syntax");
  EXPECT_EQ(parsed.diags.items()[0].location.column, 12 + kMaxConditionNesting);

  const int limit = kMaxConditionNesting;
  const std::string at_limit = std::string(limit, '(') + "a" + std::string(limit, ')');
  EXPECT_EQ(Parse(at_limit, {"a"}).Shape({"a"}), "a");
}

TEST(ConditionLimits, LongFlatChainsParseIntoOneNode) {
  constexpr int kTerms = 100'000;
  std::string chain = "a";
  for (int i = 1; i < kTerms; ++i) {
    chain += " or a";
  }
  const Parsed parsed = Parse(chain, {"a"});
  ASSERT_TRUE(parsed.condition.has_value());
  ASSERT_EQ(parsed.condition->nodes().size(), size_t{kTerms} + 1);
  EXPECT_EQ(parsed.condition->nodes()[0].kind, ConditionNode::Kind::kOr);
  EXPECT_EQ(parsed.condition->nodes()[0].count, uint32_t{kTerms});

  std::string nots;
  for (int i = 0; i < kTerms; ++i) {
    nots += "not ";
  }
  EXPECT_EQ(Parse(nots + "a", {"a"}).Shape({"a"}), "a");
  EXPECT_EQ(Parse("not " + nots + "a", {"a"}).Shape({"a"}), "not(a)");
}

TEST(ConditionEvaluate, AsksOnlyForTheSelectionsTheVerdictNeeds) {
  const Names ids = {"a", "b", "c"};
  const struct {
    const char* text;
    std::array<bool, 3> values;
    bool verdict;
    std::vector<uint32_t> asked;
  } rows[] = {
      {"a and b and c", {false, true, true}, false, {0}},
      {"a or b or c", {false, true, false}, true, {0, 1}},
      {"not a or b", {false, false, false}, true, {0}},
      {"(a or b) and c", {true, false, false}, false, {0, 2}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    const Parsed parsed = Parse(row.text, ids);
    ASSERT_TRUE(parsed.condition.has_value());
    std::vector<uint32_t> asked;
    const bool verdict = EvaluateCondition(*parsed.condition, [&](uint32_t index) {
      asked.push_back(index);
      return row.values[index];
    });
    EXPECT_EQ(verdict, row.verdict);
    EXPECT_EQ(asked, row.asked);
  }
}

TEST(ConditionEvaluate, EmptyConditionMatchesNothing) {
  const Condition empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(EvaluateCondition(empty, [](uint32_t) { return true; }));
  EXPECT_EQ(DescribeCondition(empty, {}), "");
}

TEST(ConditionList, CombinedConditionMatchesWhenAnyElementMatches) {
  const Names ids = {"a", "b", "c"};
  std::vector<Condition> list;
  for (const char* text : {"a", "b and c"}) {
    list.push_back(*Parse(text, ids).condition);
  }
  const std::optional<Condition> combined = CombineConditionsAnyOf(list);
  ASSERT_TRUE(combined.has_value());
  EXPECT_EQ(DescribeCondition(*combined, ids), "or(a, and(b, c))");
  ExpectTruthTable(*combined, 3, [](std::span<const bool> v) { return v[0] || (v[1] && v[2]); });

  const std::vector<Condition> ors = {*Parse("a or b", ids).condition,
                                      *Parse("not c", ids).condition};
  EXPECT_EQ(DescribeCondition(*CombineConditionsAnyOf(ors), ids), "or(a, b, not(c))");
  const std::vector<Condition> one = {*Parse("a and not (b or c)", ids).condition};
  EXPECT_EQ(DescribeCondition(*CombineConditionsAnyOf(one), ids), "and(a, not(or(b, c)))");
  EXPECT_FALSE(CombineConditionsAnyOf({}).has_value());
  EXPECT_FALSE(CombineConditionsAnyOf(std::vector<Condition>(2)).has_value());
}

}  // namespace
}  // namespace trailhound::rules
