// pipeline/store_queue.cc: the per-sink queues, dead letters, event reads and retention of the
// store (AT-LEAST-ONCE.md §6, §7). Opening and writing are in store_rocksdb.cc.
#include <pthread.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>

#include "pipeline/store.h"
#include "pipeline/store_impl.h"
#include "pipeline/store_keys.h"

namespace trailhound::pipeline {
namespace {

namespace keys = store_keys;

// Reads one bounded key range. Queue heads are full of tombstones after acknowledgements, so
// both bounds are always set and the iterator never walks past the range (RocksDB wiki
// "Implement Queue Service Using RocksDB").
class RangeReader {
 public:
  RangeReader(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family, std::string lower,
              std::string upper)
      : lower_(std::move(lower)),
        upper_(std::move(upper)),
        lower_slice_(lower_),
        upper_slice_(upper_) {
    rocksdb::ReadOptions options;
    options.iterate_lower_bound = &lower_slice_;
    options.iterate_upper_bound = &upper_slice_;
    iterator_.reset(db.NewIterator(options, family));
    iterator_->Seek(lower_slice_);
  }
  rocksdb::Iterator& operator*() { return *iterator_; }
  rocksdb::Iterator* operator->() { return iterator_.get(); }

 private:
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> iterator_;
};

uint64_t SeqAfter(uint64_t seq) {
  return seq == std::numeric_limits<uint64_t>::max() ? seq : seq + 1;
}

void SubtractSaturating(std::atomic<uint64_t>& counter, uint64_t amount) {
  uint64_t current = counter.load();
  while (!counter.compare_exchange_weak(current, current - std::min(current, amount))) {
  }
}

// Deletes prefix|seq for every seq in one write. SingleDelete: each such key was written once.
// `also`, when given, is written in the same batch (a sink's recovery position).
base::Status DeleteSeqKeys(rocksdb::DB& db, const rocksdb::WriteOptions& options,
                           rocksdb::ColumnFamilyHandle* family, std::string_view prefix,
                           const std::vector<uint64_t>& seqs, std::string_view what,
                           rocksdb::ColumnFamilyHandle* also_family = nullptr,
                           std::string_view also_key = {}, std::string_view also_value = {}) {
  if (seqs.empty()) {
    return base::Status::Ok();
  }
  rocksdb::WriteBatch batch;
  if (also_family != nullptr) {
    if (rocksdb::Status status = batch.Put(also_family, also_key, also_value); !status.ok()) {
      return FromRocks(status, what);
    }
  }
  std::string key;
  for (uint64_t seq : seqs) {
    key.assign(prefix);
    keys::AppendU64(key, seq);
    if (rocksdb::Status status = batch.SingleDelete(family, key); !status.ok()) {
      return FromRocks(status, what);
    }
  }
  rocksdb::Status status = db.Write(options, &batch);
  return status.ok() ? base::Status::Ok() : FromRocks(status, what);
}

}  // namespace

base::Status Store::CountQueues() {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->sinkq));
  std::map<std::string, uint64_t, std::less<>> counts;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (auto parts = keys::ParseSinkQueueKey(it->key().ToStringView()); parts.has_value()) {
      ++counts[std::string(parts->sink)];
    }
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "store: count sink queues");
  }
  for (const auto& [sink, count] : counts) {
    impl_->queue_depth.try_emplace(sink, 0).first->second = count;
  }
  it.reset(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->dlq));
  uint64_t dead_letters = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++dead_letters;
  }
  impl_->dead_letter_depth = dead_letters;
  return it->status().ok() ? base::Status::Ok()
                           : FromRocks(it->status(), "store: count dead letters");
}

base::Status Store::ReadQueue(std::string_view sink, uint64_t after_seq, size_t max,
                              std::vector<OutboxEntry>& out) const {
  out.clear();
  RangeReader it(*impl_->db, impl_->sinkq, keys::SinkQueueKey(sink, SeqAfter(after_seq)),
                 keys::SinkQueueEnd(sink));
  std::string value;
  for (; it->Valid() && out.size() < max; it->Next()) {
    auto key = keys::ParseSinkQueueKey(it->key().ToStringView());
    if (!key.has_value() || key->seq <= after_seq) {
      continue;
    }
    bool found = false;
    if (base::Status status = impl_->Get(impl_->outbox, keys::SeqKey(key->seq), value, found);
        !status.ok()) {
      return status;
    }
    auto parts = found ? keys::ParseOutboxValue(value) : std::nullopt;
    if (!parts.has_value()) {
      return base::Internal("store: outbox entry " + std::to_string(key->seq) + " of sink '" +
                            std::string(sink) + "' is missing or malformed");
    }
    out.push_back({key->seq, std::string(parts->alert_id), std::string(parts->body)});
  }
  return it->status().ok() ? base::Status::Ok() : FromRocks(it->status(), "store: read queue");
}

