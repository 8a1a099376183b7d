// pipeline/sink_kafka.cc: see sink_kafka.h. Order is what makes the confirmed prefix sound:
// idempotence keeps each partition in produce order, and the prefix counts only contiguous
// successes from the front, so an acknowledged entry never sits behind an unconfirmed one.
#include "pipeline/sink_kafka.h"

#include <algorithm>
#include <charconv>
#include <unordered_set>
#include <utility>

#include <simdjson.h>

#include "pipeline/base/str_cat.h"
#include "pipeline/kafka_read_back.h"

namespace trailhound::pipeline {
namespace {

// The text at `pointer` (RFC 6901) in `alert`; empty when absent, null or not a string.
std::string_view TextAt(simdjson::dom::element alert, std::string_view pointer) {
  std::string_view text;
  if (alert.at_pointer(pointer).get_string().get(text) != simdjson::SUCCESS) {
    return {};
  }
  return text;
}

// The message for one alert (FORMATS.md §7, `trailhound.alerts`): key = alert_id, value = the
// alert object unchanged. Headers, the contract: th-schema (`trailhound.alert/v1`), th-rule
// (rule.id), th-level (rule.level), th-account (event.recipientAccountId). The last three are
// read from the body; one it lacks (a correlation alert whose window closed without an account)
// is left out rather than holding up delivery. The header values point into `parser`, which
// must not parse again until the message is produced.
std::vector<rd_kafka_vu_t> MessageOf(const rd_kafka_vu_t& topic, const OutboxEntry& entry,
                                     simdjson::dom::parser& parser) {
  std::vector<rd_kafka_vu_t> message = {topic, BytesArg(RD_KAFKA_VTYPE_KEY, entry.alert_id),
                                        BytesArg(RD_KAFKA_VTYPE_VALUE, entry.body),
                                        HeaderArg("th-schema", "trailhound.alert/v1")};
  simdjson::dom::element alert;
  if (parser.parse(entry.body.data(), entry.body.size()).get(alert) != simdjson::SUCCESS) {
    return message;  // we wrote the body; without its fields the alert still goes out
  }
  constexpr std::pair<const char*, std::string_view> kFromBody[] = {
      {"th-rule", "/rule/id"},
      {"th-level", "/rule/level"},
      {"th-account", "/event/recipientAccountId"},
  };
  for (const auto& [header, pointer] : kFromBody) {
    if (const std::string_view text = TextAt(alert, pointer); !text.empty()) {
      message.push_back(HeaderArg(header, text));
    }
  }
  return message;
}

}  // namespace

base::Result<std::unique_ptr<KafkaAlertSink>> KafkaAlertSink::Create(KafkaSinkOptions options) {
  if (options.brokers.empty() || options.topic.empty()) {
    return base::InvalidInput(
        base::StrCat({"kafka sink '", options.name, "' needs brokers and a topic"}));
  }
  std::unique_ptr<KafkaAlertSink> sink(new KafkaAlertSink(std::move(options)));
  if (base::Status status = sink->EnsureProducer(); !status.ok()) {
    return status;
  }
  return sink;
}

KafkaAlertSink::~KafkaAlertSink() = default;

base::Status KafkaAlertSink::EnsureProducer() {
  return EnsureKafkaProducer(producer_, options_.brokers, options_.properties);
}

base::Status KafkaAlertSink::Recover(const std::vector<OutboxEntry>& pending,
                                     std::vector<uint64_t>& already_delivered) {
  if (pending.empty()) {
    return base::Status::Ok();
  }
  ReadBackOptions read_back;
  read_back.properties = options_.properties;
  read_back.properties["bootstrap.servers"] = options_.brokers;
  read_back.topic = options_.topic;
  read_back.max_messages_per_partition = options_.recover_max_messages_per_partition;
  read_back.max_bytes_per_partition = options_.recover_max_bytes_per_partition;
  read_back.timeout = options_.recover_timeout;
  read_back.acknowledged = recorded_offsets_;
  std::unordered_set<std::string> keys;
  base::Status status = ReadBackKeys(read_back, keys);
  for (const OutboxEntry& entry : pending) {
    if (keys.contains(entry.alert_id)) {
      already_delivered.push_back(entry.seq);
    }
  }
  return status;
}

std::string KafkaAlertSink::RecoveryPosition() const {
  if (confirmed_offsets_.empty()) {
    return {};
  }
  std::string position = "kafka:";
  for (const auto& [partition, offset] : confirmed_offsets_) {
    if (position.size() > 6) {
      position.push_back(',');
    }
    position.append(std::to_string(partition)).push_back('=');
    position.append(std::to_string(offset));
  }
  return position;
}

void KafkaAlertSink::SetRecordedPosition(std::string_view position) {
  recorded_offsets_.clear();
  if (!position.starts_with("kafka:")) {
    return;
  }
  std::map<int32_t, int64_t> parsed;
  std::string_view rest = position.substr(6);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view pair = rest.substr(0, comma);
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    const size_t equals = pair.find('=');
    int32_t partition = -1;
    int64_t offset = -1;
    if (equals == std::string_view::npos ||
        std::from_chars(pair.data(), pair.data() + equals, partition).ptr != pair.data() + equals ||
        std::from_chars(pair.data() + equals + 1, pair.data() + pair.size(), offset).ptr !=
            pair.data() + pair.size() ||
        partition < 0 || offset < 0) {
      return;  // not ours, or damaged: recover from the bounded tails instead
    }
    parsed[partition] = offset;
  }
  recorded_offsets_ = parsed;
  for (const auto& [partition, offset] : parsed) {
    int64_t& highest = confirmed_offsets_.try_emplace(partition, offset).first->second;
    highest = std::max(highest, offset);
  }
}

