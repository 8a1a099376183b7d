// daemon/cmd_dev_broker.h: `trailhound dev-broker`: a real Kafka wire-protocol broker for
// development, demos and tests, from librdkafka's mock cluster. Prints `bootstrap: LIST` on
// stdout when ready, takes control lines on stdin (daemon/dev_broker_control.h) and runs until
// SIGTERM or SIGINT. Every topic lives in memory and dies with the process.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace trailhound::daemon {

struct DevBrokerOptions {
  // Relayed to the bootstrap broker; port 0 picks a free one (reported on stderr).
  std::string listen = "127.0.0.1:9092";
  int brokers = 1;
  // NAME[:PARTITIONS], created before `bootstrap:` is printed.
  std::vector<std::string> topics = {"cloudtrail:4", "trailhound-alerts:1"};
  std::string bootstrap_file;  // also write the bootstrap list here, when set
};

// Registers the subcommand; `options` must outlive parsing.
CLI::App* AddDevBrokerCommand(CLI::App& app, DevBrokerOptions& options);

// Exit code: 0 after SIGTERM or SIGINT, 2 on usage errors (a bad topic or address, a port that
// cannot be bound).
int RunDevBroker(const DevBrokerOptions& options);

}  // namespace trailhound::daemon
