// bench/bench_kafka.cc: librdkafka's C API, as the daemon uses it (Debian's 2.0.2).
#include "bench/bench_kafka.h"

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "bench/cloudtrail_lines.h"
#include "pipeline/base/str_cat.h"

namespace trailhound::bench {
namespace {

constexpr int kQueryTimeoutMs = 5000;

rd_kafka_conf_t* MakeConf(const std::vector<std::pair<std::string, std::string>>& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[256];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "bench: kafka property %s: %s\n", name.c_str(), error);
    }
  }
  return conf;
}

rd_kafka_t* MakeClient(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char error[256];
  rd_kafka_t* rk = rd_kafka_new(type, conf, error, sizeof error);
  if (rk == nullptr) {
    std::fprintf(stderr, "bench: rd_kafka_new: %s\n", error);
    rd_kafka_conf_destroy(conf);
  }
  return rk;
}

// "2026-11-23T20:45:01.123Z" (milliseconds optional) as epoch nanoseconds; 0 if malformed.
int64_t ParseAlertTime(std::string_view text) {
  std::tm tm{};
  int millis = 0;
  const std::string copy(text);
  const int got = std::sscanf(copy.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
                              &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis);
  if (got < 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000'000 + int64_t{millis} * 1'000'000;
}

// The text of `"key":"..."` after `from`, or empty.
std::string_view StringAfter(std::string_view json, std::string_view key, std::size_t from = 0) {
  const std::size_t at = json.find(key, from);
  if (at == std::string_view::npos) {
    return {};
  }
  const std::size_t begin = at + key.size();
  const std::size_t end = json.find('"', begin);
  return end == std::string_view::npos ? std::string_view{} : json.substr(begin, end - begin);
}

// One keyless message (the default partitioner spreads those randomly); waits out a full
// queue. False when librdkafka refuses it.
bool ProduceOne(rd_kafka_t* rk, const std::string& topic, const std::string& value) {
  rd_kafka_vu_t vus[3] = {};
  vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  vus[0].u.cstr = topic.c_str();
  vus[1].vtype = RD_KAFKA_VTYPE_VALUE;
  vus[1].u.mem.ptr = const_cast<char*>(value.data());
  vus[1].u.mem.size = value.size();
  vus[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vus[2].u.i = RD_KAFKA_MSG_F_COPY;
  for (;;) {
    rd_kafka_error_t* error = rd_kafka_produceva(rk, vus, 3);
    if (error == nullptr) {
      return true;
    }
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return false;
    }
    rd_kafka_poll(rk, 1);
  }
}

}  // namespace

int64_t RealtimeNanos() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

KafkaProbe::KafkaProbe(const std::string& bootstrap, const std::string& group) : group_(group) {
  rk_ = MakeClient(RD_KAFKA_CONSUMER, MakeConf({{"bootstrap.servers", bootstrap},
                                                {"group.id", group},
                                                {"enable.auto.commit", "false"}}));
}

KafkaProbe::~KafkaProbe() {
  if (rk_ != nullptr) {
    rd_kafka_destroy(rk_);
  }
}

std::vector<Watermarks> KafkaProbe::QueryWatermarks(const std::string& topic, int partitions) {
  std::vector<Watermarks> marks(static_cast<std::size_t>(partitions));
  for (int p = 0; p < partitions; ++p) {
    Watermarks& mark = marks[static_cast<std::size_t>(p)];
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk_, topic.c_str(), p, &mark.low, &mark.high, kQueryTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "bench: watermarks of %s[%d]: %s\n", topic.c_str(), p,
                   rd_kafka_err2str(err));
      return {};
    }
  }
  return marks;
}

