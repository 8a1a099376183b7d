// tests/pipeline/batch_writer_test.cc: the writer thread between the polling thread and RocksDB:
// order, failure handling, retries, and the seqs a batch records when the next one is built
// during its write.
#include "pipeline/batch_writer.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/pipeline/temp_dir.h"

namespace trailhound::pipeline {
namespace {

using testing::TempDir;

std::unique_ptr<Store> OpenStore(const std::string& dir) {
  StoreOptions options;
  options.dir = dir;
  options.durability = Durability::kProcess;
  options.sinks = {"a"};
  base::Result<std::unique_ptr<Store>> store = Store::Open(options);
  EXPECT_TRUE(store.has_value()) << store.error().ToString();
  return store.has_value() ? *std::move(store) : nullptr;
}

StoreBatch BatchWithAlert(Store& store, const std::string& id) {
  StoreBatch batch = store.NewBatch();
  base::Result<bool> added = batch.AddAlert(id, R"({"alert_id":")" + id + R"("})", 1000);
  EXPECT_TRUE(added.has_value() && *added);
  return batch;
}

std::vector<uint64_t> QueuedSeqs(const Store& store) {
  std::vector<OutboxEntry> entries;
  EXPECT_TRUE(store.ReadQueue("a", 0, 100, entries).ok());
  std::vector<uint64_t> seqs;
  for (const OutboxEntry& entry : entries) {
    seqs.push_back(entry.seq);
  }
  return seqs;
}

TEST(BatchWriter, WritesInSubmissionOrderAndReportsEachBatch) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  std::atomic<int> written{0};
  std::vector<uint64_t> tickets;
  std::vector<BatchWriter::Finished> finished;
  {
    BatchWriter writer([&store](StoreBatch& batch) { return store->Write(batch); }, {},
                       [&written] { ++written; });
    for (const char* id : {"a1", "a2", "a3", "a4"}) {
      tickets.push_back(writer.Submit(BatchWithAlert(*store, id)));
    }
    EXPECT_EQ(writer.in_flight(), 4U);
    writer.WaitAll(finished);
    EXPECT_EQ(writer.in_flight(), 0U);
  }
  EXPECT_EQ(tickets, (std::vector<uint64_t>{1, 2, 3, 4}));
  ASSERT_EQ(finished.size(), 4U);
  for (size_t i = 0; i < finished.size(); ++i) {
    EXPECT_EQ(finished[i].ticket, i + 1);
    EXPECT_TRUE(finished[i].status.ok()) << finished[i].status.ToString();
  }
  EXPECT_EQ(written.load(), 4);
  EXPECT_EQ(QueuedSeqs(*store), (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(BatchWriter, AFailedWriteFailsEveryLaterBatchUnwritten) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  std::atomic<int> attempts{0};
  std::atomic<int> written{0};
  std::vector<BatchWriter::Finished> finished;
  {
    BatchWriter writer(
        [&](StoreBatch& batch) {
          if (++attempts == 2) {
            return base::Internal("disk on fire");
          }
          return store->Write(batch);
        },
        {}, [&written] { ++written; });
    for (const char* id : {"b1", "b2", "b3"}) {
      writer.Submit(BatchWithAlert(*store, id));
    }
    writer.WaitAll(finished);
  }
  ASSERT_EQ(finished.size(), 3U);
  EXPECT_TRUE(finished[0].status.ok());
  EXPECT_EQ(finished[1].status.message(), "disk on fire");
  EXPECT_FALSE(finished[2].status.ok());
  EXPECT_EQ(attempts.load(), 2) << "the batch after a failed one must not be written";
  EXPECT_EQ(written.load(), 1);
  EXPECT_EQ(QueuedSeqs(*store), (std::vector<uint64_t>{1}));
}

TEST(BatchWriter, TransientErrorsAreRetriedAndCounted) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  int attempts = 0;  // the writer thread's only
  std::vector<BatchWriter::Finished> finished;
  BatchWriter writer(
      [&](StoreBatch& batch) {
        if (++attempts <= 2) {
          return base::Unavailable("busy");
        }
        return store->Write(batch);
      },
      {}, nullptr);
  writer.Submit(BatchWithAlert(*store, "c1"));
  writer.WaitAll(finished);
  ASSERT_EQ(finished.size(), 1U);
  EXPECT_TRUE(finished[0].status.ok()) << finished[0].status.ToString();
  EXPECT_EQ(writer.write_retries(), 2U);
  EXPECT_EQ(QueuedSeqs(*store), (std::vector<uint64_t>{1}));
}

TEST(BatchWriter, TransientErrorsGiveUpAfterTheConfiguredTime) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  std::vector<BatchWriter::Finished> finished;
  BatchWriterOptions options;
  options.give_up = std::chrono::milliseconds(0);
  BatchWriter writer([](StoreBatch&) { return base::Unavailable("busy"); }, options, nullptr);
  writer.Submit(BatchWithAlert(*store, "d1"));
  writer.WaitAll(finished);
  ASSERT_EQ(finished.size(), 1U);
  EXPECT_EQ(finished[0].status.code(), base::StatusCode::kUnavailable);
}

TEST(BatchWriter, DestroyingTheWriterWritesWhatWasHandedOver) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  {
    BatchWriter writer([&store](StoreBatch& batch) { return store->Write(batch); }, {}, nullptr);
    writer.Submit(BatchWithAlert(*store, "e1"));
    writer.Submit(BatchWithAlert(*store, "e2"));
  }
  EXPECT_EQ(QueuedSeqs(*store), (std::vector<uint64_t>{1, 2}));
}

// The next batch is built (and takes seqs) while the previous one is written: a batch records
// only its own highest seq, so a store reopened after losing the unwritten batch continues
// right after what was written.
TEST(BatchWriter, ABatchRecordsOnlyItsOwnSeqs) {
  TempDir dir;
  {
    std::unique_ptr<Store> store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    StoreBatch first = BatchWithAlert(*store, "f1");
    StoreBatch second = BatchWithAlert(*store, "f2");  // seq 2, never written
    ASSERT_TRUE(store->Write(first).ok());
  }
  std::unique_ptr<Store> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  StoreBatch third = BatchWithAlert(*store, "f3");
  ASSERT_TRUE(store->Write(third).ok());
  EXPECT_EQ(QueuedSeqs(*store), (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace trailhound::pipeline
