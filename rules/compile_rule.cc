// rules/compile_rule.cc: SigmaRule → CompiledRule. Values are typed by the modifier plan, string
// values expanded by their transforms (expand, windash, encoders) and compiled into patterns;
// regexes and networks are compiled once here, so evaluation only runs them.
#include <algorithm>
#include <charconv>

#include "rules/cloudtrail_fields.h"
#include "rules/compiled_rule.h"

namespace trailhound::rules {
namespace {

// A plain `F: 4624` or `F: true` keeps its type (§7); under any string modifier it is text.
bool IsPlainTypedValue(const SigmaValue& value, const DetectionItem& item) {
  return (value.kind == ValueKind::kInt || value.kind == ValueKind::kFloat ||
          value.kind == ValueKind::kBool) &&
         item.modifiers.empty();
}

std::string NumberText(const SigmaValue& value) {
  if (value.kind == ValueKind::kInt) {
    return std::to_string(value.integer);
  }
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.number);
  return ec == std::errc() ? std::string(buffer, end) : value.text;
}

class RuleCompiler {
 public:
  // `cloudtrail`: the rule applies to CloudTrail, so its field names are checked against it.
  RuleCompiler(const CompileOptions& options, bool cloudtrail, Diagnostics& diagnostics)
      : options_(options), cloudtrail_(cloudtrail), diagnostics_(diagnostics) {}

  bool CompileItem(const DetectionItem& item, CompiledItem& out) {
    const std::optional<ModifierPlan> plan = PlanModifiers(item, diagnostics_);
    if (!plan.has_value()) {
      return false;
    }
    out.plan = *plan;
    out.keyword = item.keyword;
    if (item.keyword) {
      out.plan.shape = ModifierPlan::Shape::kContains;  // a keyword is a substring search (§5)
    }
    out.path = event::FieldPath::Compile(item.field);
    if (cloudtrail_) {
      CheckFieldNames(item, *plan);
    }
    bool ok = true;
    for (const SigmaValue& value : item.values) {
      ok &= CompileValue(item, value, out);
    }
    FinishItem(out);
    return ok;
  }

 private:
  // The evaluation shortcuts an item's compiled values allow (CompiledItem's derived fields).
  static void FinishItem(CompiledItem& item) {
    constexpr size_t kMinContains = 4;  // below this, pairs cost more than the searches they save
    constexpr size_t kMinWhole = 4;     // below this, a few compares beat hashing the candidate
    const bool matcher_kind = item.plan.kind != ModifierPlan::Kind::kExists &&
                              item.plan.kind != ModifierPlan::Kind::kFieldRef;
    item.string_or = matcher_kind && !item.plan.all &&
                     std::all_of(item.values.begin(), item.values.end(), [](const auto& value) {
                       return value.kind == CompiledValue::Kind::kStrings;
                     });
    size_t contains = 0;
    size_t whole = 0;
    for (const CompiledValue& value : item.values) {
      for (const StringPattern& pattern : value.patterns) {
        contains += pattern.kind() == StringPattern::Kind::kContains && !pattern.cased() ? 1 : 0;
        whole += pattern.kind() == StringPattern::Kind::kEqual ? 1 : 0;
      }
    }
    item.many_contains = contains >= kMinContains;
    if (item.string_or && whole >= kMinWhole) {
      for (const CompiledValue& value : item.values) {
        for (const StringPattern& pattern : value.patterns) {
          if (pattern.kind() == StringPattern::Kind::kEqual) {
            item.whole_texts.emplace(pattern.literal());
          }
        }
      }
    }
  }

  // Warnings only: a custom or future field is legal, it just never matches today's records.
  void CheckFieldNames(const DetectionItem& item, const ModifierPlan& plan) {
    if (!item.keyword && !IsCloudTrailRecordField(FirstSegment(item.field))) {
      diagnostics_.Warning(item.location, "unknown-field",
                           Quote(FirstSegment(item.field)) +
                               " is not a field of CloudTrail records; this item never matches "
                               "a record without it");
    }
    for (const SigmaValue& value : item.values) {
      if (plan.kind == ModifierPlan::Kind::kFieldRef) {
        if (!IsCloudTrailRecordField(FirstSegment(value.text))) {
          diagnostics_.Warning(
              value.location, "unknown-field",
              Quote(FirstSegment(value.text)) + " is not a field of CloudTrail records");
        }
      } else if (value.kind == ValueKind::kString && LooksLikeFieldPath(value.text)) {
        diagnostics_.Warning(value.location, "value-looks-like-field",
                             Quote(value.text) +
                                 " is compared as text; to compare with that field's value, "
                                 "use the fieldref modifier");
      }
    }
  }

  bool CompileValue(const DetectionItem& item, const SigmaValue& value, CompiledItem& out) {
    CompiledValue compiled;
    switch (out.plan.kind) {
      case ModifierPlan::Kind::kExists:
        out.exists = value.boolean;
        return true;
      case ModifierPlan::Kind::kFieldRef:
        out.reference = event::FieldPath::Compile(value.text);
        return true;
      case ModifierPlan::Kind::kRegex:
        return CompileRegex(value, out);
      case ModifierPlan::Kind::kCidr:
        return CompileNetwork(value, out);
      case ModifierPlan::Kind::kCompare:
        compiled.kind = CompiledValue::Kind::kCompare;
        compiled.number =
            value.kind == ValueKind::kInt ? static_cast<double>(value.integer) : value.number;
        out.values.push_back(std::move(compiled));
        return true;
      case ModifierPlan::Kind::kTimePart:
        compiled.kind = CompiledValue::Kind::kTime;
        compiled.time_value = static_cast<int>(value.integer);
        out.values.push_back(std::move(compiled));
        return true;
      case ModifierPlan::Kind::kNull:
      case ModifierPlan::Kind::kString:
        return CompileStringValue(item, value, out);
    }
    return false;
  }

