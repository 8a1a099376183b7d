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

// File names are bytes, not text: a name that is not UTF-8 has its invalid bytes written as
// \xNN so the entry stays valid JSON and still names the file.
std::string ValidUtf8(std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) {
    return std::string(text);
  }
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t length = 1;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0xF0) {
      length = 4;
    } else if (c >= 0xE0) {
      length = 3;
    } else if (c >= 0xC0) {
      length = 2;
    }
    if (c >= 0x80 && (i + length > text.size() || length == 1 ||
                      !simdjson::validate_utf8(text.data() + i, length))) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace

std::string FormatDeadLetter(const Rejected& rejected, int64_t now_ns,
                             const DeadLetterOptions& options) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  const std::string time = event::FormatEventTime(now_ns);
  const std::string source = ValidUtf8(rejected.position.source ? *rejected.position.source : "");
  const std::string position = ValidUtf8(rejected.position.ToString());
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
