// pipeline/kafka_read_back.h: which message keys a topic already holds near its end, for the
// Kafka sink's read-back recovery (AT-LEAST-ONCE.md §7, §11.11). A crash between a delivery
// report and the durable acknowledgement leaves alerts that are in the topic but still queued;
// their ids (the message keys) are found here, so they are acknowledged instead of resent.
//
// The read is bounded: per partition at most the last `max_messages_per_partition` messages
// (it starts at max(low watermark, high watermark - N)) and at most `max_bytes_per_partition`
// of values, all within `timeout`. Unacknowledged alerts are always the newest ones the sink
// wrote, so N only has to exceed the alerts in flight plus what other writers add meanwhile.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>

#include "pipeline/base/status.h"
#include "pipeline/kafka_producer.h"

namespace trailhound::pipeline {

struct ReadBackOptions {
  // bootstrap.servers plus any security settings; consumer settings are added.
  KafkaProperties properties;
  std::string topic;
  int64_t max_messages_per_partition = 100'000;
  size_t max_bytes_per_partition = size_t{64} << 20;
  std::chrono::milliseconds timeout{15'000};
  // Partition -> the offset of the last message known to be acknowledged (the sink's recovery
  // position, AT-LEAST-ONCE.md §7): such a partition is read from the next offset to its high
  // watermark (max_bytes_per_partition still applies) instead of its last N messages.
  std::map<int32_t, int64_t> acknowledged;
};

// Adds to `keys` the key of every message in the bounded window of every partition of the
// topic. Uses an assign()-only consumer: it joins no group and commits nothing. Returns
// kUnavailable when the window could not be read completely within the timeout; the keys read
// until then are still added (each one is known to be in the topic).
base::Status ReadBackKeys(const ReadBackOptions& options, std::unordered_set<std::string>& keys);

}  // namespace trailhound::pipeline
