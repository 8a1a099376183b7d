// pipeline/consumer_pipeline.h: what the daemon does with consumed Kafka messages
// (AT-LEAST-ONCE.md §3). Each message is decoded, its events evaluated against the rules and
// correlations, and everything it produces (stored events, alerts for the outbox, dead letters,
// the partition's next offset) goes into the current StoreBatch. Submit hands the batch to a
// BatchWriter, which writes it in one atomic write on its own thread while the next batch is
// built; Reap then stores the offsets each written batch covers, so a committed offset is always
// backed by durable state. An alert id in a batch not yet written counts as known, so a
// redelivery in the next batch is still a duplicate.
//
// Runs on the polling thread; not thread-safe (the writer thread only runs `on_written`).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "metrics/registry.h"
#include "pipeline/alert.h"
#include "pipeline/base/result.h"
#include "pipeline/batch_writer.h"
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
  uint64_t correlation_records_restored = 0;  // events re-fed to rebuilt correlation windows
  std::map<std::string, uint64_t, std::less<>> messages_by_topic;
  // Matches per rule, indexed like rules().rules; restarted (and the generation bumped) when
  // SwapRules installs a new set.
  std::vector<uint64_t> matches_by_rule;
  uint64_t rules_generation = 0;
  DecodeCounts decode;
};

class ConsumerPipeline : public RebalanceListener, private DecodeSink {
 public:
  // `on_written` runs after every durable write, on the writer thread (the sink workers are
  // woken there).
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
  // Hands the current batch to the writer (blocking while the writer is full). An error means
  // the process must stop without committing.
  base::Status Submit();
  // Stores the offsets of the batches written since the last call and returns how many there
  // were. An error (a write that failed after its retries) means the process must stop without
  // committing; nothing of that batch or any later one was stored or will be.
  base::Result<size_t> Reap();
  // Batches handed over and not yet reaped.
  size_t writes_in_flight() const { return writer_->in_flight(); }
  // Waits up to `timeout` until Submit would not block (the writer has room); true when so.
  bool WaitForWriterRoom(std::chrono::milliseconds timeout) {
    return writer_->WaitForRoom(timeout);
  }
  // Submits the current batch and waits until everything handed over is written and reaped:
  // at a revoke, a rules swap and shutdown.
  base::Status Flush();

  // Queues an operational alert (`th-pipeline-events-lost`) in the current batch, deduplicated
  // like any other: it is written, and delivered, with the next batch.
  void AddEventsLostAlert(const EventsLost& lost);

  // Takes effect from the next message. Open correlation windows are closed (their due alerts
  // queued), everything polled so far is written, and the windows are rebuilt under the new
  // rules from each partition's kept records, as after a restart. An error is a failed write:
  // the caller stops as for any other.
  base::Status SwapRules(std::shared_ptr<const rules::LoadedRules> rules);
  const rules::LoadedRules& rules() const { return *rules_; }
  const ConsumerPipelineCounters& counters() const { return counters_; }

  // RebalanceListener
  std::optional<int64_t> LocalNextOffset(const TopicPartition& partition) override;
  // Rebuilds the partitions' correlation windows from their kept records; alerts due are
  // queued in the current batch (and dropped by dedup when they were raised before).
  void OnAssign(const std::vector<TopicPartition>& partitions) override;
  void OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) override;

 private:
  // DecodeSink, for the message being added.
  void OnEvent(event::Event&& event) override;
  void OnReject(const Rejected& rejected) override;
  void OnSkip(SkipReason reason, const event::Position& position) override;

  void AddAlert(const std::string& alert_id, const std::string& body, int64_t event_time_ns);
  void AddCorrelationAlerts(const event::Event* completing);
  struct PartitionCorrelations;
  PartitionCorrelations& CorrelationsOf(const TopicPartition& partition);
  void NoteCorrelatedRules();
  // Deletes, in the current batch, the records no open window can count any more.
  void PruneCorrelationRecords();
  void RestoreCorrelations(const TopicPartition& partition);
  const std::shared_ptr<const std::string>& SourceName(const TopicPartition& partition);
  void StartBatchIfNeeded();
  base::Result<size_t> FinishWrites(std::vector<BatchWriter::Finished>& finished);

  // What a batch handed to the writer leaves to do once it is written.
  struct InFlight {
    uint64_t ticket = 0;
    std::vector<std::pair<TopicPartition, int64_t>> next_offsets;
    std::vector<std::string> alert_ids;
  };

  Store& store_;
  std::shared_ptr<const rules::LoadedRules> rules_;
  ConsumerPipelineOptions options_;
  std::function<void()> on_written_;
  KafkaSource* source_ = nullptr;
  Decoder decoder_;
  // One engine per partition: each keeps its own watermark, so a partition that lags (a
  // catch-up, a slow producer) does not make another's records late, and a revoked partition's
  // windows leave with it. CloudTrail topics are keyed by account (DESIGN.md, scale), and group
  // keys include the account (SIGMA.md §13.1), so a group never spans partitions. The events
  // its windows may still count are kept in the store (correlation records), so whoever is
  // assigned the partition next rebuilds them.
  struct PartitionCorrelations {
    std::unique_ptr<rules::CorrelationEngine> engine;  // null after a reload until the next event
    std::deque<std::pair<int64_t, int64_t>> kept;      // (offset, event time) of its records
  };
  std::map<TopicPartition, PartitionCorrelations> correlations_;
  std::vector<bool> correlated_rules_;  // by rule index: a correlation counts its matches
  int64_t max_timespan_ns_ = 0;
  uint32_t event_index_ = 0;  // of the next event within the message being added
  rules::EvalScratch scratch_;
  std::vector<uint32_t> matched_;
  std::vector<rules::CorrelationAlert> correlation_alerts_;
  base::Status batch_error_;
  std::chrono::steady_clock::duration evaluate_time_{};  // within the message being added

  std::optional<StoreBatch> batch_;
  // Written batches kept for reuse (StoreBatch::Reset): as many as can be in flight at once.
  static constexpr size_t kSpareBatches = 2;
  std::vector<StoreBatch> spare_batches_;
  size_t batch_messages_ = 0;
  int64_t batch_started_ms_ = 0;
  std::map<TopicPartition, int64_t> batch_next_offsets_;
  std::vector<std::string> batch_alert_ids_;
  std::deque<InFlight> in_flight_;
  std::unordered_set<std::string> in_flight_alert_ids_;
  std::vector<BatchWriter::Finished> finished_;
  std::map<TopicPartition, std::shared_ptr<const std::string>> source_names_;

  // The message being added.
  const rd_kafka_message_s* message_ = nullptr;
  TopicPartition message_partition_;
  AlertInput input_;

  ConsumerPipelineCounters counters_;
  // Last: destroyed (its thread joined) before anything its callback or batches refer to.
  std::unique_ptr<BatchWriter> writer_;
};

}  // namespace trailhound::pipeline
