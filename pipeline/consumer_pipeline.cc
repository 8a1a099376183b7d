// pipeline/consumer_pipeline.cc: decode → evaluate → StoreBatch → durable write → offsets store.
#include "pipeline/consumer_pipeline.h"

#include <algorithm>
#include <chrono>

#include <librdkafka/rdkafka.h>
#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

#include "pipeline/base/check.h"
#include "pipeline/base/str_cat.h"

namespace trailhound::pipeline {
namespace {

int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::duration elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

int64_t WallClockNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ConsumerPipeline::ConsumerPipeline(Store& store, std::shared_ptr<const rules::LoadedRules> rules,
                                   const ConsumerPipelineOptions& options,
                                   std::function<void()> on_written)
    : store_(store),
      rules_(std::move(rules)),
      options_(options),
      on_written_(std::move(on_written)),
      decoder_(options.decode_limits),
      writer_(
          std::make_unique<BatchWriter>([&store](StoreBatch& batch) { return store.Write(batch); },
                                        BatchWriterOptions{}, on_written_)) {
  input_.source = "kafka";
  counters_.matches_by_rule.assign(rules_->rules.size(), 0);
  NoteCorrelatedRules();
}

void ConsumerPipeline::NoteCorrelatedRules() {
  correlated_rules_.assign(rules_->rules.size(), false);
  max_timespan_ns_ = 0;
  for (const rules::CorrelationRule& correlation : rules_->correlations) {
    for (const uint32_t rule : correlation.rules) {
      if (rule < correlated_rules_.size()) {
        correlated_rules_[rule] = true;
      }
    }
    max_timespan_ns_ = std::max(max_timespan_ns_, correlation.timespan_ns);
  }
}

ConsumerPipeline::~ConsumerPipeline() = default;

base::Status ConsumerPipeline::SwapRules(std::shared_ptr<const rules::LoadedRules> rules) {
  // Open windows refer to the old rules; they are closed (and due alerts queued) first.
  std::vector<TopicPartition> partitions;
  for (auto& [partition, correlations] : correlations_) {
    if (correlations.engine != nullptr) {
      correlations.engine->Flush(correlation_alerts_);
      AddCorrelationAlerts(nullptr);
    }
    partitions.push_back(partition);
  }
  correlations_.clear();
  // The windows are rebuilt from the store, which must hold every record polled so far.
  if (!partitions.empty()) {
    if (base::Status written = Flush(); !written.ok()) {
      return written;
    }
  }
  rules_ = std::move(rules);
  NoteCorrelatedRules();
  counters_.matches_by_rule.assign(rules_->rules.size(), 0);
  ++counters_.rules_generation;
  // Records of rules no longer correlated are rebuilt into nothing and pruned as usual; alerts
  // the rebuilt windows raise again have their first ids, which dedup drops.
  if (!rules_->correlations.empty()) {
    for (const TopicPartition& partition : partitions) {
      RestoreCorrelations(partition);
    }
  }
  return base::Status::Ok();
}

const std::shared_ptr<const std::string>& ConsumerPipeline::SourceName(
    const TopicPartition& partition) {
  std::shared_ptr<const std::string>& name = source_names_[partition];
  if (name == nullptr) {
    name = std::make_shared<const std::string>(
        base::StrCat({partition.topic, "/", std::to_string(partition.partition)}));
  }
  return name;
}

void ConsumerPipeline::StartBatchIfNeeded() {
  if (!batch_.has_value()) {
    if (spare_batches_.empty()) {
      batch_.emplace(store_.NewBatch());
    } else {
      batch_.emplace(std::move(spare_batches_.back()));
      spare_batches_.pop_back();
    }
    batch_messages_ = 0;
    batch_started_ms_ = SteadyMillis();
  }
}

void ConsumerPipeline::Add(const rd_kafka_message_s& message) {
  StartBatchIfNeeded();
  message_ = &message;
  message_partition_ = TopicPartition{rd_kafka_topic_name(message.rkt), message.partition};
  input_.received_at_ns = WallClockNanos();
  event::Position position;
  position.source = SourceName(message_partition_);
  position.byte_offset = static_cast<uint64_t>(message.offset);
  const std::string_view bytes(static_cast<const char*>(message.payload), message.len);
  const SteadyClock::time_point start = SteadyClock::now();
  evaluate_time_ = {};
  event_index_ = 0;
  decoder_.Decode(bytes, position, *this);
  if (options_.metrics != nullptr) {
    const SteadyClock::duration total = SteadyClock::now() - start;
    options_.metrics->StageLatency(metrics::Stage::kDecode)
        .Observe(Seconds(total - evaluate_time_));
    options_.metrics->StageLatency(metrics::Stage::kEvaluate).Observe(Seconds(evaluate_time_));
  }
  message_ = nullptr;
  ++batch_messages_;
  ++counters_.messages;
  auto topic = counters_.messages_by_topic.find(message_partition_.topic);
  if (topic == counters_.messages_by_topic.end()) {
    topic = counters_.messages_by_topic.emplace(message_partition_.topic, 0).first;
  }
  ++topic->second;
  batch_next_offsets_[message_partition_] = message.offset + 1;
}

void ConsumerPipeline::OnEvent(event::Event&& decoded) {
  ++counters_.events;
  counters_.decode.CountEvent(decoded);
  // A message holding one bare record is stored as it came; a record inside an envelope or a
  // batch is cut out of it as compact JSON.
  std::string canonical;
  std::string_view stored;
  if (message_ != nullptr && decoded.envelope() == event::EnvelopeKind::kBare &&
      decoded.position().step_count == 0) {
    stored = std::string_view(static_cast<const char*>(message_->payload), message_->len);
  } else {
    canonical = decoded.CanonicalJson();
    stored = canonical;
  }
  batch_->PutEvent(decoded.event_time_ns(), decoded.event_id(), stored);
  const uint32_t index_in_message = event_index_++;
  const SteadyClock::time_point start = SteadyClock::now();
  rules::MatchRules(*rules_, decoded, scratch_, matched_);
  evaluate_time_ += SteadyClock::now() - start;
  for (const uint32_t index : matched_) {
    ++counters_.matches_by_rule[index];
    const rules::CompiledRule& rule = rules_->rules[index];
    if (rule.generates_alerts) {
      AddAlert(EventAlertId(rule, decoded), FormatAlert(rule, decoded, input_, WallClockNanos()),
               decoded.event_time_ns());
    }
  }
  if (!rules_->correlations.empty()) {
    PartitionCorrelations& correlations = CorrelationsOf(message_partition_);
    correlations.engine->Observe(decoded, matched_, correlation_alerts_);
    AddCorrelationAlerts(&decoded);
    // Kept for the partition's next owner, or this one after a restart: the windows are rebuilt
    // from these records (RestoreCorrelations).
    if (message_ != nullptr && decoded.time_known() &&
        std::any_of(matched_.begin(), matched_.end(),
                    [this](uint32_t rule) { return correlated_rules_[rule]; })) {
      batch_->PutCorrelationRecord(message_partition_.topic, message_partition_.partition,
                                   message_->offset, index_in_message, stored);
      correlations.kept.emplace_back(message_->offset, decoded.event_time_ns());
    }
  }
}

ConsumerPipeline::PartitionCorrelations& ConsumerPipeline::CorrelationsOf(
    const TopicPartition& partition) {
  PartitionCorrelations& correlations = correlations_[partition];
  if (correlations.engine == nullptr) {
    correlations.engine =
        std::make_unique<rules::CorrelationEngine>(rules_->correlations, options_.correlation);
  }
  return correlations;
}

void ConsumerPipeline::PruneCorrelationRecords() {
  for (auto& [partition, correlations] : correlations_) {
    const std::optional<int64_t> watermark =
        correlations.engine != nullptr ? correlations.engine->watermark_ns() : std::nullopt;
    if (!watermark.has_value()) {
      continue;
    }
    // No window can count a record older than the watermark minus the longest timespan: a
    // lower-bound window reaches back one timespan from a record at or past the watermark, and
    // an upper-bound window still open closes at or past it.
    const int64_t horizon = *watermark - max_timespan_ns_;
    std::optional<int64_t> dropped;
    while (!correlations.kept.empty() && correlations.kept.front().second < horizon) {
      dropped = correlations.kept.front().first;
      correlations.kept.pop_front();
    }
    if (dropped.has_value()) {
      // Another event of the same message may still be needed.
      const int64_t before = correlations.kept.empty()
                                 ? *dropped + 1
                                 : std::min(*dropped + 1, correlations.kept.front().first);
      batch_->DeleteCorrelationRecords(partition.topic, partition.partition, before);
    }
  }
}

void ConsumerPipeline::OnAssign(const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& partition : partitions) {
    correlations_.erase(partition);
    if (!rules_->correlations.empty()) {
      RestoreCorrelations(partition);
    }
  }
}

namespace {

// Collects the events of a correlation record.
class CollectingSink : public DecodeSink {
 public:
  void OnEvent(event::Event&& event) override { events.push_back(std::move(event)); }
  void OnReject(const Rejected& /*rejected*/) override {}
  void OnSkip(SkipReason /*reason*/, const event::Position& /*position*/) override {}
  std::vector<event::Event> events;
};

}  // namespace

void ConsumerPipeline::RestoreCorrelations(const TopicPartition& partition) {
  std::vector<CorrelationRecord> records;
  if (const base::Status read =
          store_.ReadCorrelationRecords(partition.topic, partition.partition, records);
      !read.ok()) {
    spdlog::error("correlations: {}/{}: windows start empty: {}", partition.topic,
                  partition.partition, read.ToString());
    return;
  }
  if (records.empty()) {
    return;
  }
  PartitionCorrelations& correlations = CorrelationsOf(partition);
  input_.received_at_ns = WallClockNanos();
  // Alerts the rebuilt windows raise again carry their first raising's id: dedup drops them.
  for (const CorrelationRecord& record : records) {
    event::Position position;
    position.source = SourceName(partition);
    position.byte_offset = static_cast<uint64_t>(record.offset);
    CollectingSink collected;
    decoder_.Decode(record.raw_json, position, collected);
    for (const event::Event& event : collected.events) {
      rules::MatchRules(*rules_, event, scratch_, matched_);
      correlations.engine->Observe(event, matched_, correlation_alerts_);
      AddCorrelationAlerts(&event);
      correlations.kept.emplace_back(record.offset, event.event_time_ns());
    }
  }
  counters_.correlation_records_restored += records.size();
  spdlog::info("correlations: {}/{}: windows rebuilt from {} kept events", partition.topic,
               partition.partition, records.size());
}

void ConsumerPipeline::AddCorrelationAlerts(const event::Event* completing) {
  for (const rules::CorrelationAlert& alert : correlation_alerts_) {
    StartBatchIfNeeded();
    AddAlert(CorrelationAlertId(alert),
             FormatCorrelationAlert(alert, completing, input_, WallClockNanos()),
             alert.last_time_ns);
  }
  correlation_alerts_.clear();
}

void ConsumerPipeline::AddEventsLostAlert(const EventsLost& lost) {
  StartBatchIfNeeded();
  const int64_t now_ns = WallClockNanos();
  AddAlert(EventsLostAlertId(lost), FormatEventsLostAlert(lost, now_ns), now_ns);
}

void ConsumerPipeline::AddAlert(const std::string& alert_id, const std::string& body,
                                int64_t event_time_ns) {
  if (!in_flight_alert_ids_.empty() && in_flight_alert_ids_.contains(alert_id)) {
    ++counters_.duplicate_alerts;  // in a batch handed to the writer, not yet in the store
    return;
  }
  base::Result<bool> added = batch_->AddAlert(alert_id, body, event_time_ns);
  if (!added.has_value()) {
    // The dedup lookup failed: the batch cannot be trusted; Flush reports it.
    if (batch_error_.ok()) {
      batch_error_ = added.error();
    }
    return;
  }
  if (*added) {
    batch_alert_ids_.push_back(alert_id);
    ++counters_.alerts;
    counters_.alert_bytes += body.size();
  } else {
    ++counters_.duplicate_alerts;
  }
}

void ConsumerPipeline::OnReject(const Rejected& rejected) {
  ++counters_.decode.rejected[static_cast<size_t>(rejected.reason)];
  ++counters_.dead_letters;
  DeadLetterRecord record;
  record.reason = std::string(RejectReasonName(rejected.reason));
  record.error = rejected.error;
  if (message_ != nullptr) {
    record.source_topic = message_partition_.topic;
    record.source_partition = message_partition_.partition;
    record.source_offset = message_->offset;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    record.source_timestamp_ms = rd_kafka_message_timestamp(message_, &type);
  }
  const size_t keep = std::min(rejected.raw.size(), options_.dead_letter_raw_bytes);
  record.raw.assign(rejected.raw.data(), keep);
  record.truncated = keep < rejected.raw.size();
  batch_->AddDeadLetter(record);
}

void ConsumerPipeline::OnSkip(SkipReason reason, const event::Position& /*position*/) {
  ++counters_.decode.skipped[static_cast<size_t>(reason)];
}

int ConsumerPipeline::MillisecondsUntilDue() const {
  if (!batch_.has_value() || (batch_->empty() && batch_next_offsets_.empty())) {
    return 1'000'000;
  }
  if (batch_messages_ >= options_.batch_max_messages) {
    return 0;
  }
  const int64_t left = batch_started_ms_ + options_.batch_max_ms - SteadyMillis();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1'000'000));
}

