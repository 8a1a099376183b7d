// pipeline/store_rocksdb.cc: opening the RocksDB store and writing batches (AT-LEAST-ONCE.md §3,
// §6). Queues, dead letters and retention are in store_queue.cc.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <system_error>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include "pipeline/base/check.h"
#include "pipeline/store.h"
#include "pipeline/store_impl.h"
#include "pipeline/store_keys.h"

namespace trailhound::pipeline {
namespace {

constexpr size_t kReservedBatchBytes = size_t{4} << 20;

namespace keys = store_keys;

// Column families in the order Open passes them; `default` is unused but RocksDB requires it.
constexpr const char* kFamilyNames[] = {"default", "events", "dedup", "outbox",
                                        "sinkq",   "dlq",    "meta",  "corr"};
// Queue heads leave tombstones; compact a file once 64 of any 128 consecutive entries are
// deletions (wiki "Implement Queue Service Using RocksDB").
constexpr size_t kDeletionWindow = 128;
constexpr size_t kDeletionTrigger = 64;
constexpr uint64_t kPeriodicCompactionSeconds = 86400;

// A write-batch Put fails only for keys or values over 4 GiB, which the callers never build.
void MustSucceed(const rocksdb::Status& status) {
  TH_CHECK(status.ok());
}

std::vector<rocksdb::ColumnFamilyDescriptor> FamilyDescriptors(const DedupExpiryFilter* filter) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : kFamilyNames) {
    rocksdb::ColumnFamilyOptions options;
    std::string_view view = name;
    if (view == "dedup") {
      options.compaction_filter = filter;
      options.periodic_compaction_seconds = kPeriodicCompactionSeconds;
    } else if (view == "events") {
      // The bulk of every batch (AT-LEAST-ONCE.md §6), written once and read rarely (context,
      // by time range). Measured with bench_daemon (1,024,000 events, durability: process),
      // CPU per stored event fell from 19.0 to 16.3-16.6 us:
      // - Values go to blob files at flush, so compaction rewrites keys only (rocksdb:low
      //   4.6 -> 1.3-2.2 us/event). They are not compressed: LZ4 compresses one ~1.2 KB record
      //   alone by 15 % at 1.6 us/event of flush. Blob garbage collection stays off: retention
      //   deletes whole days, so a blob file's records expire together and the file goes once
      //   compaction has dropped their keys. Disk per event: ~1.26 KB (was ~0.6 KB, Snappy).
      // - The memtable is a vector sorted once at flush, not a skip list searched per insert
      //   (th-store-write 5.7 -> 3.2 us/event); a range read of the live memtable sorts a copy.
      // - Four 32 MiB memtables instead of two of 64 MiB: a flush that falls behind no longer
      //   stops writes at once ("Stopping writes because we have 2 immutable memtables").
      // - L0 compacts into L1 after 8 files, not 4. With keys only, L1 stays under its 256 MiB
      //   target for millions of events, and each L0 file of a catch-up spans most of its time
      //   range, so every L0 -> L1 compaction rewrites all of L1: half as many rewrites halve
      //   the cost (rocksdb:low 2.2 -> 1.1 us/event), for at most 8 L0 files a read merges.
      options.enable_blob_files = true;
      options.min_blob_size = 0;
      options.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
      options.write_buffer_size = size_t{32} << 20;
      options.max_write_buffer_number = 4;
      options.level0_file_num_compaction_trigger = 8;
    } else if (view == "sinkq") {
      options.table_properties_collector_factories.push_back(
          rocksdb::NewCompactOnDeletionCollectorFactory(kDeletionWindow, kDeletionTrigger));
    }
    families.emplace_back(name, options);
  }
  return families;
}

rocksdb::DBOptions DatabaseOptions(const StoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_total_wal_size = options.max_total_wal_bytes;
  // Keeps DeleteRange tombstones cheap and is required by periodic compaction.
  db_options.max_open_files = -1;
  // One thread writes (the batch writer); the events family's vector memtable requires this.
  db_options.allow_concurrent_memtable_write = false;
  // wal_recovery_mode stays kPointInTimeRecovery: a torn WAL tail recovers a consistent prefix.
  return db_options;
}

// Each sink's queue is a key prefix ending in 0x00, and each queue key is written once (the
// SingleDelete contract), so names must be non-empty, free of NUL and listed once.
base::Status CheckSinkNames(const std::vector<std::string>& sinks) {
  for (size_t i = 0; i < sinks.size(); ++i) {
    const std::string& sink = sinks[i];
    if (sink.empty() || sink.find('\0') != std::string::npos) {
      return base::InvalidInput("store: sink name '" + sink + "' must be non-empty text");
    }
    if (std::find(sinks.begin(), sinks.begin() + static_cast<std::ptrdiff_t>(i), sink) !=
        sinks.begin() + static_cast<std::ptrdiff_t>(i)) {
      return base::InvalidInput("store: sink '" + sink + "' is listed twice; name each once");
    }
  }
  return base::Status::Ok();
}

}  // namespace

