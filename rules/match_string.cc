// rules/match_string.cc: compiling Sigma string values (escapes, shapers, case folding) into the
// matcher that decides them, the glob matcher, simple Unicode lower-casing and candidate text.
#include "rules/match_string.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <limits>
#include <system_error>

#include "pipeline/base/utf8.h"
#include "rules/ascii_search.h"

namespace trailhound::rules {
namespace {

// Simple one-to-one lower-case mapping (UnicodeData.txt field 13) of every code point above
// ASCII that has one in Unicode 14.0, generated from Python's unicodedata: code points
// first..last, every `step`-th one (2 where upper and lower case alternate), map to code point +
// delta. Sorted and disjoint. That is every cased script: Latin (Latin-1, Extended-A to -E,
// Additional, circled, fullwidth), Greek and Coptic, Cyrillic, Armenian, Georgian, Cherokee,
// Glagolitic, Deseret, Osage, Vithkuqi, Old Hungarian, Warang Citi, Medefaidrin, Adlam, Roman
// numerals and the Kelvin, Ohm and Angstrom signs. Full mappings (`ß`, final sigma, Turkish and
// Lithuanian rules) are not applied: Sigma asks for the simple one.
struct LowerRun {
  char32_t first;
  char32_t last;
  int32_t delta;
  uint32_t step;
};
constexpr LowerRun kLowerRuns[] = {
    {0x00C0, 0x00D6, 32, 1},     {0x00D8, 0x00DE, 32, 1},     {0x0100, 0x012E, 1, 2},
    {0x0130, 0x0130, -199, 1},   {0x0132, 0x0136, 1, 2},      {0x0139, 0x0147, 1, 2},
    {0x014A, 0x0176, 1, 2},      {0x0178, 0x0178, -121, 1},   {0x0179, 0x017D, 1, 2},
    {0x0181, 0x0181, 210, 1},    {0x0182, 0x0184, 1, 2},      {0x0186, 0x0186, 206, 1},
    {0x0187, 0x0187, 1, 1},      {0x0189, 0x018A, 205, 1},    {0x018B, 0x018B, 1, 1},
    {0x018E, 0x018E, 79, 1},     {0x018F, 0x018F, 202, 1},    {0x0190, 0x0190, 203, 1},
    {0x0191, 0x0191, 1, 1},      {0x0193, 0x0193, 205, 1},    {0x0194, 0x0194, 207, 1},
    {0x0196, 0x0196, 211, 1},    {0x0197, 0x0197, 209, 1},    {0x0198, 0x0198, 1, 1},
    {0x019C, 0x019C, 211, 1},    {0x019D, 0x019D, 213, 1},    {0x019F, 0x019F, 214, 1},
    {0x01A0, 0x01A4, 1, 2},      {0x01A6, 0x01A6, 218, 1},    {0x01A7, 0x01A7, 1, 1},
    {0x01A9, 0x01A9, 218, 1},    {0x01AC, 0x01AC, 1, 1},      {0x01AE, 0x01AE, 218, 1},
    {0x01AF, 0x01AF, 1, 1},      {0x01B1, 0x01B2, 217, 1},    {0x01B3, 0x01B5, 1, 2},
    {0x01B7, 0x01B7, 219, 1},    {0x01B8, 0x01B8, 1, 1},      {0x01BC, 0x01BC, 1, 1},
    {0x01C4, 0x01C4, 2, 1},      {0x01C5, 0x01C5, 1, 1},      {0x01C7, 0x01C7, 2, 1},
    {0x01C8, 0x01C8, 1, 1},      {0x01CA, 0x01CA, 2, 1},      {0x01CB, 0x01DB, 1, 2},
    {0x01DE, 0x01EE, 1, 2},      {0x01F1, 0x01F1, 2, 1},      {0x01F2, 0x01F4, 1, 2},
    {0x01F6, 0x01F6, -97, 1},    {0x01F7, 0x01F7, -56, 1},    {0x01F8, 0x021E, 1, 2},
    {0x0220, 0x0220, -130, 1},   {0x0222, 0x0232, 1, 2},      {0x023A, 0x023A, 10795, 1},
    {0x023B, 0x023B, 1, 1},      {0x023D, 0x023D, -163, 1},   {0x023E, 0x023E, 10792, 1},
    {0x0241, 0x0241, 1, 1},      {0x0243, 0x0243, -195, 1},   {0x0244, 0x0244, 69, 1},
    {0x0245, 0x0245, 71, 1},     {0x0246, 0x024E, 1, 2},      {0x0370, 0x0372, 1, 2},
    {0x0376, 0x0376, 1, 1},      {0x037F, 0x037F, 116, 1},    {0x0386, 0x0386, 38, 1},
    {0x0388, 0x038A, 37, 1},     {0x038C, 0x038C, 64, 1},     {0x038E, 0x038F, 63, 1},
    {0x0391, 0x03A1, 32, 1},     {0x03A3, 0x03AB, 32, 1},     {0x03CF, 0x03CF, 8, 1},
    {0x03D8, 0x03EE, 1, 2},      {0x03F4, 0x03F4, -60, 1},    {0x03F7, 0x03F7, 1, 1},
    {0x03F9, 0x03F9, -7, 1},     {0x03FA, 0x03FA, 1, 1},      {0x03FD, 0x03FF, -130, 1},
    {0x0400, 0x040F, 80, 1},     {0x0410, 0x042F, 32, 1},     {0x0460, 0x0480, 1, 2},
    {0x048A, 0x04BE, 1, 2},      {0x04C0, 0x04C0, 15, 1},     {0x04C1, 0x04CD, 1, 2},
    {0x04D0, 0x052E, 1, 2},      {0x0531, 0x0556, 48, 1},     {0x10A0, 0x10C5, 7264, 1},
    {0x10C7, 0x10C7, 7264, 1},   {0x10CD, 0x10CD, 7264, 1},   {0x13A0, 0x13EF, 38864, 1},
    {0x13F0, 0x13F5, 8, 1},      {0x1C90, 0x1CBA, -3008, 1},  {0x1CBD, 0x1CBF, -3008, 1},
    {0x1E00, 0x1E94, 1, 2},      {0x1E9E, 0x1E9E, -7615, 1},  {0x1EA0, 0x1EFE, 1, 2},
    {0x1F08, 0x1F0F, -8, 1},     {0x1F18, 0x1F1D, -8, 1},     {0x1F28, 0x1F2F, -8, 1},
    {0x1F38, 0x1F3F, -8, 1},     {0x1F48, 0x1F4D, -8, 1},     {0x1F59, 0x1F5F, -8, 2},
    {0x1F68, 0x1F6F, -8, 1},     {0x1F88, 0x1F8F, -8, 1},     {0x1F98, 0x1F9F, -8, 1},
    {0x1FA8, 0x1FAF, -8, 1},     {0x1FB8, 0x1FB9, -8, 1},     {0x1FBA, 0x1FBB, -74, 1},
    {0x1FBC, 0x1FBC, -9, 1},     {0x1FC8, 0x1FCB, -86, 1},    {0x1FCC, 0x1FCC, -9, 1},
    {0x1FD8, 0x1FD9, -8, 1},     {0x1FDA, 0x1FDB, -100, 1},   {0x1FE8, 0x1FE9, -8, 1},
    {0x1FEA, 0x1FEB, -112, 1},   {0x1FEC, 0x1FEC, -7, 1},     {0x1FF8, 0x1FF9, -128, 1},
    {0x1FFA, 0x1FFB, -126, 1},   {0x1FFC, 0x1FFC, -9, 1},     {0x2126, 0x2126, -7517, 1},
    {0x212A, 0x212A, -8383, 1},  {0x212B, 0x212B, -8262, 1},  {0x2132, 0x2132, 28, 1},
    {0x2160, 0x216F, 16, 1},     {0x2183, 0x2183, 1, 1},      {0x24B6, 0x24CF, 26, 1},
    {0x2C00, 0x2C2F, 48, 1},     {0x2C60, 0x2C60, 1, 1},      {0x2C62, 0x2C62, -10743, 1},
    {0x2C63, 0x2C63, -3814, 1},  {0x2C64, 0x2C64, -10727, 1}, {0x2C67, 0x2C6B, 1, 2},
    {0x2C6D, 0x2C6D, -10780, 1}, {0x2C6E, 0x2C6E, -10749, 1}, {0x2C6F, 0x2C6F, -10783, 1},
    {0x2C70, 0x2C70, -10782, 1}, {0x2C72, 0x2C72, 1, 1},      {0x2C75, 0x2C75, 1, 1},
    {0x2C7E, 0x2C7F, -10815, 1}, {0x2C80, 0x2CE2, 1, 2},      {0x2CEB, 0x2CED, 1, 2},
    {0x2CF2, 0x2CF2, 1, 1},      {0xA640, 0xA66C, 1, 2},      {0xA680, 0xA69A, 1, 2},
    {0xA722, 0xA72E, 1, 2},      {0xA732, 0xA76E, 1, 2},      {0xA779, 0xA77B, 1, 2},
    {0xA77D, 0xA77D, -35332, 1}, {0xA77E, 0xA786, 1, 2},      {0xA78B, 0xA78B, 1, 1},
    {0xA78D, 0xA78D, -42280, 1}, {0xA790, 0xA792, 1, 2},      {0xA796, 0xA7A8, 1, 2},
    {0xA7AA, 0xA7AA, -42308, 1}, {0xA7AB, 0xA7AB, -42319, 1}, {0xA7AC, 0xA7AC, -42315, 1},
    {0xA7AD, 0xA7AD, -42305, 1}, {0xA7AE, 0xA7AE, -42308, 1}, {0xA7B0, 0xA7B0, -42258, 1},
    {0xA7B1, 0xA7B1, -42282, 1}, {0xA7B2, 0xA7B2, -42261, 1}, {0xA7B3, 0xA7B3, 928, 1},
    {0xA7B4, 0xA7C2, 1, 2},      {0xA7C4, 0xA7C4, -48, 1},    {0xA7C5, 0xA7C5, -42307, 1},
    {0xA7C6, 0xA7C6, -35384, 1}, {0xA7C7, 0xA7C9, 1, 2},      {0xA7D0, 0xA7D0, 1, 1},
    {0xA7D6, 0xA7D8, 1, 2},      {0xA7F5, 0xA7F5, 1, 1},      {0xFF21, 0xFF3A, 32, 1},
    {0x10400, 0x10427, 40, 1},   {0x104B0, 0x104D3, 40, 1},   {0x10570, 0x1057A, 39, 1},
    {0x1057C, 0x1058A, 39, 1},   {0x1058C, 0x10592, 39, 1},   {0x10594, 0x10595, 39, 1},
    {0x10C80, 0x10CB2, 64, 1},   {0x118A0, 0x118BF, 32, 1},   {0x16E40, 0x16E5F, 32, 1},
    {0x1E900, 0x1E921, 34, 1},
};

char32_t SimpleLowerCase(char32_t code_point) {
  if (code_point < 0x80) {
    return code_point >= 'A' && code_point <= 'Z' ? code_point + ('a' - 'A') : code_point;
  }
  const LowerRun* run = std::lower_bound(
      std::begin(kLowerRuns), std::end(kLowerRuns), code_point,
      [](const LowerRun& candidate, char32_t wanted) { return candidate.last < wanted; });
  if (run == std::end(kLowerRuns) || run->first > code_point ||
      (code_point - run->first) % run->step != 0) {
    return code_point;
  }
  return static_cast<char32_t>(static_cast<int32_t>(code_point) + run->delta);
}

bool IsContinuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence starting at text[pos] (Unicode Table 3-7: no overlong
// forms, surrogates or code points above U+10FFFF) and its code point; 0 when ill-formed.
// REQUIRES: pos < text.size().
size_t DecodeUtf8(std::string_view text, size_t pos, char32_t& code_point) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    second_min = lead == 0xE0 ? 0xA0 : 0x80;
    second_max = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    second_min = lead == 0xF0 ? 0x90 : 0x80;
    second_max = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (text.size() - pos < length) {
    return 0;
  }
  const auto second = static_cast<unsigned char>(text[pos + 1]);
  if (second < second_min || second > second_max) {
    return 0;
  }
  char32_t value = lead & (0xFF >> (length + 1));
  for (size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[pos + i]);
    if (!IsContinuation(byte)) {
      return 0;
    }
    value = (value << 6) | (byte & 0x3F);
  }
  code_point = value;
  return length;
}

// One code point for `?` and for a `*` taking one more: a well-formed sequence, else one byte.
// Every byte that is not a continuation byte starts one, so a literal found anywhere in the text
// starts on a boundary. REQUIRES: pos < text.size().
size_t CodePointLength(std::string_view text, size_t pos) {
  if (static_cast<unsigned char>(text[pos]) < 0x80) {
    return 1;
  }
  char32_t ignored = 0;
  return std::max<size_t>(DecodeUtf8(text, pos, ignored), 1);
}

// Index of the first byte lower-casing could change (ASCII upper case or non-ASCII), or npos.
size_t FirstFoldableByte(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x80 || (byte >= 'A' && byte <= 'Z')) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool IsAscii(char c) {
  return static_cast<unsigned char>(c) < 0x80;
}

char LowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

bool AllAscii(std::string_view text) {
  unsigned char bits = 0;  // no early exit, so the loop vectorises
  for (const char c : text) {
    bits |= static_cast<unsigned char>(c);
  }
  return bits < 0x80;
}

// ASCII bytes are code points of their own (never part of a UTF-8 sequence, well-formed or
// not), and AppendLowerCase maps each one alone, so text that is ASCII up to some point folds,
// up to that point, to its bytes with A-Z lowered. What follows compares candidate bytes with a
// lower-cased literal on that basis, stopping at the first non-ASCII candidate byte.
enum class AsciiFold : uint8_t { kEqual, kDiffers, kNonAscii };

// text[0, n) against lower[0, n): equal, different at an ASCII byte (before any non-ASCII one),
// or a non-ASCII byte met first.
AsciiFold CompareAsciiForward(const char* text, const char* lower, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!IsAscii(text[i])) {
      return AsciiFold::kNonAscii;
    }
    if (LowerAscii(text[i]) != lower[i]) {
      return AsciiFold::kDiffers;
    }
  }
  return AsciiFold::kEqual;
}

