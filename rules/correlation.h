// rules/correlation.h: Sigma correlation rules (SIGMA.md §13): `event_count`, `value_count`,
// `temporal`, `temporal_ordered` over detection rules, grouped by fields, windowed by event
// time with a watermark. CompileCorrelation turns a `correlation:` document into an immutable
// CorrelationRule; a CorrelationEngine holds the windows of every rule for one stream (one
// thread, one Kafka partition) and is not thread-safe. State is bounded by CorrelationOptions;
// every drop (late, no time, eviction) is counted in CorrelationStats.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pipeline/event/event.h"
#include "pipeline/event/field_path.h"
#include "rules/diagnostics.h"
#include "rules/sigma_rule.h"

namespace trailhound::rules {

enum class CorrelationType : uint8_t { kEventCount, kValueCount, kTemporal, kTemporalOrdered };

std::string_view CorrelationTypeName(CorrelationType type);  // `event_count`, ...

// One `group-by` entry: a field, or an alias resolved per referenced rule.
struct GroupByField {
  std::string name;                     // as written (the key in the alert's `group`)
  std::vector<event::FieldPath> paths;  // one per entry of CorrelationRule::rules
};

struct CorrelationRule : RuleMetadata {
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<uint32_t> rules;  // referenced detection rules, indices into LoadedRules::rules,
                                // in the order listed (temporal_ordered uses it)
  std::vector<GroupByField> group_by;
  event::FieldPath value_field;  // value_count's `field`
  std::string value_field_name;
  int64_t timespan_ns = 0;
  // The condition: an optional lower bound (gt/gte) and an optional upper bound (lt/lte/eq/neq).
  std::optional<int64_t> gt, gte, lt, lte, eq, neq;
  bool generate = false;
  SourceLocation location;  // of the document

  // True when the condition has an upper bound (lt, lte, eq, neq): checked when the window
  // closes, not when a record arrives (SIGMA.md §13).
  bool upper_bound() const {
    return lt.has_value() || lte.has_value() || eq.has_value() || neq.has_value();
  }
  // True when `count` meets every bound of the condition.
  bool ConditionHolds(int64_t count) const;
};

// Finds a detection rule by id first, then by name; nullopt when unknown.
using RuleLookup = std::function<std::optional<uint32_t>(const std::string& id_or_name)>;
// True when `id_or_name` names a correlation document (chaining is `unsupported-correlation`).
using CorrelationNameCheck = std::function<bool(const std::string& id_or_name)>;

// Compiles a `correlation:` document. Reports every problem (codes `correlation-syntax`,
// `unknown-rule-reference`, `unsupported-correlation`, `missing-key`, `correlation-no-group-by`
// ...); nullopt when any is an error.
std::optional<CorrelationRule> CompileCorrelation(const SigmaDocument& document,
                                                  const std::string& file, const RuleLookup& lookup,
                                                  Diagnostics& diagnostics);
// The same, telling a reference to another correlation (`unsupported-correlation`) from an
// unknown one (`unknown-rule-reference`).
std::optional<CorrelationRule> CompileCorrelation(const SigmaDocument& document,
                                                  const std::string& file, const RuleLookup& lookup,
                                                  const CorrelationNameCheck& is_correlation,
                                                  Diagnostics& diagnostics);

// Which detection rules raise no alerts of their own (`generate: false`, SIGMA.md §13): those
// referenced by some correlation and by none with `generate: true`. Indexed like
// LoadedRules::rules; `rule_count` is its size.
std::vector<bool> RulesWithoutOwnAlerts(const std::vector<CorrelationRule>& correlations,
                                        size_t rule_count);

struct CorrelationOptions {
  int64_t allowed_lateness_ns = int64_t{15} * 60 * 1'000'000'000;  // correlation.allowed_lateness
  size_t max_groups_per_rule = 100'000;  // least recently updated group evicted beyond this
  size_t max_events_per_group = 10'000;  // oldest record of the group dropped beyond this
};

struct CorrelationAlert {
  const CorrelationRule* rule = nullptr;
  std::vector<std::pair<std::string, std::optional<std::string>>> group;  // field → value (null)
  std::string group_json;      // canonical JSON of `group` (sorted keys), for the alert id
  std::string event_id;        // the record that completed the condition (or window's last)
  std::string first_event_id;  // first record in the window (alert id key)
  std::string account;         // recipientAccountId of event_id's record
  int64_t first_time_ns = 0;
  int64_t last_time_ns = 0;
  uint64_t count = 0;                  // records (event_count, temporal*) or distinct values
  std::vector<std::string> event_ids;  // records that formed it, oldest first (all of them)
};

struct CorrelationStats {
  uint64_t events_without_time = 0;  // skipped by correlations (detection rules still ran)
  uint64_t late_events = 0;          // older than the watermark: not added
  uint64_t evicted_groups = 0;
  uint64_t evicted_events = 0;
  uint64_t open_groups = 0;  // gauge: groups holding records now
};

class CorrelationEngine {
 public:
  // REQUIRES: `rules` outlives the engine. Not copyable or movable: the state refers to the
  // options and counters held here.
  CorrelationEngine(const std::vector<CorrelationRule>& rules, CorrelationOptions options);
  CorrelationEngine(const CorrelationEngine&) = delete;
  CorrelationEngine& operator=(const CorrelationEngine&) = delete;

  // Feeds one record with the (ascending) indices of the detection rules it matched. Appends
  // the alerts it completes, and those of upper-bound windows the new watermark closes.
  void Observe(const event::Event& event, std::span<const uint32_t> matched,
               std::vector<CorrelationAlert>& out);
  // End of input (replay, `rules test`): closes every open window as if the watermark had
  // passed it, appending the alerts due.
  void Flush(std::vector<CorrelationAlert>& out);

  const CorrelationStats& stats() const { return stats_; }
  // The newest event time seen minus the allowed lateness; nullopt before the first timed record.
  std::optional<int64_t> watermark_ns() const;

 private:
  struct State;
  const std::vector<CorrelationRule>& rules_;
  CorrelationOptions options_;
  CorrelationStats stats_;
  std::shared_ptr<State> state_;
};

}  // namespace trailhound::rules
