// tests/pipeline/collecting_sink.h: a DecodeSink that copies everything the decoder reports, so
// tests can assert on events, dead letters and skips after Decode returns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/decode.h"
#include "pipeline/event/event.h"

namespace trailhound::pipeline::testing {

struct CollectedEvent {
  std::string json;  // Event::CanonicalJson()
  std::string event_id;
  std::string event_name;
  event::EnvelopeKind envelope = event::EnvelopeKind::kBare;
  uint32_t flags = 0;
  std::string position;  // Position::ToString()
  bool has_eventbridge = false;
  event::EventBridgeMeta eventbridge;

  bool has_flag(event::EventFlag flag) const { return (flags & flag) != 0; }
};

struct CollectedReject {
  RejectReason reason = RejectReason::kMalformedJson;
  std::string reason_name;
  std::string error;
  std::string raw;  // a copy: Rejected::raw is only valid during OnReject
  std::string position;
};

struct CollectedSkip {
  SkipReason reason = SkipReason::kEmpty;
  std::string position;
};

class CollectingSink : public DecodeSink {
 public:
  void OnEvent(event::Event&& decoded) override {
    CollectedEvent out;
    out.json = decoded.CanonicalJson();
    out.event_id = std::string(decoded.event_id());
    out.event_name = std::string(decoded.event_name());
    out.envelope = decoded.envelope();
    out.flags = decoded.flags();
    out.position = decoded.position().ToString();
    if (decoded.eventbridge() != nullptr) {
      out.has_eventbridge = true;
      out.eventbridge = *decoded.eventbridge();
    }
    events.push_back(std::move(out));
  }

  void OnReject(const Rejected& rejected) override {
    rejects.push_back(
        CollectedReject{rejected.reason, std::string(RejectReasonName(rejected.reason)),
                        rejected.error, std::string(rejected.raw), rejected.position.ToString()});
  }

  void OnSkip(SkipReason reason, const event::Position& position) override {
    skips.push_back(CollectedSkip{reason, position.ToString()});
  }

  std::vector<std::string> EventIds() const {
    std::vector<std::string> ids;
    for (const CollectedEvent& e : events) {
      ids.push_back(e.event_id);
    }
    return ids;
  }

  std::vector<std::string> RejectReasons() const {
    std::vector<std::string> reasons;
    for (const CollectedReject& r : rejects) {
      reasons.push_back(r.reason_name);
    }
    return reasons;
  }

  std::vector<CollectedEvent> events;
  std::vector<CollectedReject> rejects;
  std::vector<CollectedSkip> skips;
};

// A position naming `source`, at byte offset 0, with no envelope steps.
inline event::Position SourcePosition(std::string_view source) {
  event::Position position;
  position.source = std::make_shared<const std::string>(source);
  return position;
}

// `source @0` followed by the rendered steps, as Position::ToString() writes it.
inline std::string At(std::string_view source, std::string_view steps) {
  std::string out(source);
  out += " @0";
  if (!steps.empty()) {
    out += " ";
    out += steps;
  }
  return out;
}

}  // namespace trailhound::pipeline::testing
