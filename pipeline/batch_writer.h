// pipeline/batch_writer.h: writes StoreBatches on a thread of its own, in the order they were
// handed over, so the polling thread decodes and evaluates the next batch while RocksDB writes
// (and, with durability: power, syncs) the previous one (AT-LEAST-ONCE.md §3, §5).
//
// The writer holds at most `max_waiting` batches, the one being written included; Submit blocks
// beyond that, which bounds the memory between the stages. A batch whose write fails for good fails
// every batch after it unwritten: a later batch holds later next offsets, and writing it would skip
// the failed one's messages on restart.
//
// Submit, TakeFinished and WaitAll belong to one thread (the polling thread); `on_written` runs on
// the writer thread right after each durable write, to wake the sink workers without waiting for
// the next poll.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "pipeline/base/status.h"
#include "pipeline/store.h"

namespace trailhound::pipeline {

struct BatchWriterOptions {
  size_t max_waiting = 2;
  // Transient store errors (kUnavailable: busy, try again, no space) are retried with backoff
  // until this much time has passed since the first attempt; anything else fails at once.
  std::chrono::milliseconds give_up{60'000};
};

class BatchWriter {
 public:
  struct Finished {
    uint64_t ticket = 0;
    base::Status status;
    std::chrono::steady_clock::duration write_time{};
    std::optional<StoreBatch> batch;  // handed back, for StoreBatch::Reset and reuse
  };

  // Store::Write, or a stand-in in tests.
  using WriteFunction = std::function<base::Status(StoreBatch&)>;

  BatchWriter(WriteFunction write, const BatchWriterOptions& options,
              std::function<void()> on_written);
  // Writes what is still queued, then joins the thread.
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Hands the batch over and returns its ticket (1, 2, … in submission order). Blocks while the
  // writer holds `max_waiting` batches.
  uint64_t Submit(StoreBatch batch);
  // Waits up to `timeout` until Submit would not block; true when it would not.
  bool WaitForRoom(std::chrono::milliseconds timeout);
  // Appends the batches finished since the last call to `out`, oldest first.
  void TakeFinished(std::vector<Finished>& out);
  // Blocks until every submitted batch has finished, then as TakeFinished.
  void WaitAll(std::vector<Finished>& out);
  // Submitted and not yet returned by TakeFinished or WaitAll. Caller's thread only.
  size_t in_flight() const { return submitted_ - taken_; }
  uint64_t write_retries() const;

 private:
  void Run();
  base::Status WriteWithRetries(StoreBatch& batch);

  const WriteFunction write_;
  const BatchWriterOptions options_;
  const std::function<void()> on_written_;
  uint64_t submitted_ = 0;  // caller's thread only
  uint64_t taken_ = 0;      // caller's thread only

  mutable std::mutex mu_;
  std::condition_variable writer_wake_;
  std::condition_variable caller_wake_;
  std::deque<std::pair<uint64_t, StoreBatch>> waiting_;  // guarded by mu_
  std::vector<Finished> finished_;                       // guarded by mu_
  bool failed_ = false;                                  // guarded by mu_
  bool stopping_ = false;                                // guarded by mu_
  uint64_t write_retries_ = 0;                           // guarded by mu_
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace trailhound::pipeline
