// rules/sigma_parser.cc: YAML documents to SigmaDocuments. Every check that needs only the
// document itself is here (required keys, duplicate keys, metadata, logsource, modifier names,
// value types); what needs the whole rule set (duplicate ids, references) or compilation
// (regexes, CIDRs, modifier combinations) comes after.
#include "rules/sigma_parser.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include <yaml-cpp/depthguard.h>

#include "pipeline/base/edit_distance.h"
#include "pipeline/base/yaml_text.h"

namespace trailhound::rules {
namespace {

struct ModifierName {
  std::string_view name;
  Modifier modifier;
};

constexpr std::array<ModifierName, 34> kModifierNames = {{
    {"contains", Modifier::kContains},
    {"startswith", Modifier::kStartsWith},
    {"endswith", Modifier::kEndsWith},
    {"all", Modifier::kAll},
    {"cased", Modifier::kCased},
    {"re", Modifier::kRe},
    {"i", Modifier::kReIgnoreCase},
    {"ignorecase", Modifier::kReIgnoreCase},
    {"m", Modifier::kReMultiline},
    {"multiline", Modifier::kReMultiline},
    {"s", Modifier::kReDotAll},
    {"dotall", Modifier::kReDotAll},
    {"cidr", Modifier::kCidr},
    {"base64", Modifier::kBase64},
    {"base64offset", Modifier::kBase64Offset},
    {"utf16le", Modifier::kUtf16Le},
    {"wide", Modifier::kUtf16Le},
    {"utf16be", Modifier::kUtf16Be},
    {"utf16", Modifier::kUtf16},
    {"windash", Modifier::kWindash},
    {"exists", Modifier::kExists},
    {"fieldref", Modifier::kFieldRef},
    {"gt", Modifier::kGt},
    {"gte", Modifier::kGte},
    {"lt", Modifier::kLt},
    {"lte", Modifier::kLte},
    {"neq", Modifier::kNeq},
    {"minute", Modifier::kMinute},
    {"hour", Modifier::kHour},
    {"day", Modifier::kDay},
    {"week", Modifier::kWeek},
    {"month", Modifier::kMonth},
    {"year", Modifier::kYear},
    {"expand", Modifier::kExpand},
}};

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool IsUuid(std::string_view id) {
  if (id.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if ((i == 8 || i == 13 || i == 18 || i == 23) ? c != '-' : !hex) {
      return false;
    }
  }
  return true;
}

bool OneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end();
}

// Flow nesting allowed in a rule file (base::FlowNestingExceeds).
constexpr int kMaxFlowNesting = 256;

// Aliases make a YAML document a graph: `b: *a` shares the node of `a`, and `&a [*a]` even holds
// itself. A few lines of aliases can stand for billions of nodes, and every walk of the document
// (ours, and those of later readers) sees them all, so a document that expands to more nodes than
// its text could hold without aliases, or whose aliases nest past kMaxAliasDepth or form a cycle,
// is refused. Each distinct node is counted once, so the check itself is linear.
constexpr int kMaxAliasDepth = 1000;

//
// The same walk finds the empty entries of flow collections: yaml-cpp reads `[a,, b]` as
// `[a, null, b]` where YAML (and PyYAML) refuse it. Such a null sits on its stray ','.
class ExpandedSizeCounter {
 public:
  ExpandedSizeCounter(size_t limit, std::string_view text) : limit_(limit), text_(text) {}

  bool Within(const YAML::Node& root) { return Count(root, 0) <= limit_; }
  // An empty flow entry's null node, if the walk met one.
  const std::optional<YAML::Node>& stray_comma() const { return stray_comma_; }

 private:
  struct Counted {
    YAML::Node node;
    size_t size;
  };

  size_t Count(const YAML::Node& node, int depth) {
    if (!node.IsMap() && !node.IsSequence()) {
      if (node.IsNull() && !stray_comma_ && IsEmptyFlowEntry(node.Mark().pos)) {
        stray_comma_ = node;
      }
      return 1;
    }
    if (depth > kMaxAliasDepth) {
      return kOver;
    }
    // Distinct nodes rarely share a position (an implicit flow map and its key can), so the
    // position narrows the search and Node::is() decides.
    std::vector<Counted>& at_position = counted_[node.Mark().pos];
    for (const Counted& counted : at_position) {
      if (counted.node.is(node)) {
        return counted.size;  // kOver while still being counted: a cycle
      }
    }
    at_position.push_back(Counted{node, kOver});
    size_t total = 1;
    for (auto it = node.begin(); it != node.end() && total <= limit_; ++it) {
      if (node.IsMap()) {
        total = Add(total, Count(it->first, depth + 1));
        total = Add(total, Count(it->second, depth + 1));
      } else {
        total = Add(total, Count(*it, depth + 1));
      }
    }
    for (Counted& counted : counted_[node.Mark().pos]) {  // the vector may have grown meanwhile
      if (counted.node.is(node)) {
        counted.size = total;
      }
    }
    return total;
  }

