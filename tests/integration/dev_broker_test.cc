// tests/integration/dev_broker_test.cc: `trailhound dev-broker` as scripts run it: the real
// binary on 127.0.0.1 port 0, kcat as an independent Kafka client, control lines on its stdin
// and SIGTERM at the end. Every wait is bounded by a deadline; nothing sleeps.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/base/str_cat.h"
#include "tests/integration/child_process.h"
#include "tests/integration/cli_harness.h"

namespace trailhound::testing {
namespace {

constexpr std::chrono::seconds kStartTimeout{30};
constexpr std::chrono::seconds kToolTimeout{60};
constexpr std::chrono::seconds kStopTimeout{15};

std::vector<std::string> NumberedMessages(const std::string& prefix, int count) {
  std::vector<std::string> messages;
  for (int i = 0; i < count; ++i) {
    messages.push_back(base::StrCat({prefix, std::to_string(1000 + i)}));
  }
  return messages;
}

// A TCP connection to loopback "127.0.0.1:PORT"; the descriptor, or -errno.
int ConnectTo(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &peer.sin_addr);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof(peer)) != 0) {
    const int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

// A running dev-broker and kcat; skips when kcat is missing.
class DevBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kcat_ = FindOnPath("kcat");
    if (kcat_.empty()) {
      GTEST_SKIP() << "kcat is not installed; scripts/setup installs it (Debian package kcat)";
    }
  }

  // Starts `trailhound dev-broker --listen 127.0.0.1:0 ARGS...` and reads its addresses.
  void StartBroker(const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv = {TH_TRAILHOUND_BIN, "dev-broker", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    ASSERT_TRUE(broker_.Start(argv)) << broker_.error();
    const auto deadline = TestClock::now() + kStartTimeout;
    const std::optional<std::string> line = broker_.ReadStdoutLine(deadline);
    ASSERT_TRUE(line.has_value()) << "no bootstrap line; stderr:\n" << broker_.stderr_text();
    ASSERT_TRUE(line->starts_with("bootstrap: 127.0.0.1:")) << *line;
    bootstrap_ = line->substr(std::strlen("bootstrap: "));
    // "trailhound dev-broker: listening on 127.0.0.1:PORT, relayed to ..."
    const std::optional<std::string> listening = broker_.WaitForStderr("listening on ", deadline);
    ASSERT_TRUE(listening.has_value()) << broker_.stderr_text();
    const std::size_t at = listening->find("listening on ") + std::strlen("listening on ");
    listen_ = listening->substr(at, listening->find(',', at) - at);
    ASSERT_TRUE(listen_.starts_with("127.0.0.1:")) << *listening;
    ASSERT_NE(listen_, "127.0.0.1:0") << *listening;
  }

  // SIGTERM must end it with exit 0 well within its deadline.
  void StopBroker() {
    const std::optional<int> code = broker_.Stop(SIGTERM, TestClock::now() + kStopTimeout);
    ASSERT_TRUE(code.has_value()) << "no exit within " << kStopTimeout.count() << " s of SIGTERM";
    EXPECT_EQ(*code, 0) << broker_.stderr_text();
    EXPECT_NE(broker_.stderr_text().find("stopping on SIGTERM"), std::string::npos)
        << broker_.stderr_text();
  }

  // Sends one control line and waits for its acknowledgement on stderr.
  void Control(const std::string& line, const std::string& acknowledgement) {
    ASSERT_TRUE(broker_.WriteStdin(line + "\n"));
    const std::optional<std::string> seen =
        broker_.WaitForStderr(acknowledgement, TestClock::now() + kStartTimeout);
    ASSERT_TRUE(seen.has_value()) << "'" << line << "' never acknowledged with '" << acknowledgement
                                  << "'; stderr:\n"
                                  << broker_.stderr_text();
  }

  ToolResult Kcat(std::vector<std::string> args, const std::string& stdin_path = "/dev/null") {
    args.insert(args.begin(), kcat_);
    return RunTool(std::move(args), dir_.path(), stdin_path, kToolTimeout);
  }

  void Produce(const std::string& address, const std::string& topic,
               const std::vector<std::string>& messages) {
    std::string lines;
    for (const std::string& message : messages) {
      lines += message + "\n";
    }
    WriteFile(dir_ / "produce.txt", lines);
    const ToolResult produced = Kcat({"-P", "-b", address, "-t", topic}, dir_ / "produce.txt");
    ASSERT_EQ(produced.exit_code, std::optional<int>(0)) << produced.err;
  }

  // Every message of `topic` from the beginning, sorted; kcat stops after `count` or at the end.
  std::vector<std::string> Consume(const std::string& address, const std::string& topic,
                                   int count) {
    const ToolResult consumed = Kcat({"-C", "-b", address, "-t", topic, "-o", "beginning", "-e",
                                      "-q", "-c", std::to_string(count)});
    EXPECT_EQ(consumed.exit_code, std::optional<int>(0)) << consumed.err;
    std::vector<std::string> messages = Lines(consumed.out);
    std::sort(messages.begin(), messages.end());
    return messages;
  }

  std::string Metadata(const std::string& address) {
    const ToolResult listed = Kcat({"-L", "-b", address});
    EXPECT_EQ(listed.exit_code, std::optional<int>(0)) << listed.err;
    return listed.out;
  }

  TempDir dir_;
  ChildProcess broker_;
  std::string kcat_;
  std::string bootstrap_;  // the mock's own list, as printed on stdout
  std::string listen_;     // the --listen relay, as bound
};

