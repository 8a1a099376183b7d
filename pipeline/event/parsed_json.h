// pipeline/event/parsed_json.h: the bytes of one decoded unit, padded as simdjson requires, and
// the DOM parsed from them. Events share ownership of the ParsedJson they live in. A
// DocumentPool recycles ParsedJson objects whose events are gone, so the steady state of a
// decoding thread allocates nothing per unit.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace trailhound::event {

class ParsedJson {
 public:
  // Parses `bytes` into a new document of its own (no pooling), using `parser` for scratch
  // and its depth limit. On failure returns the simdjson error and leaves `out` untouched.
  static simdjson::error_code Parse(simdjson::dom::parser& parser, std::string_view bytes,
                                    std::shared_ptr<const ParsedJson>& out);

  // Parses `bytes` into this object's document, reusing its memory when large enough. When
  // `padded`, the bytes are parsed where they are; otherwise they are first copied into this
  // object's padded buffer. Either way the document owns every string it holds afterwards.
  // REQUIRES: no Event refers to this object any more; when `padded`, SIMDJSON_PADDING
  // readable bytes follow `bytes`.
  simdjson::error_code ParseInPlace(simdjson::dom::parser& parser, std::string_view bytes,
                                    bool padded = false);

  simdjson::dom::element root() const { return root_; }
  const simdjson::dom::document& document() const { return document_; }
  // Bytes held by the buffer and the document, for the pool's budget.
  size_t capacity_bytes() const { return capacity_ + document_.capacity() * 9; }

 private:
  std::unique_ptr<char[]> bytes_;
  size_t size_ = 0;
  size_t capacity_ = 0;
  simdjson::dom::document document_;
  simdjson::dom::element root_;
};

// Recycles ParsedJson objects on one decoding thread. Not thread-safe; events holding a
// document may be destroyed on any thread (only the reference count is shared).
class DocumentPool {
 public:
  explicit DocumentPool(size_t max_documents = 64, size_t max_document_bytes = size_t{8} << 20)
      : max_documents_(max_documents), max_document_bytes_(max_document_bytes) {}

  // A ParsedJson no event references any more, or a new one.
  std::shared_ptr<ParsedJson> Acquire();

 private:
  std::vector<std::shared_ptr<ParsedJson>> documents_;
  size_t next_ = 0;
  size_t max_documents_;
  size_t max_document_bytes_;
};

}  // namespace trailhound::event
