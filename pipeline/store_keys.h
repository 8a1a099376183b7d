// pipeline/store_keys.h: how the store lays out its keys and values (AT-LEAST-ONCE.md §6).
// Integers are big-endian so RocksDB's bytewise order is numeric order; every decoder checks
// lengths and reports a malformed value instead of reading past it. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/store.h"

namespace trailhound::pipeline::store_keys {

inline constexpr int64_t kDayNs = int64_t{86400} * 1'000'000'000;
inline constexpr std::string_view kLastSeqKey = "last_seq";

void AppendU32(std::string& out, uint32_t value);
void AppendU64(std::string& out, uint64_t value);
// REQUIRES: bytes.size() >= 4 / 8.
uint32_t ReadU32(std::string_view bytes);
uint64_t ReadU64(std::string_view bytes);

// The day bucket of an event time; times before 1970 share day 0.
uint32_t EventDay(int64_t event_time_ns);
// day (u32) | event time (u64, sign bit flipped so negative times sort first) | event id.
std::string EventKey(int64_t event_time_ns, std::string_view event_id);
// The first key of a day: DeleteRange(DayKey(a), DayKey(b)) covers days [a, b).
std::string DayKey(uint32_t day);
struct EventKeyParts {
  int64_t event_time_ns = 0;
  std::string_view event_id;
};
std::optional<EventKeyParts> ParseEventKey(std::string_view key);

std::string SeqKey(uint64_t seq);
std::optional<uint64_t> ParseSeqKey(std::string_view key);

// sink name | 0x00 | seq. A sink's whole queue lies in [SinkQueuePrefix, SinkQueueEnd).
std::string SinkQueuePrefix(std::string_view sink);
std::string SinkQueueKey(std::string_view sink, uint64_t seq);
std::string SinkQueueEnd(std::string_view sink);
struct SinkQueueKeyParts {
  std::string_view sink;
  uint64_t seq = 0;
};
std::optional<SinkQueueKeyParts> ParseSinkQueueKey(std::string_view key);

std::string NextOffsetKey(std::string_view topic, int32_t partition);
// A sink's recovery position (AT-LEAST-ONCE.md §7), in `meta`.
std::string SinkPositionKey(std::string_view sink);

// correlation records: topic | 0x00 | partition (u32) | offset (u64) | index in message (u32).
// A partition's records lie in [CorrelationPrefix, CorrelationPrefix + 0xFF), in offset order.
std::string CorrelationPrefix(std::string_view topic, int32_t partition);
std::string CorrelationKey(std::string_view topic, int32_t partition, int64_t offset,
                           uint32_t index);
struct CorrelationKeyParts {
  int64_t offset = 0;
  uint32_t index = 0;
};
// REQUIRES: `key` starts with `prefix`.
std::optional<CorrelationKeyParts> ParseCorrelationKey(std::string_view key, size_t prefix);

// dedup value: event time (i64) | seq (u64). The compaction filter reads only the time.
std::string DedupValue(int64_t event_time_ns, uint64_t seq);
std::optional<int64_t> DedupEventTime(std::string_view value);
// True when a dedup record may be dropped: its event time lies more than `retention_ns` before
// `now_ns`. Malformed records are kept, so a bug never silently re-enables duplicates.
bool DedupExpired(std::string_view value, int64_t now_ns, int64_t retention_ns);

// outbox value: alert id length (u32) | alert id | body.
std::string OutboxValue(std::string_view alert_id, std::string_view body);
struct OutboxValueParts {
  std::string_view alert_id;
  std::string_view body;
};
std::optional<OutboxValueParts> ParseOutboxValue(std::string_view value);

// A DeadLetterRecord as bytes: a version byte, then each field; strings are length-prefixed,
// so `raw` may hold any bytes.
std::string EncodeDeadLetter(const DeadLetterRecord& record);
std::optional<DeadLetterRecord> DecodeDeadLetter(std::string_view bytes);

}  // namespace trailhound::pipeline::store_keys
