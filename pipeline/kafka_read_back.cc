// pipeline/kafka_read_back.cc: see kafka_read_back.h. librdkafka's assign() needs a group.id
// (rd_kafka_assign refuses a handle without one with __UNKNOWN_GROUP), so the consumer gets a
// throwaway one; without subscribe() it never joins, and with auto-commit off and explicit
// start offsets it neither reads nor writes group offsets.
#include "pipeline/kafka_read_back.h"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "pipeline/base/str_cat.h"

namespace trailhound::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

int MillisecondsLeft(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
}

struct ConsumerDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};
using Consumer = std::unique_ptr<rd_kafka_t, ConsumerDeleter>;

// What is left to read of one partition.
struct Window {
  int32_t partition = 0;
  int64_t end = 0;  // the high watermark when the read began
  size_t bytes = 0;
  bool done = false;
};

base::Result<Consumer> NewReadBackConsumer(const ReadBackOptions& options) {
  KafkaProperties properties = options.properties;
  properties["group.id"] = base::StrCat({"trailhound-read-back-", std::to_string(getpid()), "-",
                                         std::to_string(Clock::now().time_since_epoch().count())});
  properties["enable.auto.commit"] = "false";
  properties["enable.auto.offset.store"] = "false";
  properties["enable.partition.eof"] = "true";
  properties["allow.auto.create.topics"] = "false";
  base::Result<rd_kafka_conf_t*> conf = NewKafkaConf(properties);
  if (!conf.has_value()) {
    return conf.error();
  }
  char error[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, error, sizeof(error));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return base::InvalidInput(base::StrCat({"cannot create the read-back consumer: ", error}));
  }
  rd_kafka_poll_set_consumer(rk);
  return Consumer(rk);
}

// The partitions of the topic with their read windows; empty windows are left out.
base::Result<std::vector<Window>> PlanWindows(rd_kafka_t* rk, const ReadBackOptions& options,
                                              Clock::time_point deadline) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, options.topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 0, rkt, &metadata, MillisecondsLeft(deadline));
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || metadata->topic_cnt != 1 ||
      metadata->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const rd_kafka_resp_err_t why = err != RD_KAFKA_RESP_ERR_NO_ERROR || metadata->topic_cnt != 1
                                        ? err
                                        : metadata->topics[0].err;
    if (metadata != nullptr) {
      rd_kafka_metadata_destroy(metadata);
    }
    return base::Unavailable(base::StrCat(
        {"read-back: no metadata for topic '", options.topic, "': ", rd_kafka_err2str(why)}));
  }
  std::vector<Window> windows;
  const rd_kafka_metadata_topic_t& topic = metadata->topics[0];
  for (int i = 0; i < topic.partition_cnt; ++i) {
    windows.push_back(Window{topic.partitions[i].id});
  }
  rd_kafka_metadata_destroy(metadata);
  return windows;
}

// Sets each window's end and its start offset in `assignment`; drops empty partitions.
base::Status QueryWatermarks(rd_kafka_t* rk, const ReadBackOptions& options,
                             Clock::time_point deadline, std::vector<Window>& windows,
                             rd_kafka_topic_partition_list_t* assignment) {
  std::vector<Window> kept;
  for (Window& window : windows) {
    int64_t low = 0;
    int64_t high = 0;
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk, options.topic.c_str(), window.partition, &low, &high, MillisecondsLeft(deadline));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return base::Unavailable(
          base::StrCat({"read-back: watermarks of ", options.topic, "[",
                        std::to_string(window.partition), "]: ", rd_kafka_err2str(err)}));
    }
    const auto acknowledged = options.acknowledged.find(window.partition);
    const int64_t start = acknowledged != options.acknowledged.end()
                              ? std::max(low, acknowledged->second + 1)
                              : std::max(low, high - options.max_messages_per_partition);
    if (start >= high) {
      continue;
    }
    window.end = high;
    rd_kafka_topic_partition_list_add(assignment, options.topic.c_str(), window.partition)->offset =
        start;
    kept.push_back(window);
  }
  windows = std::move(kept);
  return base::Status::Ok();
}

// Takes one message's key and notes whether its partition's window is finished.
void TakeMessage(const rd_kafka_message_t& message, const ReadBackOptions& options,
                 std::vector<Window>& windows, std::unordered_set<std::string>& keys) {
  const auto window = std::find_if(windows.begin(), windows.end(), [&](const Window& w) {
    return w.partition == message.partition;
  });
  if (window == windows.end() || window->done) {
    return;
  }
  if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    window->done = true;
    return;
  }
  if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;  // transient fetch errors are retried by librdkafka
  }
  if (message.key != nullptr) {
    keys.emplace(static_cast<const char*>(message.key), message.key_len);
  }
  window->bytes += message.len;
  window->done =
      message.offset + 1 >= window->end || window->bytes >= options.max_bytes_per_partition;
}

}  // namespace

base::Status ReadBackKeys(const ReadBackOptions& options, std::unordered_set<std::string>& keys) {
  const Clock::time_point deadline = Clock::now() + options.timeout;
  base::Result<Consumer> consumer = NewReadBackConsumer(options);
  if (!consumer.has_value()) {
    return consumer.error();
  }
  rd_kafka_t* rk = consumer->get();
  base::Result<std::vector<Window>> windows = PlanWindows(rk, options, deadline);
  if (!windows.has_value()) {
    return windows.error();
  }
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
  base::Status status = QueryWatermarks(rk, options, deadline, *windows, assignment);
  if (status.ok() && !windows->empty()) {
    const rd_kafka_resp_err_t err = rd_kafka_assign(rk, assignment);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = base::Unavailable(base::StrCat({"read-back: assign: ", rd_kafka_err2str(err)}));
    }
  }
  rd_kafka_topic_partition_list_destroy(assignment);
  if (!status.ok()) {
    return status;
  }
  const auto unfinished = [&] {
    return std::count_if(windows->begin(), windows->end(), [](const Window& w) { return !w.done; });
  };
  while (unfinished() > 0 && MillisecondsLeft(deadline) > 0) {
    rd_kafka_message_t* message =
        rd_kafka_consumer_poll(rk, std::min(100, MillisecondsLeft(deadline)));
    if (message != nullptr) {
      TakeMessage(*message, options, *windows, keys);
      rd_kafka_message_destroy(message);
    }
  }
  if (const auto left = unfinished(); left > 0) {
    return base::Unavailable(base::StrCat(
        {"read-back of '", options.topic, "' incomplete: ", std::to_string(left),
         " partitions unread after ", std::to_string(options.timeout.count()), " ms"}));
  }
  return base::Status::Ok();
}

}  // namespace trailhound::pipeline
