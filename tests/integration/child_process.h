// tests/integration/child_process.h: real processes for integration tests (trailhound
// dev-broker, kcat) with pipes and bounded waits. Every wait polls a descriptor (a pipe or a
// pidfd, process_basics.h) against a deadline; nothing sleeps. Header-only; one thread per
// ChildProcess.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/base/str_cat.h"
#include "tests/integration/cli_harness.h"
#include "tests/integration/process_basics.h"

extern char** environ;

namespace trailhound::testing {

struct ToolResult {
  std::optional<int> exit_code;  // nullopt: it did not finish in time and was killed
  std::string out;
  std::string err;
};

// Runs `args` (args[0] looked up on $PATH) with stdin from `stdin_path`, its output into files
// under `dir`, and waits at most `timeout`.
inline ToolResult RunTool(std::vector<std::string> args, const std::string& dir,
                          const std::string& stdin_path, std::chrono::seconds timeout) {
  ToolResult result;
  const std::string out_path = dir + "/tool.stdout";
  const std::string err_path = dir + "/tool.stderr";
  std::vector<char*> argv = ArgvOf(args);
  pid_t pid = 0;
  const int spawn_error = SpawnWithFiles(argv, stdin_path, out_path, err_path, pid);
  if (spawn_error != 0) {
    result.err = args[0] + ": " + std::strerror(spawn_error);
    return result;
  }
  result.exit_code = WaitForExit(pid, TestClock::now() + timeout);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

// A long-running child with its stdin, stdout and stderr on pipes the test holds. Destroying
// it kills the child (SIGKILL) if it still runs.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitForExit(pid_, TestClock::now() + std::chrono::seconds(10));
    }
    for (const int fd : {stdin_fd_, stdout_fd_, stderr_fd_}) {
      if (fd >= 0) {
        close(fd);
      }
    }
  }

  // Starts `args` (args[0] a path) with the test's environment plus `extra_env` ("NAME=value"),
  // which wins over a variable of the same name in the test's.
  // False, with the reason in `error()`, if it cannot.
  bool Start(std::vector<std::string> args, std::vector<std::string> extra_env = {}) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      error_ = std::string("pipe2: ") + std::strerror(errno);
      return false;
    }
    std::vector<char*> argv = ArgvOf(args);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    // A variable in `extra_env` replaces the test's own: getenv() would find the first of two.
    const auto overridden = [&](std::string_view variable) {
      const std::string_view name = variable.substr(0, variable.find('='));
      return std::any_of(extra_env.begin(), extra_env.end(), [&](const std::string& extra) {
        return extra.size() > name.size() && extra.starts_with(name) && extra[name.size()] == '=';
      });
    };
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) {
      if (!overridden(*e)) {
        envp.push_back(*e);
      }
    }
    for (std::string& variable : extra_env) {
      envp.push_back(variable.data());
    }
    envp.push_back(nullptr);
    const int spawn_error =
        posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    if (spawn_error != 0) {
      pid_ = -1;
      error_ = args[0] + ": " + std::strerror(spawn_error);
      return false;
    }
    return true;
  }

  // The next line of stdout, without its newline; nullopt at the deadline or end of output.
  std::optional<std::string> ReadStdoutLine(TestClock::time_point deadline) {
    return TakeLine(out_, [&] { return Pump(deadline); });
  }

  // The first stderr line, not returned before, that contains `needle`.
  std::optional<std::string> WaitForStderr(std::string_view needle,
                                           TestClock::time_point deadline) {
    for (;;) {
      std::size_t newline = err_.find('\n', err_scanned_);
      while (newline != std::string::npos) {
        const std::string line = err_.substr(err_scanned_, newline - err_scanned_);
        err_scanned_ = newline + 1;
        if (line.find(needle) != std::string::npos) {
          return line;
        }
        newline = err_.find('\n', err_scanned_);
      }
      if (!Pump(deadline)) {
        return std::nullopt;
      }
    }
  }

  bool WriteStdin(std::string_view text) {
    return write(stdin_fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  void CloseStdin() {
    close(stdin_fd_);
    stdin_fd_ = -1;
  }

  void Signal(int signal) { kill(pid_, signal); }
  // The exit code (128 + signal when a signal ended it) if it has exited, without waiting.
  std::optional<int> PollExit() {
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) {
      return std::nullopt;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Reads its output for `duration`, so its pipes never fill while a test waits on something
  // else.
  void PumpFor(std::chrono::milliseconds duration) {
    const TestClock::time_point deadline = TestClock::now() + duration;
    while (Pump(deadline)) {
    }
  }

  // Sends `signal` and waits for the exit; see WaitForExit. Reads what is left of its output.
  std::optional<int> Stop(int signal, TestClock::time_point deadline) {
    kill(pid_, signal);
    return Wait(deadline);
  }
  std::optional<int> Wait(TestClock::time_point deadline) {
    const std::optional<int> code = WaitForExit(pid_, deadline);
    pid_ = -1;
    while (Pump(deadline)) {
    }
    return code;
  }

  // All of stderr read so far, for failure messages.
  const std::string& stderr_text() const { return err_; }
  const std::string& error() const { return error_; }

 private:
  template <typename PumpFn>
  std::optional<std::string> TakeLine(std::string& buffer, PumpFn pump) {
    for (;;) {
      const std::size_t newline = buffer.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer.substr(0, newline);
        buffer.erase(0, newline + 1);
        return line;
      }
      if (!pump()) {
        return std::nullopt;
      }
    }
  }

  // Reads whatever stdout or stderr has until one of them has data; false at the deadline or
  // when both have ended.
  bool Pump(TestClock::time_point deadline) {
    pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
    if (stdout_fd_ < 0 && stderr_fd_ < 0) {
      return false;
    }
    int ready = 0;
    while ((ready = poll(fds, 2, MillisecondsLeft(deadline))) < 0 && errno == EINTR) {
    }
    if (ready <= 0) {
      return false;
    }
    ReadSome(fds[0], stdout_fd_, out_);
    ReadSome(fds[1], stderr_fd_, err_);
    return true;
  }

  static void ReadSome(const pollfd& polled, int& fd, std::string& buffer) {
    if (fd < 0 || polled.revents == 0) {
      return;
    }
    char chunk[4096];
    const ssize_t got = read(fd, chunk, sizeof(chunk));
    if (got > 0) {
      buffer.append(chunk, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      close(fd);
      fd = -1;
    }
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string out_;
  std::string err_;
  std::size_t err_scanned_ = 0;
  std::string error_;
};

}  // namespace trailhound::testing
