// pipeline/store_impl.h: the RocksDB state behind Store, shared by the files that implement it
// (store_rocksdb.cc: open, batches, writes; store_queue.cc: queues, dead letters, retention).
// Private to th_store; nothing outside pipeline/store_*.cc includes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/status.h>

#include "pipeline/base/status.h"
#include "pipeline/store.h"

namespace trailhound::pipeline {

// Drops dedup records whose embedded event time lies beyond the retention. Runs on RocksDB's
// compaction threads, so it reads only its constant retention and the wall clock.
class DedupExpiryFilter : public rocksdb::CompactionFilter {
 public:
  explicit DedupExpiryFilter(int64_t retention_ns) : retention_ns_(retention_ns) {}
  bool Filter(int level, const rocksdb::Slice& key, const rocksdb::Slice& existing_value,
              std::string* new_value, bool* value_changed) const override;
  const char* Name() const override { return "trailhound.DedupExpiry"; }

 private:
  int64_t retention_ns_;
};

// Busy/TryAgain/NoSpace/Incomplete may pass, so they are kUnavailable; anything else is a bug
// or corruption and kInternal. `what` names the operation for the message.
base::Status FromRocks(const rocksdb::Status& status, std::string_view what);

struct Store::Impl {
  // Declared before `db` so it outlives it: RocksDB keeps a raw pointer.
  std::unique_ptr<DedupExpiryFilter> dedup_filter;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before `db`
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* dedup = nullptr;
  rocksdb::ColumnFamilyHandle* outbox = nullptr;
  rocksdb::ColumnFamilyHandle* sinkq = nullptr;
  rocksdb::ColumnFamilyHandle* dlq = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* corr = nullptr;
  rocksdb::WriteOptions write_options;

  // The next seq to hand out; only the writer thread touches it (AddAlert, AddDeadLetter).
  uint64_t next_seq = 1;
  // Highest seq that is durable in a written batch; read by retention on any thread.
  std::atomic<uint64_t> written_seq{0};
  // Entries per sink queue, by sink name. The keys are fixed at Open (configured sinks plus
  // queues found on disk), so lookups need no lock.
  std::map<std::string, std::atomic<uint64_t>, std::less<>> queue_depth;
  std::atomic<uint64_t> dead_letter_depth{0};
  // Retention: the first day not yet deleted, so repeated calls add no tombstones.
  std::mutex retention_mu;
  uint32_t events_deleted_before_day = 0;
  // Outbox bodies below this seq are deleted; guarded by retention_mu like the day above.
  uint64_t outbox_trimmed_before = 0;
  // Compacts the expired days away in the background (ApplyRetention); joined by ~Impl after
  // DisableManualCompaction has cut it short. Guarded by retention_mu.
  std::thread expired_compaction;
  std::atomic<bool> expired_compaction_done{true};

  ~Impl();
  base::Status Get(rocksdb::ColumnFamilyHandle* family, std::string_view key, std::string& value,
                   bool& found) const;
};

}  // namespace trailhound::pipeline
