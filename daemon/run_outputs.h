// daemon/run_outputs.h: everything that reads the store and leaves the process: one SinkWorker
// per configured sink (file, stdout, Kafka alerts topic) and the dead-letter worker (the
// dead-letter topic, else the local dead-letter file). Built from validated configuration.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "pipeline/base/result.h"
#include "pipeline/store.h"

namespace trailhound::daemon {

struct SinkCounters {
  std::string name;
  uint64_t delivered = 0;
  uint64_t failed_attempts = 0;
  uint64_t recovered = 0;
  uint64_t shrunk = 0;  // delivered cut to a line limit
  uint64_t queued = 0;  // entries in the sink's store queue
};

struct DeadLetterCounters {
  uint64_t produced = 0;  // to the dead-letter topic
  uint64_t file = 0;      // to the local dead-letter file
  uint64_t failed = 0;    // attempts that failed and will be retried
  uint64_t queued = 0;
};

class RunOutputs {
 public:
  static base::Result<std::unique_ptr<RunOutputs>> Create(const config::Config& config,
                                                          pipeline::Store& store);
  virtual ~RunOutputs() = default;

  virtual void Start() = 0;
  // After every durable write: wakes the workers.
  virtual void NotifyWritten() = 0;
  // Drains until `deadline`, then stops; what is left stays in the store.
  virtual void Stop(std::chrono::steady_clock::time_point deadline) = 0;

  // Entries of the longest sink queue: the outbox cannot shrink below it.
  virtual uint64_t LongestQueue() const = 0;
  virtual std::vector<SinkCounters> Sinks() const = 0;
  virtual DeadLetterCounters DeadLetters() const = 0;
};

}  // namespace trailhound::daemon
