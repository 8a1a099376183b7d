// rules/sigma_rule.h: a Sigma document as read from YAML, before compilation: metadata,
// logsource, and the detection section as search identifiers of items (field, modifiers,
// typed values), every piece with its source position for diagnostics. Plain data; the
// compiler (later) turns a SigmaRule into matchers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rules/diagnostics.h"
#include "rules/yaml_value.h"

namespace trailhound::rules {

// Modifiers of SIGMA.md §9, aliases folded (`wide` = kUtf16Le, `ignorecase` = kReIgnoreCase).
enum class Modifier : uint8_t {
  kContains,
  kStartsWith,
  kEndsWith,
  kAll,
  kCased,
  kRe,
  kReIgnoreCase,
  kReMultiline,
  kReDotAll,
  kCidr,
  kBase64,
  kBase64Offset,
  kUtf16Le,
  kUtf16Be,
  kUtf16,
  kWindash,
  kExists,
  kFieldRef,
  kGt,
  kGte,
  kLt,
  kLte,
  kNeq,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kYear,
  kExpand,
};

// The modifier a name spells exactly (names are case-sensitive), or nullopt.
std::optional<Modifier> ModifierByName(std::string_view name);
// The known modifier name closest to `name` (for "did you mean"), or empty when none is close.
std::string_view ClosestModifierName(std::string_view name);

// One `field|mod|mod: value-or-list` of a selection map, or a keyword search.
struct DetectionItem {
  bool keyword = false;             // no field: search every string leaf of the record
  std::string field;                // dotted path; empty for keywords
  std::vector<Modifier> modifiers;  // in the order written
  std::vector<SigmaValue> values;   // OR-ed unless kAll; `F: []` holds one null
  SourceLocation location;          // of the key (or of the keyword list)
};

// A search identifier: an OR of alternatives, each an AND of items (a map is one alternative;
// a list of maps is several; keywords are one alternative holding one keyword item).
struct SearchIdentifier {
  std::string name;
  SourceLocation location;
  std::vector<std::vector<DetectionItem>> alternatives;
};

struct Logsource {
  std::string product;
  std::string service;
  std::string category;
  bool applies = false;  // product aws, service cloudtrail or none, no category (§3)
};

struct SigmaRule {
  SourceLocation location;  // of the document
  std::string title;
  std::string id;
  std::string name;
  std::string status;
  std::string level = "medium";
  std::string author;
  std::string description;
  std::vector<std::string> tags;
  Logsource logsource;
  std::vector<SearchIdentifier> identifiers;
  std::vector<std::string> conditions;  // `condition` as one string or a list
  std::vector<SourceLocation> condition_locations;
  YAML::Node tests;  // the optional inline `tests:` section (§15), validated by `rules test`
};

// What every loaded rule shows in its alerts (DETECTIONS.md §5.1 `rule`), detection and
// correlation alike.
struct RuleMetadata {
  std::string file;
  std::string id;
  std::string name;
  std::string title;
  std::string level;
  std::string status;
  std::string author;
  std::string description;
  std::vector<std::string> tags;
};

enum class DocumentKind { kDetection, kCorrelation, kFilter };

// The rules a filter document applies to (§12): every rule, or those named by id or name.
struct FilterTargets {
  bool any = true;
  std::vector<std::string> rules;
  std::vector<SourceLocation> locations;  // of each entry of `rules`
};

struct SigmaDocument {
  DocumentKind kind = DocumentKind::kDetection;
  SourceLocation location;
  YAML::Node node;  // the whole document (correlations are read from it by their compiler)
  // Parsed for detection and filter documents (a filter's selections and single condition
  // live in `rule.identifiers` and `rule.conditions`).
  SigmaRule rule;
  FilterTargets filter;  // filter documents
  bool loaded = false;   // false when an error left the document out
};

}  // namespace trailhound::rules
