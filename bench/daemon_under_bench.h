// bench/daemon_under_bench.h: the processes bench_daemon measures. DevBroker is `trailhound
// dev-broker` with the bench's topics; DaemonUnderBench is one `trailhound run` with its own
// directory (config, rules, state, alerts), consumer group and metrics port, which the bench
// pauses (SIGSTOP) while it preloads and resumes to time. Main thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "bench/bench_child.h"
#include "bench/bench_kafka.h"

namespace trailhound::bench {

inline constexpr char kTrailhoundBin[] = TH_TRAILHOUND_BIN;
inline constexpr char kSigmaHqAwsRules[] = TH_SHARED_DATA_DIR "/sigma/rules/cloud/aws/cloudtrail";
inline constexpr char kNoisySigmaHqRule[] = "aws_sts_assumerole_misuse.yml";
inline constexpr char kBenchRuleId[] = "6c2d0c1e-5b4f-4f55-9d8e-0b3c1a2e7f01";

// A directory under /tmp for one run, removed afterwards unless `keep`.
class BenchDir {
 public:
  explicit BenchDir(bool keep);
  ~BenchDir();
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool keep_;
};

// `trailhound dev-broker` with cloudtrail:64, trailhound-alerts:1, trailhound-dead-letters:1.
// bootstrap() is empty when it did not start (the reason is printed).
class DevBroker {
 public:
  explicit DevBroker(const std::string& dir);
  ~DevBroker();
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  BenchChild child_;
  std::string bootstrap_;
};

// CPU seconds (user + system) by thread name; threads of one name are summed.
using ThreadCpu = std::map<std::string, double>;

// The main thread's time on a CPU and waiting in a run queue for one (/proc/PID/schedstat):
// the rest of the wall time it was blocked.
struct MainThreadSched {
  double running_seconds = 0;
  double runnable_seconds = 0;
};

struct MemoryFigures {
  double hwm_mib = 0;  // VmHWM: the peak resident set
  double rss_mib = 0;  // VmRSS when read
};

class DaemonUnderBench {
 public:
  DaemonUnderBench(std::string dir, std::string bootstrap, std::string group,
                   std::string durability, bool sigmahq);

  // Writes the rules and config, starts the daemon and waits until its group has assigned it
  // the partitions. False (with its log printed) when it does not get there.
  // `extra_properties` ("name=value,...") are librdkafka consumer properties for this start;
  // they override the bench's. (A second Start of one group waits for the mock to expire the
  // first member, the whole session timeout: use a new broker instead.)
  bool Start(const std::string& extra_properties = "");
  void Pause() { child_.Signal(SIGSTOP); }
  void Resume() { child_.Signal(SIGCONT); }
  // SIGTERM; prints the exit code and how long the shutdown took.
  void Stop();

  // Polls the group's committed offsets every 20 ms until their sum reaches `target`.
  bool WaitForCommitted(KafkaProbe& probe, int64_t target, BenchClock::time_point deadline);
  // trailhound_events_consumed_total from /metrics (published once a second): polled until it
  // reaches `expected` or 5 s pass; the last value read, -1 if none.
  double WaitForMetricsConsumed(double expected);
  // User + system CPU of the daemon so far, from /proc/PID/stat.
  double CpuSeconds() const;
  // The same by thread, from /proc/PID/task/*/stat and comm.
  ThreadCpu CpuByThread() const;
  MainThreadSched MainThread() const;
  MemoryFigures Memory() const;

  const std::string& dir() const { return dir_; }
  pid_t pid() const { return child_.pid(); }
  const std::string& group() const { return group_; }
  const std::string& durability() const { return durability_; }
  double join_seconds() const { return join_seconds_; }

 private:
  std::string Config() const;

  std::string dir_;
  std::string bootstrap_;
  std::string group_;
  std::string durability_;
  bool sigmahq_;
  std::string properties_;
  int starts_ = 0;
  int metrics_port_ = 0;
  double join_seconds_ = 0;
  BenchChild child_;
};

}  // namespace trailhound::bench
