// rules/rule_set.h: loading every rule under a set of paths the way the daemon, replay and lint
// all do: list files, parse, compile, apply filters, index, and refuse duplicate ids and names
// across files. A rule with an error is left out and reported; the others load (SIGMA.md §1).
#pragma once

#include <string>
#include <vector>

#include "rules/compiled_rule.h"
#include "rules/correlation.h"
#include "rules/diagnostics.h"
#include "rules/rule_index.h"
#include "rules/rule_program.h"

namespace trailhound::rules {

struct LoadedRules {
  std::vector<CompiledRule> rules;  // the detection rules that compiled without error
  RuleIndex index;                  // over `rules`
  RuleProgram program;              // over `rules`: what MatchRules evaluates
  // The correlation rules that compiled without error; they refer to `rules` by index.
  std::vector<CorrelationRule> correlations;
  size_t files = 0;
  size_t documents = 0;
  size_t filters = 0;  // filter documents loaded
};

// Loads, filters and indexes; warns `unindexed-rule` for each rule every event must visit.
// Correlations are compiled after every detection rule (and filter), so they may reference a
// rule in any file; ids and names are unique across rules and correlations together. A rule
// every referencing correlation marks `generate: false` gets generates_alerts = false.
LoadedRules LoadRules(const std::vector<std::string>& paths, const CompileOptions& options,
                      Diagnostics& diagnostics);

// The indices of the rules `event` matches, ascending, into `matched` (cleared first). Only the
// rules the index picks are evaluated. Allocates nothing once `scratch` and `matched` are warm.
void MatchRules(const LoadedRules& loaded, const event::Event& event, EvalScratch& scratch,
                std::vector<uint32_t>& matched);

// Reads `name: [values]` placeholders (sigma.placeholders) from a YAML file; false with a
// diagnostic when the file is unusable.
bool LoadPlaceholders(const std::string& path, Placeholders& out, Diagnostics& diagnostics);

}  // namespace trailhound::rules