// The same over the last n bytes of both, from the end.
AsciiFold CompareAsciiBackward(std::string_view text, std::string_view lower, size_t n) {
  for (size_t i = 1; i <= n; ++i) {
    const char c = text[text.size() - i];
    if (!IsAscii(c)) {
      return AsciiFold::kNonAscii;
    }
    if (LowerAscii(c) != lower[lower.size() - i]) {
      return AsciiFold::kDiffers;
    }
  }
  return AsciiFold::kEqual;
}

// A compare's verdict: undecided when a non-ASCII byte came first, false on a difference, else
// `if_equal` (what the lengths say).
std::optional<bool> AsciiVerdict(AsciiFold fold, bool if_equal) {
  switch (fold) {
    case AsciiFold::kNonAscii:
      return std::nullopt;
    case AsciiFold::kDiffers:
      return false;
    case AsciiFold::kEqual:
      return if_equal;
  }
  return std::nullopt;
}

// Byte comparisons of a kGlob program: exact (cased, or text already folded) ...
struct ExactBytes {
  static bool StartsAt(std::string_view text, size_t t, std::string_view literal) {
    return text.substr(t).starts_with(literal);
  }
  static size_t Find(std::string_view text, std::string_view literal, size_t from) {
    return text.find(literal, from);
  }
};

