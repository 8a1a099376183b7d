// daemon/cmd_rules.h: `trailhound rules lint PATH...`: loads every rule file the way the daemon
// will (parse, compile) and prints each diagnostic as `file:line:column: error[code]: message
// (rule 'title')` (SIGMA.md §14), or as JSON with --format json. `rules test` joins it later.
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

// Registers `rules` and its `lint` subcommand; returns the `lint` subcommand.
CLI::App* AddRulesCommand(CLI::App& app, RulesLintOptions& options);

// Exit code: 0 when every rule loads (warnings allowed), 1 when any has an error, 2 on usage
// errors (unreadable placeholder file).
int RunRulesLint(const RulesLintOptions& options);

}  // namespace trailhound::daemon
