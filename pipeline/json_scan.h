// pipeline/json_scan.h: a structural scanner that finds where JSON values begin and end without
// building a document. The decoder uses it to stream large containers (`Records`, Firehose
// `records`, `logEvents`, NDJSON) one element at a time and to salvage the good records of a
// batch around a broken one. It tracks strings and brackets only; it does not validate
// scalars or UTF-8 (each element is parsed and validated by simdjson afterwards). Iterative:
// nesting depth costs memory for a bracket stack, never stack frames.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace trailhound::pipeline {

inline constexpr size_t kScanError = static_cast<size_t>(-1);

struct Span {
  size_t begin = 0;
  size_t end = 0;  // one past the last byte
  size_t size() const { return end - begin; }
};

struct ScanMember {
  std::string_view key;  // raw key text between the quotes (escapes left as they are)
  Span value;            // value.end == kScanError when the value is cut short
};

// JSON's insignificant whitespace (RFC 8259 §2): space, tab, LF, CR.
inline bool IsJsonWhitespace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

size_t SkipWhitespace(std::string_view text, size_t pos);

// One past the end of the value starting at `pos` (after whitespace), or kScanError when the
// value is unterminated or its brackets do not balance.
size_t ScanValueEnd(std::string_view text, size_t pos);

// Elements of the array starting at `pos`. Returns one past its `]`, or kScanError when it is
// cut short or malformed; `elements` then holds those found before the fault and `fault` the
// offset where scanning stopped.
size_t ScanArray(std::string_view text, size_t pos, std::vector<Span>& elements, size_t& fault);

// Members of the object starting at `pos`, like ScanArray.
size_t ScanObject(std::string_view text, size_t pos, std::vector<ScanMember>& members,
                  size_t& fault);

// The value of the first member named `key` (raw comparison), or nullptr.
const ScanMember* FindMember(const std::vector<ScanMember>& members, std::string_view key);

// Decodes the JSON string literal spanning `literal` (quotes included) into `out`.
// False when it is not a well-formed string literal.
bool UnescapeJsonString(std::string_view literal, std::string& out);

}  // namespace trailhound::pipeline
