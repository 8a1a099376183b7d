// config/units.h: integer options written with units. A size is bytes or a number with B, KiB,
// MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000); a duration is the field's
// unit or a number with ms, s, m, h, d. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trailhound::config {

// The unit of an integer field; a string value may carry any unit of the same kind.
enum class Unit { kCount, kBytes, kMilliseconds, kSeconds, kDays };

// How a value in `unit` is written, for messages: "bytes, or a size like 4MiB".
std::string_view UnitName(Unit unit);

// Parses `text` as an integer in `unit` (`5000`, `4MiB`, `30s`, `45d`); nullopt when it is not
// one, or is not a whole number of `unit`, or overflows.
std::optional<int64_t> ParseWithUnit(std::string_view text, Unit unit);

}  // namespace trailhound::config
