// rules/folded_key.h: hashing and comparing lower-cased keys with text as it is, A-Z read as
// a-z, eight bytes at a time, so an index lookup of ASCII text needs no lower-cased copy. Keys
// must be stored lower-cased (folding them is then the identity); text that is not ASCII must be
// lower-cased by the Unicode mapping before a lookup (§7). Stateless; any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace trailhound::rules {

struct AsciiFoldedHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const;
};

struct AsciiFoldedEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// True when every byte of `text` is below 0x80.
bool IsAsciiWords(std::string_view text);

// A bit in [0, 4096) from the length and the folded first and last bytes of `text`: equal under
// AsciiFoldedEqual gives equal bits, so a filter of the keys' bits refuses most other texts
// before they are hashed.
size_t KeyFilterBit(std::string_view text);

}  // namespace trailhound::rules
