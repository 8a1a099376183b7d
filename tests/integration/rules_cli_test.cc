// tests/integration/rules_cli_test.cc: the real `trailhound rules lint` binary: diagnostics on
// stdout in SIGMA.md §14's format (or JSON), exit 0/1/2, and the SigmaHQ rules linting clean;
// and `trailhound rules test` (§15): failures at file:line:column, the summary line, exit codes,
// and the shipped correlation pack passing its own tests.
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/integration/cli_harness.h"

namespace trailhound {
namespace {

using namespace trailhound::testing;  // NOLINT: the harness is this file's vocabulary
using ::testing::HasSubstr;

constexpr char kGoodRule[] = R"(title: Trail stopped
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c01
level: high
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: StopLogging
  condition: selection
)";

constexpr char kBadRule[] = R"(title: Broken
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c02
level: high
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName|containz: StopLogging
  condition: selection and nope
)";

TEST(RulesLintCli, SigmaHqCloudTrailRulesLintClean) {
  const std::string dir = TH_SHARED_DATA_DIR "/sigma/rules/cloud/aws/cloudtrail";
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "../shared/data/sigma/rules/cloud/aws/cloudtrail is absent";
  }
  TempDir temp;
  const RunResult run = RunTrailhound(temp, {"rules", "lint", dir});
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_THAT(run.err, HasSubstr("57 files, 57 documents, 57 rules loaded, 0 correlations, "
                                 "0 filters, 0 errors"));
  // Only the warnings SIGMA.md §14 expects of them. The one rule no field bounds: the IMDS
  // rule tests the ARN with a regular expression (root usage, AssumeRole misuse and TruffleHog
  // are keyed on userIdentity.type and userAgent).
  std::vector<std::string> unindexed;
  for (const std::string& line : Lines(run.out)) {
    EXPECT_THAT(line, HasSubstr(": warning[")) << line;
    if (line.find("warning[unindexed-rule]") != std::string::npos) {
      unindexed.push_back(std::filesystem::path(line.substr(0, line.find(':'))).filename());
    }
  }
  EXPECT_EQ(unindexed, (std::vector<std::string>{"aws_cloudtrail_imds_malicious_usage.yml"}));
  // The SAML rule tests a top-level `status` no CloudTrail record has; the backdoor-keys rule
  // compares with the text of a field path where it meant the field (checklist item 67).
  EXPECT_THAT(run.out, HasSubstr("aws_delete_saml_provider.yml:26:9: warning[unknown-field]: "
                                 "'status' is not a field of CloudTrail records"));
  EXPECT_THAT(run.out, HasSubstr("aws_iam_backdoor_users_keys.yml:25:36: "
                                 "warning[value-looks-like-field]: "
                                 "'responseElements.accessKey.userName'"));
  EXPECT_EQ(Lines(run.out).size(), 3u) << run.out;
}

TEST(RulesLintCli, BadRuleGivesLocatedDiagnosticsAndExitOne) {
  TempDir temp;
  WriteFile(temp / "rules/good.yml", kGoodRule);
  WriteFile(temp / "rules/bad.yml", kBadRule);
  WriteFile(temp / "rules/bad.tests.yml", "not: [a rule");  // test files are not rules
  const RunResult run = RunTrailhound(temp, {"rules", "lint", temp / "rules"});
  EXPECT_EQ(run.exit_code, 1);
  const std::string prefix = temp / "rules/bad.yml";
  EXPECT_THAT(run.out,
              HasSubstr(prefix + ":7:5: error[unknown-modifier]: 'containz' is not a Sigma "
                                 "modifier; did you mean 'contains'? (rule 'Broken')"));
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("good.yml")));
  EXPECT_THAT(run.err, HasSubstr("2 files"));
}

TEST(RulesLintCli, JsonFormatCarriesTheSameFields) {
  TempDir temp;
  WriteFile(temp / "bad.yml", kBadRule);
  const RunResult run =
      RunTrailhound(temp, {"rules", "lint", "--format", "json", temp / "bad.yml"});
  EXPECT_EQ(run.exit_code, 1);
  rapidjson::Document json;
  json.Parse(run.out.c_str());
  ASSERT_FALSE(json.HasParseError()) << run.out;
  ASSERT_TRUE(json.IsArray());
  ASSERT_GE(json.Size(), 1u);
  const rapidjson::Value& first = json[0];
  EXPECT_STREQ(first["code"].GetString(), "unknown-modifier");
  EXPECT_EQ(first["line"].GetInt(), 7);
  EXPECT_EQ(first["column"].GetInt(), 5);
  EXPECT_STREQ(first["severity"].GetString(), "error");
  EXPECT_STREQ(first["rule"].GetString(), "Broken");
}

