// bench/rule_generator.h: deterministic Sigma rules of realistic shape for bench_rules, written
// as YAML files so they go through the same LoadRules path as real rule packs. Names come from
// the trail being measured (uniformly over its distinct eventNames, as rules are written per API
// call, not per volume) and from many plausible names the trail never holds, as most of a real
// pack covers calls absent from any one trail. Single-threaded; nothing is shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trailhound::bench {

// One eventSource and eventName seen together in the trail.
struct TrailName {
  std::string source;
  std::string name;
  bool operator<(const TrailName& other) const {
    return source != other.source ? source < other.source : name < other.name;
  }
  bool operator==(const TrailName& other) const = default;
};

// The shape mix, in percent of rules; the rest are plain eventSource + eventName (1-4) rules.
struct GeneratorMix {
  int real_name_percent = 20;       // of eventName values: a name the trail holds (SigmaHQ: 23%)
  int long_list_percent = 15;       // eventName list of 5-50 values
  int startswith_percent = 8;       // eventName|startswith a verb+noun prefix, plus a contains
  int contains_percent = 15;        // requestParameters/responseElements contains, 5-50 values
  int user_agent_percent = 10;      // userAgent|contains 5-50 tool names
  int regex_percent = 10;           // userIdentity.arn|re
  int source_only_percent = 2;      // eventSource without eventName: indexed by eventSource
  int unindexed_percent = 2;        // neither: every event visits the rule
  int filter_percent = 40;          // of the above: `selection and not filter`
  int two_selections_percent = 10;  // of plain rules: `1 of selection_*`
};

// The text of generated rule `index` (one YAML document). Equal inputs give equal text.
// REQUIRES: `trail` is non-empty and sorted.
std::string GenerateRule(size_t index, const std::vector<TrailName>& trail, const GeneratorMix& mix,
                         uint64_t seed);

// Writes rules [0, count) under `dir`, one file each; false when a file cannot be written.
bool WriteGeneratedRules(const std::string& dir, size_t count, const std::vector<TrailName>& trail,
                         const GeneratorMix& mix, uint64_t seed);

}  // namespace trailhound::bench
