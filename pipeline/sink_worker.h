// pipeline/sink_worker.h: one thread per sink that moves alerts from the sink's store queue to
// the destination (AT-LEAST-ONCE.md §7). It first lets the sink recover what an earlier run
// delivered without acknowledging, then reads the queue in order, delivers, and acknowledges
// only the prefix the sink confirmed. Waiting, backoff and shutdown are QueueWorker's. The
// worker borrows the store and the sink, which must outlive it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <vector>

#include "pipeline/queue_worker.h"
#include "pipeline/sink.h"
#include "pipeline/store.h"

namespace trailhound::pipeline {

struct SinkWorkerOptions : QueueWorkerOptions {
  size_t batch_entries = 256;  // entries per ReadQueue and Deliver
  // Recovery reads at most this many queued entries. Entries delivered but not acknowledged are
  // always at the head of the queue and at most one batch long, so this only needs to exceed
  // batch_entries.
  size_t recover_entries = 4096;
};

class SinkWorker final : public QueueWorker {
 public:
  // The thread is `th-sink-NAME`.
  SinkWorker(Store& store, AlertSink& sink, SinkWorkerOptions options = {});
  ~SinkWorker() override;

  uint64_t delivered() const { return delivered_.load(); }
  // Entries found at the destination by Recover and acknowledged without sending them again.
  uint64_t recovered() const { return recovered_.load(); }
  // True once Recover has succeeded and its acknowledgements are written.
  bool recovery_done() const { return recovery_done_.load(); }

 private:
  // Lets the sink find what an earlier run delivered without acknowledging (Prepare).
  bool Prepare(std::stop_token stop) override;
  Round DeliverOnce() override;
  void Interrupt() override;
  base::Status AcknowledgePending();

  Store& store_;
  AlertSink& sink_;
  const size_t batch_entries_;
  const size_t recover_entries_;
  uint64_t cursor_ = 0;                   // worker thread only: highest seq delivered
  std::vector<uint64_t> unacknowledged_;  // worker thread only: delivered, ack not yet written
  std::vector<OutboxEntry> entries_;      // worker thread only: reused read buffer

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> recovered_{0};
  std::atomic<bool> recovery_done_{false};
};

}  // namespace trailhound::pipeline