  // A null on a ',' that follows '[', '{' or another ',' (`{a: , b: 1}` is an empty value).
  bool IsEmptyFlowEntry(int pos) const {
    if (pos <= 0 || static_cast<size_t>(pos) >= text_.size() || text_[pos] != ',') {
      return false;
    }
    const size_t before = text_.find_last_not_of(" \t\r\n", static_cast<size_t>(pos) - 1);
    return before != std::string_view::npos &&
           (text_[before] == ',' || text_[before] == '[' || text_[before] == '{');
  }

  static size_t Add(size_t a, size_t b) { return b > kOver - a ? kOver : a + b; }

  static constexpr size_t kOver = SIZE_MAX;
  const size_t limit_;
  const std::string_view text_;
  std::unordered_map<int, std::vector<Counted>> counted_;
  std::optional<YAML::Node> stray_comma_;
};

// Refuses, as yaml-syntax, a document whose aliases expand too far and one with an empty flow
// entry. Without aliases a node takes at least a byte or two of text; twice the text plus a
// margin leaves room for the odd alias in a real rule.
bool CheckDocumentShape(const YAML::Node& root, std::string_view text, const std::string& file,
                        int line_offset, Diagnostics& diagnostics) {
  ExpandedSizeCounter counter(2 * text.size() + 1024, text);
  if (!counter.Within(root)) {
    diagnostics.Error(LocationOf(root, file, line_offset), "yaml-syntax",
                      "aliases (*name) repeat so much of the document, nest so deeply or refer "
                      "to themselves that it cannot be read; write the values out");
    return false;
  }
  if (counter.stray_comma()) {
    diagnostics.Error(LocationOf(*counter.stray_comma(), file, line_offset), "yaml-syntax",
                      "stray ',': an empty entry in a flow collection; remove the comma or write "
                      "null");
    return false;
  }
  return true;
}

// The rule title as diagnostics carry it: every diagnostic of the document repeats it, so an
// over-long title (itself an error) is cut rather than copied whole into each.
std::string_view TitleForDiagnostics(const std::string& title) {
  constexpr size_t kMaxTitleBytes = 256;
  if (title.size() <= kMaxTitleBytes) {
    return title;
  }
  size_t end = kMaxTitleBytes;
  while (end > 0 && (static_cast<unsigned char>(title[end]) & 0xC0) == 0x80) {
    --end;  // do not cut a UTF-8 sequence
  }
  return std::string_view(title).substr(0, end);
}

void CheckKeysUnique(const YAML::Node& node, const std::string& file, int line_offset,
                     Diagnostics& diagnostics, int depth) {
  if (depth > kMaxFlowNesting) {
    return;  // base::FlowNestingExceeds bounds flow nesting; block nesting this deep is absurd
  }
  if (node.IsMap()) {
    // A set, not a list: a mapping may have hundreds of thousands of keys. The views point
    // into the document's nodes, which outlive this call.
    std::unordered_set<std::string_view> seen;
    for (const auto& pair : node) {
      if (pair.first.IsScalar()) {
        const std::string& key = pair.first.Scalar();
        if (!seen.insert(key).second) {
          diagnostics.Error(LocationOf(pair.first, file, line_offset), "duplicate-key",
                            "key '" + key + "' appears twice in this mapping; merge the two");
        }
      }
      CheckKeysUnique(pair.second, file, line_offset, diagnostics, depth + 1);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      CheckKeysUnique(item, file, line_offset, diagnostics, depth + 1);
    }
  }
}

class DocumentParser {
 public:
  DocumentParser(const std::string& file, Diagnostics& diagnostics)
      : file_(file), diagnostics_(diagnostics) {}

