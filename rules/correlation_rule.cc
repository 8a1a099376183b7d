// rules/correlation_rule.cc: a `correlation:` document → CorrelationRule (SIGMA.md §13). Every
// problem is reported at the key or value that causes it; yaml-cpp exceptions stop at this file.
#include <algorithm>
#include <charconv>
#include <limits>

#include "rules/correlation.h"

namespace trailhound::rules {
namespace {

constexpr size_t kMaxReferencedRules = 64;  // the engine keeps one bit per referenced rule

std::optional<CorrelationType> TypeByName(std::string_view name) {
  if (name == "event_count") {
    return CorrelationType::kEventCount;
  }
  if (name == "value_count") {
    return CorrelationType::kValueCount;
  }
  if (name == "temporal") {
    return CorrelationType::kTemporal;
  }
  if (name == "temporal_ordered") {
    return CorrelationType::kTemporalOrdered;
  }
  return std::nullopt;
}

class CorrelationCompiler {
 public:
  CorrelationCompiler(const SigmaDocument& document, const std::string& file,
                      const RuleLookup& lookup, const CorrelationNameCheck& is_correlation,
                      Diagnostics& diagnostics)
      : document_(document),
        file_(file),
        lookup_(lookup),
        is_correlation_(is_correlation),
        diagnostics_(diagnostics) {
    // The document's node counts lines from its own start; its location already holds the
    // file's line, so the difference is the document's offset in the file.
    const YAML::Mark mark = document.node.Mark();
    if (!mark.is_null() && document.location.line > 0) {
      line_offset_ = document.location.line - 1 - mark.line;
    }
  }

  std::optional<CorrelationRule> Compile() {
    const YAML::Node& node = document_.node;
    rule_.file = file_;
    rule_.location = Where(node);
    rule_.title = ReadString(node, "title", true);
    rule_.id = ReadString(node, "id", true);
    rule_.name = ReadString(node, "name", false);
    rule_.status = ReadString(node, "status", false);
    rule_.level = ReadString(node, "level", false);
    if (rule_.level.empty()) {
      rule_.level = "medium";
    }
    rule_.author = ReadString(node, "author", false);
    rule_.description = ReadString(node, "description", false);
    ReadTags(node);
    const YAML::Node correlation = node["correlation"];
    if (!correlation.IsMap()) {
      Error(correlation, "correlation-syntax",
            "'correlation' must be a map with type, rules, timespan, group-by and condition");
    } else {
      CompileSection(correlation);
    }
    if (diagnostics_.has_errors() && HasErrorsSince(first_)) {
      return std::nullopt;
    }
    return std::move(rule_);
  }

 private:
  void CompileSection(const YAML::Node& section) {
    for (const auto& pair : section) {
      const std::string key = pair.first.Scalar();
      if (key != "type" && key != "rules" && key != "group-by" && key != "timespan" &&
          key != "condition" && key != "generate" && key != "aliases" && key != "field") {
        Error(pair.first, "correlation-syntax",
              "unknown key " + Quote(key) +
                  " in 'correlation'; expected type, rules, group-by, timespan, condition, "
                  "generate, aliases");
      }
    }
    const bool type_ok = ReadType(section);
    ReadRules(section);
    ReadTimespan(section);
    ReadGroupBy(section);
    ReadCondition(section, type_ok);
    ReadGenerate(section);
  }

  bool ReadType(const YAML::Node& section) {
    const YAML::Node type = section["type"];
    if (!type) {
      Error(section, "missing-key", "the correlation has no 'type'; add e.g. 'type: event_count'");
      return false;
    }
    const std::optional<CorrelationType> known =
        type.IsScalar() ? TypeByName(type.Scalar()) : std::nullopt;
    if (!known.has_value()) {
      Error(type, "unsupported-correlation",
            "correlation type " + Quote(type.IsScalar() ? type.Scalar() : "?") +
                " is not supported; use event_count, value_count, temporal or temporal_ordered");
      return false;
    }
    rule_.type = *known;
    return true;
  }

  void ReadRules(const YAML::Node& section) {
    const YAML::Node rules = section["rules"];
    if (!rules) {
      Error(section, "missing-key", "the correlation has no 'rules'; list the rules it combines");
      return;
    }
    std::vector<YAML::Node> items;
    if (rules.IsScalar()) {
      items.push_back(rules);
    } else if (rules.IsSequence() && rules.size() > 0) {
      for (const YAML::Node& item : rules) {
        items.push_back(item);
      }
    } else {
      Error(rules, "correlation-syntax", "'rules' must list rule ids or names");
      return;
    }
    if (items.size() > kMaxReferencedRules) {
      Error(rules, "correlation-syntax", "a correlation may reference at most 64 rules");
      return;
    }
    for (const YAML::Node& item : items) {
      if (!item.IsScalar()) {
        Error(item, "correlation-syntax", "each entry of 'rules' must be a rule id or name");
        continue;
      }
      if (const std::optional<uint32_t> index = Resolve(item)) {
        rule_.rules.push_back(*index);
        references_.push_back(item.Scalar());
      }
    }
  }

