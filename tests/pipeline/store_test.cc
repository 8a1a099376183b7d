// tests/pipeline/store_test.cc: the RocksDB store against a real database in a temp directory:
// dedup, offsets, per-sink queues, acknowledgement, trimming, dead letters and retention.
#include "pipeline/store.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/store_keys.h"
#include "tests/pipeline/temp_dir.h"

namespace trailhound::pipeline {
namespace {

using testing::TempDir;

constexpr int64_t kDayNs = store_keys::kDayNs;
constexpr int64_t kHourNs = kDayNs / 24;

std::unique_ptr<Store> OpenStore(const std::string& dir, std::vector<std::string> sinks = {"a"},
                                 int64_t retention_ns = 2 * kDayNs) {
  StoreOptions options;
  options.dir = dir;
  options.durability = Durability::kProcess;
  options.sinks = std::move(sinks);
  options.retention_ns = retention_ns;
  base::Result<std::unique_ptr<Store>> store = Store::Open(options);
  EXPECT_TRUE(store.has_value()) << store.error().ToString();
  return store.has_value() ? *std::move(store) : nullptr;
}

bool AddAlert(StoreBatch& batch, const std::string& id, int64_t event_time_ns = 1000) {
  base::Result<bool> added = batch.AddAlert(id, R"({"alert_id":")" + id + R"("})", event_time_ns);
  EXPECT_TRUE(added.has_value()) << added.error().ToString();
  return added.has_value() && *added;
}

DeadLetterRecord DeadLetter(const std::string& reason) {
  DeadLetterRecord record;
  record.reason = reason;
  record.raw = "zz";
  return record;
}

std::vector<uint64_t> QueuedSeqs(const Store& store, const std::string& sink,
                                 uint64_t after_seq = 0, size_t max = 1000) {
  std::vector<OutboxEntry> entries;
  EXPECT_TRUE(store.ReadQueue(sink, after_seq, max, entries).ok());
  std::vector<uint64_t> seqs;
  for (const OutboxEntry& entry : entries) {
    seqs.push_back(entry.seq);
  }
  return seqs;
}

TEST(Store, CorrelationRecordsAreKeptPerPartitionInOffsetOrderAndDeletedBelowAnOffset) {
  TempDir dir;
  {
    std::unique_ptr<Store> store = OpenStore(dir.path());
    StoreBatch batch = store->NewBatch();
    batch.PutCorrelationRecord("ct", 1, 300, 0, "c");
    batch.PutCorrelationRecord("ct", 1, 7, 1, "b");
    batch.PutCorrelationRecord("ct", 1, 7, 0, "a");
    batch.PutCorrelationRecord("ct", 2, 5, 0, "other partition");
    batch.PutCorrelationRecord("ct2", 1, 5, 0, "other topic");
    ASSERT_TRUE(store->Write(batch).ok());
  }
  std::unique_ptr<Store> store = OpenStore(dir.path());
  std::vector<CorrelationRecord> records;
  ASSERT_TRUE(store->ReadCorrelationRecords("ct", 1, records).ok());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].offset, 7);
  EXPECT_EQ(records[0].index, 0u);
  EXPECT_EQ(records[0].raw_json, "a");
  EXPECT_EQ(records[1].raw_json, "b");
  EXPECT_EQ(records[2].offset, 300);

  StoreBatch prune = store->NewBatch();
  prune.DeleteCorrelationRecords("ct", 1, 300);
  ASSERT_TRUE(store->Write(prune).ok());
  ASSERT_TRUE(store->ReadCorrelationRecords("ct", 1, records).ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].raw_json, "c");
  ASSERT_TRUE(store->ReadCorrelationRecords("ct", 2, records).ok());
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(store->ReadCorrelationRecords("ct2", 1, records).ok());
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(store->ReadCorrelationRecords("c", 1, records).ok());
  EXPECT_TRUE(records.empty());
}

