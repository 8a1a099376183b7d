// config/units.cc: sizes and durations written with units.
#include "config/units.h"

#include <algorithm>
#include <cstdint>

namespace trailhound::config {
namespace {

// How many of the smallest unit of its kind (bytes, milliseconds) one `suffix` is; 0 if none.
int64_t SuffixScale(std::string_view suffix, Unit unit) {
  struct Scale {
    std::string_view suffix;
    int64_t scale;
  };
  static constexpr Scale kSizes[] = {
      {"B", 1},           {"KiB", 1 << 10},     {"MiB", 1 << 20},
      {"GiB", 1LL << 30}, {"TiB", 1LL << 40},   {"KB", 1000},
      {"MB", 1000000},    {"GB", 1000000000LL}, {"TB", 1000000000000LL}};
  static constexpr Scale kDurations[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
  if (unit == Unit::kBytes) {
    for (const Scale& s : kSizes) {
      if (s.suffix == suffix) {
        return s.scale;
      }
    }
  } else if (unit != Unit::kCount) {
    for (const Scale& s : kDurations) {
      if (s.suffix == suffix) {
        return s.scale;
      }
    }
  }
  return 0;
}

int64_t UnitScale(Unit unit) {
  switch (unit) {
    case Unit::kSeconds:
      return 1000;
    case Unit::kDays:
      return 86400000;
    default:
      return 1;
  }
}

}  // namespace

std::string_view UnitName(Unit unit) {
  switch (unit) {
    case Unit::kCount:
      return "a count";
    case Unit::kBytes:
      return "bytes, or a size like 4MiB";
    case Unit::kMilliseconds:
      return "milliseconds, or a duration like 2s";
    case Unit::kSeconds:
      return "seconds, or a duration like 15m";
    case Unit::kDays:
      return "days, or a duration like 30d";
  }
  return "";
}

std::optional<int64_t> ParseWithUnit(std::string_view text, Unit unit) {
  const size_t first = text.find_first_not_of(' ');
  text = first == std::string_view::npos ? std::string_view() : text.substr(first);
  text = text.substr(0, text.find_last_not_of(' ') + 1);
  const bool negative = text.starts_with('-');
  size_t i = negative || text.starts_with('+') ? 1 : 0;
  const size_t digits_start = i;
  int64_t number = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (__builtin_mul_overflow(number, 10, &number) ||
        __builtin_add_overflow(number, text[i] - '0', &number)) {
      return std::nullopt;
    }
  }
  if (i == digits_start) {
    return std::nullopt;
  }
  std::string_view suffix = text.substr(i);
  suffix.remove_prefix(std::min(suffix.find_first_not_of(' '), suffix.size()));
  if (!suffix.empty()) {
    const int64_t scale = SuffixScale(suffix, unit);
    if (scale == 0 || __builtin_mul_overflow(number, scale, &number) ||
        number % UnitScale(unit) != 0) {
      return std::nullopt;
    }
    number /= UnitScale(unit);
  }
  return negative ? -number : number;
}

}  // namespace trailhound::config
