// metrics/exposer.cc: prometheus::Exposer plus the /healthz and /readyz probes. civetweb calls
// begin_request, a plain function, before its own URI routing; it finds the readiness flag of
// the exposer listening on the request's port in a process-wide table, so several exposers (as
// in tests) each answer for themselves.
#include "metrics/exposer.h"

#include <CivetServer.h>
#include <civetweb.h>

#include <exception>
#include <map>
#include <mutex>
#include <string>

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "pipeline/base/str_cat.h"

namespace trailhound::metrics {
namespace {

using ReadyFlag = std::shared_ptr<std::atomic<bool>>;

// Readiness flags by listening port. Ports are unique while bound, so the table has one entry
// per live exposer.
class ReadinessTable {
 public:
  static ReadinessTable& Get() {
    static ReadinessTable* table = new ReadinessTable();  // never destroyed: used at exit
    return *table;
  }
  void Add(int port, ReadyFlag flag) {
    std::lock_guard lock(mu_);
    flags_[port] = std::move(flag);
  }
  void Remove(int port) {
    std::lock_guard lock(mu_);
    flags_.erase(port);
  }
  ReadyFlag Find(int port) {
    std::lock_guard lock(mu_);
    const auto it = flags_.find(port);
    return it == flags_.end() ? nullptr : it->second;
  }

 private:
  std::mutex mu_;
  std::map<int, ReadyFlag> flags_;
};

int SendText(mg_connection* conn, int status, std::string_view body) {
  const std::string length = std::to_string(body.size());
  mg_response_header_start(conn, status);
  mg_response_header_add(conn, "Content-Type", "text/plain; charset=utf-8", -1);
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_send(conn);
  mg_write(conn, body.data(), body.size());
  return status;
}

// 0 lets civetweb route the request (to /metrics, or a 404); non-zero means answered here.
int AnswerProbe(mg_connection* conn) {
  const mg_request_info* request = mg_get_request_info(conn);
  if (request == nullptr || request->local_uri == nullptr) {
    return 0;
  }
  const std::string_view path = request->local_uri;
  if (path == "/healthz") {
    return SendText(conn, 200, "ok\n");
  }
  if (path == "/readyz") {
    const ReadyFlag flag = ReadinessTable::Get().Find(request->server_port);
    const bool ready = flag != nullptr && flag->load(std::memory_order_acquire);
    return ready ? SendText(conn, 200, "ready\n") : SendText(conn, 503, "not ready\n");
  }
  return 0;
}

}  // namespace

base::Result<std::unique_ptr<MetricsExposer>> MetricsExposer::Start(
    std::string_view listen, std::shared_ptr<prometheus::Registry> registry, size_t num_threads) {
  std::unique_ptr<MetricsExposer> exposer(new MetricsExposer());
  exposer->ready_ = std::make_shared<std::atomic<bool>>(false);
  exposer->registry_ = std::move(registry);
  try {
    CivetCallbacks callbacks;  // civetweb copies it at start
    callbacks.begin_request = AnswerProbe;
    exposer->exposer_ =
        std::make_unique<prometheus::Exposer>(std::string(listen), num_threads, &callbacks);
    exposer->exposer_->RegisterCollectable(exposer->registry_);
    const std::vector<int> ports = exposer->exposer_->GetListeningPorts();
    if (ports.empty() || ports.front() <= 0) {
      return base::Unavailable(base::StrCat({"metrics: no port bound for '", listen, "'"}));
    }
    exposer->port_ = static_cast<uint16_t>(ports.front());
    for (const int port : ports) {
      ReadinessTable::Get().Add(port, exposer->ready_);
    }
  } catch (const std::exception& e) {
    return base::Unavailable(
        base::StrCat({"metrics: cannot listen on '", listen, "': ", e.what()}));
  }
  return exposer;
}

MetricsExposer::~MetricsExposer() {
  if (exposer_ != nullptr) {
    for (const int port : exposer_->GetListeningPorts()) {
      ReadinessTable::Get().Remove(port);
    }
  }
  exposer_.reset();  // joins civetweb's threads before the registry may go
}

}  // namespace trailhound::metrics
