// pipeline/alert.h: the `trailhound.alert/v1` object (DETECTIONS.md §5) for a detection hit.
// Alert ids are deterministic, so a replay, a restart or a duplicate CloudTrail delivery maps
// to the same id and delivery can drop the repeat.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/event/event.h"
#include "rules/compiled_rule.h"
#include "rules/correlation.h"

namespace trailhound::pipeline {

// 32 lowercase hex: the first 16 bytes of SHA-256 over `v1\0<rule id>\0<key>`, where key is
// `<recipientAccountId>:<eventID>` for single-event rules (DETECTIONS.md §5.1).
std::string AlertId(std::string_view rule_id, std::string_view key);
// The id FormatAlert / FormatCorrelationAlert write, for dedup before formatting.
std::string EventAlertId(const rules::CompiledRule& rule, const event::Event& event);
std::string CorrelationAlertId(const rules::CorrelationAlert& alert);

struct AlertInput {
  std::string_view source;  // `file`, `stdin`, `kafka`, ...
  int64_t received_at_ns = 0;
};

// One alert as compact JSON (no newline). `now_ns` is the creation time. The `context` letters
// are all `unknown` with reason `disabled` until context assembly exists (issue #6): the keys
// are there, so consumers can rely on the shape.
std::string FormatAlert(const rules::CompiledRule& rule, const event::Event& event,
                        const AlertInput& input, int64_t now_ns);

// A correlation alert (SIGMA.md §13, DETECTIONS.md §5.1): id keyed on the group's canonical JSON
// and the window's first eventID; `correlation` filled. `completing` is the record being
// processed when the alert fired: when it is the alert's event its fields fill `event` and
// `input`, otherwise (a window closed by the watermark) `event` holds the id and account, every
// other field null.
std::string FormatCorrelationAlert(const rules::CorrelationAlert& alert,
                                   const event::Event* completing, const AlertInput& input,
                                   int64_t now_ns);

// An operational alert: `rule.source` is `builtin`, `rule.id` `th-pipeline-events-lost`, level
// high. A Kafka partition's offset was reset because the position to resume from was gone
// (retention overran it while the daemon was down or behind): the CloudTrail events in between
// were never read, a gap in detection that is itself worth an analyst's attention
// (AT-LEAST-ONCE.md §12 row 14). No event triggered it: every `event` field is null; `input` names
// the partition and the lost position, and `pipeline.message` holds librdkafka's words.
struct EventsLost {
  std::string topic;
  int32_t partition = -1;
  int64_t at_offset = -1;  // -1 when unknown
  std::string message;
};
inline constexpr std::string_view kEventsLostRuleId = "th-pipeline-events-lost";
std::string EventsLostAlertId(const EventsLost& lost);
std::string FormatEventsLostAlert(const EventsLost& lost, int64_t now_ns);

}  // namespace trailhound::pipeline
