// bench/daemon_under_bench.cc: starting, pausing, watching and stopping the measured processes.
#include "bench/daemon_under_bench.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "pipeline/base/str_cat.h"

namespace trailhound::bench {
namespace {

namespace fs = std::filesystem;

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopTimeout = std::chrono::seconds(40);
constexpr auto kPollEvery = std::chrono::milliseconds(20);

constexpr char kBenchRule[] = R"(title: Bench - CloudTrail logging stopped or trail deleted
id: 6c2d0c1e-5b4f-4f55-9d8e-0b3c1a2e7f01
status: test
author: trailhound bench
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: cloudtrail.amazonaws.com
    eventName:
      - StopLogging
      - DeleteTrail
  condition: selection
level: high
)";

void WriteText(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A loopback port free right now: bound to port 0, read back and released. The metrics
// endpoint does not log the port it bound, so the bench chooses one and puts it in the config.
int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// GET /metrics over HTTP/1.0; the body, or empty on any failure within 2 s.
std::string ScrapeMetrics(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      const auto deadline = BenchClock::now() + std::chrono::seconds(2);
      pollfd polled{fd, POLLIN, 0};
      char buffer[65536];
      while (poll(&polled, 1, testing::MillisecondsLeft(deadline)) > 0) {
        const ssize_t got = read(fd, buffer, sizeof buffer);
        if (got <= 0) {
          break;
        }
        response.append(buffer, static_cast<std::size_t>(got));
      }
    }
  }
  close(fd);
  return response;
}

// The value of the first sample line starting with `prefix`, or -1.
double SampleValue(const std::string& metrics, const std::string& prefix) {
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(prefix)) {
      return std::atof(line.substr(line.rfind(' ') + 1).c_str());
    }
  }
  return -1;
}

std::string ProcFile(pid_t pid, std::string_view name) {
  return base::StrCat({"/proc/", std::to_string(pid), "/", name});
}

// "name=value,..." as YAML lines of sources.kafka.properties; a later value of a name wins.
std::string PropertiesYaml(const std::string& list) {
  std::map<std::string, std::string> properties;
  std::istringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    const std::size_t equals = item.find('=');
    if (equals != std::string::npos) {
      properties[item.substr(0, equals)] = item.substr(equals + 1);
    }
  }
  std::string yaml;
  for (const auto& [name, value] : properties) {
    yaml += base::StrCat({"      ", name, ": \"", value, "\"\n"});
  }
  return yaml;
}

