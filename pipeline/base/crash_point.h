// pipeline/base/crash_point.h: deterministic crashes for the fault tests of AT-LEAST-ONCE.md §12.
// `TRAILHOUND_CRASHPOINT=NAME:N` makes the N-th pass through CrashPoint("NAME") raise SIGKILL,
// the same death as kill -9 but at an exact moment. Unset (production), a pass is one branch.
// `TRAILHOUND_DELAYPOINT=NAME:MS` makes every pass through DelayPoint("NAME") sleep MS
// milliseconds instead: a slow disk or a stalled store, on demand. Built in unless CMake's
// TH_CRASH_POINTS is OFF.
#pragma once

#include <string_view>

namespace trailhound::base {

// Reads TRAILHOUND_CRASHPOINT and TRAILHOUND_DELAYPOINT; call once at start, before threads.
void ArmCrashPoints();

#ifdef TH_CRASH_POINTS
void CrashPointSlow(std::string_view name);
extern bool g_crash_point_armed;
inline void CrashPoint(std::string_view name) {
  if (g_crash_point_armed) [[unlikely]] {
    CrashPointSlow(name);
  }
}
void DelayPointSlow(std::string_view name);
extern bool g_delay_point_armed;
inline void DelayPoint(std::string_view name) {
  if (g_delay_point_armed) [[unlikely]] {
    DelayPointSlow(name);
  }
}
#else
inline void CrashPoint(std::string_view /*name*/) {}
inline void DelayPoint(std::string_view /*name*/) {}
#endif

}  // namespace trailhound::base
