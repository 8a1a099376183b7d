// daemon/cmd_rules.h: `trailhound rules lint PATH...`: loads every rule file the way the daemon
// will (parse, compile) and prints each diagnostic as `file:line:column: error[code]: message
// (rule 'title')` (SIGMA.md §14), or as JSON with --format json. `trailhound rules test
// PATH...` runs the rules' tests (SIGMA.md §15, rules/rule_tests.h) and prints each failure as
// `file:line:column: error[test-failed]: test 'name': ...`, then `N passed, N failed`.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace trailhound::daemon {

struct RulesLintOptions {
  std::vector<std::string> paths;
  std::string format = "text";    // text | json
  std::string placeholders_path;  // YAML map: placeholder name -> list of values
};

struct RulesTestOptions {
  std::vector<std::string> paths;
  std::string placeholders_path;
};

struct RulesCommands {
  CLI::App* lint = nullptr;
  CLI::App* test = nullptr;
};

// Registers `rules` with its `lint` and `test` subcommands.
RulesCommands AddRulesCommand(CLI::App& app, RulesLintOptions& lint_options,
                              RulesTestOptions& test_options);

// Exit code: 0 when every rule loads (warnings allowed), 1 when any has an error, 2 on usage
// errors (unreadable placeholder file).
int RunRulesLint(const RulesLintOptions& options);

// Exit code: 0 when no test failed, 1 when a test failed, could not run (`test-format`) or its
// rule file did not load, 2 on usage errors (unreadable placeholder file).
int RunRulesTest(const RulesTestOptions& options);

}  // namespace trailhound::daemon