// ... or ASCII text against a lower-cased literal, A-Z folded as they are read.
struct AsciiIgnoringCase {
  static bool StartsAt(std::string_view text, size_t t, std::string_view literal) {
    return text.size() - t >= literal.size() &&
           CompareAsciiForward(text.data() + t, literal.data(), literal.size()) ==
               AsciiFold::kEqual;
  }
  // Where `literal` (lower-cased) first occurs in `text` at or after `from` with A-Z folded,
  // or npos. Candidates for the first byte come from memchr (vectorised in libc), once per case
  // of a letter, and only those are compared: a byte-by-byte scan cost about four instructions
  // per text byte for each `contains` value.
  static size_t Find(std::string_view text, std::string_view literal, size_t from) {
    // Sixteen starts at a time where the literal is ASCII (nearly every Sigma value) and the
    // text holds at least a block of starts; memchr per first-byte hit below stopped at every
    // `:` of an ARN for `:assumed-role/aws:`.
    if (literal.size() >= 2 && from <= text.size() && text.size() - from >= literal.size() + 15 &&
        AllAscii(literal)) {
      return FindAsciiIgnoringCase(text, literal, from);
    }
    if (literal.empty()) {
      return from <= text.size() ? from : std::string_view::npos;
    }
    if (literal.size() > text.size() || from > text.size() - literal.size()) {
      return std::string_view::npos;
    }
    const char* const begin = text.data();
    const char* const end = begin + (text.size() - literal.size() + 1);  // last start + 1
    const char lower = literal.front();
    const bool letter = lower >= 'a' && lower <= 'z';
    const char upper = static_cast<char>(lower - ('a' - 'A'));
    const std::string_view rest = literal.substr(1);
    const auto next = [end](const char* from_here, char wanted) -> const char* {
      return from_here >= end ? nullptr
                              : static_cast<const char*>(std::memchr(
                                    from_here, wanted, static_cast<size_t>(end - from_here)));
    };
    const char* next_lower = next(begin + from, lower);
    const char* next_upper = letter ? next(begin + from, upper) : nullptr;
    while (next_lower != nullptr || next_upper != nullptr) {
      const bool take_lower =
          next_upper == nullptr || (next_lower != nullptr && next_lower < next_upper);
      const char* const hit = take_lower ? next_lower : next_upper;
      if (CompareAsciiForward(hit + 1, rest.data(), rest.size()) == AsciiFold::kEqual) {
        return static_cast<size_t>(hit - begin);
      }
      if (take_lower) {
        next_lower = next(hit + 1, lower);
      } else {
        next_upper = next(hit + 1, upper);  // only reached for a letter
      }
    }
    return std::string_view::npos;
  }
};

