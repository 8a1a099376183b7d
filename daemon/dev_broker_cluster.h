// daemon/dev_broker_cluster.h: librdkafka's mock cluster (rdkafka_mock.h) as one owned object:
// N brokers speaking the Kafka wire protocol on random 127.0.0.1 ports, with every log in
// memory. `dev-broker` creates it, adds its topics and drives outages, request errors and
// latency through it. Thread-safe: librdkafka runs each call as an operation on the cluster's
// own thread and waits for it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "pipeline/base/result.h"
#include "pipeline/base/status.h"

namespace trailhound::daemon {

class DevBrokerCluster {
 public:
  // Every broker, where a broker id is asked for.
  static constexpr int32_t kAllBrokers = -1;

  // REQUIRES: broker_count >= 1. Brokers get ids 1..broker_count.
  static base::Result<std::unique_ptr<DevBrokerCluster>> Create(int broker_count);
  ~DevBrokerCluster();
  DevBrokerCluster(const DevBrokerCluster&) = delete;
  DevBrokerCluster& operator=(const DevBrokerCluster&) = delete;

  // "127.0.0.1:PORT,..." in broker id order; the first is the bootstrap broker.
  const std::string& bootstraps() const { return bootstraps_; }
  int broker_count() const { return broker_count_; }

  // Replication is min(3, brokers), the mock's own default; leaders are spread over brokers.
  base::Status CreateTopic(const std::string& name, int partitions);

  // Down closes the broker's connections and refuses new ones, keeping its port and its
  // partitions' logs; leadership does not move (AT-LEAST-ONCE.md §12). `broker_id` may be
  // kAllBrokers.
  base::Status SetBrokerUp(int32_t broker_id, bool up);
  base::Status SetBrokerRtt(int32_t broker_id, std::chrono::milliseconds rtt);

  // The next errors.size() requests of `api_key`, on any broker, fail with these Kafka error
  // codes in order (0 lets one through).
  void PushRequestErrors(int16_t api_key, std::span<const int32_t> error_codes);

 private:
  struct Handles;
  DevBrokerCluster(std::unique_ptr<Handles> handles, std::string bootstraps, int broker_count);

  std::unique_ptr<Handles> handles_;
  std::string bootstraps_;
  int broker_count_;
};

}  // namespace trailhound::daemon
