// metrics/registry.cc: the families behind Metrics. prometheus-cpp reports bad names by throwing;
// Create catches that at its edge, and every name here is fixed, so only a bug can throw.
#include "metrics/registry.h"

#include <exception>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "pipeline/base/str_cat.h"

namespace trailhound::metrics {
namespace {

// 50 us to 10 s in 1-2.5-5 steps: decode and evaluate live at the low end, a Slack or Kafka
// round trip at the high end.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,    0.1,    0.25,    0.5,    1.0,   2.5,    5.0,   10.0};
  return buckets;
}

template <typename T>
size_t IndexOf(T value) {
  return static_cast<size_t>(value);
}

}  // namespace

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kDecode:
      return "decode";
    case Stage::kEvaluate:
      return "evaluate";
    case Stage::kStore:
      return "store";
    case Stage::kDeliver:
      return "deliver";
  }
  return "unknown";
}

std::string_view AlertOutcomeName(AlertOutcome outcome) {
  switch (outcome) {
    case AlertOutcome::kDelivered:
      return "delivered";
    case AlertOutcome::kFailed:
      return "failed";
    case AlertOutcome::kDuplicate:
      return "duplicate";
    case AlertOutcome::kRecovered:
      return "recovered";
    case AlertOutcome::kShrunk:
      return "shrunk";
  }
  return "unknown";
}

