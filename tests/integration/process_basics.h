// tests/integration/process_basics.h: the waits and lookups every child process of the tests and
// of bench_daemon needs, without GoogleTest (a benchmark must not need it at run time). Every
// wait polls a pidfd against a deadline; nothing sleeps. Header-only.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/base/str_cat.h"

namespace trailhound::testing {

using TestClock = std::chrono::steady_clock;

// Milliseconds from now to `deadline`, clamped to [0, 60000] for poll(2).
inline int MillisecondsLeft(TestClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - TestClock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
}

// The full path of `program` on $PATH, or empty when it is not installed.
inline std::string FindOnPath(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    const std::string candidate = base::StrCat({dirs.substr(0, colon), "/", program});
    if (access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return "";
}

// Waits for `pid` to exit until `deadline`, through a pidfd; kills it (SIGKILL) if it has not.
// Returns its exit code, 128 + signal when a signal ended it, or nullopt on timeout. `usage`,
// when given, receives the child's resource use (wait4).
inline std::optional<int> WaitForExit(pid_t pid, TestClock::time_point deadline,
                                      rusage* usage = nullptr) {
  // The raw call: glibc 2.36's <sys/pidfd.h> lacks extern "C" and so cannot link from C++.
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  bool exited = true;
  if (pidfd >= 0) {
    pollfd fd{pidfd, POLLIN, 0};
    int ready = 0;
    while ((ready = poll(&fd, 1, MillisecondsLeft(deadline))) < 0 && errno == EINTR) {
    }
    exited = ready > 0;
    close(pidfd);
  }
  if (!exited) {
    kill(pid, SIGKILL);
  }
  int status = 0;
  while (wait4(pid, &status, 0, usage) < 0 && errno == EINTR) {
  }
  if (!exited) {
    return std::nullopt;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// argv for posix_spawn: pointers into `args`, which must outlive them, and a final nullptr.
inline std::vector<char*> ArgvOf(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  return argv;
}

}  // namespace trailhound::testing