// The bit BytePairSet gives the pair (a, b), both already lowered.
size_t PairBit(char a, char b) {
  const auto pair =
      static_cast<uint32_t>(static_cast<unsigned char>(a)) << 8 | static_cast<unsigned char>(b);
  return (pair * 0x9E3779B1u) >> 24;  // multiplicative hash to 0..255
}

using Token = StringPattern::GlobToken;

// The pattern as written, before classification: tokens and the literal bytes they slice.
struct Parsed {
  std::vector<Token> tokens;
  std::string literal;
  std::string run;  // literal bytes not yet flushed into a token
  bool cased = false;

  void FlushRun() {
    if (run.empty()) {
      return;
    }
    const size_t offset = literal.size();
    if (cased) {
      literal += run;
    } else {
      AppendLowerCase(run, literal);
    }
    tokens.push_back(Token{Token::Op::kLiteral, static_cast<uint32_t>(offset),
                           static_cast<uint32_t>(literal.size() - offset)});
    run.clear();
  }
  void AddWildcard(Token::Op op) {
    FlushRun();
    if (op == Token::Op::kAnyMany && !tokens.empty() && tokens.back().op == op) {
      return;  // `**` is `*`
    }
    tokens.push_back(Token{op, 0, 0});
  }
};

// SIGMA.md §8, left to right: `\*`, `\?`, `\\` are literal; any other backslash is itself.
void ParseSigmaValue(std::string_view value, Parsed& parsed) {
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\' && i + 1 < value.size() &&
        (value[i + 1] == '*' || value[i + 1] == '?' || value[i + 1] == '\\')) {
      parsed.run.push_back(value[++i]);
    } else if (c == '*') {
      parsed.AddWildcard(Token::Op::kAnyMany);
    } else if (c == '?') {
      parsed.AddWildcard(Token::Op::kAnyOne);
    } else {
      parsed.run.push_back(c);
    }
  }
  parsed.FlushRun();
}

