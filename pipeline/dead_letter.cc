// pipeline/dead_letter.cc: dead-letter formatting with RapidJSON.
#include "pipeline/dead_letter.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include "pipeline/codec.h"
#include "pipeline/event/event_time.h"

namespace trailhound::pipeline {
namespace {

// Backs up from `size` to the start of a UTF-8 sequence, so a cut never splits a character.
size_t Utf8Boundary(std::string_view text, size_t size) {
  if (size >= text.size()) {
    return text.size();
  }
  size_t cut = size;
  for (int back = 0; back < 4 && cut > 0; ++back) {
    if ((static_cast<unsigned char>(text[cut]) & 0xC0) != 0x80) {
      break;
    }
    --cut;
  }
  return cut;
}

}  // namespace

std::string FormatDeadLetter(const Rejected& rejected, int64_t now_ns,
                             const DeadLetterOptions& options) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  const std::string time = event::FormatEventTime(now_ns);
  const std::string source = rejected.position.source ? *rejected.position.source : "";
  const std::string position = rejected.position.ToString();
  const std::string_view reason = RejectReasonName(rejected.reason);
  writer.StartObject();
  writer.Key("time");
  writer.String(time.data(), static_cast<rapidjson::SizeType>(time.size()));
  writer.Key("source");
  writer.String(source.data(), static_cast<rapidjson::SizeType>(source.size()));
  writer.Key("position");
  writer.String(position.data(), static_cast<rapidjson::SizeType>(position.size()));
  writer.Key("reason");
  writer.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
  writer.Key("error");
  writer.String(rejected.error.data(), static_cast<rapidjson::SizeType>(rejected.error.size()));
  const bool truncated = rejected.raw.size() > options.max_raw_bytes;
  std::string_view raw = rejected.raw.substr(0, options.max_raw_bytes);
  const std::string_view text = raw.substr(0, Utf8Boundary(rejected.raw, raw.size()));
  if (simdjson::validate_utf8(text.data(), text.size())) {
    writer.Key("raw");
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  } else {
    const std::string encoded = EncodeBase64(raw);
    writer.Key("raw_b64");
    writer.String(encoded.data(), static_cast<rapidjson::SizeType>(encoded.size()));
  }
  writer.Key("raw_bytes");
  writer.Uint64(rejected.raw.size());
  writer.Key("raw_truncated");
  writer.Bool(truncated);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace trailhound::pipeline
