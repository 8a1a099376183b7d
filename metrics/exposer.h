// metrics/exposer.h: the daemon's HTTP endpoint for operators. Serves /metrics (the registry in
// Prometheus text format), /healthz (200 "ok" while the process runs) and /readyz (200 while the
// daemon says it is ready, 503 otherwise) from one prometheus::Exposer on one port.
//
// prometheus-cpp 1.0.1 (Debian) can serve only collectables and basic auth on a path, so the
// two probes are answered by civetweb's begin_request callback, which the Exposer passes through
// to its own server: no second listener, no second HTTP stack.
//
// Threads: civetweb's worker threads (`num_threads`) serve requests; SetReady, ready and port may
// be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "pipeline/base/result.h"

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace trailhound::metrics {

class MetricsExposer {
 public:
  // Listens on `listen`, "HOST:PORT" ("127.0.0.1:0" picks a free port; see port()), and serves
  // `registry` on /metrics. Starts not ready. Fails when the address cannot be bound.
  static base::Result<std::unique_ptr<MetricsExposer>> Start(
      std::string_view listen, std::shared_ptr<prometheus::Registry> registry,
      size_t num_threads = 2);
  // Stops serving and joins civetweb's threads.
  ~MetricsExposer();
  MetricsExposer(const MetricsExposer&) = delete;
  MetricsExposer& operator=(const MetricsExposer&) = delete;

  // The port actually bound.
  uint16_t port() const { return port_; }

  // What /readyz answers: 200 when true, 503 when false.
  void SetReady(bool ready) { ready_->store(ready, std::memory_order_release); }
  bool ready() const { return ready_->load(std::memory_order_acquire); }

 private:
  MetricsExposer() = default;

  std::shared_ptr<std::atomic<bool>> ready_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  uint16_t port_ = 0;
};

}  // namespace trailhound::metrics