bool IsStar(const Token& token) {
  return token.op == Token::Op::kAnyMany;
}
bool IsLiteral(const Token& token) {
  return token.op == Token::Op::kLiteral;
}

// Writes `value` as Python's repr does: shortest round-trip digits, fixed notation for decimal
// exponents -4..15 with `.0` kept, otherwise `d.ddde+XX` with at least two exponent digits.
void AppendShortestDouble(double value, std::string& out) {
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  if (error != std::errc()) {
    return;  // Unreachable: the buffer fits any double.
  }
  std::string_view text(buffer, static_cast<size_t>(end - buffer));
  if (text.front() == '-') {
    out.push_back('-');
    text.remove_prefix(1);
  }
  const size_t e = text.find('e');
  if (e == std::string_view::npos) {
    out.append(text);  // inf or nan: JSON has neither.
    return;
  }
  char digits[32];
  size_t digit_count = 0;
  for (const char c : text.substr(0, e)) {
    if (c != '.') {
      digits[digit_count++] = c;
    }
  }
  int exponent = 0;
  std::from_chars(text.data() + e + 2, text.data() + text.size(), exponent);
  if (text[e + 1] == '-') {
    exponent = -exponent;
  }
  if (exponent < -4 || exponent >= 16) {
    out.push_back(digits[0]);
    if (digit_count > 1) {
      out.push_back('.');
      out.append(digits + 1, digit_count - 1);
    }
    out.push_back('e');
    out.push_back(exponent < 0 ? '-' : '+');
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) {
      out.push_back('0');
    }
    char exponent_digits[8];
    const auto written =
        std::to_chars(exponent_digits, exponent_digits + sizeof(exponent_digits), magnitude);
    out.append(exponent_digits, written.ptr);
  } else if (exponent < 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-exponent - 1), '0');
    out.append(digits, digit_count);
  } else {
    const auto integer_digits = static_cast<size_t>(exponent) + 1;
    if (digit_count <= integer_digits) {
      out.append(digits, digit_count);
      out.append(integer_digits - digit_count, '0');
      out.append(".0");
    } else {
      out.append(digits, integer_digits);
      out.push_back('.');
      out.append(digits + integer_digits, digit_count - integer_digits);
    }
  }
}

