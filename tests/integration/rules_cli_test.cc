// tests/integration/rules_cli_test.cc: the real `trailhound rules lint` binary: diagnostics on
// stdout in SIGMA.md §14's format (or JSON), exit 0/1/2, and the SigmaHQ rules linting clean.
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
  EXPECT_THAT(run.err, HasSubstr("57 files, 57 documents, 57 rules loaded, 0 errors"));
  // Only the warnings SIGMA.md §14 expects of them. The rules that no eventName/eventSource
  // bounds: root usage and AssumeRole misuse test identity fields, the IMDS rule an ARN
  // pattern, the TruffleHog rule a user agent.
  std::vector<std::string> unindexed;
  for (const std::string& line : Lines(run.out)) {
    EXPECT_THAT(line, HasSubstr(": warning[")) << line;
    if (line.find("warning[unindexed-rule]") != std::string::npos) {
      unindexed.push_back(std::filesystem::path(line.substr(0, line.find(':'))).filename());
    }
  }
  EXPECT_EQ(unindexed,
            (std::vector<std::string>{
                "aws_cloudtrail_imds_malicious_usage.yml", "aws_cloudtrail_pua_trufflehog.yml",
                "aws_root_account_usage.yml", "aws_sts_assumerole_misuse.yml"}));
  // The SAML rule tests a top-level `status` no CloudTrail record has; the backdoor-keys rule
  // compares with the text of a field path where it meant the field (checklist item 67).
  EXPECT_THAT(run.out, HasSubstr("aws_delete_saml_provider.yml:26:9: warning[unknown-field]: "
                                 "'status' is not a field of CloudTrail records"));
  EXPECT_THAT(run.out, HasSubstr("aws_iam_backdoor_users_keys.yml:25:36: "
                                 "warning[value-looks-like-field]: "
                                 "'responseElements.accessKey.userName'"));
  EXPECT_EQ(Lines(run.out).size(), 6u) << run.out;
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

}  // namespace
}  // namespace trailhound
