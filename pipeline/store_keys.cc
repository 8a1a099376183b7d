// pipeline/store_keys.cc: big-endian key encoding and the value codecs of the store.
#include "pipeline/store_keys.h"

namespace trailhound::pipeline::store_keys {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr char kDeadLetterVersion = 1;

// A cursor over an encoded value; every read fails once the bytes run out.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  bool U8(uint8_t& out) {
    if (bytes_.empty()) {
      return false;
    }
    out = static_cast<uint8_t>(bytes_[0]);
    bytes_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t& out) {
    if (bytes_.size() < 4) {
      return false;
    }
    out = ReadU32(bytes_);
    bytes_.remove_prefix(4);
    return true;
  }
  bool U64(uint64_t& out) {
    if (bytes_.size() < 8) {
      return false;
    }
    out = ReadU64(bytes_);
    bytes_.remove_prefix(8);
    return true;
  }
  bool String(std::string& out) {
    uint32_t size = 0;
    if (!U32(size) || bytes_.size() < size) {
      return false;
    }
    out.assign(bytes_.substr(0, size));
    bytes_.remove_prefix(size);
    return true;
  }
  bool done() const { return bytes_.empty(); }

 private:
  std::string_view bytes_;
};

void AppendString(std::string& out, std::string_view value) {
  AppendU32(out, static_cast<uint32_t>(value.size()));
  out.append(value);
}

}  // namespace

void AppendU32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void AppendU64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint32_t ReadU32(std::string_view bytes) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

uint64_t ReadU64(std::string_view bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  }
  return value;
}

uint32_t EventDay(int64_t event_time_ns) {
  if (event_time_ns < 0) {
    return 0;
  }
  return static_cast<uint32_t>(event_time_ns / kDayNs);
}

std::string EventKey(int64_t event_time_ns, std::string_view event_id) {
  std::string key;
  key.reserve(12 + event_id.size());
  AppendU32(key, EventDay(event_time_ns));
  AppendU64(key, static_cast<uint64_t>(event_time_ns) ^ kSignBit);
  key.append(event_id);
  return key;
}

std::string DayKey(uint32_t day) {
  std::string key;
  AppendU32(key, day);
  return key;
}

std::optional<EventKeyParts> ParseEventKey(std::string_view key) {
  if (key.size() < 12) {
    return std::nullopt;
  }
  EventKeyParts parts;
  parts.event_time_ns = static_cast<int64_t>(ReadU64(key.substr(4)) ^ kSignBit);
  parts.event_id = key.substr(12);
  return parts;
}

std::string SeqKey(uint64_t seq) {
  std::string key;
  AppendU64(key, seq);
  return key;
}

std::optional<uint64_t> ParseSeqKey(std::string_view key) {
  if (key.size() != 8) {
    return std::nullopt;
  }
  return ReadU64(key);
}

std::string SinkQueuePrefix(std::string_view sink) {
  std::string prefix;
  prefix.reserve(sink.size() + 9);
  prefix.append(sink);
  prefix.push_back('\0');
  return prefix;
}

std::string SinkQueueKey(std::string_view sink, uint64_t seq) {
  std::string key = SinkQueuePrefix(sink);
  AppendU64(key, seq);
  return key;
}

std::string SinkQueueEnd(std::string_view sink) {
  std::string key(sink);
  key.push_back('\1');
  return key;
}

std::optional<SinkQueueKeyParts> ParseSinkQueueKey(std::string_view key) {
  if (key.size() < 9 || key[key.size() - 9] != '\0') {
    return std::nullopt;
  }
  return SinkQueueKeyParts{key.substr(0, key.size() - 9), ReadU64(key.substr(key.size() - 8))};
}

std::string NextOffsetKey(std::string_view topic, int32_t partition) {
  std::string key = "next_offset/";
  key.append(topic);
  key.push_back('/');
  key.append(std::to_string(partition));
  return key;
}

std::string SinkPositionKey(std::string_view sink) {
  std::string key = "sink_position/";
  key.append(sink);
  return key;
}