  // `line_offset`: lines of the file before this document's text.
  SigmaDocument Parse(const YAML::Node& node, int line_offset) {
    line_offset_ = line_offset;
    SigmaDocument document;
    document.node.reset(node);
    document.location = Where(node, file_);
    const size_t first_diagnostic = diagnostics_.size();
    CheckDuplicateKeys(node, file_, line_offset_, diagnostics_);
    if (node["action"]) {
      diagnostics_.Error(Where(node["action"], file_), "collection-action",
                         "'action' collection documents (global/reset/repeat) are not supported; "
                         "write each rule out in full");
    } else if (node["correlation"]) {
      document.kind = DocumentKind::kCorrelation;
    } else if (node["filter"]) {
      document.kind = DocumentKind::kFilter;
      ParseFilter(node, document);
    } else {
      document.kind = DocumentKind::kDetection;
      ParseDetectionRule(node, document.rule);
    }
    document.rule.location = document.location;
    if (const YAML::Node title = node["title"]; title && title.IsScalar()) {
      diagnostics_.SetRuleTitle(first_diagnostic, TitleForDiagnostics(title.Scalar()));
    }
    document.loaded = !HasErrorsSince(first_diagnostic);
    return document;
  }

 private:
  bool HasErrorsSince(size_t first) const {
    for (size_t i = first; i < diagnostics_.size(); ++i) {
      if (diagnostics_.items()[i].severity == Severity::kError) {
        return true;
      }
    }
    return false;
  }

  // A required or optional string-valued key; empty when absent.
  std::string ReadString(const YAML::Node& parent, const char* key, bool required) {
    const YAML::Node node = parent[key];
    if (!node) {
      if (required) {
        diagnostics_.Error(Where(parent, file_), "missing-key",
                           std::string("the rule has no '") + key + "'; add it");
      }
      return {};
    }
    if (!node.IsScalar()) {
      diagnostics_.Error(Where(node, file_), "value-type",
                         std::string("'") + key + "' must be a single string");
      return {};
    }
    return node.Scalar();
  }

  void ParseDetectionRule(const YAML::Node& node, SigmaRule& rule) {
    rule.title = ReadString(node, "title", true);
    if (rule.title.size() > 256) {
      diagnostics_.Error(Where(node["title"], file_), "value-type",
                         "title is longer than 256 characters");
    }
    rule.id = ReadString(node, "id", true);
    if (!rule.id.empty() && !IsUuid(rule.id)) {
      diagnostics_.Warning(Where(node["id"], file_), "metadata",
                           "id '" + rule.id + "' is not a UUID");
    }
    rule.name = ReadString(node, "name", false);
    rule.author = ReadString(node, "author", false);
    rule.description = ReadString(node, "description", false);
    ParseStatusAndLevel(node, rule);
    ParseTags(node, rule);
    ParseLogsource(node, rule);
    // yaml-cpp's Node::operator= assigns contents and throws on a missing node: rebind instead.
    if (const YAML::Node tests = node["tests"]) {
      rule.tests.reset(tests);
    }
    const YAML::Node detection = node["detection"];
    if (!detection) {
      diagnostics_.Error(Where(node, file_), "missing-key", "the rule has no 'detection'; add it");
      return;
    }
    if (!detection.IsMap()) {
      diagnostics_.Error(Where(detection, file_), "value-type",
                         "'detection' must map search identifiers and 'condition'");
      return;
    }
    ParseDetection(detection, rule);
  }

  // A filter document (§12): title, id, logsource, and `filter` holding `rules`, selections
  // and one condition.
  void ParseFilter(const YAML::Node& node, SigmaDocument& document) {
    SigmaRule& rule = document.rule;
    rule.title = ReadString(node, "title", true);
    rule.id = ReadString(node, "id", true);
    rule.name = ReadString(node, "name", false);
    ParseLogsource(node, rule);
    const YAML::Node filter = node["filter"];
    if (!filter.IsMap()) {
      diagnostics_.Error(Where(filter, file_), "value-type",
                         "'filter' must map 'rules', search identifiers and 'condition'");
      return;
    }
    ParseFilterTargets(filter["rules"], document.filter);
    ParseDetection(filter, rule, /*skip_key=*/"rules");
    if (rule.conditions.size() > 1) {
      diagnostics_.Error(Where(filter["condition"], file_), "condition-syntax",
                         "a filter has one condition, a single string");
    }
  }

