// rules/ascii_search.h: case-insensitive search of an ASCII literal in text, sixteen starts at a
// time: the "generic SIMD" substring search (first and last byte of the literal compared at
// sixteen positions at once, whole compares only where both agree). Stateless; any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace trailhound::rules {

// Where `lower` (lower-case ASCII, two bytes or more) first occurs in `text` at or after `from`,
// reading A-Z of `text` as a-z, or npos. A text byte above 0x7F matches no literal byte.
// REQUIRES: lower.size() >= 2, every byte of `lower` below 0x80 and none in A-Z.
size_t FindAsciiIgnoringCase(std::string_view text, std::string_view lower, size_t from);

}  // namespace trailhound::rules
