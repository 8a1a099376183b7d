// bench/bench_daemon.cc: the whole daemon against `trailhound dev-broker` (issue #5): consume
// throughput beside kcat's in the same run, produce-to-alert latency at a steady rate, and the
// daemon's peak RSS. Figures are printed, never asserted. A standalone program (no Google
// Benchmark: one run is minutes of real processes, not a loop to repeat).
//
// Throughput is measured in rounds because the mock cluster keeps only ~5 MB of message sets
// per partition (DESIGN.md "Real components"): each round preloads as many events as the
// topic holds while the daemon is stopped (SIGSTOP, after it joined its group), checks with
// the watermarks that none was dropped, then lets the daemon go (SIGCONT) and times it until
// its group's committed offsets reach the high watermarks. Committed offsets move only after
// a batch is durable in RocksDB (AT-LEAST-ONCE.md §0), so this is the rate of stored events.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_child.h"
#include "bench/bench_kafka.h"
#include "bench/cloudtrail_lines.h"
#include "bench/daemon_under_bench.h"

namespace trailhound::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kPartitions = 64;
constexpr auto kToolTimeout = std::chrono::seconds(120);
constexpr auto kConsumeTimeout = std::chrono::seconds(180);

// Environment knobs; the defaults keep one run under about five minutes on 2 cores.
struct BenchOptions {
  int64_t events_per_round = 0;
  int64_t target_events = 0;
  int match_every = 0;
  int latency_rate = 0;
  double latency_seconds = 0;
  double latency_warmup_seconds = 0;
  int latency_match_every = 0;
  bool power = false;
  bool sigmahq = false;
  bool keep = false;
  bool perf = false;
  EventTimes event_times = EventTimes::kInOrder;
};

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::atoll(value) : fallback;
}

