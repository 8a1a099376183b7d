// tests/pipeline/store_crash_test.cc: kill -9 while a child process writes batches with process
// durability. Every batch the child reported as written must be there whole after reopening, and
// no batch may be there in part (one WriteBatch is one WAL record).
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/store.h"
#include "tests/pipeline/temp_dir.h"

extern char** environ;

namespace trailhound::pipeline {
namespace {

constexpr int kEventsPerBatch = 3;
constexpr int kAlertsPerBatch = 4;
constexpr int kBatchesBeforeKill = 150;
constexpr int kMaxChildBatches = 100000;
constexpr char kChildTest[] = "StoreCrashChild.DISABLED_WritesBatchesUntilKilled";

StoreOptions CrashStoreOptions(const std::string& dir) {
  StoreOptions options;
  options.dir = dir;
  options.durability = Durability::kProcess;
  options.sinks = {"file"};
  return options;
}

// Batch b: kEventsPerBatch events, kAlertsPerBatch alerts "b<b>-a<i>", one dead letter whose
// raw bytes are b, and next offset b + 1.
base::Status WriteCrashBatch(Store& store, int b) {
  StoreBatch batch = store.NewBatch();
  for (int i = 0; i < kEventsPerBatch; ++i) {
    batch.PutEvent(int64_t{b} * 1000 + i, std::to_string(i), "{}");
  }
  for (int i = 0; i < kAlertsPerBatch; ++i) {
    // Built by appending: GCC 12 reports a false -Wrestrict on "literal" + std::string here.
    std::string id = "b";
    id.append(std::to_string(b)).append("-a").append(std::to_string(i));
    std::string body = "{\"alert_id\":\"";
    body.append(id).append("\"}");
    base::Result<bool> added = batch.AddAlert(id, body, b);
    if (!added.has_value()) {
      return added.error();
    }
  }
  DeadLetterRecord record;
  record.raw = std::to_string(b);
  batch.AddDeadLetter(record);
  batch.SetNextOffset("t", 0, b + 1);
  return store.Write(batch);
}

// Runs only in the child started by the test below.
TEST(StoreCrashChild, DISABLED_WritesBatchesUntilKilled) {
  const char* dir = std::getenv("TH_STORE_CRASH_DIR");
  const char* fd_text = std::getenv("TH_STORE_CRASH_FD");
  if (dir == nullptr || fd_text == nullptr) {
    GTEST_SKIP() << "runs only as the child of Store.KillNineLeavesOnlyWholeBatches";
  }
  int fd = std::atoi(fd_text);
  base::Result<std::unique_ptr<Store>> store = Store::Open(CrashStoreOptions(dir));
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  for (int b = 0; b < kMaxChildBatches; ++b) {
    base::Status status = WriteCrashBatch(**store, b);
    ASSERT_TRUE(status.ok()) << status.ToString();
    std::string line = std::to_string(b) + "\n";
    ASSERT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  }
}

// Starts this test binary again as the child, with the pipe's write end as TH_STORE_CRASH_FD.
pid_t StartChild(const std::string& dir, int write_fd) {
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    env_strings.emplace_back(*entry);
  }
  env_strings.push_back("TH_STORE_CRASH_DIR=" + dir);
  env_strings.push_back("TH_STORE_CRASH_FD=" + std::to_string(write_fd));
  std::vector<char*> env;
  for (std::string& entry : env_strings) {
    env.push_back(entry.data());
  }
  env.push_back(nullptr);
  std::string filter = std::string("--gtest_filter=") + kChildTest;
  std::string also = "--gtest_also_run_disabled_tests";
  std::string exe = "/proc/self/exe";
  char* argv[] = {exe.data(), filter.data(), also.data(), nullptr};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execve(exe.c_str(), argv, env.data());
    ::_exit(127);
  }
  return pid;
}

// Reads batch numbers from the child; kills it once `kill_after` are in, then drains the pipe.
int ReadReportsAndKill(int read_fd, pid_t child, int kill_after) {
  int last_reported = -1;
  int reported = 0;
  bool killed = false;
  std::string pending;
  char buffer[4096];
  while (true) {
    ssize_t got = ::read(read_fd, buffer, sizeof(buffer));
    if (got <= 0) {
      break;
    }
    pending.append(buffer, static_cast<size_t>(got));
    for (size_t end; (end = pending.find('\n')) != std::string::npos;) {
      last_reported = std::stoi(pending.substr(0, end));
      pending.erase(0, end + 1);
      ++reported;
    }
    if (!killed && reported >= kill_after) {
      ::kill(child, SIGKILL);
      killed = true;
    }
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(killed) << "the child stopped after " << reported << " batches, status " << status;
  return last_reported;
}

TEST(Store, KillNineLeavesOnlyWholeBatches) {
  testing::TempDir dir;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::fcntl(fds[0], F_SETFD, FD_CLOEXEC), 0);
  pid_t child = StartChild(dir.Join("db"), fds[1]);
  ASSERT_GT(child, 0);
  ::close(fds[1]);
  int last_reported = ReadReportsAndKill(fds[0], child, kBatchesBeforeKill);
  ::close(fds[0]);
  ASSERT_GE(last_reported, kBatchesBeforeKill - 1);

  base::Result<std::unique_ptr<Store>> reopened = Store::Open(CrashStoreOptions(dir.Join("db")));
  ASSERT_TRUE(reopened.has_value()) << reopened.error().ToString();
  Store& store = **reopened;
  std::map<int, int> alerts_per_batch;
  std::vector<OutboxEntry> entries;
  for (uint64_t after = 0;;) {
    ASSERT_TRUE(store.ReadQueue("file", after, 1000, entries).ok());
    if (entries.empty()) {
      break;
    }
    for (const OutboxEntry& entry : entries) {
      ++alerts_per_batch[std::stoi(entry.alert_id.substr(1))];
    }
    after = entries.back().seq;
  }
  std::optional<int64_t> next_offset = store.NextOffset("t", 0);
  ASSERT_TRUE(next_offset.has_value());
  int batches = static_cast<int>(*next_offset);
  RecordProperty("last_reported", last_reported);
  RecordProperty("batches_found", batches);
  EXPECT_GT(batches, last_reported) << "a reported batch is missing";
  ASSERT_EQ(static_cast<int>(alerts_per_batch.size()), batches) << "present batches not a prefix";
  for (const auto& [batch, alerts] : alerts_per_batch) {
    ASSERT_LT(batch, batches);
    EXPECT_EQ(alerts, kAlertsPerBatch) << "batch " << batch << " is partial";
  }
  EXPECT_EQ(store.DeadLetterDepth(), static_cast<uint64_t>(batches));
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store.ReadEvents(0, int64_t{batches + 10} * 1000, 1'000'000, events).ok());
  EXPECT_EQ(events.size(), static_cast<size_t>(batches) * kEventsPerBatch);
}

}  // namespace
}  // namespace trailhound::pipeline
