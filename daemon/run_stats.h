// daemon/run_stats.h: the daemon's Prometheus metrics and probes. The pipeline keeps plain
// counters on the polling thread; Publish (called from the loop, acting at most once a second)
// turns their growth into the registry's counters and refreshes the gauges, so the hot path
// never touches a metrics mutex for counting.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/schema.h"
#include "daemon/run_outputs.h"
#include "metrics/exposer.h"
#include "metrics/registry.h"
#include "pipeline/consumer_pipeline.h"
#include "pipeline/source_kafka.h"
#include "pipeline/store.h"

namespace trailhound::daemon {

class RunStats {
 public:
  RunStats(metrics::Metrics& metrics, pipeline::Store& store, RunOutputs& outputs,
           const pipeline::ConsumerPipeline& pipeline);

  // Serves /metrics, /healthz and /readyz on `listen` (empty: no endpoint).
  base::Status Serve(const std::string& listen);
  void set_source(const pipeline::KafkaSource* source) { source_ = source; }
  void SetReady(bool ready);
  void CountReload(bool ok);
  // Brings the registry up to date; cheap when called more often than once a second.
  void Publish();

 private:
  void PublishPipeline();
  void PublishOutputs();
  void PublishSource();

  metrics::Metrics& metrics_;
  pipeline::Store& store_;
  RunOutputs& outputs_;
  const pipeline::ConsumerPipeline& pipeline_;
  const pipeline::KafkaSource* source_ = nullptr;
  std::unique_ptr<metrics::MetricsExposer> exposer_;
  std::chrono::steady_clock::time_point next_publish_{};

  // What was published last, to add only the growth.
  pipeline::ConsumerPipelineCounters last_pipeline_;
  std::map<std::string, SinkCounters> last_sinks_;
  DeadLetterCounters last_dead_letters_;
  uint64_t last_evaluated_ = 0;
  uint64_t last_offset_resets_ = 0;
  uint64_t last_commit_errors_ = 0;
};

}  // namespace trailhound::daemon
