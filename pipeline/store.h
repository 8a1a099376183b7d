// pipeline/store.h: the daemon's durable state in one embedded RocksDB (AT-LEAST-ONCE.md §6, §7):
// stored events, the alert outbox with one queue per sink, dedup records of alert ids, dead
// letters waiting for their topic, each partition's next offset, and the events its correlation
// windows hold. Everything one consumed
// batch changes is one WriteBatch, so a crash leaves all of it or none of it.
//
// Threads: one thread builds batches and one writes them, in the order they were built (the
// same thread, or the polling thread and a BatchWriter); each sink worker reads and acknowledges
// its own queue; NextOffset, QueueDepth, the size accessors, ApplyRetention and CompactAll may be
// called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "pipeline/base/result.h"
#include "pipeline/base/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace trailhound::pipeline {

enum class Durability {
  kPower,    // every batch is fdatasync'ed: survives power loss (the default)
  kProcess,  // write(2) only: survives kill -9, not power loss
};

struct StoreOptions {
  std::string dir;  // created when missing
  Durability durability = Durability::kPower;
  // Events older than this in *event time* are deleted by ApplyRetention.
  int64_t retention_ns = int64_t{30} * 86400 * 1'000'000'000;
  // Dedup records are kept this long after the alert's event time; must exceed the source
  // retention plus the longest replay, so a late redelivery is still recognised.
  int64_t dedup_retention_ns = int64_t{45} * 86400 * 1'000'000'000;
  // Names of the sinks alerts are queued for, in configuration order. A sink missing from this
  // list keeps its old queue on disk but receives nothing new.
  std::vector<std::string> sinks;
  uint64_t max_total_wal_bytes = uint64_t{256} << 20;
};

// A record that could not be decoded, kept until the dead-letter worker has handed it on.
struct DeadLetterRecord {
  std::string reason;  // RejectReasonName
  std::string error;
  std::string source_topic;
  int32_t source_partition = -1;
  int64_t source_offset = -1;
  int64_t source_timestamp_ms = -1;
  std::string raw;  // original bytes (already cut to the configured maximum)
  bool truncated = false;
};

struct OutboxEntry {
  uint64_t seq = 0;
  std::string alert_id;
  std::string body;  // the alert JSON, no newline
};

// One stored event, as ReadEvents returns it.
struct StoredEvent {
  int64_t event_time_ns = 0;
  std::string event_id;
  std::string raw_json;
};

// An event kept for a partition's correlation windows, as ReadCorrelationRecords returns it.
struct CorrelationRecord {
  int64_t offset = 0;  // of the Kafka message that held it
  uint32_t index = 0;  // of the event within that message
  std::string raw_json;
};

struct DeadLetterEntry {
  uint64_t seq = 0;
  DeadLetterRecord record;
};

class Store;

// Everything one consumed batch changes; written by Store::Write. Built on one thread (the only
// one that hands out seqs), written on that thread or another.
class StoreBatch {
 public:
  ~StoreBatch();
  StoreBatch(StoreBatch&&) noexcept;
  StoreBatch& operator=(StoreBatch&&) noexcept;

  // Keyed by event time and eventID, so storing the same record again overwrites it.
  void PutEvent(int64_t event_time_ns, std::string_view event_id, std::string_view raw_json);
  // Queues the alert for every configured sink unless its id is already known, in the dedup
  // records or earlier in this batch. True when it was added.
  base::Result<bool> AddAlert(std::string_view alert_id, std::string_view body,
                              int64_t event_time_ns);
  void AddDeadLetter(const DeadLetterRecord& record);
  void SetNextOffset(std::string_view topic, int32_t partition, int64_t next_offset);
  // An event a correlation of the partition may still count, kept so the partition's windows
  // can be rebuilt after a restart or a rebalance; and the deletion of those a partition's
  // windows no longer need (offsets below `before_offset`).
  void PutCorrelationRecord(std::string_view topic, int32_t partition, int64_t offset,
                            uint32_t index, std::string_view raw_json);
  void DeleteCorrelationRecords(std::string_view topic, int32_t partition, int64_t before_offset);

