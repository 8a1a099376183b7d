// pipeline/event/position.h: where a record came from, precise enough to find it again: the
// source (file path, `-`, later a Kafka topic/partition/offset or an HTTP request id), the byte
// offset and line of the unit read from it, and the envelope steps taken inside that unit
// (`Records[12]`, `records[3]`, `logEvents[0]`). Copyable and cheap: the source name is shared.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace trailhound::event {

enum class StepKind : uint8_t {
  kGzip,            // the bytes were gunzipped
  kRecords,         // element of a CloudTrail `Records` array
  kArray,           // element of a top-level JSON array
  kLine,            // line of an NDJSON stream (index is the 1-based line number)
  kValue,           // n-th of several concatenated JSON values
  kDetail,          // the `detail` of an EventBridge event
  kFirehoseRecord,  // `records[i].data` of a Firehose delivery request
  kLogEvent,        // `logEvents[i].message` of a CloudWatch Logs payload
  kSnsMessage,      // the `Message` of an SNS notification
};

struct PositionStep {
  StepKind kind = StepKind::kArray;
  uint32_t index = 0;
};

struct Position {
  static constexpr size_t kMaxSteps = 8;

  std::shared_ptr<const std::string> source;  // file path, "-" for stdin, ...
  uint64_t byte_offset = 0;                   // offset of the outermost unit within the source
  std::array<PositionStep, kMaxSteps> steps{};
  uint8_t step_count = 0;

  // A copy with one more step; steps past kMaxSteps are dropped (the decoder caps depth first).
  Position With(StepKind kind, uint32_t index) const;
  Position WithOffset(uint64_t offset) const;
  // `trail.json.gz @0 gzip > Records[12]`, or `- @120 line 4`.
  std::string ToString() const;
};

}  // namespace trailhound::event
