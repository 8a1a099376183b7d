// rules/rule_program.h: a loaded rule set laid out for evaluating many rules against one event.
// Every rule's condition and selections become a few words in one flat array, and its items
// become ids into a table of distinct items: an item written alike in many rules (the same
// `eventSource`, a filter copied into every rule it applies to, a shared regex) is one id, so
// each distinct item is evaluated at most once per event, however many candidate rules name it.
// An item that is a case-insensitive list of whole values over a field decode settles
// (`eventName: [...]`, `eventSource: x`) is answered by one dictionary lookup of the event's
// text per field, instead of one set lookup per rule. Items that are case-insensitive `contains`
// lists over a hot field are answered together by one multi-needle search of the field's folded
// text per event (NeedleSearch); a rule the index leaves to every event but whose condition
// needs such an item is gated by it: it is a candidate only when one of that item's needles is
// in the event (or decode did not settle the field). Immutable once built; Matches is const and
// any number of threads may call it, each with its own EvalScratch.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/compiled_rule.h"
#include "rules/needle_search.h"

namespace trailhound::rules {

class RuleProgram {
 public:
  RuleProgram() = default;
  // Lays out `rules` (by position). Keeps positions, not pointers, into `rules`.
  explicit RuleProgram(const std::vector<CompiledRule>& rules);
  // The same, and gates those of `every_event` (rules the index cannot bound, ascending) whose
  // condition needs a `contains` item of a needle table: see gated_rules().
  RuleProgram(const std::vector<CompiledRule>& rules, std::span<const uint32_t> every_event);

  // Prepares `scratch` for a new event: forgets every item verdict. Call before Matches for
  // each event.
  void BeginEvent(EvalScratch& scratch) const;
  // RuleMatches(rules[rule], event) for the event of the last BeginEvent, sharing item verdicts
  // with every other rule evaluated for that event.
  // REQUIRES: `rules` is the vector this program was built from, unchanged.
  bool Matches(const std::vector<CompiledRule>& rules, uint32_t rule, const event::Event& event,
               EvalScratch& scratch) const;
  // Adds to `candidates` (ascending, kept so) the gated rules the event of the last BeginEvent
  // may match: those whose gate item is true, and every rule gated on a field decode did not
  // settle. Runs those fields' needle searches, whose verdicts Matches then reuses.
  void AddGatedCandidates(const event::Event& event, EvalScratch& scratch,
                          std::vector<uint32_t>& candidates) const;
  // The rules of `every_event` that AddGatedCandidates stands for, ascending: leave them out of
  // the rules evaluated for every event.
  const std::vector<uint32_t>& gated_rules() const { return gated_rules_; }

  size_t distinct_items() const { return items_.size(); }

 private:
  // Where a distinct item's first occurrence lives in the rules.
  struct ItemRef {
    uint32_t rule = 0;
    uint32_t selection = 0;
    uint32_t alternative = 0;
    uint32_t item = 0;
    const CompiledItem* compiled = nullptr;  // that item, while the rules vector has not moved
    // The whole-value dictionary (in dictionaries_) that answers the item, or kNoDictionary.
    uint32_t dictionary = kNoDictionary;
  };
  static constexpr uint32_t kNoDictionary = 0xFFFFFFFF;
  // Texts (lower-cased) → the dictionary items holding that whole value, for one hot field; or
  // (`contains`) the needles of the field's contains-only items, searched in one pass.
  struct Dictionary {
    event::HotField field = event::HotField::kNone;
    std::unordered_map<std::string, std::vector<uint32_t>, TextHash, std::equal_to<>> items;
    size_t longest = 0;  // bytes of the longest text
    bool contains = false;
    NeedleSearch needles;                             // contains
    std::vector<std::vector<uint32_t>> needle_items;  // contains: per needle, the items it ends
    std::vector<uint32_t> gated;                      // rules gated by its items, ascending
  };

  uint32_t InternItem(const std::vector<CompiledRule>& rules, const ItemRef& ref,
                      std::unordered_map<std::string, uint32_t>& ids);
  // Looks the event's text of dictionaries_[index] up once per event, marking the items it
  // names true; false when decode did not settle the field (its items walk the record).
  bool LookUp(uint32_t index, const event::Event& event, EvalScratch& scratch) const;
  // Marks true the items of dictionaries_[index] (contains) whose needles `text`, folded, holds.
  void SearchNeedles(uint32_t index, std::string_view text, EvalScratch& scratch) const;
  // Puts the whole-value items in the dictionaries of their fields (see DictionaryField).
  void BuildDictionaries();
  // Puts the contains-only items in the needle tables of their fields (see ContainsField).
  void BuildNeedleTables();
  // Picks each rule's gate (gates_).
  void ChooseGates(const std::vector<CompiledRule>& rules);
  // Gates the rules of `every_event` that need an item of a needle table.
  void GateRules(std::span<const uint32_t> every_event);
  // Items that must be true for the condition below `node` to hold, appended to `out`.
  void NecessaryItems(uint32_t start, uint32_t node, std::vector<uint32_t>& out) const;
  bool NodeMatches(const std::vector<CompiledRule>& rules, uint32_t start, uint32_t node,
                   const event::Event& event, EvalScratch& scratch) const;
  bool ItemVerdict(const std::vector<CompiledRule>& rules, uint32_t id, const event::Event& event,
                   EvalScratch& scratch) const;

  // Per rule, from words_[starts_[rule]]: the node count N, then N nodes of two words each
  // (kind | count << 2, then `first`: a child node index, or for a selection the offset of its
  // block from the rule's start, kNoSelection when the condition names none). A selection block
  // is its alternative count, then per alternative its item count and item ids.
  std::vector<uint32_t> words_;
  std::vector<uint32_t> starts_;
  // Per rule, an item its condition cannot hold without (see NecessaryItems), tried before the
  // condition; 0xFFFFFFFF for none.
  std::vector<uint32_t> gates_;
  std::vector<ItemRef> items_;
  std::vector<Dictionary> dictionaries_;
  // Rules gated per item: gated_[gate_starts_[id], gate_starts_[id + 1]) (empty when none gate).
  std::vector<uint32_t> gate_starts_;
  std::vector<uint32_t> gated_;
  std::vector<uint32_t> gated_rules_;
  uint64_t gating_dictionaries_ = 0;         // bit per dictionary whose items gate rules
  const CompiledRule* built_for_ = nullptr;  // rules.data() of the vector laid out
  uint64_t id_ = 0;  // unique per program built (copies share it: they answer alike)
};

}  // namespace trailhound::rules
