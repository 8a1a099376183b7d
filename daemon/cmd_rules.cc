// daemon/cmd_rules.cc: `trailhound rules lint` and `rules test`. Diagnostics and test results are
// the commands' data, so they go to stdout; lint's one-line summary goes to stderr, while the
// test summary is the last line of its results.
#include "daemon/cmd_rules.h"

#include <cstdio>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "rules/rule_set.h"
#include "rules/rule_tests.h"

namespace trailhound::daemon {
namespace {

void PrintJson(const rules::Diagnostics& diagnostics) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const rules::Diagnostic& d : diagnostics.items()) {
    w.StartObject();
    w.Key("file");
    w.String(d.location.file.c_str());
    w.Key("line");
    w.Int(d.location.line);
    w.Key("column");
    w.Int(d.location.column);
    w.Key("severity");
    w.String(d.severity == rules::Severity::kError ? "error" : "warning");
    w.Key("code");
    w.String(d.code.c_str());
    w.Key("message");
    w.String(d.message.c_str());
    w.Key("rule");
    w.String(d.rule_title.c_str());
    w.EndObject();
  }
  w.EndArray();
  std::printf("%s\n", buffer.GetString());
}

}  // namespace

RulesCommands AddRulesCommand(CLI::App& app, RulesLintOptions& lint_options,
                              RulesTestOptions& test_options) {
  CLI::App* rules_cmd = app.add_subcommand("rules", "Check and test detection rules");
  rules_cmd->require_subcommand(1);
  CLI::App* lint = rules_cmd->add_subcommand(
      "lint", "Load rule files and print every problem as file:line:column diagnostics");
  lint->add_option("paths", lint_options.paths, "Rule files or directories (.yml/.yaml, recursed)")
      ->required();
  lint->add_option("--format", lint_options.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  lint->add_option("--placeholders", lint_options.placeholders_path,
                   "YAML map of placeholder name to values, for |expand");
  CLI::App* test = rules_cmd->add_subcommand(
      "test", "Run the rules' tests (inline 'tests:' and NAME.tests.yml files); print failures");
  test->add_option("paths", test_options.paths,
                   "Rule files, test files or directories (.yml/.yaml, recursed)")
      ->required();
  test->add_option("--placeholders", test_options.placeholders_path,
                   "YAML map of placeholder name to values, for |expand");
  return RulesCommands{lint, test};
}

int RunRulesLint(const RulesLintOptions& options) {
  rules::CompileOptions compile_options;
  rules::Diagnostics diagnostics;
  if (!options.placeholders_path.empty() &&
      !rules::LoadPlaceholders(options.placeholders_path, compile_options.placeholders,
                               diagnostics)) {
    std::fprintf(stderr, "trailhound rules lint: %s\n", diagnostics.items()[0].ToString().c_str());
    return 2;
  }
  const rules::LoadedRules loaded = rules::LoadRules(options.paths, compile_options, diagnostics);
  size_t errors = 0;
  for (const rules::Diagnostic& d : diagnostics.items()) {
    errors += d.severity == rules::Severity::kError;
  }
  if (options.format == "json") {
    PrintJson(diagnostics);
  } else {
    for (const rules::Diagnostic& d : diagnostics.items()) {
      std::printf("%s\n", d.ToString().c_str());
    }
  }
  std::fprintf(stderr,
               "trailhound rules lint: %zu files, %zu documents, %zu rules loaded, "
               "%zu correlations, %zu filters, %zu errors, %zu warnings\n",
               loaded.files, loaded.documents, loaded.rules.size(), loaded.correlations.size(),
               loaded.filters, errors, diagnostics.size() - errors);
  return errors == 0 ? 0 : 1;
}

int RunRulesTest(const RulesTestOptions& options) {
  rules::RuleTestOptions test_options;
  rules::Diagnostics diagnostics;
  if (!options.placeholders_path.empty() &&
      !rules::LoadPlaceholders(options.placeholders_path, test_options.compile.placeholders,
                               diagnostics)) {
    std::fprintf(stderr, "trailhound rules test: %s\n", diagnostics.items()[0].ToString().c_str());
    return 2;
  }
  const rules::RuleTestReport report = rules::RunRuleTests(options.paths, test_options);
  for (const rules::Diagnostic& d : report.diagnostics.items()) {
    std::printf("%s\n", d.ToString().c_str());
  }
  std::printf("%s\n", rules::RuleTestSummary(report).c_str());
  if (report.passed + report.failed == 0) {
    std::fprintf(stderr, "trailhound rules test: no tests found under the given paths\n");
  }
  return report.failed == 0 ? 0 : 1;
}

}  // namespace trailhound::daemon