base::Status ConsumerPipeline::Submit() {
  if (!batch_.has_value()) {
    return base::Status::Ok();
  }
  if (!batch_error_.ok()) {
    return batch_error_;
  }
  PruneCorrelationRecords();
  InFlight in_flight;
  in_flight.next_offsets.reserve(batch_next_offsets_.size());
  for (const auto& [partition, next] : batch_next_offsets_) {
    batch_->SetNextOffset(partition.topic, partition.partition, next);
    in_flight.next_offsets.emplace_back(partition, next);
  }
  in_flight.alert_ids = std::move(batch_alert_ids_);
  in_flight_alert_ids_.insert(in_flight.alert_ids.begin(), in_flight.alert_ids.end());
  in_flight.ticket = writer_->Submit(std::move(*batch_));
  in_flight_.push_back(std::move(in_flight));
  batch_.reset();
  batch_next_offsets_.clear();
  batch_alert_ids_.clear();
  batch_messages_ = 0;
  return base::Status::Ok();
}

base::Result<size_t> ConsumerPipeline::Reap() {
  finished_.clear();
  writer_->TakeFinished(finished_);
  return FinishWrites(finished_);
}

base::Result<size_t> ConsumerPipeline::FinishWrites(std::vector<BatchWriter::Finished>& finished) {
  if (const uint64_t retries = writer_->write_retries(); retries != counters_.write_retries) {
    spdlog::warn("store write failed and was retried ({} retries so far)", retries);
    counters_.write_retries = retries;
  }
  for (BatchWriter::Finished& done : finished) {
    TH_CHECK(!in_flight_.empty() && in_flight_.front().ticket == done.ticket);
    if (!done.status.ok()) {
      // This batch and every later one stay unstored; the caller stops without committing.
      return done.status;
    }
    InFlight& written = in_flight_.front();
    if (source_ != nullptr) {
      for (const auto& [partition, next] : written.next_offsets) {
        source_->StoreOffset(partition, next);
      }
    }
    for (const std::string& alert_id : written.alert_ids) {
      in_flight_alert_ids_.erase(alert_id);
    }
    in_flight_.pop_front();
    ++counters_.batches;
    if (done.batch.has_value() && spare_batches_.size() < kSpareBatches) {
      done.batch->Reset();
      spare_batches_.push_back(std::move(*done.batch));
    }
    if (options_.metrics != nullptr) {
      options_.metrics->StageLatency(metrics::Stage::kStore).Observe(Seconds(done.write_time));
    }
  }
  return finished.size();
}

