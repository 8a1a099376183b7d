// rules/rule_index.cc: the eventName/eventSource analysis of a rule's condition and the lookup
// tables built from it.
#include "rules/rule_index.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace trailhound::rules {
namespace {

using simdjson::dom::element;

FieldKeys Unbounded() {
  return FieldKeys{};
}

size_t KeyCount(const FieldKeys& keys) {
  return keys.exact.size() + keys.prefixes.size();
}

// AND: either side's bound holds; keep the tighter one.
FieldKeys Both(FieldKeys a, FieldKeys b) {
  if (a.unbounded) {
    return b;
  }
  if (b.unbounded) {
    return a;
  }
  return KeyCount(b) < KeyCount(a) ? b : a;
}

// OR: bounded only when every side is, by the union.
void Either(FieldKeys& into, FieldKeys other) {
  if (into.unbounded || other.unbounded) {
    into = Unbounded();
    return;
  }
  for (std::string& key : other.exact) {
    into.exact.push_back(std::move(key));
  }
  for (std::string& key : other.prefixes) {
    into.prefixes.push_back(std::move(key));
  }
}

std::string Lowered(std::string_view text) {
  std::string lower;
  AppendLowerCase(text, lower);
  return lower;
}

// The keys one string pattern allows: its whole text, or the literal before its first wildcard.
FieldKeys PatternKeys(const StringPattern& pattern) {
  FieldKeys keys;
  keys.unbounded = false;
  switch (pattern.kind()) {
    case StringPattern::Kind::kEqual:
      keys.exact.push_back(Lowered(pattern.literal()));
      return keys;
    case StringPattern::Kind::kStartsWith:
      keys.prefixes.push_back(Lowered(pattern.literal()));
      return keys;
    case StringPattern::Kind::kGlob: {
      const StringPattern::GlobToken& first = pattern.glob().front();
      if (first.op == StringPattern::GlobToken::Op::kLiteral && first.size > 0) {
        keys.prefixes.push_back(Lowered(pattern.literal().substr(first.offset, first.size)));
        return keys;
      }
      return Unbounded();
    }
    default:
      return Unbounded();  // `*`, `*x`, `*x*`: no prefix to look up
  }
}

FieldKeys ValueKeys(const CompiledValue& value) {
  if (value.kind != CompiledValue::Kind::kStrings || value.patterns.empty()) {
    return Unbounded();  // null (matches a missing field), numbers, booleans, regexes...
  }
  FieldKeys keys;
  keys.unbounded = false;
  for (const StringPattern& pattern : value.patterns) {
    Either(keys, PatternKeys(pattern));
  }
  return keys;
}

FieldKeys ItemKeys(const CompiledItem& item, std::string_view field) {
  if (item.keyword || item.path.text() != field || item.plan.neq ||
      item.plan.kind != ModifierPlan::Kind::kString || item.values.empty()) {
    return Unbounded();
  }
  if (item.plan.all) {  // every value must match: any one of them bounds the field
    FieldKeys keys;
    for (const CompiledValue& value : item.values) {
      keys = Both(std::move(keys), ValueKeys(value));
    }
    return keys;
  }
  FieldKeys keys;
  keys.unbounded = false;
  for (const CompiledValue& value : item.values) {
    Either(keys, ValueKeys(value));
  }
  return keys;
}

FieldKeys SelectionKeys(const CompiledSelection& selection, std::string_view field) {
  FieldKeys keys;
  keys.unbounded = selection.alternatives.empty();
  for (const std::vector<CompiledItem>& items : selection.alternatives) {
    FieldKeys alternative;
    for (const CompiledItem& item : items) {
      alternative = Both(std::move(alternative), ItemKeys(item, field));
    }
    Either(keys, std::move(alternative));
  }
  return keys;
}

FieldKeys NodeKeys(const CompiledRule& rule, uint32_t index, std::string_view field) {
  const ConditionNode& node = rule.condition.nodes()[index];
  switch (node.kind) {
    case ConditionNode::Kind::kSelection:
      return node.first < rule.selections.size() ? SelectionKeys(rule.selections[node.first], field)
                                                 : Unbounded();
    case ConditionNode::Kind::kNot:
      return Unbounded();  // `not x` holds for events x rejects, whatever their name
    case ConditionNode::Kind::kAnd: {
      FieldKeys keys;
      for (uint32_t child = node.first; child < node.first + node.count; ++child) {
        keys = Both(std::move(keys), NodeKeys(rule, child, field));
      }
      return keys;
    }
    case ConditionNode::Kind::kOr: {
      FieldKeys keys;
      keys.unbounded = false;
      for (uint32_t child = node.first; child < node.first + node.count && !keys.unbounded;
           ++child) {
        Either(keys, NodeKeys(rule, child, field));
      }
      return keys;
    }
  }
  return Unbounded();
}

void Dedupe(std::vector<std::string>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

// What of `text` a lookup uses: all of it, or (long ASCII text, such as a user agent) its first
// `limit` bytes, enough for every prefix key; `whole` says which. A text cut there is longer than
// every whole-text key, so it can only match by prefix: `limit` ASCII bytes were seen and more
// follow, and each further code point lower-cases to at least one byte. ASCII text is returned
// as it is (the tables fold A-Z as they hash and compare); other text is lower-cased whole into
// `out` by the Unicode mapping (§7).
std::string_view LookupText(std::string_view text, size_t limit, std::string& out, bool& whole) {
  const std::string_view seen = text.substr(0, limit == text.npos ? limit : limit + 1);
  if (!IsAsciiWords(seen)) {
    out.clear();
    AppendLowerCase(text, out);
    whole = true;
    return out;
  }
  whole = text.size() <= limit;
  return text.substr(0, limit);
}

// The distinct field paths a rule's items name, in order of appearance.
std::vector<std::string_view> FieldsOf(const CompiledRule& rule) {
  std::vector<std::string_view> fields;
  for (const CompiledSelection& selection : rule.selections) {
    for (const std::vector<CompiledItem>& items : selection.alternatives) {
      for (const CompiledItem& item : items) {
        const std::string_view path = item.path.text();
        if (!item.keyword && std::find(fields.begin(), fields.end(), path) == fields.end()) {
          fields.push_back(path);
        }
      }
    }
  }
  return fields;
}

// Sorts `out`, a concatenation of ascending lists, and drops repeats. A few lists are merged
// run by run through the vector's own tail (no allocation once it has grown); the sort this
// replaces was 3% of the 10,000-rule bench.
void MergeRuns(std::vector<uint32_t>& out) {
  constexpr size_t kMaxRuns = 8;
  const size_t n = out.size();
  std::array<size_t, kMaxRuns + 1> ends{};
  size_t runs = 0;
  for (size_t i = 1; i < n && runs <= kMaxRuns; ++i) {
    if (out[i] <= out[i - 1]) {
      ends[runs++] = i;
    }
  }
  if (runs > kMaxRuns) {
    std::sort(out.begin(), out.end());
  } else if (runs > 0) {
    ends[runs++] = n;
    out.resize(2 * n);
    for (size_t r = 1; r < runs; ++r) {
      const auto merged = std::merge(out.begin(), out.begin() + static_cast<ptrdiff_t>(ends[r - 1]),
                                     out.begin() + static_cast<ptrdiff_t>(ends[r - 1]),
                                     out.begin() + static_cast<ptrdiff_t>(ends[r]),
                                     out.begin() + static_cast<ptrdiff_t>(n));
      std::copy(out.begin() + static_cast<ptrdiff_t>(n), merged, out.begin());
    }
    out.resize(n);
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace

FieldKeys AnalyzeRuleKeys(const CompiledRule& rule, std::string_view field) {
  if (rule.condition.empty()) {
    return Unbounded();
  }
  FieldKeys keys = NodeKeys(rule, 0, field);
  Dedupe(keys.exact);
  Dedupe(keys.prefixes);
  return keys;
}

void RuleIndex::FieldTable::Add(const FieldKeys& keys, uint32_t rule) {
  for (const std::string& key : keys.exact) {
    exact_filter.set(KeyFilterBit(key));
    exact[key].push_back(rule);
    longest_key = std::max(longest_key, key.size());
  }
  for (const std::string& key : keys.prefixes) {
    longest_key = std::max(longest_key, key.size());
    auto bucket = std::find_if(prefixes.begin(), prefixes.end(),
                               [&](const auto& entry) { return entry.first == key.size(); });
    if (bucket == prefixes.end()) {
      prefixes.emplace_back(key.size(), Lists{});
      bucket = prefixes.end() - 1;
    }
    prefix_filter.set(KeyFilterBit(key));
    bucket->second[key].push_back(rule);
  }
}

int RuleIndex::FieldTable::Collect(std::string_view lowered, bool whole,
                                   std::vector<uint32_t>& out) const {
  int lists = 0;
  const bool may_be_key = whole && exact_filter.test(KeyFilterBit(lowered));
  if (const auto it = may_be_key ? exact.find(lowered) : exact.end(); it != exact.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
    ++lists;
  }
  for (const auto& [length, table] : prefixes) {
    if (length <= lowered.size() && prefix_filter.test(KeyFilterBit(lowered.substr(0, length)))) {
      if (const auto it = table.find(lowered.substr(0, length)); it != table.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        ++lists;
      }
    }
  }
  return lists;
}

RuleIndex::KeyedField& RuleIndex::FieldFor(std::string_view path) {
  for (KeyedField& field : fields_) {
    if (field.path.text() == path) {
      return field;
    }
  }
  fields_.push_back(KeyedField{event::FieldPath::Compile(path), {}});
  return fields_.back();
}

RuleIndex::RuleIndex(const std::vector<CompiledRule>& rules) : via_(rules.size()) {
  FieldFor("eventName");
  FieldFor("eventSource");
  for (uint32_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].applies) {
      via_[i] = Via::kNotApplicable;
      continue;
    }
    if (const FieldKeys name = AnalyzeRuleKeys(rules[i], "eventName"); !name.unbounded) {
      fields_[0].table.Add(name, i);
      via_[i] = Via::kEventName;
      continue;
    }
    if (const FieldKeys source = AnalyzeRuleKeys(rules[i], "eventSource"); !source.unbounded) {
      fields_[1].table.Add(source, i);
      via_[i] = Via::kEventSource;
      continue;
    }
    // Any other field that bounds the rule; the fewest keys is the likeliest to be selective.
    std::string_view best_field;
    FieldKeys best;
    for (const std::string_view field : FieldsOf(rules[i])) {
      FieldKeys keys = AnalyzeRuleKeys(rules[i], field);
      if (!keys.unbounded && (best.unbounded || KeyCount(keys) < KeyCount(best))) {
        best = std::move(keys);
        best_field = field;
      }
    }
    if (!best.unbounded) {
      FieldFor(best_field).table.Add(best, i);
      via_[i] = Via::kOtherField;
      continue;
    }
    every_event_.push_back(i);
    ++unindexed_;
    via_[i] = Via::kUnindexed;
  }
  // One-key paths first (eventName and eventSource stay at the front): Candidates finds them in
  // one scan of the record.
  std::stable_partition(fields_.begin(), fields_.end(),
                        [](const KeyedField& field) { return field.path.size() == 1; });
  while (scanned_ < fields_.size() && scanned_ < kMaxScanned &&
         fields_[scanned_].path.size() == 1) {
    ++scanned_;
  }
  // Prefix lengths are probed for every event; shortest first keeps the probe order stable.
  for (KeyedField& field : fields_) {
    std::sort(field.table.prefixes.begin(), field.table.prefixes.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
}

bool RuleIndex::NeedsScan(const event::Event& event) const {
  for (size_t j = 0; j < scanned_; ++j) {
    const event::HotField hot = fields_[j].path.hot_field();
    if (hot == event::HotField::kNone ||
        event.LookUpHot(hot) == event::Event::HotLookup::kUnknown) {
      return true;
    }
  }
  return false;
}

std::vector<std::string_view> RuleIndex::keyed_fields() const {
  std::vector<std::string_view> out;
  for (const KeyedField& field : fields_) {
    out.push_back(field.path.text());
  }
  return out;
}

void RuleIndex::LeaveOut(const std::vector<uint32_t>& rules) {
  std::vector<uint32_t> kept;
  std::set_difference(every_event_.begin(), every_event_.end(), rules.begin(), rules.end(),
                      std::back_inserter(kept));
  every_event_ = std::move(kept);
}

void RuleIndex::Candidates(const event::Event& event, std::vector<uint32_t>& out, std::string& text,
                           std::string& lower) const {
  out.clear();
  // Each list is ascending; several are merged into one ascending list without repeats.
  out.insert(out.end(), every_event_.begin(), every_event_.end());
  int lists = every_event_.empty() ? 0 : 1;
  // The one-key fields (eventName, eventSource, userAgent...) come first in fields_: one scan of
  // the record's keys finds them all, the first of duplicate keys winning as in a §6 lookup.
  std::array<element, kMaxScanned> found;
  std::array<bool, kMaxScanned> have{};
  simdjson::dom::object root;
  const bool scan =
      scanned_ > 0 && NeedsScan(event) && event.record().get(root) == simdjson::SUCCESS;
  if (scan) {
    for (const simdjson::dom::key_value_pair field : root) {
      for (size_t j = 0; j < scanned_; ++j) {
        if (!have[j] && field.key == fields_[j].path.text()) {
          have[j] = true;
          found[j] = field.value;
          break;
        }
      }
    }
  }
  for (size_t j = 0; j < fields_.size(); ++j) {
    const KeyedField& field = fields_[j];
    if (field.table.exact.empty() && field.table.prefixes.empty()) {
      continue;
    }
    const auto collect = [&](element scalar) {
      if (const std::optional<std::string_view> candidate = CandidateText(scalar, text)) {
        bool whole = true;
        lists += field.table.Collect(LookupText(*candidate, field.table.longest_key, lower, whole),
                                     whole, out);
      }
      return false;  // every candidate
    };
    const event::HotField hot = field.path.hot_field();
    const event::Event::HotLookup proven =
        hot == event::HotField::kNone ? event::Event::HotLookup::kUnknown : event.LookUpHot(hot);
    if (proven == event::Event::HotLookup::kString) {  // decode proved the walk: one string
      bool whole = true;
      lists += field.table.Collect(
          LookupText(event.hot(hot), field.table.longest_key, lower, whole), whole, out);
    } else if (proven == event::Event::HotLookup::kMissing) {
      continue;
    } else if (j >= scanned_ || !scan) {
      event::VisitCandidates(event.record(), field.path, collect);
    } else if (have[j]) {
      event::VisitScalarLeaves(found[j], collect);  // the candidates of a reached value (§6)
    }
  }
  if (lists > 1) {
    MergeRuns(out);
  }
}

}  // namespace trailhound::rules
