// daemon/cmd_rules.cc: `trailhound rules lint`. Diagnostics are the command's data, so they go to
// stdout; the one-line summary goes to stderr.
#include "daemon/cmd_rules.h"

#include <cstdio>
#include <map>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <yaml-cpp/yaml.h>

#include "rules/compiled_rule.h"
#include "rules/sigma_parser.h"

namespace trailhound::daemon {
namespace {

// Reads `name: [values]` placeholders; false with a message on stderr when unusable.
bool LoadPlaceholders(const std::string& path, rules::Placeholders& out) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) {
      std::fprintf(stderr, "trailhound rules lint: %s: expected a map of placeholder lists\n",
                   path.c_str());
      return false;
    }
    for (const auto& pair : root) {
      std::vector<std::string>& values = out[pair.first.Scalar()];
      if (pair.second.IsSequence()) {
        for (const YAML::Node& value : pair.second) {
          values.push_back(value.Scalar());
        }
      } else {
        values.push_back(pair.second.Scalar());
      }
    }
    return true;
  } catch (const YAML::Exception& error) {
    std::fprintf(stderr, "trailhound rules lint: %s: %s\n", path.c_str(), error.what());
    return false;
  }
}

// Rule ids and names are unique across everything loaded (§2, `duplicate-id`).
void CheckUnique(const rules::SigmaRule& rule, const std::string& key, const std::string& what,
                 std::map<std::string, rules::SourceLocation>& seen,
                 rules::Diagnostics& diagnostics) {
  if (key.empty()) {
    return;
  }
  const auto [it, inserted] = seen.emplace(key, rule.location);
  if (!inserted) {
    const rules::SourceLocation& first = it->second;
    diagnostics.Error(rule.location, "duplicate-id",
                      what + " " + rules::Quote(key) + " is already used at " + first.file + ":" +
                          std::to_string(first.line));
    diagnostics.SetRuleTitle(diagnostics.size() - 1, rule.title);
  }
}

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
  if (!options.placeholders_path.empty() &&
      !LoadPlaceholders(options.placeholders_path, compile_options.placeholders)) {
    return 2;
  }
  rules::Diagnostics diagnostics;
  const std::vector<std::string> files = rules::ListRuleFiles(options.paths, diagnostics);
  std::map<std::string, rules::SourceLocation> ids;
  std::map<std::string, rules::SourceLocation> names;
  size_t documents = 0;
  for (const std::string& file : files) {
    for (const rules::SigmaDocument& document : rules::ParseRuleFile(file, diagnostics)) {
      ++documents;
      if (document.kind != rules::DocumentKind::kDetection || !document.loaded) {
        continue;  // correlations and filters are checked when they are supported (#4)
      }
      const size_t first = diagnostics.size();
      CheckUnique(document.rule, document.rule.id, "id", ids, diagnostics);
      CheckUnique(document.rule, document.rule.name, "name", names, diagnostics);
      (void)rules::CompileRule(document.rule, file, compile_options, diagnostics);
      diagnostics.SetRuleTitle(first, document.rule.title);
    }
  }
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
               "trailhound rules lint: %zu files, %zu documents, %zu errors, %zu warnings\n",
               files.size(), documents, errors, diagnostics.size() - errors);
  return errors == 0 ? 0 : 1;
}

}  // namespace trailhound::daemon