base::Result<size_t> KafkaAlertSink::Deliver(const std::vector<OutboxEntry>& entries) {
  if (stop_.load(std::memory_order_relaxed) || entries.empty()) {
    return size_t{0};
  }
  if (base::Status status = EnsureProducer(); !status.ok()) {
    return status;
  }
  std::vector<uint64_t> seqs;
  seqs.reserve(entries.size());
  for (const OutboxEntry& entry : entries) {
    seqs.push_back(entry.seq);
  }
  producer_->BeginRound(seqs);
  const rd_kafka_vu_t topic = TopicArg(options_.topic);
  simdjson::dom::parser parser;  // alerts are few: one parser per round is cheap enough
  size_t produced = 0;
  rd_kafka_resp_err_t refused = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (const OutboxEntry& entry : entries) {
    refused = producer_->Produce(MessageOf(topic, entry, parser), entry.seq, stop_,
                                 options_.queue_full_backoff);
    if (refused != RD_KAFKA_RESP_ERR_NO_ERROR) {
      break;  // nothing behind a refused entry can join the confirmed prefix
    }
    ++produced;
  }
  producer_->AwaitReports(produced, stop_);
  return ConfirmedPrefix(entries, produced, refused);
}

base::Result<size_t> KafkaAlertSink::ConfirmedPrefix(const std::vector<OutboxEntry>& entries,
                                                     size_t produced, rd_kafka_resp_err_t refused) {
  size_t prefix = 0;
  while (prefix < produced && producer_->report(prefix) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const auto [partition, offset] = producer_->landed(prefix);
    if (partition >= 0 && offset >= 0) {
      int64_t& highest = confirmed_offsets_.try_emplace(partition, offset).first->second;
      highest = std::max(highest, offset);
    }
    ++prefix;
  }
  if (base::Status fatal = producer_->FatalError(); !fatal.ok()) {
    producer_.reset();  // recreated on the next call (AT-LEAST-ONCE.md §7)
    return prefix > 0 ? base::Result<size_t>(prefix) : base::Result<size_t>(std::move(fatal));
  }
  if (prefix == entries.size() || stop_.load(std::memory_order_relaxed)) {
    return prefix;
  }
  // Entry `prefix` failed: its delivery report is an error, or librdkafka refused it.
  const rd_kafka_resp_err_t error = prefix < produced ? *producer_->report(prefix) : refused;
  // librdkafka keeps a topic's refusal (e.g. TOPIC_AUTHORIZATION_FAILED) and the idempotence
  // state of the failed batch; a fresh producer makes the retry a real attempt.
  producer_.reset();
  if (prefix > 0) {
    return prefix;  // the next call starts at the failed entry and reports it
  }
  return base::Unavailable(
      base::StrCat({"kafka sink '", options_.name, "': alert ", entries[prefix].alert_id,
                    " not delivered to '", options_.topic, "': ", rd_kafka_err2str(error)}));
}

}  // namespace trailhound::pipeline