  void ParseFilterTargets(const YAML::Node& rules, FilterTargets& targets) {
    if (!rules || rules.IsNull() || (rules.IsScalar() && rules.Scalar() == "any")) {
      return;
    }
    if (!rules.IsSequence()) {
      diagnostics_.Error(Where(rules, file_), "value-type",
                         "filter 'rules' must be a list of rule ids or names, or 'any'");
      return;
    }
    for (const YAML::Node& entry : rules) {
      if (!entry.IsScalar()) {
        diagnostics_.Error(Where(entry, file_), "value-type",
                           "each filter 'rules' entry must be a rule id or name");
        continue;
      }
      targets.rules.push_back(entry.Scalar());
      targets.locations.push_back(Where(entry, file_));
    }
    targets.any = targets.rules.empty();  // an empty list means any (§12)
  }

  void ParseStatusAndLevel(const YAML::Node& node, SigmaRule& rule) {
    rule.status = ReadString(node, "status", false);
    if (!rule.status.empty()) {
      if (!OneOf(rule.status, {"stable", "test", "experimental", "deprecated", "unsupported"})) {
        diagnostics_.Warning(Where(node["status"], file_), "metadata",
                             "status '" + rule.status + "' is not a Sigma status");
      } else if (rule.status == "deprecated" || rule.status == "unsupported") {
        diagnostics_.Warning(Where(node["status"], file_), "metadata",
                             "the rule is " + rule.status + "; it loads and runs anyway");
      }
    }
    const std::string level = ReadString(node, "level", false);
    if (level.empty()) {
      diagnostics_.Warning(Where(node, file_), "metadata",
                           "no 'level'; alerts are sent as 'medium'");
    } else if (!OneOf(level, {"informational", "low", "medium", "high", "critical"})) {
      diagnostics_.Warning(Where(node["level"], file_), "metadata",
                           "level '" + level + "' is not a Sigma level; using 'medium'");
    } else {
      rule.level = level;
    }
  }

  void ParseTags(const YAML::Node& node, SigmaRule& rule) {
    const YAML::Node tags = node["tags"];
    if (!tags) {
      return;
    }
    if (!tags.IsSequence()) {
      diagnostics_.Error(Where(tags, file_), "value-type", "'tags' must be a list");
      return;
    }
    for (const YAML::Node& tag : tags) {
      if (tag.IsScalar()) {
        rule.tags.push_back(tag.Scalar());
      }
    }
  }

  void ParseLogsource(const YAML::Node& node, SigmaRule& rule) {
    const YAML::Node logsource = node["logsource"];
    if (!logsource) {
      diagnostics_.Error(Where(node, file_), "missing-key",
                         "the rule has no 'logsource'; CloudTrail rules use {product: aws, "
                         "service: cloudtrail}");
      return;
    }
    if (!logsource.IsMap()) {
      diagnostics_.Error(Where(logsource, file_), "value-type", "'logsource' must be a map");
      return;
    }
    rule.logsource.product = ReadString(logsource, "product", false);
    rule.logsource.service = ReadString(logsource, "service", false);
    rule.logsource.category = ReadString(logsource, "category", false);
    rule.logsource.applies =
        rule.logsource.product == "aws" &&
        (rule.logsource.service.empty() || rule.logsource.service == "cloudtrail") &&
        rule.logsource.category.empty();
    if (!rule.logsource.applies) {
      diagnostics_.Warning(Where(logsource, file_), "foreign-logsource",
                           "logsource is not aws/cloudtrail: the rule loads but never matches");
    }
  }

  // `skip_key`: a key that is not a search identifier here (a filter's `rules`).
  void ParseDetection(const YAML::Node& detection, SigmaRule& rule,
                      std::string_view skip_key = {}) {
    bool has_condition = false;
    for (const auto& pair : detection) {
      const std::string key = pair.first.Scalar();
      const SourceLocation where = Where(pair.first, file_);
      if (!skip_key.empty() && key == skip_key) {
        continue;
      }
      if (key == "condition") {
        has_condition = true;
        ParseConditionTexts(pair.second, where, rule);
      } else if (key == "timeframe") {
        diagnostics_.Error(where, "legacy-aggregation",
                           "legacy aggregation ('timeframe'): write a correlation rule (SIGMA.md "
                           "§13) with 'timespan' instead");
      } else if (key.empty() || !std::all_of(key.begin(), key.end(), IsIdentifierChar)) {
        diagnostics_.Error(where, "condition-syntax",
                           "search identifier '" + key + "' may use only A-Z a-z 0-9 _ -");
      } else {
        SearchIdentifier identifier;
        identifier.name = key;
        identifier.location = where;
        if (ParseSearchIdentifier(pair.second, identifier)) {
          rule.identifiers.push_back(std::move(identifier));
        }
      }
    }
    if (!has_condition) {
      diagnostics_.Error(Where(detection, file_), "missing-key",
                         "'detection' has no 'condition'; add one, e.g. 'condition: selection'");
    }
  }