TEST(RulesLintCli, DuplicateIdsAcrossFilesAreErrors) {
  TempDir temp;
  WriteFile(temp / "a.yml", kGoodRule);
  WriteFile(temp / "b.yml", kGoodRule);
  const RunResult run = RunTrailhound(temp, {"rules", "lint", temp.path()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("error[duplicate-id]"));
  EXPECT_THAT(run.out, HasSubstr(temp / "b.yml"));
}

TEST(RulesLintCli, PlaceholdersComeFromTheGivenFile) {
  TempDir temp;
  std::string rule = kGoodRule;
  const std::string plain = "eventName: StopLogging";
  rule.replace(rule.find(plain), plain.size(), "eventName|expand: '%Names%'");
  WriteFile(temp / "p.yml", rule);
  const RunResult missing = RunTrailhound(temp, {"rules", "lint", temp / "p.yml"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.out, HasSubstr("error[unresolved-placeholder]"));
  WriteFile(temp / "placeholders.yml", "Names: [StopLogging, DeleteTrail]\n");
  const RunResult given = RunTrailhound(
      temp, {"rules", "lint", "--placeholders", temp / "placeholders.yml", temp / "p.yml"});
  EXPECT_EQ(given.exit_code, 0) << given.out;
}

TEST(RulesLintCli, UsageErrorsExitWithTwo) {
  TempDir temp;
  EXPECT_EQ(RunTrailhound(temp, {"rules", "lint"}).exit_code, 2);
  EXPECT_EQ(RunTrailhound(temp, {"rules"}).exit_code, 2);
  EXPECT_EQ(RunTrailhound(temp, {"rules", "lint", "--format", "xml", temp.path()}).exit_code, 2);
  EXPECT_EQ(RunTrailhound(temp, {"rules", "lint", "--placeholders", temp / "none.yml", temp.path()})
                .exit_code,
            2);
}

// kGoodRule with inline tests: the second is wrong on purpose.
const std::string kTestedRule = std::string(kGoodRule) + R"(tests:
  - name: stop is caught
    event: {eventName: StopLogging, eventID: e1}
  - name: start is caught
    match: true
    event: {eventName: StartLogging}
)";

TEST(RulesTestCli, FailuresAreLocatedAndSummarised) {
  TempDir temp;
  WriteFile(temp / "rules/stop.yml", kTestedRule);
  const RunResult run = RunTrailhound(temp, {"rules", "test", temp / "rules"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(Lines(run.out), (std::vector<std::string>{
                                temp / "rules/stop.yml:12:5: error[test-failed]: test 'start is "
                                       "caught': expected match, got no match",
                                "1 passed, 1 failed"}));
  WriteFile(temp / "rules/stop.yml", kTestedRule.substr(0, kTestedRule.find("  - name: start")));
  const RunResult fixed = RunTrailhound(temp, {"rules", "test", temp / "rules/stop.yml"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out;
  EXPECT_EQ(fixed.out, "1 passed, 0 failed\n");
}

TEST(RulesTestCli, SiblingTestFileWithEventFile) {
  TempDir temp;
  WriteFile(temp / "sigma/stop.yml", kGoodRule);
  WriteFile(temp / "sigma/stop.tests.yml", R"(rule: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c01
tests:
  - name: from a fixture
    event_file: fixtures/stop.json
  - name: inline
    match: false
    event: {eventName: StartLogging}
)");
  WriteFile(temp / "sigma/fixtures/stop.json", R"({"eventName":"StopLogging","eventID":"x"})");
  for (const std::string& path : {temp / "sigma", temp / "sigma/stop.tests.yml"}) {
    SCOPED_TRACE(path);
    const RunResult run = RunTrailhound(temp, {"rules", "test", path});
    EXPECT_EQ(run.exit_code, 0) << run.out;
    EXPECT_EQ(run.out, "2 passed, 0 failed\n");
  }
}

TEST(RulesTestCli, CorrelationAlertsAndEventIds) {
  TempDir temp;
  std::string events = "[";
  for (int i = 1; i <= 3; ++i) {
    events += std::string(i == 1 ? "" : ", ") + "{eventName: StopLogging, eventID: e" +
              std::to_string(i) + ", eventTime: '2024-05-01T10:0" + std::to_string(i) +
              ":00Z', recipientAccountId: '111122223333'}";
  }
  events += "]";
  WriteFile(temp / "corr.yml", std::string(kGoodRule) + R"(name: trail_stopped
---
title: trail stopped again and again
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c07
correlation:
  type: event_count
  rules: [trail_stopped]
  group-by: [recipientAccountId]
  timespan: 5m
  condition: {gte: 3}
tests:
  - name: three stops
    events: )" + events + R"(
    alerts: 1
    alert_event_ids: [e3]
  - name: wrong ids
    events: )" + events + R"(
    alert_event_ids: [e1]
  - name: wrong count
    events: )" + events + R"(
    alerts: 0
)");
  const RunResult run = RunTrailhound(temp, {"rules", "test", temp / "corr.yml"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(Lines(run.out),
            (std::vector<std::string>{
                temp / "corr.yml:24:5: error[test-failed]: test 'wrong ids': expected alerts on "
                       "['e1'], got ['e3']",
                temp / "corr.yml:27:5: error[test-failed]: test 'wrong count': expected 0 alerts, "
                       "got 1 on ['e3']",
                "1 passed, 2 failed"}));
}

TEST(RulesTestCli, TestFormatAndLoadErrorsFail) {
  TempDir temp;
  WriteFile(temp / "a.yml", std::string(kGoodRule) + R"(tests:
  - name: two records
    event: {eventName: StopLogging}
    event_file: x.json
  - event: {eventName: StopLogging}
)");
  WriteFile(temp / "bad.yml", std::string(kBadRule) + "tests: []\n");
  const RunResult run = RunTrailhound(temp, {"rules", "test", temp.path()});
  EXPECT_EQ(run.exit_code, 1);
  const std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 4u) << run.out;
  // bad.yml did not load: its error, as `rules lint` prints it, fails the file.
  EXPECT_THAT(lines[0], HasSubstr(temp / "bad.yml:7:5: error[unknown-modifier]"));
  EXPECT_EQ(lines[1], temp /
                          "a.yml:10:5: error[test-format]: the test has more than one of "
                          "'event', 'event_file', 'events'; give exactly one");
  EXPECT_EQ(lines[2], temp / "a.yml:13:5: error[test-format]: the test has no 'name'; add one");
  EXPECT_EQ(lines[3], "0 passed, 3 failed");
}

TEST(RulesTestCli, PlaceholdersAndUsageErrors) {
  TempDir temp;
  std::string rule = kTestedRule.substr(0, kTestedRule.find("  - name: start"));
  const std::string plain = "eventName: StopLogging\n  condition";
  rule.replace(rule.find(plain), plain.size(), "eventName|expand: '%Names%'\n  condition");
  WriteFile(temp / "p.yml", rule);
  WriteFile(temp / "placeholders.yml", "Names: [StopLogging]\n");
  const RunResult given = RunTrailhound(
      temp, {"rules", "test", "--placeholders", temp / "placeholders.yml", temp / "p.yml"});
  EXPECT_EQ(given.exit_code, 0) << given.out;
  EXPECT_EQ(given.out, "1 passed, 0 failed\n");
  EXPECT_EQ(RunTrailhound(temp, {"rules", "test", temp / "p.yml"}).exit_code, 1);
  EXPECT_EQ(RunTrailhound(temp, {"rules", "test"}).exit_code, 2);
  EXPECT_EQ(RunTrailhound(temp, {"rules", "test", "--nope", temp.path()}).exit_code, 2);
  EXPECT_EQ(RunTrailhound(temp, {"rules", "test", "--placeholders", temp / "none.yml", temp.path()})
                .exit_code,
            2);
}

TEST(RulesTestCli, ShippedCorrelationPackPassesItsTests) {
  TempDir temp;
  const RunResult run =
      RunTrailhound(temp, {"rules", "test", TH_SOURCE_DIR "/rules/sigma-correlations"});
  EXPECT_EQ(run.exit_code, 0) << run.out;
  const std::vector<std::string> lines = Lines(run.out);
  ASSERT_EQ(lines.size(), 1u) << run.out;
  EXPECT_THAT(lines[0], ::testing::MatchesRegex("[1-9][0-9]* passed, 0 failed"));
  // and it lints clean: ten base rules, the eight correlations over them
  const RunResult lint =
      RunTrailhound(temp, {"rules", "lint", TH_SOURCE_DIR "/rules/sigma-correlations"});
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
  EXPECT_EQ(lint.out, "");
  EXPECT_THAT(lint.err, HasSubstr("10 rules loaded, 8 correlations, 0 filters, 0 errors, "
                                  "0 warnings"));
}

}  // namespace
}  // namespace trailhound
