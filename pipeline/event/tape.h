// pipeline/event/tape.h: a reader of simdjson's DOM tape, for the one pass over every record
// that extracts the hot fields. The tape format is simdjson's documented one (doc/tape.md):
// 64-bit words whose top byte is a type character; `{`/`[` hold the index one past their
// closing word, strings an offset into the string buffer where a 32-bit length and the bytes
// live, numbers take two words. `dom::document::tape` and `string_buf` are public members.
// Reading them directly costs a third of what the element API costs per key, and decoding is
// the hot path (bench/bench_decode.cc).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include <simdjson.h>

namespace trailhound::event {

class TapeView {
 public:
  explicit TapeView(const simdjson::dom::document& document)
      : tape_(document.tape.get()), strings_(document.string_buf.get()) {}

  char type(size_t i) const { return static_cast<char>(tape_[i] >> 56); }

  // Index of the word after the value at `i`.
  size_t After(size_t i) const {
    switch (type(i)) {
      case '{':
      case '[':
        return static_cast<uint32_t>(tape_[i]);
      case 'l':
      case 'u':
      case 'd':
        return i + 2;
      default:
        return i + 1;
    }
  }

  // For `{` or `[` at `i`: the index of the closing word.
  size_t End(size_t i) const { return static_cast<uint32_t>(tape_[i]) - 1; }
  // For `{` or `[` at `i`: its number of fields or elements (saturates at 0xFFFFFF).
  uint32_t Count(size_t i) const {
    return static_cast<uint32_t>((tape_[i] >> 32) & simdjson::internal::JSON_COUNT_MASK);
  }

  // REQUIRES: type(i) == '"'.
  std::string_view String(size_t i) const {
    const uint64_t offset = tape_[i] & simdjson::internal::JSON_VALUE_MASK;
    uint32_t length = 0;
    std::memcpy(&length, strings_ + offset, sizeof length);
    return {reinterpret_cast<const char*>(strings_ + offset + sizeof length), length};
  }

  // Calls visit(key, value_index) for each field of the object at `i`; stops when it returns
  // true. REQUIRES: type(i) == '{'.
  template <typename Visit>
  void ForEachField(size_t i, Visit&& visit) const {
    const size_t end = End(i);
    for (size_t key = i + 1; key < end; key = After(key + 1)) {
      if (visit(String(key), key + 1)) {
        return;
      }
    }
  }

  // Index of the value of field `name` of the object at `i`, or 0. REQUIRES: type(i) == '{'.
  size_t Field(size_t i, std::string_view name) const {
    size_t found = 0;
    ForEachField(i, [&](std::string_view key, size_t value) {
      if (key == name) {
        found = value;
        return true;
      }
      return false;
    });
    return found;
  }

 private:
  const uint64_t* tape_;
  const uint8_t* strings_;
};

// The tape index of `element` within `document`. simdjson keeps it in the element's private
// tape reference (a document pointer and an index, in that order); the layout is checked
// against the document and the element's own type on every call, so a simdjson whose layout
// differs stops the process at the first event instead of reading the wrong words.
size_t TapeIndexOf(const simdjson::dom::document& document, simdjson::dom::element element);

}  // namespace trailhound::event
