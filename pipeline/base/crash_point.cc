// pipeline/base/crash_point.cc: the armed crash point and its countdown.
#include "pipeline/base/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace trailhound::base {

#ifdef TH_CRASH_POINTS
bool g_crash_point_armed = false;
bool g_delay_point_armed = false;

namespace {
std::string g_name;
std::atomic<long> g_countdown{0};
std::string g_delay_name;
long g_delay_ms = 0;

void ArmDelayPoint() {
  const char* spec = std::getenv("TRAILHOUND_DELAYPOINT");
  if (spec == nullptr || *spec == '\0') {
    return;
  }
  const std::string text(spec);
  const size_t colon = text.rfind(':');
  g_delay_ms = colon == std::string::npos ? 0 : std::atol(text.c_str() + colon + 1);
  g_delay_name = text.substr(0, colon);
  g_delay_point_armed = g_delay_ms > 0;
  std::fprintf(stderr, "trailhound: delay point armed: %ld ms at every pass of %s\n", g_delay_ms,
               g_delay_name.c_str());
}
}  // namespace

void DelayPointSlow(std::string_view name) {
  if (name == g_delay_name) {
    std::this_thread::sleep_for(std::chrono::milliseconds(g_delay_ms));
  }
}

void ArmCrashPoints() {
  ArmDelayPoint();
  const char* spec = std::getenv("TRAILHOUND_CRASHPOINT");
  if (spec == nullptr || *spec == '\0') {
    return;
  }
  const std::string text(spec);
  const size_t colon = text.rfind(':');
  const long count = colon == std::string::npos ? 1 : std::atol(text.c_str() + colon + 1);
  g_name = text.substr(0, colon);
  g_countdown = count < 1 ? 1 : count;
  g_crash_point_armed = true;
  std::fprintf(stderr, "trailhound: crash point armed: SIGKILL at pass %ld of %s\n",
               g_countdown.load(), g_name.c_str());
}

void CrashPointSlow(std::string_view name) {
  if (name == g_name && g_countdown.fetch_sub(1) == 1) {
    kill(getpid(), SIGKILL);
  }
}
#else
void ArmCrashPoints() {}
#endif

}  // namespace trailhound::base
