// tests/integration/cli_harness.h: runs the real trailhound binary (TH_TRAILHOUND_BIN) in a
// temporary directory the test owns, capturing exit code, stdout and stderr. Header-only, for
// the CLI integration tests.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace trailhound::testing {

namespace fs = std::filesystem;

// A directory under /tmp made for one test and removed with everything in it afterwards.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/th-cli-test-XXXXXX";
    const char* made = mkdtemp(pattern);
    EXPECT_NE(made, nullptr) << std::strerror(errno);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(std::string_view relative) const {
    return path_ + "/" + std::string(relative);
  }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, std::string_view content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Starts `argv` (argv[0] a path, or a name looked up on $PATH) with stdin from `stdin_path` and
// stdout and stderr written to files; returns posix_spawn's error, 0 when it started.
inline int SpawnWithFiles(std::vector<char*>& argv, const std::string& stdin_path,
                          const std::string& out_path, const std::string& err_path, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  const int spawn_error = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return spawn_error;
}

// Runs the trailhound binary with `args`, stdin from `stdin_path` (or /dev/null), and waits.
inline RunResult RunTrailhound(const TempDir& dir, const std::vector<std::string>& args,
                               const std::string& stdin_path = "/dev/null") {
  RunResult result;
  const std::string out_path = dir / "run.stdout";
  const std::string err_path = dir / "run.stderr";
  std::vector<std::string> argv_strings = {TH_TRAILHOUND_BIN};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int spawn_error = SpawnWithFiles(argv, stdin_path, out_path, err_path, pid);
  EXPECT_EQ(spawn_error, 0) << TH_TRAILHOUND_BIN << ": " << std::strerror(spawn_error);
  if (spawn_error != 0) {
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  EXPECT_TRUE(WIFEXITED(status)) << "trailhound died with status " << status;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

}  // namespace trailhound::testing