std::string_view DeadLetterOutcomeName(DeadLetterOutcome outcome) {
  switch (outcome) {
    case DeadLetterOutcome::kProduced:
      return "produced";
    case DeadLetterOutcome::kFile:
      return "file";
    case DeadLetterOutcome::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string_view ReloadResultName(ReloadResult result) {
  return result == ReloadResult::kSuccess ? "success" : "failure";
}

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}
Metrics::~Metrics() = default;

base::Result<std::unique_ptr<Metrics>> Metrics::Create() {
  try {
    std::unique_ptr<Metrics> metrics(new Metrics());
    metrics->RegisterFamilies();
    return metrics;
  } catch (const std::exception& e) {
    return base::Internal(base::StrCat({"cannot build the metrics registry: ", e.what()}));
  }
}

void Metrics::RegisterFamilies() {
  RegisterEventFamilies(*registry_);
  RegisterDeliveryFamilies(*registry_);
  RegisterRuntimeFamilies(*registry_);
}

void Metrics::RegisterEventFamilies(prometheus::Registry& r) {
  consumer_lag_ = &prometheus::BuildGauge()
                       .Name("trailhound_consumer_lag_messages")
                       .Help("Messages between the consumer position and the high watermark")
                       .Register(r);
  events_consumed_ = &prometheus::BuildCounter()
                          .Name("trailhound_events_consumed_total")
                          .Help("Records consumed from a source, by topic")
                          .Register(r);
  events_decoded_ = &prometheus::BuildCounter()
                         .Name("trailhound_events_decoded_total")
                         .Help("CloudTrail events decoded")
                         .Register(r)
                         .Add({});
  events_failed_ = &prometheus::BuildCounter()
                        .Name("trailhound_events_failed_total")
                        .Help("Records refused by the decoder, by reason")
                        .Register(r);
  rule_evaluations_ = &prometheus::BuildCounter()
                           .Name("trailhound_rule_evaluations_total")
                           .Help("Candidate rules evaluated against an event")
                           .Register(r)
                           .Add({});
  rule_matches_ = &prometheus::BuildCounter()
                       .Name("trailhound_rule_matches_total")
                       .Help("Rule matches, by rule id")
                       .Register(r);
}

void Metrics::RegisterDeliveryFamilies(prometheus::Registry& r) {
  alerts_ = &prometheus::BuildCounter()
                 .Name("trailhound_alerts_total")
                 .Help("Alerts by sink and outcome (delivered, failed, duplicate, recovered)")
                 .Register(r);
  outbox_depth_ = &prometheus::BuildGauge()
                       .Name("trailhound_outbox_depth")
                       .Help("Alerts queued for a sink and not yet confirmed")
                       .Register(r);
  auto& dead_letters = prometheus::BuildCounter()
                           .Name("trailhound_dead_letters_total")
                           .Help("Dead letters by outcome (produced, file, failed)")
                           .Register(r);
  for (const DeadLetterOutcome outcome :
       {DeadLetterOutcome::kProduced, DeadLetterOutcome::kFile, DeadLetterOutcome::kFailed}) {
    dead_letters_[IndexOf(outcome)] =
        &dead_letters.Add({{"outcome", std::string(DeadLetterOutcomeName(outcome))}});
  }
}

void Metrics::RegisterRuntimeFamilies(prometheus::Registry& r) {
  store_bytes_ = &prometheus::BuildGauge()
                      .Name("trailhound_store_bytes")
                      .Help("Bytes of the embedded store on disk (SST files and WAL)")
                      .Register(r)
                      .Add({});
  auto& reloads = prometheus::BuildCounter()
                      .Name("trailhound_reloads_total")
                      .Help("Rule reloads by result")
                      .Register(r);
  for (const ReloadResult result : {ReloadResult::kSuccess, ReloadResult::kFailure}) {
    reloads_[IndexOf(result)] = &reloads.Add({{"result", std::string(ReloadResultName(result))}});
  }
  auto& latency = prometheus::BuildHistogram()
                      .Name("trailhound_stage_latency_seconds")
                      .Help("Time a batch spends in a pipeline stage")
                      .Register(r);
  for (const Stage stage : {Stage::kDecode, Stage::kEvaluate, Stage::kStore, Stage::kDeliver}) {
    stage_latency_[IndexOf(stage)] =
        &latency.Add({{"stage", std::string(StageName(stage))}}, LatencyBuckets());
  }
  kafka_offset_resets_ = &prometheus::BuildCounter()
                              .Name("trailhound_kafka_offset_resets_total")
                              .Help("Consumer offsets reset by librdkafka (out of range)")
                              .Register(r)
                              .Add({});
  kafka_commit_errors_ = &prometheus::BuildCounter()
                              .Name("trailhound_kafka_commit_errors_total")
                              .Help("Offset commits that failed")
                              .Register(r)
                              .Add({});
}

prometheus::Counter& Metrics::EventsConsumed(std::string_view topic) {
  return events_consumed_->Add({{"topic", std::string(topic)}});
}

prometheus::Counter& Metrics::EventsFailed(std::string_view reason) {
  return events_failed_->Add({{"reason", std::string(reason)}});
}

prometheus::Counter& Metrics::RuleMatches(std::string_view rule_id) {
  return rule_matches_->Add({{"rule", std::string(rule_id)}});
}

prometheus::Counter& Metrics::Alerts(std::string_view sink, AlertOutcome outcome) {
  return alerts_->Add(
      {{"sink", std::string(sink)}, {"outcome", std::string(AlertOutcomeName(outcome))}});
}

prometheus::Gauge& Metrics::ConsumerLag(std::string_view topic, int32_t partition) {
  return consumer_lag_->Add(
      {{"topic", std::string(topic)}, {"partition", std::to_string(partition)}});
}

prometheus::Gauge& Metrics::OutboxDepth(std::string_view sink) {
  return outbox_depth_->Add({{"sink", std::string(sink)}});
}

prometheus::Counter& Metrics::DeadLetters(DeadLetterOutcome outcome) {
  return *dead_letters_[IndexOf(outcome)];
}

prometheus::Counter& Metrics::Reloads(ReloadResult result) {
  return *reloads_[IndexOf(result)];
}

prometheus::Histogram& Metrics::StageLatency(Stage stage) {
  return *stage_latency_[IndexOf(stage)];
}

}  // namespace trailhound::metrics
