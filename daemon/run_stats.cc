// daemon/run_stats.cc: counters to Prometheus, once a second.
#include "daemon/run_stats.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include "pipeline/decode.h"

namespace trailhound::daemon {
namespace {

constexpr auto kPublishEvery = std::chrono::seconds(1);

void AddGrowth(prometheus::Counter& counter, uint64_t now, uint64_t& last) {
  if (now > last) {
    counter.Increment(static_cast<double>(now - last));
  }
  last = now;
}

}  // namespace

RunStats::RunStats(metrics::Metrics& metrics, pipeline::Store& store, RunOutputs& outputs,
                   const pipeline::ConsumerPipeline& pipeline)
    : metrics_(metrics), store_(store), outputs_(outputs), pipeline_(pipeline) {}

base::Status RunStats::Serve(const std::string& listen) {
  if (listen.empty()) {
    return base::Status::Ok();
  }
  base::Result<std::unique_ptr<metrics::MetricsExposer>> exposer =
      metrics::MetricsExposer::Start(listen, metrics_.registry());
  if (!exposer.has_value()) {
    return exposer.error();
  }
  exposer_ = std::move(*exposer);
  // The bound port, not the configured one: with port 0 this line is how an operator (or a
  // test) learns where to scrape.
  const std::string host = listen.substr(0, listen.rfind(':'));
  spdlog::info("metrics: serving /metrics, /healthz, /readyz on {}:{}", host, exposer_->port());
  return base::Status::Ok();
}

void RunStats::SetReady(bool ready) {
  if (exposer_ != nullptr) {
    exposer_->SetReady(ready);
  }
}

void RunStats::CountReload(bool ok) {
  metrics_.Reloads(ok ? metrics::ReloadResult::kSuccess : metrics::ReloadResult::kFailure)
      .Increment();
}

void RunStats::Publish() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_publish_) {
    return;
  }
  next_publish_ = now + kPublishEvery;
  PublishPipeline();
  PublishOutputs();
  PublishSource();
  metrics_.store_bytes().Set(static_cast<double>(store_.DiskBytes()));
}

void RunStats::PublishPipeline() {
  const pipeline::ConsumerPipelineCounters& now = pipeline_.counters();
  pipeline::ConsumerPipelineCounters& last = last_pipeline_;
  for (const auto& [topic, count] : now.messages_by_topic) {
    AddGrowth(metrics_.EventsConsumed(topic), count, last.messages_by_topic[topic]);
  }
  AddGrowth(metrics_.events_decoded(), now.events, last.events);
  AddGrowth(metrics_.rule_evaluations(), now.events, last_evaluated_);
  for (size_t i = 0; i < pipeline::kRejectReasonCount; ++i) {
    AddGrowth(
        metrics_.EventsFailed(pipeline::RejectReasonName(static_cast<pipeline::RejectReason>(i))),
        now.decode.rejected[i], last.decode.rejected[i]);
  }
  if (now.rules_generation != last.rules_generation ||
      now.matches_by_rule.size() != last.matches_by_rule.size()) {
    last.matches_by_rule.assign(now.matches_by_rule.size(), 0);
    last.rules_generation = now.rules_generation;
  }
  const std::vector<rules::CompiledRule>& rules = pipeline_.rules().rules;
  for (size_t i = 0; i < now.matches_by_rule.size() && i < rules.size(); ++i) {
    if (now.matches_by_rule[i] != last.matches_by_rule[i]) {
      AddGrowth(metrics_.RuleMatches(rules[i].id), now.matches_by_rule[i], last.matches_by_rule[i]);
    }
  }
  AddGrowth(metrics_.Alerts("outbox", metrics::AlertOutcome::kDuplicate), now.duplicate_alerts,
            last.duplicate_alerts);
}

void RunStats::PublishOutputs() {
  for (const SinkCounters& sink : outputs_.Sinks()) {
    SinkCounters& last = last_sinks_[sink.name];
    AddGrowth(metrics_.Alerts(sink.name, metrics::AlertOutcome::kDelivered), sink.delivered,
              last.delivered);
    AddGrowth(metrics_.Alerts(sink.name, metrics::AlertOutcome::kFailed), sink.failed_attempts,
              last.failed_attempts);
    AddGrowth(metrics_.Alerts(sink.name, metrics::AlertOutcome::kRecovered), sink.recovered,
              last.recovered);
    AddGrowth(metrics_.Alerts(sink.name, metrics::AlertOutcome::kShrunk), sink.shrunk, last.shrunk);
    metrics_.OutboxDepth(sink.name).Set(static_cast<double>(sink.queued));
  }
  const DeadLetterCounters dead = outputs_.DeadLetters();
  AddGrowth(metrics_.DeadLetters(metrics::DeadLetterOutcome::kProduced), dead.produced,
            last_dead_letters_.produced);
  AddGrowth(metrics_.DeadLetters(metrics::DeadLetterOutcome::kFile), dead.file,
            last_dead_letters_.file);
  AddGrowth(metrics_.DeadLetters(metrics::DeadLetterOutcome::kFailed), dead.failed,
            last_dead_letters_.failed);
}

void RunStats::PublishSource() {
  if (source_ == nullptr) {
    return;
  }
  const pipeline::KafkaSourceCounters& counters = source_->counters();
  AddGrowth(metrics_.kafka_offset_resets(), counters.offset_resets.load(), last_offset_resets_);
  AddGrowth(metrics_.kafka_commit_errors(), counters.commit_errors.load(), last_commit_errors_);
  for (const auto& [partition, lag] : source_->Lag()) {
    metrics_.ConsumerLag(partition.topic, partition.partition).Set(static_cast<double>(lag));
  }
}

}  // namespace trailhound::daemon
