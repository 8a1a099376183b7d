// pipeline/dead_letter_kafka.cc: see dead_letter_kafka.h. Headers carry text (numbers in
// decimal) so kcat and any consumer can read them without our code.
#include "pipeline/dead_letter_kafka.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

#include "pipeline/base/str_cat.h"

namespace trailhound::pipeline {
namespace {

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t chunk = 0;
    for (size_t j = 0; j < 3; ++j) {
      chunk = (chunk << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    }
    for (size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kAlphabet[(chunk >> (18 - 6 * j)) & 0x3f] : '=');
    }
  }
  return out;
}

// A JSON string literal; control characters escaped, other bytes passed through.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
      out.append(escaped);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string FallbackLine(const DeadLetterRecord& record, rd_kafka_resp_err_t error) {
  return base::StrCat({"{\"reason\":", JsonString(record.reason),
                       ",\"error\":", JsonString(record.error),
                       ",\"source_topic\":", JsonString(record.source_topic),
                       ",\"source_partition\":", std::to_string(record.source_partition),
                       ",\"source_offset\":", std::to_string(record.source_offset),
                       ",\"source_timestamp_ms\":", std::to_string(record.source_timestamp_ms),
                       ",\"truncated\":", record.truncated ? "true" : "false",
                       ",\"kafka_error\":", JsonString(rd_kafka_err2name(error)),
                       ",\"raw_b64\":", JsonString(Base64(record.raw)), "}\n"});
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
