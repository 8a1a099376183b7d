// daemon/cmd_replay.cc: `trailhound replay`. Reads each input whole, decodes it, writes the
// requested outputs and a summary. Data goes to files or stdout, diagnostics to stderr.
#include "daemon/cmd_replay.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "pipeline/alert.h"
#include "pipeline/alert_shrink.h"
#include "pipeline/dead_letter.h"
#include "pipeline/decode.h"
#include "pipeline/source_file.h"
#include "rules/rule_set.h"

namespace trailhound::daemon {
namespace {

using Clock = std::chrono::steady_clock;

struct FileCloser {
  void operator()(FILE* file) const {
    if (file != nullptr && file != stdout) {
      std::fclose(file);
    }
  }
};
using OutputFile = std::unique_ptr<FILE, FileCloser>;

// Opens an output; "-" is stdout. Null with a message on stderr when it cannot be created.
bool OpenOutput(const std::string& path, OutputFile& out) {
  if (path.empty()) {
    return true;
  }
  FILE* file = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    std::fprintf(stderr, "trailhound replay: cannot write %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return false;
  }
  out.reset(file);
  return true;
}

int64_t WallClockNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ReplaySink : public pipeline::DecodeSink {
 public:
  ReplaySink(FILE* dump, FILE* dead_letters, pipeline::DeadLetterOptions dead_letter_options,
             const rules::LoadedRules& rules, rules::CorrelationOptions correlation_options,
             FILE* alerts)
      : dump_(dump),
        dead_letters_(dead_letters),
        dead_letter_options_(dead_letter_options),
        rules_(rules),
        correlations_(rules.correlations, correlation_options),
        alerts_(alerts) {}

  void OnEvent(event::Event&& decoded) override {
    counts_.CountEvent(decoded);
    rules::MatchRules(rules_, decoded, scratch_, matched_);
    for (const uint32_t index : matched_) {
      const rules::CompiledRule& rule = rules_.rules[index];
      if (rule.generates_alerts) {
        ++alert_count_;
        if (alerts_ != nullptr) {
          WriteAlert(pipeline::FormatAlert(rule, decoded,
                                           pipeline::AlertInput{input_source_, received_at_ns_},
                                           WallClockNanos()));
        }
      }
    }
    if (!rules_.correlations.empty()) {
      correlations_.Observe(decoded, matched_, correlation_alerts_);
      WriteCorrelationAlerts(&decoded);
    }
    if (dump_ != nullptr) {
      const std::string json = decoded.CanonicalJson();
      std::fwrite(json.data(), 1, json.size(), dump_);
      std::fputc('\n', dump_);
    }
  }

  void OnReject(const pipeline::Rejected& rejected) override {
    ++counts_.rejected[static_cast<size_t>(rejected.reason)];
    if (dead_letters_ != nullptr) {
      const std::string line =
          pipeline::FormatDeadLetter(rejected, WallClockNanos(), dead_letter_options_);
      std::fwrite(line.data(), 1, line.size(), dead_letters_);
      std::fputc('\n', dead_letters_);
    }
  }

  void OnSkip(pipeline::SkipReason reason, const event::Position&) override {
    ++counts_.skipped[static_cast<size_t>(reason)];
  }

  // End of input: every open correlation window is closed and its alert, if due, written.
  void Finish() {
    correlations_.Flush(correlation_alerts_);
    WriteCorrelationAlerts(nullptr);
  }

  const pipeline::DecodeCounts& counts() const { return counts_; }
  uint64_t alert_count() const { return alert_count_ + correlation_alert_count_; }
  uint64_t correlation_alert_count() const { return correlation_alert_count_; }
  const rules::CorrelationStats& correlation_stats() const { return correlations_.stats(); }
  // Where the next events come from, for the alerts' `input`.
  void SetInput(std::string_view source, int64_t received_at_ns) {
    input_source_ = source;
    received_at_ns_ = received_at_ns;
  }

 private:
  void WriteAlert(const std::string& alert) {
    // FORMATS.md §8: a line over 1 MiB is shrunk.
    const pipeline::ShrunkAlert shrunk = pipeline::ShrinkAlert(alert);
    const std::string& line = shrunk.body.empty() ? alert : shrunk.body;
    std::fwrite(line.data(), 1, line.size(), alerts_);
    std::fputc('\n', alerts_);
  }

  void WriteCorrelationAlerts(const event::Event* completing) {
    correlation_alert_count_ += correlation_alerts_.size();
    if (alerts_ != nullptr) {
      for (const rules::CorrelationAlert& alert : correlation_alerts_) {
        WriteAlert(pipeline::FormatCorrelationAlert(
            alert, completing, pipeline::AlertInput{input_source_, received_at_ns_},
            WallClockNanos()));
      }
    }
    correlation_alerts_.clear();
  }

  FILE* dump_;
  FILE* dead_letters_;
  pipeline::DeadLetterOptions dead_letter_options_;
  pipeline::DecodeCounts counts_;
  const rules::LoadedRules& rules_;
  std::vector<uint32_t> matched_;
  rules::CorrelationEngine correlations_;
  std::vector<rules::CorrelationAlert> correlation_alerts_;
  uint64_t correlation_alert_count_ = 0;
  FILE* alerts_;
  rules::EvalScratch scratch_;
  uint64_t alert_count_ = 0;
  std::string_view input_source_ = "file";
  int64_t received_at_ns_ = 0;
};

// Loads --rules; diagnostics go to stderr. False (a usage/config error) when rules were asked
// for and none could be loaded.
bool LoadReplayRules(const ReplayOptions& options, rules::LoadedRules& loaded) {
  if (options.rule_paths.empty()) {
    return true;
  }
  rules::CompileOptions compile_options;
  rules::Diagnostics diagnostics;
  if (!options.placeholders_path.empty()) {
    rules::LoadPlaceholders(options.placeholders_path, compile_options.placeholders, diagnostics);
  }
  loaded = rules::LoadRules(options.rule_paths, compile_options, diagnostics);
  for (const rules::Diagnostic& d : diagnostics.items()) {
    std::fprintf(stderr, "%s\n", d.ToString().c_str());
  }
  if (loaded.rules.empty() && diagnostics.has_errors()) {
    std::fprintf(stderr, "trailhound replay: no rule could be loaded\n");
    return false;
  }
  if (diagnostics.has_errors()) {
    std::fprintf(stderr, "trailhound replay: warning: rules with errors are left out\n");
  }
  return true;
}

rules::CorrelationOptions CorrelationOptionsFrom(const ReplayOptions& options) {
  rules::CorrelationOptions correlation;
  correlation.allowed_lateness_ns =
      static_cast<int64_t>(std::min<uint64_t>(options.allowed_lateness_s, 366 * 86400)) *
      1'000'000'000;
  return correlation;
}

struct ReplayTotals {
  uint64_t files_read = 0;
  uint64_t files_unreadable = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};

// `"key": {"name of 0": n0, ...}` for a counter array indexed by an enum.
template <typename Writer, size_t N, typename NameOf>
void WriteCounts(Writer& w, const char* key, const std::array<uint64_t, N>& counts,
                 NameOf name_of) {
  w.Key(key);
  w.StartObject();
  for (size_t i = 0; i < N; ++i) {
    const std::string_view name = name_of(i);
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.Uint64(counts[i]);
  }
  w.EndObject();
}

// `"key": {"name": n, ...}` for named counters.
template <typename Writer>
void WriteCounters(Writer& w, const char* key,
                   std::initializer_list<std::pair<const char*, uint64_t>> counters) {
  w.Key(key);
  w.StartObject();
  for (const auto& [name, value] : counters) {
    w.Key(name);
    w.Uint64(value);
  }
  w.EndObject();
}

std::string FormatStats(const pipeline::FileListing& listing, const ReplayTotals& totals,
                        const pipeline::DecodeCounts& counts, const rules::LoadedRules& rules,
                        const ReplaySink& sink) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("schema");
  w.String("trailhound.replay-stats/v1");
  w.Key("files");
  w.Uint64(totals.files_read);
  w.Key("files_unreadable");
  w.Uint64(totals.files_unreadable);
  w.Key("files_skipped");
  w.StartObject();
  w.Key("digest");
  w.Uint64(listing.skipped_digest_files);
  w.Key("other");
  w.Uint64(listing.skipped_other_files);
  w.EndObject();
  w.Key("bytes");
  w.Uint64(totals.bytes);
  w.Key("records");
  w.Uint64(counts.events + counts.total_rejected() + counts.total_skipped());
  w.Key("events");
  w.Uint64(counts.events);
  WriteCounts(w, "events_by_envelope", counts.events_by_envelope, [](size_t i) {
    return event::EnvelopeKindName(static_cast<event::EnvelopeKind>(i));
  });
  WriteCounts(w, "skipped", counts.skipped, [](size_t i) {
    return pipeline::SkipReasonName(static_cast<pipeline::SkipReason>(i));
  });
  WriteCounts(w, "errors", counts.rejected, [](size_t i) {
    return pipeline::RejectReasonName(static_cast<pipeline::RejectReason>(i));
  });
  WriteCounters(w, "flags",
                {{"partial", counts.partial},
                 {"time_unknown", counts.time_unknown},
                 {"derived_id", counts.derived_id},
                 {"content_unknown", counts.content_unknown},
                 {"insight", counts.insight}});
  w.Key("rules_loaded");
  w.Uint64(rules.rules.size());
  w.Key("alerts");
  w.Uint64(sink.alert_count());
  const rules::CorrelationStats& correlation = sink.correlation_stats();
  WriteCounters(w, "correlation",
                {{"rules", rules.correlations.size()},
                 {"alerts", sink.correlation_alert_count()},
                 {"events_without_time", correlation.events_without_time},
                 {"late_events", correlation.late_events},
                 {"evicted_groups", correlation.evicted_groups},
                 {"evicted_events", correlation.evicted_events}});
  w.Key("seconds");
  w.Double(totals.seconds);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace

CLI::App* AddReplayCommand(CLI::App& app, ReplayOptions& options) {
  CLI::App* cmd = app.add_subcommand(
      "replay", "Run the pipeline over CloudTrail files, directories or - (stdin)");
  cmd->add_option("paths", options.paths, "Files, directories (recursed) or - for stdin")
      ->required();
  cmd->add_option("--rules", options.rule_paths,
                  "Sigma rule files or directories to evaluate (repeatable)");
  cmd->add_option("--placeholders", options.placeholders_path,
                  "YAML map of placeholder name to values, for |expand");
  cmd->add_option("--out", options.out_path, "Write alerts (NDJSON) here; - is stdout")
      ->capture_default_str();
  cmd->add_flag("--no-builtin", options.no_builtin,
                "Do not load the built-in rule pack (there is none yet)");
  cmd->add_option("--dump-events", options.dump_events_path,
                  "Write each decoded event as one line of canonical JSON (envelopes removed)");
  cmd->add_option("--stats", options.stats_path, "Write a JSON summary of the run");
  cmd->add_option("--dead-letter", options.dead_letter_path,
                  "Write records that could not be decoded, with position and reason (NDJSON)");
  cmd->add_option("--max-event-bytes", options.max_event_bytes,
                  "Largest CloudTrail record accepted")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1024}, uint64_t{1} << 30));
  cmd->add_option("--max-depth", options.max_depth, "Deepest JSON nesting accepted in a record")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{4}, uint64_t{1024}));
  cmd->add_option("--max-file-bytes", options.max_file_bytes,
                  "Largest input file, and largest inflated gzip content")
      ->capture_default_str();
  cmd->add_option("--dead-letter-raw-bytes", options.dead_letter_raw_bytes,
                  "Bytes of a rejected record kept in its dead-letter entry")
      ->capture_default_str();
  cmd->add_option("--allowed-lateness", options.allowed_lateness_s,
                  "Seconds a record may arrive behind the newest eventTime and still count in "
                  "correlation windows")
      ->capture_default_str();
  return cmd;
}

