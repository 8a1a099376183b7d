// pipeline/event/parsed_json.cc: padded buffers and recycled documents.
#include "pipeline/event/parsed_json.h"

#include <cstring>

namespace trailhound::event {

simdjson::error_code ParsedJson::Parse(simdjson::dom::parser& parser, std::string_view bytes,
                                       std::shared_ptr<const ParsedJson>& out) {
  auto parsed = std::make_shared<ParsedJson>();
  const simdjson::error_code error = parsed->ParseInPlace(parser, bytes);
  if (error == simdjson::SUCCESS) {
    out = std::move(parsed);
  }
  return error;
}

simdjson::error_code ParsedJson::ParseInPlace(simdjson::dom::parser& parser, std::string_view bytes,
                                              bool padded) {
  if (padded) {
    return parser.parse_into_document(document_, bytes.data(), bytes.size(), false).get(root_);
  }
  if (bytes.size() + simdjson::SIMDJSON_PADDING > capacity_ || !bytes_) {
    capacity_ = bytes.size() + bytes.size() / 4 + simdjson::SIMDJSON_PADDING;
    bytes_.reset(new char[capacity_]);
  }
  std::memcpy(bytes_.get(), bytes.data(), bytes.size());
  std::memset(bytes_.get() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);
  size_ = bytes.size();
  // realloc_if_needed=false: the buffer above is already padded.
  return parser.parse_into_document(document_, bytes_.get(), size_, false).get(root_);
}

std::shared_ptr<ParsedJson> DocumentPool::Acquire() {
  for (size_t tried = 0; tried < documents_.size(); ++tried) {
    std::shared_ptr<ParsedJson>& candidate = documents_[next_];
    next_ = (next_ + 1) % documents_.size();
    // Only the pool holds it, and without weak pointers nobody can take a new reference.
    if (candidate.use_count() == 1) {
      if (candidate->capacity_bytes() > max_document_bytes_) {
        candidate = std::make_shared<ParsedJson>();  // drop a one-off giant's memory
      }
      return candidate;
    }
  }
  auto fresh = std::make_shared<ParsedJson>();
  if (documents_.size() < max_documents_) {
    documents_.push_back(fresh);
  }
  return fresh;
}

}  // namespace trailhound::event
