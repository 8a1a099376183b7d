// pipeline/batch_writer.cc: the writer thread and its two queues (waiting, finished).
#include "pipeline/batch_writer.h"

#include <pthread.h>

#include <algorithm>

#include "pipeline/base/crash_point.h"

namespace trailhound::pipeline {

using SteadyClock = std::chrono::steady_clock;

BatchWriter::BatchWriter(WriteFunction write, const BatchWriterOptions& options,
                         std::function<void()> on_written)
    : write_(std::move(write)),
      options_(options),
      on_written_(std::move(on_written)),
      thread_([this] { Run(); }) {}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  writer_wake_.notify_one();
  thread_.join();
}

uint64_t BatchWriter::Submit(StoreBatch batch) {
  const uint64_t ticket = ++submitted_;
  {
    std::unique_lock lock(mu_);
    caller_wake_.wait(lock, [this] { return waiting_.size() < options_.max_waiting; });
    waiting_.emplace_back(ticket, std::move(batch));
  }
  writer_wake_.notify_one();
  return ticket;
}

bool BatchWriter::WaitForRoom(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return caller_wake_.wait_for(lock, timeout,
                               [this] { return waiting_.size() < options_.max_waiting; });
}

void BatchWriter::TakeFinished(std::vector<Finished>& out) {
  if (in_flight() == 0) {
    return;
  }
  std::lock_guard lock(mu_);
  taken_ += finished_.size();
  std::move(finished_.begin(), finished_.end(), std::back_inserter(out));
  finished_.clear();
}

void BatchWriter::WaitAll(std::vector<Finished>& out) {
  {
    std::unique_lock lock(mu_);
    caller_wake_.wait(lock, [this] { return taken_ + finished_.size() == submitted_; });
  }
  TakeFinished(out);
}

uint64_t BatchWriter::write_retries() const {
  std::lock_guard lock(mu_);
  return write_retries_;
}

void BatchWriter::Run() {
  pthread_setname_np(pthread_self(), "th-store-write");
  std::unique_lock lock(mu_);
  for (;;) {
    writer_wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    if (waiting_.empty()) {
      return;  // stopping, and everything handed over is written
    }
    // The batch stays at the head of `waiting_` while it is written, so Submit's bound counts it:
    // the writer holds at most max_waiting batches, the one being written included.
    StoreBatch& batch = waiting_.front().second;
    Finished finished;
    finished.ticket = waiting_.front().first;
    const bool skip = failed_;
    lock.unlock();
    const SteadyClock::time_point start = SteadyClock::now();
    finished.status =
        skip ? base::Internal("store: an earlier batch failed to write") : WriteWithRetries(batch);
    finished.write_time = SteadyClock::now() - start;
    if (!skip && finished.status.ok() && on_written_) {
      on_written_();
    }
    lock.lock();
    failed_ = failed_ || !finished.status.ok();
    finished.batch.emplace(std::move(waiting_.front().second));
    waiting_.pop_front();
    finished_.push_back(std::move(finished));
    caller_wake_.notify_all();
  }
}

base::Status BatchWriter::WriteWithRetries(StoreBatch& batch) {
  const SteadyClock::time_point give_up_at = SteadyClock::now() + options_.give_up;
  std::chrono::milliseconds backoff{10};
  for (;;) {
    base::DelayPoint("store.write");
    base::Status status = write_(batch);
    // Busy, TryAgain, NoSpace: the same batch again, later. Anything else: stop (§3).
    if (status.ok() || status.code() != base::StatusCode::kUnavailable ||
        SteadyClock::now() >= give_up_at) {
      return status;
    }
    {
      std::lock_guard lock(mu_);
      ++write_retries_;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace trailhound::pipeline
