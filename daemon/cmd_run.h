// daemon/cmd_run.h: `trailhound run --config FILE`, the daemon: Kafka → decode → rules → RocksDB
// (events, outbox, dead letters) → sinks, with offsets committed only behind durable state
// (AT-LEAST-ONCE.md). Exit codes: 0 after a clean stop, 1 on a fatal runtime error, 2 when the
// configuration or the rules are refused.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace trailhound::daemon {

struct RunOptions {
  std::string config_path;
};

CLI::App* AddRunCommand(CLI::App& app, RunOptions& options);
int RunDaemon(const RunOptions& options);

}  // namespace trailhound::daemon
