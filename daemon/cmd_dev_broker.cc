// daemon/cmd_dev_broker.cc: `trailhound dev-broker`. Starts the mock cluster and its topics,
// relays --listen to the bootstrap broker (the mock's own ports are random, DESIGN.md), prints
// the bootstrap list, then serves control lines from stdin until SIGTERM or SIGINT. Signals
// arrive through a signalfd, blocked before any thread starts, so the main thread alone sees
// them and waits for them and for stdin in one poll.
#include "daemon/cmd_dev_broker.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <set>
#include <string_view>

#include "daemon/dev_broker_cluster.h"
#include "daemon/dev_broker_control.h"
#include "daemon/tcp_forwarder.h"
#include "pipeline/base/check.h"
#include "pipeline/base/str_cat.h"

namespace trailhound::daemon {
namespace {

// A topic named without a count gets the mock's default for topics clients create by using
// them, so both kinds look alike.
constexpr int kDefaultPartitions = 4;
constexpr int kMaxPartitions = 1024;
constexpr int kMaxBrokers = 16;
constexpr std::size_t kMaxTopicNameBytes = 249;  // Kafka's limit
constexpr std::size_t kMaxControlLineBytes = 64 * 1024;

struct TopicSpec {
  std::string name;
  int partitions = kDefaultPartitions;
};

// One line on stderr, "trailhound dev-broker: " and the pieces.
void PrintError(std::initializer_list<std::string_view> pieces) {
  const std::string message = base::StrCat(pieces);
  std::fprintf(stderr, "trailhound dev-broker: %s\n", message.c_str());
}

base::Result<TopicSpec> ParseTopicSpec(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  TopicSpec topic{std::string(spec.substr(0, colon)), kDefaultPartitions};
  const auto bad = [&](std::string_view why) {
    return base::InvalidInput(base::StrCat(
        {"--topic '", spec, "': ", why, "; expected NAME[:PARTITIONS], e.g. cloudtrail:4"}));
  };
  if (topic.name.empty() || topic.name.size() > kMaxTopicNameBytes || topic.name == "." ||
      topic.name == "..") {
    return bad("a topic name is 1 to 249 characters and not '.' or '..'");
  }
  for (const char c : topic.name) {
    const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
    if (!legal) {
      return bad(base::StrCat({"'", std::string_view(&c, 1),
                               "' cannot appear in a Kafka topic name (only letters, digits, "
                               "'.', '_' and '-')"}));
    }
  }
  if (colon != std::string_view::npos) {
    const std::string_view count = spec.substr(colon + 1);
    const auto [end, error] =
        std::from_chars(count.data(), count.data() + count.size(), topic.partitions);
    if (count.empty() || error != std::errc() || end != count.data() + count.size() ||
        topic.partitions < 1 || topic.partitions > kMaxPartitions) {
      return bad(base::StrCat(
          {"the partition count is a number from 1 to ", std::to_string(kMaxPartitions)}));
    }
  }
  return topic;
}

base::Result<std::vector<TopicSpec>> ParseTopicSpecs(const std::vector<std::string>& specs) {
  std::vector<TopicSpec> topics;
  std::set<std::string> names;
  for (const std::string& spec : specs) {
    base::Result<TopicSpec> topic = ParseTopicSpec(spec);
    if (!topic.has_value()) {
      return topic.error();
    }
    if (!names.insert(topic->name).second) {
      return base::InvalidInput(
          base::StrCat({"--topic '", spec, "': topic '", topic->name, "' is given twice"}));
    }
    topics.push_back(*std::move(topic));
  }
  return topics;
}

// Written to a temporary name and renamed, so a script polling for the file never reads half.
base::Status WriteBootstrapFile(const std::string& path, const std::string& bootstraps) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << bootstraps << '\n';
    out.flush();
    if (!out.good()) {
      return base::InvalidInput(base::StrCat({"--bootstrap-file: cannot write ", temporary}));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return base::InvalidInput(base::StrCat(
        {"--bootstrap-file: cannot rename ", temporary, " to ", path, ": ", error.message()}));
  }
  return base::Status::Ok();
}

void RunControlLine(DevBrokerCluster& cluster, std::string_view line) {
  base::Result<std::string> done = RunControlCommand(cluster, line);
  if (!done.has_value()) {
    PrintError({"control: '", line, "': ", done.error().message()});
  } else if (!done->empty()) {
    PrintError({"control: ok: ", *done});
  }
}

// Runs each complete line of `pending`, keeping a trailing partial line for the next read; at
// the end of input that partial line runs too.
void RunControlLines(DevBrokerCluster& cluster, std::string& pending, bool at_end) {
  std::size_t start = 0;
  for (std::size_t newline = pending.find('\n'); newline != std::string::npos;
       newline = pending.find('\n', start)) {
    RunControlLine(cluster, std::string_view(pending).substr(start, newline - start));
    start = newline + 1;
  }
  pending.erase(0, start);
  if (at_end && !pending.empty()) {
    RunControlLine(cluster, pending);
    pending.clear();
  }
  if (pending.size() > kMaxControlLineBytes) {
    PrintError({"control: a line longer than ", std::to_string(kMaxControlLineBytes),
                " bytes was dropped"});
    pending.clear();
  }
}

// Serves stdin control lines until a signal in `signal_fd` arrives; returns its number. At the
// end of stdin only the control input stops.
int ServeUntilSignal(DevBrokerCluster& cluster, int signal_fd) {
  std::string pending;
  pollfd fds[2] = {{signal_fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      PrintError({"poll failed: ", std::strerror(errno), "; stopping"});
      return SIGTERM;
    }
    if (fds[0].revents != 0) {
      signalfd_siginfo info{};
      if (read(signal_fd, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
        return static_cast<int>(info.ssi_signo);
      }
    }
    if (fds[1].revents != 0) {
      char buffer[4096];
      const ssize_t got = read(STDIN_FILENO, buffer, sizeof(buffer));
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
        continue;
      }
      if (got > 0) {
        pending.append(buffer, static_cast<std::size_t>(got));
      }
      RunControlLines(cluster, pending, got <= 0);
      if (got <= 0) {
        fds[1].fd = -1;  // End of control input; poll ignores a negative descriptor.
      }
    }
  }
}

}  // namespace

