// bench/bench_kafka.h: what bench_daemon asks Kafka directly, through librdkafka's C API:
// watermarks of a topic, a group's committed offsets, a paced
// producer for the latency phase and a reader of the alerts topic. Each object is used from
// one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

namespace trailhound::bench {

struct Watermarks {
  int64_t low = 0;
  int64_t high = 0;
};

// A consumer handle that never subscribes: it only queries metadata and offsets, as `group`.
class KafkaProbe {
 public:
  KafkaProbe(const std::string& bootstrap, const std::string& group);
  ~KafkaProbe();
  KafkaProbe(const KafkaProbe&) = delete;
  KafkaProbe& operator=(const KafkaProbe&) = delete;

  // Low and high watermark of each partition, or empty on error (printed).
  std::vector<Watermarks> QueryWatermarks(const std::string& topic, int partitions);
  // The sum over partitions of the group's committed offsets (an uncommitted one counts as
  // 0), or -1 when the query failed.
  int64_t CommittedSum(const std::string& topic, int partitions);

 private:
  rd_kafka_t* rk_ = nullptr;
  std::string group_;
};

// Produces CloudTrail lines at a fixed rate; each carries its produce time (CLOCK_REALTIME ns)
// in userAgent as `th-bench-latency/<ns>`, which the alert copies. The first `warmup_seconds`
// are marked `th-bench-warmup/<ns>` instead and are not counted: a daemon's first second
// (first fetches, offset lookups, RocksDB's first memtable) is not its steady state.
struct PacedProduceResult {
  uint64_t produced = 0;  // after the warm-up
  uint64_t matching = 0;  // after the warm-up
  uint64_t warmup_events = 0;
  uint64_t failed = 0;
  double seconds = 0;  // after the warm-up
};
PacedProduceResult ProducePaced(const std::string& bootstrap, const std::string& topic,
                                int events_per_second, double warmup_seconds, double seconds,
                                int match_every);

// Reads the alerts topic from `start_offset`, keeps the alerts of rule `rule_id` that carry a
// produce time, and records for each: (read time - produce time) and (alert `time` - produce
// time), in milliseconds. Runs until `stop` is set and `expected` is known and reached, or
// until `stop` has been set for `grace_ms`.
struct AlertLatencies {
  std::vector<double> read_ms;
  std::vector<double> alert_time_ms;
  uint64_t other_alerts = 0;
};
AlertLatencies ReadAlertLatencies(const std::string& bootstrap, const std::string& topic,
                                  int64_t start_offset, const std::string& rule_id,
                                  const std::atomic<bool>& stop,
                                  const std::atomic<int64_t>& expected, int grace_ms);

int64_t RealtimeNanos();

}  // namespace trailhound::bench
