// rules/rule_index.cc: the eventName/eventSource analysis of a rule's condition and the lookup
// tables built from it.
#include "rules/rule_index.h"

#include <algorithm>

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

// True when the record holds `field` as something other than a non-empty string: the index
// keys on text, so such a record is checked against every rule.
bool HostileKey(const event::Event& event, event::HotField field) {
  element value;
  return !event.hot(field).empty() ? false : event.hot_element(field, value);
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
    exact[key].push_back(rule);
  }
  for (const std::string& key : keys.prefixes) {
    auto bucket = std::find_if(prefixes.begin(), prefixes.end(),
                               [&](const auto& entry) { return entry.first == key.size(); });
    if (bucket == prefixes.end()) {
      prefixes.emplace_back(key.size(), Lists{});
      bucket = prefixes.end() - 1;
    }
    bucket->second[key].push_back(rule);
  }
}

int RuleIndex::FieldTable::Collect(std::string_view lowered, std::vector<uint32_t>& out) const {
  int lists = 0;
  if (const auto it = exact.find(lowered); it != exact.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
    ++lists;
  }
  for (const auto& [length, table] : prefixes) {
    if (length <= lowered.size()) {
      if (const auto it = table.find(lowered.substr(0, length)); it != table.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        ++lists;
      }
    }
  }
  return lists;
}

RuleIndex::RuleIndex(const std::vector<CompiledRule>& rules) : via_(rules.size()) {
  for (uint32_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].applies) {
      via_[i] = Via::kNotApplicable;
      continue;
    }
    applicable_.push_back(i);
    const FieldKeys name = AnalyzeRuleKeys(rules[i], "eventName");
    if (!name.unbounded) {
      by_name_.Add(name, i);
      via_[i] = Via::kEventName;
      continue;
    }
    const FieldKeys source = AnalyzeRuleKeys(rules[i], "eventSource");
    if (!source.unbounded) {
      by_source_.Add(source, i);
      via_[i] = Via::kEventSource;
      continue;
    }
    every_event_.push_back(i);
    via_[i] = Via::kUnindexed;
  }
  // Fixed prefix lengths are probed for every event; shortest first keeps the probe order stable.
  for (FieldTable* table : {&by_name_, &by_source_}) {
    std::sort(table->prefixes.begin(), table->prefixes.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
}

void RuleIndex::Candidates(const event::Event& event, std::vector<uint32_t>& out,
                           std::string& lower) const {
  out.clear();
  if (HostileKey(event, event::HotField::kEventName) ||
      HostileKey(event, event::HotField::kEventSource)) {
    out = applicable_;
    return;
  }
  // Each list is ascending; several are merged into one ascending list without repeats.
  out.insert(out.end(), every_event_.begin(), every_event_.end());
  int lists = every_event_.empty() ? 0 : 1;
  if (!event.event_name().empty()) {
    lower.clear();
    AppendLowerCase(event.event_name(), lower);
    lists += by_name_.Collect(lower, out);
  }
  if (!event.event_source().empty()) {
    lower.clear();
    AppendLowerCase(event.event_source(), lower);
    lists += by_source_.Collect(lower, out);
  }
  if (lists > 1) {
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
}

}  // namespace trailhound::rules
