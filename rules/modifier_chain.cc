// rules/modifier_chain.cc: modifier chains (SIGMA.md §9): legal combinations, the value types
// each chain needs, and the value transforms (placeholders, windash, UTF-16, Base64).
#include "rules/modifier_chain.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

namespace trailhound::rules {
namespace {

using Kind = ModifierPlan::Kind;
using M = Modifier;

std::string_view NameOf(Modifier m) {
  static constexpr std::array<std::string_view, 30> kNames = {
      "contains", "startswith", "endswith", "all",     "cased",  "re",
      "i",        "m",          "s",        "cidr",    "base64", "base64offset",
      "utf16le",  "utf16be",    "utf16",    "windash", "exists", "fieldref",
      "gt",       "gte",        "lt",       "lte",     "neq",    "minute",
      "hour",     "day",        "week",     "month",   "year",   "expand"};
  return kNames[static_cast<size_t>(m)];
}

bool IsShaper(M m) {
  return m == M::kContains || m == M::kStartsWith || m == M::kEndsWith;
}
bool IsRegexFlag(M m) {
  return m == M::kReIgnoreCase || m == M::kReMultiline || m == M::kReDotAll;
}
bool IsEncoder(M m) {
  return m == M::kUtf16Le || m == M::kUtf16Be || m == M::kUtf16;
}
bool IsBase64Step(M m) {
  return m == M::kBase64 || m == M::kBase64Offset;
}
bool IsAllOrNeq(M m) {
  return m == M::kAll || m == M::kNeq;
}
bool IsCompare(M m) {
  return m == M::kGt || m == M::kGte || m == M::kLt || m == M::kLte;
}
bool IsTimePart(M m) {
  return m >= M::kMinute && m <= M::kYear;
}
bool Has(std::span<const M> chain, M m) {
  return std::find(chain.begin(), chain.end(), m) != chain.end();
}
bool HasIf(std::span<const M> chain, bool (*test)(M)) {
  return std::any_of(chain.begin(), chain.end(), test);
}

// The kind of chain a modifier heads; nullopt for modifiers that only refine a chain.
std::optional<Kind> HeadKind(M m) {
  if (m == M::kRe)
    return Kind::kRegex;
  if (m == M::kCidr)
    return Kind::kCidr;
  if (m == M::kExists)
    return Kind::kExists;
  if (m == M::kFieldRef)
    return Kind::kFieldRef;
  if (IsCompare(m))
    return Kind::kCompare;
  if (IsTimePart(m))
    return Kind::kTimePart;
  return std::nullopt;
}

bool MustBeFirst(Kind kind) {
  return kind == Kind::kRegex || kind == Kind::kCidr || kind == Kind::kExists ||
         kind == Kind::kFieldRef;
}

// Whether `m` may accompany the head of a chain of `kind` (string chains have no head).
bool AllowedIn(Kind kind, M m) {
  switch (kind) {
    case Kind::kRegex:
      return IsRegexFlag(m) || IsShaper(m) || IsAllOrNeq(m);
    case Kind::kExists:
      return m == M::kNeq;
    case Kind::kFieldRef:
      return IsShaper(m) || m == M::kCased || IsAllOrNeq(m);
    case Kind::kCidr:
    case Kind::kCompare:
    case Kind::kTimePart:
      return IsAllOrNeq(m);
    case Kind::kString:
    case Kind::kNull:
      break;
  }
  return !IsRegexFlag(m) && !HeadKind(m);
}

std::string Named(M m) {
  return Quote(NameOf(m));
}

// `a` then `b`, built by appending (GCC 12 misreports "literal" + std::string as -Wrestrict).
std::string Concat(std::string_view a, std::string_view b) {
  std::string text(a);
  text.append(b);
  return text;
}

// The chain with repeats dropped (base64 excepted: it encodes twice). The parser has warned
// repeated-modifier already.
std::vector<M> DistinctModifiers(std::span<const M> modifiers) {
  std::vector<M> chain;
  for (const M m : modifiers) {
    if (m == M::kBase64 || !Has(chain, m))
      chain.push_back(m);
  }
  return chain;
}

// The chain's kind from its head modifier; modifier-combination errors for heads out of place
// and for modifiers the head does not take.
std::optional<Kind> ChainKind(std::span<const M> chain, const DetectionItem& item,
                              Diagnostics& diagnostics) {
  std::optional<M> head;
  for (size_t i = 0; i < chain.size(); ++i) {
    const std::optional<Kind> kind = HeadKind(chain[i]);
    if (!kind)
      continue;
    if (head) {
      diagnostics.Error(
          item.location, "modifier-combination",
          Named(*head).append(" and ").append(Named(chain[i])).append(" cannot be combined"));
      return std::nullopt;
    }
    head = chain[i];
    if (MustBeFirst(*kind) && i != 0) {
      diagnostics.Error(item.location, "modifier-combination",
                        Named(chain[i]).append(" must be the first modifier"));
      return std::nullopt;
    }
  }
  const Kind kind = head ? *HeadKind(*head) : Kind::kString;
  // A keyword search takes string modifiers (and `re`) only (SIGMA.md §5).
  if (item.keyword && kind != Kind::kString && kind != Kind::kRegex) {
    diagnostics.Error(item.location, "modifier-combination",
                      Named(*head).append(" needs a field; a keyword search cannot use it"));
    return std::nullopt;
  }
  for (const M m : chain) {
    if (head && m == *head)
      continue;
    if (AllowedIn(kind, m))
      continue;
    std::string message = Named(m);
    message.append(head ? std::string(" cannot be combined with ").append(Named(*head))
                        : std::string(" is a flag of 're' and needs 're' first"));
    diagnostics.Error(item.location, "modifier-combination", std::move(message));
    return std::nullopt;
  }
  return kind;
}

// Order rules shared by the string chains: one shaper, one encoder, encoders before Base64,
// and no shaper before an encoding step (its wildcards cannot be encoded).
bool CheckStringOrder(std::span<const M> chain, const SourceLocation& where,
                      Diagnostics& diagnostics) {
  std::string problem;
  if (std::count_if(chain.begin(), chain.end(), IsShaper) > 1) {
    problem = "use at most one of 'contains', 'startswith' and 'endswith'";
  } else if (std::count_if(chain.begin(), chain.end(), IsEncoder) > 1) {
    problem = "use at most one of 'utf16le'/'wide', 'utf16be' and 'utf16'";
  }
  bool seen_base64 = false, seen_shaper = false;
  for (const M m : chain) {
    if (!problem.empty())
      break;
    if (IsEncoder(m) && seen_base64) {
      problem = Named(m).append(" must come before 'base64'/'base64offset'");
    } else if ((IsEncoder(m) || IsBase64Step(m)) && seen_shaper) {
      problem = "a shaper's wildcards cannot be encoded: put it after ";
      problem.append(Named(m));
    }
    seen_base64 = seen_base64 || IsBase64Step(m);
    seen_shaper = seen_shaper || IsShaper(m);
  }
  if (problem.empty())
    return true;
  diagnostics.Error(where, "modifier-combination", std::move(problem));
  return false;
}

bool IsNumber(const SigmaValue& v) {
  return v.kind == ValueKind::kInt || v.kind == ValueKind::kFloat;
}

// The type error for one value under a chain of `kind`, or empty.
std::string ValueTypeProblem(Kind kind, bool string_modifier, const SigmaValue& v) {
  switch (kind) {
    case Kind::kExists:
      return v.kind == ValueKind::kBool ? "" : "'exists' takes true or false";
    case Kind::kCompare:
      return IsNumber(v) ? ""
                         : Concat("a comparison takes a number (unquoted), not ", Quote(v.text));
    case Kind::kTimePart:
      return v.kind == ValueKind::kInt
                 ? ""
                 : Concat("a time part takes an integer, not ", Quote(v.text));
    case Kind::kCidr:
      return v.kind == ValueKind::kString ? "" : "'cidr' takes a network such as '10.0.0.0/8'";
    case Kind::kFieldRef:
      return v.kind == ValueKind::kString && v.text.find_first_of("*?") == std::string::npos
                 ? ""
                 : Concat("'fieldref' takes a field name without wildcards, not ", Quote(v.text));
    case Kind::kString:
    case Kind::kRegex:
    case Kind::kNull:
      break;
  }
  return string_modifier && v.kind == ValueKind::kBool
             ? Concat("a boolean under a string modifier; quote it to mean the text ",
                      Quote(v.text))
             : "";
}

bool CheckValueTypes(Kind kind, std::span<const M> chain, const DetectionItem& item,
                     Diagnostics& diagnostics) {
  const bool all_or_neq_only = std::all_of(chain.begin(), chain.end(), IsAllOrNeq);
  const bool string_modifier = kind == Kind::kRegex || (kind == Kind::kString && !all_or_neq_only);
  bool ok = true, warned_number = false;
  for (const SigmaValue& v : item.values) {
    if (v.kind == ValueKind::kNull && kind != Kind::kExists && !all_or_neq_only) {
      diagnostics.Error(item.location, "modifier-combination",
                        "null takes no modifiers except 'all' and 'neq'");
      return false;
    }
    if (std::string problem = ValueTypeProblem(kind, string_modifier, v); !problem.empty()) {
      diagnostics.Error(item.location, "value-type", std::move(problem));
      ok = false;
    } else if (string_modifier && IsNumber(v) && !warned_number) {
      warned_number = true;
      diagnostics.Warning(
          item.location, "non-portable",
          Concat("pySigma refuses a number under a string modifier; quote ", Quote(v.text)));
    }
  }
  return ok;
}

// True when a regex has an inline flag group such as `(?i)` or `(?s:`.
bool HasInlineRegexFlag(std::string_view regex) {
  for (size_t at = regex.find("(?"); at != std::string_view::npos; at = regex.find("(?", at + 1)) {
    size_t backslashes = 0;
    while (backslashes < at && regex[at - 1 - backslashes] == '\\')
      ++backslashes;
    const size_t end = regex.find_first_not_of("imsU-", at + 2);
    if (backslashes % 2 == 0 && end > at + 2 && end != std::string_view::npos &&
        (regex[end] == ')' || regex[end] == ':')) {
      return true;
    }
  }
  return false;
}

// The warnings of a legal chain, and the `all` folding.
void WarnLegalChain(std::span<const M> chain, const DetectionItem& item, ModifierPlan& plan,
                    Diagnostics& diagnostics) {
  const SourceLocation& at = item.location;
  const bool shaper = HasIf(chain, IsShaper);
  if (plan.kind == Kind::kRegex && shaper) {
    diagnostics.Warning(at, "shaper-on-regex", "'re' searches anywhere; the shaper has no effect");
  }
  if (plan.kind == Kind::kRegex &&
      std::any_of(item.values.begin(), item.values.end(),
                  [](const SigmaValue& v) { return HasInlineRegexFlag(v.text); })) {
    diagnostics.Warning(at, "inline-regex-flag", "use 're|i', 're|m' or 're|s' for regex flags");
  }
  const auto encoder = std::find_if(chain.begin(), chain.end(), IsEncoder);
  if (encoder != chain.end() && std::none_of(encoder, chain.end(), IsBase64Step)) {
    diagnostics.Warning(at, "encoding-without-base64",
                        Named(*encoder).append(" is not followed by 'base64'/'base64offset'"));
  }
  if (Has(chain, M::kBase64Offset) && !Has(chain, M::kContains)) {
    diagnostics.Warning(at, "base64offset-without-contains",
                        "'base64offset' values are fragments; add 'contains'");
  }
  if (plan.kind == Kind::kFieldRef && plan.cased) {
    diagnostics.Warning(at, "non-portable", "pySigma refuses 'fieldref|cased'");
  }
  if (plan.all && item.values.size() == 1) {
    plan.all = false;
    diagnostics.Warning(at, "all-single-value", "'all' with a single value has no effect");
  } else if (plan.all && !item.keyword && !shaper && plan.kind != Kind::kRegex &&
             plan.kind != Kind::kCidr) {
    diagnostics.Warning(at, "all-without-shaper",
                        "'all' without a shaper matches only if every value equals some element");
  }
}

ModifierPlan PlanOf(Kind kind, std::span<const M> chain) {
  ModifierPlan plan;
  plan.kind = kind;
  for (const M m : chain) {
    if (m == M::kContains)
      plan.shape = ModifierPlan::Shape::kContains;
    if (m == M::kStartsWith)
      plan.shape = ModifierPlan::Shape::kStartsWith;
    if (m == M::kEndsWith)
      plan.shape = ModifierPlan::Shape::kEndsWith;
    if (IsCompare(m))
      plan.compare = m;
    if (IsTimePart(m))
      plan.time_part = m;
  }
  if (kind == Kind::kRegex)
    plan.shape = ModifierPlan::Shape::kExact;
  plan.all = Has(chain, M::kAll);
  plan.neq = Has(chain, M::kNeq);
  plan.cased = Has(chain, M::kCased);
  plan.regex_ignore_case = Has(chain, M::kReIgnoreCase);
  plan.regex_multiline = Has(chain, M::kReMultiline);
  plan.regex_dot_all = Has(chain, M::kReDotAll);
  return plan;
}

}  // namespace

std::optional<ModifierPlan> PlanModifiers(const DetectionItem& item, Diagnostics& diagnostics) {
  const std::vector<M> chain = DistinctModifiers(item.modifiers);
  std::optional<Kind> kind = ChainKind(chain, item, diagnostics);
  if (!kind || !CheckStringOrder(chain, item.location, diagnostics) ||
      !CheckValueTypes(*kind, chain, item, diagnostics)) {
    return std::nullopt;
  }
  if (*kind == Kind::kString && !item.values.empty() &&
      std::all_of(item.values.begin(), item.values.end(),
                  [](const SigmaValue& v) { return v.kind == ValueKind::kNull; })) {
    kind = Kind::kNull;
  }
  ModifierPlan plan = PlanOf(*kind, chain);
  WarnLegalChain(chain, item, plan, diagnostics);
  return plan;
}

}  // namespace trailhound::rules
