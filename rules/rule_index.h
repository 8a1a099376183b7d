// rules/rule_index.h: which rules an event can possibly match, so an event visits only those
// rules (DESIGN.md "evaluate": dispatched by eventSource/eventName). A rule is indexed by a field
// when its condition cannot hold unless one of that field's candidates (SIGMA.md §6: every
// scalar reached, leaves of objects included) equals one of a set of texts or starts with one of
// a set of prefixes. eventName is preferred, then eventSource, then whichever other field the
// rule bounds with the fewest keys (`userIdentity.type: Root`, `userAgent: TruffleHog`). The
// analysis is conservative, and an event's keys are its candidates read exactly as evaluation
// reads them, so the index never hides a match; a rule no field bounds is evaluated for every
// event and lint says so (`unindexed-rule`). Immutable once built; Candidates is const and any
// number of threads may call it, each with its own buffers.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/event/event.h"
#include "pipeline/event/field_path.h"
#include "rules/compiled_rule.h"
#include "rules/folded_key.h"

namespace trailhound::rules {

// What must hold of one field for a rule to match: its (lower-cased) text is one of `exact` or
// starts with one of `prefixes`. `unbounded` means the analysis found no such set.
struct FieldKeys {
  bool unbounded = true;
  std::vector<std::string> exact;
  std::vector<std::string> prefixes;
};

// The analysis for one field path (`eventName`, `eventSource`) over a rule's condition.
FieldKeys AnalyzeRuleKeys(const CompiledRule& rule, std::string_view field);

class RuleIndex {
 public:
  RuleIndex() = default;
  // Indexes `rules` (by position). Rules that do not apply to CloudTrail are left out entirely:
  // they never match (SIGMA.md §3).
  explicit RuleIndex(const std::vector<CompiledRule>& rules);

  // The rules `event` may match, ascending, into `out` (cleared first). `text` and `lower` are
  // scratch.
  void Candidates(const event::Event& event, std::vector<uint32_t>& out, std::string& text,
                  std::string& lower) const;

  // How a rule was indexed, for lint and stats.
  enum class Via : uint8_t { kNotApplicable, kEventName, kEventSource, kOtherField, kUnindexed };
  Via via(uint32_t rule) const { return via_[rule]; }
  size_t unindexed_count() const { return unindexed_; }
  // The rules evaluated for every event, ascending.
  const std::vector<uint32_t>& every_event() const { return every_event_; }
  // Leaves `rules` (ascending, of every_event()) out of Candidates: the caller stands for them
  // (RuleProgram::AddGatedCandidates). via() still says kUnindexed.
  void LeaveOut(const std::vector<uint32_t>& rules);
  // The fields rules are keyed on, eventName and eventSource first.
  std::vector<std::string_view> keyed_fields() const;

 private:
  // Keys are lower-cased; a lookup may pass ASCII text as it is (rules/folded_key.h).
  using Lists =
      std::unordered_map<std::string, std::vector<uint32_t>, AsciiFoldedHash, AsciiFoldedEqual>;
  // The rules keyed on one field: by whole text, and by prefix grouped by prefix length.
  struct FieldTable {
    Lists exact;
    std::vector<std::pair<size_t, Lists>> prefixes;  // (length, prefix → rules)
    size_t longest_key = 0;                          // bytes of the longest exact or prefix key
    // A bit per (length, first byte, last byte) of the keys (KeyFilterBit): most texts are no
    // key, and these refuse them without hashing the text.
    std::bitset<4096> exact_filter;
    std::bitset<4096> prefix_filter;
    void Add(const FieldKeys& keys, uint32_t rule);
    // Appends the rules of every list `lowered` selects to `out`; returns how many lists.
    // `whole`: `lowered` is the whole text (else a prefix of it, long enough for every prefix
    // key, and the text is longer than every exact key).
    int Collect(std::string_view lowered, bool whole, std::vector<uint32_t>& out) const;
  };

  struct KeyedField {
    event::FieldPath path;
    FieldTable table;
  };
  KeyedField& FieldFor(std::string_view path);
  // True when some one-key field is not settled by decode (Event::LookUpHot) and must be found
  // by scanning the record.
  bool NeedsScan(const event::Event& event) const;

  static constexpr size_t kMaxScanned = 16;
  std::vector<KeyedField> fields_;     // eventName, eventSource, other one-key paths, then dotted
  size_t scanned_ = 0;                 // fields_[0, scanned_) are one-key paths found by one scan
  std::vector<uint32_t> every_event_;  // unindexed rules, evaluated for every event
  size_t unindexed_ = 0;               // every_event_'s size before LeaveOut
  std::vector<Via> via_;
};

}  // namespace trailhound::rules
