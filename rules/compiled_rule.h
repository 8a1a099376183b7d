// rules/compiled_rule.h: a Sigma detection rule compiled for evaluation: every value prepared
// at load (lower-cased patterns, RE2 programs, parsed networks), field paths resolved, the
// condition a small tree. Immutable once built; any thread may evaluate it with its own
// EvalScratch.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "pipeline/event/event.h"
#include "pipeline/event/field_path.h"
#include "rules/condition_parser.h"
#include "rules/match_string.h"
#include "rules/match_value.h"
#include "rules/modifier_chain.h"
#include "rules/sigma_rule.h"

namespace trailhound::rules {

// One value of an item with the alternatives it stands for (its expansions are OR-ed).
struct CompiledValue {
  enum class Kind : uint8_t { kNull, kNumber, kBool, kStrings, kRegex, kCidr, kCompare, kTime };
  Kind kind = Kind::kNull;
  double number = 0;                    // kNumber, kCompare
  std::string number_text;              // kNumber: the decimal text a JSON string must equal
  bool boolean = false;                 // kBool
  int time_value = 0;                   // kTime
  std::vector<StringPattern> patterns;  // kStrings
  std::vector<RegexMatcher> regexes;    // kRegex (one)
  std::vector<CidrMatcher> networks;    // kCidr (one)
};

// One `field|modifiers: values` (or keyword search) of a selection.
// Hashes text for lookups by std::string_view in sets and maps keyed by std::string.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct CompiledItem {
  event::FieldPath path;
  bool keyword = false;
  ModifierPlan plan;
  std::vector<CompiledValue> values;  // OR-ed, or AND-ed when plan.all
  event::FieldPath reference;         // fieldref target
  bool exists = false;                // exists value
  // Derived from the above once compiled (FinishItem in compile_rule.cc):
  bool string_or = false;      // not `all`, every value a string value: candidates tried once
  bool many_contains = false;  // enough case-insensitive `contains` patterns for a pair prefilter
  // For a string_or item with many whole-text patterns (a list of names): their literals
  // (folded unless cased), answered by one lookup instead of one compare per pattern; the
  // kEqual patterns are then skipped when the values are tried.
  std::unordered_set<std::string, TextHash, std::equal_to<>> whole_texts;
};

struct CompiledSelection {
  std::string name;
  std::vector<std::vector<CompiledItem>> alternatives;  // OR of ANDs
};

struct CompiledRule : RuleMetadata {
  Logsource logsource;
  bool applies = false;  // logsource is CloudTrail (§3)
  // False when every correlation referencing the rule has `generate: false` (§13): its matches
  // feed the correlations but raise no alerts of their own.
  bool generates_alerts = true;
  std::vector<std::string> filters;  // ids of the filter documents applied to it (§12)
  std::vector<CompiledSelection> selections;
  Condition condition;
};

struct CompileOptions {
  Placeholders placeholders;  // sigma.placeholders for `expand`
};

// Compiles one parsed detection rule. Reports every problem it finds; nullopt when any is an
// error (the rule is left out, the others load).
std::optional<CompiledRule> CompileRule(const SigmaRule& rule, const std::string& file,
                                        const CompileOptions& options, Diagnostics& diagnostics);

// Scratch buffers one evaluating thread reuses, so evaluation allocates nothing per event.
struct EvalScratch {
  std::vector<uint32_t> candidates;  // rules the index picked for the event
  std::string key;                   // the event's eventName/eventSource lower-cased
  std::string text;
  std::string lower;
  std::string other_text;
  std::string other_lower;

  // Forgets what was kept of the previous event. RuleMatches and MatchRules call it.
  void BeginEvent() { hot_pairs_built = 0; }
  // BytePairSet::Of(hot_text) for the current event's hot field `field`, built on
  // first use. REQUIRES: BeginEvent since the event changed; `hot_text` is that field's text.
  const BytePairSet& HotPairs(event::HotField field, std::string_view hot_text) {
    const uint32_t bit = 1u << static_cast<uint32_t>(field);
    BytePairSet& pairs = hot_pairs[static_cast<size_t>(field)];
    if ((hot_pairs_built & bit) == 0) {
      pairs = BytePairSet::Of(hot_text);
      hot_pairs_built |= bit;
    }
    return pairs;
  }
  std::array<BytePairSet, event::kHotFieldCount> hot_pairs;
  uint32_t hot_pairs_built = 0;  // bit per HotField

  // RuleProgram's item verdicts for the current event: memo_epoch << 1 | verdict, per item id;
  // an entry from an earlier epoch is unknown.
  std::vector<uint32_t> item_memo;
  uint32_t memo_epoch = 0;
  uint64_t dictionaries_looked_up = 0;  // bit per RuleProgram dictionary, this event
  uint64_t dictionaries_settled = 0;    // of those, the ones whose lookup decided their items
  std::vector<uint32_t> gate_hits;      // gating items a needle search found true, this event
  // RuleProgram's recent needle searches: the program (its id, 0 for none) and table searched,
  // the text, and the items the search marked true.
  struct NeedleMemo {
    uint64_t program = 0;
    uint32_t table = 0;
    std::string text;
    std::vector<uint32_t> items;
  };
  std::vector<NeedleMemo> needle_memo;
};

// True when the rule's condition holds for the event (SIGMA.md §6-§10).
bool RuleMatches(const CompiledRule& rule, const event::Event& event, EvalScratch& scratch);
// RuleMatches for the event `scratch` last began (BeginEvent), keeping what it learnt of the
// event for the next rule: MatchRules calls it for each candidate.
bool RuleMatchesSameEvent(const CompiledRule& rule, const event::Event& event,
                          EvalScratch& scratch);
// One item of a selection against the event `scratch` last began (RuleProgram evaluates each
// distinct item once per event through this).
bool CompiledItemMatches(const CompiledItem& item, const event::Event& event, EvalScratch& scratch);

}  // namespace trailhound::rules
