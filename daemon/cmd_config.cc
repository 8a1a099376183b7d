// daemon/cmd_config.cc: `trailhound config check`. th_config validates the file without
// knowing about rules (STYLE.md §1: config links only base); the rules it names are loaded here,
// with th_rules, exactly as the daemon loads them.
#include "daemon/cmd_config.h"

#include <cstdio>

#include "config/load.h"
#include "rules/rule_set.h"

namespace trailhound::daemon {
namespace {

struct Counts {
  size_t errors = 0;
  size_t warnings = 0;
};

Counts PrintConfigDiagnostics(const config::ConfigDiagnostics& diagnostics) {
  Counts counts;
  for (const config::ConfigDiagnostic& d : diagnostics.items()) {
    std::printf("%s\n", d.ToString().c_str());
    (d.severity == config::ConfigSeverity::kError ? counts.errors : counts.warnings)++;
  }
  return counts;
}

// Loads the placeholders and rules `loaded_config` names; prints their diagnostics and adds
// them to `counts`. Returns the number of detection rules and correlations loaded.
size_t CheckRules(const config::Config& loaded_config, Counts& counts) {
  rules::CompileOptions compile_options;
  rules::Diagnostics diagnostics;
  size_t loaded_rules = 0;
  const bool placeholders_ok = loaded_config.rules.placeholders.empty() ||
                               rules::LoadPlaceholders(loaded_config.rules.placeholders,
                                                       compile_options.placeholders, diagnostics);
  if (placeholders_ok && !loaded_config.rules.paths.empty()) {
    const rules::LoadedRules loaded =
        rules::LoadRules(loaded_config.rules.paths, compile_options, diagnostics);
    loaded_rules = loaded.rules.size() + loaded.correlations.size();
  }
  for (const rules::Diagnostic& d : diagnostics.items()) {
    std::printf("%s\n", d.ToString().c_str());
    (d.severity == rules::Severity::kError ? counts.errors : counts.warnings)++;
  }
  return loaded_rules;
}

}  // namespace

CLI::App* AddConfigCommand(CLI::App& app, ConfigCheckOptions& options) {
  CLI::App* config_cmd = app.add_subcommand("config", "Work with configuration files");
  config_cmd->require_subcommand(1);
  CLI::App* check = config_cmd->add_subcommand(
      "check", "Validate a configuration file and the rules it names; print every problem");
  check->add_option("file", options.path, "The configuration file (YAML)")->required();
  return check;
}

int RunConfigCheck(const ConfigCheckOptions& options) {
  config::ConfigDiagnostics diagnostics;
  const base::Result<config::Config> loaded = config::LoadConfig(options.path, diagnostics);
  if (!loaded.has_value() && loaded.error().code() != base::StatusCode::kInvalidInput) {
    std::fprintf(stderr, "trailhound config check: %s\n",
                 std::string(loaded.error().message()).c_str());
    return 2;
  }
  Counts counts = PrintConfigDiagnostics(diagnostics);
  if (!loaded.has_value()) {
    std::fprintf(stderr, "config check: %zu errors, %zu warnings\n", counts.errors,
                 counts.warnings);
    return 1;
  }
  const size_t rule_count = CheckRules(*loaded, counts);
  if (counts.errors > 0) {
    std::fprintf(stderr, "config check: %zu errors, %zu warnings\n", counts.errors,
                 counts.warnings);
    return 1;
  }
  std::fprintf(stderr, "config ok: %zu sources, %zu sinks, %zu rules loaded, %zu warnings\n",
               loaded->sources.kafka.has_value() ? size_t{1} : size_t{0}, loaded->sinks.size(),
               rule_count, counts.warnings);
  return 0;
}

}  // namespace trailhound::daemon
