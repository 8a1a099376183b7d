// tests/event/event_time_test.cc: ParseEventTime and FormatEventTime against the time stamps
// CloudTrail and its exporters write (FORMATS.md §2; panther's space-separated forms).
#include "pipeline/event/event_time.h"

#include <cstdint>
#include <optional>
#include <string_view>

#include <gtest/gtest.h>

namespace trailhound::event {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// 2023-07-10T11:45:01Z, the reference instant most rows are written against.
constexpr int64_t kReference = int64_t{1688989501} * kSecond;

struct ParseRow {
  std::string_view name;
  std::string_view text;
  int64_t want_ns;
};

TEST(ParseEventTime, AcceptedFormsGiveEpochNanoseconds) {
  const ParseRow rows[] = {
      {"epoch", "1970-01-01T00:00:00Z", 0},
      {"cloudtrail form", "2023-07-10T11:45:01Z", kReference},
      {"lower-case z", "2023-07-10T11:45:01z", kReference},
      {"lower-case t", "2023-07-10t11:45:01Z", kReference},
      {"no zone is utc", "2023-07-10T11:45:01", kReference},
      {"one fraction digit", "2023-07-10T11:45:01.5Z", kReference + 500'000'000},
      {"three fraction digits", "2023-07-10T11:45:01.250Z", kReference + 250'000'000},
      {"six fraction digits", "2023-07-10T11:45:01.000001Z", kReference + 1'000},
      {"nine fraction digits", "2023-07-10T11:45:01.123456789Z", kReference + 123'456'789},
      {"more than nine digits are truncated", "2023-07-10T11:45:01.1234567899999Z",
       kReference + 123'456'789},
      {"comma fraction", "2023-07-10T11:45:01,5Z", kReference + 500'000'000},
      {"fraction without zone", "2023-07-10T11:45:01.5", kReference + 500'000'000},
      {"positive offset with colon", "2023-07-10T13:45:01+02:00", kReference},
      {"positive offset without colon", "2023-07-10T13:45:01+0200", kReference},
      {"negative offset", "2023-07-10T06:15:01-05:30", kReference},
      {"zero offset", "2023-07-10T11:45:01+00:00", kReference},
      {"offset after fraction", "2023-07-10T13:45:01.5+02:00", kReference + 500'000'000},
      {"offset crossing the date", "2023-07-11T00:45:01+13:00", kReference},
      {"panther space form", "2022-06-14 19:42:55", int64_t{1655235775} * kSecond},
      {"panther space form with nanoseconds", "2024-01-01 00:00:00.000000000",
       int64_t{1704067200} * kSecond},
      {"panther space form with millis", "2024-01-01 00:00:00.123",
       int64_t{1704067200} * kSecond + 123'000'000},
      {"leap day in a leap year", "2024-02-29T12:00:00Z", int64_t{1709208000} * kSecond},
      {"leap day in a 400-year", "2000-02-29T00:00:00Z", int64_t{951782400} * kSecond},
      {"before the epoch", "1969-12-31T23:59:59Z", -kSecond},
      {"long before the epoch", "1900-01-01T00:00:00Z", int64_t{-2208988800} * kSecond},
      {"last second of a year", "2018-12-31T23:59:59Z", int64_t{1546300799} * kSecond},
  };
  for (const ParseRow& row : rows) {
    SCOPED_TRACE(row.name);
    const std::optional<int64_t> got = ParseEventTime(row.text);
    ASSERT_TRUE(got.has_value()) << row.text;
    EXPECT_EQ(*got, row.want_ns) << row.text;
  }
}

struct RejectRow {
  std::string_view name;
  std::string_view text;
};

TEST(ParseEventTime, InvalidTextGivesNullopt) {
  const RejectRow rows[] = {
      {"empty", ""},
      {"garbage", "yesterday"},
      {"redacted placeholder", "redacted"},
      {"ellipsis placeholder", "..."},
      {"date only", "2023-07-10"},
      {"no seconds", "2023-07-10T11:45Z"},
      {"two-digit year", "23-07-10T11:45:01Z"},
      {"slash separators", "2023/07/10T11:45:01Z"},
      {"unknown separator", "2023-07-10X11:45:01Z"},
      {"month 13", "2023-13-10T11:45:01Z"},
      {"month 0", "2023-00-10T11:45:01Z"},
      {"day 0", "2023-07-00T11:45:01Z"},
      {"day 32", "2023-07-32T11:45:01Z"},
      {"april 31", "2023-04-31T11:45:01Z"},
      {"leap day in a common year", "2023-02-29T00:00:00Z"},
      {"leap day in a century year", "1900-02-29T00:00:00Z"},
      {"hour 24", "2023-07-10T24:00:00Z"},
      {"minute 60", "2023-07-10T11:60:01Z"},
      {"second 61", "2023-07-10T11:45:61Z"},
      {"letter in a field", "2023-07-1OT11:45:01Z"},
      {"fraction without digits", "2023-07-10T11:45:01.Z"},
      {"trailing junk after z", "2023-07-10T11:45:01Zjunk"},
      {"trailing junk without zone", "2023-07-10T11:45:01 UTC"},
      {"trailing space", "2023-07-10T11:45:01Z "},
      {"leading space", " 2023-07-10T11:45:01Z"},
      {"offset hours only", "2023-07-10T11:45:01+02"},
      {"offset hour 24", "2023-07-10T11:45:01+24:00"},
      {"offset minute 60", "2023-07-10T11:45:01+02:60"},
      {"offset with junk", "2023-07-10T11:45:01+02:00x"},
      {"epoch seconds", "1688989501"},
  };
  for (const RejectRow& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(ParseEventTime(row.text), std::nullopt) << row.text;
  }
}

// The canonical form keeps the last valid day per thread; these sequences check that a time
// after a cached day is still validated, and that the cache never outlives its day.
TEST(ParseEventTime, SameDaySequencesAgreeWithFreshParses) {
  struct Step {
    std::string_view text;
    std::optional<int64_t> want;
  };
  const Step steps[] = {
      {"2023-07-10T11:45:01Z", kReference},
      {"2023-07-10T11:45:02Z", kReference + kSecond},
      {"2023-07-10T00:00:00Z", kReference - (11 * 3600 + 45 * 60 + 1) * kSecond},
      {"2023-07-10T24:00:00Z", std::nullopt},
      {"2023-07-10T11:60:00Z", std::nullopt},
      {"2023-07-10T11:45:61Z", std::nullopt},
      {"2023-07-10T23:59:60Z", kReference + (12 * 3600 + 14 * 60 + 59) * kSecond},
      {"2023-07-11T11:45:01Z", kReference + 86400 * kSecond},
      {"2023-02-29T11:45:01Z", std::nullopt},
      {"2023-02-29T11:45:02Z", std::nullopt},
      {"2023-07-10T11:45:01Z", kReference},
      {"2023-07-1xT11:45:01Z", std::nullopt},
      {"2262-04-11T00:00:00Z", int64_t{9223286400} * kSecond},
      {"2262-04-11T23:59:59Z", std::nullopt},
  };
  for (const Step& step : steps) {
    EXPECT_EQ(ParseEventTime(step.text), step.want) << step.text;
  }
}

struct FormatRow {
  std::string_view name;
  int64_t epoch_ns;
  std::string_view want;
};

TEST(FormatEventTime, WritesUtcWithMillisOnlyWhenNonZero) {
  const FormatRow rows[] = {
      {"epoch", 0, "1970-01-01T00:00:00Z"},
      {"whole second", kReference, "2023-07-10T11:45:01Z"},
      {"millis", kReference + 250'000'000, "2023-07-10T11:45:01.250Z"},
      {"sub-millisecond part is dropped", kReference + 999'999, "2023-07-10T11:45:01Z"},
      {"millis truncated, not rounded", kReference + 1'999'999, "2023-07-10T11:45:01.001Z"},
      {"one nanosecond before the epoch", -1, "1969-12-31T23:59:59.999Z"},
      {"one second before the epoch", -kSecond, "1969-12-31T23:59:59Z"},
      {"1900", int64_t{-2208988800} * kSecond, "1900-01-01T00:00:00Z"},
      {"leap day", int64_t{1709208000} * kSecond, "2024-02-29T12:00:00Z"},
  };
  for (const FormatRow& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(FormatEventTime(row.epoch_ns), row.want);
  }
}

TEST(FormatEventTime, RoundTripsThroughParseAtMillisecondPrecision) {
  const int64_t instants[] = {
      0,
      kReference,
      kReference + 1'000'000,
      kReference + 999'000'000,
      -kSecond,
      -kSecond + 500'000'000,
      int64_t{-2208988800} * kSecond + 7'000'000,
      int64_t{951782400} * kSecond,
      int64_t{4102444799} * kSecond + 123'000'000,  // 2099-12-31T23:59:59.123Z
  };
  for (const int64_t ns : instants) {
    SCOPED_TRACE(ns);
    const std::string text = FormatEventTime(ns);
    const std::optional<int64_t> parsed = ParseEventTime(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, ns) << text;
  }
}

}  // namespace
}  // namespace trailhound::event
