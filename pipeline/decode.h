// pipeline/decode.h: turns raw input bytes (a file, a Kafka message value, an HTTP body) into
// CloudTrail events. The envelope is detected from the bytes alone (FORMATS.md §1): gzip,
// `Records` batches, CloudWatch Logs subscriptions, EventBridge events, Firehose delivery
// requests, SNS notifications, digests, arrays, NDJSON and bare records. Every record keeps its
// position; a bad one becomes a dead letter and never costs its neighbours.
//
// A Decoder owns a reusable simdjson parser: one per thread, not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "pipeline/event/event.h"
#include "pipeline/event/position.h"

namespace trailhound::pipeline {

// Readable bytes DecodePadded needs after its input (simdjson reads in 64-byte blocks).
inline constexpr size_t kDecodePadding = simdjson::SIMDJSON_PADDING;

struct DecodeLimits {
  // Largest unwrapped CloudTrail record, and the largest unit parsed as one document; larger
  // containers are split and streamed element by element. CloudTrail's own cap is 256 KB.
  size_t max_event_bytes = 1 << 20;
  // JSON nesting allowed inside a record (envelope levels around it are not counted).
  size_t max_depth = 64;
  // gunzip output cap for one unit: 64 MiB for messages and HTTP bodies, 2 GiB for files.
  size_t max_inflated_bytes = size_t{64} << 20;
  // Envelopes peeled inside each other (gzip, SNS, Firehose, CloudWatch Logs, ...).
  size_t max_envelope_layers = 4;
};

enum class RejectReason : uint8_t {
  kMalformedJson,
  kNotCloudTrail,
  kGzipError,
  kTooLarge,
  kDepthExceeded,
  kS3Pointer,
  kCount,
};
inline constexpr size_t kRejectReasonCount = static_cast<size_t>(RejectReason::kCount);
// The metric label and dead-letter `reason`: `malformed-json`, `not-cloudtrail`, ...
std::string_view RejectReasonName(RejectReason reason);

enum class SkipReason : uint8_t {
  kDigest,          // CloudTrail digest file: integrity data, no events
  kControlMessage,  // CloudWatch Logs reachability check
  kEmpty,           // empty input, empty Firehose record
  kCount,
};
inline constexpr size_t kSkipReasonCount = static_cast<size_t>(SkipReason::kCount);
std::string_view SkipReasonName(SkipReason reason);

// A record that could not become an event: what, where, why, and its bytes.
struct Rejected {
  event::Position position;
  RejectReason reason = RejectReason::kMalformedJson;
  std::string error;     // human-readable detail
  std::string_view raw;  // the offending bytes; valid only during the OnReject call
};

// Receives the decoder's output, in input order, on the decoding thread.
class DecodeSink {
 public:
  virtual ~DecodeSink() = default;
  virtual void OnEvent(event::Event&& event) = 0;
  virtual void OnReject(const Rejected& rejected) = 0;
  virtual void OnSkip(SkipReason reason, const event::Position& position) = 0;
};

class Decoder {
 public:
  explicit Decoder(DecodeLimits limits = {});

  // Decodes one unit of input. Never fails as a whole: every outcome reaches `sink`. The bytes
  // are copied once into a padded buffer before parsing.
  void Decode(std::string_view bytes, const event::Position& position, DecodeSink& sink);
  // The same, parsing in place without that copy.
  // REQUIRES: kDecodePadding readable bytes follow `bytes` (their content is ignored), and
  // `bytes` stays valid during the call (events do not refer to it afterwards).
  void DecodePadded(std::string_view bytes, const event::Position& position, DecodeSink& sink);

  const DecodeLimits& limits() const { return limits_; }

 private:
  struct Frame {
    event::Position position;
    size_t layer = 0;
    uint32_t flags = 0;  // event flags inherited from outer envelopes
    event::EnvelopeKind envelope = event::EnvelopeKind::kBare;
    bool padded = false;  // kDecodePadding readable bytes follow the unit's bytes
  };

