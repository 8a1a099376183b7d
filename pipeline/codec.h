// pipeline/codec.h: the byte-level layers an envelope may add: gzip and base64.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "pipeline/base/status.h"

namespace trailhound::pipeline {

inline bool IsGzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

enum class InflateError { kNone, kCorrupt, kTooLarge };

// Gunzips `bytes` (concatenated members included) into `out`, stopping with kTooLarge as soon
// as the output would pass `max_output_bytes`: a gzip bomb costs at most that much memory.
InflateError Gunzip(std::string_view bytes, size_t max_output_bytes, std::string& out,
                    std::string& error);

// Compresses `bytes` as one gzip member; tests and the sample generator use it.
std::string Gzip(std::string_view bytes);

// Standard base64 (RFC 4648 §4) with padding; whitespace is not allowed. False on bad input.
bool DecodeBase64(std::string_view text, std::string& out);
std::string EncodeBase64(std::string_view bytes);

}  // namespace trailhound::pipeline
