// bench/bench_child.h: child processes for bench_daemon (trailhound dev-broker, trailhound run,
// kcat) without GoogleTest: tests/integration/child_process.h includes gtest, which a benchmark
// must not need at run time; the waits both use are in tests/integration/process_basics.h. stdout
// and stderr go to files the bench reads; every wait has a deadline. Header-only; used from the
// bench's main thread only.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/process_basics.h"

extern char** environ;

namespace trailhound::bench {

using BenchClock = std::chrono::steady_clock;

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// How a child ended: exit code (128 + signal), or nullopt when it was killed at the deadline;
// and the CPU it used (user + system), from wait4.
struct ChildExit {
  std::optional<int> code;
  double cpu_seconds = 0;
};

// One child process. stdin is a pipe the bench may write (kcat -P) or /dev/null; stdout and
// stderr are files. Destroying it kills the child if it still runs.
class BenchChild {
 public:
  BenchChild() = default;
  BenchChild(const BenchChild&) = delete;
  BenchChild& operator=(const BenchChild&) = delete;
  ~BenchChild() {
    CloseStdin();
    if (pid_ > 0) {
      kill(pid_, SIGCONT);
      kill(pid_, SIGKILL);
      Wait(BenchClock::now() + std::chrono::seconds(10));
    }
  }

  // Starts `args` (args[0] looked up on $PATH); false with the reason in `error()` if it cannot.
  bool Start(std::vector<std::string> args, const std::string& stdout_path,
             const std::string& stderr_path, bool stdin_pipe = false) {
    int in[2] = {-1, -1};
    if (stdin_pipe && pipe2(in, O_CLOEXEC) != 0) {
      error_ = std::string("pipe2: ") + std::strerror(errno);
      return false;
    }
    std::vector<char*> argv = testing::ArgvOf(args);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdin_pipe) {
      posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    const int spawn_error = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (stdin_pipe) {
      close(in[0]);
      stdin_fd_ = in[1];
    }
    if (spawn_error != 0) {
      pid_ = -1;
      error_ = args[0] + ": " + std::strerror(spawn_error);
      return false;
    }
    return true;
  }

  // Writes all of `text` to the child's stdin (blocking while the pipe is full).
  bool WriteStdin(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t wrote = write(stdin_fd_, text.data() + done, text.size() - done);
      if (wrote < 0 && errno == EINTR) {
        continue;
      }
      if (wrote <= 0) {
        return false;
      }
      done += static_cast<std::size_t>(wrote);
    }
    return true;
  }
  void CloseStdin() {
    if (stdin_fd_ >= 0) {
      close(stdin_fd_);
      stdin_fd_ = -1;
    }
  }

  void Signal(int signal) const {
    if (pid_ > 0) {
      kill(pid_, signal);
    }
  }

  // Waits for the exit until `deadline`; SIGKILL at the deadline.
  ChildExit Wait(BenchClock::time_point deadline) {
    ChildExit result;
    if (pid_ <= 0) {
      return result;
    }
    rusage usage{};
    result.code = testing::WaitForExit(pid_, deadline, &usage);
    pid_ = -1;
    result.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    return result;
  }

  pid_t pid() const { return pid_; }
  const std::string& error() const { return error_; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string error_;
};

// Polls `path` every 20 ms until it holds a line containing `needle`; returns that line.
inline std::optional<std::string> WaitForLineInFile(const std::string& path,
                                                    const std::string& needle,
                                                    BenchClock::time_point deadline) {
  for (;;) {
    std::istringstream lines(ReadWholeFile(path));
    for (std::string line; std::getline(lines, line);) {
      if (line.find(needle) != std::string::npos) {
        return line;
      }
    }
    if (BenchClock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace trailhound::bench