CLI::App* AddDevBrokerCommand(CLI::App& app, DevBrokerOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "dev-broker",
      "Run a Kafka wire-protocol broker (librdkafka's mock cluster) on loopback for development "
      "and tests; control lines on stdin: down [BROKER], up [BROKER], rtt MS [BROKER], "
      "errors API N ERR...");
  cmd->add_option("--listen", options.listen,
                  "Loopback HOST:PORT relayed to the bootstrap broker (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--brokers", options.brokers, "Number of brokers")
      ->capture_default_str()
      ->check(CLI::Range(1, kMaxBrokers));
  cmd->add_option("--topic", options.topics,
                  "Topic to create, NAME[:PARTITIONS] (repeatable; partitions default to 4)")
      ->capture_default_str();
  cmd->add_option("--bootstrap-file", options.bootstrap_file,
                  "Also write the bootstrap list to this file once the broker is ready");
  return cmd;
}

int RunDevBroker(const DevBrokerOptions& options) {
  base::Result<std::vector<TopicSpec>> topics = ParseTopicSpecs(options.topics);
  base::Result<LoopbackEndpoint> listen = ParseLoopbackEndpoint(options.listen);
  if (!topics.has_value()) {
    PrintError({topics.error().message()});
    return 2;
  }
  if (!listen.has_value()) {
    PrintError({"--listen ", listen.error().message()});
    return 2;
  }
  // Before any thread exists (librdkafka's, the relay's), so that all of them inherit the mask
  // and only the signalfd below sees SIGTERM and SIGINT.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // A reader of stdout or stderr going away is not fatal.
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    PrintError({"signalfd failed: ", std::strerror(errno)});
    return 1;
  }

  base::Result<std::unique_ptr<DevBrokerCluster>> cluster =
      DevBrokerCluster::Create(options.brokers);
  if (!cluster.has_value()) {
    PrintError({cluster.error().message()});
    return 1;
  }
  for (const TopicSpec& topic : *topics) {
    if (base::Status status = (*cluster)->CreateTopic(topic.name, topic.partitions); !status.ok()) {
      PrintError({status.message()});
      return 1;
    }
  }
  const std::string& bootstraps = (*cluster)->bootstraps();
  base::Result<LoopbackEndpoint> bootstrap_broker =
      ParseLoopbackEndpoint(std::string_view(bootstraps).substr(0, bootstraps.find(',')));
  TH_CHECK(bootstrap_broker.has_value());  // The mock always advertises 127.0.0.1:PORT.
  base::Result<std::unique_ptr<TcpForwarder>> forwarder =
      TcpForwarder::Start(*listen, *bootstrap_broker);
  if (!forwarder.has_value()) {
    PrintError({"--listen: ", forwarder.error().message(),
                "; choose another address (port 0 picks a free one)"});
    return 2;
  }
  if (!options.bootstrap_file.empty()) {
    if (base::Status status = WriteBootstrapFile(options.bootstrap_file, bootstraps);
        !status.ok()) {
      PrintError({status.message()});
      return 2;
    }
  }
  PrintError({"listening on ", (*forwarder)->listen_endpoint().ToString(),
              ", relayed to the bootstrap broker ", bootstrap_broker->ToString()});
  for (const TopicSpec& topic : *topics) {
    PrintError({"topic ", topic.name, ": ", std::to_string(topic.partitions),
                topic.partitions == 1 ? " partition" : " partitions"});
  }
  std::printf("bootstrap: %s\n", bootstraps.c_str());
  std::fflush(stdout);

  const int stop_signal = ServeUntilSignal(**cluster, signal_fd);
  PrintError({"stopping on SIG", sigabbrev_np(stop_signal)});
  forwarder->reset();
  cluster->reset();
  close(signal_fd);
  return 0;
}

}  // namespace trailhound::daemon