base::Status Store::Acknowledge(std::string_view sink, const std::vector<uint64_t>& seqs,
                                std::string_view position) {
  const std::string position_key = keys::SinkPositionKey(sink);
  if (base::Status status = DeleteSeqKeys(
          *impl_->db, impl_->write_options, impl_->sinkq, keys::SinkQueuePrefix(sink), seqs,
          "store: acknowledge", position.empty() ? nullptr : impl_->meta, position_key, position);
      !status.ok()) {
    return status;
  }
  if (auto depth = impl_->queue_depth.find(sink); depth != impl_->queue_depth.end()) {
    SubtractSaturating(depth->second, seqs.size());
  }
  return base::Status::Ok();
}

std::string Store::SinkPosition(std::string_view sink) const {
  std::string value;
  bool found = false;
  if (!impl_->Get(impl_->meta, keys::SinkPositionKey(sink), value, found).ok() || !found) {
    return {};
  }
  return value;
}

uint64_t Store::QueueDepth(std::string_view sink) const {
  auto depth = impl_->queue_depth.find(sink);
  return depth == impl_->queue_depth.end() ? 0 : depth->second.load();
}

base::Status Store::ReadOutbox(uint64_t after_seq, size_t max,
                               std::vector<OutboxEntry>& out) const {
  out.clear();
  RangeReader it(*impl_->db, impl_->outbox, keys::SeqKey(SeqAfter(after_seq)),
                 keys::SeqKey(std::numeric_limits<uint64_t>::max()));
  for (; it->Valid() && out.size() < max; it->Next()) {
    std::optional<uint64_t> seq = keys::ParseSeqKey(it->key().ToStringView());
    auto parts = keys::ParseOutboxValue(it->value().ToStringView());
    if (!seq.has_value() || !parts.has_value()) {
      return base::Internal("store: malformed outbox entry at key " + it->key().ToString(true));
    }
    out.push_back({*seq, std::string(parts->alert_id), std::string(parts->body)});
  }
  return it->status().ok() ? base::Status::Ok() : FromRocks(it->status(), "store: read outbox");
}

base::Status Store::ReadDeadLetters(uint64_t after_seq, size_t max,
                                    std::vector<DeadLetterEntry>& out) const {
  out.clear();
  RangeReader it(*impl_->db, impl_->dlq, keys::SeqKey(SeqAfter(after_seq)),
                 keys::SeqKey(std::numeric_limits<uint64_t>::max()));
  for (; it->Valid() && out.size() < max; it->Next()) {
    std::optional<uint64_t> seq = keys::ParseSeqKey(it->key().ToStringView());
    std::optional<DeadLetterRecord> record = keys::DecodeDeadLetter(it->value().ToStringView());
    if (!seq.has_value() || !record.has_value()) {
      return base::Internal("store: malformed dead letter at key " + it->key().ToString(true));
    }
    out.push_back({*seq, *std::move(record)});
  }
  return it->status().ok() ? base::Status::Ok()
                           : FromRocks(it->status(), "store: read dead letters");
}

base::Status Store::AcknowledgeDeadLetters(const std::vector<uint64_t>& seqs) {
  if (base::Status status = DeleteSeqKeys(*impl_->db, impl_->write_options, impl_->dlq, "", seqs,
                                          "store: acknowledge dead letters");
      !status.ok()) {
    return status;
  }
  SubtractSaturating(impl_->dead_letter_depth, seqs.size());
  return base::Status::Ok();
}

uint64_t Store::DeadLetterDepth() const {
  return impl_->dead_letter_depth.load();
}

base::Status Store::ReadEvents(int64_t from_ns, int64_t until_ns, size_t max,
                               std::vector<StoredEvent>& out) const {
  out.clear();
  if (until_ns <= from_ns) {
    return base::Status::Ok();
  }
  RangeReader it(*impl_->db, impl_->events, keys::EventKey(from_ns, ""),
                 keys::EventKey(until_ns, ""));
  for (; it->Valid() && out.size() < max; it->Next()) {
    auto parts = keys::ParseEventKey(it->key().ToStringView());
    if (!parts.has_value()) {
      return base::Internal("store: malformed event key " + it->key().ToString(true));
    }
    out.push_back({parts->event_time_ns, std::string(parts->event_id), it->value().ToString()});
  }
  return it->status().ok() ? base::Status::Ok() : FromRocks(it->status(), "store: read events");
}