std::string CorrelationPrefix(std::string_view topic, int32_t partition) {
  std::string key(topic);
  key.push_back('\0');
  AppendU32(key, static_cast<uint32_t>(partition));
  return key;
}

std::string CorrelationKey(std::string_view topic, int32_t partition, int64_t offset,
                           uint32_t index) {
  std::string key = CorrelationPrefix(topic, partition);
  AppendU64(key, static_cast<uint64_t>(offset));
  AppendU32(key, index);
  return key;
}

std::optional<CorrelationKeyParts> ParseCorrelationKey(std::string_view key, size_t prefix) {
  if (key.size() != prefix + 12) {
    return std::nullopt;
  }
  return CorrelationKeyParts{static_cast<int64_t>(ReadU64(key.substr(prefix))),
                             ReadU32(key.substr(prefix + 8))};
}

std::string DedupValue(int64_t event_time_ns, uint64_t seq) {
  std::string value;
  AppendU64(value, static_cast<uint64_t>(event_time_ns));
  AppendU64(value, seq);
  return value;
}

std::optional<int64_t> DedupEventTime(std::string_view value) {
  if (value.size() < 8) {
    return std::nullopt;
  }
  return static_cast<int64_t>(ReadU64(value));
}

bool DedupExpired(std::string_view value, int64_t now_ns, int64_t retention_ns) {
  std::optional<int64_t> event_time = DedupEventTime(value);
  if (!event_time.has_value()) {
    return false;
  }
  // Compared as a difference so a far-future or far-past time cannot overflow.
  if (*event_time >= now_ns) {
    return false;
  }
  return static_cast<uint64_t>(now_ns) - static_cast<uint64_t>(*event_time) >
         static_cast<uint64_t>(retention_ns);
}

std::string OutboxValue(std::string_view alert_id, std::string_view body) {
  std::string value;
  value.reserve(4 + alert_id.size() + body.size());
  AppendString(value, alert_id);
  value.append(body);
  return value;
}

std::optional<OutboxValueParts> ParseOutboxValue(std::string_view value) {
  if (value.size() < 4) {
    return std::nullopt;
  }
  uint32_t id_size = ReadU32(value);
  if (value.size() - 4 < id_size) {
    return std::nullopt;
  }
  return OutboxValueParts{value.substr(4, id_size), value.substr(4 + id_size)};
}

std::string EncodeDeadLetter(const DeadLetterRecord& record) {
  std::string out;
  out.reserve(64 + record.reason.size() + record.error.size() + record.source_topic.size() +
              record.raw.size());
  out.push_back(kDeadLetterVersion);
  AppendString(out, record.reason);
  AppendString(out, record.error);
  AppendString(out, record.source_topic);
  AppendU32(out, static_cast<uint32_t>(record.source_partition));
  AppendU64(out, static_cast<uint64_t>(record.source_offset));
  AppendU64(out, static_cast<uint64_t>(record.source_timestamp_ms));
  out.push_back(record.truncated ? 1 : 0);
  AppendString(out, record.raw);
  return out;
}

std::optional<DeadLetterRecord> DecodeDeadLetter(std::string_view bytes) {
  Reader reader(bytes);
  DeadLetterRecord record;
  uint8_t version = 0;
  uint32_t partition = 0;
  uint64_t offset = 0;
  uint64_t timestamp = 0;
  uint8_t truncated = 0;
  if (!reader.U8(version) || version != kDeadLetterVersion || !reader.String(record.reason) ||
      !reader.String(record.error) || !reader.String(record.source_topic) ||
      !reader.U32(partition) || !reader.U64(offset) || !reader.U64(timestamp) ||
      !reader.U8(truncated) || !reader.String(record.raw) || !reader.done()) {
    return std::nullopt;
  }
  record.source_partition = static_cast<int32_t>(partition);
  record.source_offset = static_cast<int64_t>(offset);
  record.source_timestamp_ms = static_cast<int64_t>(timestamp);
  record.truncated = truncated != 0;
  return record;
}

}  // namespace trailhound::pipeline::store_keys
