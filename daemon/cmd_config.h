// daemon/cmd_config.h: `trailhound config check FILE`: loads and validates a configuration the
// way `run` will (config/load.h), then loads the rules it names (rules.paths and
// rules.placeholders) the way the daemon will, and prints every diagnostic of both as
// `file:line:column: error[code]: message` on stdout. The summary goes to stderr:
// `config ok: 1 sources, 2 sinks, 57 rules loaded, 0 warnings` or
// `config check: 3 errors, 1 warnings`.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace trailhound::daemon {

struct ConfigCheckOptions {
  std::string path;
};

// Registers `config` with its `check` subcommand; returns `check`.
CLI::App* AddConfigCommand(CLI::App& app, ConfigCheckOptions& options);

// Exit code: 0 when the configuration and its rules load (warnings allowed), 1 when either has
// an error, 2 on usage errors (the file is missing or unreadable).
int RunConfigCheck(const ConfigCheckOptions& options);

}  // namespace trailhound::daemon
