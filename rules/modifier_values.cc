// rules/modifier_values.cc: the value transforms of a modifier chain (SIGMA.md §9): `expand`
// placeholders, `windash` dashes, the UTF-16 encoders, `base64` and `base64offset`.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <numeric>
#include <string_view>

#include "rules/modifier_chain.h"

namespace trailhound::rules {
namespace {

using M = Modifier;

constexpr size_t kMaxAlternatives = 10000;
// Every Base64 step grows a value by a third, and `base64` may repeat: sixty of them turn ten
// bytes into gigabytes. The alternatives of one value may not exceed this many bytes in all.
constexpr size_t kMaxAlternativeBytes = size_t{16} << 20;

bool IsEncoder(M m) {
  return m == M::kUtf16Le || m == M::kUtf16Be || m == M::kUtf16;
}
bool IsBase64Step(M m) {
  return m == M::kBase64 || m == M::kBase64Offset;
}

// `a` then `b`, built by appending (GCC 12 misreports "literal" + std::string as -Wrestrict).
std::string Concat(std::string_view a, std::string_view b) {
  std::string text(a);
  text.append(b);
  return text;
}

// Replaces every partial text by itself followed by each suffix (a cartesian step).
template <typename Suffixes>
void ExtendEach(std::vector<std::string>& partial, const Suffixes& suffixes) {
  std::vector<std::string> next;
  next.reserve(partial.size() * std::size(suffixes));
  for (const std::string& prefix : partial) {
    for (const auto& suffix : suffixes)
      next.push_back(Concat(prefix, suffix));
  }
  partial = std::move(next);
}

void AppendToEach(std::vector<std::string>& partial, std::string_view text) {
  for (std::string& p : partial)
    p.append(text);
}

bool IsPlaceholderNameByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Appends to `out` the texts `text` stands for with every %name% replaced by each configured
// value; `\%` is a literal % and `\\` stays an escaped backslash. Returns an unresolved name.
std::optional<std::string> ExpandPlaceholders(std::string_view text,
                                              const Placeholders& placeholders,
                                              std::vector<std::string>& out) {
  std::vector<std::string> partial{""};
  for (size_t i = 0; i < text.size(); ++i) {
    const std::string_view rest = text.substr(i);
    if (rest.starts_with("\\%") || rest.starts_with("\\\\")) {
      AppendToEach(partial, rest[1] == '%' ? "%" : "\\\\");
      ++i;
      continue;
    }
    const size_t end = rest[0] == '%' ? rest.find('%', 1) : std::string_view::npos;
    const std::string_view name = end == std::string_view::npos ? "" : rest.substr(1, end - 1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsPlaceholderNameByte)) {
      AppendToEach(partial, rest.substr(0, 1));
      continue;
    }
    const auto found = placeholders.find(name);
    if (found == placeholders.end() || found->second.empty())
      return std::string(name);
    ExtendEach(partial, found->second);
    if (partial.size() > kMaxAlternatives)
      break;
    i += end;
  }
  out.insert(out.end(), partial.begin(), partial.end());
  return std::nullopt;
}

bool IsWordByte(char c) {
  return IsPlaceholderNameByte(c) || static_cast<unsigned char>(c) >= 0x80;
}

bool IsWordInitialDash(std::string_view text, size_t i) {
  return (text[i] == '-' || text[i] == '/') && (i == 0 || !IsWordByte(text[i - 1])) &&
         i + 1 < text.size() && IsWordByte(text[i + 1]);
}

// Appends to `out` every text `text` stands for under windash; false, appending nothing, when
// they would be more than kMaxAlternatives or kMaxAlternativeBytes (counted before building
// them: five dashes after a megabyte of text would otherwise take gigabytes first).
bool ExpandWindash(std::string_view text, std::vector<std::string>& out) {
  static constexpr std::array<std::string_view, 5> kDashes = {"-", "/", "\xE2\x80\x93",
                                                              "\xE2\x80\x94", "\xE2\x80\x95"};
  size_t count = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsWordInitialDash(text, i) && (count *= kDashes.size()) > kMaxAlternatives)
      return false;
  }
  if (count * text.size() * 3 > kMaxAlternativeBytes)  // a dash becomes at most 3 bytes
    return false;
  std::vector<std::string> partial{""};
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsWordInitialDash(text, i)) {
      ExtendEach(partial, kDashes);
    } else {
      AppendToEach(partial, text.substr(i, 1));
    }
  }
  out.insert(out.end(), partial.begin(), partial.end());
  return true;
}