  size_t events() const { return events_; }
  size_t alerts() const { return alerts_; }
  size_t dead_letters() const { return dead_letters_; }
  size_t duplicate_alerts() const { return duplicate_alerts_; }
  bool empty() const;
  // Empties a written batch for the next one, keeping its buffer: a batch is megabytes of
  // events, and a new buffer page-faults its way through them again (1.8 % of the daemon's
  // samples in bench_daemon, on the polling thread).
  void Reset();

 private:
  friend class Store;
  explicit StoreBatch(Store& store);

  Store* store_;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
  std::unordered_set<std::string> alert_ids_;
  uint64_t last_seq_ = 0;  // the highest seq handed to this batch, 0 for none
  size_t events_ = 0;
  size_t alerts_ = 0;
  size_t dead_letters_ = 0;
  size_t duplicate_alerts_ = 0;
};

class Store {
 public:
  // kInvalidInput when a sink name is empty, holds NUL or is listed twice.
  static base::Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  StoreBatch NewBatch();
  // One atomic write (synced in kPower). Busy/TryAgain/NoSpace come back as kUnavailable so the
  // caller can retry the same batch; anything else is kInternal. A written batch is emptied.
  // REQUIRES: batches are written in the order they were made (seqs are handed out at AddAlert,
  // and sink workers read each queue forward from a cursor).
  base::Status Write(StoreBatch& batch);
  // Syncs the WAL (shutdown, after kProcess batches).
  base::Status Sync();

  // Every correlation record kept for a partition, in (offset, index) order. The writing thread
  // only (at assignment, before the partition's first batch).
  base::Status ReadCorrelationRecords(std::string_view topic, int32_t partition,
                                      std::vector<CorrelationRecord>& out) const;

  // The next offset this store has applied for a partition, if any (AT-LEAST-ONCE.md §2).
  std::optional<int64_t> NextOffset(std::string_view topic, int32_t partition) const;

  // Up to `max` queued alerts of `sink` with seq > after_seq, in seq order; replaces the
  // contents of `out`. The read functions below replace `out` likewise.
  base::Status ReadQueue(std::string_view sink, uint64_t after_seq, size_t max,
                         std::vector<OutboxEntry>& out) const;
  // The sink has confirmed these entries: their queue keys go, in one write, with the sink's
  // recovery position after them when it keeps one (AT-LEAST-ONCE.md §7).
  base::Status Acknowledge(std::string_view sink, const std::vector<uint64_t>& seqs,
                           std::string_view position = {});
  // The recovery position of the sink's last acknowledgement that carried one; empty if none.
  std::string SinkPosition(std::string_view sink) const;
  // Entries still queued for a sink.
  uint64_t QueueDepth(std::string_view sink) const;
  // Up to `max` alert bodies still kept in the outbox with seq > after_seq, whether or not a
  // sink still needs them: for diagnostics and tests of trimming.
  base::Status ReadOutbox(uint64_t after_seq, size_t max, std::vector<OutboxEntry>& out) const;

  base::Status ReadDeadLetters(uint64_t after_seq, size_t max,
                               std::vector<DeadLetterEntry>& out) const;
  base::Status AcknowledgeDeadLetters(const std::vector<uint64_t>& seqs);
  uint64_t DeadLetterDepth() const;

  // Up to `max` stored events with from_ns <= event time < until_ns, in (event time, eventID)
  // order: for context lookups and tests.
  base::Status ReadEvents(int64_t from_ns, int64_t until_ns, size_t max,
                          std::vector<StoredEvent>& out) const;

  // Drops events older than now - retention (by event time, one DeleteRange per whole day) and
  // outbox bodies no sink still needs. Dedup records expire in compaction.
  base::Status ApplyRetention(int64_t now_ns);

  // Flushes and compacts every column family now, so expired dedup records go: for tests, and
  // for an operator after shortening a retention. Blocks; any thread.
  base::Status CompactAll();

  // Bytes on disk (SST files plus WAL), for metrics.
  uint64_t DiskBytes() const;
  const StoreOptions& options() const { return options_; }

 private:
  friend class StoreBatch;
  struct Impl;
  explicit Store(const StoreOptions& options);
  base::Status LoadCounters();
  base::Status CountQueues();
  void CompactExpiredEvents(const std::string& begin, const std::string& end);
  base::Status TrimOutbox();
  void AddToDepths(uint64_t alerts, uint64_t dead_letters, bool add);

  StoreOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trailhound::pipeline