base::Status Store::ApplyRetention(int64_t now_ns) {
  std::lock_guard<std::mutex> lock(impl_->retention_mu);
  int64_t cutoff_ns = now_ns - options_.retention_ns;
  uint32_t first_kept_day = keys::EventDay(cutoff_ns);
  if (first_kept_day > impl_->events_deleted_before_day) {
    const std::string begin = keys::DayKey(0);
    const std::string end = keys::DayKey(first_kept_day);
    rocksdb::Status status =
        impl_->db->DeleteRange(impl_->write_options, impl_->events, begin, end);
    if (!status.ok()) {
      return FromRocks(status, "store: delete expired events");
    }
    impl_->events_deleted_before_day = first_kept_day;
    CompactExpiredEvents(begin, end);
  }
  return TrimOutbox();
}

// Event bodies are in blob files, whose space returns only once compaction has dropped every
// key pointing into them. New writes land after the expired range, so the automatic
// compactions may not reach it for a long time: a manual one does, on a thread of its own so
// the caller (the daemon's polling loop) does not wait. Keys only, so it is quick; if the last
// one still runs, this one is left to the next call. REQUIRES: retention_mu held.
void Store::CompactExpiredEvents(const std::string& begin, const std::string& end) {
  if (!impl_->expired_compaction_done.load()) {
    return;
  }
  if (impl_->expired_compaction.joinable()) {
    impl_->expired_compaction.join();
  }
  impl_->expired_compaction_done = false;
  impl_->expired_compaction = std::thread([impl = impl_.get(), begin, end] {
    pthread_setname_np(pthread_self(), "th-store-expire");
    rocksdb::CompactRangeOptions options;
    options.exclusive_manual_compaction = false;  // automatic compactions go on meanwhile
    const rocksdb::Slice from(begin);
    const rocksdb::Slice to(end);
    // Fails only when cut short at close (Incomplete) or on an I/O error, which the next write
    // reports; the next call tries again.
    impl->db->CompactRange(options, impl->events, &from, &to).PermitUncheckedError();
    impl->expired_compaction_done = true;
  });
}

// REQUIRES: retention_mu held.
base::Status Store::TrimOutbox() {
  // Read the written bound before the queues: any seq below it is already in sinkq (or acked),
  // so a batch landing meanwhile cannot lose its bodies.
  uint64_t bound = impl_->written_seq.load(std::memory_order_acquire) + 1;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->sinkq));
  // Skips from each sink's head to the next sink: every queue on disk counts, configured or not.
  for (it->SeekToFirst(); it->Valid();) {
    auto parts = keys::ParseSinkQueueKey(it->key().ToStringView());
    if (!parts.has_value()) {
      return base::Internal("store: malformed sink queue key " + it->key().ToString(true));
    }
    bound = std::min(bound, parts->seq);
    it->Seek(keys::SinkQueueEnd(parts->sink));
  }
  if (!it->status().ok()) {
    return FromRocks(it->status(), "store: scan sink queues");
  }
  if (bound <= impl_->outbox_trimmed_before) {
    return base::Status::Ok();
  }
  rocksdb::Status status = impl_->db->DeleteRange(impl_->write_options, impl_->outbox,
                                                  keys::SeqKey(0), keys::SeqKey(bound));
  if (!status.ok()) {
    return FromRocks(status, "store: trim outbox");
  }
  impl_->outbox_trimmed_before = bound;
  return base::Status::Ok();
}

base::Status Store::CompactAll() {
  for (rocksdb::ColumnFamilyHandle* family : impl_->handles) {
    rocksdb::Status status = impl_->db->Flush(rocksdb::FlushOptions(), family);
    if (status.ok()) {
      status = impl_->db->CompactRange(rocksdb::CompactRangeOptions(), family, nullptr, nullptr);
    }
    if (!status.ok()) {
      return FromRocks(status, "store: compact");
    }
  }
  return base::Status::Ok();
}

uint64_t Store::DiskBytes() const {
  uint64_t sst_bytes = 0;
  impl_->db->GetAggregatedIntProperty("rocksdb.total-sst-files-size", &sst_bytes);
  // Event bodies live in blob files (store_rocksdb.cc), which the SST total leaves out.
  uint64_t blob_bytes = 0;
  impl_->db->GetAggregatedIntProperty("rocksdb.total-blob-file-size", &blob_bytes);
  uint64_t wal_bytes = 0;
  rocksdb::VectorLogPtr wal_files;
  if (impl_->db->GetSortedWalFiles(wal_files).ok()) {
    for (const std::unique_ptr<rocksdb::LogFile>& file : wal_files) {
      if (file->Type() == rocksdb::kAliveLogFile) {
        wal_bytes += file->SizeFileBytes();
      }
    }
  }
  return sst_bytes + blob_bytes + wal_bytes;
}

}  // namespace trailhound::pipeline