// The bytes a Sigma value (§8) stands for, or nullopt when it has an unescaped wildcard.
std::optional<std::string> LiteralBytes(std::string_view value) {
  std::string bytes;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '*' || c == '?')
      return std::nullopt;
    const bool escape = c == '\\' && i + 1 < value.size() &&
                        (value[i + 1] == '*' || value[i + 1] == '?' || value[i + 1] == '\\');
    if (escape)
      ++i;
    bytes.push_back(value[i]);
  }
  return bytes;
}

// Bytes as a Sigma value that matches exactly them: `\`, `*` and `?` escaped.
std::string EscapeWildcards(std::string_view bytes) {
  std::string value;
  for (const char c : bytes) {
    if (c == '\\' || c == '*' || c == '?')
      value.push_back('\\');
    value.push_back(c);
  }
  return value;
}

// The next code point of UTF-8 `text` at `i` (advanced); a malformed byte reads as U+FFFD.
uint32_t NextCodePoint(std::string_view text, size_t& i) {
  const auto byte = [&](size_t at) { return static_cast<uint8_t>(text[at]); };
  const uint8_t lead = byte(i);
  const size_t length = lead < 0x80    ? 1
                        : lead >= 0xF0 ? 4
                        : lead >= 0xE0 ? 3
                        : lead >= 0xC0 ? 2
                                       : 0;
  uint32_t code = length == 1   ? lead
                  : length == 2 ? lead & 0x1Fu
                  : length == 3 ? lead & 0x0Fu
                                : lead & 0x07u;
  for (size_t k = 1; k < length; ++k) {
    if (i + k >= text.size() || (byte(i + k) & 0xC0) != 0x80 || lead > 0xF4) {
      ++i;
      return 0xFFFD;
    }
    code = (code << 6) | (byte(i + k) & 0x3Fu);
  }
  i += length == 0 ? 1 : length;
  return length == 0 ? 0xFFFD : code;
}

std::string EncodeUtf16(std::string_view text, M encoder) {
  std::string bytes = encoder == M::kUtf16 ? std::string("\xFF\xFE") : std::string();
  const auto unit = [&](uint32_t u) {
    const char low = static_cast<char>(u & 0xFF), high = static_cast<char>(u >> 8);
    bytes.push_back(encoder == M::kUtf16Be ? high : low);
    bytes.push_back(encoder == M::kUtf16Be ? low : high);
  };
  for (size_t i = 0; i < text.size();) {
    const uint32_t code = NextCodePoint(text, i);
    if (code >= 0x10000) {
      unit(0xD800 + ((code - 0x10000) >> 10));
      unit(0xDC00 + ((code - 0x10000) & 0x3FF));
    } else {
      unit(code);
    }
  }
  return bytes;
}

std::string EncodeBase64(std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t group = 0;
    for (size_t k = 0; k < 3; ++k) {
      const uint32_t b = i + k < bytes.size() ? static_cast<uint8_t>(bytes[i + k]) : 0;
      group = (group << 8) | b;
    }
    const size_t chars = std::min<size_t>(bytes.size() - i, 3) + 1;
    for (size_t k = 0; k < 4; ++k)
      text.push_back(k < chars ? kAlphabet[(group >> (18 - 6 * k)) & 0x3F] : '=');
  }
  return text;
}

// The three base64offset alternatives (SIGMA.md §9) appended to `out`.
void EncodeBase64Offsets(std::string_view bytes, std::vector<std::string>& out) {
  static constexpr std::array<size_t, 3> kDropFront = {0, 2, 3};
  static constexpr std::array<size_t, 3> kDropBack = {0, 3, 2};
  for (size_t offset = 0; offset < 3; ++offset) {
    const std::string text = EncodeBase64(Concat(std::string(offset, ' '), bytes));
    const size_t back = kDropBack[(bytes.size() + offset) % 3];
    const size_t front = std::min(kDropFront[offset], text.size());
    out.push_back(text.substr(front, text.size() - front - std::min(back, text.size() - front)));
  }
}