  void ParseConditionTexts(const YAML::Node& node, const SourceLocation& key, SigmaRule& rule) {
    if (node.IsScalar()) {
      rule.conditions.push_back(node.Scalar());
      rule.condition_locations.push_back(Where(node, file_));
      return;
    }
    if (node.IsSequence() && node.size() > 0) {
      for (const YAML::Node& item : node) {
        if (!item.IsScalar()) {
          diagnostics_.Error(Where(item, file_), "condition-syntax",
                             "each condition of a list must be a string");
          continue;
        }
        rule.conditions.push_back(item.Scalar());
        rule.condition_locations.push_back(Where(item, file_));
      }
      return;
    }
    // An empty value's position is wherever the next token is: point at the key instead.
    diagnostics_.Error(node.IsNull() ? key : Where(node, file_), "condition-syntax",
                       "'condition' must be a string or a list of strings");
  }

  bool ParseSearchIdentifier(const YAML::Node& node, SearchIdentifier& identifier) {
    if (node.IsMap()) {
      if (node.size() == 0) {
        diagnostics_.Error(identifier.location, "value-type",
                           "selection '" + identifier.name + "' is empty");
        return false;
      }
      identifier.alternatives.push_back(ParseMapItems(node));
      return true;
    }
    if (!node.IsSequence() || node.size() == 0) {
      diagnostics_.Error(identifier.location, "value-type",
                         "selection '" + identifier.name +
                             "' must be a map of fields or a list (of maps or keywords)");
      return false;
    }
    DetectionItem keywords;
    keywords.keyword = true;
    keywords.location = Where(node, file_);
    for (const YAML::Node& element : node) {
      if (element.IsMap()) {
        identifier.alternatives.push_back(ParseMapItems(element));
      } else if (element.IsScalar() || element.IsNull()) {
        if (std::optional<SigmaValue> value =
                TypeScalar(element, file_, diagnostics_, line_offset_)) {
          keywords.values.push_back(std::move(*value));
        }
      } else {
        diagnostics_.Error(Where(element, file_), "value-type",
                           "a list inside a selection list is not Sigma");
      }
    }
    if (!keywords.values.empty()) {
      identifier.alternatives.push_back({std::move(keywords)});
    }
    return true;
  }

  std::vector<DetectionItem> ParseMapItems(const YAML::Node& map) {
    std::vector<DetectionItem> items;
    for (const auto& pair : map) {
      DetectionItem item;
      item.location = Where(pair.first, file_);
      const std::string key = pair.first.Scalar();
      const size_t bar = key.find('|');
      item.field = key.substr(0, bar);
      item.keyword = item.field.empty();
      if (bar != std::string::npos) {
        ParseModifiers(std::string_view(key).substr(bar + 1), item);
      }
      ParseValues(pair.second, item);
      items.push_back(std::move(item));
    }
    return items;
  }

  void ParseModifiers(std::string_view chain, DetectionItem& item) {
    uint64_t given = 0;  // bit per Modifier: a chain may repeat one thousands of times
    size_t start = 0;
    while (start <= chain.size()) {
      size_t bar = chain.find('|', start);
      if (bar == std::string_view::npos) {
        bar = chain.size();
      }
      const std::string_view name = chain.substr(start, bar - start);
      const std::optional<Modifier> modifier = ModifierByName(name);
      if (!modifier.has_value()) {
        std::string message = Quote(name) + " is not a Sigma modifier";
        const std::string_view suggestion = ClosestModifierName(name);
        if (!suggestion.empty()) {
          message += "; did you mean '" + std::string(suggestion) + "'?";
        }
        diagnostics_.Error(item.location, "unknown-modifier", std::move(message));
      } else {
        const uint64_t bit = uint64_t{1} << static_cast<unsigned>(*modifier);
        if (*modifier != Modifier::kBase64 && (given & bit) != 0) {
          diagnostics_.Warning(item.location, "repeated-modifier",
                               "modifier '" + std::string(name) + "' is given twice");
        }
        given |= bit;
        item.modifiers.push_back(*modifier);
      }
      start = bar + 1;
    }
  }