TEST(Store, DedupWorksWithinABatchAcrossBatchesAndAcrossReopen) {
  TempDir dir;
  {
    std::unique_ptr<Store> store = OpenStore(dir.path());
    StoreBatch first = store->NewBatch();
    EXPECT_TRUE(AddAlert(first, "x"));
    EXPECT_FALSE(AddAlert(first, "x"));
    EXPECT_EQ(first.alerts(), 1u);
    EXPECT_EQ(first.duplicate_alerts(), 1u);
    ASSERT_TRUE(store->Write(first).ok());

    StoreBatch second = store->NewBatch();
    EXPECT_FALSE(AddAlert(second, "x"));
    EXPECT_TRUE(AddAlert(second, "y"));
    ASSERT_TRUE(store->Write(second).ok());
    EXPECT_EQ(store->QueueDepth("a"), 2u);
  }
  std::unique_ptr<Store> reopened = OpenStore(dir.path());
  StoreBatch third = reopened->NewBatch();
  EXPECT_FALSE(AddAlert(third, "x"));
  EXPECT_FALSE(AddAlert(third, "y"));
  EXPECT_EQ(third.duplicate_alerts(), 2u);
  EXPECT_EQ(reopened->QueueDepth("a"), 2u);
}

TEST(Store, BatchNeverWrittenLeavesNoTrace) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path());
  {
    StoreBatch dropped = store->NewBatch();
    dropped.PutEvent(5 * kDayNs, "e1", "{}");
    EXPECT_TRUE(AddAlert(dropped, "x"));
    dropped.AddDeadLetter(DeadLetter("bad"));
    dropped.SetNextOffset("t", 0, 7);
    EXPECT_FALSE(dropped.empty());
  }
  StoreBatch batch = store->NewBatch();
  EXPECT_TRUE(AddAlert(batch, "x"));  // the dropped batch's id is not remembered
  EXPECT_EQ(store->NextOffset("t", 0), std::nullopt);
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store->ReadEvents(0, 10 * kDayNs, 10, events).ok());
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(QueuedSeqs(*store, "a").empty());
  EXPECT_EQ(store->DeadLetterDepth(), 0u);
}

TEST(Store, NextOffsetSurvivesReopen) {
  TempDir dir;
  {
    std::unique_ptr<Store> store = OpenStore(dir.path());
    StoreBatch batch = store->NewBatch();
    batch.SetNextOffset("cloudtrail", 3, 1234);
    batch.SetNextOffset("cloudtrail", 4, 99);
    ASSERT_TRUE(store->Write(batch).ok());
  }
  std::unique_ptr<Store> store = OpenStore(dir.path());
  EXPECT_EQ(store->NextOffset("cloudtrail", 3), 1234);
  EXPECT_EQ(store->NextOffset("cloudtrail", 4), 99);
  EXPECT_EQ(store->NextOffset("cloudtrail", 5), std::nullopt);
  EXPECT_EQ(store->NextOffset("other", 3), std::nullopt);
}

TEST(Store, ReadQueueReturnsEachSinksEntriesInOrderWithinBounds) {
  TempDir dir;
  // "slack" is a prefix of "slack2": the queues must still not overlap.
  std::unique_ptr<Store> store = OpenStore(dir.path(), {"slack", "slack2"});
  StoreBatch batch = store->NewBatch();
  for (int i = 0; i < 5; ++i) {
    AddAlert(batch, "id" + std::to_string(i));
  }
  ASSERT_TRUE(store->Write(batch).ok());

  std::vector<OutboxEntry> entries;
  ASSERT_TRUE(store->ReadQueue("slack", 0, 3, entries).ok());
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].alert_id, "id0");
  EXPECT_EQ(entries[0].body, R"({"alert_id":"id0"})");
  EXPECT_LT(entries[0].seq, entries[1].seq);
  EXPECT_LT(entries[1].seq, entries[2].seq);

  std::vector<uint64_t> rest = QueuedSeqs(*store, "slack", entries[1].seq);
  ASSERT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest[0], entries[2].seq);

  ASSERT_TRUE(store->Acknowledge("slack", {entries[0].seq}).ok());
  EXPECT_EQ(QueuedSeqs(*store, "slack").size(), 4u);
  EXPECT_EQ(QueuedSeqs(*store, "slack2").size(), 5u);
  EXPECT_TRUE(QueuedSeqs(*store, "unknown").empty());
  EXPECT_EQ(store->QueueDepth("slack"), 4u);
  EXPECT_EQ(store->QueueDepth("slack2"), 5u);
}

