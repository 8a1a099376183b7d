// daemon/run_outputs.cc: sinks and the dead-letter worker, built from configuration.
#include "daemon/run_outputs.h"

#include <algorithm>
#include <atomic>

#include <spdlog/spdlog.h>

#include "pipeline/base/crash_point.h"
#include "pipeline/base/str_cat.h"
#include "pipeline/dead_letter_kafka.h"
#include "pipeline/queue_worker.h"
#include "pipeline/sink_file.h"
#include "pipeline/sink_kafka.h"
#include "pipeline/sink_stdout.h"
#include "pipeline/sink_worker.h"

namespace trailhound::daemon {
namespace {

template <typename Sink>
base::Result<std::unique_ptr<pipeline::AlertSink>> AsAlertSink(
    base::Result<std::unique_ptr<Sink>> made) {
  if (!made.has_value()) {
    return made.error();
  }
  return std::unique_ptr<pipeline::AlertSink>(std::move(*made));
}

base::Result<std::unique_ptr<pipeline::AlertSink>> MakeSink(const config::Sink& sink,
                                                            pipeline::Durability durability) {
  if (sink.type == "file") {
    pipeline::FileSinkOptions options;
    options.name = sink.name;
    options.path = sink.path;
    options.durability = durability;
    options.max_file_bytes = sink.rotate_bytes;
    options.keep_files = sink.keep;
    return AsAlertSink(pipeline::FileSink::Open(std::move(options)));
  }
  if (sink.type == "stdout") {
    return std::unique_ptr<pipeline::AlertSink>(std::make_unique<pipeline::StdoutSink>(sink.name));
  }
  if (sink.type == "kafka") {
    pipeline::KafkaSinkOptions options;
    options.name = sink.name;
    options.brokers = sink.brokers;
    options.topic = sink.topic;
    options.properties = sink.properties;
    return AsAlertSink(pipeline::KafkaAlertSink::Create(std::move(options)));
  }
  return base::InvalidInput(
      base::StrCat({"sink '", sink.name, "': unknown type '", sink.type, "'"}));
}

// The source's properties a producer to the same cluster needs (how to connect and
// authenticate); consumer tuning stays with the consumer.
pipeline::KafkaProperties ConnectionProperties(const pipeline::KafkaProperties& properties) {
  constexpr std::string_view kPrefixes[] = {"security.", "sasl.",   "ssl.",       "client.",
                                            "socket.",   "broker.", "api.version"};
  pipeline::KafkaProperties out;
  for (const auto& [name, value] : properties) {
    for (const std::string_view prefix : kPrefixes) {
      if (name.starts_with(prefix)) {
        out.emplace(name, value);
        break;
      }
    }
  }
  return out;
}

// Moves dead letters from the store to the dead-letter topic (or its fallback file), in order,
// acknowledging only what was handed on. Waiting, backoff and shutdown are QueueWorker's.
class DeadLetterWorker final : public pipeline::QueueWorker {
 public:
  DeadLetterWorker(pipeline::Store& store, std::unique_ptr<pipeline::DeadLetterProducer> producer)
      : QueueWorker("th-dead-letter", {}), store_(store), producer_(std::move(producer)) {}
  ~DeadLetterWorker() override { Stop(std::chrono::steady_clock::now()); }

  DeadLetterCounters counters() const {
    DeadLetterCounters counters;
    counters.produced = produced_.load();
    counters.file = file_.load();
    counters.failed = failed_attempts();
    counters.queued = store_.DeadLetterDepth();
    return counters;
  }

 private:
  void Interrupt() override { producer_->Stop(); }

  Round DeliverOnce() override {
    if (const base::Status read = store_.ReadDeadLetters(cursor_, 256, entries_); !read.ok()) {
      spdlog::error("dead letters: {}", read.ToString());
      RecordError(read);
      return Round::kFailed;
    }
    if (entries_.empty()) {
      return Round::kIdle;
    }
    base::Result<size_t> done = producer_->Deliver(entries_);
    if (!done.has_value() || *done == 0) {
      if (!done.has_value()) {
        spdlog::warn("dead-letter topic: {}", done.error().ToString());
      }
      RecordError(done.has_value() ? base::Unavailable("the dead-letter topic took none")
                                   : done.error());
      return Round::kFailed;
    }
    std::vector<uint64_t> seqs;
    for (size_t i = 0; i < *done; ++i) {
      seqs.push_back(entries_[i].seq);
      const bool to_file = producer_->outcomes()[i] == pipeline::DeadLetterDelivery::kFile;
      (to_file ? file_ : produced_).fetch_add(1);
    }
    base::CrashPoint("dlq.pre_ack");
    if (const base::Status acked = store_.AcknowledgeDeadLetters(seqs); !acked.ok()) {
      spdlog::error("dead letters: acknowledgement failed: {}", acked.ToString());
      RecordError(acked);
      return Round::kFailed;
    }
    cursor_ = seqs.back();
    return Round::kProgress;
  }