template <typename Integer>
std::string_view WriteInteger(Integer value, std::string& scratch) {
  char buffer[24];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  scratch.assign(buffer, error == std::errc() ? end : buffer);
  return scratch;
}

}  // namespace

void AppendLowerCase(std::string_view text, std::string& out) {
  for (size_t i = 0; i < text.size();) {
    // A run of ASCII (most of any CloudTrail text) is appended at once and lowered in place: a
    // byte-by-byte push_back cost about ten instructions a byte on user agents and ARNs.
    size_t end = i;
    while (end < text.size() && static_cast<unsigned char>(text[end]) < 0x80) {
      ++end;
    }
    if (end > i) {
      const size_t start = out.size();
      out.append(text.substr(i, end - i));
      for (auto it = out.begin() + static_cast<std::ptrdiff_t>(start); it != out.end(); ++it) {
        *it = *it >= 'A' && *it <= 'Z' ? static_cast<char>(*it + ('a' - 'A')) : *it;
      }
      i = end;
      continue;
    }
    char32_t code_point = 0;
    const size_t length = DecodeUtf8(text, i, code_point);
    if (length == 0) {
      out.push_back(text[i]);  // ill-formed: the byte as it is
      ++i;
      continue;
    }
    const char32_t lower = SimpleLowerCase(code_point);
    if (lower == code_point) {
      out.append(text.substr(i, length));
    } else {
      base::AppendUtf8(lower, out);
    }
    i += length;
  }
}

BytePairSet BytePairSet::Of(std::string_view text) {
  BytePairSet set;
  unsigned char any = 0;
  // Short texts (names, types): OR each bit in. Long ones (user agents, policies): OR-ing into
  // the four words chains every byte through the same memory, about 17 instructions a byte, so
  // mark a byte per pair instead (independent stores) and pack the table once.
  constexpr size_t kTableFrom = 48;
  if (text.size() < kTableFrom) {
    for (size_t i = 0; i + 1 < text.size(); ++i) {
      any |= static_cast<unsigned char>(text[i]);
      const size_t bit = PairBit(LowerAscii(text[i]), LowerAscii(text[i + 1]));
      set.bits[bit >> 6] |= uint64_t{1} << (bit & 63);
    }
  } else {
    alignas(64) unsigned char seen[256] = {};
    char previous = LowerAscii(text[0]);
    for (size_t i = 0; i + 1 < text.size(); ++i) {
      any |= static_cast<unsigned char>(text[i]);
      const char next = LowerAscii(text[i + 1]);
      // Bit b is stored at b ^ 7: the multiply below packs a word's bytes in reverse order.
      seen[PairBit(previous, next) ^ 7] = 1;
      previous = next;
    }
    for (size_t group = 0; group < 32; ++group) {
      uint64_t bytes = 0;  // eight flags of 0 or 1
      std::memcpy(&bytes, seen + 8 * group, 8);
      // Byte k lands on bit 63 - k of the product and nothing carries (8k + 9j is unique).
      const uint64_t packed = (bytes * 0x8040201008040201ull) >> 56;
      set.bits[group >> 3] |= packed << (8 * (group & 7));
    }
  }
  if (!text.empty()) {
    any |= static_cast<unsigned char>(text.back());
  }
  set.ascii = any < 0x80;
  return set;
}

