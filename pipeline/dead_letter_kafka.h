// pipeline/dead_letter_kafka.h: hands dead letters from the store to the dead-letter topic
// (AT-LEAST-ONCE.md §8). Each record becomes one message in FORMATS.md §7's shape: key = the
// source position as text (`topic/partition @offset`), value = the original bytes, headers
// th-reason, th-source (`topic/partition`), th-position and th-error; plus our own th-truncated
// (`true`/`false`) and th-source-timestamp (ms). The fallback file uses the same source and
// position texts, so a file line and a message can be matched.
//
// Never drops a record: a record the topic refuses for good (missing topic, not authorised,
// too large) is appended as one JSON line to a local file, fsync'ed, and counts as handed on.
// Threads: one dead-letter worker calls Deliver; Stop may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/base/result.h"
#include "pipeline/kafka_producer.h"
#include "pipeline/store.h"

namespace trailhound::pipeline {

struct DeadLetterProducerOptions {
  std::string brokers;
  std::string topic;  // empty: no topic, every record goes to the file
  // Where refused records go, one JSON object per line: FORMATS.md §8's {"time","source",
  // "position","reason","error","raw" or "raw_b64"}, then "raw_truncated","source_topic",
  // "source_partition","source_offset","source_timestamp_ms","kafka_error".
  std::string fallback_path;
  KafkaProperties properties;  // applied after the defaults
  std::chrono::milliseconds queue_full_backoff{100};
};

enum class DeadLetterDelivery {
  kProduced,  // confirmed by a delivery report from the topic
  kFile,      // refused for good by the topic, written to the fallback file
};

class DeadLetterProducer {
 public:
  static base::Result<std::unique_ptr<DeadLetterProducer>> Create(
      DeadLetterProducerOptions options);
  ~DeadLetterProducer();
  DeadLetterProducer(const DeadLetterProducer&) = delete;
  DeadLetterProducer& operator=(const DeadLetterProducer&) = delete;

  // Hands on `entries` in order and returns how many from the front are done (produced or in
  // the file), so the caller acknowledges exactly those. Same error rule as AlertSink::Deliver:
  // an error only when not even the first entry is done.
  base::Result<size_t> Deliver(const std::vector<DeadLetterEntry>& entries);

  // How each entry of the last Deliver's confirmed prefix was handed on, in order.
  const std::vector<DeadLetterDelivery>& outcomes() const { return outcomes_; }
  // Totals since creation, for trailhound_dead_letters_total{outcome}.
  uint64_t produced_total() const { return produced_total_; }
  uint64_t file_total() const { return file_total_; }

  void Stop() { stop_.store(true, std::memory_order_relaxed); }

 private:
  explicit DeadLetterProducer(DeadLetterProducerOptions options) : options_(std::move(options)) {}
  base::Status EnsureProducer();
  base::Result<size_t> Settle(const std::vector<DeadLetterEntry>& entries,
                              const std::vector<std::optional<rd_kafka_resp_err_t>>& refusals);

  DeadLetterProducerOptions options_;
  std::unique_ptr<KafkaProducer> producer_;
  std::vector<DeadLetterDelivery> outcomes_;
  uint64_t produced_total_ = 0;
  uint64_t file_total_ = 0;
  std::atomic<bool> stop_{false};
};

}  // namespace trailhound::pipeline
