// rules/rule_set.cc: rule loading across files.
#include "rules/rule_set.h"

#include <algorithm>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

// Rule ids and names are unique across everything loaded (§2, `duplicate-id`), correlations
// included.
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

struct LoadedFilter {
  const SigmaDocument* document;
  CompiledRule compiled;  // its selections and condition
};

// §12: an exclusion is written `condition: not selection`; anything else narrows the rules to
// what the filter selects, which is rarely what its author meant.
void CheckFilterNegated(const SigmaDocument& document, Diagnostics& diagnostics) {
  const std::string& condition = document.rule.conditions.front();
  const size_t start = condition.find_first_not_of(" \t");
  const std::string_view text =
      start == std::string::npos ? std::string_view{} : std::string_view(condition).substr(start);
  if (text.substr(0, 4) != "not " && text.substr(0, 4) != "not(") {
    diagnostics.Warning(document.rule.condition_locations.front(), "filter-not-negated",
                        "a filter's condition is AND-ed to the rule's: write the exclusion as "
                        "'not selection'");
  }
}

// Every key the filter's logsource sets has the same value in the rule's (§12).
bool LogsourceContains(const Logsource& filter, const Logsource& rule) {
  return (filter.product.empty() || filter.product == rule.product) &&
         (filter.service.empty() || filter.service == rule.service) &&
         (filter.category.empty() || filter.category == rule.category);
}

bool FilterNames(const FilterTargets& targets, const CompiledRule& rule) {
  if (targets.any) {
    return true;
  }
  for (const std::string& target : targets.rules) {
    if (target == rule.id || (!rule.name.empty() && target == rule.name)) {
      return true;
    }
  }
  return false;
}

// Turns the condition C of every rule the filter applies to into `(C) and (F)` over the rule's
// selections followed by the filter's (§12).
void ApplyFilter(const LoadedFilter& filter, std::vector<CompiledRule>& rules,
                 Diagnostics& diagnostics) {
  const SigmaDocument& document = *filter.document;
  for (size_t i = 0; i < document.filter.rules.size(); ++i) {
    const std::string& target = document.filter.rules[i];
    const bool known = std::any_of(rules.begin(), rules.end(), [&](const CompiledRule& rule) {
      return rule.id == target || (!rule.name.empty() && rule.name == target);
    });
    if (!known) {
      Diagnostic warning{document.filter.locations[i], Severity::kWarning, "filter-unknown-rule",
                         "filter names " + Quote(target) + ", which is not a loaded rule",
                         document.rule.title};
      diagnostics.Add(std::move(warning));
    }
  }
  for (CompiledRule& rule : rules) {
    if (!FilterNames(document.filter, rule) ||
        !LogsourceContains(document.rule.logsource, rule.logsource)) {
      continue;
    }
    const Condition parts[] = {rule.condition, filter.compiled.condition};
    const uint32_t offsets[] = {0, static_cast<uint32_t>(rule.selections.size())};
    std::optional<Condition> combined = CombineConditionsAllOf(parts, offsets);
    if (!combined.has_value()) {
      continue;
    }
    rule.condition = *std::move(combined);
    rule.selections.insert(rule.selections.end(), filter.compiled.selections.begin(),
                           filter.compiled.selections.end());
    rule.filters.push_back(document.rule.id);
  }
}

std::string ScalarAt(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : std::string();
}

// Detection rules by `id` first, then by `name` (§13).
std::optional<uint32_t> FindRule(const std::vector<CompiledRule>& rules, const std::string& key) {
  for (uint32_t i = 0; i < rules.size(); ++i) {
    if (rules[i].id == key) {
      return i;
    }
  }
  for (uint32_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].name.empty() && rules[i].name == key) {
      return i;
    }
  }
  return std::nullopt;
}

