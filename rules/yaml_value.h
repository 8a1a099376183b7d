// rules/yaml_value.h: values in Sigma rules, typed the way SigmaHQ's tooling reads them. Rule
// files are YAML 1.1 as PyYAML resolves it (SIGMA.md §4): an unquoted `yes` is the boolean
// true, `0x1F` the integer 31, `10:30` the integer 630, `1e3` a string, and every quoted
// scalar a string. yaml-cpp parses YAML 1.2 and types nothing, so the resolution is ours.
// One divergence: a sexagesimal float (`1:30.5`, 90.5 to PyYAML) stays a string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "rules/diagnostics.h"

namespace trailhound::rules {

enum class ValueKind { kNull, kBool, kInt, kFloat, kString };

struct SigmaValue {
  ValueKind kind = ValueKind::kNull;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::string text;  // the scalar as written (for strings, the value itself)
  SourceLocation location;
};

// The result of resolving one plain (unquoted) scalar: a value, or why it is refused.
struct PlainScalar {
  std::optional<SigmaValue> value;
  std::string error;  // set when value is empty: the `value-type` message
};

// Resolves an unquoted scalar with PyYAML's YAML 1.1 rules. `.inf`/`.nan`, timestamps and
// integers beyond int64 are refused (`value-type`): a rule must quote them to mean text.
PlainScalar ResolvePlainScalar(std::string_view text);

// Types a YAML scalar node (quoted → string; plain → ResolvePlainScalar). On a refusal adds a
// `value-type` error at the node and returns nullopt. REQUIRES: node.IsScalar() or IsNull().
// `line_offset` is added to yaml-cpp's line (a document loaded from the middle of its file).
std::optional<SigmaValue> TypeScalar(const YAML::Node& node, const std::string& file,
                                     Diagnostics& diagnostics, int line_offset = 0);

// The node's position as a 1-based SourceLocation, `line_offset` lines further down.
SourceLocation LocationOf(const YAML::Node& node, const std::string& file, int line_offset = 0);

}  // namespace trailhound::rules