  void ParseValues(const YAML::Node& node, DetectionItem& item) {
    if (node.IsScalar() || node.IsNull()) {
      if (std::optional<SigmaValue> value = TypeScalar(node, file_, diagnostics_, line_offset_)) {
        item.values.push_back(std::move(*value));
      }
      return;
    }
    if (!node.IsSequence()) {
      diagnostics_.Error(Where(node, file_), "value-type",
                         "a field's value must be a scalar or a list of scalars, not a map");
      return;
    }
    if (node.size() == 0) {
      SigmaValue null_value;  // `F: []` means `F: null`
      null_value.location = Where(node, file_);
      item.values.push_back(std::move(null_value));
      return;
    }
    bool has_null = false;
    for (const YAML::Node& element : node) {
      if (!element.IsScalar() && !element.IsNull()) {
        diagnostics_.Error(Where(element, file_), "value-type",
                           "a value list may hold only scalars");
        continue;
      }
      if (std::optional<SigmaValue> value =
              TypeScalar(element, file_, diagnostics_, line_offset_)) {
        has_null |= value->kind == ValueKind::kNull;
        item.values.push_back(std::move(*value));
      }
    }
    if (has_null && item.values.size() > 1) {
      diagnostics_.Warning(item.location, "null-in-list",
                           "null mixed into a value list is one of the alternatives");
    }
  }

  SourceLocation Where(const YAML::Node& node, const std::string& /*file*/) const {
    return LocationOf(node, file_, line_offset_);
  }

  const std::string& file_;
  Diagnostics& diagnostics_;
  int line_offset_ = 0;
};

struct DocumentText {
  std::string text;
  int first_line = 0;  // 0-based line of the file where `text` starts
};

// A line `---` or `...` (alone or followed by blanks or content) at column 0 separates
// documents; YAML forbids such a line inside any scalar, so the split is exact. We split
// ourselves because yaml-cpp 0.7's LoadAll loops forever on a stray ',' (jbeder/yaml-cpp#1040,
// fixed upstream after the version Debian ships), while Load of one document does not.
std::vector<DocumentText> SplitDocuments(std::string_view text) {
  std::vector<DocumentText> documents(1);
  int line = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view content = text.substr(start, end - start);
    const bool marker =
        content.size() >= 3 && (content.substr(0, 3) == "---" || content.substr(0, 3) == "...") &&
        (content.size() == 3 || content[3] == ' ' || content[3] == '\t' || content[3] == '\r');
    if (marker) {
      documents.push_back(DocumentText{{}, line});
      // Keep what follows the marker on its line, at its column (`--- {a: 1}`).
      documents.back().text = std::string(3, ' ');
      documents.back().text.append(content.substr(3));
      documents.back().text += '\n';
    } else {
      documents.back().text.append(content);
      documents.back().text += '\n';
    }
    start = end + 1;
    ++line;
  }
  return documents;
}

// yaml-cpp 0.7 takes the end of the text as the end of an unclosed quoted scalar, so
// `eventName: 'Stop` on the last line would load. Each document is given an explicit end `...`,
// which YAML forbids inside a quoted scalar: an unclosed quote then fails on that line. (The
// split above has removed any `...` line from the document itself.)
constexpr char kEndSentinel[] = "...\n";  // SplitDocuments ends every line with \n

bool ReachedEndSentinel(const YAML::Exception& error, const DocumentText& chunk) {
  return !error.mark.is_null() && static_cast<size_t>(error.mark.pos) >= chunk.text.size();
}

std::string YamlErrorMessage(const YAML::Exception& error, const DocumentText& chunk) {
  if (dynamic_cast<const YAML::DeepRecursion*>(&error) != nullptr) {
    return "the YAML nests too deeply; flatten it";  // yaml-cpp's depth guard says "bad file"
  }
  if (ReachedEndSentinel(error, chunk)) {
    return "a quoted string (' or \") is never closed";
  }
  return error.msg;
}

