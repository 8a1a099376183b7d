// rules/modifier_chain.h: what a `field|mod|mod` chain means (SIGMA.md §9). PlanModifiers checks
// the chain against the legal combinations and the item's values against the types the chain
// needs, and tells the compiler which matcher to build; ExpandValueAlternatives applies the value
// transforms (`expand`, `windash`, the UTF-16 encoders, `base64`, `base64offset`) to one value.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rules/diagnostics.h"
#include "rules/match_string.h"
#include "rules/sigma_rule.h"
#include "rules/yaml_value.h"

namespace trailhound::rules {

// What a validated modifier chain means, for the compiler.
struct ModifierPlan {
  enum class Kind { kString, kRegex, kCidr, kExists, kFieldRef, kCompare, kTimePart, kNull };
  Kind kind = Kind::kString;
  // The shaper, for strings and fieldref (a shaper on `re` warns and is dropped).
  using Shape = rules::Shape;  // the string matcher's shapes: the plan feeds it directly
  Shape shape = Shape::kExact;
  bool all = false;  // AND of values (after all-single-value folding: false when only one value)
  bool neq = false;  // whole item negated
  bool cased = false;
  bool regex_ignore_case = false, regex_multiline = false, regex_dot_all = false;
  Modifier compare = Modifier::kGt;      // for kCompare
  Modifier time_part = Modifier::kHour;  // for kTimePart

  bool operator==(const ModifierPlan&) const = default;
};

// Checks the chain against SIGMA.md §9 "Legal combinations" and the value types (exists needs a
// bool, gt.. a number, a time part an integer, cidr and fieldref a string, a fieldref value is a
// field name without wildcards, a boolean under a string modifier is value-type, null takes only
// all/neq). A repeated modifier (base64 excepted) counts once; the parser has warned
// repeated-modifier. Also warns
// all-single-value (and folds `all` away), all-without-shaper, shaper-on-regex,
// inline-regex-flag, encoding-without-base64, base64offset-without-contains and non-portable.
// Adds diagnostics at item.location; returns nullopt when there is an error.
std::optional<ModifierPlan> PlanModifiers(const DetectionItem& item, Diagnostics& diagnostics);

using Placeholders = std::map<std::string, std::vector<std::string>, std::less<>>;

// The string alternatives one Sigma value stands for after the value transforms in the chain,
// applied left to right (a repeated modifier once, except base64): expand (%name% → each
// configured value, cartesian for several; `\%` is a literal %; unresolved →
// unresolved-placeholder), windash (every word-initial - or / → - / – — ―, cartesian),
// utf16le/utf16be/utf16 (UTF-16 bytes; utf16 = BOM FF FE + LE; a non-ASCII rule value →
// value-type), base64 (standard, padded), base64offset (the three offset variants of §9).
// Shapers and the other modifiers are ignored here. The alternatives are OR-ed by the caller.
// Each alternative is again a Sigma value (§8): expanded and windash alternatives keep their
// wildcards and escapes; an encoded one is its bytes with `\`, `*` and `?` backslash-escaped
// (Base64 text never has them). An unescaped wildcard reaching an encoder →
// wildcard-in-encoded. More than 10000 alternatives → value-type. A null value has none.
// Adds diagnostics at `where`; returns nullopt on error.
std::optional<std::vector<std::string>> ExpandValueAlternatives(const SigmaValue& value,
                                                                std::span<const Modifier> modifiers,
                                                                const Placeholders& placeholders,
                                                                const SourceLocation& where,
                                                                Diagnostics& diagnostics);

}  // namespace trailhound::rules
