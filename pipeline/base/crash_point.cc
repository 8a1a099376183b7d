// pipeline/base/crash_point.cc: the armed crash point and its countdown.
#include "pipeline/base/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace trailhound::base {

#ifdef TH_CRASH_POINTS
bool g_crash_point_armed = false;

namespace {
std::string g_name;
std::atomic<long> g_countdown{0};
}  // namespace

void ArmCrashPoints() {
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