TEST_F(DevBrokerTest, EveryProducedMessageComesBackThroughAnIndependentClient) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  const std::vector<std::string> messages = NumberedMessages("event-", 100);
  ASSERT_NO_FATAL_FAILURE(Produce(bootstrap_, "cloudtrail", messages));
  EXPECT_EQ(Consume(bootstrap_, "cloudtrail", 100), messages);
  ASSERT_NO_FATAL_FAILURE(StopBroker());
}

TEST_F(DevBrokerTest, TheListenAddressRelaysToTheBootstrapBroker) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  const std::string metadata = Metadata(listen_);
  EXPECT_NE(metadata.find("1 brokers:"), std::string::npos) << metadata;
  EXPECT_NE(metadata.find("topic \"cloudtrail\" with 4 partitions:"), std::string::npos)
      << metadata;
  EXPECT_NE(metadata.find("topic \"trailhound-alerts\" with 1 partitions:"), std::string::npos)
      << metadata;
  const std::vector<std::string> messages = NumberedMessages("relayed-", 100);
  ASSERT_NO_FATAL_FAILURE(Produce(listen_, "cloudtrail", messages));
  EXPECT_EQ(Consume(listen_, "cloudtrail", 100), messages);
  ASSERT_NO_FATAL_FAILURE(StopBroker());
}

TEST_F(DevBrokerTest, TopicsAndBrokersFollowTheCommandLine) {
  ASSERT_NO_FATAL_FAILURE(
      StartBroker({"--brokers", "3", "--topic", "audit:2", "--topic", "plain"}));
  EXPECT_EQ(std::count(bootstrap_.begin(), bootstrap_.end(), ','), 2) << bootstrap_;
  const std::string metadata = Metadata(bootstrap_);
  EXPECT_NE(metadata.find("3 brokers:"), std::string::npos) << metadata;
  EXPECT_NE(metadata.find("topic \"audit\" with 2 partitions:"), std::string::npos) << metadata;
  EXPECT_NE(metadata.find("topic \"plain\" with 4 partitions:"), std::string::npos) << metadata;
  // Given topics replace the defaults.
  EXPECT_EQ(metadata.find("\"cloudtrail\""), std::string::npos) << metadata;
  ASSERT_NO_FATAL_FAILURE(StopBroker());
}

TEST_F(DevBrokerTest, DownRefusesConnectionsAndUpServesTheSameLogAgain) {
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  const std::vector<std::string> before = NumberedMessages("before-", 100);
  ASSERT_NO_FATAL_FAILURE(Produce(bootstrap_, "cloudtrail", before));

  ASSERT_NO_FATAL_FAILURE(Control("down", "control: ok: all brokers down"));
  EXPECT_EQ(ConnectTo(bootstrap_), -ECONNREFUSED) << "the mock broker still accepts";
  // The relay accepts, fails to reach the broker and closes the client's connection.
  const int relayed = ConnectTo(listen_);
  ASSERT_GE(relayed, 0) << std::strerror(-relayed);
  pollfd closed{relayed, POLLIN, 0};
  ASSERT_EQ(poll(&closed, 1, MillisecondsLeft(TestClock::now() + kStopTimeout)), 1);
  char byte = 0;
  EXPECT_LE(read(relayed, &byte, 1), 0) << "the relay answered for a broker that is down";
  close(relayed);

  ASSERT_NO_FATAL_FAILURE(Control("up", "control: ok: all brokers up"));
  const std::vector<std::string> after = NumberedMessages("after-", 100);
  ASSERT_NO_FATAL_FAILURE(Produce(bootstrap_, "cloudtrail", after));
  std::vector<std::string> everything = before;
  everything.insert(everything.end(), after.begin(), after.end());
  std::sort(everything.begin(), everything.end());
  EXPECT_EQ(Consume(bootstrap_, "cloudtrail", 200), everything);
  ASSERT_NO_FATAL_FAILURE(StopBroker());
}