StringPattern CompileStringPattern(std::string_view sigma_value, Shape shape, bool cased) {
  Parsed parsed;
  parsed.cased = cased;
  ParseSigmaValue(sigma_value, parsed);
  std::vector<Token>& tokens = parsed.tokens;
  const bool star_before = shape == Shape::kContains || shape == Shape::kEndsWith;
  const bool star_after = shape == Shape::kContains || shape == Shape::kStartsWith;
  if (star_before && (tokens.empty() || !IsStar(tokens.front()))) {
    tokens.insert(tokens.begin(), Token{Token::Op::kAnyMany, 0, 0});
  }
  if (star_after && (tokens.empty() || !IsStar(tokens.back()))) {
    tokens.push_back(Token{Token::Op::kAnyMany, 0, 0});
  }

  StringPattern pattern;
  pattern.cased_ = cased;
  pattern.literal_ = std::move(parsed.literal);
  pattern.literal_ascii_ = AllAscii(pattern.literal_);
  const bool has_any_one = std::any_of(tokens.begin(), tokens.end(), [](const Token& token) {
    return token.op == Token::Op::kAnyOne;
  });
  const size_t size = tokens.size();
  using Kind = StringPattern::Kind;
  if (size == 1 && IsStar(tokens[0])) {
    pattern.kind_ = Kind::kAnything;
  } else if (size == 0 || (size == 1 && IsLiteral(tokens[0]))) {
    pattern.kind_ = Kind::kEqual;
  } else if (has_any_one || size > 3) {
    pattern.kind_ = Kind::kGlob;
    pattern.glob_ = std::move(tokens);
  } else if (size == 2) {
    pattern.kind_ = IsStar(tokens[0]) ? Kind::kEndsWith : Kind::kStartsWith;
  } else if (IsStar(tokens[0]) && IsStar(tokens[2])) {
    pattern.kind_ = Kind::kContains;
    if (!cased) {
      const BytePairSet pairs = BytePairSet::Of(pattern.literal_);  // already lower-cased
      std::copy(std::begin(pairs.bits), std::end(pairs.bits), std::begin(pattern.pairs_));
    }
  } else {
    pattern.kind_ = Kind::kGlob;  // `a*b`
    pattern.glob_ = std::move(tokens);
  }
  return pattern;
}

bool StringPattern::Matches(std::string_view candidate, std::string& scratch) const {
  if (kind_ == Kind::kAnything || cased_) {
    return MatchesFolded(candidate);
  }
  const std::optional<bool> decided = MatchesAsciiIgnoringCase(candidate);
  return decided.has_value() ? *decided : MatchesFolded(FoldCase(candidate, scratch));
}

// Each case holds because the candidate's ASCII bytes fold alone (see AsciiFold) and every
// other code point, or ill-formed byte, folds to at least one byte.
std::optional<bool> StringPattern::MatchesAsciiIgnoringCase(std::string_view candidate) const {
  const std::string_view literal = literal_;
  const size_t n = std::min(candidate.size(), literal.size());
  switch (kind_) {
    case Kind::kAnything:
      return true;
    case Kind::kEqual:
      // Shorter: an ASCII proper prefix. Longer: what follows folds to more bytes.
      return AsciiVerdict(CompareAsciiForward(candidate.data(), literal.data(), n),
                          candidate.size() == literal.size());
    case Kind::kStartsWith:
      return AsciiVerdict(CompareAsciiForward(candidate.data(), literal.data(), n),
                          candidate.size() >= literal.size());
    case Kind::kEndsWith:
      return AsciiVerdict(CompareAsciiBackward(candidate, literal, n),
                          candidate.size() >= literal.size());
    case Kind::kContains:
      // A hit of an ASCII literal is made of ASCII candidate bytes, so it is one in the folded
      // text too; a miss decides only when no byte of the candidate could fold into ASCII.
      if (literal_ascii_ &&
          (literal.size() >= 2
               ? FindAsciiIgnoringCase(candidate, literal, 0)
               : AsciiIgnoringCase::Find(candidate, literal, 0)) != std::string_view::npos) {
        return true;
      }
      return AllAscii(candidate) ? std::optional<bool>(false) : std::nullopt;
    case Kind::kGlob:
      return AllAscii(candidate) ? std::optional<bool>(MatchesGlob<AsciiIgnoringCase>(candidate))
                                 : std::nullopt;
  }
  return std::nullopt;
}

