// rules/rule_program.cc: interning items across rules, the flat layout and its evaluation.
#include "rules/rule_program.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>

namespace trailhound::rules {
namespace {

constexpr uint32_t kNoSelection = 0xFFFFFFFF;
constexpr uint32_t kMaxEpoch = 0x7FFFFFFF;
constexpr uint32_t kNoGate = 0xFFFFFFFF;
// RuleProgram ids, for EvalScratch::NeedleMemo; 0 is no program.
std::atomic<uint64_t> next_program_id{0};
// One dictionary per hot field at most, one bit each in EvalScratch.
static_assert(event::kHotFieldCount <= 64);

void AppendBytes(std::string& key, const void* data, size_t size) {
  key.append(static_cast<const char*>(data), size);
}

template <typename T>
void AppendPod(std::string& key, const T& value) {
  AppendBytes(key, &value, sizeof value);
}

// Length first, so no two different sequences of texts give the same key.
void AppendText(std::string& key, std::string_view text) {
  AppendPod(key, text.size());
  key.append(text);
}

void AppendValue(std::string& key, const CompiledValue& value) {
  AppendPod(key, value.kind);
  AppendPod(key, value.number);
  AppendText(key, value.number_text);
  AppendPod(key, value.boolean);
  AppendPod(key, value.time_value);
  AppendPod(key, value.patterns.size());
  for (const StringPattern& pattern : value.patterns) {
    AppendPod(key, pattern.kind());
    AppendPod(key, pattern.cased());
    AppendText(key, pattern.literal());
    AppendPod(key, pattern.glob().size());
    for (const StringPattern::GlobToken& token : pattern.glob()) {
      AppendPod(key, token.op);
      AppendPod(key, token.offset);
      AppendPod(key, token.size);
    }
  }
  AppendPod(key, value.regexes.size());
  for (const RegexMatcher& regex : value.regexes) {
    AppendText(key, regex.pattern());
  }
  AppendPod(key, value.networks.size());
  for (const CidrMatcher& network : value.networks) {
    AppendPod(key, network.is_v6());
    AppendPod(key, network.prefix_length());
    AppendBytes(key, network.network().data(), network.network().size());
  }
}

// Everything evaluation reads of an item, so equal keys are interchangeable items.
std::string ItemKey(const CompiledItem& item) {
  std::string key;
  AppendText(key, item.path.text());
  AppendPod(key, item.keyword);
  const ModifierPlan& plan = item.plan;
  AppendPod(key, plan.kind);
  AppendPod(key, plan.shape);
  const bool flags[] = {
      plan.all,           plan.neq,    plan.cased,     plan.regex_ignore_case, plan.regex_multiline,
      plan.regex_dot_all, item.exists, item.string_or, item.many_contains};
  AppendBytes(key, flags, sizeof flags);
  AppendPod(key, plan.compare);
  AppendPod(key, plan.time_part);
  AppendText(key, item.reference.text());
  AppendPod(key, item.values.size());
  for (const CompiledValue& value : item.values) {
    AppendValue(key, value);
  }
  return key;
}

// The hot field whose text alone decides the item, when the item is true exactly when the
// field's one string candidate, lower-cased, is one of its literals: a case-insensitive OR of
// whole values (no wildcard left) over a hot field.
event::HotField DictionaryField(const CompiledItem& item) {
  if (item.keyword || !item.string_or || item.plan.kind != ModifierPlan::Kind::kString ||
      item.plan.neq || item.plan.cased || item.path.hot_field() == event::HotField::kNone) {
    return event::HotField::kNone;
  }
  for (const CompiledValue& value : item.values) {
    for (const StringPattern& pattern : value.patterns) {
      if (pattern.kind() != StringPattern::Kind::kEqual || pattern.cased()) {
        return event::HotField::kNone;
      }
    }
  }
  return item.path.hot_field();
}

// The hot field whose text a multi-needle search decides the item on: a case-insensitive OR of
// `contains` literals (no other wildcard) over a hot field, true exactly when the field's one
// string candidate, folded, holds one of them; false when the field is missing.
event::HotField ContainsField(const CompiledItem& item) {
  if (item.keyword || !item.string_or || item.plan.kind != ModifierPlan::Kind::kString ||
      item.plan.neq || item.plan.cased || item.path.hot_field() == event::HotField::kNone ||
      item.values.empty()) {
    return event::HotField::kNone;
  }
  for (const CompiledValue& value : item.values) {
    for (const StringPattern& pattern : value.patterns) {
      if (pattern.kind() != StringPattern::Kind::kContains || pattern.cased() ||
          pattern.literal().empty()) {
        return event::HotField::kNone;
      }
    }
  }
  return item.path.hot_field();
}

const CompiledItem& ItemAt(const std::vector<CompiledRule>& rules, uint32_t rule,
                           uint32_t selection, uint32_t alternative, uint32_t item) {
  return rules[rule].selections[selection].alternatives[alternative][item];
}

}  // namespace

uint32_t RuleProgram::InternItem(const std::vector<CompiledRule>& rules, const ItemRef& ref,
                                 std::unordered_map<std::string, uint32_t>& ids) {
  const CompiledItem& item = ItemAt(rules, ref.rule, ref.selection, ref.alternative, ref.item);
  const auto [it, inserted] = ids.emplace(ItemKey(item), static_cast<uint32_t>(items_.size()));
  if (inserted) {
    items_.push_back(ref);
    items_.back().compiled = &item;
  }
  return it->second;
}

void RuleProgram::BuildDictionaries() {
  // A field's dictionary costs one fold and one lookup per event that asks it; a compare costs
  // little per item but is paid by every item asked. Lists of four or more values are looked
  // up in a set anyway (whole_texts), so they always go to the dictionary; one to three values
  // do only when the field has so many such items that an event likely asks several (SigmaHQ's
  // rules name one to three eventNames each, and an event meets about one of them). With 10,000
  // generated rules an event asked ~19 of ~100 one-value eventSource items, each compare a few
  // cache misses away: 32 items is already "many".
  constexpr size_t kManyItems = 32;
  std::array<size_t, event::kHotFieldCount> eligible{};
  std::vector<event::HotField> fields(items_.size(), event::HotField::kNone);
  for (uint32_t id = 0; id < items_.size(); ++id) {
    fields[id] = DictionaryField(*items_[id].compiled);
    if (fields[id] != event::HotField::kNone) {
      ++eligible[static_cast<size_t>(fields[id])];
    }
  }
  for (uint32_t id = 0; id < items_.size(); ++id) {
    const event::HotField field = fields[id];
    const CompiledItem& item = *items_[id].compiled;
    if (field == event::HotField::kNone ||
        (item.whole_texts.empty() && eligible[static_cast<size_t>(field)] < kManyItems)) {
      continue;
    }
    uint32_t index = 0;
    while (index < dictionaries_.size() && dictionaries_[index].field != field) {
      ++index;
    }
    if (index == dictionaries_.size()) {
      dictionaries_.emplace_back().field = field;
    }
    items_[id].dictionary = index;
    Dictionary& dictionary = dictionaries_[index];
    for (const CompiledValue& value : item.values) {
      for (const StringPattern& pattern : value.patterns) {
        std::vector<uint32_t>& holders = dictionary.items[std::string(pattern.literal())];
        if (holders.empty() || holders.back() != id) {
          holders.push_back(id);
        }
        dictionary.longest = std::max(dictionary.longest, pattern.literal().size());
      }
    }
  }
}

void RuleProgram::BuildNeedleTables() {
  // Below this many items a field's lists are searched one by one as before: SigmaHQ's few
  // lists gain nothing from a table, and each table is one search per event that asks it.
  constexpr size_t kMinItems = 8;
  // NeedleSearch addresses its table in 32 bits: 2^31 / 256 classes.
  constexpr size_t kMaxNeedleBytes = size_t{1} << 23;
  std::array<std::vector<uint32_t>, event::kHotFieldCount> by_field;
  for (uint32_t id = 0; id < items_.size(); ++id) {
    const event::HotField field = ContainsField(*items_[id].compiled);
    if (field != event::HotField::kNone && items_[id].dictionary == kNoDictionary) {
      by_field[static_cast<size_t>(field)].push_back(id);
    }
  }
  for (size_t field = 0; field < by_field.size(); ++field) {
    if (by_field[field].size() < kMinItems) {
      continue;
    }
    Dictionary table;
    table.field = static_cast<event::HotField>(field);
    table.contains = true;
    std::unordered_map<std::string, uint32_t> needle_ids;
    std::vector<std::string> needles;
    size_t bytes = 0;
    for (const uint32_t id : by_field[field]) {
      for (const CompiledValue& value : items_[id].compiled->values) {
        for (const StringPattern& pattern : value.patterns) {
          const auto [it, inserted] = needle_ids.emplace(pattern.literal(), needles.size());
          if (inserted) {
            needles.emplace_back(pattern.literal());
            table.needle_items.emplace_back();
            bytes += pattern.literal().size();
          }
          std::vector<uint32_t>& holders = table.needle_items[it->second];
          if (holders.empty() || holders.back() != id) {
            holders.push_back(id);
          }
        }
      }
    }
    if (bytes > kMaxNeedleBytes) {
      continue;
    }
    table.needles = NeedleSearch(needles, /*ascii_either_case=*/true);
    for (const uint32_t id : by_field[field]) {
      items_[id].dictionary = static_cast<uint32_t>(dictionaries_.size());
    }
    dictionaries_.push_back(std::move(table));
  }
}

void RuleProgram::NecessaryItems(uint32_t start, uint32_t node, std::vector<uint32_t>& out) const {
  const uint32_t* const words = words_.data() + start;
  const uint32_t head = words[1 + 2 * node];
  const uint32_t first = words[2 + 2 * node];
  switch (static_cast<ConditionNode::Kind>(head & 3)) {
    case ConditionNode::Kind::kSelection:
      // One alternative: every item of it must hold. Several: no one item must.
      if (first != kNoSelection && words[first] == 1) {
        out.insert(out.end(), words + first + 2, words + first + 2 + words[first + 1]);
      }
      return;
    case ConditionNode::Kind::kAnd:
      for (uint32_t child = first; child < first + (head >> 2); ++child) {
        NecessaryItems(start, child, out);
      }
      return;
    case ConditionNode::Kind::kNot:
    case ConditionNode::Kind::kOr:
      return;
  }
}

void RuleProgram::ChooseGates(const std::vector<CompiledRule>& rules) {
  gates_.assign(starts_.size(), kNoGate);
  std::vector<uint32_t> necessary;
  for (uint32_t rule = 0; rule < starts_.size(); ++rule) {
    if (words_[starts_[rule]] == 0) {
      continue;
    }
    necessary.clear();
    NecessaryItems(starts_[rule], 0, necessary);
    // The index has already picked the rule by eventName or eventSource, so an item on another
    // field is the likelier to refuse it.
    for (const uint32_t id : necessary) {
      const CompiledItem& item = ItemAt(rules, items_[id].rule, items_[id].selection,
                                        items_[id].alternative, items_[id].item);
      const event::HotField field = item.path.hot_field();
      if (gates_[rule] == kNoGate ||
          (field != event::HotField::kEventName && field != event::HotField::kEventSource)) {
        gates_[rule] = id;
        if (field != event::HotField::kEventName && field != event::HotField::kEventSource) {
          break;
        }
      }
    }
  }
}

void RuleProgram::GateRules(std::span<const uint32_t> every_event) {
  std::vector<std::vector<uint32_t>> gated(items_.size());
  std::vector<uint32_t> necessary;
  for (const uint32_t rule : every_event) {
    const uint32_t start = starts_[rule];
    if (words_[start] == 0) {
      continue;  // a rule that never matches is left as it is
    }
    necessary.clear();
    NecessaryItems(start, 0, necessary);
    for (const uint32_t id : necessary) {
      const uint32_t index = items_[id].dictionary;
      if (index != kNoDictionary && dictionaries_[index].contains) {
        gated[id].push_back(rule);
        dictionaries_[index].gated.push_back(rule);
        gating_dictionaries_ |= uint64_t{1} << index;
        gated_rules_.push_back(rule);
        break;
      }
    }
  }
  gate_starts_.clear();
  gate_starts_.reserve(items_.size() + 1);
  for (const std::vector<uint32_t>& rules : gated) {
    gate_starts_.push_back(static_cast<uint32_t>(gated_.size()));
    gated_.insert(gated_.end(), rules.begin(), rules.end());
  }
  gate_starts_.push_back(static_cast<uint32_t>(gated_.size()));
}

RuleProgram::RuleProgram(const std::vector<CompiledRule>& rules,
                         std::span<const uint32_t> every_event)
    : RuleProgram(rules) {
  GateRules(every_event);
}

void RuleProgram::AddGatedCandidates(const event::Event& event, EvalScratch& scratch,
                                     std::vector<uint32_t>& candidates) const {
  if (gating_dictionaries_ == 0) {
    return;
  }
  const size_t before = candidates.size();
  for (uint32_t index = 0; index < dictionaries_.size(); ++index) {
    if ((gating_dictionaries_ >> index & 1) != 0 && !LookUp(index, event, scratch)) {
      const std::vector<uint32_t>& all = dictionaries_[index].gated;
      candidates.insert(candidates.end(), all.begin(), all.end());
    }
  }
  for (const uint32_t id : scratch.gate_hits) {
    candidates.insert(candidates.end(), gated_.begin() + gate_starts_[id],
                      gated_.begin() + gate_starts_[id + 1]);
  }
  if (candidates.size() > before) {
    // Each gated rule has one gate, and the index lists none of them: no repeats.
    std::sort(candidates.begin(), candidates.end());
  }
}

RuleProgram::RuleProgram(const std::vector<CompiledRule>& rules)
    : built_for_(rules.data()), id_(++next_program_id) {
  std::unordered_map<std::string, uint32_t> ids;
  starts_.reserve(rules.size());
  for (uint32_t r = 0; r < rules.size(); ++r) {
    const CompiledRule& rule = rules[r];
    const auto start = static_cast<uint32_t>(words_.size());
    starts_.push_back(start);
    const std::span<const ConditionNode> nodes =
        rule.applies ? rule.condition.nodes() : std::span<const ConditionNode>();
    words_.push_back(static_cast<uint32_t>(nodes.size()));
    const size_t node_words = words_.size();
    words_.resize(words_.size() + 2 * nodes.size());
    std::vector<uint32_t> blocks(rule.selections.size());
    for (uint32_t s = 0; s < rule.selections.size(); ++s) {
      blocks[s] = static_cast<uint32_t>(words_.size()) - start;
      const CompiledSelection& selection = rule.selections[s];
      words_.push_back(static_cast<uint32_t>(selection.alternatives.size()));
      for (uint32_t a = 0; a < selection.alternatives.size(); ++a) {
        const std::vector<CompiledItem>& items = selection.alternatives[a];
        words_.push_back(static_cast<uint32_t>(items.size()));
        for (uint32_t i = 0; i < items.size(); ++i) {
          words_.push_back(InternItem(rules, ItemRef{r, s, a, i}, ids));
        }
      }
    }
    for (size_t n = 0; n < nodes.size(); ++n) {
      const ConditionNode& node = nodes[n];
      words_[node_words + 2 * n] = static_cast<uint32_t>(node.kind) | node.count << 2;
      uint32_t first = node.first;
      if (node.kind == ConditionNode::Kind::kSelection) {
        first = node.first < blocks.size() ? blocks[node.first] : kNoSelection;
      }
      words_[node_words + 2 * n + 1] = first;
    }
  }
  BuildDictionaries();
  BuildNeedleTables();
  gate_starts_.assign(items_.size() + 1, 0);
  ChooseGates(rules);
}

void RuleProgram::BeginEvent(EvalScratch& scratch) const {
  scratch.BeginEvent();
  if (scratch.item_memo.size() < items_.size()) {
    scratch.item_memo.resize(items_.size(), 0);
  }
  if (++scratch.memo_epoch > kMaxEpoch) {
    std::fill(scratch.item_memo.begin(), scratch.item_memo.end(), 0);
    scratch.memo_epoch = 1;
  }
  scratch.dictionaries_looked_up = 0;
  scratch.dictionaries_settled = 0;
  scratch.gate_hits.clear();
}

bool RuleProgram::LookUp(uint32_t index, const event::Event& event, EvalScratch& scratch) const {
  const uint64_t bit = uint64_t{1} << index;
  if ((scratch.dictionaries_looked_up & bit) != 0) {
    return (scratch.dictionaries_settled & bit) != 0;
  }
  scratch.dictionaries_looked_up |= bit;
  const Dictionary& dictionary = dictionaries_[index];
  const event::Event::HotLookup lookup = event.LookUpHot(dictionary.field);
  if (lookup == event::Event::HotLookup::kUnknown) {
    return false;
  }
  scratch.dictionaries_settled |= bit;
  const std::string_view text = event.hot(dictionary.field);
  if (dictionary.contains) {
    if (lookup == event::Event::HotLookup::kString) {
      SearchNeedles(index, text, scratch);
    }
    return true;  // no literal is in a missing field
  }
  // Lower-casing shrinks a code point to no less than a third of its bytes (U+212A to `k`), so
  // a longer text is none of the dictionary's (a user agent against `userAgent: x` lists).
  if (lookup == event::Event::HotLookup::kMissing || text.size() > 3 * dictionary.longest) {
    return true;  // no whole value matches a missing field
  }
  const std::string_view folded = FoldCase(text, scratch.lower);
  if (const auto it = dictionary.items.find(folded); it != dictionary.items.end()) {
    const uint32_t hit = scratch.memo_epoch << 1 | 1;
    for (const uint32_t id : it->second) {
      scratch.item_memo[id] = hit;
    }
  }
  return true;
}

void RuleProgram::SearchNeedles(uint32_t index, std::string_view text, EvalScratch& scratch) const {
  // A trail holds few distinct user agents (and the like): a text searched lately for this
  // table marks the items it marked then. A slot is this program's by id_, never by address,
  // as a reloaded rule set may reuse the address of the one it replaces.
  constexpr size_t kSlots = 256;
  constexpr size_t kLongestRemembered = 1024;
  const uint32_t hit = scratch.memo_epoch << 1 | 1;
  const auto mark = [&](uint32_t id) {
    scratch.item_memo[id] = hit;
    if (gate_starts_[id] != gate_starts_[id + 1]) {
      scratch.gate_hits.push_back(id);
    }
  };
  EvalScratch::NeedleMemo* slot = nullptr;
  if (text.size() <= kLongestRemembered) {
    if (scratch.needle_memo.size() < kSlots) {
      scratch.needle_memo.resize(kSlots);
    }
    const size_t hash = std::hash<std::string_view>{}(text) ^ (size_t{index} * 0x9E3779B9u);
    slot = &scratch.needle_memo[hash % kSlots];
    if (slot->program == id_ && slot->table == index && slot->text == text) {
      for (const uint32_t id : slot->items) {
        mark(id);
      }
      return;
    }
    slot->program = id_;
    slot->table = index;
    slot->text.assign(text);
    slot->items.clear();
  }
  const Dictionary& table = dictionaries_[index];
  // The literals are folded as the patterns compare them (StringPattern::MatchesFolded). ASCII
  // text folds byte for byte, which the search does as it reads; other text is folded first.
  const std::string_view folded = IsAsciiText(text) ? text : FoldCase(text, scratch.lower);
  table.needles.Search(folded, [&](uint32_t needle) {
    for (const uint32_t id : table.needle_items[needle]) {
      if (scratch.item_memo[id] != hit) {  // a table's items are marked by its search alone
        mark(id);
        if (slot != nullptr) {
          slot->items.push_back(id);
        }
      }
    }
  });
}

bool RuleProgram::ItemVerdict(const std::vector<CompiledRule>& rules, uint32_t id,
                              const event::Event& event, EvalScratch& scratch) const {
  const uint32_t memo = scratch.item_memo[id];
  if (memo >> 1 == scratch.memo_epoch) {
    return (memo & 1) != 0;
  }
  const ItemRef& ref = items_[id];
  bool verdict = false;
  if (ref.dictionary != kNoDictionary && LookUp(ref.dictionary, event, scratch)) {
    verdict = scratch.item_memo[id] >> 1 == scratch.memo_epoch;  // named by the event's text
  } else {
    // A copy of the rules (LoadedRules copied) has items elsewhere: find them by position.
    const CompiledItem& item = rules.data() == built_for_ ? *ref.compiled
                                                          : ItemAt(rules, ref.rule, ref.selection,
                                                                   ref.alternative, ref.item);
    verdict = CompiledItemMatches(item, event, scratch);
  }
  scratch.item_memo[id] = scratch.memo_epoch << 1 | (verdict ? 1 : 0);
  return verdict;
}

bool RuleProgram::NodeMatches(const std::vector<CompiledRule>& rules, uint32_t start, uint32_t node,
                              const event::Event& event, EvalScratch& scratch) const {
  const uint32_t* const words = words_.data() + start;
  const uint32_t head = words[1 + 2 * node];
  const uint32_t first = words[2 + 2 * node];
  const auto kind = static_cast<ConditionNode::Kind>(head & 3);
  const uint32_t count = head >> 2;
  switch (kind) {
    case ConditionNode::Kind::kSelection: {
      if (first == kNoSelection) {
        return false;
      }
      const uint32_t* word = words + first;
      const uint32_t alternatives = *word++;
      for (uint32_t a = 0; a < alternatives; ++a) {
        const uint32_t items = *word++;
        bool all = true;
        for (uint32_t i = 0; i < items && all; ++i) {
          all = ItemVerdict(rules, word[i], event, scratch);
        }
        if (all) {
          return true;
        }
        word += items;
      }
      return false;
    }
    case ConditionNode::Kind::kNot:
      return !NodeMatches(rules, start, first, event, scratch);
    case ConditionNode::Kind::kAnd:
      for (uint32_t child = first; child < first + count; ++child) {
        if (!NodeMatches(rules, start, child, event, scratch)) {
          return false;
        }
      }
      return true;
    case ConditionNode::Kind::kOr:
      for (uint32_t child = first; child < first + count; ++child) {
        if (NodeMatches(rules, start, child, event, scratch)) {
          return true;
        }
      }
      return false;
  }
  return false;
}

bool RuleProgram::Matches(const std::vector<CompiledRule>& rules, uint32_t rule,
                          const event::Event& event, EvalScratch& scratch) const {
  // Most candidates fail on one item; its verdict, kept for the event, refuses them without
  // reading their layout.
  const uint32_t gate = gates_[rule];
  if (gate != kNoGate && !ItemVerdict(rules, gate, event, scratch)) {
    return false;
  }
  const uint32_t start = starts_[rule];
  return words_[start] > 0 && NodeMatches(rules, start, 0, event, scratch);
}

}  // namespace trailhound::rules
