// pipeline/alert_shrink.h: keeps an alert line under the NDJSON line limit (FORMATS.md §8: "a
// line over 1 MiB is shrunk by dropping `items` lists, then `forensics`, each marked
// `truncated: true`"). The alert stays valid JSON with its id, rule, event and summary; only
// context detail goes, in that order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace trailhound::pipeline {

inline constexpr size_t kMaxAlertLineBytes = size_t{1} << 20;

enum class ShrinkStep {
  kNone,          // the alert fitted as it was
  kItems,         // every non-empty `items` list was emptied
  kForensics,     // … and `context.forensics` was cut to its status
  kContext,       // … and every context section was cut to its status
  kStillTooLarge  // nothing left to drop: the alert is written whole, over the limit
};

struct ShrunkAlert {
  // The shrunk alert; empty when the original is to be written as it is (it fitted, or it is
  // not a JSON object).
  std::string body;
  ShrinkStep step = ShrinkStep::kNone;
};

// `body` is one alert object as compact JSON, without its newline. The line written (body or
// the original, plus a newline) fits in `max_line_bytes` unless `step` is kStillTooLarge; even
// then it is written, since an alert is never dropped.
ShrunkAlert ShrinkAlert(std::string_view body, size_t max_line_bytes = kMaxAlertLineBytes);

}  // namespace trailhound::pipeline