TEST(Store, AcknowledgeIsDurableAcrossReopenAndSeqsKeepGrowing) {
  TempDir dir;
  std::vector<uint64_t> seqs;
  {
    std::unique_ptr<Store> store = OpenStore(dir.path());
    StoreBatch batch = store->NewBatch();
    AddAlert(batch, "x");
    AddAlert(batch, "y");
    AddAlert(batch, "z");
    ASSERT_TRUE(store->Write(batch).ok());
    seqs = QueuedSeqs(*store, "a");
    ASSERT_EQ(seqs.size(), 3u);
    ASSERT_TRUE(store->Acknowledge("a", {seqs[0], seqs[1]}).ok());
  }
  std::unique_ptr<Store> store = OpenStore(dir.path());
  EXPECT_EQ(QueuedSeqs(*store, "a"), std::vector<uint64_t>{seqs[2]});
  EXPECT_EQ(store->QueueDepth("a"), 1u);
  StoreBatch batch = store->NewBatch();
  AddAlert(batch, "w");
  ASSERT_TRUE(store->Write(batch).ok());
  std::vector<uint64_t> now = QueuedSeqs(*store, "a");
  ASSERT_EQ(now.size(), 2u);
  EXPECT_GT(now[1], seqs[2]);  // a reopened store never reuses a seq
}

TEST(Store, OutboxIsTrimmedOnlyOnceEverySinkAcknowledged) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path(), {"a", "b"});
  StoreBatch batch = store->NewBatch();
  for (int i = 0; i < 4; ++i) {
    AddAlert(batch, "id" + std::to_string(i));
  }
  ASSERT_TRUE(store->Write(batch).ok());
  std::vector<uint64_t> seqs = QueuedSeqs(*store, "a");
  ASSERT_EQ(seqs.size(), 4u);
  std::vector<OutboxEntry> outbox;

  ASSERT_TRUE(store->Acknowledge("a", seqs).ok());
  ASSERT_TRUE(store->Acknowledge("b", {seqs[0], seqs[1]}).ok());
  ASSERT_TRUE(store->ApplyRetention(10 * kDayNs).ok());
  ASSERT_TRUE(store->ReadOutbox(0, 100, outbox).ok());
  ASSERT_EQ(outbox.size(), 2u);
  EXPECT_EQ(outbox[0].seq, seqs[2]);
  EXPECT_EQ(QueuedSeqs(*store, "b"), (std::vector<uint64_t>{seqs[2], seqs[3]}));

  ASSERT_TRUE(store->Acknowledge("b", {seqs[2], seqs[3]}).ok());
  ASSERT_TRUE(store->ApplyRetention(10 * kDayNs).ok());
  ASSERT_TRUE(store->ReadOutbox(0, 100, outbox).ok());
  EXPECT_TRUE(outbox.empty());
}

TEST(Store, DeadLettersRoundTripBinaryBytesAndAcknowledge) {
  TempDir dir;
  DeadLetterRecord record;
  record.reason = "malformed-json";
  record.error = "unexpected byte at 3";
  record.source_topic = "cloudtrail";
  record.source_partition = 7;
  record.source_offset = 1234567890123;
  record.source_timestamp_ms = -1;
  record.raw = std::string("\0\xff\x01{\"a\n", 7);
  record.truncated = true;
  {
    std::unique_ptr<Store> store = OpenStore(dir.path());
    StoreBatch batch = store->NewBatch();
    batch.AddDeadLetter(record);
    batch.AddDeadLetter(DeadLetter("second"));
    ASSERT_TRUE(store->Write(batch).ok());
    EXPECT_EQ(store->DeadLetterDepth(), 2u);
  }
  std::unique_ptr<Store> store = OpenStore(dir.path());
  EXPECT_EQ(store->DeadLetterDepth(), 2u);
  std::vector<DeadLetterEntry> entries;
  ASSERT_TRUE(store->ReadDeadLetters(0, 10, entries).ok());
  ASSERT_EQ(entries.size(), 2u);
  const DeadLetterRecord& got = entries[0].record;
  EXPECT_EQ(got.reason, record.reason);
  EXPECT_EQ(got.error, record.error);
  EXPECT_EQ(got.source_topic, record.source_topic);
  EXPECT_EQ(got.source_partition, 7);
  EXPECT_EQ(got.source_offset, 1234567890123);
  EXPECT_EQ(got.source_timestamp_ms, -1);
  EXPECT_EQ(got.raw, record.raw);
  EXPECT_TRUE(got.truncated);
  EXPECT_EQ(entries[1].record.reason, "second");

  ASSERT_TRUE(store->AcknowledgeDeadLetters({entries[0].seq}).ok());
  EXPECT_EQ(store->DeadLetterDepth(), 1u);
  ASSERT_TRUE(store->ReadDeadLetters(0, 10, entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].record.reason, "second");
}