bool DedupExpiryFilter::Filter(int /*level*/, const rocksdb::Slice& /*key*/,
                               const rocksdb::Slice& existing_value, std::string* /*new_value*/,
                               bool* /*value_changed*/) const {
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return keys::DedupExpired(existing_value.ToStringView(), now_ns, retention_ns_);
}

base::Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  std::string message = std::string(what) + ": " + status.ToString();
  if (status.IsBusy() || status.IsTryAgain() || status.IsNoSpace() || status.IsIncomplete()) {
    return base::Unavailable(std::move(message));
  }
  return base::Internal(std::move(message));
}

Store::Impl::~Impl() {
  if (db == nullptr) {
    return;
  }
  if (expired_compaction.joinable()) {
    db->DisableManualCompaction();  // a running CompactRange returns at once
    expired_compaction.join();
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();
}

base::Status Store::Impl::Get(rocksdb::ColumnFamilyHandle* family, std::string_view key,
                              std::string& value, bool& found) const {
  rocksdb::Status status = db->Get(rocksdb::ReadOptions(), family, key, &value);
  found = status.ok();
  if (status.ok() || status.IsNotFound()) {
    return base::Status::Ok();
  }
  return FromRocks(status, "read");
}

Store::Store(const StoreOptions& options) : options_(options), impl_(std::make_unique<Impl>()) {}

Store::~Store() = default;

base::Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (base::Status status = CheckSinkNames(options.sinks); !status.ok()) {
    return status;
  }
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) {
    return base::Unavailable("store: cannot create directory '" + options.dir +
                             "': " + error.message());
  }
  std::unique_ptr<Store> store(new Store(options));
  Impl& impl = *store->impl_;
  impl.dedup_filter = std::make_unique<DedupExpiryFilter>(options.dedup_retention_ns);
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(DatabaseOptions(options), options.dir,
                        FamilyDescriptors(impl.dedup_filter.get()), &impl.handles, &db);
  if (!status.ok()) {
    return FromRocks(status, "store: cannot open '" + options.dir + "'");
  }
  impl.db.reset(db);
  impl.events = impl.handles[1];
  impl.dedup = impl.handles[2];
  impl.outbox = impl.handles[3];
  impl.sinkq = impl.handles[4];
  impl.dlq = impl.handles[5];
  impl.meta = impl.handles[6];
  impl.corr = impl.handles[7];
  impl.write_options.sync = options.durability == Durability::kPower;
  if (base::Status loaded = store->LoadCounters(); !loaded.ok()) {
    return loaded;
  }
  return store;
}

base::Status Store::LoadCounters() {
  std::string value;
  bool found = false;
  if (base::Status status = impl_->Get(impl_->meta, keys::kLastSeqKey, value, found);
      !status.ok()) {
    return status;
  }
  if (found && value.size() == 8) {
    impl_->written_seq = keys::ReadU64(value);
    impl_->next_seq = impl_->written_seq + 1;
  }
  for (const std::string& sink : options_.sinks) {
    impl_->queue_depth.try_emplace(sink, 0);
  }
  return CountQueues();
}

StoreBatch::StoreBatch(Store& store)
    // Reserved up front: a batch of thousands of ~1 KB events would otherwise be copied each
    // time its buffer doubles.
    : store_(&store), batch_(std::make_unique<rocksdb::WriteBatch>(kReservedBatchBytes)) {}
StoreBatch::~StoreBatch() = default;
StoreBatch::StoreBatch(StoreBatch&&) noexcept = default;
StoreBatch& StoreBatch::operator=(StoreBatch&&) noexcept = default;

bool StoreBatch::empty() const {
  return batch_->Count() == 0;
}

void StoreBatch::Reset() {
  batch_->Clear();  // keeps the buffer's capacity
  alert_ids_.clear();
  last_seq_ = 0;
  events_ = 0;
  alerts_ = 0;
  dead_letters_ = 0;
  duplicate_alerts_ = 0;
}

void StoreBatch::PutEvent(int64_t event_time_ns, std::string_view event_id,
                          std::string_view raw_json) {
  MustSucceed(
      batch_->Put(store_->impl_->events, keys::EventKey(event_time_ns, event_id), raw_json));
  ++events_;
}

base::Result<bool> StoreBatch::AddAlert(std::string_view alert_id, std::string_view body,
                                        int64_t event_time_ns) {
  // The ids of this batch stay in memory until Write, so a batch that is dropped leaves no trace.
  if (alert_ids_.contains(std::string(alert_id))) {
    ++duplicate_alerts_;
    return false;
  }
  Store::Impl& impl = *store_->impl_;
  std::string existing;
  bool found = false;
  if (base::Status status = impl.Get(impl.dedup, alert_id, existing, found); !status.ok()) {
    return status;
  }
  if (found) {
    ++duplicate_alerts_;
    return false;
  }
  const uint64_t seq = impl.next_seq++;
  last_seq_ = seq;
  MustSucceed(batch_->Put(impl.dedup, alert_id, keys::DedupValue(event_time_ns, seq)));
  MustSucceed(batch_->Put(impl.outbox, keys::SeqKey(seq), keys::OutboxValue(alert_id, body)));
  for (const std::string& sink : store_->options_.sinks) {
    MustSucceed(batch_->Put(impl.sinkq, keys::SinkQueueKey(sink, seq), rocksdb::Slice()));
  }
  alert_ids_.emplace(alert_id);
  ++alerts_;
  return true;
}