int RunReplay(const ReplayOptions& options) {
  base::Result<pipeline::FileListing> listing = pipeline::ListInputFiles(options.paths);
  if (!listing.has_value()) {
    std::fprintf(stderr, "trailhound replay: %s\n", std::string(listing.error().message()).c_str());
    return 2;
  }
  rules::LoadedRules loaded_rules;
  if (!LoadReplayRules(options, loaded_rules)) {
    return 2;
  }
  OutputFile dump;
  OutputFile dead_letters;
  OutputFile stats;
  OutputFile alerts;
  if (!OpenOutput(options.rule_paths.empty() ? "" : options.out_path, alerts) ||
      !OpenOutput(options.dump_events_path, dump) ||
      !OpenOutput(options.dead_letter_path, dead_letters) ||
      !OpenOutput(options.stats_path, stats)) {
    return 2;
  }
  for (const std::string& error : listing->errors) {
    std::fprintf(stderr, "trailhound replay: warning: %s\n", error.c_str());
  }
  pipeline::DecodeLimits limits;
  limits.max_event_bytes = options.max_event_bytes;
  limits.max_depth = options.max_depth;
  limits.max_inflated_bytes = options.max_file_bytes;
  pipeline::Decoder decoder(limits);
  ReplaySink sink(dump.get(), dead_letters.get(),
                  pipeline::DeadLetterOptions{options.dead_letter_raw_bytes}, loaded_rules,
                  CorrelationOptionsFrom(options), alerts.get());
  ReplayTotals totals;
  const Clock::time_point start = Clock::now();
  for (const std::string& path : listing->files) {
    base::Result<std::string> bytes =
        pipeline::ReadInputFile(path, options.max_file_bytes, pipeline::kDecodePadding);
    if (!bytes.has_value()) {
      ++totals.files_unreadable;
      std::fprintf(stderr, "trailhound replay: warning: skipped %s\n",
                   std::string(bytes.error().message()).c_str());
      continue;
    }
    ++totals.files_read;
    totals.bytes += bytes->size();
    sink.SetInput(path == "-" ? "stdin" : "file", WallClockNanos());
    event::Position position;
    position.source = std::make_shared<const std::string>(path);
    decoder.DecodePadded(*bytes, position, sink);
  }
  sink.Finish();
  totals.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const pipeline::DecodeCounts& counts = sink.counts();
  if (stats) {
    const std::string json = FormatStats(*listing, totals, counts, loaded_rules, sink);
    std::fwrite(json.data(), 1, json.size(), stats.get());
  }
  std::fprintf(stderr,
               "trailhound replay: %llu files, %llu events, %llu rejected, %llu skipped, "
               "%llu partial, %llu alerts, %.3f s\n",
               static_cast<unsigned long long>(totals.files_read),
               static_cast<unsigned long long>(counts.events),
               static_cast<unsigned long long>(counts.total_rejected()),
               static_cast<unsigned long long>(counts.total_skipped()),
               static_cast<unsigned long long>(counts.partial),
               static_cast<unsigned long long>(sink.alert_count()), totals.seconds);
  return 0;
}

}  // namespace trailhound::daemon