int64_t KafkaProbe::CommittedSum(const std::string& topic, int partitions) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  }
  int64_t sum = -1;
  if (rd_kafka_committed(rk_, list, kQueryTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    sum = 0;
    for (int i = 0; i < list->cnt; ++i) {
      sum += list->elems[i].offset > 0 ? list->elems[i].offset : 0;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  return sum;
}

PacedProduceResult ProducePaced(const std::string& bootstrap, const std::string& topic,
                                int events_per_second, double warmup_seconds, double seconds,
                                int match_every) {
  PacedProduceResult result;
  rd_kafka_t* rk = MakeClient(RD_KAFKA_PRODUCER, MakeConf({{"bootstrap.servers", bootstrap},
                                                           {"linger.ms", "5"},
                                                           {"compression.type", "lz4"}}));
  if (rk == nullptr) {
    return result;
  }
  // One tick a millisecond, each producing its share of the second; the remainder spreads over
  // the ticks so the rate holds for any events_per_second.
  CloudTrailLines lines(0x1a7e5c, match_every);
  const auto start = std::chrono::steady_clock::now();
  const auto warmup_ticks = static_cast<int64_t>(warmup_seconds * 1000);
  const auto ticks = warmup_ticks + static_cast<int64_t>(seconds * 1000);
  std::string line;
  int64_t sent = 0;
  auto measured_start = start;
  for (int64_t tick = 0; tick < ticks; ++tick) {
    std::this_thread::sleep_until(start + std::chrono::milliseconds(tick));
    const bool warmup = tick < warmup_ticks;
    if (tick == warmup_ticks) {
      measured_start = std::chrono::steady_clock::now();
    }
    const int64_t due = (tick + 1) * events_per_second / 1000;
    for (; sent < due; ++sent) {
      line.clear();
      const std::string agent = base::StrCat(
          {warmup ? "th-bench-warmup/" : "th-bench-latency/", std::to_string(RealtimeNanos())});
      const bool matching = lines.AppendNext(line, agent);
      line.pop_back();  // the newline
      result.failed += ProduceOne(rk, topic, line) ? 0 : 1;
      (warmup ? result.warmup_events : result.produced) += 1;
      result.matching += !warmup && matching ? 1 : 0;
    }
    rd_kafka_poll(rk, 0);
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - measured_start).count();
  if (rd_kafka_flush(rk, 30'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result.failed += static_cast<uint64_t>(rd_kafka_outq_len(rk));
  }
  rd_kafka_destroy(rk);
  return result;
}

AlertLatencies ReadAlertLatencies(const std::string& bootstrap, const std::string& topic,
                                  int64_t start_offset, const std::string& rule_id,
                                  const std::atomic<bool>& stop,
                                  const std::atomic<int64_t>& expected, int grace_ms) {
  AlertLatencies out;
  rd_kafka_t* rk = MakeClient(RD_KAFKA_CONSUMER, MakeConf({{"bootstrap.servers", bootstrap},
                                                           {"group.id", "th-bench-alert-reader"},
                                                           {"enable.auto.commit", "false"},
                                                           {"fetch.wait.max.ms", "10"}}));
  if (rk == nullptr) {
    return out;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), 0)->offset = start_offset;
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);

  const std::string rule_key = R"("rule":{"id":")" + rule_id + '"';
  std::chrono::steady_clock::time_point stop_seen{};
  for (;;) {
    if (stop.load()) {
      const auto now = std::chrono::steady_clock::now();
      if (stop_seen == std::chrono::steady_clock::time_point{}) {
        stop_seen = now;
      }
      const int64_t want = expected.load();
      if ((want >= 0 && static_cast<int64_t>(out.read_ms.size()) >= want) ||
          now - stop_seen > std::chrono::milliseconds(grace_ms)) {
        break;
      }
    }
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk, 50);
    if (message == nullptr) {
      continue;
    }
    const int64_t read_ns = RealtimeNanos();
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::string_view json(static_cast<const char*>(message->payload), message->len);
      const std::string_view agent = StringAfter(json, R"("userAgent":"th-bench-latency/)");
      if (json.find(rule_key) == std::string_view::npos || agent.empty()) {
        ++out.other_alerts;
      } else {
        const int64_t produced_ns = std::stoll(std::string(agent));
        out.read_ms.push_back(static_cast<double>(read_ns - produced_ns) / 1e6);
        const int64_t alert_ns = ParseAlertTime(StringAfter(json, R"("time":")"));
        out.alert_time_ms.push_back(static_cast<double>(alert_ns - produced_ns) / 1e6);
      }
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace trailhound::bench
