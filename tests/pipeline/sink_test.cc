// tests/pipeline/sink_test.cc: the sink worker with the NDJSON file sink over a real store
// (delivery, read-back recovery after a crash, rotation), backoff and stop with stand-in sinks,
// and the stdout sink.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/sink_file.h"
#include "pipeline/sink_stdout.h"
#include "pipeline/sink_worker.h"
#include "pipeline/store.h"
#include "tests/pipeline/temp_dir.h"

namespace trailhound::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using testing::TempDir;

std::unique_ptr<Store> OpenStore(const std::string& dir, const std::string& sink) {
  StoreOptions options;
  options.dir = dir;
  options.durability = Durability::kProcess;
  options.sinks = {sink};
  base::Result<std::unique_ptr<Store>> store = Store::Open(options);
  EXPECT_TRUE(store.has_value()) << store.error().ToString();
  return store.has_value() ? *std::move(store) : nullptr;
}

std::string Body(const std::string& id) {
  return R"({"alert_id":")" + id + R"(","rule":"r1"})";
}

void WriteAlerts(Store& store, const std::vector<std::string>& ids) {
  StoreBatch batch = store.NewBatch();
  for (const std::string& id : ids) {
    ASSERT_TRUE(batch.AddAlert(id, Body(id), 1).has_value());
  }
  ASSERT_TRUE(store.Write(batch).ok());
}

std::vector<std::string> Ids(const std::string& prefix, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    ids.push_back(prefix + std::to_string(i));
  }
  return ids;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> Lines(const std::string& content) {
  std::vector<std::string> lines;
  std::stringstream in(content);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// Polls `done` until it holds or 10 s pass; the caller asserts on the result.
template <typename Predicate>
bool WaitFor(Predicate done) {
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (Clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

FileSinkOptions FileOptions(const std::string& path) {
  FileSinkOptions options;
  options.path = path;
  options.durability = Durability::kProcess;
  return options;
}

TEST(SinkWorker, FileSinkGetsEachAlertOnceAndQueueEmpties) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.Join("db"), "file");
  auto sink = FileSink::Open(FileOptions(dir.Join("alerts.ndjson")));
  ASSERT_TRUE(sink.has_value()) << sink.error().ToString();
  SinkWorkerOptions options;
  options.idle_recheck = std::chrono::hours(1);  // only Notify can wake the idle worker in time
  SinkWorker worker(*store, **sink, options);
  worker.Start();
  for (int batch = 0; batch < 3; ++batch) {
    // Appended, not "literal" + std::string: GCC 12 reports a false -Wrestrict on that here.
    std::string prefix = "b";
    prefix.append(std::to_string(batch)).append("-");
    WriteAlerts(*store, Ids(prefix, 300));
    worker.Notify();
  }
  ASSERT_TRUE(WaitFor([&] { return store->QueueDepth("file") == 0; }))
      << "depth " << store->QueueDepth("file") << ", last error " << worker.last_error();
  worker.Stop(Clock::now() + std::chrono::seconds(1));

  std::vector<std::string> lines = Lines(ReadFile(dir.Join("alerts.ndjson")));
  ASSERT_EQ(lines.size(), 900u);
  std::map<std::string, int> seen;
  for (const std::string& line : lines) {
    ++seen[std::string(FindAlertId(line))];
  }
  EXPECT_EQ(seen.size(), 900u);
  EXPECT_EQ(lines.front(), Body("b0-0"));
  EXPECT_EQ(lines.back(), Body("b2-299"));
  EXPECT_EQ(worker.delivered(), 900u);
  std::vector<OutboxEntry> left;
  ASSERT_TRUE(store->ReadQueue("file", 0, 10, left).ok());
  EXPECT_TRUE(left.empty());
  // Each acknowledgement recorded where the file stood (AT-LEAST-ONCE.md §7): at the end now.
  EXPECT_EQ(store->SinkPosition("file"), (*sink)->RecoveryPosition());
  std::string file_size = ":";  // appended: GCC 12's false -Wrestrict, as above
  file_size.append(std::to_string(ReadFile(dir.Join("alerts.ndjson")).size()));
  EXPECT_TRUE((*sink)->RecoveryPosition().ends_with(file_size)) << (*sink)->RecoveryPosition();
}

TEST(SinkWorker, RecoverAcknowledgesLinesAlreadyWrittenAndCutsTornLine) {
  TempDir dir;
  std::string path = dir.Join("alerts.ndjson");
  std::unique_ptr<Store> store = OpenStore(dir.Join("db"), "file");
  WriteAlerts(*store, Ids("a", 5));
  // A crash after writing a0..a2 and half of a3, before any acknowledgement.
  {
    std::ofstream out(path, std::ios::binary);
    out << Body("a0") << "\n"
        << Body("a1") << "\n"
        << Body("a2") << "\n"
        << R"({"alert_id":"a3","ru)";
  }
  auto sink = FileSink::Open(FileOptions(path));
  ASSERT_TRUE(sink.has_value());
  SinkWorker worker(*store, **sink);
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return store->QueueDepth("file") == 0; })) << worker.last_error();
  worker.Stop(Clock::now() + std::chrono::seconds(1));

  EXPECT_EQ(Lines(ReadFile(path)),
            (std::vector<std::string>{Body("a0"), Body("a1"), Body("a2"), Body("a3"), Body("a4")}));
  EXPECT_EQ(worker.recovered(), 3u);
  EXPECT_EQ(worker.delivered(), 2u);
}