  // A referenced detection rule; reports what is wrong when there is none.
  std::optional<uint32_t> Resolve(const YAML::Node& item) {
    const std::string& reference = item.Scalar();
    if (std::optional<uint32_t> index = lookup_(reference)) {
      return index;
    }
    if (is_correlation_ && is_correlation_(reference)) {
      Error(item, "unsupported-correlation",
            Quote(reference) + " is a correlation; correlations of correlations are not supported");
    } else {
      Error(item, "unknown-rule-reference",
            "no detection rule has the id or name " + Quote(reference));
    }
    return std::nullopt;
  }

  void ReadTimespan(const YAML::Node& section) {
    const YAML::Node timespan = section["timespan"];
    if (!timespan) {
      Error(section, "missing-key", "the correlation has no 'timespan'; add e.g. 'timespan: 5m'");
      return;
    }
    const std::string text = timespan.IsScalar() ? timespan.Scalar() : std::string();
    int64_t unit = 0;
    switch (text.empty() ? '\0' : text.back()) {
      case 's':
        unit = 1'000'000'000;
        break;
      case 'm':
        unit = int64_t{60} * 1'000'000'000;
        break;
      case 'h':
        unit = int64_t{3600} * 1'000'000'000;
        break;
      case 'd':
        unit = int64_t{86400} * 1'000'000'000;
        break;
      default:
        break;
    }
    int64_t amount = 0;
    const char* begin = text.data();
    const char* end = text.data() + (text.empty() ? 0 : text.size() - 1);
    const bool digits =
        begin != end && std::all_of(begin, end, [](char c) { return c >= '0' && c <= '9'; });
    const bool parsed = digits && std::from_chars(begin, end, amount).ptr == end;
    if (unit == 0 || !parsed || amount <= 0 ||
        amount > std::numeric_limits<int64_t>::max() / unit) {
      Error(timespan, "correlation-syntax",
            "timespan " + Quote(text) +
                " must be a positive whole number and one of s, m, h, d (e.g. '10m')");
      return;
    }
    rule_.timespan_ns = amount * unit;
  }

  void ReadGroupBy(const YAML::Node& section) {
    const YAML::Node group_by = section["group-by"];
    std::vector<YAML::Node> items;
    if (group_by && group_by.IsScalar()) {
      items.push_back(group_by);
    } else if (group_by && group_by.IsSequence()) {
      for (const YAML::Node& item : group_by) {
        items.push_back(item);
      }
    } else if (group_by && !group_by.IsNull()) {
      Error(group_by, "correlation-syntax", "'group-by' must be a field name or a list of them");
      return;
    }
    if (items.empty()) {
      diagnostics_.Warning(Where(group_by ? group_by : section), "correlation-no-group-by",
                           "no 'group-by': every matching record falls in one global group; "
                           "group by recipientAccountId at least");
      return;
    }
    const YAML::Node aliases = section["aliases"];
    if (aliases && !aliases.IsMap()) {
      Error(aliases, "correlation-syntax", "'aliases' must map alias names to {rule: field}");
    }
    for (const YAML::Node& item : items) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        Error(item, "correlation-syntax", "each 'group-by' entry must be a field or alias name");
        continue;
      }
      GroupByField field;
      field.name = item.Scalar();
      for (const GroupByField& other : rule_.group_by) {
        if (other.name == field.name) {
          Error(item, "correlation-syntax", Quote(field.name) + " is in 'group-by' twice");
        }
      }
      if (aliases && aliases.IsMap() && aliases[field.name]) {
        ResolveAlias(aliases[field.name], field);
      } else {
        field.paths.assign(rule_.rules.size(), event::FieldPath::Compile(field.name));
      }
      rule_.group_by.push_back(std::move(field));
    }
  }

