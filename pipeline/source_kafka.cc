// pipeline/source_kafka.cc: librdkafka 2.0.2 consumer with the settings, rebalance handling and
// offset discipline of AT-LEAST-ONCE.md. Callbacks other than log_cb run on the polling thread
// (rd_kafka_poll_set_consumer), so they touch members without locks; log_cb only counts.
#include "pipeline/source_kafka.h"

#include <syslog.h>

#include <charconv>
#include <chrono>
#include <cstring>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>

#include <librdkafka/rdkafka.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "pipeline/base/str_cat.h"

namespace trailhound::pipeline {

struct KafkaSource::Stats {
  mutable std::mutex mu;
  std::map<TopicPartition, int64_t> lag;
  std::vector<OffsetReset> offset_resets;
};

std::optional<OffsetReset> ParseOffsetReset(std::string_view message) {
  constexpr std::string_view kMarker = "]: offset reset (at offset ";
  const size_t marker = message.find(kMarker);
  const size_t open = marker == std::string_view::npos ? marker : message.rfind(" [", marker);
  if (open == std::string_view::npos || open == 0) {
    return std::nullopt;
  }
  // librdkafka prefixes the thread: "[thrd:main]: TOPIC [P]: …".
  const size_t thread_end = message.rfind("]: ", open);
  const size_t topic_start = thread_end == std::string_view::npos ? 0 : thread_end + 3;
  OffsetReset reset;
  reset.topic = std::string(message.substr(topic_start, open - topic_start));
  const std::string_view partition = message.substr(open + 2, marker - open - 2);
  if (std::from_chars(partition.data(), partition.data() + partition.size(), reset.partition).ec !=
      std::errc()) {
    return std::nullopt;
  }
  const std::string_view at = message.substr(marker + kMarker.size());
  int64_t offset = -1;
  if (std::from_chars(at.data(), at.data() + at.size(), offset).ec == std::errc()) {
    reset.at_offset = offset;
  }
  reset.message = std::string(message);
  return reset;
}

void KafkaMessageDeleter::operator()(rd_kafka_message_s* message) const {
  rd_kafka_message_destroy(message);
}

namespace {

// AT-LEAST-ONCE.md §1, production column; the user's properties come after and may override
// all but the two the delivery promise rests on.
constexpr std::pair<const char*, const char*> kDefaults[] = {
    {"enable.auto.commit", "true"},
    {"auto.commit.interval.ms", "1000"},
    {"auto.offset.reset", "earliest"},
    {"session.timeout.ms", "45000"},
    {"heartbeat.interval.ms", "3000"},
    {"max.poll.interval.ms", "60000"},
    // librdkafka's prefetch defaults (100000 messages, 64 MiB) are kept: AT-LEAST-ONCE.md §1
    // suggests 20000 / 32 MiB, which starved the polling thread (half its time blocked) in
    // bench_daemon. A 100 ms fetch wait bounds latency on brokers that hold an empty fetch.
    {"fetch.wait.max.ms", "100"},
    {"statistics.interval.ms", "5000"},
    {"enable.partition.eof", "false"},
    {"allow.auto.create.topics", "false"},
};
constexpr std::pair<const char*, const char*> kForced[] = {
    {"enable.auto.offset.store", "false"},
    {"partition.assignment.strategy", "cooperative-sticky"},
};

base::Status SetProperty(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char error_text[512] = {};
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error_text, sizeof(error_text)) !=
      RD_KAFKA_CONF_OK) {
    // The value is not repeated: it may be a secret.
    return base::InvalidInput(base::StrCat({"kafka property '", name, "': ", error_text}));
  }
  return base::Status::Ok();
}

TopicPartition PartitionOf(const rd_kafka_topic_partition_t& p) {
  return TopicPartition{p.topic, p.partition};
}

std::vector<TopicPartition> PartitionsOf(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  out.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back(PartitionOf(list->elems[i]));
  }
  return out;
}

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// `cloudtrail[0,3] audit[1]` for logs.
std::string Describe(const rd_kafka_topic_partition_list_t* list) {
  std::map<std::string, std::string> by_topic;
  for (int i = 0; i < list->cnt; ++i) {
    std::string& ids = by_topic[list->elems[i].topic];
    ids += ids.empty() ? "" : ",";
    ids += std::to_string(list->elems[i].partition);
  }
  std::string out;
  for (const auto& [topic, ids] : by_topic) {
    out += base::StrCat({out.empty() ? "" : " ", topic, "[", ids, "]"});
  }
  return out;
}

