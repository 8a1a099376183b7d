// pipeline/event/event_time.h: CloudTrail time stamps to epoch nanoseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trailhound::event {

// Parses ISO 8601 as CloudTrail and its exporters write it: `2023-07-10T11:45:01Z`, with an
// optional fraction of 1-9 digits, `Z`/`z`, a `+HH:MM`/`+HHMM` offset or no zone (read as UTC),
// and a space instead of `T` (Athena and some vendors' exports). Returns nullopt for anything
// else, including out-of-range fields; never throws.
std::optional<int64_t> ParseEventTime(std::string_view text);

// `2023-07-10T11:45:01.250Z` (milliseconds shown only when non-zero).
std::string FormatEventTime(int64_t epoch_ns);

}  // namespace trailhound::event
