// pipeline/event/event_time.cc: a hand-written ISO 8601 parser; it runs once per event, so it
// avoids strptime/locale and any allocation.
#include "pipeline/event/event_time.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace trailhound::event {
namespace {

// Days from 1970-01-01 to the given civil date (proleptic Gregorian), after H. Hinnant.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`; false when any is not a digit.
bool ReadDigits(std::string_view s, size_t& pos, size_t n, unsigned& out) {
  if (pos + n > s.size()) {
    return false;
  }
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// Parses the zone suffix into an offset east of UTC, in seconds.
bool ReadZone(std::string_view s, size_t& pos, int64_t& offset_s) {
  offset_s = 0;
  if (pos == s.size()) {
    return true;  // No zone: CloudTrail times are UTC.
  }
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
    return pos == s.size();
  }
  if (s[pos] != '+' && s[pos] != '-') {
    return false;
  }
  const int64_t sign = s[pos] == '-' ? -1 : 1;
  ++pos;
  unsigned hh = 0;
  unsigned mm = 0;
  if (!ReadDigits(s, pos, 2, hh)) {
    return false;
  }
  Expect(s, pos, ':');
  if (!ReadDigits(s, pos, 2, mm) || hh > 23 || mm > 59) {
    return false;
  }
  offset_s = sign * (static_cast<int64_t>(hh) * 3600 + mm * 60);
  return pos == s.size();
}

struct CivilTime {
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// Checks the fields and converts them; nullopt for an impossible date or time, or one outside
// what int64 epoch nanoseconds hold (1677-09-21 to 2262-04-11). Second 60 is a leap second,
// folded into the next minute.
std::optional<int64_t> ToEpochNanos(const CivilTime& t, int64_t nanos, int64_t offset_s) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > DaysInMonth(t.year, t.month) ||
      t.hour > 23 || t.minute > 59 || t.second > 60) {
    return std::nullopt;
  }
  const int64_t secs = DaysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 +
                       t.minute * 60 + t.second - offset_s;
  constexpr int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
  if (secs > kMaxSeconds || secs < -kMaxSeconds) {
    return std::nullopt;
  }
  return secs * 1'000'000'000 + nanos;
}

// CloudTrail's own form, `2023-07-10T11:45:01Z`, on every event: fixed offsets, no loops.
// False when `s` does not have that shape; otherwise `out` is the final answer (the general
// parser would reach the same one).
bool ParseCanonical(std::string_view s, std::optional<int64_t>& out) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z') {
    return false;
  }
  // Events of one batch share their day: the last date seen and its epoch second are kept per
  // thread, so most events convert only hh:mm:ss.
  struct DayCache {
    uint64_t date = 0;  // the 8 bytes "YYYY-MM-" and...
    uint16_t day = 0;   // ..."DD", as read from the text; 0 never matches digits
    int64_t seconds = 0;
  };
  thread_local DayCache cache;
  uint64_t date = 0;
  uint16_t day = 0;
  std::memcpy(&date, s.data(), sizeof date);
  std::memcpy(&day, s.data() + 8, sizeof day);
  static constexpr int kTimeDigitAt[] = {11, 12, 14, 15, 17, 18};
  unsigned d[6];
  for (int i = 0; i < 6; ++i) {
    d[i] = static_cast<unsigned>(s[kTimeDigitAt[i]] - '0');
    if (d[i] > 9) {
      return false;
    }
  }
  const unsigned hour = d[0] * 10 + d[1];
  const unsigned minute = d[2] * 10 + d[3];
  const unsigned second = d[4] * 10 + d[5];
  if (date == cache.date && day == cache.day && hour <= 23 && minute <= 59 && second <= 60) {
    out = (cache.seconds + hour * 3600 + minute * 60 + second) * 1'000'000'000;
    return true;
  }
  static constexpr int kDateDigitAt[] = {0, 1, 2, 3, 5, 6, 8, 9};
  unsigned y[8];
  for (int i = 0; i < 8; ++i) {
    y[i] = static_cast<unsigned>(s[kDateDigitAt[i]] - '0');
    if (y[i] > 9) {
      return false;
    }
  }
  const CivilTime t{y[0] * 1000 + y[1] * 100 + y[2] * 10 + y[3],
                    y[4] * 10 + y[5],
                    y[6] * 10 + y[7],
                    hour,
                    minute,
                    second};
  out = ToEpochNanos(t, 0, 0);
  if (out.has_value()) {
    // A valid day: its midnight is kept, unless some time of that day leaves the int64 range.
    const int64_t midnight = *out / 1'000'000'000 - (hour * 3600 + minute * 60 + second);
    constexpr int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
    if (midnight > -kMaxSeconds && midnight + 86401 < kMaxSeconds) {
      cache = {date, day, midnight};
    }
  }
  return true;
}

}  // namespace

std::optional<int64_t> ParseEventTime(std::string_view s) {
  std::optional<int64_t> canonical;
  if (ParseCanonical(s, canonical)) {
    return canonical;
  }
  size_t pos = 0;
  CivilTime t;
  if (!ReadDigits(s, pos, 4, t.year) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, t.month) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, t.day)) {
    return std::nullopt;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!ReadDigits(s, pos, 2, t.hour) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, t.minute) ||
      !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, t.second)) {
    return std::nullopt;
  }
  int64_t nanos = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return std::nullopt;
    }
    for (size_t i = digits; i < 9; ++i) {
      nanos *= 10;
    }
  }
  int64_t offset_s = 0;
  if (!ReadZone(s, pos, offset_s)) {
    return std::nullopt;
  }
  return ToEpochNanos(t, nanos, offset_s);
}

std::string FormatEventTime(int64_t epoch_ns) {
  int64_t secs = epoch_ns / 1'000'000'000;
  int64_t nanos = epoch_ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  char buf[48];
  const int millis = static_cast<int>(nanos / 1'000'000);
  if (millis != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(y), m, d, static_cast<int>(rem / 3600),
                  static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60), millis);
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m,
                  d, static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
                  static_cast<int>(rem % 60));
  }
  return buf;
}

}  // namespace trailhound::event
