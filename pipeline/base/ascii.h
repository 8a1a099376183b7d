// pipeline/base/ascii.h: ASCII-only text helpers for protocol words (JSON keys, `true`/`false`),
// where Unicode case folding would be wrong. Header-only; no allocation.
#pragma once

#include <cstddef>
#include <string_view>

namespace trailhound::base {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `a` and `b` are equal with A-Z and a-z folded together; other bytes compare exactly.
inline bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace trailhound::base