  // A frame for bytes the decoder owns (inflated, base64-decoded or unescaped into a string it
  // gave padding, or a string inside a simdjson document, whose buffer is padded).
  static Frame Padded(Frame frame) {
    frame.padded = true;
    return frame;
  }

  void DecodeUnit(std::string_view bytes, const Frame& frame, DecodeSink& sink);
  bool TryDecodeLines(std::string_view bytes, size_t lead, const Frame& frame, bool document_failed,
                      DecodeSink& sink);
  void DecodeByScanning(std::string_view bytes, const Frame& frame, simdjson::error_code dom_error,
                        DecodeSink& sink);
  void DecodeValues(std::string_view bytes, const Frame& frame, DecodeSink& sink);
  void ScanElements(std::string_view bytes, size_t array_begin, const Frame& frame,
                    event::StepKind step, DecodeSink& sink);
  void DecodeSpanAsRecord(std::string_view bytes, const Frame& frame, DecodeSink& sink);

  void Dispatch(const std::shared_ptr<const event::ParsedJson>& document,
                simdjson::dom::element value, const Frame& frame, DecodeSink& sink);
  void DispatchObject(const std::shared_ptr<const event::ParsedJson>& document,
                      simdjson::dom::element value, const Frame& frame, DecodeSink& sink);
  void DecodeRecordsElement(const std::shared_ptr<const event::ParsedJson>& document,
                            simdjson::dom::element value, const Frame& frame, DecodeSink& sink);
  void EmitRecord(const std::shared_ptr<const event::ParsedJson>& document,
                  simdjson::dom::element record, const Frame& frame, DecodeSink& sink);
  void DecodeEventBridge(const std::shared_ptr<const event::ParsedJson>& document,
                         simdjson::dom::element envelope, const Frame& frame, DecodeSink& sink);
  void DecodeLogEvents(simdjson::dom::element message_type, simdjson::dom::element log_events,
                       const Frame& frame, DecodeSink& sink);
  void DecodeLogEvent(simdjson::dom::element log_event, const Frame& frame, DecodeSink& sink);
  void DecodeFirehose(simdjson::dom::element records, const Frame& frame, DecodeSink& sink);
  void DecodeFirehoseData(std::string_view data, const Frame& frame, DecodeSink& sink);

  void Reject(const Frame& frame, RejectReason reason, std::string error, std::string_view raw,
              DecodeSink& sink);
  void RejectElement(const Frame& frame, RejectReason reason, std::string error,
                     simdjson::dom::element value, DecodeSink& sink);
  // A frame one envelope layer deeper (gzip, SNS, Firehose, a log event, an array element).
  Frame Inner(const Frame& frame, event::StepKind step, uint32_t index,
              event::EnvelopeKind envelope, uint32_t extra_flags = 0) const;
  // A frame for an element of the current container, on the same layer.
  Frame Element(const Frame& frame, event::StepKind step, uint32_t index,
                event::EnvelopeKind envelope) const;

  // Parses one unit into a recycled document.
  simdjson::error_code ParseUnit(std::string_view bytes, bool padded,
                                 std::shared_ptr<const event::ParsedJson>& out);

  DecodeLimits limits_;
  simdjson::dom::parser parser_;
  event::DocumentPool pool_;
  std::string scratch_;
};

// Counts a decoder's output; the replay summary and the metrics read it.
struct DecodeCounts {
  uint64_t events = 0;
  std::array<uint64_t, 5> events_by_envelope{};  // by event::EnvelopeKind
  std::array<uint64_t, kRejectReasonCount> rejected{};
  std::array<uint64_t, kSkipReasonCount> skipped{};
  uint64_t partial = 0;
  uint64_t time_unknown = 0;
  uint64_t derived_id = 0;
  uint64_t content_unknown = 0;
  uint64_t insight = 0;

  uint64_t total_rejected() const;
  uint64_t total_skipped() const;
  void CountEvent(const event::Event& event);
};

}  // namespace trailhound::pipeline