void LogError(rd_kafka_error_t* error, const char* what) {
  if (error != nullptr) {
    spdlog::error("kafka {}: {}", what, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
}

}  // namespace

// librdkafka's C callbacks, forwarding to the source in the opaque.
struct KafkaCallbacks {
  static KafkaSource& Of(void* opaque) { return *static_cast<KafkaSource*>(opaque); }

  static void Rebalance(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    KafkaSource& source = Of(opaque);
    source.counters_.rebalances.fetch_add(1, std::memory_order_relaxed);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      source.Assign(partitions);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      source.Revoke(partitions, rd_kafka_assignment_lost(source.rk_) != 0);
    } else {
      spdlog::error("kafka rebalance error: {}", rd_kafka_err2str(err));
      source.UnassignAll();
    }
  }

  static void OffsetCommit(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* /*offsets*/, void* opaque) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      Of(opaque).counters_.commit_errors.fetch_add(1, std::memory_order_relaxed);
    }
  }

  static void Error(rd_kafka_t* /*rk*/, int err, const char* reason, void* opaque) {
    Of(opaque).counters_.consume_errors.fetch_add(1, std::memory_order_relaxed);
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      Of(opaque).connected_.store(false, std::memory_order_relaxed);
    }
    spdlog::warn("kafka: {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason);
  }

  // Runs on librdkafka's threads: counts and prints, nothing else.
  static void Log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
    if (std::strcmp(facility, "OFFSET") == 0 && level <= LOG_WARNING) {
      KafkaSource& source = Of(rd_kafka_opaque(rk));
      source.counters_.offset_resets.fetch_add(1, std::memory_order_relaxed);
      if (std::optional<OffsetReset> reset = ParseOffsetReset(message); reset.has_value()) {
        const std::lock_guard<std::mutex> lock(source.stats_->mu);
        source.stats_->offset_resets.push_back(std::move(*reset));
      }
    }
    // AUTOCREATE: brokers older than 0.11 (and the dev-broker's mock) cannot be told not to
    // create topics; that is worth knowing once, not a warning on every metadata request.
    if (level <= LOG_WARNING && std::strcmp(facility, "AUTOCREATE") != 0) {
      spdlog::warn("librdkafka {}: {}", facility, message);
    } else if (level <= LOG_WARNING) {
      spdlog::debug("librdkafka {}: {}", facility, message);
    }
  }

  // From librdkafka's statistics (STATISTICS.md): a real broker (nodeid >= 0, not a bootstrap
  // entry) in state UP, and the consumer group's coordinator state "up".
  static bool BrokerAndCoordinatorUp(simdjson::dom::element root) {
    bool broker_up = false;
    simdjson::dom::object brokers;
    if (root["brokers"].get(brokers) == simdjson::SUCCESS) {
      for (const auto [name, broker] : brokers) {
        int64_t node_id = -1;
        std::string_view state;
        if (broker["nodeid"].get(node_id) == simdjson::SUCCESS && node_id >= 0 &&
            broker["state"].get(state) == simdjson::SUCCESS && state == "UP") {
          broker_up = true;
        }
      }
    }
    std::string_view group_state;
    const bool coordinator_up =
        root["cgrp"]["state"].get(group_state) != simdjson::SUCCESS || group_state == "up";
    return broker_up && coordinator_up;
  }

  static int Stats(rd_kafka_t* /*rk*/, char* json, size_t json_len, void* opaque) {
    KafkaSource& source = Of(opaque);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(json, json_len).get(root) != simdjson::SUCCESS) {
      return 0;
    }
    source.connected_.store(BrokerAndCoordinatorUp(root), std::memory_order_relaxed);
    std::map<TopicPartition, int64_t> lag;
    simdjson::dom::object topics;
    if (root["topics"].get(topics) == simdjson::SUCCESS) {
      for (const auto [topic, value] : topics) {
        simdjson::dom::object partitions;
        if (value["partitions"].get(partitions) != simdjson::SUCCESS) {
          continue;
        }
        for (const auto [id, partition] : partitions) {
          int64_t partition_id = 0;
          int64_t consumer_lag = -1;
          if (partition["partition"].get(partition_id) == simdjson::SUCCESS && partition_id >= 0 &&
              partition["consumer_lag"].get(consumer_lag) == simdjson::SUCCESS &&
              consumer_lag >= 0) {
            lag[TopicPartition{std::string(topic), static_cast<int32_t>(partition_id)}] =
                consumer_lag;
          }
        }
      }
    }
    const std::lock_guard<std::mutex> lock(source.stats_->mu);
    source.stats_->lag = std::move(lag);
    return 0;  // librdkafka frees json
  }
};

