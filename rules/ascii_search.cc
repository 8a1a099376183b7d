// rules/ascii_search.cc: the block search with SSE2 where the target has it (every x86-64), and
// a byte-at-a-time loop for the starts no block covers and for other targets.
#include "rules/ascii_search.h"

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace trailhound::rules {
namespace {

char LowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// text[at, at + lower.size()) equals `lower` with A-Z read as a-z (so only ASCII bytes match).
bool EqualsAt(std::string_view text, size_t at, std::string_view lower) {
  for (size_t i = 0; i < lower.size(); ++i) {
    if (LowerAscii(text[at + i]) != lower[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

size_t FindAsciiIgnoringCase(std::string_view text, std::string_view lower, size_t from) {
  const size_t n = lower.size();
  if (n > text.size() || from > text.size() - n) {
    return std::string_view::npos;
  }
  const size_t last_start = text.size() - n;
  size_t start = from;
#if defined(__SSE2__)
  // A letter is compared with the text byte OR 0x20, which maps exactly it and its upper case
  // onto it; any other byte is compared as it is. Both loads stay inside the text.
  const auto probe = [](char c) {
    const bool letter = c >= 'a' && c <= 'z';
    return std::pair(_mm_set1_epi8(c), _mm_set1_epi8(letter ? 0x20 : 0));
  };
  const auto [first, first_fold] = probe(lower.front());
  const auto [last, last_fold] = probe(lower.back());
  for (; start + 15 <= last_start; start += 16) {
    const char* const at = text.data() + start;
    const __m128i heads = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const __m128i tails = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + n - 1));
    const __m128i both = _mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(heads, first_fold), first),
                                       _mm_cmpeq_epi8(_mm_or_si128(tails, last_fold), last));
    auto mask = static_cast<uint32_t>(_mm_movemask_epi8(both));
    while (mask != 0) {
      const size_t at_start = start + static_cast<size_t>(__builtin_ctz(mask));
      if (EqualsAt(text, at_start, lower)) {
        return at_start;
      }
      mask &= mask - 1;
    }
  }
#endif
  for (; start <= last_start; ++start) {
    if (LowerAscii(text[start]) == lower.front() && EqualsAt(text, start, lower)) {
      return start;
    }
  }
  return std::string_view::npos;
}

}  // namespace trailhound::rules
