// daemon/lifecycle.h: how the daemon hears from the outside world and answers it: SIGTERM,
// SIGINT and SIGHUP taken synchronously (blocked in every thread, collected by the main loop),
// and systemd's notification protocol (READY, RELOADING, STOPPING, WATCHDOG) when
// NOTIFY_SOCKET is set.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace trailhound::daemon {

enum class Signal { kNone, kStop, kReload };

// Blocks the lifecycle signals for the calling thread and every thread it starts afterwards.
// Call first in `run`, before any thread exists.
void BlockLifecycleSignals();
// The next pending lifecycle signal, without waiting.
Signal TakePendingSignal();

// sd_notify wrapper; every call is a no-op without NOTIFY_SOCKET.
class ServiceNotifier {
 public:
  ServiceNotifier();
  void Ready(const std::string& status);
  void Reloading();
  void Stopping();
  void Status(const std::string& status);
  // Sends WATCHDOG=1 when half the watchdog interval has passed since the last one.
  void KeepAlive();
  bool watchdog_enabled() const { return watchdog_interval_.count() > 0; }

 private:
  void Notify(const std::string& state);
  std::chrono::microseconds watchdog_interval_{0};
  std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace trailhound::daemon
