// daemon/cmd_rules.cc: `trailhound rules lint`. Diagnostics are the command's data, so they go to
// stdout; the one-line summary goes to stderr.
#include "daemon/cmd_rules.h"

#include <cstdio>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "rules/rule_set.h"

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

CLI::App* AddRulesCommand(CLI::App& app, RulesLintOptions& options) {
  CLI::App* rules_cmd = app.add_subcommand("rules", "Check and test detection rules");
  rules_cmd->require_subcommand(1);
  CLI::App* lint = rules_cmd->add_subcommand(
      "lint", "Load rule files and print every problem as file:line:column diagnostics");
  lint->add_option("paths", options.paths, "Rule files or directories (.yml/.yaml, recursed)")
      ->required();
  lint->add_option("--format", options.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  lint->add_option("--placeholders", options.placeholders_path,
                   "YAML map of placeholder name to values, for |expand");
  return lint;
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
               "trailhound rules lint: %zu files, %zu documents, %zu rules loaded, %zu errors, "
               "%zu warnings\n",
               loaded.files, loaded.documents, loaded.rules.size(), errors,
               diagnostics.size() - errors);
  return errors == 0 ? 0 : 1;
}

}  // namespace trailhound::daemon
