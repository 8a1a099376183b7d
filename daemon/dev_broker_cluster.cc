// daemon/dev_broker_cluster.cc: owns the librdkafka handle the mock cluster needs and the
// cluster itself. The handle is a producer with no bootstrap servers: it never connects
// anywhere, it only hosts the cluster's thread and its log.
#include "daemon/dev_broker_cluster.h"

#include <syslog.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "pipeline/base/check.h"
#include "pipeline/base/str_cat.h"

namespace trailhound::daemon {
namespace {

// librdkafka logs from its own threads; warnings and worse reach stderr, the notices of an
// unconnected producer ("no bootstrap.servers") do not.
void LogToStderr(const rd_kafka_t* /*rk*/, int level, const char* facility, const char* message) {
  if (level <= LOG_WARNING) {
    std::fprintf(stderr, "trailhound dev-broker: librdkafka %s: %s\n", facility, message);
  }
}

base::Status MockStatus(rd_kafka_resp_err_t error, std::string_view what) {
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return base::Status::Ok();
  }
  return base::InvalidInput(base::StrCat({what, ": ", rd_kafka_err2str(error)}));
}

}  // namespace

struct DevBrokerCluster::Handles {
  rd_kafka_t* client = nullptr;
  rd_kafka_mock_cluster_t* cluster = nullptr;

  ~Handles() {
    if (cluster != nullptr) {
      rd_kafka_mock_cluster_destroy(cluster);
    }
    if (client != nullptr) {
      rd_kafka_destroy(client);
    }
  }
};

DevBrokerCluster::DevBrokerCluster(std::unique_ptr<Handles> handles, std::string bootstraps,
                                   int broker_count)
    : handles_(std::move(handles)),
      bootstraps_(std::move(bootstraps)),
      broker_count_(broker_count) {}

DevBrokerCluster::~DevBrokerCluster() = default;

base::Result<std::unique_ptr<DevBrokerCluster>> DevBrokerCluster::Create(int broker_count) {
  TH_CHECK(broker_count >= 1);
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, LogToStderr);
  char error_text[512] = {};
  auto handles = std::make_unique<Handles>();
  // On success rd_kafka_new owns conf; on failure it is still ours.
  handles->client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error_text, sizeof(error_text));
  if (handles->client == nullptr) {
    rd_kafka_conf_destroy(conf);
    return base::Internal(std::string("cannot create the librdkafka handle: ") + error_text);
  }
  handles->cluster = rd_kafka_mock_cluster_new(handles->client, broker_count);
  if (handles->cluster == nullptr) {
    return base::Unavailable(
        "cannot start the mock cluster (its brokers could not bind "
        "127.0.0.1; see the librdkafka messages above)");
  }
  std::string bootstraps = rd_kafka_mock_cluster_bootstraps(handles->cluster);
  return std::unique_ptr<DevBrokerCluster>(
      new DevBrokerCluster(std::move(handles), std::move(bootstraps), broker_count));
}

base::Status DevBrokerCluster::CreateTopic(const std::string& name, int partitions) {
  const int replication = std::min(3, broker_count_);
  return MockStatus(
      rd_kafka_mock_topic_create(handles_->cluster, name.c_str(), partitions, replication),
      base::StrCat({"cannot create topic '", name, "'"}));
}

base::Status DevBrokerCluster::SetBrokerUp(int32_t broker_id, bool up) {
  const rd_kafka_resp_err_t error =
      up ? rd_kafka_mock_broker_set_up(handles_->cluster, broker_id)
         : rd_kafka_mock_broker_set_down(handles_->cluster, broker_id);
  return MockStatus(
      error, base::StrCat({"cannot set broker ", std::to_string(broker_id), up ? " up" : " down"}));
}

base::Status DevBrokerCluster::SetBrokerRtt(int32_t broker_id, std::chrono::milliseconds rtt) {
  return MockStatus(
      rd_kafka_mock_broker_set_rtt(handles_->cluster, broker_id, static_cast<int>(rtt.count())),
      base::StrCat({"cannot set the rtt of broker ", std::to_string(broker_id)}));
}

void DevBrokerCluster::PushRequestErrors(int16_t api_key, std::span<const int32_t> error_codes) {
  std::vector<rd_kafka_resp_err_t> errors;
  errors.reserve(error_codes.size());
  for (const int32_t code : error_codes) {
    errors.push_back(static_cast<rd_kafka_resp_err_t>(code));
  }
  rd_kafka_mock_push_request_errors_array(handles_->cluster, api_key, errors.size(), errors.data());
}

}  // namespace trailhound::daemon