TEST(FileSink, RotationKeepsTheConfiguredNumberOfFiles) {
  TempDir dir;
  FileSinkOptions options = FileOptions(dir.Join("out.ndjson"));
  options.durability = Durability::kPower;  // also runs fdatasync and the directory fsync
  options.max_file_bytes = 100;
  options.keep_files = 2;
  auto sink = FileSink::Open(options);
  ASSERT_TRUE(sink.has_value());
  std::vector<OutboxEntry> entries;
  for (uint64_t i = 0; i < 20; ++i) {
    std::string id = "id" + std::to_string(10 + i);
    entries.push_back({i + 1, id, R"({"alert_id":")" + id + R"("})"});  // 20 bytes a line
  }
  base::Result<size_t> confirmed = (*sink)->Deliver(entries);
  ASSERT_TRUE(confirmed.has_value());
  EXPECT_EQ(*confirmed, 20u);

  // FORMATS.md §8 names: out-<YYYYMMDDTHHMMSSZ>[-N].ndjson beside out.ndjson, oldest first.
  const std::vector<std::string> rotated = RotatedAlertFiles(options.path);
  ASSERT_EQ(rotated.size(), 2u);
  for (const std::string& path : rotated) {
    EXPECT_TRUE(
        std::regex_match(path, std::regex(".*/out-20[0-9]{6}T[0-9]{6}Z(-[0-9]+)?\\.ndjson")))
        << path;
  }
  std::string newest = ReadFile(options.path);
  std::string older = ReadFile(rotated[1]);
  std::string oldest = ReadFile(rotated[0]);
  for (const std::string* file : {&newest, &older, &oldest}) {
    EXPECT_LE(file->size(), 100u);
  }
  // Five 20-byte lines fill a 100-byte file: four files were written, the kept three hold the
  // last 15 entries in order.
  std::vector<std::string> kept = Lines(oldest + older + newest);
  ASSERT_EQ(kept.size(), 15u);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i], entries[5 + i].body);
  }
}

