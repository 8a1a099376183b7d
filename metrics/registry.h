// metrics/registry.h: every Prometheus family the daemon exports, created once in one registry.
// Pipeline code asks once for the handle of its label set (a prometheus::Counter&, Gauge& or
// Histogram&) and keeps it: updating a handle is one atomic operation, while asking for a handle
// takes the family's mutex. Handles stay valid for the life of the Metrics object.
//
// Threads: every method is thread-safe. Label values are bounded by configuration (topics,
// sinks, rule ids, fixed reasons); ARNs, IPs and event ids never become label values.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "pipeline/base/result.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace trailhound::metrics {

// The pipeline stages timed by trailhound_stage_latency_seconds{stage}.
enum class Stage { kDecode, kEvaluate, kStore, kDeliver };
// What became of an alert at a sink: trailhound_alerts_total{sink,outcome}.
// kShrunk counts delivered alerts that were cut to fit a line limit (also counted delivered).
enum class AlertOutcome { kDelivered, kFailed, kDuplicate, kRecovered, kShrunk };
// What became of a dead letter: produced to its topic, written to the local file, or failed
// (retried later).
enum class DeadLetterOutcome { kProduced, kFile, kFailed };
enum class ReloadResult { kSuccess, kFailure };

std::string_view StageName(Stage stage);
std::string_view AlertOutcomeName(AlertOutcome outcome);
std::string_view DeadLetterOutcomeName(DeadLetterOutcome outcome);
std::string_view ReloadResultName(ReloadResult result);

class Metrics {
 public:
  // Builds the registry and every family; fails only on a bug in the names.
  static base::Result<std::unique_ptr<Metrics>> Create();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // What an exposer serves.
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // trailhound_events_consumed_total{topic}
  prometheus::Counter& EventsConsumed(std::string_view topic);
  // trailhound_events_decoded_total
  prometheus::Counter& events_decoded() { return *events_decoded_; }
  // trailhound_events_failed_total{reason}; `reason` is a RejectReasonName.
  prometheus::Counter& EventsFailed(std::string_view reason);
  // trailhound_rule_evaluations_total
  prometheus::Counter& rule_evaluations() { return *rule_evaluations_; }
  // trailhound_rule_matches_total{rule}: a series appears at a rule's first match.
  prometheus::Counter& RuleMatches(std::string_view rule_id);
  // trailhound_alerts_total{sink,outcome}
  prometheus::Counter& Alerts(std::string_view sink, AlertOutcome outcome);
  // trailhound_consumer_lag_messages{topic,partition}
  prometheus::Gauge& ConsumerLag(std::string_view topic, int32_t partition);
  // trailhound_outbox_depth{sink}: alerts queued for the sink and not yet confirmed.
  prometheus::Gauge& OutboxDepth(std::string_view sink);
  // trailhound_dead_letters_total{outcome}
  prometheus::Counter& DeadLetters(DeadLetterOutcome outcome);
  // trailhound_store_bytes: SST files plus WAL on disk.
  prometheus::Gauge& store_bytes() { return *store_bytes_; }
  // trailhound_reloads_total{result}
  prometheus::Counter& Reloads(ReloadResult result);
  // trailhound_stage_latency_seconds{stage}, buckets 50 us to 10 s.
  prometheus::Histogram& StageLatency(Stage stage);
  // trailhound_kafka_offset_resets_total: OFFSET warnings from librdkafka (AT-LEAST-ONCE §1).
  prometheus::Counter& kafka_offset_resets() { return *kafka_offset_resets_; }
  // trailhound_kafka_commit_errors_total
  prometheus::Counter& kafka_commit_errors() { return *kafka_commit_errors_; }

 private:
  Metrics();
  void RegisterFamilies();
  void RegisterEventFamilies(prometheus::Registry& r);     // consume, lag, decode, evaluate
  void RegisterDeliveryFamilies(prometheus::Registry& r);  // alerts, outbox, dead letters
  void RegisterRuntimeFamilies(prometheus::Registry& r);   // store, reloads, latency, Kafka

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* events_consumed_ = nullptr;
  prometheus::Family<prometheus::Counter>* events_failed_ = nullptr;
  prometheus::Family<prometheus::Counter>* rule_matches_ = nullptr;
  prometheus::Family<prometheus::Counter>* alerts_ = nullptr;
  prometheus::Family<prometheus::Gauge>* consumer_lag_ = nullptr;
  prometheus::Family<prometheus::Gauge>* outbox_depth_ = nullptr;
  prometheus::Counter* events_decoded_ = nullptr;
  prometheus::Counter* rule_evaluations_ = nullptr;
  prometheus::Gauge* store_bytes_ = nullptr;
  prometheus::Counter* kafka_offset_resets_ = nullptr;
  prometheus::Counter* kafka_commit_errors_ = nullptr;
  std::array<prometheus::Counter*, 3> dead_letters_{};
  std::array<prometheus::Counter*, 2> reloads_{};
  std::array<prometheus::Histogram*, 4> stage_latency_{};
};

}  // namespace trailhound::metrics
