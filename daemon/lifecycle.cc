// daemon/lifecycle.cc: signals through sigtimedwait, notifications through libsystemd.
#include "daemon/lifecycle.h"

#include <signal.h>
#include <time.h>

#include <ctime>

#include <systemd/sd-daemon.h>

namespace trailhound::daemon {
namespace {

sigset_t LifecycleSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void BlockLifecycleSignals() {
  const sigset_t set = LifecycleSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Signal TakePendingSignal() {
  const sigset_t set = LifecycleSignals();
  const timespec no_wait{0, 0};
  const int signal = sigtimedwait(&set, nullptr, &no_wait);
  if (signal == SIGTERM || signal == SIGINT) {
    return Signal::kStop;
  }
  if (signal == SIGHUP) {
    return Signal::kReload;
  }
  return Signal::kNone;
}

ServiceNotifier::ServiceNotifier() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) {
    watchdog_interval_ = std::chrono::microseconds(usec);
  }
}

void ServiceNotifier::Notify(const std::string& state) {
  sd_notify(0, state.c_str());
}

void ServiceNotifier::Ready(const std::string& status) {
  Notify("READY=1\nSTATUS=" + status);
}

void ServiceNotifier::Reloading() {
  // systemd ≥ 253 wants MONOTONIC_USEC with RELOADING=1 (Type=notify-reload).
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const uint64_t usec =
      static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1000;
  Notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void ServiceNotifier::Stopping() {
  Notify("STOPPING=1");
}

void ServiceNotifier::Status(const std::string& status) {
  Notify("STATUS=" + status);
}

void ServiceNotifier::KeepAlive() {
  if (!watchdog_enabled()) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ping_ >= watchdog_interval_ / 2) {
    Notify("WATCHDOG=1");
    last_ping_ = now;
  }
}

}  // namespace trailhound::daemon
