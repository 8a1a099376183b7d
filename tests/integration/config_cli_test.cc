// tests/integration/config_cli_test.cc: the real `trailhound config check FILE`: the shipped
// example passes, problems of the file and of the rules it names are printed at file:line:column
// on stdout, the summary on stderr, secrets never printed, and exit codes 0/1/2.
#include <stdlib.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/cli_harness.h"

namespace trailhound {
namespace {

using namespace trailhound::testing;  // NOLINT: the harness is this file's vocabulary
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ConfigCheckCli, ShippedExamplePasses) {
  TempDir temp;
  const RunResult run =
      RunTrailhound(temp, {"config", "check", TH_SOURCE_DIR "/config/examples/trailhound.yml"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "config ok: 1 sources, 3 sinks, 18 rules loaded, 0 warnings\n");
}

TEST(ConfigCheckCli, ProblemsAreLocatedAndExitOne) {
  TempDir temp;
  const std::string file = temp / "trailhound.yml";
  WriteFile(file,
            "sources:\n"
            "  kafka:\n"
            "    brokres: 10.0.0.1:9092\n"
            "sinks:\n"
            "  - type: file\n");
  const RunResult run = RunTrailhound(temp, {"config", "check", file});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(Lines(run.out),
            (std::vector<std::string>{
                file + ":3:5: error[unknown-key]: 'brokres' is not a key of sources.kafka; did you "
                       "mean 'brokers'?",
                file + ":5:5: error[missing-field]: sinks[0]: a file sink needs `path`, the NDJSON "
                       "file to append to"}));
  EXPECT_EQ(run.err, "config check: 2 errors, 0 warnings\n");
}

TEST(ConfigCheckCli, RulesTheConfigNamesAreLoadedAndTheirErrorsPrinted) {
  TempDir temp;
  WriteFile(temp / "rules/bad.yml",
            "title: Broken\nid: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c02\nlevel: high\n"
            "logsource: {product: aws, service: cloudtrail}\ndetection:\n  selection:\n"
            "    eventName|containz: StopLogging\n  condition: selection\n");
  WriteFile(temp / "trailhound.yml", "rules: {paths: [rules]}\nsinks: [{type: stdout}]\n");
  const RunResult run = RunTrailhound(temp, {"config", "check", temp / "trailhound.yml"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr(temp / "rules/bad.yml" + ":7:5: error[unknown-modifier]"));
  EXPECT_THAT(run.err, HasSubstr("config check: 1 errors"));
}

TEST(ConfigCheckCli, WarningsAloneExitZeroAndSecretsStayHidden) {
  setenv("TH_CONFIG_CLI_SECRET", "very-secret-token", 1);
  TempDir temp;
  WriteFile(temp / "trailhound.yml",
            "sources:\n  kafka:\n    properties:\n"
            "      sasl.password: ${env:TH_CONFIG_CLI_SECRET}\n"
            "      ssl.key.password: literal\n");
  const RunResult run = RunTrailhound(temp, {"config", "check", temp / "trailhound.yml"});
  unsetenv("TH_CONFIG_CLI_SECRET");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_EQ(Lines(run.out).size(), 2u) << run.out;  // literal-secret and no-sinks warnings
  EXPECT_THAT(run.out, HasSubstr(":5:25: warning[literal-secret]"));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr("very-secret-token")));
  EXPECT_EQ(run.err, "config ok: 1 sources, 0 sinks, 0 rules loaded, 2 warnings\n");
}

TEST(ConfigCheckCli, MissingFileOrArgumentIsAUsageError) {
  TempDir temp;
  const RunResult missing = RunTrailhound(temp, {"config", "check", temp / "absent.yml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("absent.yml"));
  EXPECT_EQ(RunTrailhound(temp, {"config", "check"}).exit_code, 2);
  EXPECT_EQ(RunTrailhound(temp, {"config"}).exit_code, 2);
}

}  // namespace
}  // namespace trailhound