TEST(FileSink, RecoverFindsLinesInTheRotatedFileToo) {
  TempDir dir;
  FileSinkOptions options = FileOptions(dir.Join("out.ndjson"));
  options.max_file_bytes = 100;  // five 20-byte lines a file
  std::vector<OutboxEntry> entries;
  for (uint64_t i = 0; i < 7; ++i) {
    std::string id = "id" + std::to_string(10 + i);
    entries.push_back({i + 1, id, R"({"alert_id":")" + id + R"("})"});
  }
  {
    auto sink = FileSink::Open(options);
    ASSERT_TRUE(sink.has_value());
    ASSERT_EQ((*sink)->Deliver(entries).value(), 7u);
  }
  // A crash before any acknowledgement: five lines are in the rotated file, two in out.ndjson.
  auto restarted = FileSink::Open(options);
  ASSERT_TRUE(restarted.has_value());
  std::vector<uint64_t> found;
  ASSERT_TRUE((*restarted)->Recover(entries, found).ok());
  EXPECT_EQ(found, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
}

// AT-LEAST-ONCE.md §7: Recover reads past the position of the last acknowledgement, however
// far back that is, through the rotations since. The tail it would read without one is cut to
// 30 bytes here, which holds one line: only the position finds the other five.
TEST(FileSink, RecoverReadsPastTheRecordedPositionThroughRotations) {
  TempDir dir;
  FileSinkOptions options = FileOptions(dir.Join("out.ndjson"));
  options.max_file_bytes = 100;  // five 20-byte lines a file
  options.recover_tail_bytes = 30;
  std::vector<OutboxEntry> entries;
  for (uint64_t i = 0; i < 9; ++i) {
    std::string id = "id" + std::to_string(10 + i);
    entries.push_back({i + 1, id, R"({"alert_id":")" + id + R"("})"});
  }
  const std::vector<OutboxEntry> acknowledged(entries.begin(), entries.begin() + 3);
  const std::vector<OutboxEntry> unacknowledged(entries.begin() + 3, entries.end());
  std::string position;
  {
    auto sink = FileSink::Open(options);
    ASSERT_TRUE(sink.has_value());
    ASSERT_EQ((*sink)->Deliver(acknowledged).value(), 3u);
    position = (*sink)->RecoveryPosition();
    // Delivered, then a crash before the acknowledgement: lines 4 and 5 join the first file,
    // which rotates; 6 to 9 go to the new one, with a torn tenth line after them.
    ASSERT_EQ((*sink)->Deliver(unacknowledged).value(), 6u);
  }
  ASSERT_EQ(RotatedAlertFiles(options.path).size(), 1u);
  { std::ofstream(options.path, std::ios::app) << R"({"alert_id":"id1)"; }

  auto restarted = FileSink::Open(options);
  ASSERT_TRUE(restarted.has_value());
  (*restarted)->SetRecordedPosition(position);
  std::vector<uint64_t> found;
  ASSERT_TRUE((*restarted)->Recover(unacknowledged, found).ok());
  EXPECT_EQ(found, (std::vector<uint64_t>{4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(Lines(ReadFile(options.path)).size(), 4u) << "the torn line is cut";

  // Without the position, the 30-byte tail finds only the last line.
  auto tail_only = FileSink::Open(options);
  ASSERT_TRUE(tail_only.has_value());
  found.clear();
  ASSERT_TRUE((*tail_only)->Recover(unacknowledged, found).ok());
  EXPECT_EQ(found, (std::vector<uint64_t>{9}));

  // A position that names no file left (or garbage) falls back to the tail.
  (*tail_only)->SetRecordedPosition("file:1:2:3");
  found.clear();
  ASSERT_TRUE((*tail_only)->Recover(unacknowledged, found).ok());
  EXPECT_EQ(found, (std::vector<uint64_t>{9}));
}

TEST(FileSink, RotatesAtTheFirstWriteOfANewUtcDay) {
  TempDir dir;
  FileSinkOptions options = FileOptions(dir.Join("alerts.ndjson"));
  const int64_t day_ns = int64_t{86400} * 1'000'000'000;
  int64_t now_ns = 20'000 * day_ns + day_ns - 1;  // the last nanosecond of a day
  options.now_ns = [&now_ns] { return now_ns; };
  auto sink = FileSink::Open(options);
  ASSERT_TRUE(sink.has_value());
  const std::vector<OutboxEntry> first = {{1, "id1", R"({"alert_id":"id1"})"}};
  const std::vector<OutboxEntry> second = {{2, "id2", R"({"alert_id":"id2"})"}};
  const std::vector<OutboxEntry> third = {{3, "id3", R"({"alert_id":"id3"})"}};
  ASSERT_EQ((*sink)->Deliver(first).value(), 1u);
  EXPECT_TRUE(RotatedAlertFiles(options.path).empty());
  now_ns += 1;  // midnight UTC
  ASSERT_EQ((*sink)->Deliver(second).value(), 1u);
  ASSERT_EQ((*sink)->Deliver(third).value(), 1u);
  const std::vector<std::string> rotated = RotatedAlertFiles(options.path);
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(ReadFile(rotated[0]), first[0].body + "\n");
  EXPECT_EQ(ReadFile(options.path), second[0].body + "\n" + third[0].body + "\n");
}

TEST(FileSink, AFileLastWrittenOnAnEarlierDayRotatesAfterARestart) {
  TempDir dir;
  FileSinkOptions options = FileOptions(dir.Join("alerts.ndjson"));
  {
    std::ofstream(options.path) << R"({"alert_id":"old"})"
                                << "\n";
  }
  // Written "now" by the real clock; the sink's clock says tomorrow.
  const int64_t tomorrow_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          (std::chrono::system_clock::now() + std::chrono::hours(24)).time_since_epoch())
          .count();
  options.now_ns = [tomorrow_ns] { return tomorrow_ns; };
  auto sink = FileSink::Open(options);
  ASSERT_TRUE(sink.has_value());
  ASSERT_EQ((*sink)->Deliver({{1, "new", R"({"alert_id":"new"})"}}).value(), 1u);
  const std::vector<std::string> rotated = RotatedAlertFiles(options.path);
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(ReadFile(rotated[0]), "{\"alert_id\":\"old\"}\n");
  EXPECT_EQ(ReadFile(options.path), "{\"alert_id\":\"new\"}\n");
}

TEST(FileSink, ALineOverTheLimitIsShrunkNotDropped) {
  TempDir dir;
  FileSinkOptions options = FileOptions(dir.Join("alerts.ndjson"));
  options.max_line_bytes = 4096;
  auto sink = FileSink::Open(options);
  ASSERT_TRUE(sink.has_value());
  std::string items;
  for (int i = 0; i < 400; ++i) {
    items.append(i > 0 ? "," : "");
    items.append(R"({"event_id":"e)");
    items.append(std::to_string(i));
    items.append(R"("})");
  }
  const std::string body = R"({"alert_id":"big","context":{"events":{"status":"ok","count":400,)"
                           R"("truncated":false,"items":[)" +
                           items + "]}}}";
  ASSERT_GT(body.size(), options.max_line_bytes);
  ASSERT_EQ((*sink)->Deliver({{1, "big", body}}).value(), 1u);
  EXPECT_EQ(ReadFile(options.path),
            R"({"alert_id":"big","context":{"events":{"status":"ok","count":400,)"
            R"("truncated":true,"items":[]}}})"
            "\n");
  EXPECT_EQ((*sink)->shrunk_alerts(), 1u);
  EXPECT_EQ((*sink)->oversized_alerts(), 0u);
}

TEST(FileSink, FindAlertIdReadsTheStringField) {
  EXPECT_EQ(FindAlertId(R"({"rule":"x","alert_id":"abc123","n":1})"), "abc123");
  EXPECT_EQ(FindAlertId(R"({"rule":"x"})"), "");
  EXPECT_EQ(FindAlertId(R"({"alert_id":"unterminated)"), "");
}

// Fails the first `failures` deliveries, then confirms everything.
class FlakySink : public AlertSink {
 public:
  explicit FlakySink(int failures) : failures_(failures) {}
  std::string_view name() const override { return "flaky"; }
  base::Status Recover(const std::vector<OutboxEntry>&, std::vector<uint64_t>&) override {
    return base::Status::Ok();
  }
  base::Result<size_t> Deliver(const std::vector<OutboxEntry>& entries) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (failures_ > 0) {
      --failures_;
      return base::Unavailable("destination down");
    }
    for (const OutboxEntry& entry : entries) {
      got_.push_back(entry.alert_id);
    }
    return entries.size();
  }
  void Stop() override {}
  std::vector<std::string> got() {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }

 private:
  std::mutex mu_;
  int failures_;
  std::vector<std::string> got_;
};

TEST(SinkWorker, FailuresBackOffAndThenDeliverInOrder) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path(), "flaky");
  WriteAlerts(*store, Ids("x", 3));
  FlakySink sink(/*failures=*/3);
  SinkWorkerOptions options;
  options.min_backoff = std::chrono::milliseconds(1);
  options.max_backoff = std::chrono::milliseconds(4);
  SinkWorker worker(*store, sink, options);
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return store->QueueDepth("flaky") == 0; })) << worker.last_error();
  worker.Stop(Clock::now() + std::chrono::seconds(1));
  EXPECT_EQ(sink.got(), Ids("x", 3));
  EXPECT_EQ(worker.failed_attempts(), 3u);
  EXPECT_NE(worker.last_error().find("destination down"), std::string::npos);
}