TEST(Store, RetentionDropsWholeOldDaysOnly) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path(), {"a"}, /*retention_ns=*/2 * kDayNs);
  StoreBatch batch = store->NewBatch();
  batch.PutEvent(7 * kDayNs + 23 * kHourNs, "day7", "{}");
  batch.PutEvent(8 * kDayNs + 1 * kHourNs, "day8-early", "{}");  // before the cutoff, same day
  batch.PutEvent(9 * kDayNs, "day9", "{}");
  batch.PutEvent(10 * kDayNs + 11 * kHourNs, "day10", "{}");
  batch.PutEvent(10 * kDayNs + 11 * kHourNs, "day10", R"({"again":1})");  // same key overwrites
  ASSERT_TRUE(store->Write(batch).ok());

  // The cutoff is day 8, 12:00: day 7 is wholly older, day 8 only partly.
  ASSERT_TRUE(store->ApplyRetention(10 * kDayNs + 12 * kHourNs).ok());
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store->ReadEvents(0, 20 * kDayNs, 100, events).ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].event_id, "day8-early");
  EXPECT_EQ(events[1].event_id, "day9");
  EXPECT_EQ(events[2].event_id, "day10");
  EXPECT_EQ(events[2].raw_json, R"({"again":1})");
  EXPECT_EQ(events[2].event_time_ns, 10 * kDayNs + 11 * kHourNs);
  EXPECT_GT(store->DiskBytes(), 0u);
}

// Event bodies live in blob files (store_rocksdb.cc) with garbage collection off: the space of
// expired days must still come back once compaction has dropped their keys, and DiskBytes must
// count blob files at all.
TEST(Store, RetentionFreesTheDiskSpaceOfExpiredEvents) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path(), {"a"}, /*retention_ns=*/2 * kDayNs);
  std::string body = R"({"pad":")";
  body.append(1000, 'x').append(R"("})");
  constexpr int kPerDay = 4000;
  for (int64_t day : {7, 10}) {  // one flush each, as days arrive one after another
    StoreBatch batch = store->NewBatch();
    for (int i = 0; i < kPerDay; ++i) {
      batch.PutEvent(day * kDayNs + i, std::to_string(i), body);
    }
    ASSERT_TRUE(store->Write(batch).ok());
    ASSERT_TRUE(store->CompactAll().ok());
  }
  const uint64_t before = store->DiskBytes();
  EXPECT_GT(before, uint64_t{2} * kPerDay * body.size());

  // Day 7 expires. Nothing compacts here: the store's background threads must get the space
  // back by themselves (bounded wait).
  ASSERT_TRUE(store->ApplyRetention(10 * kDayNs + 12 * kHourNs).ok());
  const uint64_t bound = before - uint64_t{kPerDay} * body.size() * 9 / 10;
  uint64_t after = store->DiskBytes();
  for (int i = 0; i < 1000 && after >= bound; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    after = store->DiskBytes();
  }
  EXPECT_LT(after, bound);
  EXPECT_GT(after, uint64_t{kPerDay} * body.size());
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store->ReadEvents(0, 20 * kDayNs, 2 * kPerDay, events).ok());
  EXPECT_EQ(events.size(), size_t{kPerDay});
}