void StoreBatch::AddDeadLetter(const DeadLetterRecord& record) {
  Store::Impl& impl = *store_->impl_;
  const uint64_t seq = impl.next_seq++;
  last_seq_ = seq;
  MustSucceed(batch_->Put(impl.dlq, keys::SeqKey(seq), keys::EncodeDeadLetter(record)));
  ++dead_letters_;
}

void StoreBatch::SetNextOffset(std::string_view topic, int32_t partition, int64_t next_offset) {
  std::string value;
  keys::AppendU64(value, static_cast<uint64_t>(next_offset));
  MustSucceed(batch_->Put(store_->impl_->meta, keys::NextOffsetKey(topic, partition), value));
}

StoreBatch Store::NewBatch() {
  return StoreBatch(*this);
}

base::Status Store::Write(StoreBatch& batch) {
  TH_CHECK(batch.store_ == this);
  if (batch.empty()) {
    return base::Status::Ok();
  }
  // The highest seq this batch holds; batches are written in the order they were built, so a
  // reopened store continues after it. (next_seq may already be further on: the next batch is
  // built while this one is written.)
  const uint64_t last_seq = batch.last_seq_;
  if (last_seq != 0) {
    std::string value;
    keys::AppendU64(value, last_seq);
    MustSucceed(batch.batch_->Put(impl_->meta, keys::kLastSeqKey, value));
  }
  // Counted before the write: once it lands a sink worker may acknowledge these entries at
  // once, and a decrement must never come before its increment.
  AddToDepths(batch.alerts_, batch.dead_letters_, /*add=*/true);
  rocksdb::Status status = impl_->db->Write(impl_->write_options, batch.batch_.get());
  if (!status.ok()) {
    AddToDepths(batch.alerts_, batch.dead_letters_, /*add=*/false);
    return FromRocks(status, "store: write");
  }
  if (last_seq != 0) {
    impl_->written_seq.store(last_seq, std::memory_order_release);
  }
  // Written: a second Write of the same batch is a no-op.
  batch.batch_->Clear();
  batch.alert_ids_.clear();
  return base::Status::Ok();
}

void Store::AddToDepths(uint64_t alerts, uint64_t dead_letters, bool add) {
  auto apply = [add](std::atomic<uint64_t>& counter, uint64_t amount) {
    if (add) {
      counter += amount;
    } else {
      counter -= amount;
    }
  };
  for (const std::string& sink : options_.sinks) {
    apply(impl_->queue_depth.find(sink)->second, alerts);
  }
  apply(impl_->dead_letter_depth, dead_letters);
}

base::Status Store::Sync() {
  rocksdb::Status status = impl_->db->SyncWAL();
  return status.ok() ? base::Status::Ok() : FromRocks(status, "store: sync WAL");
}

void StoreBatch::PutCorrelationRecord(std::string_view topic, int32_t partition, int64_t offset,
                                      uint32_t index, std::string_view raw_json) {
  MustSucceed(batch_->Put(store_->impl_->corr,
                          keys::CorrelationKey(topic, partition, offset, index), raw_json));
}

void StoreBatch::DeleteCorrelationRecords(std::string_view topic, int32_t partition,
                                          int64_t before_offset) {
  MustSucceed(batch_->DeleteRange(store_->impl_->corr, keys::CorrelationKey(topic, partition, 0, 0),
                                  keys::CorrelationKey(topic, partition, before_offset, 0)));
}

base::Status Store::ReadCorrelationRecords(std::string_view topic, int32_t partition,
                                           std::vector<CorrelationRecord>& out) const {
  out.clear();
  const std::string prefix = keys::CorrelationPrefix(topic, partition);
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->corr));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::optional<keys::CorrelationKeyParts> parts =
        keys::ParseCorrelationKey(it->key().ToStringView(), prefix.size());
    if (!parts.has_value()) {
      return base::Internal("store: malformed correlation record key " + it->key().ToString(true));
    }
    out.push_back(CorrelationRecord{parts->offset, parts->index, it->value().ToString()});
  }
  return it->status().ok() ? base::Status::Ok()
                           : FromRocks(it->status(), "store: read correlation records");
}

std::optional<int64_t> Store::NextOffset(std::string_view topic, int32_t partition) const {
  std::string value;
  bool found = false;
  base::Status status =
      impl_->Get(impl_->meta, keys::NextOffsetKey(topic, partition), value, found);
  if (!status.ok() || !found || value.size() != 8) {
    return std::nullopt;
  }
  return static_cast<int64_t>(keys::ReadU64(value));
}

}  // namespace trailhound::pipeline
