// pipeline/sink_kafka.h: the Kafka alerts sink (AT-LEAST-ONCE.md §1, §7). Each outbox entry
// becomes one message in FORMATS.md §7's shape: key = alert id, value = the alert JSON,
// headers th-schema, th-rule, th-level and th-account (each of the last three only when the
// alert has it), produced by an idempotent producer with no message timeout. An entry counts as
// confirmed only by its delivery report (err == 0), never by the return of produce. Recover reads
// the topic's tail back, so alerts delivered just before a crash are acknowledged instead of sent
// again.
//
// Threads: one sink worker calls Recover and Deliver; Stop may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/base/result.h"
#include "pipeline/base/status.h"
#include "pipeline/kafka_producer.h"
#include "pipeline/sink.h"
#include "pipeline/store.h"

namespace trailhound::pipeline {

struct KafkaSinkOptions {
  std::string name = "kafka";  // sink name: store queue and metric label
  std::string brokers;         // bootstrap.servers
  std::string topic;
  // librdkafka properties applied after the defaults (security, tuning); also given to the
  // read-back consumer.
  KafkaProperties properties;
  std::chrono::milliseconds queue_full_backoff{100};
  // Read-back bounds; see kafka_read_back.h.
  int64_t recover_max_messages_per_partition = 100'000;
  size_t recover_max_bytes_per_partition = size_t{64} << 20;
  std::chrono::milliseconds recover_timeout{15'000};
};

class KafkaAlertSink final : public AlertSink {
 public:
  // Fails on an invalid property or an empty broker list or topic; does not contact a broker.
  static base::Result<std::unique_ptr<KafkaAlertSink>> Create(KafkaSinkOptions options);
  ~KafkaAlertSink() override;

  std::string_view name() const override { return options_.name; }

  // Reads back the tail of the topic and reports the pending entries whose alert id is a key
  // there. On an incomplete read-back, appends what it found and returns kUnavailable.
  base::Status Recover(const std::vector<OutboxEntry>& pending,
                       std::vector<uint64_t>& already_delivered) override;

  // Produces every entry, then serves delivery reports until each has one or Stop() is called;
  // returns the confirmed prefix. A failed report ends the prefix there: when the prefix is
  // empty the failure is the error; otherwise the prefix is returned and the next call, which
  // starts at the failed entry, reports it. A fatal producer error recreates the producer on
  // the next call (the entries stay in the outbox).
  base::Result<size_t> Deliver(const std::vector<OutboxEntry>& entries) override;
  // `kafka:<partition>=<offset>,...`: per partition, the highest offset of a confirmed alert
  // (this run's, or the recorded position's where this run wrote none).
  std::string RecoveryPosition() const override;
  void SetRecordedPosition(std::string_view position) override;

  // Makes Deliver return within ~50 ms and every later call return 0 at once.
  void Stop() override { stop_.store(true, std::memory_order_relaxed); }

 private:
  explicit KafkaAlertSink(KafkaSinkOptions options) : options_(std::move(options)) {}
  base::Status EnsureProducer();
  base::Result<size_t> ConfirmedPrefix(const std::vector<OutboxEntry>& entries, size_t produced,
                                       rd_kafka_resp_err_t refused);

  KafkaSinkOptions options_;
  std::unique_ptr<KafkaProducer> producer_;
  // Partition -> highest offset of a confirmed alert (RecoveryPosition), seeded by
  // SetRecordedPosition; and the recorded one alone, which Recover reads after.
  std::map<int32_t, int64_t> confirmed_offsets_;
  std::map<int32_t, int64_t> recorded_offsets_;
  std::atomic<bool> stop_{false};
};

}  // namespace trailhound::pipeline
