// pipeline/dead_letter_kafka.cc: see dead_letter_kafka.h. Headers carry text (numbers in
// decimal) so kcat and any consumer can read them without our code.
#include "pipeline/dead_letter_kafka.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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

// One line of the local dead-letter file in FORMATS.md §8's shape (`time`, `source`, `position`,
// `reason`, `error`, `raw` as text when valid UTF-8, else `raw_b64`), plus where in Kafka the
// record came from and why the topic refused it.
std::string FallbackLine(const DeadLetterRecord& record, rd_kafka_resp_err_t error) {
  const std::string source =
      base::StrCat({record.source_topic, "/", std::to_string(record.source_partition)});
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  Put(w, "time",
      event::FormatEventTime(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()));
  Put(w, "source", source);
  Put(w, "position", base::StrCat({source, " @", std::to_string(record.source_offset)}));
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

// The message for one record. `numbers` keeps the decimal header texts alive until produced.
std::vector<rd_kafka_vu_t> MessageOf(const std::string& topic, const DeadLetterRecord& record,
                                     std::array<std::string, 3>& numbers) {
  numbers = {std::to_string(record.source_partition), std::to_string(record.source_offset),
             std::to_string(record.source_timestamp_ms)};
  return {TopicArg(topic),
          BytesArg(RD_KAFKA_VTYPE_VALUE, record.raw),
          HeaderArg("reason", record.reason),
          HeaderArg("error", record.error),
          HeaderArg("source_topic", record.source_topic),
          HeaderArg("source_partition", numbers[0]),
          HeaderArg("source_offset", numbers[1]),
          HeaderArg("source_timestamp", numbers[2]),
          HeaderArg("truncated", record.truncated ? "true" : "false")};
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
  std::array<std::string, 3> numbers;
  for (size_t i = 0; i < entries.size(); ++i) {
    const rd_kafka_resp_err_t refused =
        producer_->Produce(MessageOf(options_.topic, entries[i].record, numbers), entries[i].seq,
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
