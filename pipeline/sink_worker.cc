// pipeline/sink_worker.cc: the delivery loop of one sink. Acknowledgements follow confirmation,
// never precede it, so a crash at any point leaves an entry queued (delivered again, or found by
// Recover) rather than lost.
#include "pipeline/sink_worker.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "pipeline/base/crash_point.h"

namespace trailhound::pipeline {

SinkWorker::SinkWorker(Store& store, AlertSink& sink, SinkWorkerOptions options)
    : QueueWorker("th-sink-" + std::string(sink.name()), options),
      store_(store),
      sink_(sink),
      batch_entries_(options.batch_entries),
      recover_entries_(options.recover_entries) {}

SinkWorker::~SinkWorker() {
  Stop(std::chrono::steady_clock::now());
}

void SinkWorker::Interrupt() {
  sink_.Stop();
}

bool SinkWorker::Prepare(std::stop_token stop) {
  std::vector<OutboxEntry> pending;
  std::vector<uint64_t> already_delivered;
  base::Status status = base::Status::Ok();
  uint64_t after_seq = 0;
  while (status.ok() && pending.size() < recover_entries_ && !stop.stop_requested()) {
    size_t want = std::min(batch_entries_, recover_entries_ - pending.size());
    status = store_.ReadQueue(sink_.name(), after_seq, want, entries_);
    if (!status.ok() || entries_.empty()) {
      break;
    }
    after_seq = entries_.back().seq;
    std::move(entries_.begin(), entries_.end(), std::back_inserter(pending));
  }
  if (status.ok()) {
    sink_.SetRecordedPosition(store_.SinkPosition(sink_.name()));
    status = sink_.Recover(pending, already_delivered);
  }
  if (status.ok()) {
    status = store_.Acknowledge(sink_.name(), already_delivered, sink_.RecoveryPosition());
  }
  if (!status.ok()) {
    RecordError(status);
    return false;
  }
  recovered_ += already_delivered.size();
  recovery_done_ = true;
  return true;
}

SinkWorker::Round SinkWorker::DeliverOnce() {
  if (base::Status status = AcknowledgePending(); !status.ok()) {
    RecordError(status);
    return Round::kFailed;
  }
  if (base::Status status = store_.ReadQueue(sink_.name(), cursor_, batch_entries_, entries_);
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
  // Nothing was delivered since these entries, so the sink's position is just past them.
  base::Status status = store_.Acknowledge(sink_.name(), unacknowledged_, sink_.RecoveryPosition());
  if (status.ok()) {
    unacknowledged_.clear();
  }
  return status;
}

}  // namespace trailhound::pipeline
