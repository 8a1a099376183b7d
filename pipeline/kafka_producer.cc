// pipeline/kafka_producer.cc: see kafka_producer.h. The settings and why are AT-LEAST-ONCE.md §1:
// idempotence keeps order and drops librdkafka's own resend duplicates; message.timeout.ms=0
// means a message is retried until delivered or refused for good, so there is no
// POSSIBLY_PERSISTED timeout whose resend would duplicate.
#include "pipeline/kafka_producer.h"

#include <syslog.h>

#include <cstring>
#include <utility>

#include <spdlog/spdlog.h>

#include "pipeline/base/str_cat.h"

namespace trailhound::pipeline {
namespace {

// librdkafka's default logger prints `%3|time|FAC|name| msg` straight to stderr, around the
// daemon's formatter, which breaks `logging: {format: json}`. Warnings and errors go through
// spdlog instead (as the consumer's do); notices are dropped. Called on librdkafka's threads;
// spdlog's sink is thread-safe.
void LogThroughSpdlog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  // AUTOCREATE: pre-0.11 brokers (and the dev-broker's mock) cannot honour
  // allow.auto.create.topics; said on every metadata request, so it is debug, as for the consumer.
  if (level <= LOG_WARNING && std::strcmp(facility, "AUTOCREATE") != 0) {
    spdlog::warn("librdkafka {} {}: {}", rd_kafka_name(rk), facility, message);
  } else if (level <= LOG_WARNING) {
    spdlog::debug("librdkafka {} {}: {}", rd_kafka_name(rk), facility, message);
  }
}

}  // namespace

KafkaProperties ProducerProperties(const std::string& brokers, const KafkaProperties& overrides) {
  KafkaProperties properties = {
      {"bootstrap.servers", brokers}, {"enable.idempotence", "true"},
      {"message.timeout.ms", "0"},    {"linger.ms", "5"},
      {"compression.type", "lz4"},
  };
  for (const auto& [name, value] : overrides) {
    properties[name] = value;
  }
  return properties;
}

base::Result<rd_kafka_conf_t*> NewKafkaConf(const KafkaProperties& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, LogThroughSpdlog);
  char error[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return base::InvalidInput(base::StrCat({"kafka property '", name, "': ", error}));
    }
  }
  return conf;
}

base::Result<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(
    const KafkaProperties& properties) {
  base::Result<rd_kafka_conf_t*> conf = NewKafkaConf(properties);
  if (!conf.has_value()) {
    return conf.error();
  }
  std::unique_ptr<KafkaProducer> producer(new KafkaProducer());
  rd_kafka_conf_set_dr_msg_cb(*conf, &KafkaProducer::OnDelivery);
  rd_kafka_conf_set_opaque(*conf, producer.get());
  char error[512];
  producer->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, error, sizeof(error));
  if (producer->rk_ == nullptr) {
    rd_kafka_conf_destroy(*conf);  // rd_kafka_new owns it only on success
    return base::InvalidInput(base::StrCat({"cannot create the kafka producer: ", error}));
  }
  return producer;
}

KafkaProducer::~KafkaProducer() {
  if (rk_ == nullptr) {
    return;
  }
  // Whatever is unconfirmed stays in the outbox; purging keeps destroy from waiting on a
  // broker that may be gone (INTRODUCTION.md "Termination").
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);  // serve the purge reports while round_ still exists
  round_.clear();
  rd_kafka_destroy(rk_);
}

void KafkaProducer::BeginRound(const std::vector<uint64_t>& seqs) {
  round_.clear();
  for (size_t i = 0; i < seqs.size(); ++i) {
    round_.emplace(seqs[i], i);
  }
  reports_.assign(seqs.size(), std::nullopt);
  landed_.assign(seqs.size(), {-1, -1});
  reported_ = 0;
}

void KafkaProducer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  const auto seq = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(message->_private));
  const auto it = self->round_.find(seq);
  if (it == self->round_.end() || self->reports_[it->second].has_value()) {
    return;  // a report from a stopped earlier round
  }
  self->reports_[it->second] = message->err;
  self->landed_[it->second] = {message->partition, message->offset};
  ++self->reported_;
}

rd_kafka_resp_err_t KafkaProducer::Produce(std::vector<rd_kafka_vu_t> vus, uint64_t seq,
                                           const std::atomic<bool>& stop,
                                           std::chrono::milliseconds backoff) {
  rd_kafka_vu_t opaque{};
  opaque.vtype = RD_KAFKA_VTYPE_OPAQUE;
  opaque.u.ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(seq));
  vus.push_back(opaque);
  rd_kafka_vu_t flags{};
  flags.vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  flags.u.i = RD_KAFKA_MSG_F_COPY;  // never F_BLOCK: QUEUE_FULL comes back to us (§8)
  vus.push_back(flags);
  for (;;) {
    rd_kafka_error_t* error = rd_kafka_produceva(rk_, vus.data(), vus.size());
    if (error == nullptr) {
      return RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    rd_kafka_error_destroy(error);
    if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL || stop.load(std::memory_order_relaxed)) {
      return code;
    }
    rd_kafka_poll(rk_, static_cast<int>(backoff.count()));
  }
}

void KafkaProducer::AwaitReports(size_t produced, const std::atomic<bool>& stop) {
  // Short polls so Stop() is seen within ~50 ms; reports wake the poll at once.
  constexpr int kPollMs = 50;
  while (reported_ < produced && !stop.load(std::memory_order_relaxed)) {
    rd_kafka_poll(rk_, kPollMs);
    if (!FatalError().ok()) {
      return;
    }
  }
}

base::Status KafkaProducer::FatalError() const {
  char reason[512];
  const rd_kafka_resp_err_t code = rd_kafka_fatal_error(rk_, reason, sizeof(reason));
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Status::Ok();
  }
  return base::Unavailable(
      base::StrCat({"kafka producer fatal error ", rd_kafka_err2name(code), ": ", reason}));
}

rd_kafka_vu_t TopicArg(const std::string& topic) {
  rd_kafka_vu_t vu{};
  vu.vtype = RD_KAFKA_VTYPE_TOPIC;
  vu.u.cstr = topic.c_str();
  return vu;
}

rd_kafka_vu_t BytesArg(rd_kafka_vtype_t type, std::string_view bytes) {
  rd_kafka_vu_t vu{};
  vu.vtype = type;
  // librdkafka copies the bytes and never writes through this pointer.
  vu.u.mem.ptr = const_cast<char*>(bytes.data());
  vu.u.mem.size = bytes.size();
  return vu;
}

rd_kafka_vu_t HeaderArg(const char* name, std::string_view value) {
  rd_kafka_vu_t vu{};
  vu.vtype = RD_KAFKA_VTYPE_HEADER;
  vu.u.header.name = name;
  vu.u.header.val = value.data();
  vu.u.header.size = static_cast<ssize_t>(value.size());
  return vu;
}

base::Status EnsureKafkaProducer(std::unique_ptr<KafkaProducer>& producer,
                                 const std::string& brokers, const KafkaProperties& overrides) {
  if (producer != nullptr) {
    return base::Status::Ok();
  }
  base::Result<std::unique_ptr<KafkaProducer>> created =
      KafkaProducer::Create(ProducerProperties(brokers, overrides));
  if (!created.has_value()) {
    return created.error();
  }
  producer = std::move(created).value();
  return base::Status::Ok();
}

bool IsPermanentProduceError(rd_kafka_resp_err_t error) {
  switch (error) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return true;
    default:
      return false;
  }
}

}  // namespace trailhound::pipeline
