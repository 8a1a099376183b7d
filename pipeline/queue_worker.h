// pipeline/queue_worker.h: the thread that drains one store queue towards one destination, in
// rounds: read, hand on, acknowledge what the destination confirmed (AT-LEAST-ONCE.md §7).
// Shared by the alert sinks' workers and the dead-letter worker, so both wait, back off and
// drain at shutdown alike. A subclass says what one round does; this class owns the thread,
// the waiting and the shutdown. Notify, Stop and the counters are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "pipeline/base/status.h"

namespace trailhound::pipeline {

struct QueueWorkerOptions {
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // An idle worker re-reads its queue this often even without Notify, as a safety net.
  std::chrono::milliseconds idle_recheck{1000};
};

class QueueWorker {
 public:
  QueueWorker(std::string thread_name, QueueWorkerOptions options);
  // REQUIRES: the subclass's destructor called Stop (its rounds use its members), or Start
  // never was.
  virtual ~QueueWorker();
  QueueWorker(const QueueWorker&) = delete;
  QueueWorker& operator=(const QueueWorker&) = delete;

  // Starts the thread (its name cut to Linux's 15 characters). REQUIRES: called once.
  void Start();
  // New entries were queued: an idle worker starts a round now.
  void Notify();
  // Keeps going until the queue is empty or `deadline` passes, then interrupts a blocked
  // hand-over (Interrupt) and joins. What is left stays queued in the store. Idempotent.
  void Stop(std::chrono::steady_clock::time_point deadline);

  uint64_t failed_attempts() const { return failed_attempts_.load(); }
  // The last error seen, empty when none yet.
  std::string last_error() const;

 protected:
  enum class Round { kProgress, kIdle, kFailed };

  // Runs once before the first round, retried with backoff until it returns true; false ends
  // the thread. Recovery of what an earlier run handed on without acknowledging goes here.
  virtual bool Prepare(std::stop_token stop);
  // One read, hand-on and acknowledgement; records its own failures with RecordError.
  virtual Round DeliverOnce() = 0;
  // Wakes a hand-over blocked in DeliverOnce, from Stop's thread.
  virtual void Interrupt() = 0;

  void RecordError(const base::Status& status);
  // Waits for `timeout`, Stop, or (when `idle`) Notify, whichever comes first, bounded by a
  // drain deadline. A backing-off worker does not wake on Notify, so a busy writer cannot turn
  // the backoff into a retry per batch.
  void Wait(std::stop_token stop, std::chrono::milliseconds timeout, bool idle);
  // Whether a drain was requested and is over: the queue is empty or the deadline has passed.
  bool Draining(bool queue_empty);

  const QueueWorkerOptions options_;

 private:
  void Run(std::stop_token stop);

  const std::string thread_name_;
  mutable std::mutex mu_;  // guards the fields below and the condition variables' predicates
  std::condition_variable_any wake_;
  std::condition_variable finished_cv_;
  bool notified_ = false;
  bool finished_ = false;
  std::optional<std::chrono::steady_clock::time_point> drain_deadline_;
  std::string last_error_;
  std::atomic<uint64_t> failed_attempts_{0};
  std::jthread thread_;  // last: joined before the members above go
};

}  // namespace trailhound::pipeline