bool IsRuleFileName(const std::string& name) {
  return (name.ends_with(".yml") || name.ends_with(".yaml")) && !name.ends_with(".tests.yml");
}

}  // namespace

std::optional<Modifier> ModifierByName(std::string_view name) {
  for (const ModifierName& entry : kModifierNames) {
    if (entry.name == name) {
      return entry.modifier;
    }
  }
  return std::nullopt;
}

std::string_view ClosestModifierName(std::string_view name) {
  std::string_view best;
  size_t best_distance = 3;  // farther than two edits is no suggestion
  for (const ModifierName& entry : kModifierNames) {
    const size_t longer = std::max(name.size(), entry.name.size());
    if (longer - std::min(name.size(), entry.name.size()) >= best_distance) {
      continue;  // the distance is at least the difference in length; skips long names cheaply
    }
    const size_t distance = base::EditDistance(name, entry.name);
    if (distance < best_distance) {
      best = entry.name;
      best_distance = distance;
    }
  }
  return best;
}

std::vector<std::string> ListRuleFiles(const std::vector<std::string>& paths,
                                       Diagnostics& diagnostics) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && IsRuleFileName(it->path().filename().string())) {
          found.push_back(it->path().string());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      diagnostics.Error(SourceLocation{path, 0, 0}, "yaml-syntax", "no such file or directory");
    }
  }
  return files;
}

void CheckDuplicateKeys(const YAML::Node& node, const std::string& file, int line_offset,
                        Diagnostics& diagnostics) {
  CheckKeysUnique(node, file, line_offset, diagnostics, 0);
}

std::vector<YamlDocument> ReadYamlDocuments(std::string_view text, const std::string& file,
                                            Diagnostics& diagnostics) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);  // a UTF-8 byte-order mark is ignored (§1)
  }
  if (base::FlowNestingExceeds(text, kMaxFlowNesting)) {
    diagnostics.Error(SourceLocation{file, 0, 0}, "yaml-syntax",
                      "brackets nest deeper than " + std::to_string(kMaxFlowNesting) + " levels");
    return {};
  }
  std::vector<YamlDocument> documents;
  for (const DocumentText& chunk : SplitDocuments(text)) {
    YAML::Node node;
    try {
      node = YAML::Load(chunk.text + kEndSentinel);
    } catch (const YAML::Exception& error) {
      SourceLocation where = error.mark.is_null()
                                 ? SourceLocation{file, chunk.first_line + 1, 0}
                                 : SourceLocation::FromYaml(
                                       file, error.mark.line + chunk.first_line, error.mark.column);
      if (ReachedEndSentinel(error, chunk)) {
        where = SourceLocation{file, error.mark.line + chunk.first_line, 0};  // the last line
      }
      diagnostics.Error(where, "yaml-syntax", YamlErrorMessage(error, chunk));
      continue;  // the other documents of the file still load
    }
    if (node.IsNull()) {
      continue;  // an empty document between separators
    }
    if (!CheckDocumentShape(node, chunk.text, file, chunk.first_line, diagnostics)) {
      continue;
    }
    documents.push_back(YamlDocument{node, chunk.first_line});
  }
  return documents;
}

std::vector<SigmaDocument> ParseRuleText(std::string_view text, const std::string& file,
                                         Diagnostics& diagnostics) {
  std::vector<SigmaDocument> documents;
  DocumentParser parser(file, diagnostics);
  for (const YamlDocument& yaml : ReadYamlDocuments(text, file, diagnostics)) {
    if (!yaml.node.IsMap()) {
      diagnostics.Error(LocationOf(yaml.node, file, yaml.first_line), "yaml-syntax",
                        "a Sigma document must be a mapping of keys");
      continue;
    }
    try {
      documents.push_back(parser.Parse(yaml.node, yaml.first_line));
    } catch (const YAML::Exception& error) {
      diagnostics.Error(
          SourceLocation::FromYaml(file, error.mark.line + yaml.first_line, error.mark.column),
          "yaml-syntax", error.msg);
    }
  }
  return documents;
}

std::vector<SigmaDocument> ParseRuleFile(const std::string& file, Diagnostics& diagnostics) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diagnostics.Error(SourceLocation{file, 0, 0}, "yaml-syntax", "cannot read the file");
    return {};
  }
  std::ostringstream content;
  content << in.rdbuf();
  return ParseRuleText(content.str(), file, diagnostics);
}

}  // namespace trailhound::rules