// Blocks in Deliver until Stop, confirming nothing.
class BlockingSink : public AlertSink {
 public:
  std::string_view name() const override { return "blocking"; }
  base::Status Recover(const std::vector<OutboxEntry>&, std::vector<uint64_t>&) override {
    return base::Status::Ok();
  }
  base::Result<size_t> Deliver(const std::vector<OutboxEntry>&) override {
    std::unique_lock<std::mutex> lock(mu_);
    entered_ = true;
    stopped_cv_.wait(lock, [this] { return stopped_; });
    return size_t{0};
  }
  void Stop() override {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    stopped_cv_.notify_all();
  }
  bool entered() {
    std::lock_guard<std::mutex> lock(mu_);
    return entered_;
  }
  bool stopped() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopped_;
  }

 private:
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool entered_ = false;
  bool stopped_ = false;
};

TEST(SinkWorker, StopAtTheDeadlineWakesABlockedSinkAndKeepsEntriesQueued) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path(), "blocking");
  WriteAlerts(*store, Ids("x", 2));
  BlockingSink sink;
  SinkWorker worker(*store, sink);
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return sink.entered(); }));
  // Stop returns only once the worker thread is joined, which needs the blocked Deliver woken.
  worker.Stop(Clock::now() + std::chrono::milliseconds(50));
  EXPECT_TRUE(sink.stopped());
  EXPECT_EQ(store->QueueDepth("blocking"), 2u);
  EXPECT_EQ(worker.delivered(), 0u);
}

TEST(StdoutSink, WritesOneLinePerAlertToItsDescriptor) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  StdoutSink sink("stdout", fds[1]);
  std::vector<uint64_t> found;
  ASSERT_TRUE(sink.Recover({{1, "a", "{}"}}, found).ok());
  EXPECT_TRUE(found.empty());
  base::Result<size_t> confirmed = sink.Deliver({{1, "a", R"({"a":1})"}, {2, "b", R"({"b":2})"}});
  ASSERT_TRUE(confirmed.has_value());
  EXPECT_EQ(*confirmed, 2u);
  ::close(fds[1]);
  std::string out(64, '\0');
  ssize_t got = ::read(fds[0], out.data(), out.size());
  ::close(fds[0]);
  ASSERT_GT(got, 0);
  out.resize(static_cast<size_t>(got));
  EXPECT_EQ(out, "{\"a\":1}\n{\"b\":2}\n");
}

}  // namespace
}  // namespace trailhound::pipeline
