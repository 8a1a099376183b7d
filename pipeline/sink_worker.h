// pipeline/sink_worker.h: one thread per sink that moves alerts from the sink's store queue to
// the destination (AT-LEAST-ONCE.md §7). It first lets the sink recover what an earlier run
// delivered without acknowledging, then reads the queue in order, delivers, and acknowledges
// only the prefix the sink confirmed. Failures back off exponentially; an empty queue waits for
// Notify. Thread-safe: Notify, Stop and the counters may be called from any thread. The worker
// borrows the store and the sink, which must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/sink.h"
#include "pipeline/store.h"

namespace trailhound::pipeline {

struct SinkWorkerOptions {
  size_t batch_entries = 256;  // entries per ReadQueue and Deliver
  // Recovery reads at most this many queued entries. Entries delivered but not acknowledged are
  // always at the head of the queue and at most one batch long, so this only needs to exceed
  // batch_entries.
  size_t recover_entries = 4096;
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // An idle worker re-reads its queue this often even without Notify, as a safety net.
  std::chrono::milliseconds idle_recheck{1000};
};

class SinkWorker {
 public:
  SinkWorker(Store& store, AlertSink& sink, SinkWorkerOptions options = {});
  // REQUIRES: Stop() was called, or Start() never was.
  ~SinkWorker();
  SinkWorker(const SinkWorker&) = delete;
  SinkWorker& operator=(const SinkWorker&) = delete;

  // Starts the thread `th-sink-NAME`. REQUIRES: called once.
  void Start();
  // The writer calls this after each Store::Write that queued alerts.
  void Notify();
  // Keeps delivering until the queue is empty or `deadline` passes, then stops the sink (waking
  // a blocked Deliver) and joins. What is left stays queued in the store.
  void Stop(std::chrono::steady_clock::time_point deadline);

  uint64_t delivered() const { return delivered_.load(); }
  uint64_t failed_attempts() const { return failed_attempts_.load(); }
  // Entries found at the destination by Recover and acknowledged without sending them again.
  uint64_t recovered() const { return recovered_.load(); }
  // The last error seen, empty when none yet.
  std::string last_error() const;
  // True once Recover has succeeded and its acknowledgements are written.
  bool recovery_done() const { return recovery_done_.load(); }

 private:
  void Run(std::stop_token stop);
  bool Recover(std::stop_token stop);
  // One read-deliver-acknowledge round; false when there is nothing to do or it failed.
  enum class Round { kProgress, kIdle, kFailed };
  Round DeliverOnce();
  base::Status AcknowledgePending();
  void RecordError(const base::Status& status);
  // Waits for Notify, Stop or `timeout`, whichever comes first (bounded by a drain deadline).
  void Wait(std::stop_token stop, std::chrono::milliseconds timeout, bool idle);
  bool Draining(bool queue_empty);

  Store& store_;
  AlertSink& sink_;
  const SinkWorkerOptions options_;
  uint64_t cursor_ = 0;                   // worker thread only: highest seq delivered
  std::vector<uint64_t> unacknowledged_;  // worker thread only: delivered, ack not yet written
  std::vector<OutboxEntry> entries_;      // worker thread only: reused read buffer

  mutable std::mutex mu_;  // guards the fields below and the condition variables' predicates
  std::condition_variable_any wake_;
  std::condition_variable finished_cv_;
  bool notified_ = false;
  bool finished_ = false;
  std::optional<std::chrono::steady_clock::time_point> drain_deadline_;
  std::string last_error_;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_attempts_{0};
  std::atomic<uint64_t> recovered_{0};
  std::atomic<bool> recovery_done_{false};
  std::jthread thread_;  // last: joined before the members above go
};

}  // namespace trailhound::pipeline