  pipeline::Store& store_;
  std::unique_ptr<pipeline::DeadLetterProducer> producer_;
  uint64_t cursor_ = 0;                             // worker thread only
  std::vector<pipeline::DeadLetterEntry> entries_;  // worker thread only
  std::atomic<uint64_t> produced_{0};
  std::atomic<uint64_t> file_{0};
};

class Outputs : public RunOutputs {
 public:
  explicit Outputs(pipeline::Store& store) : store_(store) {}

  base::Status Build(const config::Config& config) {
    for (const config::Sink& sink : config.sinks) {
      base::Result<std::unique_ptr<pipeline::AlertSink>> made =
          MakeSink(sink, store_.options().durability);
      if (!made.has_value()) {
        return made.error();
      }
      sinks_.push_back(std::move(*made));
      workers_.push_back(std::make_unique<pipeline::SinkWorker>(store_, *sinks_.back()));
    }
    const config::KafkaSource& kafka = *config.sources.kafka;
    pipeline::DeadLetterProducerOptions options;
    options.brokers = kafka.brokers;
    options.topic = kafka.dead_letter_topic;
    options.fallback_path = config.dead_letter.file;
    options.properties = ConnectionProperties(kafka.properties);
    base::Result<std::unique_ptr<pipeline::DeadLetterProducer>> producer =
        pipeline::DeadLetterProducer::Create(std::move(options));
    if (!producer.has_value()) {
      return producer.error();
    }
    dead_letters_ = std::make_unique<DeadLetterWorker>(store_, std::move(*producer));
    return base::Status::Ok();
  }

  void Start() override {
    for (const auto& worker : workers_) {
      worker->Start();
    }
    dead_letters_->Start();
  }
  void NotifyWritten() override {
    for (const auto& worker : workers_) {
      worker->Notify();
    }
    dead_letters_->Notify();
  }
  void Stop(std::chrono::steady_clock::time_point deadline) override {
    for (const auto& worker : workers_) {
      worker->Stop(deadline);
    }
    dead_letters_->Stop(deadline);
  }
  uint64_t LongestQueue() const override {
    uint64_t longest = 0;
    for (const auto& sink : sinks_) {
      longest = std::max(longest, store_.QueueDepth(sink->name()));
    }
    return longest;
  }
  std::vector<SinkCounters> Sinks() const override {
    std::vector<SinkCounters> out;
    for (size_t i = 0; i < sinks_.size(); ++i) {
      SinkCounters counters;
      counters.name = std::string(sinks_[i]->name());
      counters.delivered = workers_[i]->delivered();
      counters.failed_attempts = workers_[i]->failed_attempts();
      counters.recovered = workers_[i]->recovered();
      counters.shrunk = sinks_[i]->shrunk_alerts();
      counters.queued = store_.QueueDepth(counters.name);
      out.push_back(std::move(counters));
    }
    return out;
  }
  DeadLetterCounters DeadLetters() const override { return dead_letters_->counters(); }

 private:
  pipeline::Store& store_;
  std::vector<std::unique_ptr<pipeline::AlertSink>> sinks_;
  std::vector<std::unique_ptr<pipeline::SinkWorker>> workers_;
  std::unique_ptr<DeadLetterWorker> dead_letters_;
};

}  // namespace

base::Result<std::unique_ptr<RunOutputs>> RunOutputs::Create(const config::Config& config,
                                                             pipeline::Store& store) {
  auto outputs = std::make_unique<Outputs>(store);
  if (const base::Status built = outputs->Build(config); !built.ok()) {
    return built;
  }
  return std::unique_ptr<RunOutputs>(std::move(outputs));
}

}  // namespace trailhound::daemon