// Compiles every correlation document against the loaded detection rules. `document.rule`
// of a correlation holds only its location; id, name and title are read from its node.
void LoadCorrelations(const std::vector<std::pair<std::string, SigmaDocument>>& documents,
                      std::map<std::string, SourceLocation>& ids,
                      std::map<std::string, SourceLocation>& names, LoadedRules& loaded,
                      Diagnostics& diagnostics) {
  const RuleLookup lookup = [&loaded](const std::string& key) {
    return FindRule(loaded.rules, key);
  };
  std::set<std::string> correlation_keys;  // ids and names: chaining is refused, not unknown
  for (const auto& [file, document] : documents) {
    if (document.kind == DocumentKind::kCorrelation) {
      correlation_keys.insert(ScalarAt(document.node, "id"));
      correlation_keys.insert(ScalarAt(document.node, "name"));
    }
  }
  correlation_keys.erase("");
  const CorrelationNameCheck is_correlation = [&correlation_keys](const std::string& key) {
    return correlation_keys.count(key) > 0;
  };
  for (const auto& [file, document] : documents) {
    if (document.kind != DocumentKind::kCorrelation || !document.loaded) {
      continue;
    }
    const size_t first = diagnostics.size();
    const bool unique =
        CheckUnique(document.rule, ScalarAt(document.node, "id"), "id", ids, diagnostics) &&
        CheckUnique(document.rule, ScalarAt(document.node, "name"), "name", names, diagnostics);
    std::optional<CorrelationRule> compiled =
        CompileCorrelation(document, file, lookup, is_correlation, diagnostics);
    diagnostics.SetRuleTitle(first, ScalarAt(document.node, "title"));
    if (unique && compiled.has_value()) {
      loaded.correlations.push_back(*std::move(compiled));
    }
  }
}

}  // namespace

LoadedRules LoadRules(const std::vector<std::string>& paths, const CompileOptions& options,
                      Diagnostics& diagnostics) {
  LoadedRules loaded;
  const std::vector<std::string> files = ListRuleFiles(paths, diagnostics);
  loaded.files = files.size();
  std::vector<std::pair<std::string, SigmaDocument>> documents;
  for (const std::string& file : files) {
    for (SigmaDocument& document : ParseRuleFile(file, diagnostics)) {
      documents.emplace_back(file, std::move(document));
    }
  }
  loaded.documents = documents.size();

  std::map<std::string, SourceLocation> ids;
  std::map<std::string, SourceLocation> names;
  std::vector<SourceLocation> locations;  // of each loaded rule, for index warnings
  std::vector<LoadedFilter> filters;
  for (const auto& [file, document] : documents) {
    if (document.kind == DocumentKind::kCorrelation || !document.loaded) {
      continue;  // correlations are compiled once the rules they reference are known
    }
    const size_t first = diagnostics.size();
    const bool unique = CheckUnique(document.rule, document.rule.id, "id", ids, diagnostics) &&
                        CheckUnique(document.rule, document.rule.name, "name", names, diagnostics);
    std::optional<CompiledRule> compiled = CompileRule(document.rule, file, options, diagnostics);
    if (document.kind == DocumentKind::kFilter && compiled.has_value()) {
      CheckFilterNegated(document, diagnostics);
    }
    diagnostics.SetRuleTitle(first, document.rule.title);
    if (!unique || !compiled.has_value()) {
      continue;
    }
    if (document.kind == DocumentKind::kFilter) {
      filters.push_back(LoadedFilter{&document, *std::move(compiled)});
    } else {
      loaded.rules.push_back(*std::move(compiled));
      locations.push_back(document.rule.location);
    }
  }
  for (const LoadedFilter& filter : filters) {
    ApplyFilter(filter, loaded.rules, diagnostics);
  }
  loaded.filters = filters.size();
  LoadCorrelations(documents, ids, names, loaded, diagnostics);
  // §13 `generate`: a rule raises alerts of its own unless every correlation referencing it
  // says `generate: false`.
  const std::vector<bool> silent = RulesWithoutOwnAlerts(loaded.correlations, loaded.rules.size());
  for (size_t i = 0; i < loaded.rules.size(); ++i) {
    loaded.rules[i].generates_alerts = !silent[i];
  }

  loaded.index = RuleIndex(loaded.rules);
  // Unindexed rules that need a `contains` list are gated by its needles instead.
  loaded.program = RuleProgram(loaded.rules, loaded.index.every_event());
  loaded.index.LeaveOut(loaded.program.gated_rules());
  for (uint32_t i = 0; i < loaded.rules.size(); ++i) {
    if (loaded.index.via(i) == RuleIndex::Via::kUnindexed) {
      Diagnostic warning{
          locations[i], Severity::kWarning, "unindexed-rule",
          "no field (eventName, eventSource or another) bounds this rule, so every record is "
          "evaluated against it; add one if you can",
          loaded.rules[i].title};
      diagnostics.Add(std::move(warning));
    }
  }
  return loaded;
}

void MatchRules(const LoadedRules& loaded, const event::Event& event, EvalScratch& scratch,
                std::vector<uint32_t>& matched) {
  matched.clear();
  loaded.index.Candidates(event, scratch.candidates, scratch.text, scratch.key);
  loaded.program.BeginEvent(scratch);
  loaded.program.AddGatedCandidates(event, scratch, scratch.candidates);
  for (const uint32_t rule : scratch.candidates) {
    if (loaded.program.Matches(loaded.rules, rule, event, scratch)) {
      matched.push_back(rule);
    }
  }
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