  bool CompileStringValue(const DetectionItem& item, const SigmaValue& value, CompiledItem& out) {
    CompiledValue compiled;
    if (value.kind == ValueKind::kNull) {
      out.values.push_back(std::move(compiled));  // kNull
      return true;
    }
    if (!item.keyword && IsPlainTypedValue(value, item)) {
      if (value.kind == ValueKind::kBool) {
        compiled.kind = CompiledValue::Kind::kBool;
        compiled.boolean = value.boolean;
      } else {
        compiled.kind = CompiledValue::Kind::kNumber;
        compiled.number =
            value.kind == ValueKind::kInt ? static_cast<double>(value.integer) : value.number;
        compiled.number_text = NumberText(value);
      }
      out.values.push_back(std::move(compiled));
      return true;
    }
    const std::optional<std::vector<std::string>> alternatives = ExpandValueAlternatives(
        value, item.modifiers, options_.placeholders, value.location, diagnostics_);
    if (!alternatives.has_value()) {
      return false;
    }
    compiled.kind = CompiledValue::Kind::kStrings;
    for (const std::string& alternative : *alternatives) {
      compiled.patterns.push_back(
          CompileStringPattern(alternative, out.plan.shape, out.plan.cased));
    }
    out.values.push_back(std::move(compiled));
    return true;
  }

  bool CompileRegex(const SigmaValue& value, CompiledItem& out) {
    if (value.text.rfind("(?", 0) == 0) {
      diagnostics_.Warning(value.location, "inline-regex-flag",
                           "inline regex flags; prefer the i, m and s modifiers (re|i)");
    }
    std::string error;
    std::optional<RegexMatcher> regex = RegexMatcher::Compile(
        value.text,
        RegexOptions{out.plan.regex_ignore_case, out.plan.regex_multiline, out.plan.regex_dot_all},
        error);
    if (!regex.has_value()) {
      diagnostics_.Error(value.location, "bad-regex", Quote(value.text) + ": " + error);
      return false;
    }
    CompiledValue compiled;
    compiled.kind = CompiledValue::Kind::kRegex;
    compiled.regexes.push_back(*std::move(regex));
    out.values.push_back(std::move(compiled));
    return true;
  }

  bool CompileNetwork(const SigmaValue& value, CompiledItem& out) {
    std::string error;
    std::optional<CidrMatcher> network = CidrMatcher::Parse(value.text, error);
    if (!network.has_value()) {
      diagnostics_.Error(value.location, "bad-cidr", Quote(value.text) + ": " + error);
      return false;
    }
    CompiledValue compiled;
    compiled.kind = CompiledValue::Kind::kCidr;
    compiled.networks.push_back(*std::move(network));
    out.values.push_back(std::move(compiled));
    return true;
  }

  const CompileOptions& options_;
  bool cloudtrail_;
  Diagnostics& diagnostics_;
};

}  // namespace

std::optional<CompiledRule> CompileRule(const SigmaRule& rule, const std::string& file,
                                        const CompileOptions& options, Diagnostics& diagnostics) {
  CompiledRule compiled;
  compiled.file = file;
  compiled.id = rule.id;
  compiled.name = rule.name;
  compiled.title = rule.title;
  compiled.level = rule.level;
  compiled.status = rule.status;
  compiled.author = rule.author;
  compiled.description = rule.description;
  compiled.tags = rule.tags;
  compiled.logsource = rule.logsource;
  compiled.applies = rule.logsource.applies;
  RuleCompiler compiler(options, rule.logsource.applies, diagnostics);
  bool ok = true;
  std::vector<std::string> names;
  for (const SearchIdentifier& identifier : rule.identifiers) {
    CompiledSelection selection;
    selection.name = identifier.name;
    names.push_back(identifier.name);
    for (const std::vector<DetectionItem>& alternative : identifier.alternatives) {
      std::vector<CompiledItem> items(alternative.size());
      for (size_t i = 0; i < alternative.size(); ++i) {
        ok &= compiler.CompileItem(alternative[i], items[i]);
      }
      selection.alternatives.push_back(std::move(items));
    }
    compiled.selections.push_back(std::move(selection));
  }
  std::vector<Condition> conditions;
  const IdentifierIndex identifier_index(names);
  for (size_t i = 0; i < rule.conditions.size(); ++i) {
    std::optional<Condition> condition = ParseCondition(rule.conditions[i], identifier_index,
                                                        rule.condition_locations[i], diagnostics);
    if (!condition.has_value()) {
      ok = false;
      continue;
    }
    conditions.push_back(*std::move(condition));
  }
  if (!ok || conditions.empty()) {
    return std::nullopt;
  }
  std::optional<Condition> combined = conditions.size() == 1
                                          ? std::optional<Condition>(std::move(conditions[0]))
                                          : CombineConditionsAnyOf(conditions);
  if (!combined.has_value()) {
    return std::nullopt;
  }
  compiled.condition = *std::move(combined);
  return compiled;
}

}  // namespace trailhound::rules
