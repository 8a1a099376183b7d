// rules/yaml_value.cc: PyYAML's YAML 1.1 implicit resolvers, hand-written (no std::regex on
// any path of ours). The patterns are those of PyYAML's resolver.py for bool, int, float, null
// and timestamp; comments quote them where the code is not obvious.
#include "rules/yaml_value.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace trailhound::rules {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool AllOf(std::string_view s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) {
      return false;
    }
  }
  return true;
}

bool IsOctalOrUnderscore(char c) {
  return (c >= '0' && c <= '7') || c == '_';
}
bool IsBinaryOrUnderscore(char c) {
  return c == '0' || c == '1' || c == '_';
}
bool IsDecimalOrUnderscore(char c) {
  return IsDigit(c) || c == '_';
}
bool IsHexOrUnderscore(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '_';
}

bool IsNull(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> AsBool(std::string_view s) {
  static constexpr std::string_view kTrue[] = {"yes",  "Yes", "YES", "true", "True",
                                               "TRUE", "on",  "On",  "ON"};
  static constexpr std::string_view kFalse[] = {"no",    "No",  "NO",  "false", "False",
                                                "FALSE", "off", "Off", "OFF"};
  for (std::string_view t : kTrue) {
    if (s == t) {
      return true;
    }
  }
  for (std::string_view f : kFalse) {
    if (s == f) {
      return false;
    }
  }
  return std::nullopt;
}

// Digits of `s` in `base`, underscores skipped. False on overflow past int64.
bool AccumulateDigits(std::string_view s, int base, uint64_t& out) {
  out = 0;
  for (char c : s) {
    if (c == '_') {
      continue;
    }
    int d = 0;
    if (IsDigit(c)) {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      d = c - 'A' + 10;
    }
    if (out > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) /
                  static_cast<uint64_t>(base)) {
      return false;
    }
    out = out * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return true;
}

// Sexagesimal `[1-9][0-9_]*(:[0-5]?[0-9])+` (an integer part, then base-60 digits).
bool IsSexagesimalTail(std::string_view s) {
  size_t pos = 0;
  bool any = false;
  while (pos < s.size()) {
    if (s[pos] != ':') {
      return false;
    }
    ++pos;
    size_t digits = 0;
    while (pos + digits < s.size() && IsDigit(s[pos + digits])) {
      ++digits;
    }
    if (digits == 0 || digits > 2 || (digits == 2 && s[pos] > '5')) {
      return false;
    }
    pos += digits;
    any = true;
  }
  return any;
}

enum class IntForm { kNone, kValue, kOverflow };

IntForm ParseInt(std::string_view s, int64_t& out) {
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) {
    return IntForm::kNone;
  }
  uint64_t magnitude = 0;
  bool ok = false;
  if (body.size() > 2 && body[0] == '0' && body[1] == 'b' &&
      AllOf(body.substr(2), IsBinaryOrUnderscore)) {
    ok = AccumulateDigits(body.substr(2), 2, magnitude);
  } else if (body.size() > 2 && body[0] == '0' && body[1] == 'x' &&
             AllOf(body.substr(2), IsHexOrUnderscore)) {
    ok = AccumulateDigits(body.substr(2), 16, magnitude);
  } else if (body == "0") {
    ok = true;
  } else if (body.size() > 1 && body[0] == '0' && AllOf(body.substr(1), IsOctalOrUnderscore)) {
    ok = AccumulateDigits(body.substr(1), 8, magnitude);
  } else if (body[0] >= '1' && body[0] <= '9') {
    const size_t colon = body.find(':');
    if (colon == std::string_view::npos) {
      if (!AllOf(body, IsDecimalOrUnderscore)) {
        return IntForm::kNone;
      }
      ok = AccumulateDigits(body, 10, magnitude);
    } else {
      // `10:30` is 10 * 60 + 30 (YAML 1.1 base 60, kept by PyYAML).
      if (!AllOf(body.substr(0, colon), IsDecimalOrUnderscore) ||
          !IsSexagesimalTail(body.substr(colon))) {
        return IntForm::kNone;
      }
      ok = AccumulateDigits(body.substr(0, colon), 10, magnitude);
      size_t pos = colon;
      while (ok && pos < body.size()) {
        size_t next = body.find(':', pos + 1);
        if (next == std::string_view::npos) {
          next = body.size();
        }
        uint64_t part = 0;
        AccumulateDigits(body.substr(pos + 1, next - pos - 1), 10, part);
        ok = magnitude <= (std::numeric_limits<uint64_t>::max() - part) / 60;
        magnitude = magnitude * 60 + part;
        pos = next;
      }
    }
  } else {
    return IntForm::kNone;
  }
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!ok || magnitude > kMaxPositive + (negative ? 1 : 0)) {
    return IntForm::kOverflow;
  }
  out = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return IntForm::kValue;
}