// Turns the alternatives into raw bytes before the first encoding step.
bool PrepareForEncoding(std::vector<std::string>& alternatives, const SourceLocation& where,
                        Diagnostics& diagnostics) {
  for (std::string& alternative : alternatives) {
    std::optional<std::string> bytes = LiteralBytes(alternative);
    if (!bytes) {
      diagnostics.Error(where, "wildcard-in-encoded",
                        Concat(Quote(alternative),
                               " has a wildcard, which cannot be encoded; "
                               "escape it (\\* or \\?) to mean the character"));
      return false;
    }
    alternative = std::move(*bytes);
  }
  return true;
}

// Applies one transform to every alternative; false on error.
bool ApplyTransform(M m, const SigmaValue& value, const Placeholders& placeholders,
                    std::vector<std::string>& alternatives, const SourceLocation& where,
                    Diagnostics& diagnostics) {
  std::vector<std::string> next;
  size_t next_bytes = 0, counted = 0;
  for (const std::string& alternative : alternatives) {
    if (m == M::kExpand) {
      if (std::optional<std::string> name = ExpandPlaceholders(alternative, placeholders, next)) {
        diagnostics.Error(
            where, "unresolved-placeholder",
            Concat(Quote(Concat("%", Concat(*name, "%"))), " has no values in sigma.placeholders"));
        return false;
      }
    } else if (m == M::kWindash) {
      if (!ExpandWindash(alternative, next)) {
        diagnostics.Error(where, "value-type",
                          Concat(Quote(value.text.substr(0, 64)),
                                 " stands for more than 10000 alternatives or 16 MiB under "
                                 "'windash'"));
        return false;
      }
    } else if (IsEncoder(m)) {
      next.push_back(EncodeUtf16(alternative, m));
    } else if (m == M::kBase64) {
      next.push_back(EncodeBase64(alternative));
    } else {
      EncodeBase64Offsets(alternative, next);
    }
    if (next.size() > kMaxAlternatives) {
      diagnostics.Error(where, "value-type",
                        Concat(Quote(value.text), " stands for more than 10000 alternatives"));
      return false;
    }
    next_bytes =
        std::accumulate(next.begin() + static_cast<std::ptrdiff_t>(counted), next.end(), next_bytes,
                        [](size_t sum, const std::string& text) { return sum + text.size(); });
    counted = next.size();
    if (next_bytes > kMaxAlternativeBytes) {
      diagnostics.Error(where, "value-type",
                        Concat(Quote(value.text.substr(0, 64)),
                               " grows past 16 MiB under its modifiers (repeated 'base64'?)"));
      return false;
    }
  }
  alternatives = std::move(next);
  return true;
}

bool IsValueTransform(M m) {
  return m == M::kExpand || m == M::kWindash || IsEncoder(m) || IsBase64Step(m);
}

}  // namespace

std::optional<std::vector<std::string>> ExpandValueAlternatives(const SigmaValue& value,
                                                                std::span<const Modifier> modifiers,
                                                                const Placeholders& placeholders,
                                                                const SourceLocation& where,
                                                                Diagnostics& diagnostics) {
  if (value.kind == ValueKind::kNull)
    return std::vector<std::string>{};
  std::vector<std::string> alternatives{value.text};
  bool encoded = false;
  uint64_t applied = 0;  // bit per Modifier: a chain may repeat one thousands of times
  for (const M m : modifiers) {
    const uint64_t bit = uint64_t{1} << static_cast<unsigned>(m);
    if (!IsValueTransform(m) || (m != M::kBase64 && (applied & bit) != 0))
      continue;
    applied |= bit;
    if (IsEncoder(m) && !std::all_of(value.text.begin(), value.text.end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      diagnostics.Error(
          where, "value-type",
          Concat(Quote(value.text), " is not ASCII; UTF-16 modifiers take ASCII text"));
      return std::nullopt;
    }
    if ((IsEncoder(m) || IsBase64Step(m)) && !encoded) {
      if (!PrepareForEncoding(alternatives, where, diagnostics))
        return std::nullopt;
      encoded = true;
    }
    if (!ApplyTransform(m, value, placeholders, alternatives, where, diagnostics)) {
      return std::nullopt;
    }
  }
  if (encoded) {
    for (std::string& alternative : alternatives)
      alternative = EscapeWildcards(alternative);
  }
  return alternatives;
}

}  // namespace trailhound::rules
