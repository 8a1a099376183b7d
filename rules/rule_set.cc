// rules/rule_set.cc: rule loading across files.
#include "rules/rule_set.h"

#include <map>

#include <yaml-cpp/yaml.h>

#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

// Rule ids and names are unique across everything loaded (§2, `duplicate-id`).
bool CheckUnique(const SigmaRule& rule, const std::string& key, const char* what,
                 std::map<std::string, SourceLocation>& seen, Diagnostics& diagnostics) {
  if (key.empty()) {
    return true;
  }
  const auto [it, inserted] = seen.emplace(key, rule.location);
  if (inserted) {
    return true;
  }
  std::string message = what;
  message += ' ';
  message += Quote(key);
  message += " is already used at " + it->second.file + ":" + std::to_string(it->second.line);
  diagnostics.Error(rule.location, "duplicate-id", std::move(message));
  return false;
}

}  // namespace

LoadedRules LoadRules(const std::vector<std::string>& paths, const CompileOptions& options,
                      Diagnostics& diagnostics) {
  LoadedRules loaded;
  const std::vector<std::string> files = ListRuleFiles(paths, diagnostics);
  loaded.files = files.size();
  std::map<std::string, SourceLocation> ids;
  std::map<std::string, SourceLocation> names;
  for (const std::string& file : files) {
    for (const SigmaDocument& document : ParseRuleFile(file, diagnostics)) {
      ++loaded.documents;
      if (document.kind != DocumentKind::kDetection || !document.loaded) {
        continue;  // correlations and filters are not supported yet (#4)
      }
      const size_t first = diagnostics.size();
      const bool unique =
          CheckUnique(document.rule, document.rule.id, "id", ids, diagnostics) &&
          CheckUnique(document.rule, document.rule.name, "name", names, diagnostics);
      std::optional<CompiledRule> compiled = CompileRule(document.rule, file, options, diagnostics);
      diagnostics.SetRuleTitle(first, document.rule.title);
      if (unique && compiled.has_value()) {
        loaded.rules.push_back(*std::move(compiled));
      }
    }
  }
  return loaded;
}

bool LoadPlaceholders(const std::string& path, Placeholders& out, Diagnostics& diagnostics) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) {
      diagnostics.Error(SourceLocation{path, 1, 1}, "value-type",
                        "placeholders must be a map of name to a list of values");
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
    diagnostics.Error(SourceLocation{path, 0, 0}, "yaml-syntax", error.what());
    return false;
  }
}

}  // namespace trailhound::rules
