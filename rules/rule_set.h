// rules/rule_set.h: loading every rule under a set of paths the way the daemon, replay and lint
// all do: list files, parse, compile, and refuse duplicate ids and names across files. A rule
// with an error is left out and reported; the others load (SIGMA.md §1).
#pragma once

#include <string>
#include <vector>

#include "rules/compiled_rule.h"
#include "rules/diagnostics.h"

namespace trailhound::rules {

struct LoadedRules {
  std::vector<CompiledRule> rules;  // the detection rules that compiled without error
  size_t files = 0;
  size_t documents = 0;
};

LoadedRules LoadRules(const std::vector<std::string>& paths, const CompileOptions& options,
                      Diagnostics& diagnostics);

// Reads `name: [values]` placeholders (sigma.placeholders) from a YAML file; false with a
// diagnostic when the file is unusable.
bool LoadPlaceholders(const std::string& path, Placeholders& out, Diagnostics& diagnostics);

}  // namespace trailhound::rules
