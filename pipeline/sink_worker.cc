// pipeline/sink_worker.cc: the delivery loop of one sink. Acknowledgements follow confirmation,
// never precede it, so a crash at any point leaves an entry queued (delivered again, or found by
// Recover) rather than lost.
#include "pipeline/sink_worker.h"

#include <pthread.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "pipeline/base/crash_point.h"

namespace trailhound::pipeline {
namespace {

void NameThisThread(std::string_view sink) {
  // Linux thread names hold 15 characters.
  std::string name = "th-sink-" + std::string(sink);
  name.resize(std::min<size_t>(name.size(), 15));
  pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace

SinkWorker::SinkWorker(Store& store, AlertSink& sink, SinkWorkerOptions options)
    : store_(store), sink_(sink), options_(options) {}

SinkWorker::~SinkWorker() {
  if (thread_.joinable()) {
    Stop(std::chrono::steady_clock::now());
  }
}

void SinkWorker::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void SinkWorker::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
  }
  wake_.notify_all();
}

void SinkWorker::Stop(std::chrono::steady_clock::time_point deadline) {
  if (!thread_.joinable()) {
    return;
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    drain_deadline_ = deadline;
    wake_.notify_all();
    finished_cv_.wait_until(lock, deadline, [this] { return finished_; });
  }
  // Past the deadline, or drained: wake a blocked Deliver and end the loop.
  sink_.Stop();
  thread_.request_stop();
  thread_.join();
}

std::string SinkWorker::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

void SinkWorker::Run(std::stop_token stop) {
  NameThisThread(sink_.name());
  bool ready = Recover(stop);
  std::chrono::milliseconds backoff = options_.min_backoff;
  while (ready && !stop.stop_requested()) {
    Round round = DeliverOnce();
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

bool SinkWorker::Recover(std::stop_token stop) {
  std::chrono::milliseconds backoff = options_.min_backoff;
  std::vector<OutboxEntry> pending;
  std::vector<uint64_t> already_delivered;
  while (!stop.stop_requested() && !Draining(false)) {
    pending.clear();
    already_delivered.clear();
    base::Status status = base::Status::Ok();
    uint64_t after_seq = 0;
    while (status.ok() && pending.size() < options_.recover_entries) {
      size_t want = std::min(options_.batch_entries, options_.recover_entries - pending.size());
      status = store_.ReadQueue(sink_.name(), after_seq, want, entries_);
      if (!status.ok() || entries_.empty()) {
        break;
      }
      after_seq = entries_.back().seq;
      std::move(entries_.begin(), entries_.end(), std::back_inserter(pending));
    }
    if (status.ok()) {
      status = sink_.Recover(pending, already_delivered);
    }
    if (status.ok()) {
      status = store_.Acknowledge(sink_.name(), already_delivered);
    }
    if (status.ok()) {
      recovered_ += already_delivered.size();
      recovery_done_ = true;
      return true;
    }
    RecordError(status);
    Wait(stop, backoff, /*idle=*/false);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return false;
}

SinkWorker::Round SinkWorker::DeliverOnce() {
  if (base::Status status = AcknowledgePending(); !status.ok()) {
    RecordError(status);
    return Round::kFailed;
  }
  if (base::Status status =
          store_.ReadQueue(sink_.name(), cursor_, options_.batch_entries, entries_);
      !status.ok()) {
    RecordError(status);
    return Round::kFailed;
  }
  if (entries_.empty()) {
    return Round::kIdle;
  }
  base::Result<size_t> confirmed = sink_.Deliver(entries_);
  if (!confirmed.has_value()) {
    RecordError(confirmed.error());
    return Round::kFailed;
  }
  size_t count = std::min(*confirmed, entries_.size());
  for (size_t i = 0; i < count; ++i) {
    unacknowledged_.push_back(entries_[i].seq);
  }
  if (count > 0) {
    // Delivered entries are never handed to the sink again in this run, even if their
    // acknowledgement has to be retried.
    cursor_ = entries_[count - 1].seq;
    delivered_ += count;
    // Fault tests: the destination has the alerts, the store does not know yet.
    base::CrashPoint("sink.delivered");
  }
  if (base::Status status = AcknowledgePending(); !status.ok()) {
    RecordError(status);
    return Round::kFailed;
  }
  if (count == 0) {
    RecordError(base::Unavailable("sink '" + std::string(sink_.name()) + "' confirmed none of " +
                                  std::to_string(entries_.size()) + " entries"));
    return Round::kFailed;
  }
  return Round::kProgress;
}

base::Status SinkWorker::AcknowledgePending() {
  if (unacknowledged_.empty()) {
    return base::Status::Ok();
  }
  base::Status status = store_.Acknowledge(sink_.name(), unacknowledged_);
  if (status.ok()) {
    unacknowledged_.clear();
  }
  return status;
}

void SinkWorker::RecordError(const base::Status& status) {
  ++failed_attempts_;
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = status.ToString();
}

void SinkWorker::Wait(std::stop_token stop, std::chrono::milliseconds timeout, bool idle) {
  std::unique_lock<std::mutex> lock(mu_);
  auto until = std::chrono::steady_clock::now() + timeout;
  if (drain_deadline_.has_value()) {
    until = std::min(until, *drain_deadline_);
  }
  // An idle worker wakes for new work or a drain request; a backing-off one only for stop, so
  // a busy writer cannot turn the backoff into a retry per batch.
  wake_.wait_until(lock, stop, until,
                   [this, idle] { return idle && (notified_ || drain_deadline_.has_value()); });
  notified_ = false;
}

bool SinkWorker::Draining(bool queue_empty) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!drain_deadline_.has_value()) {
    return false;
  }
  return queue_empty || std::chrono::steady_clock::now() >= *drain_deadline_;
}

}  // namespace trailhound::pipeline
