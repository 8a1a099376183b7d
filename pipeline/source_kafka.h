// pipeline/source_kafka.h: the Kafka consumer (AT-LEAST-ONCE.md §1–§5, §9). A librdkafka
// high-level consumer in a cooperative-sticky group with automatic offset *store* off: an offset
// is stored, and later committed by librdkafka's timer, only when the caller says the batch
// holding it is durable. Rebalances are reported to a listener on the polling thread before the
// partitions are taken away, so the caller can write what it holds first.
//
// Thread-compatible: every method runs on the one polling thread, except the counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/base/result.h"
#include "pipeline/base/status.h"

struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_partition_list_s;

namespace trailhound::pipeline {

struct KafkaSourceOptions {
  std::string brokers;
  std::vector<std::string> topics;
  std::string group_id;
  // Passed to librdkafka after the defaults of AT-LEAST-ONCE.md §1, so they can override them
  // (security settings, session.timeout.ms in tests). enable.auto.offset.store and the
  // assignment strategy are forced: the delivery promise depends on them.
  std::map<std::string, std::string> properties;
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// Called on the polling thread, inside Poll.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // The partitions are about to be assigned. Returns, per partition, the next offset the local
  // store has already applied (AT-LEAST-ONCE.md §2), or nullopt.
  virtual std::optional<int64_t> LocalNextOffset(const TopicPartition& partition) = 0;
  // The partitions are being assigned (after LocalNextOffset, before their first message).
  virtual void OnAssign(const std::vector<TopicPartition>& /*partitions*/) {}
  // The partitions are about to be taken away. `lost`: another member may own them already, so
  // nothing of theirs may be committed. Everything polled before this call must be made durable
  // and its offsets stored (or, when lost, dropped) before returning.
  virtual void OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) = 0;
};

struct KafkaMessageDeleter {
  void operator()(rd_kafka_message_s* message) const;
};
using KafkaMessage = std::unique_ptr<rd_kafka_message_s, KafkaMessageDeleter>;

struct KafkaSourceCounters {
  std::atomic<uint64_t> offset_resets{0};  // OFFSET warnings: data lost to retention
  std::atomic<uint64_t> commit_errors{0};
  std::atomic<uint64_t> consume_errors{0};
  std::atomic<uint64_t> skipped_applied{0};  // below the local next offset: already stored
  std::atomic<uint64_t> topic_recreated{0};  // local offset above the high watermark: dropped
  std::atomic<uint64_t> rebalances{0};
  std::atomic<uint64_t> lost_assignments{0};
};

// A partition's consumer offset reset because the position to resume from was gone from the
// broker (retention overran it): the events in between were lost unread (AT-LEAST-ONCE.md §12
// row 14). From librdkafka's OFFSET warning.
struct OffsetReset {
  std::string topic;
  int32_t partition = -1;
  int64_t at_offset = -1;  // the position that was gone; -1 when librdkafka named none
  std::string message;     // librdkafka's text
};

// Parses librdkafka 2.0.2's "[thrd:…]: TOPIC [P]: offset reset (at offset N, broker B) to …"
// warning (the thread prefix is optional).
std::optional<OffsetReset> ParseOffsetReset(std::string_view message);

class KafkaSource {
 public:
  static base::Result<std::unique_ptr<KafkaSource>> Create(const KafkaSourceOptions& options,
                                                           RebalanceListener& listener);
  ~KafkaSource();
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  // The next message to process, or null after `timeout_ms` (rebalances and errors are served
  // meanwhile). Messages the local store has already applied are skipped here, their offsets
  // stored. A fatal client error comes back as an error status.
  base::Result<KafkaMessage> Poll(int timeout_ms);

  // The batch holding everything up to `next_offset - 1` of the partition is durable. Offsets
  // only move forward; partitions no longer assigned are ignored.
  void StoreOffset(const TopicPartition& partition, int64_t next_offset);

  // Backpressure: stop or restart fetching for the whole assignment. Polling must go on.
  void PauseAll();
  void ResumeAll();
  bool paused() const { return paused_; }

  // Leaves the group: the revoke runs (the listener writes what it holds), stored offsets are
  // committed. Bounded: a close that outlives `timeout_ms` is abandoned (librdkafka #4527) and
  // reported as an error; the process should then exit without destroying the handle.
  base::Status Close(int timeout_ms);

  size_t assigned() const { return partitions_.size(); }
  // Per-partition lag from the last statistics callback (`consumer_lag`), for metrics.
  std::map<TopicPartition, int64_t> Lag() const;
  // False from librdkafka's "all brokers down" error until a statistics callback (every 5 s)
  // finds a broker up and the group coordinator connected again; /readyz follows it.
  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  // The offset resets seen since the last call (librdkafka's threads report them).
  std::vector<OffsetReset> TakeOffsetResets();
  const KafkaSourceCounters& counters() const { return counters_; }

 private:
  struct PartitionState {
    std::optional<int64_t> local_next;  // from the store at assignment
    int64_t stored_next = -1;           // highest offset handed to offsets_store
    bool first_message_seen = false;
  };

  friend struct KafkaCallbacks;
  explicit KafkaSource(RebalanceListener& listener);
  void Assign(rd_kafka_topic_partition_list_s* partitions);
  void Revoke(rd_kafka_topic_partition_list_s* partitions, bool lost);
  void UnassignAll();
  bool SkipApplied(const rd_kafka_message_s& message);
  void StoreOffsetNow(const TopicPartition& partition, PartitionState& state, int64_t next);
  void SetPaused(bool paused);

  RebalanceListener& listener_;
  rd_kafka_s* rk_ = nullptr;
  std::map<TopicPartition, PartitionState> partitions_;
  bool paused_ = false;
  bool ever_assigned_ = false;
  bool closed_ = false;
  KafkaSourceCounters counters_;
  std::atomic<bool> connected_{true};
  struct Stats;
  std::unique_ptr<Stats> stats_;
};

}  // namespace trailhound::pipeline
