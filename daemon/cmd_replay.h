// daemon/cmd_replay.h: `trailhound replay`: the pipeline over files, directories or stdin.
// Decodes, dead-letters and counts; with --rules it evaluates Sigma rules and writes alerts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace trailhound::daemon {

struct ReplayOptions {
  std::vector<std::string> paths;
  std::vector<std::string> rule_paths;  // Sigma rule files or directories
  std::string placeholders_path;        // YAML map for |expand
  std::string out_path = "-";           // alerts as NDJSON; "-" is stdout
  bool no_builtin = false;              // there is no built-in pack yet (#7); accepted for scripts
  std::string dump_events_path;         // one canonical event per line
  std::string stats_path;               // JSON summary
  std::string dead_letter_path;         // NDJSON dead letters
  uint64_t max_event_bytes = 1 << 20;
  uint64_t max_depth = 64;
  uint64_t max_file_bytes = uint64_t{2} << 30;
  uint64_t dead_letter_raw_bytes = 64 * 1024;
  uint64_t allowed_lateness_s = 15 * 60;  // correlation watermark lag (SIGMA.md §13)
};

// Registers the subcommand; `options` must outlive parsing.
CLI::App* AddReplayCommand(CLI::App& app, ReplayOptions& options);

// Exit code: 0 when it ran (bad records are counted, not fatal), 2 on usage errors.
int RunReplay(const ReplayOptions& options);

}  // namespace trailhound::daemon
