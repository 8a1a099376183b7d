// pipeline/consumer_pipeline.h: what the daemon does with consumed Kafka messages
// (AT-LEAST-ONCE.md §3). Each message is decoded, its events evaluated against the rules and
// correlations, and everything it produces (stored events, alerts for the outbox, dead letters,
// the partition's next offset) goes into the current StoreBatch. Flush writes the batch in one
// atomic write and only then stores the offsets it covers, so a committed offset is always
// backed by durable state.
//
// Runs on the polling thread; not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metrics/registry.h"
#include "pipeline/alert.h"
#include "pipeline/decode.h"
#include "pipeline/source_kafka.h"
#include "pipeline/store.h"
#include "rules/correlation.h"
#include "rules/rule_set.h"

namespace trailhound::pipeline {

struct ConsumerPipelineOptions {
  size_t batch_max_messages = 5000;
  int64_t batch_max_ms = 20;
  DecodeLimits decode_limits;
  size_t dead_letter_raw_bytes = 64 * 1024;
  rules::CorrelationOptions correlation;
  // Stage latencies (decode, evaluate, store) are observed here when set.
  metrics::Metrics* metrics = nullptr;
};

struct ConsumerPipelineCounters {
  uint64_t messages = 0;
  uint64_t events = 0;
  uint64_t alerts = 0;
  uint64_t duplicate_alerts = 0;
  uint64_t dead_letters = 0;
  uint64_t batches = 0;
  uint64_t write_retries = 0;
  uint64_t alert_bytes = 0;  // bodies of the alerts added, for the outbox size estimate
  std::map<std::string, uint64_t, std::less<>> messages_by_topic;
  // Matches per rule, indexed like rules().rules; restarted (and the generation bumped) when
  // SwapRules installs a new set.
  std::vector<uint64_t> matches_by_rule;
  uint64_t rules_generation = 0;
  DecodeCounts decode;
};

class ConsumerPipeline : public RebalanceListener, private DecodeSink {
 public:
  // `on_written` runs after every durable write (the sink workers are woken there).
  ConsumerPipeline(Store& store, std::shared_ptr<const rules::LoadedRules> rules,
                   const ConsumerPipelineOptions& options, std::function<void()> on_written);
  ~ConsumerPipeline() override;

  // The source whose offsets Flush stores. Set before the first Poll.
  void set_source(KafkaSource* source) { source_ = source; }

  // Decodes and evaluates one message into the current batch.
  void Add(const rd_kafka_message_s& message);
  // Milliseconds until the current batch is due (0 when due now; a large value when empty).
  int MillisecondsUntilDue() const;
  bool due() const { return MillisecondsUntilDue() == 0; }
  // Writes the current batch and stores its offsets. Transient store errors are retried until
  // `give_up_ms` has passed; an error return means the process must stop without committing.
  base::Status Flush(int64_t give_up_ms = 60'000);

  // Takes effect from the next message; correlation windows restart with the new rules.
  void SwapRules(std::shared_ptr<const rules::LoadedRules> rules);
  const rules::LoadedRules& rules() const { return *rules_; }
  const ConsumerPipelineCounters& counters() const { return counters_; }

  // RebalanceListener
  std::optional<int64_t> LocalNextOffset(const TopicPartition& partition) override;
  void OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) override;

 private:
  // DecodeSink, for the message being added.
  void OnEvent(event::Event&& event) override;
  void OnReject(const Rejected& rejected) override;
  void OnSkip(SkipReason reason, const event::Position& position) override;

  void AddAlert(const std::string& alert_id, const std::string& body, int64_t event_time_ns);
  void AddCorrelationAlerts(const event::Event* completing);
  const std::shared_ptr<const std::string>& SourceName(const TopicPartition& partition);
  void StartBatchIfNeeded();

  Store& store_;
  std::shared_ptr<const rules::LoadedRules> rules_;
  ConsumerPipelineOptions options_;
  std::function<void()> on_written_;
  KafkaSource* source_ = nullptr;
  Decoder decoder_;
  std::unique_ptr<rules::CorrelationEngine> correlations_;
  rules::EvalScratch scratch_;
  std::vector<uint32_t> matched_;
  std::vector<rules::CorrelationAlert> correlation_alerts_;
  base::Status batch_error_;
  std::chrono::steady_clock::duration evaluate_time_{};  // within the message being added

  std::optional<StoreBatch> batch_;
  size_t batch_messages_ = 0;
  int64_t batch_started_ms_ = 0;
  std::map<TopicPartition, int64_t> batch_next_offsets_;
  std::map<TopicPartition, std::shared_ptr<const std::string>> source_names_;

  // The message being added.
  const rd_kafka_message_s* message_ = nullptr;
  TopicPartition message_partition_;
  AlertInput input_;

  ConsumerPipelineCounters counters_;
};

}  // namespace trailhound::pipeline
