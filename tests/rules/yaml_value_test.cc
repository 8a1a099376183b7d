// tests/rules/yaml_value_test.cc: YAML 1.1 scalar typing as PyYAML does it (SIGMA.md §4).
#include "rules/yaml_value.h"

#include <string>

#include <gtest/gtest.h>

namespace trailhound::rules {
namespace {

struct Row {
  const char* text;
  ValueKind kind;
  int64_t integer = 0;
  double number = 0;
  bool boolean = false;
};

TEST(ResolvePlainScalar, TypesEachFormLikePyYaml) {
  const Row rows[] = {
      {"", ValueKind::kNull},
      {"~", ValueKind::kNull},
      {"null", ValueKind::kNull},
      {"Null", ValueKind::kNull},
      {"NULL", ValueKind::kNull},
      {"nULL", ValueKind::kString},
      {"true", ValueKind::kBool, 0, 0, true},
      {"True", ValueKind::kBool, 0, 0, true},
      {"TRUE", ValueKind::kBool, 0, 0, true},
      {"yes", ValueKind::kBool, 0, 0, true},
      {"On", ValueKind::kBool, 0, 0, true},
      {"No", ValueKind::kBool, 0, 0, false},
      {"off", ValueKind::kBool, 0, 0, false},
      {"FALSE", ValueKind::kBool, 0, 0, false},
      {"yEs", ValueKind::kString},
      {"y", ValueKind::kString},
      {"123", ValueKind::kInt, 123},
      {"-123", ValueKind::kInt, -123},
      {"+7", ValueKind::kInt, 7},
      {"0", ValueKind::kInt, 0},
      {"0x1F", ValueKind::kInt, 31},
      {"0x100", ValueKind::kInt, 256},
      {"017", ValueKind::kInt, 15},
      {"0b101", ValueKind::kInt, 5},
      {"1_000", ValueKind::kInt, 1000},
      {"10:30", ValueKind::kInt, 630},
      {"1:00:00", ValueKind::kInt, 3600},
      {"-9223372036854775808", ValueKind::kInt, INT64_MIN},
      {"0o17", ValueKind::kString},
      {"09", ValueKind::kString},
      {"0X1F", ValueKind::kString},
      {"1.5", ValueKind::kFloat, 0, 1.5},
      {"1.", ValueKind::kFloat, 0, 1.0},
      {"-.5", ValueKind::kFloat, 0, -0.5},
      {"1.5e+3", ValueKind::kFloat, 0, 1500},
      {"1e3", ValueKind::kString},
      {"1.5e3", ValueKind::kString},
      {"10:61", ValueKind::kString},
      {"StopLogging", ValueKind::kString},
      {"arn:aws:iam::123456789012:root", ValueKind::kString},
      {"AWS Internal", ValueKind::kString},
      {"*.amazonaws.com", ValueKind::kString},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    const PlainScalar resolved = ResolvePlainScalar(row.text);
    ASSERT_TRUE(resolved.value.has_value()) << resolved.error;
    EXPECT_EQ(resolved.value->kind, row.kind);
    EXPECT_EQ(resolved.value->text, row.text);
    if (row.kind == ValueKind::kInt) {
      EXPECT_EQ(resolved.value->integer, row.integer);
    }
    if (row.kind == ValueKind::kFloat) {
      EXPECT_DOUBLE_EQ(resolved.value->number, row.number);
    }
    if (row.kind == ValueKind::kBool) {
      EXPECT_EQ(resolved.value->boolean, row.boolean);
    }
  }
}

TEST(ResolvePlainScalar, RefusesWhatARuleMustQuote) {
  for (const char* text : {".inf", "-.inf", ".NaN", "2024-01-01", "2024-1-1 10:00:00",
                           "2001-12-14t21:59:43.10-05:00", "99999999999999999999"}) {
    SCOPED_TRACE(text);
    const PlainScalar resolved = ResolvePlainScalar(text);
    EXPECT_FALSE(resolved.value.has_value());
    EXPECT_FALSE(resolved.error.empty());
  }
  // A date-like value that PyYAML does not resolve as a timestamp stays text.
  EXPECT_EQ(ResolvePlainScalar("2024-1-1").value->kind, ValueKind::kString);
}

TEST(TypeScalar, QuotedScalarsAreStringsAndPlainOnesAreResolved) {
  const YAML::Node doc = YAML::Load(
      "a: yes\n"
      "b: 'yes'\n"
      "c: \"0x100\"\n"
      "d: 0x100\n"
      "e:\n"
      "f: No\n");
  Diagnostics diagnostics;
  EXPECT_EQ(TypeScalar(doc["a"], "r.yml", diagnostics)->kind, ValueKind::kBool);
  EXPECT_EQ(TypeScalar(doc["b"], "r.yml", diagnostics)->kind, ValueKind::kString);
  EXPECT_EQ(TypeScalar(doc["c"], "r.yml", diagnostics)->text, "0x100");
  EXPECT_EQ(TypeScalar(doc["c"], "r.yml", diagnostics)->kind, ValueKind::kString);
  EXPECT_EQ(TypeScalar(doc["d"], "r.yml", diagnostics)->integer, 256);
  EXPECT_EQ(TypeScalar(doc["e"], "r.yml", diagnostics)->kind, ValueKind::kNull);
  const std::optional<SigmaValue> mfa = TypeScalar(doc["f"], "r.yml", diagnostics);
  EXPECT_EQ(mfa->kind, ValueKind::kBool);  // `MFAUsed: No` is the boolean false
  EXPECT_FALSE(mfa->boolean);
  EXPECT_EQ(diagnostics.size(), 0u);
}

TEST(TypeScalar, UnquotedDateIsValueTypeAtItsLineAndColumn) {
  const YAML::Node doc = YAML::Load(
      "detection:\n"
      "  selection:\n"
      "    eventTime: 2024-01-01\n");
  Diagnostics diagnostics;
  EXPECT_FALSE(
      TypeScalar(doc["detection"]["selection"]["eventTime"], "r.yml", diagnostics).has_value());
  ASSERT_EQ(diagnostics.size(), 1u);
  const Diagnostic& d = diagnostics.items()[0];
  EXPECT_EQ(d.code, "value-type");
  EXPECT_EQ(d.location.line, 3);
  EXPECT_EQ(d.location.column, 16);
  EXPECT_EQ(d.ToString().rfind("r.yml:3:16: error[value-type]: ", 0), 0u) << d.ToString();
}

}  // namespace
}  // namespace trailhound::rules