// SigmaHQ's AWS CloudTrail rules but one: "AWS STS AssumeRole Misuse" matches every record of
// an assumed role (most of CloudTrail), so with it the bench measures alert writing, not
// detection; a deployment would disable it as SigmaHQ's own falsepositives list suggests.
std::vector<std::string> SigmaHqRuleFiles(bool wanted) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(kSigmaHqAwsRules, ec)) {
    if (wanted && entry.path().extension() == ".yml" &&
        entry.path().filename() != kNoisySigmaHqRule) {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// utime + stime, fields 14 and 15 of a /proc stat line, after the parenthesised command name.
double StatCpuSeconds(const std::string& stat) {
  if (stat.rfind(')') == std::string::npos) {
    return 0;
  }
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    ticks += i >= 14 ? std::atof(field.c_str()) : 0;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

BenchDir::BenchDir(bool keep) : keep_(keep) {
  char pattern[] = "/tmp/th-bench-daemon-XXXXXX";
  const char* made = mkdtemp(pattern);
  path_ = made != nullptr ? made : "/tmp";
  if (keep_) {
    std::printf("keeping the run's files in %s\n", path_.c_str());
  }
}

BenchDir::~BenchDir() {
  if (!keep_ && path_ != "/tmp") {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
}

DevBroker::DevBroker(const std::string& dir) {
  fs::create_directories(dir);
  if (!child_.Start(
          {kTrailhoundBin, "dev-broker", "--listen", "127.0.0.1:0", "--topic", "cloudtrail:64",
           "--topic", "trailhound-alerts:1", "--topic", "trailhound-dead-letters:1"},
          dir + "/broker.out", dir + "/broker.err")) {
    std::fprintf(stderr, "bench: %s\n", child_.error().c_str());
    return;
  }
  const std::optional<std::string> line =
      WaitForLineInFile(dir + "/broker.out", "bootstrap: ", BenchClock::now() + kStartTimeout);
  if (!line.has_value()) {
    std::fprintf(stderr, "bench: dev-broker printed no bootstrap line:\n%s\n",
                 ReadWholeFile(dir + "/broker.err").c_str());
    return;
  }
  bootstrap_ = line->substr(std::string("bootstrap: ").size());
}

DevBroker::~DevBroker() {
  child_.Signal(SIGTERM);
  child_.Wait(BenchClock::now() + kStopTimeout);
}

DaemonUnderBench::DaemonUnderBench(std::string dir, std::string bootstrap, std::string group,
                                   std::string durability, bool sigmahq)
    : dir_(std::move(dir)),
      bootstrap_(std::move(bootstrap)),
      group_(std::move(group)),
      durability_(std::move(durability)),
      sigmahq_(sigmahq) {}

// The tests' configuration (tests/integration/daemon_harness.h) with a session long enough to
// survive the SIGSTOP of a preload, and offsets committed every 50 ms so the end of a round is
// seen within ~70 ms.
std::string DaemonUnderBench::Config() const {
  std::string rules = "[rules";
  for (const std::string& path : SigmaHqRuleFiles(sigmahq_)) {
    rules += base::StrCat({", \"", path, "\""});
  }
  rules += "]";
  return "sources:\n  kafka:\n    brokers: \"" + bootstrap_ +
         "\"\n    topics: [cloudtrail]\n    group_id: " + group_ +
         "\n    batch_max_ms: 20\n    dead_letter_topic: trailhound-dead-letters\n"
         "    properties:\n" +
         PropertiesYaml(base::StrCat({"session.timeout.ms=60000,heartbeat.interval.ms=1000,"
                                      "max.poll.interval.ms=120000,auto.commit.interval.ms=50,"
                                      "statistics.interval.ms=1000,",
                                      properties_})) +
         "rules:\n  paths: " + rules + "\nstate:\n  dir: state\n  durability: " + durability_ +
         "\nsinks:\n  - type: file\n    name: file\n    path: alerts.ndjson\n"
         "  - type: kafka\n    name: kafka\n    topic: trailhound-alerts\n"
         "metrics:\n  listen: \"127.0.0.1:" +
         std::to_string(metrics_port_) +
         "\"\ndead_letter:\n  file: dead-letters.ndjson\nlimits:\n  shutdown_timeout_s: 20\n";
}

bool DaemonUnderBench::Start(const std::string& extra_properties) {
  // TH_BENCH_DAEMON_PROPERTIES="name=value,..." adds librdkafka consumer properties to every
  // daemon the bench starts.
  const char* from_env = std::getenv("TH_BENCH_DAEMON_PROPERTIES");
  properties_ = base::StrCat({from_env != nullptr ? from_env : "", ",", extra_properties});
  ++starts_;
  metrics_port_ = FreeLoopbackPort();
  WriteText(dir_ + "/rules/bench-trail-tampering.yml", kBenchRule);
  WriteText(dir_ + "/trailhound.yml", Config());
  const auto start = BenchClock::now();
  const std::string log = base::StrCat({dir_, "/daemon-", std::to_string(starts_), ".err"});
  if (!child_.Start({kTrailhoundBin, "run", "--config", dir_ + "/trailhound.yml"},
                    dir_ + "/daemon.out", log)) {
    std::fprintf(stderr, "bench: %s\n", child_.error().c_str());
    return false;
  }
  if (!WaitForLineInFile(log, "kafka: assigned", start + kStartTimeout).has_value()) {
    std::fprintf(stderr, "bench: the %s daemon was not assigned partitions within %llds:\n%s\n",
                 durability_.c_str(), static_cast<long long>(kStartTimeout.count()),
                 ReadWholeFile(log).c_str());
    return false;
  }
  join_seconds_ = std::chrono::duration<double>(BenchClock::now() - start).count();
  return true;
}

void DaemonUnderBench::Stop() {
  const auto start = BenchClock::now();
  child_.Signal(SIGCONT);
  child_.Signal(SIGTERM);
  const ChildExit exit = child_.Wait(start + kStopTimeout);
  std::printf("  %s daemon: SIGTERM -> exit %d in %.2f s\n", durability_.c_str(),
              exit.code.value_or(-1),
              std::chrono::duration<double>(BenchClock::now() - start).count());
}

bool DaemonUnderBench::WaitForCommitted(KafkaProbe& probe, int64_t target,
                                        BenchClock::time_point deadline) {
  int64_t committed = -1;
  while (BenchClock::now() < deadline) {
    committed = probe.CommittedSum("cloudtrail", 64);
    if (committed >= target) {
      return true;
    }
    std::this_thread::sleep_for(kPollEvery);
  }
  std::fprintf(stderr, "bench: group %s committed %lld of %lld offsets by the deadline\n",
               group_.c_str(), static_cast<long long>(committed), static_cast<long long>(target));
  return false;
}

double DaemonUnderBench::WaitForMetricsConsumed(double expected) {
  const auto deadline = BenchClock::now() + std::chrono::seconds(5);
  double value = -1;
  while (BenchClock::now() < deadline) {
    value = SampleValue(ScrapeMetrics(metrics_port_), "trailhound_events_consumed_total{");
    if (value >= expected) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return value;
}

double DaemonUnderBench::CpuSeconds() const {
  return StatCpuSeconds(ReadWholeFile(ProcFile(child_.pid(), "stat")));
}

ThreadCpu DaemonUnderBench::CpuByThread() const {
  ThreadCpu cpu;
  std::error_code ec;
  for (const fs::directory_entry& task :
       fs::directory_iterator(ProcFile(child_.pid(), "task"), ec)) {
    std::string name = ReadWholeFile(task.path().string() + "/comm");
    if (!name.empty() && name.back() == '\n') {
      name.pop_back();
    }
    cpu[name] += StatCpuSeconds(ReadWholeFile(task.path().string() + "/stat"));
  }
  return cpu;
}

MainThreadSched DaemonUnderBench::MainThread() const {
  MainThreadSched sched;
  std::istringstream fields(ReadWholeFile(ProcFile(child_.pid(), "schedstat")));
  double running_ns = 0;
  double runnable_ns = 0;
  if (fields >> running_ns >> runnable_ns) {
    sched.running_seconds = running_ns / 1e9;
    sched.runnable_seconds = runnable_ns / 1e9;
  }
  return sched;
}

MemoryFigures DaemonUnderBench::Memory() const {
  MemoryFigures figures;
  std::istringstream lines(ReadWholeFile(ProcFile(child_.pid(), "status")));
  for (std::string line; std::getline(lines, line);) {
    const double kib = std::atof(line.substr(line.find(':') + 1).c_str());
    if (line.starts_with("VmHWM:")) {
      figures.hwm_mib = kib / 1024;
    } else if (line.starts_with("VmRSS:")) {
      figures.rss_mib = kib / 1024;
    }
  }
  return figures;
}

}  // namespace trailhound::bench