TEST_F(DevBrokerTest, ControlLinesAreCheckedAndBadOnesChangeNothing) {
  ASSERT_NO_FATAL_FAILURE(StartBroker({"--brokers", "2"}));
  struct Row {
    std::string line;
    std::string reply;
  };
  const std::vector<Row> rows = {
      {"frobnicate", "unknown command 'frobnicate'; commands: down [BROKER]"},
      {"down 3", "broker '3' is not a number from 1 to 2"},
      {"rtt", "rtt needs milliseconds"},
      {"rtt 50 1", "control: ok: broker 1 rtt 50 ms"},
      {"rtt 0", "control: ok: all brokers rtt 0 ms"},
      {"errors Nope 1 NOT_COORDINATOR", "'Nope' is not a Kafka API name or key"},
      {"errors OffsetCommit 2 NOT_COORDINATOR REBALANCE_IN_PROGRESS X",
       "3 errors listed for a count of 2"},
      {"errors Produce 1 _TRANSPORT", "'_TRANSPORT' is not a Kafka broker error"},
      {"errors Heartbeat 5 ILLEGAL_GENERATION", "control: ok: next 5 Heartbeat requests fail"},
      {"down 2", "control: ok: broker 2 down"},
      {"up 2", "control: ok: broker 2 up"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.line);
    ASSERT_NO_FATAL_FAILURE(Control(row.line, row.reply));
  }
  // Still serving, with both brokers.
  EXPECT_NE(Metadata(bootstrap_).find("2 brokers:"), std::string::npos);
  // The end of stdin ends control input only.
  broker_.CloseStdin();
  EXPECT_NE(Metadata(bootstrap_).find("topic \"cloudtrail\""), std::string::npos);
  ASSERT_NO_FATAL_FAILURE(StopBroker());
}

TEST(DevBrokerUsage, BadArgumentsExitTwoNamingTheProblem) {
  // A port that is certainly taken: one this test is listening on.
  const int taken = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(taken, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(taken, 1), 0);
  ASSERT_EQ(getsockname(taken, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string taken_address =
      base::StrCat({"127.0.0.1:", std::to_string(ntohs(address.sin_port))});

  struct Row {
    std::string name;
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"space in name", {"--topic", "cloud trail:4"}, "' ' cannot appear in a Kafka topic name"},
      {"zero partitions", {"--topic", "cloudtrail:0"}, "partition count is a number from 1"},
      {"empty name", {"--topic", ":3"}, "a topic name is 1 to 249 characters"},
      {"twice", {"--topic", "a:1", "--topic", "a:2"}, "topic 'a' is given twice"},
      {"not loopback", {"--listen", "10.1.2.3:9092"}, "is not a loopback address"},
      {"no port", {"--listen", "127.0.0.1"}, "is not HOST:PORT"},
      {"port in use", {"--listen", taken_address}, "cannot listen on " + taken_address},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    std::vector<std::string> argv = {TH_TRAILHOUND_BIN, "dev-broker"};
    argv.insert(argv.end(), row.args.begin(), row.args.end());
    ChildProcess broker;
    ASSERT_TRUE(broker.Start(argv)) << broker.error();
    const std::optional<int> code = broker.Wait(TestClock::now() + kStartTimeout);
    ASSERT_TRUE(code.has_value()) << "still running: " << broker.stderr_text();
    EXPECT_EQ(*code, 2) << broker.stderr_text();
    EXPECT_NE(broker.stderr_text().find(row.message), std::string::npos) << broker.stderr_text();
    EXPECT_EQ(broker.ReadStdoutLine(TestClock::now()), std::nullopt) << "printed a bootstrap";
  }
  close(taken);
}

}  // namespace
}  // namespace trailhound::testing
