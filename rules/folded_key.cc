// rules/folded_key.cc: word-at-a-time ASCII case folding for the index's hash tables.
#include "rules/folded_key.h"

#include <cstdint>
#include <cstring>

namespace trailhound::rules {
namespace {

// Eight bytes with A-Z turned into a-z, every other byte unchanged (SWAR: each byte's high bit
// after adding 0x3F says >= 'A', after adding 0x25 says > 'Z', of its low seven bits).
uint64_t FoldAsciiWord(uint64_t word) {
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7Full;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint64_t low = word & kLow7;
  const uint64_t upper = (low + 0x3F3F3F3F3F3F3F3Full) & ~(low + 0x2525252525252525ull) & ~word;
  return word | ((upper & kHigh) >> 2);
}

// Bytes [i, i + 8) of `text`, zero past its end, as a little-endian word: one load, or for the
// tail of a text of eight bytes or more the last eight bytes shifted down.
uint64_t WordAt(std::string_view text, size_t i) {
  uint64_t word = 0;
  const size_t left = text.size() - i;
  if (left >= 8) {
    std::memcpy(&word, text.data() + i, 8);
  } else if (text.size() >= 8) {
    std::memcpy(&word, text.data() + text.size() - 8, 8);
    word >>= 8 * (8 - left);
  } else {
    for (size_t j = 0; j < left; ++j) {
      word |= uint64_t{static_cast<unsigned char>(text[i + j])} << (8 * j);
    }
  }
  return word;
}

uint64_t FoldedWordAt(std::string_view text, size_t i) {
  return FoldAsciiWord(WordAt(text, i));
}

}  // namespace

bool IsAsciiWords(std::string_view text) {
  uint64_t any = 0;
  for (size_t i = 0; i < text.size(); i += 8) {
    any |= WordAt(text, i);
  }
  return (any & 0x8080808080808080ull) == 0;
}

// The filter bit of a key, or of text as the tables read it (A-Z as a-z): its length and its
// first and last bytes.
size_t KeyFilterBit(std::string_view text) {
  if (text.empty()) {
    return 0;
  }
  const auto fold = [](char c) {
    return static_cast<size_t>(static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  };
  return ((text.size() * 131 + fold(text.front())) * 31 + fold(text.back())) & 4095;
}

size_t AsciiFoldedHash::operator()(std::string_view text) const {
  uint64_t hash = text.size() * 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < text.size(); i += 8) {
    hash = (hash ^ FoldedWordAt(text, i)) * 0xFF51AFD7ED558CCDull;
    hash ^= hash >> 32;
  }
  return static_cast<size_t>(hash);
}

bool AsciiFoldedEqual::operator()(std::string_view a, std::string_view b) const {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); i += 8) {
    if (FoldedWordAt(a, i) != FoldedWordAt(b, i)) {
      return false;
    }
  }
  return true;
}

}  // namespace trailhound::rules
