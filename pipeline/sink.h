// pipeline/sink.h: where alerts leave the daemon (AT-LEAST-ONCE.md §7). A sink delivers the
// outbox entries a SinkWorker hands it, in order, and says how many the destination confirmed;
// only confirmed entries are acknowledged in the store, so anything else is delivered again
// after a restart. One implementation per destination (file, stdout, Kafka, later Slack/JIRA).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/base/result.h"
#include "pipeline/base/status.h"
#include "pipeline/store.h"

namespace trailhound::pipeline {

class AlertSink {
 public:
  virtual ~AlertSink() = default;

  // The configured name; also the store queue and the metric label.
  virtual std::string_view name() const = 0;

  // Called once before the first Deliver with the entries still queued from an earlier run:
  // appends to `already_delivered` the seqs the destination holds already (read-back recovery),
  // so they are acknowledged instead of sent twice. Sinks that cannot read back append nothing.
  virtual base::Status Recover(const std::vector<OutboxEntry>& pending,
                               std::vector<uint64_t>& already_delivered) = 0;

  // Recovery positions (AT-LEAST-ONCE.md §7), for sinks that can read back from one: where the
  // destination stands after everything confirmed so far, acknowledged in the same write as
  // the entries; and, before Recover, the position the last such acknowledgement recorded,
  // from which Recover then reads (instead of a bounded tail). Empty: the sink keeps none.
  virtual std::string RecoveryPosition() const { return {}; }
  virtual void SetRecordedPosition(std::string_view /*position*/) {}

  // Sends `entries` in order and returns how many of them, from the front, the destination has
  // confirmed. May block, but returns promptly after Stop(). An error means none beyond the
  // returned prefix is confirmed and the worker retries later with backoff.
  virtual base::Result<size_t> Deliver(const std::vector<OutboxEntry>& entries) = 0;

  // Wakes a blocked Deliver; thread-safe.
  virtual void Stop() = 0;

  // Alerts written shrunk to fit a size limit (FORMATS.md §8); thread-safe.
  virtual uint64_t shrunk_alerts() const { return 0; }
};

}  // namespace trailhound::pipeline
