// pipeline/dead_letter_kafka.cc: see dead_letter_kafka.h. The key and headers carry text
// (numbers in decimal) so kcat and any consumer can read them without our code.
#include "pipeline/dead_letter_kafka.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include "pipeline/base/str_cat.h"
#include "pipeline/codec.h"
#include "pipeline/event/event_time.h"

namespace trailhound::pipeline {
namespace {

void Put(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// Where a dead record came from, as text: `source` is `topic/partition` and `position` is
// `topic/partition @offset`. The file line (FORMATS.md §8) and the topic's key and headers (§7)
// both use these, so an operator can match a file line to a message.
struct DeadLetterOrigin {
  std::string source;
  std::string position;
};

DeadLetterOrigin OriginOf(const DeadLetterRecord& record) {
  DeadLetterOrigin origin;
  origin.source = base::StrCat({record.source_topic, "/", std::to_string(record.source_partition)});
  origin.position = base::StrCat({origin.source, " @", std::to_string(record.source_offset)});
  return origin;
}

// One line of the local dead-letter file in FORMATS.md §8's shape (`time`, `source`, `position`,
// `reason`, `error`, `raw` as text when valid UTF-8, else `raw_b64`), plus where in Kafka the
// record came from and why the topic refused it.
std::string FallbackLine(const DeadLetterRecord& record, rd_kafka_resp_err_t error) {
  const DeadLetterOrigin origin = OriginOf(record);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  Put(w, "time",
      event::FormatEventTime(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()));
  Put(w, "source", origin.source);
  Put(w, "position", origin.position);
  Put(w, "reason", record.reason);
  Put(w, "error", record.error);
  if (simdjson::validate_utf8(record.raw.data(), record.raw.size())) {
    Put(w, "raw", record.raw);
  } else {
    Put(w, "raw_b64", EncodeBase64(record.raw));
  }
  w.Key("raw_truncated");
  w.Bool(record.truncated);
  Put(w, "source_topic", record.source_topic);
  w.Key("source_partition");
  w.Int(record.source_partition);
  w.Key("source_offset");
  w.Int64(record.source_offset);
  w.Key("source_timestamp_ms");
  w.Int64(record.source_timestamp_ms);
  Put(w, "kafka_error", rd_kafka_err2name(error));
  w.EndObject();
  return base::StrCat({std::string_view(buffer.GetString(), buffer.GetSize()), "\n"});
}

// Appends `text` to `path` and fsyncs it: only then may the records be acknowledged.
base::Status AppendAndSync(const std::string& path, std::string_view text) {
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return base::Unavailable(base::StrCat({"dead-letter file ", path, ": ", strerror(errno)}));
  }
  while (!text.empty()) {
    const ssize_t written = write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      const int error = errno;
      close(fd);
      return base::Unavailable(base::StrCat({"dead-letter file ", path, ": ", strerror(error)}));
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
  const bool synced = fsync(fd) == 0;
  const int error = errno;
  close(fd);
  if (!synced) {
    return base::Unavailable(
        base::StrCat({"dead-letter file ", path, ": fsync: ", strerror(error)}));
  }
  return base::Status::Ok();
}

size_t ProducedPrefix(const std::vector<DeadLetterDelivery>& outcomes) {
  size_t done = 0;
  while (done < outcomes.size() && outcomes[done] == DeadLetterDelivery::kProduced) {
    ++done;
  }
  return done;
}

// The texts a message's key and headers point into; they must outlive the Produce call.
struct MessageTexts {
  DeadLetterOrigin origin;
  std::string source_timestamp_ms;
};

// The message for one record (FORMATS.md §7, `trailhound.deadletter`): key = the source
// position as text, value = the original bytes unchanged (cut to limits.dead_letter_raw_bytes
// before they reached the store). Headers, all UTF-8 text:
//   contract (§7): th-reason (RejectReasonName), th-source (`topic/partition`),
//                  th-position (`topic/partition @offset`, the key again), th-error (detail);
//   extras, ours:  th-truncated (`true` when the value was cut to the configured maximum, else
//                  `false`), th-source-timestamp (the source message's timestamp in epoch ms;
//                  absent when the source message had none).
std::vector<rd_kafka_vu_t> MessageOf(const std::string& topic, const DeadLetterRecord& record,
                                     MessageTexts& texts) {
  texts.origin = OriginOf(record);
  std::vector<rd_kafka_vu_t> message = {
      TopicArg(topic),
      BytesArg(RD_KAFKA_VTYPE_KEY, texts.origin.position),
      BytesArg(RD_KAFKA_VTYPE_VALUE, record.raw),
      HeaderArg("th-reason", record.reason),
      HeaderArg("th-source", texts.origin.source),
      HeaderArg("th-position", texts.origin.position),
      HeaderArg("th-error", record.error),
      HeaderArg("th-truncated", record.truncated ? "true" : "false")};
  if (record.source_timestamp_ms >= 0) {
    texts.source_timestamp_ms = std::to_string(record.source_timestamp_ms);
    message.push_back(HeaderArg("th-source-timestamp", texts.source_timestamp_ms));
  }
  return message;
}

}  // namespace

base::Result<std::unique_ptr<DeadLetterProducer>> DeadLetterProducer::Create(
    DeadLetterProducerOptions options) {
  if (options.fallback_path.empty() || (!options.topic.empty() && options.brokers.empty())) {
    return base::InvalidInput("the dead-letter producer needs a file, and brokers for a topic");
  }
  if (options.topic.empty()) {
    // No dead-letter topic: every record goes to the file, and no producer is needed.
    return std::unique_ptr<DeadLetterProducer>(new DeadLetterProducer(std::move(options)));
  }
  // A typo in the topic name must fall back to the file, not create a topic.
  options.properties.try_emplace("allow.auto.create.topics", "false");
  std::unique_ptr<DeadLetterProducer> producer(new DeadLetterProducer(std::move(options)));
  if (base::Status status = producer->EnsureProducer(); !status.ok()) {
    return status;
  }
  return producer;
}

DeadLetterProducer::~DeadLetterProducer() = default;

base::Status DeadLetterProducer::EnsureProducer() {
  return EnsureKafkaProducer(producer_, options_.brokers, options_.properties);
}

base::Result<size_t> DeadLetterProducer::Deliver(const std::vector<DeadLetterEntry>& entries) {
  outcomes_.clear();
  if (stop_.load(std::memory_order_relaxed) || entries.empty()) {
    return size_t{0};
  }
  if (options_.topic.empty()) {
    const std::vector<std::optional<rd_kafka_resp_err_t>> no_topic(
        entries.size(), RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC);
    return Settle(entries, no_topic);
  }
  if (base::Status status = EnsureProducer(); !status.ok()) {
    return status;
  }
  std::vector<uint64_t> seqs;
  for (const DeadLetterEntry& entry : entries) {
    seqs.push_back(entry.seq);
  }
  producer_->BeginRound(seqs);
  // A permanent refusal (e.g. MSG_SIZE_TOO_LARGE) only sends that record to the file, so the
  // ones behind it are still produced; any other refusal ends the round there.
  std::vector<std::optional<rd_kafka_resp_err_t>> refusals(entries.size());
  size_t produced = 0;
  MessageTexts texts;
  for (size_t i = 0; i < entries.size(); ++i) {
    const rd_kafka_resp_err_t refused =
        producer_->Produce(MessageOf(options_.topic, entries[i].record, texts), entries[i].seq,
                           stop_, options_.queue_full_backoff);
    if (refused == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++produced;
      continue;
    }
    refusals[i] = refused;
    if (!IsPermanentProduceError(refused)) {
      break;
    }
  }
  producer_->AwaitReports(produced, stop_);
  return Settle(entries, refusals);
}

// Walks the reports in order: produced entries and permanent refusals (written to the file)
// extend the prefix; the first missing report or transient error ends it.
base::Result<size_t> DeadLetterProducer::Settle(
    const std::vector<DeadLetterEntry>& entries,
    const std::vector<std::optional<rd_kafka_resp_err_t>>& refusals) {
  std::string file_lines;
  std::vector<DeadLetterDelivery> outcomes;
  rd_kafka_resp_err_t stopped_by = RD_KAFKA_RESP_ERR_NO_ERROR;
  bool producer_suspect = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    // Entries never produced have no report; BeginRound indexed the reports by entry.
    const std::optional<rd_kafka_resp_err_t> report =
        refusals[i].has_value() ? refusals[i] : producer_->report(i);
    // A failed report may leave a cached topic error or a broken idempotence sequence behind.
    producer_suspect |=
        !refusals[i].has_value() && report.has_value() && *report != RD_KAFKA_RESP_ERR_NO_ERROR;
    if (report == RD_KAFKA_RESP_ERR_NO_ERROR) {
      outcomes.push_back(DeadLetterDelivery::kProduced);
    } else if (report.has_value() && IsPermanentProduceError(*report)) {
      file_lines += FallbackLine(entries[i].record, *report);
      outcomes.push_back(DeadLetterDelivery::kFile);
    } else {
      stopped_by = report.value_or(RD_KAFKA_RESP_ERR_NO_ERROR);
      break;
    }
  }
  if (!file_lines.empty()) {
    if (base::Status written = AppendAndSync(options_.fallback_path, file_lines); !written.ok()) {
      outcomes.resize(ProducedPrefix(outcomes));  // the file records are not done
      if (outcomes.empty()) {
        return written;
      }
    }
  }
  for (const DeadLetterDelivery outcome : outcomes) {
    ++(outcome == DeadLetterDelivery::kProduced ? produced_total_ : file_total_);
  }
  outcomes_ = std::move(outcomes);
  if (producer_ == nullptr) {
    return outcomes_.size();  // file only
  }
  if (base::Status fatal = producer_->FatalError(); !fatal.ok()) {
    producer_.reset();  // recreated on the next call
    if (outcomes_.empty()) {
      return fatal;
    }
  }
  if (producer_suspect || stopped_by != RD_KAFKA_RESP_ERR_NO_ERROR) {
    producer_.reset();
  }
  if (outcomes_.empty() && stopped_by != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Unavailable(base::StrCat(
        {"dead letter not delivered to '", options_.topic, "': ", rd_kafka_err2str(stopped_by)}));
  }
  return outcomes_.size();
}

}  // namespace trailhound::pipeline