  // `alias: {rule: field, ...}`: one field per referenced rule, in the order of `rules`.
  void ResolveAlias(const YAML::Node& alias, GroupByField& field) {
    if (!alias.IsMap()) {
      Error(alias, "correlation-syntax",
            "alias " + Quote(field.name) + " must map each referenced rule to a field");
      return;
    }
    std::vector<std::optional<event::FieldPath>> paths(rule_.rules.size());
    for (const auto& pair : alias) {
      if (!pair.first.IsScalar() || !pair.second.IsScalar()) {
        Error(pair.first, "correlation-syntax", "an alias entry is 'rule: field'");
        continue;
      }
      const std::optional<uint32_t> index = Resolve(pair.first);
      if (!index.has_value()) {
        continue;
      }
      const auto position = std::find(rule_.rules.begin(), rule_.rules.end(), *index);
      if (position == rule_.rules.end()) {
        Error(pair.first, "correlation-syntax",
              Quote(pair.first.Scalar()) + " is not one of this correlation's 'rules'");
        continue;
      }
      for (size_t i = 0; i < rule_.rules.size(); ++i) {
        if (rule_.rules[i] == *index) {
          paths[i] = event::FieldPath::Compile(pair.second.Scalar());
        }
      }
    }
    for (size_t i = 0; i < paths.size(); ++i) {
      if (!paths[i].has_value()) {
        Error(alias, "correlation-syntax",
              "alias " + Quote(field.name) + " gives no field for rule " + Quote(references_[i]));
        return;
      }
      field.paths.push_back(*std::move(paths[i]));
    }
  }

  void ReadCondition(const YAML::Node& section, bool type_ok) {
    const YAML::Node condition = section["condition"];
    const bool temporal =
        rule_.type == CorrelationType::kTemporal || rule_.type == CorrelationType::kTemporalOrdered;
    ReadValueField(section, condition);
    if (!condition) {
      if (temporal) {
        rule_.gte = static_cast<int64_t>(rule_.rules.size());  // all referenced rules
      } else if (type_ok) {
        Error(section, "missing-key",
              "the correlation has no 'condition'; add one, e.g. 'condition: {gte: 5}'");
      }
      return;
    }
    if (!condition.IsMap() || condition.size() == 0) {
      Error(condition, "correlation-syntax",
            "'condition' must map gt, gte, lt, lte, eq or neq to an integer");
      return;
    }
    int operators = 0;
    for (const auto& pair : condition) {
      const std::string key = pair.first.Scalar();
      if (key == "field") {
        continue;
      }
      std::optional<int64_t>* bound = BoundByName(key);
      if (bound == nullptr) {
        Error(pair.first, "correlation-syntax",
              "unknown condition operator " + Quote(key) + "; use gt, gte, lt, lte, eq or neq");
        continue;
      }
      ++operators;
      Diagnostics scratch;  // a refused scalar is reported below as correlation-syntax
      const std::optional<SigmaValue> value =
          pair.second.IsScalar() ? TypeScalar(pair.second, file_, scratch, line_offset_)
                                 : std::nullopt;
      if (!value.has_value() || value->kind != ValueKind::kInt) {
        Error(pair.second, "correlation-syntax",
              "condition " + Quote(key) + " needs an integer, e.g. '" + key + ": 5'");
        continue;
      }
      *bound = value->integer;
    }
    const int lower = rule_.gt.has_value() + rule_.gte.has_value();
    const int upper = rule_.lt.has_value() + rule_.lte.has_value();
    const bool range = lower == 1 && upper == 1 && operators == 2;
    if (operators > 1 && !range) {
      Error(condition, "correlation-syntax",
            "the condition is one operator, or a range of one lower (gt/gte) and one upper "
            "(lt/lte) bound");
    } else if (operators == 0) {
      Error(condition, "correlation-syntax", "the condition has no operator");
    }
  }

  // value_count's `field`: inside `condition` (Sigma spec) or beside it.
  void ReadValueField(const YAML::Node& section, const YAML::Node& condition) {
    const YAML::Node beside = section["field"];
    const bool inside = condition && condition.IsMap() && condition["field"];
    if (inside && beside) {
      Error(condition["field"], "correlation-syntax", "'field' is given twice");
    }
    // yaml-cpp cannot rebind a missing (zombie) node, so the choice is made at construction.
    const YAML::Node field = inside ? condition["field"] : beside;
    if (rule_.type != CorrelationType::kValueCount) {
      return;
    }
    if (!field) {
      Error(condition ? condition : section, "missing-key",
            "value_count needs 'field' in its condition: the field whose distinct values count");
      return;
    }
    if (!field.IsScalar() || field.Scalar().empty()) {
      Error(field, "correlation-syntax", "'field' must be one field name");
      return;
    }
    rule_.value_field_name = field.Scalar();
    rule_.value_field = event::FieldPath::Compile(rule_.value_field_name);
  }

  std::optional<int64_t>* BoundByName(std::string_view name) {
    if (name == "gt") {
      return &rule_.gt;
    }
    if (name == "gte") {
      return &rule_.gte;
    }
    if (name == "lt") {
      return &rule_.lt;
    }
    if (name == "lte") {
      return &rule_.lte;
    }
    if (name == "eq") {
      return &rule_.eq;
    }
    if (name == "neq") {
      return &rule_.neq;
    }
    return nullptr;
  }