KafkaSource::KafkaSource(RebalanceListener& listener)
    : listener_(listener), stats_(std::make_unique<Stats>()) {}

KafkaSource::~KafkaSource() {
  // librdkafka #4312 (2.0.2): destroying a cooperative consumer that was never assigned
  // asserts, so such a handle is left to process exit. An abandoned close leaves it too.
  if (rk_ != nullptr && ever_assigned_ && closed_) {
    rd_kafka_destroy(rk_);
  }
}

base::Result<std::unique_ptr<KafkaSource>> KafkaSource::Create(const KafkaSourceOptions& options,
                                                               RebalanceListener& listener) {
  if (options.topics.empty()) {
    return base::InvalidInput("kafka source: no topic to consume");
  }
  std::unique_ptr<KafkaSource> source(new KafkaSource(listener));
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  base::Status status = SetProperty(conf, "bootstrap.servers", options.brokers);
  if (status.ok())
    status = SetProperty(conf, "group.id", options.group_id);
  for (const auto& [name, value] : kDefaults) {
    if (status.ok())
      status = SetProperty(conf, name, value);
  }
  for (const auto& [name, value] : options.properties) {
    if (status.ok())
      status = SetProperty(conf, name, value);
  }
  for (const auto& [name, value] : kForced) {
    if (status.ok())
      status = SetProperty(conf, name, value);
  }
  if (!status.ok()) {
    rd_kafka_conf_destroy(conf);
    return status;
  }
  rd_kafka_conf_set_opaque(conf, source.get());
  rd_kafka_conf_set_rebalance_cb(conf, KafkaCallbacks::Rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf, KafkaCallbacks::OffsetCommit);
  rd_kafka_conf_set_error_cb(conf, KafkaCallbacks::Error);
  rd_kafka_conf_set_log_cb(conf, KafkaCallbacks::Log);
  rd_kafka_conf_set_stats_cb(conf, KafkaCallbacks::Stats);
  char error_text[512] = {};
  source->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error_text, sizeof(error_text));
  if (source->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return base::InvalidInput(base::StrCat({"kafka consumer: ", error_text}));
  }
  rd_kafka_poll_set_consumer(source->rk_);
  PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(options.topics.size())));
  for (const std::string& topic : options.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(source->rk_, topics.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::InvalidInput(base::StrCat({"kafka subscribe: ", rd_kafka_err2str(err)}));
  }
  return source;
}

void KafkaSource::Assign(rd_kafka_topic_partition_list_s* partitions) {
  ever_assigned_ = true;
  const std::vector<TopicPartition> assigned = PartitionsOf(partitions);
  for (const TopicPartition& tp : assigned) {
    PartitionState& state = partitions_[tp];
    state = PartitionState{};
    state.local_next = listener_.LocalNextOffset(tp);
  }
  listener_.OnAssign(assigned);
  spdlog::info("kafka: assigned {}", Describe(partitions));
  // Offsets are left unset: librdkafka starts at the committed offset (§2).
  LogError(rd_kafka_incremental_assign(rk_, partitions), "incremental assign");
  if (paused_) {
    // Pause is per partition: new partitions must join the pause at once (§4 ASSIGN).
    rd_kafka_pause_partitions(rk_, partitions);
  }
}

void KafkaSource::Revoke(rd_kafka_topic_partition_list_s* partitions, bool lost) {
  const std::vector<TopicPartition> revoked = PartitionsOf(partitions);
  if (lost) {
    counters_.lost_assignments.fetch_add(1, std::memory_order_relaxed);
  }
  spdlog::info("kafka: {} {}", lost ? "lost" : "revoked", Describe(partitions));
  listener_.OnRevoke(revoked, lost);
  for (const TopicPartition& tp : revoked) {
    partitions_.erase(tp);
  }
  if (paused_) {
    // An app-level pause survives revoke and re-assignment (§11.4): lift it before letting go.
    rd_kafka_resume_partitions(rk_, partitions);
  }
  LogError(rd_kafka_incremental_unassign(rk_, partitions), "incremental unassign");
}