base::Status ConsumerPipeline::Flush() {
  if (base::Status submitted = Submit(); !submitted.ok()) {
    return submitted;
  }
  finished_.clear();
  writer_->WaitAll(finished_);
  base::Result<size_t> written = FinishWrites(finished_);
  return written.has_value() ? base::Status::Ok() : written.error();
}

std::optional<int64_t> ConsumerPipeline::LocalNextOffset(const TopicPartition& partition) {
  return store_.NextOffset(partition.topic, partition.partition);
}

void ConsumerPipeline::OnRevoke(const std::vector<TopicPartition>& partitions, bool lost) {
  if (lost) {
    // Another member may own them now: their offsets are neither stored nor recorded. What was
    // polled from them is still written (harmless: the events are keyed, and the alerts fall
    // in the duplicate window of AT-LEAST-ONCE.md §10 a). Batches already with the writer
    // record their next offsets beside the events they cover, which is consistent, but store
    // none of them.
    for (const TopicPartition& partition : partitions) {
      batch_next_offsets_.erase(partition);
      for (InFlight& in_flight : in_flight_) {
        std::erase_if(in_flight.next_offsets,
                      [&partition](const auto& entry) { return entry.first == partition; });
      }
    }
  }
  // Their correlation windows go with them: the next owner starts its own from its first
  // record (docs/daemon.md, limits).
  for (const TopicPartition& partition : partitions) {
    correlations_.erase(partition);
  }
  const base::Status status = Flush();
  if (!status.ok()) {
    // Nothing of the batch is durable, so nothing of it is committed: the next owner redoes it.
    spdlog::error("store write during revoke failed: {}", status.ToString());
    batch_.reset();
    batch_next_offsets_.clear();
    batch_alert_ids_.clear();
    batch_error_ = status;
  }
}

}  // namespace trailhound::pipeline