  void ReadGenerate(const YAML::Node& section) {
    const YAML::Node generate = section["generate"];
    if (!generate) {
      return;
    }
    Diagnostics scratch;
    const std::optional<SigmaValue> value =
        generate.IsScalar() ? TypeScalar(generate, file_, scratch, line_offset_) : std::nullopt;
    if (!value.has_value() || value->kind != ValueKind::kBool) {
      Error(generate, "correlation-syntax", "'generate' must be true or false");
      return;
    }
    rule_.generate = value->boolean;
  }

  std::string ReadString(const YAML::Node& parent, const char* key, bool required) {
    const YAML::Node node = parent[key];
    if (!node) {
      if (required) {
        Error(parent, "missing-key", std::string("the correlation has no '") + key + "'; add it");
      }
      return {};
    }
    if (!node.IsScalar()) {
      Error(node, "value-type", std::string("'") + key + "' must be a single string");
      return {};
    }
    return node.Scalar();
  }

  void ReadTags(const YAML::Node& node) {
    const YAML::Node tags = node["tags"];
    if (!tags) {
      return;
    }
    if (!tags.IsSequence()) {
      Error(tags, "value-type", "'tags' must be a list");
      return;
    }
    for (const YAML::Node& tag : tags) {
      if (tag.IsScalar()) {
        rule_.tags.push_back(tag.Scalar());
      }
    }
  }

  bool HasErrorsSince(size_t first) const {
    for (size_t i = first; i < diagnostics_.size(); ++i) {
      if (diagnostics_.items()[i].severity == Severity::kError) {
        return true;
      }
    }
    return false;
  }

  SourceLocation Where(const YAML::Node& node) const {
    return LocationOf(node, file_, line_offset_);
  }
  void Error(const YAML::Node& node, std::string_view code, std::string message) {
    diagnostics_.Error(Where(node), code, std::move(message));
  }

  const SigmaDocument& document_;
  const std::string& file_;
  const RuleLookup& lookup_;
  const CorrelationNameCheck& is_correlation_;
  Diagnostics& diagnostics_;
  const size_t first_ = diagnostics_.size();
  int line_offset_ = 0;
  CorrelationRule rule_;
  std::vector<std::string> references_;  // `rules` as written, parallel to rule_.rules
};

}  // namespace

std::string_view CorrelationTypeName(CorrelationType type) {
  switch (type) {
    case CorrelationType::kEventCount:
      return "event_count";
    case CorrelationType::kValueCount:
      return "value_count";
    case CorrelationType::kTemporal:
      return "temporal";
    case CorrelationType::kTemporalOrdered:
      return "temporal_ordered";
  }
  return "event_count";
}

bool CorrelationRule::ConditionHolds(int64_t count) const {
  return (!gt || count > *gt) && (!gte || count >= *gte) && (!lt || count < *lt) &&
         (!lte || count <= *lte) && (!eq || count == *eq) && (!neq || count != *neq);
}

std::optional<CorrelationRule> CompileCorrelation(const SigmaDocument& document,
                                                  const std::string& file, const RuleLookup& lookup,
                                                  Diagnostics& diagnostics) {
  return CompileCorrelation(document, file, lookup, CorrelationNameCheck(), diagnostics);
}

std::optional<CorrelationRule> CompileCorrelation(const SigmaDocument& document,
                                                  const std::string& file, const RuleLookup& lookup,
                                                  const CorrelationNameCheck& is_correlation,
                                                  Diagnostics& diagnostics) {
  const size_t first = diagnostics.size();
  std::optional<CorrelationRule> rule;
  try {
    rule = CorrelationCompiler(document, file, lookup, is_correlation, diagnostics).Compile();
  } catch (const YAML::Exception& error) {
    diagnostics.Error(error.mark.is_null()
                          ? document.location
                          : SourceLocation::FromYaml(file, error.mark.line, error.mark.column),
                      "correlation-syntax", error.msg);
    rule.reset();
  }
  if (const YAML::Node title = document.node["title"]; title && title.IsScalar()) {
    diagnostics.SetRuleTitle(first, title.Scalar());
  }
  return rule;
}

std::vector<bool> RulesWithoutOwnAlerts(const std::vector<CorrelationRule>& correlations,
                                        size_t rule_count) {
  std::vector<bool> referenced(rule_count, false);
  std::vector<bool> generated(rule_count, false);
  for (const CorrelationRule& correlation : correlations) {
    for (const uint32_t index : correlation.rules) {
      if (index < rule_count) {
        referenced[index] = true;
        generated[index] = generated[index] || correlation.generate;
      }
    }
  }
  std::vector<bool> silent(rule_count, false);
  for (size_t i = 0; i < rule_count; ++i) {
    silent[i] = referenced[i] && !generated[i];
  }
  return silent;
}

}  // namespace trailhound::rules
