// tests/config/units_test.cc: sizes and durations with units, and key suggestions.
#include "config/units.h"

#include <gtest/gtest.h>

#include "config/node_reader.h"

namespace trailhound::config {
namespace {

TEST(ConfigNodeReader, ParseWithUnitConvertsToTheFieldUnit) {
  struct Row {
    const char* text;
    Unit unit;
    std::optional<int64_t> want;
  };
  const Row rows[] = {
      {"5000", Unit::kCount, 5000},
      {"4MiB", Unit::kBytes, 4 << 20},
      {"64 KiB", Unit::kBytes, 64 << 10},
      {"1GB", Unit::kBytes, 1000000000},
      {"-3", Unit::kBytes, -3},
      {"2s", Unit::kMilliseconds, 2000},
      {"15m", Unit::kSeconds, 900},
      {"720h", Unit::kDays, 30},
      {"1500ms", Unit::kSeconds, std::nullopt},  // not a whole number of seconds
      {"4MiB", Unit::kCount, std::nullopt},
      {"4XB", Unit::kBytes, std::nullopt},
      {"abc", Unit::kCount, std::nullopt},
      {"", Unit::kCount, std::nullopt},
      {"99999999999999999999", Unit::kCount, std::nullopt},
      {"9999999999TiB", Unit::kBytes, std::nullopt},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    EXPECT_EQ(ParseWithUnit(row.text, row.unit), row.want);
  }
}

TEST(ConfigNodeReader, ClosestKeyWithinTwoEdits) {
  EXPECT_EQ(ClosestKey("brokres", {"brokers", "topics"}), "brokers");
  EXPECT_EQ(ClosestKey("retention", {"retention_days", "dir"}), "");
  EXPECT_EQ(ClosestKey("x", {"y"}), "");  // one edit, but the whole key
}

}  // namespace
}  // namespace trailhound::config
