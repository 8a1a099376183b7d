// rules/evaluate_rule.cc: a compiled rule against one event (SIGMA.md §6-§10). A field's
// candidates are the non-null scalars of its value set plus the scalar leaves of objects in it
// (§6); a value matches when one candidate does. Nothing here allocates once the scratch
// buffers have grown.
#include <cmath>

#include "pipeline/base/ascii.h"
#include "rules/compiled_rule.h"

namespace trailhound::rules {
namespace {

using simdjson::dom::element;

CompareOp CompareOpOf(Modifier modifier) {
  switch (modifier) {
    case Modifier::kGte:
      return CompareOp::kGte;
    case Modifier::kLt:
      return CompareOp::kLt;
    case Modifier::kLte:
      return CompareOp::kLte;
    default:
      return CompareOp::kGt;
  }
}

TimePart TimePartOf(Modifier modifier) {
  switch (modifier) {
    case Modifier::kMinute:
      return TimePart::kMinute;
    case Modifier::kDay:
      return TimePart::kDay;
    case Modifier::kWeek:
      return TimePart::kWeek;
    case Modifier::kMonth:
      return TimePart::kMonth;
    case Modifier::kYear:
      return TimePart::kYear;
    default:
      return TimePart::kHour;
  }
}

// CandidateMatches for a JSON string candidate holding `text`: the answer for a hot field's
// proven text (Event::LookUpHot) and for a string element alike.
bool StringCandidateMatches(const CompiledValue& value, const ModifierPlan& plan,
                            std::string_view text, EvalScratch& scratch) {
  switch (value.kind) {
    case CompiledValue::Kind::kNull:
      return false;
    case CompiledValue::Kind::kNumber:
      return text == value.number_text;
    case CompiledValue::Kind::kBool:
      return base::EqualsIgnoreAsciiCase(text, value.boolean ? "true" : "false");
    case CompiledValue::Kind::kCompare:
      return CompareNumberText(text, CompareOpOf(plan.compare), value.number);
    case CompiledValue::Kind::kStrings:
      for (const StringPattern& pattern : value.patterns) {
        if (pattern.Matches(text, scratch.lower)) {
          return true;
        }
      }
      return false;
    case CompiledValue::Kind::kRegex:
      return value.regexes.front().Matches(text);
    case CompiledValue::Kind::kCidr:
      return value.networks.front().Matches(text);
    case CompiledValue::Kind::kTime: {
      const std::optional<int> part = ExtractTimePart(text, TimePartOf(plan.time_part));
      return part.has_value() && *part == value.time_value;
    }
  }
  return false;
}

bool CandidateMatches(const CompiledValue& value, const ModifierPlan& plan, element candidate,
                      EvalScratch& scratch) {
  std::string_view string;
  if (candidate.get(string) == simdjson::SUCCESS) {
    return StringCandidateMatches(value, plan, string, scratch);
  }
  // A number or a boolean.
  switch (value.kind) {
    case CompiledValue::Kind::kNumber: {
      double number = 0;
      return candidate.get(number) == simdjson::SUCCESS &&
             number == value.number;  // a rule 1 equals a JSON 1.0 (§7)
    }
    case CompiledValue::Kind::kBool: {
      bool flag = false;
      return candidate.get(flag) == simdjson::SUCCESS && flag == value.boolean;
    }
    case CompiledValue::Kind::kCompare:
      return CompareNumber(candidate, CompareOpOf(plan.compare), value.number);
    case CompiledValue::Kind::kStrings:
    case CompiledValue::Kind::kRegex:
    case CompiledValue::Kind::kTime: {
      // Read as text (§7: `4624`, `true`), then as a string would be.
      const std::optional<std::string_view> text = CandidateText(candidate, scratch.text);
      return text.has_value() && StringCandidateMatches(value, plan, *text, scratch);
    }
    case CompiledValue::Kind::kNull:
    case CompiledValue::Kind::kCidr:  // only strings are addresses
      return false;
  }
  return false;
}

// What an item's field holds in one event, when the decode pass proved it (hot fields, §6):
// kString with `text` its one candidate, or kMissing; kUnknown when the path must be walked.
struct HotReach {
  event::Event::HotLookup lookup = event::Event::HotLookup::kUnknown;
  std::string_view text;
  event::HotField field = event::HotField::kNone;
};

HotReach ReachHot(const CompiledItem& item, const event::Event& event) {
  const event::HotField field = item.path.hot_field();  // resolved when the rule compiled
  if (field == event::HotField::kNone || item.keyword) {
    return {};
  }
  const event::Event::HotLookup lookup = event.LookUpHot(field);
  return {lookup, lookup == event::Event::HotLookup::kString ? event.hot(field) : "", field};
}

// AnyCandidate over an item's path, answered from `hot` when it is proven: `visit_text` sees the
// one string candidate; a missing field has none.
template <typename VisitText, typename Visit>
bool AnyItemCandidate(const CompiledItem& item, const HotReach& hot, element record,
                      VisitText&& visit_text, Visit&& visit) {
  switch (hot.lookup) {
    case event::Event::HotLookup::kString:
      return visit_text(hot.text);
    case event::Event::HotLookup::kMissing:
      return false;
    case event::Event::HotLookup::kUnknown:
      break;
  }
  return event::VisitCandidates(record, item.path, visit);
}

event::FieldPresence Presence(const CompiledItem& item, const HotReach& hot, element record) {
  switch (hot.lookup) {
    case event::Event::HotLookup::kString:
      return event::FieldPresence::kPresent;
    case event::Event::HotLookup::kMissing:
      return event::FieldPresence::kMissing;
    case event::Event::HotLookup::kUnknown:
      break;
  }
  return event::ClassifyField(record, item.path);
}

bool ValueMatches(const CompiledValue& value, const CompiledItem& item, const HotReach& hot,
                  element record, EvalScratch& scratch) {
  if (value.kind == CompiledValue::Kind::kNull) {
    return Presence(item, hot, record) != event::FieldPresence::kPresent;
  }
  return AnyItemCandidate(
      item, hot, record,
      [&](std::string_view text) {
        return StringCandidateMatches(value, item.plan, text, scratch);
      },
      [&](element candidate) { return CandidateMatches(value, item.plan, candidate, scratch); });
}

// Keywords: some string leaf anywhere in the record contains the keyword (§5).
bool KeywordMatches(const CompiledValue& value, element record, EvalScratch& scratch) {
  return event::VisitScalarLeaves(record, [&](element leaf) {
    std::string_view text;
    return leaf.get(text) == simdjson::SUCCESS &&
           CandidateMatches(value, ModifierPlan{}, leaf, scratch);
  });
}

// The OR of an item's string values, candidate first: each candidate is read as text and folded
// once and then tried against every pattern of every value, where trying the values in turn
// walks the path and folds the same candidate again for each value and pattern (a `contains`
// list of 50 values over `requestParameters`'s leaves folded each leaf 50 times). An OR over
// values and candidates is the same answer in either order.
bool AnyStringValueMatches(const CompiledItem& item, const HotReach& hot, element record,
                           EvalScratch& scratch) {
  const bool many = item.many_contains;
  const bool by_set = !item.whole_texts.empty();
  const BytePairSet none{.ascii = false};  // refuses nothing
  const auto matches_with = [&](std::string_view candidate, const BytePairSet& pairs) {
    const std::optional<std::string_view> text = candidate;
    std::optional<std::string_view> folded;  // only for a pattern the ASCII test cannot decide
    if (by_set) {  // every whole-text pattern at once: the folded candidate is one of them
      if (!item.plan.cased) {
        folded = FoldCase(*text, scratch.lower);
      }
      if (item.whole_texts.contains(item.plan.cased ? *text : *folded)) {
        return true;
      }
    }
    for (const CompiledValue& value : item.values) {
      for (const StringPattern& pattern : value.patterns) {
        if ((by_set && pattern.kind() == StringPattern::Kind::kEqual) || !pattern.MayMatch(pairs)) {
          continue;
        }
        if (pattern.cased()) {
          if (pattern.MatchesFolded(*text)) {
            return true;
          }
          continue;
        }
        const std::optional<bool> decided = pattern.MatchesAsciiIgnoringCase(*text);
        if (decided.has_value()) {
          if (*decided) {
            return true;
          }
          continue;
        }
        if (!folded.has_value()) {
          folded = FoldCase(*text, scratch.lower);
        }
        if (pattern.MatchesFolded(*folded)) {
          return true;
        }
      }
    }
    return false;
  };
  // A hot field's text is the same for every rule the event meets: its pairs are built once.
  const auto matches_text = [&](std::string_view candidate) {
    return matches_with(candidate, many ? scratch.HotPairs(hot.field, candidate) : none);
  };
  const auto matches = [&](element candidate) {
    const std::optional<std::string_view> text = CandidateText(candidate, scratch.text);
    return text.has_value() && matches_with(*text, many ? BytePairSet::Of(*text) : none);
  };
  if (item.keyword) {  // string leaves only (§5), as KeywordMatches
    return event::VisitScalarLeaves(record, [&](element leaf) {
      std::string_view text;
      return leaf.get(text) == simdjson::SUCCESS && matches(leaf);
    });
  }
  return AnyItemCandidate(item, hot, record, matches_text, matches);
}

bool FieldRefMatches(const CompiledItem& item, element record, EvalScratch& scratch) {
  return event::VisitCandidates(record, item.path, [&](element mine) {
    const std::optional<std::string_view> a = CandidateText(mine, scratch.text);
    if (!a.has_value()) {
      return false;
    }
    std::string_view left = *a;
    if (!item.plan.cased) {
      scratch.lower.clear();
      AppendLowerCase(left, scratch.lower);
      left = scratch.lower;
    }
    return event::VisitCandidates(record, item.reference, [&](element theirs) {
      const std::optional<std::string_view> b = CandidateText(theirs, scratch.other_text);
      if (!b.has_value()) {
        return false;
      }
      std::string_view right = *b;
      if (!item.plan.cased) {
        scratch.other_lower.clear();
        AppendLowerCase(right, scratch.other_lower);
        right = scratch.other_lower;
      }
      switch (item.plan.shape) {
        case ModifierPlan::Shape::kContains:
          return left.find(right) != std::string_view::npos;
        case ModifierPlan::Shape::kStartsWith:
          return left.substr(0, right.size()) == right;
        case ModifierPlan::Shape::kEndsWith:
          return left.size() >= right.size() && left.substr(left.size() - right.size()) == right;
        case ModifierPlan::Shape::kExact:
          break;
      }
      return left == right;
    });
  });
}

bool ItemMatches(const CompiledItem& item, const event::Event& event, element record,
                 EvalScratch& scratch) {
  bool result = false;
  const HotReach hot = ReachHot(item, event);
  if (item.plan.kind == ModifierPlan::Kind::kExists) {
    result = (Presence(item, hot, record) != event::FieldPresence::kMissing) == item.exists;
  } else if (item.plan.kind == ModifierPlan::Kind::kFieldRef) {
    result = FieldRefMatches(item, record, scratch);
  } else if (item.string_or) {
    result = AnyStringValueMatches(item, hot, record, scratch);
  } else {
    result = item.plan.all;
    for (const CompiledValue& value : item.values) {
      const bool matched = item.keyword ? KeywordMatches(value, record, scratch)
                                        : ValueMatches(value, item, hot, record, scratch);
      if (matched != item.plan.all) {
        result = matched;  // the first miss under `all`, the first hit otherwise, decides
        break;
      }
    }
  }
  return item.plan.neq ? !result : result;
}

bool SelectionMatches(const CompiledSelection& selection, const event::Event& event,
                      EvalScratch& scratch) {
  const element record = event.record();
  for (const std::vector<CompiledItem>& items : selection.alternatives) {
    bool all = true;
    for (const CompiledItem& item : items) {
      if (!ItemMatches(item, event, record, scratch)) {
        all = false;
        break;
      }
    }
    if (all) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool RuleMatches(const CompiledRule& rule, const event::Event& event, EvalScratch& scratch) {
  scratch.BeginEvent();
  return RuleMatchesSameEvent(rule, event, scratch);
}

bool CompiledItemMatches(const CompiledItem& item, const event::Event& event,
                         EvalScratch& scratch) {
  return ItemMatches(item, event, event.record(), scratch);
}

bool RuleMatchesSameEvent(const CompiledRule& rule, const event::Event& event,
                          EvalScratch& scratch) {
  if (!rule.applies) {
    return false;
  }
  return EvaluateCondition(rule.condition, [&](uint32_t selection) {
    return selection < rule.selections.size() &&
           SelectionMatches(rule.selections[selection], event, scratch);
  });
}

}  // namespace trailhound::rules