BenchOptions ReadOptions() {
  BenchOptions o;
  o.events_per_round = EnvInt("TH_BENCH_EVENTS_PER_ROUND", 512'000);
  o.target_events = EnvInt("TH_BENCH_TARGET_EVENTS", 1'000'000);
  o.match_every = static_cast<int>(EnvInt("TH_BENCH_MATCH_EVERY", 1000));
  o.latency_rate = static_cast<int>(EnvInt("TH_BENCH_LATENCY_RATE", 10'000));
  o.latency_seconds = static_cast<double>(EnvInt("TH_BENCH_LATENCY_SECONDS", 20));
  o.latency_warmup_seconds = static_cast<double>(EnvInt("TH_BENCH_LATENCY_WARMUP_SECONDS", 3));
  o.latency_match_every = static_cast<int>(EnvInt("TH_BENCH_LATENCY_MATCH_EVERY", 10));
  o.power = EnvInt("TH_BENCH_POWER", 1) != 0;
  o.sigmahq = EnvInt("TH_BENCH_SIGMAHQ", 1) != 0 && fs::is_directory(kSigmaHqAwsRules);
  o.keep = EnvInt("TH_BENCH_KEEP", 0) != 0;
  o.perf = EnvInt("TH_BENCH_PERF", 0) != 0;
  const char* times = std::getenv("TH_BENCH_EVENT_TIMES");
  o.event_times = times != nullptr && std::string_view(times) == "random" ? EventTimes::kRandom
                                                                          : EventTimes::kInOrder;
  return o;
}

double SecondsSince(BenchClock::time_point start) {
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

// One preload: how many events went in, and how many of them the mock dropped before anyone
// read them (a low watermark above where this round began).
struct Preload {
  int64_t events = 0;
  int64_t alerting = 0;
  int64_t dropped = 0;
  int64_t target_offset_sum = 0;  // sum of high watermarks after the round
  int64_t min_partition = 0;
  int64_t max_partition = 0;
  double seconds = 0;
  bool ok = false;
};

// Generates `count` events into `kcat -P -z lz4`. Keyless messages go to a random partition
// each once the sticky partitioner is off (it would fill one partition per linger period, and
// the mock's per-partition limit would drop from the fullest).
Preload ProduceWithKcat(const std::string& dir, const std::string& bootstrap, KafkaProbe& probe,
                        int64_t count, uint64_t seed, int match_every, EventTimes times) {
  Preload preload;
  const std::vector<Watermarks> before = probe.QueryWatermarks("cloudtrail", kPartitions);
  BenchChild kcat;
  const auto start = BenchClock::now();
  if (before.empty() ||
      !kcat.Start(
          {"kcat", "-P", "-b", bootstrap, "-t", "cloudtrail", "-z", "lz4", "-X", "linger.ms=20",
           "-X", "queue.buffering.max.kbytes=262144", "-X", "sticky.partitioning.linger.ms=0"},
          dir + "/kcat-produce.out", dir + "/kcat-produce.err", /*stdin_pipe=*/true)) {
    std::fprintf(stderr, "bench: cannot start kcat -P: %s\n", kcat.error().c_str());
    return preload;
  }
  CloudTrailLines lines(seed, match_every, times);
  std::string chunk;
  bool written = true;
  for (int64_t i = 0; i < count && written; ++i) {
    preload.alerting += lines.AppendNext(chunk) ? 1 : 0;
    if (chunk.size() >= (4 << 20) || i + 1 == count) {
      written = kcat.WriteStdin(chunk);
      chunk.clear();
    }
  }
  kcat.CloseStdin();
  const ChildExit exit = kcat.Wait(BenchClock::now() + kToolTimeout);
  preload.seconds = SecondsSince(start);
  const std::vector<Watermarks> after = probe.QueryWatermarks("cloudtrail", kPartitions);
  if (!written || exit.code != 0 || after.empty()) {
    std::fprintf(stderr, "bench: kcat -P failed (exit %d):\n%s\n", exit.code.value_or(-1),
                 ReadWholeFile(dir + "/kcat-produce.err").c_str());
    return preload;
  }
  preload.min_partition = INT64_MAX;
  for (std::size_t p = 0; p < after.size(); ++p) {
    const int64_t added = after[p].high - before[p].high;
    preload.events += added;
    preload.dropped += std::max<int64_t>(0, after[p].low - before[p].high);
    preload.target_offset_sum += after[p].high;
    preload.min_partition = std::min(preload.min_partition, added);
    preload.max_partition = std::max(preload.max_partition, added);
  }
  preload.ok = preload.events == count;
  return preload;
}

struct KcatBaseline {
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t events = 0;
};

KcatBaseline ReadWithKcat(const std::string& dir, const std::string& bootstrap, int64_t events) {
  KcatBaseline baseline;
  BenchChild kcat;
  const auto start = BenchClock::now();
  if (!kcat.Start(
          {"kcat", "-C", "-b", bootstrap, "-t", "cloudtrail", "-o", "beginning", "-e", "-q"},
          "/dev/null", dir + "/kcat-consume.err")) {
    return baseline;
  }
  const ChildExit exit = kcat.Wait(BenchClock::now() + kToolTimeout);
  baseline.seconds = SecondsSince(start);
  baseline.cpu_seconds = exit.cpu_seconds;
  baseline.events = exit.code == 0 ? events : 0;
  return baseline;
}

// The daemon's figures for one durability mode.
struct ThroughputRun {
  std::string durability;
  double join_seconds = 0;
  int rounds = 0;
  int64_t events = 0;
  int64_t dropped = 0;
  double consume_seconds = 0;
  double cpu_seconds = 0;
  std::vector<double> round_rates;
  KcatBaseline kcat;  // round 1 only: later rounds share the topic with older leftovers
  double produce_rate = 0;
  int64_t alerting = 0;
  double metrics_consumed = -1;
  ThreadCpu thread_cpu;  // during the rounds only
  double main_running_seconds = 0;
  double main_runnable_seconds = 0;
  MemoryFigures memory;
  bool complete = true;
};

// With TH_BENCH_PERF=1, `perf record -g` on the daemon during round 1's consume, into
// <daemon dir>/perf.data (kept with TH_BENCH_KEEP=1): where the daemon's time goes.
std::unique_ptr<BenchChild> StartPerf(const DaemonUnderBench& daemon, const BenchOptions& options,
                                      int round) {
  if (!options.perf || round != 1) {
    return nullptr;
  }
  auto perf = std::make_unique<BenchChild>();
  if (!perf->Start({"perf", "record", "-F", "499", "-g", "-p", std::to_string(daemon.pid()), "-o",
                    daemon.dir() + "/perf.data"},
                   daemon.dir() + "/perf.out", daemon.dir() + "/perf.err")) {
    std::fprintf(stderr, "bench: %s\n", perf->error().c_str());
    return nullptr;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // perf attaches
  return perf;
}

void StopPerf(const std::unique_ptr<BenchChild>& perf) {
  if (perf != nullptr) {
    perf->Signal(SIGINT);
    perf->Wait(BenchClock::now() + std::chrono::seconds(30));
  }
}

// One round: preload while the daemon is stopped, then time it until it has stored them all.
bool RunRound(DaemonUnderBench& daemon, const std::string& bootstrap, KafkaProbe& probe,
              const BenchOptions& options, int round, ThroughputRun& run) {
  const Preload preload = ProduceWithKcat(daemon.dir(), bootstrap, probe, options.events_per_round,
                                          1000 + round, options.match_every, options.event_times);
  if (!preload.ok) {
    std::fprintf(stderr, "bench: round %d preload put %lld of %lld events\n", round,
                 static_cast<long long>(preload.events),
                 static_cast<long long>(options.events_per_round));
    return false;
  }
  std::printf(
      "  round %d: %lld events preloaded in %.1f s (%lld..%lld per partition, %lld "
      "dropped by the mock)",
      round, static_cast<long long>(preload.events), preload.seconds,
      static_cast<long long>(preload.min_partition), static_cast<long long>(preload.max_partition),
      static_cast<long long>(preload.dropped));
  run.dropped += preload.dropped;
  run.alerting += preload.alerting;
  if (round == 1) {
    run.produce_rate = static_cast<double>(preload.events) / preload.seconds;
    run.kcat = ReadWithKcat(daemon.dir(), bootstrap, preload.events);
  }
  const double cpu_before = daemon.CpuSeconds();
  const ThreadCpu threads_before = daemon.CpuByThread();
  const MainThreadSched main_before = daemon.MainThread();
  std::unique_ptr<BenchChild> perf = StartPerf(daemon, options, round);
  const auto start = BenchClock::now();
  daemon.Resume();
  const bool done = daemon.WaitForCommitted(probe, preload.target_offset_sum,
                                            BenchClock::now() + kConsumeTimeout);
  const double seconds = SecondsSince(start);
  daemon.Pause();
  StopPerf(perf);
  const MainThreadSched main_after = daemon.MainThread();
  run.main_running_seconds += main_after.running_seconds - main_before.running_seconds;
  run.main_runnable_seconds += main_after.runnable_seconds - main_before.runnable_seconds;
  run.cpu_seconds += daemon.CpuSeconds() - cpu_before;
  for (const auto& [name, cpu] : daemon.CpuByThread()) {
    const auto before = threads_before.find(name);
    run.thread_cpu[name] += cpu - (before == threads_before.end() ? 0 : before->second);
  }
  run.consume_seconds += seconds;
  run.events += preload.events;
  run.round_rates.push_back(static_cast<double>(preload.events) / seconds);
  std::printf(", daemon stored them in %.2f s\n", seconds);
  std::fflush(stdout);
  return done;
}

ThroughputRun MeasureThroughput(DaemonUnderBench& daemon, const std::string& bootstrap,
                                const BenchOptions& options, int rounds) {
  ThroughputRun run;
  run.durability = daemon.durability();
  run.join_seconds = daemon.join_seconds();
  KafkaProbe probe(bootstrap, daemon.group());
  daemon.Pause();
  for (int round = 1; round <= rounds; ++round) {
    if (!RunRound(daemon, bootstrap, probe, options, round, run)) {
      run.complete = false;
      break;
    }
    ++run.rounds;
  }
  daemon.Resume();
  run.metrics_consumed = daemon.WaitForMetricsConsumed(static_cast<double>(run.events));
  run.memory = daemon.Memory();
  return run;
}

struct LatencyRun {
  PacedProduceResult produced;
  AlertLatencies alerts;
  bool daemon_caught_up = false;
};

LatencyRun MeasureLatency(DaemonUnderBench& daemon, const std::string& bootstrap,
                          const BenchOptions& options) {
  LatencyRun run;
  KafkaProbe probe(bootstrap, daemon.group());
  const std::vector<Watermarks> alerts_before = probe.QueryWatermarks("trailhound-alerts", 1);
  if (alerts_before.empty()) {
    return run;
  }
  std::atomic<bool> stop{false};
  std::atomic<int64_t> expected{-1};
  std::thread reader([&] {
    run.alerts = ReadAlertLatencies(bootstrap, "trailhound-alerts", alerts_before[0].high,
                                    kBenchRuleId, stop, expected, /*grace_ms=*/30'000);
  });
  run.produced =
      ProducePaced(bootstrap, "cloudtrail", options.latency_rate, options.latency_warmup_seconds,
                   options.latency_seconds, options.latency_match_every);
  expected = static_cast<int64_t>(run.produced.matching);
  stop = true;
  reader.join();
  const std::vector<Watermarks> marks = probe.QueryWatermarks("cloudtrail", kPartitions);
  int64_t high_sum = 0;
  for (const Watermarks& mark : marks) {
    high_sum += mark.high;
  }
  run.daemon_caught_up =
      daemon.WaitForCommitted(probe, high_sum, BenchClock::now() + std::chrono::seconds(30));
  return run;
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) {
    return NAN;
  }
  std::sort(values.begin(), values.end());
  const auto at = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(at, values.size() - 1)];
}

// /proc/loadavg's first three fields: other work on a shared machine skews every figure.
std::string LoadAverage() {
  const std::string text = ReadWholeFile("/proc/loadavg");
  std::size_t end = 0;
  for (int fields = 0; fields < 3 && end != std::string::npos; ++fields) {
    end = text.find(' ', end + 1);
  }
  return text.substr(0, end);
}

const char* Verdict(bool met) {
  return met ? "met" : "MISSED";
}

void PrintThroughput(const ThroughputRun& run) {
  const double daemon_rate = static_cast<double>(run.events) / run.consume_seconds;
  std::printf(
      "\nthroughput, durability %s: %d round(s) of preload-then-consume%s; load average "
      "now %s\n",
      run.durability.c_str(), run.rounds, run.complete ? "" : " (INCOMPLETE: see above)",
      LoadAverage().c_str());
  std::printf("  %-44s %12s %12s %14s\n", "", "events", "seconds", "events/s");
  if (run.kcat.events > 0) {
    std::printf("  %-44s %12lld %12.2f %14.0f   (%.2f us CPU/event)\n",
                "kcat -C -o beginning -e (round 1, baseline)",
                static_cast<long long>(run.kcat.events), run.kcat.seconds,
                static_cast<double>(run.kcat.events) / run.kcat.seconds,
                run.kcat.cpu_seconds * 1e6 / static_cast<double>(run.kcat.events));
    const double round1 = run.round_rates.empty() ? 0 : run.round_rates.front();
    std::printf("  %-44s %12lld %12.2f %14.0f\n", "trailhound run (round 1, same events)",
                static_cast<long long>(run.kcat.events),
                static_cast<double>(run.kcat.events) / round1, round1);
    std::printf("  ratio daemon/kcat, round 1: %.2f (target >= 0.5: %s)\n",
                round1 / (static_cast<double>(run.kcat.events) / run.kcat.seconds),
                Verdict(round1 >= 0.5 * static_cast<double>(run.kcat.events) / run.kcat.seconds));
  }
  std::printf("  %-44s %12lld %12.2f %14.0f   (%.2f us CPU/event)\n",
              "trailhound run (all rounds, summed)", static_cast<long long>(run.events),
              run.consume_seconds, daemon_rate,
              run.cpu_seconds * 1e6 / static_cast<double>(std::max<int64_t>(run.events, 1)));
  std::printf("  per round events/s:");
  for (const double rate : run.round_rates) {
    std::printf(" %.0f", rate);
  }
  std::printf(
      "\n  events dropped by the mock before being read: %lld; events meant to alert: "
      "%lld\n",
      static_cast<long long>(run.dropped), static_cast<long long>(run.alerting));
  std::printf(
      "  group join after start (not in the rates): %.2f s; kcat -P preload rate: %.0f "
      "events/s\n",
      run.join_seconds, run.produce_rate);
  std::printf("  /metrics trailhound_events_consumed_total: %.0f (produced %lld)\n",
              run.metrics_consumed, static_cast<long long>(run.events));
  std::vector<std::pair<double, std::string>> threads;
  for (const auto& [name, cpu] : run.thread_cpu) {
    threads.emplace_back(cpu, name);
  }
  std::sort(threads.rbegin(), threads.rend());
  std::printf("  daemon CPU by thread while consuming (us/event):");
  for (std::size_t i = 0; i < threads.size() && i < 8; ++i) {
    std::printf(" %s %.2f", threads[i].second.c_str(),
                threads[i].first * 1e6 / static_cast<double>(std::max<int64_t>(run.events, 1)));
  }
  std::printf(
      "\n  daemon main thread while consuming: %.0f%% on a CPU, %.0f%% runnable but waiting for "
      "one, %.0f%% blocked\n",
      100 * run.main_running_seconds / run.consume_seconds,
      100 * run.main_runnable_seconds / run.consume_seconds,
      100 * (1 - (run.main_running_seconds + run.main_runnable_seconds) / run.consume_seconds));
  std::printf("  memory: peak RSS (VmHWM) %.1f MiB, RSS now %.1f MiB (target < 512 MiB: %s)\n",
              run.memory.hwm_mib, run.memory.rss_mib, Verdict(run.memory.hwm_mib < 512));
}

void PrintLatency(const LatencyRun& run, const BenchOptions& options, const char* label) {
  const AlertLatencies& a = run.alerts;
  std::printf(
      "\nlatency, %s:\n  after %llu warm-up events (not counted), %llu events in %.1f s (%.0f "
      "events/s, target %d), 1 in %d alerts, %llu produce failures\n",
      label, static_cast<unsigned long long>(run.produced.warmup_events),
      static_cast<unsigned long long>(run.produced.produced), run.produced.seconds,
      static_cast<double>(run.produced.produced) / run.produced.seconds, options.latency_rate,
      options.latency_match_every, static_cast<unsigned long long>(run.produced.failed));
  std::printf(
      "  alerts read back: %zu of %llu expected (%llu others: other rules, warm-up); daemon caught "
      "up with the topic: %s\n",
      a.read_ms.size(), static_cast<unsigned long long>(run.produced.matching),
      static_cast<unsigned long long>(a.other_alerts), run.daemon_caught_up ? "yes" : "NO");
  std::printf("  %-52s %9s %9s %9s %9s\n", "milliseconds", "p50", "p90", "p99", "max");
  std::printf("  %-52s %9.1f %9.1f %9.1f %9.1f\n", "produce -> alert read from trailhound-alerts",
              Percentile(a.read_ms, 0.5), Percentile(a.read_ms, 0.9), Percentile(a.read_ms, 0.99),
              Percentile(a.read_ms, 1));
  std::printf("  %-52s %9.1f %9.1f %9.1f %9.1f\n", "produce -> alert `time` (ms precision)",
              Percentile(a.alert_time_ms, 0.5), Percentile(a.alert_time_ms, 0.9),
              Percentile(a.alert_time_ms, 0.99), Percentile(a.alert_time_ms, 1));
  std::printf("  p99 produce -> alert read, target < 100 ms: %s\n",
              Verdict(Percentile(a.read_ms, 0.99) < 100));
}

void PrintHeader(int argc, char** argv, const BenchOptions& options, int rounds) {
  std::string command;
  for (int i = 0; i < argc; ++i) {
    command += i > 0 ? " " : "";
    command += argv[i];
  }
  std::printf("bench_daemon: %s\n", command.c_str());
  std::printf(
      "machine: nproc %u, load average %s; trailhound %s; kcat and the daemon share the "
      "cores\n",
      std::thread::hardware_concurrency(), LoadAverage().c_str(), kTrailhoundBin);
  std::printf(
      "knobs: TH_BENCH_EVENTS_PER_ROUND=%lld TH_BENCH_TARGET_EVENTS=%lld "
      "TH_BENCH_MATCH_EVERY=%d TH_BENCH_LATENCY_RATE=%d TH_BENCH_LATENCY_SECONDS=%.0f "
      "TH_BENCH_LATENCY_WARMUP_SECONDS=%.0f TH_BENCH_LATENCY_MATCH_EVERY=%d TH_BENCH_POWER=%d "
      "TH_BENCH_SIGMAHQ=%d TH_BENCH_EVENT_TIMES=%s (also TH_BENCH_KEEP, TH_BENCH_PERF, "
      "TH_BENCH_DAEMON_PROPERTIES)\n",
      static_cast<long long>(options.events_per_round),
      static_cast<long long>(options.target_events), options.match_every, options.latency_rate,
      options.latency_seconds, options.latency_warmup_seconds, options.latency_match_every,
      options.power ? 1 : 0, options.sigmahq ? 1 : 0,
      options.event_times == EventTimes::kRandom ? "random" : "in-order");
  std::printf("rules: the bench rule (StopLogging / DeleteTrail)%s\n",
              options.sigmahq ? " + SigmaHQ's AWS CloudTrail rules (the real workload) but "
                                "aws_sts_assumerole_misuse.yml, which alerts on every "
                                "assumed-role record"
                              : " only");
  std::printf(
      "the mock keeps ~5 MB of message sets per partition, so %lld events go in %d "
      "round(s) of %lld over %d partitions (lz4)\n",
      static_cast<long long>(options.target_events), rounds,
      static_cast<long long>(options.events_per_round), kPartitions);
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  const BenchOptions options = ReadOptions();
  const int rounds = static_cast<int>(std::max<int64_t>(
      1, (options.target_events + options.events_per_round - 1) / options.events_per_round));
  PrintHeader(argc, argv, options, rounds);
  BenchDir dir(options.keep);

  std::optional<ThroughputRun> process_run;
  {
    DevBroker broker(dir.path() + "/broker-process");
    DaemonUnderBench daemon(dir.path() + "/daemon-process", broker.bootstrap(), "bench-process",
                            "process", options.sigmahq);
    if (broker.bootstrap().empty() || !daemon.Start()) {
      return 1;
    }
    process_run = MeasureThroughput(daemon, broker.bootstrap(), options, rounds);
    PrintThroughput(*process_run);
    PrintLatency(MeasureLatency(daemon, broker.bootstrap(), options), options,
                 "the daemon's consumer defaults (fetch.wait.max.ms 100)");
    daemon.Stop();
  }
  {
    // The 2.0.2 mock answers a Fetch that finds no data only after the whole fetch.wait.max.ms,
    // even when data arrives meanwhile (rdkafka_mock_handlers.c: "This isn't strictly correct
    // ..."); a real broker answers as soon as fetch.min.bytes are there. A daemon with a short
    // wait, on a broker of its own (a new group on the old one would replay the topic), shows
    // the latency without that artefact.
    DevBroker broker(dir.path() + "/broker-fetch-wait");
    DaemonUnderBench daemon(dir.path() + "/daemon-fetch-wait", broker.bootstrap(),
                            "bench-fetch-wait", "process", options.sigmahq);
    if (broker.bootstrap().empty() || !daemon.Start("fetch.wait.max.ms=10")) {
      return 1;
    }
    PrintLatency(MeasureLatency(daemon, broker.bootstrap(), options), options,
                 "durability process, fetch.wait.max.ms=10");
    daemon.Stop();
  }
  if (options.power) {
    DevBroker broker(dir.path() + "/broker-power");
    DaemonUnderBench daemon(dir.path() + "/daemon-power", broker.bootstrap(), "bench-power",
                            "power", options.sigmahq);
    if (broker.bootstrap().empty() || !daemon.Start()) {
      return 1;
    }
    PrintThroughput(MeasureThroughput(daemon, broker.bootstrap(), options, 1));
    daemon.Stop();
  }
  return 0;
}

}  // namespace
}  // namespace trailhound::bench

int main(int argc, char** argv) {
  return trailhound::bench::Main(argc, argv);
}
