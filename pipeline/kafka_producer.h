// pipeline/kafka_producer.h: the librdkafka producer the Kafka alert sink and the dead-letter
// producer share (AT-LEAST-ONCE.md §1, §7, §8): idempotent, no message timeout, and delivery
// reports matched to outbox seqs through the per-message opaque. A "round" is one Deliver call:
// reports for seqs outside the current round (a stopped earlier round) are ignored.
//
// Threads: one thread (the owning sink worker) calls everything; delivery reports run inside
// its rd_kafka_poll calls. Only the `stop` flags passed in are written by other threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "pipeline/base/result.h"
#include "pipeline/base/status.h"

namespace trailhound::pipeline {

using KafkaProperties = std::map<std::string, std::string>;

// The producer settings of AT-LEAST-ONCE.md §1 for `brokers`, then `overrides` on top.
KafkaProperties ProducerProperties(const std::string& brokers, const KafkaProperties& overrides);

// Applies `properties` to a new conf; an unknown or invalid property is an error naming it.
// The conf logs librdkafka's warnings and errors through spdlog, not straight to stderr.
base::Result<rd_kafka_conf_t*> NewKafkaConf(const KafkaProperties& properties);

class KafkaProducer {
 public:
  static base::Result<std::unique_ptr<KafkaProducer>> Create(const KafkaProperties& properties);
  // Purges what is still queued (it stays in the outbox) and destroys the handle.
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Starts a round for these seqs, in order; report(i) refers to seqs[i].
  void BeginRound(const std::vector<uint64_t>& seqs);

  // Queues one message of the round (`vus` without the opaque; it is added here). On
  // __QUEUE_FULL serves delivery reports for `backoff` and tries again until `stop`. Returns
  // the error librdkafka refused it with, or NO_ERROR once queued.
  rd_kafka_resp_err_t Produce(std::vector<rd_kafka_vu_t> vus, uint64_t seq,
                              const std::atomic<bool>& stop, std::chrono::milliseconds backoff);

  // Serves delivery reports until `produced` messages of the round have one, `stop` is set, or
  // a fatal error is raised.
  void AwaitReports(size_t produced, const std::atomic<bool>& stop);

  // The delivery report of seqs[index], if it has arrived.
  std::optional<rd_kafka_resp_err_t> report(size_t index) const { return reports_[index]; }
  // Where seqs[index] landed, from its delivery report: (partition, offset); offset -1 unknown.
  std::pair<int32_t, int64_t> landed(size_t index) const { return landed_[index]; }

  // Non-OK once librdkafka has raised a fatal error (idempotence broken): the handle is
  // useless and the owner creates a new producer.
  base::Status FatalError() const;

  rd_kafka_t* handle() { return rk_; }

 private:
  KafkaProducer() = default;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);

  rd_kafka_t* rk_ = nullptr;
  std::unordered_map<uint64_t, size_t> round_;  // seq -> index in the round
  std::vector<std::optional<rd_kafka_resp_err_t>> reports_;
  std::vector<std::pair<int32_t, int64_t>> landed_;
  size_t reported_ = 0;
};

// Produce arguments. The bytes are copied by librdkafka (RD_KAFKA_MSG_F_COPY), so they need to
// live only until Produce returns.
rd_kafka_vu_t TopicArg(const std::string& topic);
rd_kafka_vu_t BytesArg(rd_kafka_vtype_t type, std::string_view bytes);  // KEY or VALUE
rd_kafka_vu_t HeaderArg(const char* name, std::string_view value);

// Creates `producer` with ProducerProperties(brokers, overrides) unless it exists already (the
// sinks drop theirs after a fatal error and call this before the next round).
base::Status EnsureKafkaProducer(std::unique_ptr<KafkaProducer>& producer,
                                 const std::string& brokers, const KafkaProperties& overrides);

// Errors after which producing the same message again cannot succeed: the topic is missing or
// forbidden, or the message can never fit.
bool IsPermanentProduceError(rd_kafka_resp_err_t error);

}  // namespace trailhound::pipeline
