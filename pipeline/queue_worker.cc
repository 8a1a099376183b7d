// pipeline/queue_worker.cc: the round loop, its waits and the drain at shutdown.
#include "pipeline/queue_worker.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "pipeline/base/check.h"

namespace trailhound::pipeline {

QueueWorker::QueueWorker(std::string thread_name, QueueWorkerOptions options)
    : options_(options), thread_name_(std::move(thread_name)) {}

QueueWorker::~QueueWorker() {
  // A subclass that started the thread must have stopped it: its rounds use its members.
  TH_CHECK(!thread_.joinable());
}

void QueueWorker::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void QueueWorker::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
  }
  wake_.notify_all();
}

void QueueWorker::Stop(std::chrono::steady_clock::time_point deadline) {
  if (!thread_.joinable()) {
    return;
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    drain_deadline_ = deadline;
    wake_.notify_all();
    finished_cv_.wait_until(lock, deadline, [this] { return finished_; });
  }
  // Past the deadline, or drained: wake a blocked hand-over and end the loop.
  Interrupt();
  thread_.request_stop();
  thread_.join();
}

std::string QueueWorker::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

bool QueueWorker::Prepare(std::stop_token) {
  return true;
}

void QueueWorker::Run(std::stop_token stop) {
  std::string name = thread_name_.substr(0, 15);  // Linux thread names hold 15 characters
  pthread_setname_np(pthread_self(), name.c_str());
  bool ready = false;
  std::chrono::milliseconds backoff = options_.min_backoff;
  while (!ready && !stop.stop_requested() && !Draining(false)) {
    ready = Prepare(stop);
    if (!ready) {
      Wait(stop, backoff, /*idle=*/false);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
  backoff = options_.min_backoff;
  while (ready && !stop.stop_requested()) {
    const Round round = DeliverOnce();
    if (Draining(round == Round::kIdle)) {
      break;
    }
    if (round == Round::kProgress) {
      backoff = options_.min_backoff;
    } else if (round == Round::kIdle) {
      Wait(stop, options_.idle_recheck, /*idle=*/true);
    } else {
      Wait(stop, backoff, /*idle=*/false);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
  }
  finished_cv_.notify_all();
}

void QueueWorker::RecordError(const base::Status& status) {
  ++failed_attempts_;
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = status.ToString();
}

void QueueWorker::Wait(std::stop_token stop, std::chrono::milliseconds timeout, bool idle) {
  std::unique_lock<std::mutex> lock(mu_);
  auto until = std::chrono::steady_clock::now() + timeout;
  if (drain_deadline_.has_value()) {
    until = std::min(until, *drain_deadline_);
  }
  wake_.wait_until(lock, stop, until,
                   [this, idle] { return idle && (notified_ || drain_deadline_.has_value()); });
  notified_ = false;
}

bool QueueWorker::Draining(bool queue_empty) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!drain_deadline_.has_value()) {
    return false;
  }
  return queue_empty || std::chrono::steady_clock::now() >= *drain_deadline_;
}

}  // namespace trailhound::pipeline