// `[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?` — a dot is required, an exponent needs its
// sign (PyYAML), so `1e3` and `1.5e3` stay strings while `1.5e+3` is a float.
bool ParseFloat(std::string_view s, double& out) {
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  const size_t dot = body.find('.');
  if (dot == std::string_view::npos) {
    return false;
  }
  const std::string_view whole = body.substr(0, dot);
  std::string_view rest = body.substr(dot + 1);
  if (!whole.empty() && (!IsDigit(whole[0]) || !AllOf(whole, IsDecimalOrUnderscore))) {
    return false;
  }
  if (whole.empty() && (rest.empty() || !IsDigit(rest[0]))) {
    return false;  // `.` alone or `.e+3`
  }
  std::string_view exponent;
  const size_t e = rest.find_first_of("eE");
  if (e != std::string_view::npos) {
    exponent = rest.substr(e + 1);
    rest = rest.substr(0, e);
    if (exponent.size() < 2 || (exponent[0] != '+' && exponent[0] != '-') ||
        !AllOf(exponent.substr(1), IsDigit)) {
      return false;
    }
  }
  if (!AllOf(rest, IsDecimalOrUnderscore)) {
    return false;
  }
  std::string digits;
  for (char c : whole) {
    if (c != '_') {
      digits += c;
    }
  }
  digits += '.';
  for (char c : rest) {
    if (c != '_') {
      digits += c;
    }
  }
  if (digits == ".") {
    return false;
  }
  if (!exponent.empty()) {
    digits += 'e';
    digits += exponent;
  }
  if (digits.front() == '.') {
    digits.insert(digits.begin(), '0');
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return false;
  }
  out = negative ? -value : value;
  return true;
}

bool IsInfOrNan(std::string_view s) {
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    body.remove_prefix(1);
  }
  return body == ".inf" || body == ".Inf" || body == ".INF" || s == ".nan" || s == ".NaN" ||
         s == ".NAN";
}

// PyYAML's timestamp: `YYYY-MM-DD`, or `YYYY-M-D` followed by a time.
bool IsTimestamp(std::string_view s) {
  if (s.size() < 8 || !IsDigit(s[0]) || !IsDigit(s[1]) || !IsDigit(s[2]) || !IsDigit(s[3]) ||
      s[4] != '-') {
    return false;
  }
  size_t pos = 5;
  const auto digits = [&](size_t min, size_t max) {
    size_t n = 0;
    while (pos < s.size() && IsDigit(s[pos]) && n < max) {
      ++pos;
      ++n;
    }
    return n >= min;
  };
  const size_t month_start = pos;
  if (!digits(1, 2) || pos >= s.size() || s[pos] != '-') {
    return false;
  }
  const size_t month_digits = pos - month_start;
  ++pos;
  const size_t day_start = pos;
  if (!digits(1, 2)) {
    return false;
  }
  if (pos == s.size()) {
    return month_digits == 2 && pos - day_start == 2;  // a bare date needs two-digit fields
  }
  return s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ' || s[pos] == '\t';
}

}  // namespace

PlainScalar ResolvePlainScalar(std::string_view text) {
  PlainScalar result;
  SigmaValue value;
  value.text = std::string(text);
  if (IsNull(text)) {
    value.kind = ValueKind::kNull;
  } else if (const std::optional<bool> flag = AsBool(text)) {
    value.kind = ValueKind::kBool;
    value.boolean = *flag;
  } else if (IsInfOrNan(text)) {
    result.error = Quote(text) + " is not a finite number; quote it to mean text";
    return result;
  } else if (IsTimestamp(text)) {
    result.error =
        "unquoted date or timestamp '" + std::string(text) + "'; quote it to compare it as text";
    return result;
  } else {
    int64_t integer = 0;
    switch (ParseInt(text, integer)) {
      case IntForm::kValue:
        value.kind = ValueKind::kInt;
        value.integer = integer;
        break;
      case IntForm::kOverflow:
        result.error = "integer '" + std::string(text) + "' does not fit in 64 bits; quote it";
        return result;
      case IntForm::kNone: {
        double number = 0;
        if (ParseFloat(text, number)) {
          value.kind = ValueKind::kFloat;
          value.number = number;
        } else {
          value.kind = ValueKind::kString;
        }
        break;
      }
    }
  }
  result.value = std::move(value);
  return result;
}

SourceLocation LocationOf(const YAML::Node& node, const std::string& file, int line_offset) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) {
    return SourceLocation{file, 0, 0};
  }
  return SourceLocation::FromYaml(file, mark.line + line_offset, mark.column);
}

std::optional<SigmaValue> TypeScalar(const YAML::Node& node, const std::string& file,
                                     Diagnostics& diagnostics, int line_offset) {
  const SourceLocation location = LocationOf(node, file, line_offset);
  if (node.IsNull()) {
    SigmaValue value;
    value.location = location;
    return value;
  }
  // yaml-cpp tags a plain scalar "?" and a quoted one "!": only plain scalars are resolved.
  if (node.Tag() != "?") {
    SigmaValue value;
    value.kind = ValueKind::kString;
    value.text = node.Scalar();
    value.location = location;
    return value;
  }
  PlainScalar resolved = ResolvePlainScalar(node.Scalar());
  if (!resolved.value.has_value()) {
    diagnostics.Error(location, "value-type", std::move(resolved.error));
    return std::nullopt;
  }
  resolved.value->location = location;
  return std::move(resolved.value);
}

}  // namespace trailhound::rules