bool StringPattern::MatchesFolded(std::string_view folded) const {
  const std::string_view literal = literal_;
  switch (kind_) {
    case Kind::kAnything:
      return true;
    case Kind::kEqual:
      return folded == literal;
    case Kind::kStartsWith:
      return folded.starts_with(literal);
    case Kind::kEndsWith:
      return folded.ends_with(literal);
    case Kind::kContains:
      return folded.find(literal) != std::string_view::npos;
    case Kind::kGlob:
      return MatchesGlob<ExactBytes>(folded);
  }
  return false;
}

std::string_view FoldCase(std::string_view text, std::string& scratch) {
  const size_t first = FirstFoldableByte(text);
  if (first == std::string_view::npos) {
    return text;
  }
  scratch.assign(text.substr(0, first));
  AppendLowerCase(text.substr(first), scratch);
  return scratch;
}

// Greedy, left to right; on a mismatch the last `*` takes one more code point and what follows
// it is retried. Backtracking to earlier stars is never needed (what they matched can be taken by
// the later star instead), so this is O(text * pattern) at worst, never exponential. A literal
// right after a `*` is searched for rather than tried at each position; the last one is anchored
// at the end.
template <typename Compare>
bool StringPattern::MatchesGlob(std::string_view text) const {
  constexpr size_t kNoStar = std::numeric_limits<size_t>::max();
  const size_t token_count = glob_.size();
  size_t p = 0;                // next token
  size_t t = 0;                // next byte of text
  size_t star_next = kNoStar;  // token after the last `*` met
  size_t star_end = 0;         // where the text that `*` took ends, for now
  while (true) {
    bool advanced = false;
    if (p == token_count) {
      if (t == text.size()) {
        return true;
      }
    } else {
      const GlobToken& token = glob_[p];
      switch (token.op) {
        case GlobToken::Op::kAnyMany:
          if (p + 1 == token_count) {
            return true;  // a trailing `*` takes the rest
          }
          star_next = ++p;
          star_end = t;
          advanced = true;
          break;
        case GlobToken::Op::kAnyOne:
          if (t < text.size()) {
            t += CodePointLength(text, t);
            ++p;
            advanced = true;
          }
          break;
        case GlobToken::Op::kLiteral: {
          const std::string_view literal =
              std::string_view(literal_).substr(token.offset, token.size);
          if (p != star_next) {
            if (Compare::StartsAt(text, t, literal)) {
              t += literal.size();
              ++p;
              advanced = true;
            }
            break;
          }
          if (p + 1 == token_count) {
            return text.size() - t >= literal.size() &&
                   Compare::StartsAt(text, text.size() - literal.size(), literal);
          }
          const size_t found = Compare::Find(text, literal, t);
          if (found == std::string_view::npos) {
            return false;  // no later start for this `*` can find it either
          }
          star_end = found;
          t = found + literal.size();
          ++p;
          advanced = true;
          break;
        }
      }
    }
    if (advanced) {
      continue;
    }
    if (star_next == kNoStar || star_end >= text.size()) {
      return false;
    }
    star_end += CodePointLength(text, star_end);
    t = star_end;
    p = star_next;
  }
}

bool ContainsIgnoringAsciiCase(std::string_view text, std::string_view lower) {
  return AsciiIgnoringCase::Find(text, lower, 0) != std::string_view::npos;
}

bool IsAsciiText(std::string_view text) {
  return AllAscii(text);
}

std::optional<std::string_view> CandidateText(simdjson::dom::element value, std::string& scratch) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      return text;
    }
    case simdjson::dom::element_type::BOOL: {
      bool flag = false;
      if (value.get_bool().get(flag) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      return flag ? std::string_view("true") : std::string_view("false");
    }
    case simdjson::dom::element_type::INT64: {
      int64_t number = 0;
      if (value.get_int64().get(number) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      return WriteInteger(number, scratch);
    }
    case simdjson::dom::element_type::UINT64: {
      uint64_t number = 0;
      if (value.get_uint64().get(number) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      return WriteInteger(number, scratch);
    }
    case simdjson::dom::element_type::DOUBLE: {
      double number = 0;
      if (value.get_double().get(number) != simdjson::SUCCESS) {
        return std::nullopt;
      }
      scratch.clear();
      AppendShortestDouble(number, scratch);
      return std::string_view(scratch);
    }
    default:
      return std::nullopt;  // null, arrays and objects are not candidates
  }
}

}  // namespace trailhound::rules