void KafkaSource::UnassignAll() {
  rd_kafka_topic_partition_list_t* assignment = nullptr;
  if (rd_kafka_assignment(rk_, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  PartitionList owned(assignment);
  if (owned->cnt > 0) {
    Revoke(owned.get(), /*lost=*/true);
  }
}

base::Result<KafkaMessage> KafkaSource::Poll(int timeout_ms) {
  for (;;) {
    KafkaMessage message(rd_kafka_consumer_poll(rk_, timeout_ms));
    if (message == nullptr) {
      return KafkaMessage();
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // An event, not a record: never store its offset (§3).
      if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
        char reason[512] = {};
        rd_kafka_fatal_error(rk_, reason, sizeof(reason));
        return base::Internal(base::StrCat({"kafka consumer fatal error: ", reason}));
      }
      counters_.consume_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("kafka consume: {}", rd_kafka_message_errstr(message.get()));
      return KafkaMessage();
    }
    if (!SkipApplied(*message)) {
      return message;
    }
    timeout_ms = 0;
  }
}

bool KafkaSource::SkipApplied(const rd_kafka_message_s& message) {
  const TopicPartition tp{rd_kafka_topic_name(message.rkt), message.partition};
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) {
    return false;
  }
  PartitionState& state = it->second;
  if (!state.first_message_seen) {
    state.first_message_seen = true;
    int64_t low = 0;
    int64_t high = 0;
    if (state.local_next.has_value() &&
        rd_kafka_get_watermark_offsets(rk_, tp.topic.c_str(), tp.partition, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0 && *state.local_next > high) {
      // The topic was recreated: the local offset belongs to its previous life (§2 guards).
      counters_.topic_recreated.fetch_add(1, std::memory_order_relaxed);
      state.local_next.reset();
    }
  }
  if (!state.local_next.has_value() || message.offset >= *state.local_next) {
    return false;
  }
  // Durable already (its batch was written before a crash): let the commit catch up.
  counters_.skipped_applied.fetch_add(1, std::memory_order_relaxed);
  StoreOffsetNow(tp, state, message.offset + 1);
  return true;
}

void KafkaSource::StoreOffset(const TopicPartition& partition, int64_t next_offset) {
  auto it = partitions_.find(partition);
  if (it != partitions_.end()) {
    StoreOffsetNow(partition, it->second, next_offset);
  }
}

void KafkaSource::StoreOffsetNow(const TopicPartition& tp, PartitionState& state, int64_t next) {
  // librdkafka overwrites a stored offset without comparing (§2): only ever move forward.
  if (next <= state.stored_next) {
    return;
  }
  PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = next;
  const rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk_, list.get());
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    state.stored_next = next;
  }
}

void KafkaSource::SetPaused(bool paused) {
  if (paused == paused_) {
    return;
  }
  rd_kafka_topic_partition_list_t* assignment = nullptr;
  if (rd_kafka_assignment(rk_, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  PartitionList owned(assignment);
  // Only what this source paused is resumed (§11.5): the pause set is the whole assignment.
  if (paused) {
    rd_kafka_pause_partitions(rk_, owned.get());
  } else {
    rd_kafka_resume_partitions(rk_, owned.get());
  }
  paused_ = paused;
}

void KafkaSource::PauseAll() {
  SetPaused(true);
}
void KafkaSource::ResumeAll() {
  SetPaused(false);
}

base::Status KafkaSource::Close(int timeout_ms) {
  if (closed_ || rk_ == nullptr) {
    return base::Status::Ok();
  }
  // consumer_close can hang when an assignment arrives during it (librdkafka #4527): it runs on
  // a thread of its own and is abandoned past the deadline.
  auto done = std::make_shared<std::promise<rd_kafka_resp_err_t>>();
  std::future<rd_kafka_resp_err_t> result = done->get_future();
  std::thread closer([rk = rk_, done] { done->set_value(rd_kafka_consumer_close(rk)); });
  if (result.wait_for(std::chrono::milliseconds(timeout_ms)) != std::future_status::ready) {
    closer.detach();
    return base::Unavailable("kafka consumer close did not finish in time");
  }
  closer.join();
  closed_ = true;
  const rd_kafka_resp_err_t err = result.get();
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Unavailable(base::StrCat({"kafka consumer close: ", rd_kafka_err2str(err)}));
  }
  return base::Status::Ok();
}

std::vector<OffsetReset> KafkaSource::TakeOffsetResets() {
  const std::lock_guard<std::mutex> lock(stats_->mu);
  return std::exchange(stats_->offset_resets, {});
}

std::map<TopicPartition, int64_t> KafkaSource::Lag() const {
  const std::lock_guard<std::mutex> lock(stats_->mu);
  return stats_->lag;
}

}  // namespace trailhound::pipeline