// The polling thread reuses written batches (ConsumerPipeline): a reset batch holds nothing
// of its last life, and what is put in it next is written as in a new one.
TEST(Store, AResetBatchIsWrittenAsANewOne) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path());
  StoreBatch batch = store->NewBatch();
  batch.PutEvent(1 * kDayNs, "first", R"({"n":1})");
  ASSERT_TRUE(AddAlert(batch, "alert-1", 1 * kDayNs));
  ASSERT_TRUE(store->Write(batch).ok());

  batch.Reset();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.events(), 0u);
  EXPECT_EQ(batch.alerts(), 0u);
  EXPECT_FALSE(AddAlert(batch, "alert-1", 1 * kDayNs));  // written before: a duplicate
  EXPECT_EQ(batch.duplicate_alerts(), 1u);
  batch.PutEvent(1 * kDayNs + 1, "second", R"({"n":2})");
  ASSERT_TRUE(AddAlert(batch, "alert-2", 1 * kDayNs));
  ASSERT_TRUE(store->Write(batch).ok());

  std::vector<StoredEvent> events;
  ASSERT_TRUE(store->ReadEvents(0, 2 * kDayNs, 10, events).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].raw_json, R"({"n":2})");
  EXPECT_EQ(QueuedSeqs(*store, "a").size(), 2u);
}

TEST(StoreKeys, DedupRecordsExpireByEventTimeNotWriteTime) {
  std::string old_record = store_keys::DedupValue(1 * kDayNs, 5);
  std::string new_record = store_keys::DedupValue(40 * kDayNs, 6);
  EXPECT_TRUE(store_keys::DedupExpired(old_record, 50 * kDayNs, 45 * kDayNs));
  EXPECT_FALSE(store_keys::DedupExpired(new_record, 50 * kDayNs, 45 * kDayNs));
  EXPECT_FALSE(store_keys::DedupExpired("short", 50 * kDayNs, 45 * kDayNs));
}

TEST(Store, CompactionDropsDedupRecordsPastRetentionByEventTime) {
  TempDir dir;
  std::unique_ptr<Store> store = OpenStore(dir.path());
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  StoreBatch batch = store->NewBatch();
  AddAlert(batch, "old", now_ns - 60 * kDayNs);  // default dedup retention: 45 days
  AddAlert(batch, "recent", now_ns - 1 * kDayNs);
  ASSERT_TRUE(store->Write(batch).ok());
  ASSERT_TRUE(store->Sync().ok());
  ASSERT_TRUE(store->CompactAll().ok());

  StoreBatch replay = store->NewBatch();
  EXPECT_TRUE(AddAlert(replay, "old", now_ns - 60 * kDayNs));
  EXPECT_FALSE(AddAlert(replay, "recent", now_ns - 1 * kDayNs));
}

TEST(Store, OpenRefusesDuplicateOrEmptySinkNames) {
  TempDir dir;
  for (std::vector<std::string> sinks :
       {std::vector<std::string>{"a", "b", "a"}, std::vector<std::string>{""}}) {
    StoreOptions options;
    options.dir = dir.path();
    options.sinks = sinks;
    base::Result<std::unique_ptr<Store>> store = Store::Open(options);
    ASSERT_FALSE(store.has_value());
    EXPECT_EQ(store.error().code(), base::StatusCode::kInvalidInput);
  }
}

TEST(StoreKeys, MalformedDeadLetterIsRefused) {
  DeadLetterRecord record;
  record.raw = "abc";
  std::string bytes = store_keys::EncodeDeadLetter(record);
  EXPECT_TRUE(store_keys::DecodeDeadLetter(bytes).has_value());
  EXPECT_FALSE(store_keys::DecodeDeadLetter(bytes.substr(0, bytes.size() - 1)).has_value());
  EXPECT_FALSE(store_keys::DecodeDeadLetter(bytes + "x").has_value());
  EXPECT_FALSE(store_keys::DecodeDeadLetter("").has_value());
}

TEST(StoreKeys, EventKeysSortByTime) {
  EXPECT_LT(store_keys::EventKey(kDayNs - 1, "z"), store_keys::EventKey(kDayNs, "a"));
  EXPECT_LT(store_keys::EventKey(-5, "z"), store_keys::EventKey(3, "a"));
  std::string key = store_keys::EventKey(123456789, "evt");
  auto parts = store_keys::ParseEventKey(key);  // views into `key`
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->event_time_ns, 123456789);
  EXPECT_EQ(parts->event_id, "evt");
}

}  // namespace
}  // namespace trailhound::pipeline
