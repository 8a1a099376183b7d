// daemon/cmd_run.cc: `trailhound run`. The main thread is the Kafka polling thread: it polls,
// decodes, evaluates and writes batches (ConsumerPipeline), and between polls it serves
// signals, reloads, backpressure, retention, metrics and the systemd watchdog. Sinks and the
// dead-letter producer run on threads of their own, fed from the store (daemon/run_outputs).
#include "daemon/cmd_run.h"

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "config/load.h"
#include "daemon/config_diff.h"
#include "daemon/lifecycle.h"
#include "daemon/logging.h"
#include "daemon/run_outputs.h"
#include "daemon/run_rules.h"
#include "daemon/run_stats.h"
#include "pipeline/base/crash_point.h"
#include "pipeline/base/str_cat.h"
#include "pipeline/consumer_pipeline.h"
#include "pipeline/source_kafka.h"
#include "pipeline/store.h"

namespace trailhound::daemon {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxPollMs = 100;
constexpr auto kRetentionEvery = std::chrono::hours(1);
constexpr auto kChoresEvery = std::chrono::milliseconds(10);
// A due batch waits this long for the writer before consumption pauses; while paused, the loop
// checks for room this often.
constexpr auto kStoreStallAfter = std::chrono::milliseconds(500);
constexpr auto kStalledWait = std::chrono::milliseconds(10);

pipeline::StoreOptions StoreOptionsFrom(const config::Config& config) {
  pipeline::StoreOptions options;
  options.dir = config.state.dir;
  options.durability = config.state.durability == "process" ? pipeline::Durability::kProcess
                                                            : pipeline::Durability::kPower;
  options.retention_ns = config.state.retention_days * 86400 * int64_t{1'000'000'000};
  options.dedup_retention_ns = config.state.dedup_retention_days * 86400 * int64_t{1'000'000'000};
  for (const config::Sink& sink : config.sinks) {
    options.sinks.push_back(sink.name);
  }
  return options;
}

pipeline::ConsumerPipelineOptions PipelineOptionsFrom(const config::Config& config,
                                                      metrics::Metrics& metrics) {
  pipeline::ConsumerPipelineOptions options;
  options.metrics = &metrics;
  const config::KafkaSource& kafka = *config.sources.kafka;
  options.batch_max_messages = kafka.batch_max_messages;
  options.batch_max_ms = kafka.batch_max_ms;
  options.decode_limits.max_event_bytes = config.limits.max_event_bytes;
  options.decode_limits.max_depth = config.limits.max_depth;
  options.dead_letter_raw_bytes = config.limits.dead_letter_raw_bytes;
  options.correlation.allowed_lateness_ns =
      config.rules.allowed_lateness_s * int64_t{1'000'000'000};
  return options;
}

void LogDiagnostics(const config::ConfigDiagnostics& diagnostics) {
  for (const config::ConfigDiagnostic& d : diagnostics.items()) {
    if (d.severity == config::ConfigSeverity::kError) {
      spdlog::error("{}", d.ToString());
    } else {
      spdlog::warn("{}", d.ToString());
    }
  }
}

enum class ApplyLogging { kNo, kYes };

// Loads and checks the configuration; every diagnostic is logged. At startup (kYes) the
// configuration's own logging settings take effect first, so its warnings already come out in
// the format it asks for (a JSON log stays JSON from its first line); a configuration that
// cannot be read is reported in the default format. A reload leaves logging as it is.
std::optional<config::Config> LoadRunConfig(const std::string& path, ApplyLogging apply_logging) {
  config::ConfigDiagnostics diagnostics;
  base::Result<config::Config> loaded = config::LoadConfig(path, diagnostics);
  if (loaded.has_value() && apply_logging == ApplyLogging::kYes) {
    const base::Status logging = ConfigureLogging(loaded->logging.level, loaded->logging.format);
    if (!logging.ok()) {
      LogDiagnostics(diagnostics);
      spdlog::error("{}", logging.ToString());
      return std::nullopt;
    }
  }
  LogDiagnostics(diagnostics);
  if (!loaded.has_value()) {
    spdlog::error("configuration {} refused: {}", path, loaded.error().ToString());
    return std::nullopt;
  }
  if (!loaded->sources.kafka.has_value()) {
    spdlog::error("configuration {}: `run` needs sources.kafka", path);
    return std::nullopt;
  }
  return std::move(*loaded);
}

// Everything the loop owns, in construction order (destroyed in reverse).
class Daemon {
 public:
  Daemon(config::Config config, std::shared_ptr<const rules::LoadedRules> rules,
         std::unique_ptr<metrics::Metrics> metrics, std::unique_ptr<pipeline::Store> store,
         std::unique_ptr<RunOutputs> outputs)
      : config_(std::move(config)),
        metrics_(std::move(metrics)),
        store_(std::move(store)),
        outputs_(std::move(outputs)),
        pipeline_(*store_, std::move(rules), PipelineOptionsFrom(config_, *metrics_),
                  [this] { outputs_->NotifyWritten(); }),
        stats_(*metrics_, *store_, *outputs_, pipeline_) {}

  int Run() {
    if (const base::Status served = stats_.Serve(config_.metrics.listen); !served.ok()) {
      spdlog::error("metrics endpoint {}: {}", config_.metrics.listen, served.ToString());
      return 2;
    }
    const config::KafkaSource& kafka = *config_.sources.kafka;
    base::Result<std::unique_ptr<pipeline::KafkaSource>> source = pipeline::KafkaSource::Create(
        pipeline::KafkaSourceOptions{kafka.brokers, kafka.topics, kafka.group_id, kafka.properties},
        pipeline_);
    if (!source.has_value()) {
      spdlog::error("{}", source.error().ToString());
      return 2;
    }
    source_ = std::move(*source);
    pipeline_.set_source(source_.get());
    stats_.set_source(source_.get());
    outputs_->Start();
    notifier_.Ready("consuming");
    stats_.SetReady(true);
    spdlog::info("running: group {} on {}, state in {}", kafka.group_id, kafka.brokers,
                 config_.state.dir);
    const int code = Loop();
    return Shutdown(code);
  }

 private:
  int Loop() {
    Clock::time_point next_chores{};
    for (;;) {
      if (Clock::now() >= next_chores) {
        if (const std::optional<int> code = Chores(); code.has_value()) {
          return *code;
        }
        next_chores = Clock::now() + kChoresEvery;
      }
      base::Result<pipeline::KafkaMessage> message =
          source_->Poll(std::min(kMaxPollMs, pipeline_.MillisecondsUntilDue()));
      if (!message.has_value()) {
        spdlog::critical("{}", message.error().ToString());
        return 1;
      }
      if (*message != nullptr) {
        base::CrashPoint("consume.message");
        pipeline_.Add(**message);
      }
      if (pipeline_.due() && !SubmitOrPause()) {
        return 1;
      }
      if (pipeline_.writes_in_flight() > 0) {
        const base::Result<size_t> written = pipeline_.Reap();
        if (!written.has_value()) {
          spdlog::critical("store write failed, stopping without commit: {}",
                           written.error().ToString());
          return 1;
        }
        for (size_t i = 0; i < *written; ++i) {
          base::CrashPoint("store.post");
        }
      }
    }
  }

  // Hands the due batch to the writer. A writer still full after kStoreStallAfter means RocksDB
  // is behind (a write stall, a slow disk): consumption pauses (AT-LEAST-ONCE.md §5) and the
  // loop keeps polling, so the group never sees a member that stopped polling, until the writer
  // has room again. False when the process must stop.
  bool SubmitOrPause() {
    if (!pipeline_.WaitForWriterRoom(store_stalled_ ? kStalledWait : kStoreStallAfter)) {
      if (!store_stalled_) {
        store_stalled_ = true;
        spdlog::warn(
            "store writes are behind (a batch waited {} ms for the writer): pausing "
            "consumption until they catch up",
            kStoreStallAfter.count());
        UpdatePause();
      }
      return true;
    }
    base::CrashPoint("store.pre");
    if (const base::Status submitted = pipeline_.Submit(); !submitted.ok()) {
      spdlog::critical("store write failed, stopping without commit: {}", submitted.ToString());
      return false;
    }
    if (store_stalled_) {
      store_stalled_ = false;
      spdlog::info("store writes caught up: resuming consumption");
      UpdatePause();
    }
    return true;
  }

  // AT-LEAST-ONCE.md §12 row 14: an offset reset means events were lost unread; it is logged,
  // counted (trailhound_kafka_offset_resets_total) and alerted through every sink.
  void AlertOnOffsetResets() {
    for (pipeline::OffsetReset& reset : source_->TakeOffsetResets()) {
      spdlog::error("kafka: {} [{}]: events lost before they were read: {}", reset.topic,
                    reset.partition, reset.message);
      pipeline_.AddEventsLostAlert(pipeline::EventsLost{std::move(reset.topic), reset.partition,
                                                        reset.at_offset, std::move(reset.message)});
    }
  }

  // Consumption is paused while the outbox is over its budget or the store is behind.
  void UpdatePause() {
    const bool want = outbox_over_budget_ || store_stalled_;
    if (want && !source_->paused()) {
      source_->PauseAll();
    } else if (!want && source_->paused()) {
      source_->ResumeAll();
    }
  }

  // Signals, reloads, backpressure, retention, metrics and the watchdog: every kChoresEvery,
  // not per message. An exit code when the loop must end.
  std::optional<int> Chores() {
    const Signal signal = TakePendingSignal();
    if (signal == Signal::kStop) {
      spdlog::info("stopping on signal");
      return 0;
    }
    if (signal == Signal::kReload) {
      StartReload();
    }
    if (!FinishReloadIfReady()) {
      return 1;
    }
    AlertOnOffsetResets();
    ApplyBackpressure();
    if (Clock::now() >= next_retention_) {
      ApplyRetention();
      next_retention_ = Clock::now() + kRetentionEvery;
    }
    UpdateReadiness();
    stats_.Publish();
    notifier_.KeepAlive();
    return std::nullopt;
  }

  // Intake pauses while the outbox is past its budget (AT-LEAST-ONCE.md §5), estimated as the
  // longest sink queue times the mean alert size so far.
  void ApplyBackpressure() {
    const pipeline::ConsumerPipelineCounters& counters = pipeline_.counters();
    const uint64_t mean_alert_bytes =
        counters.alerts == 0 ? 0 : counters.alert_bytes / counters.alerts;
    const uint64_t outbox_bytes = outputs_->LongestQueue() * mean_alert_bytes;
    const bool over = outbox_bytes > config_.limits.outbox_max_bytes;
    const bool under = outbox_bytes < config_.limits.outbox_max_bytes / 2;
    if (over && !outbox_over_budget_) {
      spdlog::warn("outbox over its budget: pausing consumption until sinks catch up");
      outbox_over_budget_ = true;
      UpdatePause();
    } else if (under && outbox_over_budget_) {
      spdlog::info("outbox below half its budget: resuming consumption");
      outbox_over_budget_ = false;
      UpdatePause();
    }
  }

  // /readyz answers 503 while no broker is reachable: the daemon is alive and keeps its state,
  // but it is not consuming, and a load balancer or an operator should see that.
  void UpdateReadiness() {
    const bool connected = source_->connected();
    if (connected == connected_) {
      return;
    }
    connected_ = connected;
    stats_.SetReady(connected);
    if (connected) {
      spdlog::info("kafka: brokers reachable again; ready");
    } else {
      spdlog::warn(
          "kafka: no broker reachable; not ready until one is (consumption resumes "
          "by itself)");
    }
  }

  void ApplyRetention() {
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    const base::Status status = store_->ApplyRetention(now_ns);
    if (!status.ok()) {
      spdlog::warn("retention: {}", status.ToString());
    }
  }

  // SIGHUP: the configuration is read again and the rules loaded off-thread; the swap happens
  // between batches, and only when the whole new set is valid.
  void StartReload() {
    if (reload_.valid()) {
      spdlog::warn("reload already in progress; SIGHUP ignored");
      return;
    }
    notifier_.Reloading();
    spdlog::info("reloading rules from {}", config_.path);
    reload_ = std::async(std::launch::async, [path = config_.path,
                                              running = RestartOnlySettings(config_)]() {
      std::optional<config::Config> config = LoadRunConfig(path, ApplyLogging::kNo);
      if (!config.has_value()) {
        return base::Result<std::shared_ptr<const rules::LoadedRules>>(
            base::InvalidInput("configuration refused"));
      }
      for (const std::string& section : ChangedSections(running, RestartOnlySettings(*config))) {
        spdlog::warn("reload: `{}` changed; it takes effect at the next restart", section);
      }
      return LoadRuleSet(config->rules);
    });
  }

  // False when writing what was polled before the swap failed (the daemon stops, as on any
  // failed write).
  bool FinishReloadIfReady() {
    if (!reload_.valid() ||
        reload_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return true;
    }
    base::Result<std::shared_ptr<const rules::LoadedRules>> loaded = reload_.get();
    if (loaded.has_value()) {
      // Messages already added were evaluated with the old rules. Open correlation windows
      // close, and are rebuilt under the new rules from the kept records.
      if (const base::Status swapped = pipeline_.SwapRules(std::move(*loaded)); !swapped.ok()) {
        spdlog::critical("reload: {}", swapped.ToString());
        return false;
      }
      stats_.CountReload(true);
      spdlog::info("reload done: {} rules now active", pipeline_.rules().rules.size());
    } else {
      stats_.CountReload(false);
      spdlog::error("reload failed, keeping the {} rules in use: {}",
                    pipeline_.rules().rules.size(), loaded.error().ToString());
    }
    notifier_.Ready("consuming");
    return true;
  }

  // AT-LEAST-ONCE.md §9: stop intake, write what was polled, leave the group (its commit
  // covers the stored offsets), give the sinks their grace period, close the store.
  int Shutdown(int code) {
    notifier_.Stopping();
    stats_.SetReady(false);
    base::DelayPoint("shutdown.drain");  // tests: a drain long enough to watch
    const Clock::time_point deadline =
        Clock::now() + std::chrono::seconds(config_.limits.shutdown_timeout_s);
    source_->PauseAll();
    base::Status status = pipeline_.Flush();
    if (!status.ok()) {
      spdlog::error("final store write failed: {}", status.ToString());
      code = 1;
    }
    if (const base::Status synced = store_->Sync(); !synced.ok()) {
      spdlog::error("store sync: {}", synced.ToString());
      code = 1;
    }
    const auto left = [&] {
      return static_cast<int>(std::max<int64_t>(
          0,
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
    };
    if (const base::Status closed = source_->Close(left() * 2 / 3); !closed.ok()) {
      spdlog::error("{}", closed.ToString());
      code = code == 0 ? 1 : code;
    }
    outputs_->Stop(deadline);
    spdlog::info("stopped: {} messages, {} events, {} alerts, {} duplicates dropped",
                 pipeline_.counters().messages, pipeline_.counters().events,
                 pipeline_.counters().alerts, pipeline_.counters().duplicate_alerts);
    return code;
  }

  config::Config config_;
  std::unique_ptr<metrics::Metrics> metrics_;
  std::unique_ptr<pipeline::Store> store_;
  std::unique_ptr<RunOutputs> outputs_;
  pipeline::ConsumerPipeline pipeline_;
  RunStats stats_;
  std::unique_ptr<pipeline::KafkaSource> source_;
  ServiceNotifier notifier_;
  std::future<base::Result<std::shared_ptr<const rules::LoadedRules>>> reload_;
  Clock::time_point next_retention_{};
  bool connected_ = true;  // as last reported to /readyz
  bool outbox_over_budget_ = false;
  bool store_stalled_ = false;
};

}  // namespace

CLI::App* AddRunCommand(CLI::App& app, RunOptions& options) {
  CLI::App* cmd = app.add_subcommand("run", "Run the daemon: consume, detect, store, alert");
  cmd->add_option("--config", options.config_path, "Configuration file (YAML)")->required();
  return cmd;
}

int RunDaemon(const RunOptions& options) {
  // Before any thread exists, so every thread inherits the mask.
  BlockLifecycleSignals();
  base::ArmCrashPoints();
  (void)ConfigureLogging("info", "text");
  std::optional<config::Config> config = LoadRunConfig(options.config_path, ApplyLogging::kYes);
  if (!config.has_value()) {
    return 2;
  }
  base::Result<std::shared_ptr<const rules::LoadedRules>> rules = LoadRuleSet(config->rules);
  if (!rules.has_value()) {
    spdlog::error("{}", rules.error().ToString());
    return 2;
  }
  base::Result<std::unique_ptr<pipeline::Store>> store =
      pipeline::Store::Open(StoreOptionsFrom(*config));
  if (!store.has_value()) {
    spdlog::error("state directory {}: {}", config->state.dir, store.error().ToString());
    return 1;
  }
  base::Result<std::unique_ptr<RunOutputs>> outputs = RunOutputs::Create(*config, **store);
  if (!outputs.has_value()) {
    spdlog::error("{}", outputs.error().ToString());
    return 2;
  }
  base::Result<std::unique_ptr<metrics::Metrics>> metrics = metrics::Metrics::Create();
  if (!metrics.has_value()) {
    spdlog::error("{}", metrics.error().ToString());
    return 1;
  }
  Daemon daemon(std::move(*config), std::move(*rules), std::move(*metrics), std::move(*store),
                std::move(*outputs));
  return daemon.Run();
}

}  // namespace trailhound::daemon
