// rules/match_value.cc: `re`, `cidr`, the numeric comparisons and the time parts.
#include "rules/match_value.h"

#include <arpa/inet.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <compare>
#include <cstring>
#include <system_error>
#include <type_traits>
#include <utility>

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include "rules/diagnostics.h"
#include "rules/match_string.h"

namespace trailhound::rules {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// ---- Regular expressions -------------------------------------------------------------------

re2::StringPiece ToPiece(std::string_view text) {
  return {text.data(), text.size()};
}

// The atoms of RE2's prefilter for `pattern` that every match needs. FilteredRE2 reduces a
// regex to an AND/OR tree of lower-cased literals that any text it matches contains (when
// lower-cased); the tree is monotone, so an atom is required when the tree refuses the set of
// every other atom: a text lacking it holds at most those others and is refused too.
std::vector<std::string> RequiredLiterals(std::string_view pattern,
                                          const re2::RE2::Options& options) {
  re2::FilteredRE2 filter;
  int id = 0;
  if (filter.Add(ToPiece(pattern), options, &id) != re2::RE2::NoError) {
    return {};
  }
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  std::vector<std::string> required;
  std::vector<int> others;
  std::vector<int> passed;
  for (size_t i = 0; i < atoms.size(); ++i) {
    others.clear();
    for (size_t j = 0; j < atoms.size(); ++j) {
      if (j != i) {
        others.push_back(static_cast<int>(j));
      }
    }
    filter.AllPotentials(others, &passed);
    if (passed.empty()) {
      required.push_back(atoms[i]);
    }
  }
  return required;
}

// ---- IP addresses ----------------------------------------------------------------------------

// Longest IPv6 text inet_pton can accept (`ffff:…:255.255.255.255`); longer text is no address.
constexpr size_t kMaxIpv6TextBytes = 45;

// Dotted-quad IPv4 as Python's ipaddress reads it: exactly four decimal parts of 1-3 digits,
// each at most 255, no leading zero (`010` is octal to some parsers and decimal to others, so
// Sigma refuses it rather than guess), no sign or spaces.
bool ParseIpv4(std::string_view text, std::array<uint8_t, 16>& bytes) {
  size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') {
        return false;
      }
      ++pos;
    }
    const size_t start = pos;
    int value = 0;
    while (pos < text.size() && IsDigit(text[pos]) && pos - start < 3) {
      value = value * 10 + (text[pos] - '0');
      ++pos;
    }
    const size_t digits = pos - start;
    if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) {
      return false;
    }
    bytes[static_cast<size_t>(part)] = static_cast<uint8_t>(value);
  }
  return pos == text.size();  // also refuses a fourth part of more than 3 digits
}

// IPv6 through inet_pton, after refusing what it must not see: a `%zone` (an interface of some
// host, not an address of the network) and anything but hex digits, `:` and `.`. glibc's
// inet_pton refuses leading zeros in an embedded IPv4 part; the tests hold it to that.
bool ParseIpv6(std::string_view text, std::array<uint8_t, 16>& bytes) {
  if (text.empty() || text.size() > kMaxIpv6TextBytes || text.find(':') == std::string_view::npos) {
    return false;
  }
  for (const char c : text) {
    const bool hex = IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != ':' && c != '.') {
      return false;
    }
  }
  char buffer[kMaxIpv6TextBytes + 1];  // inet_pton needs a terminated string; no heap per event
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  return inet_pton(AF_INET6, buffer, bytes.data()) == 1;
}

// True when the first `prefix_length` bits of `a` and `b` agree.
bool SamePrefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b,
                int prefix_length) {
  const size_t whole_bytes = static_cast<size_t>(prefix_length / 8);
  if (std::memcmp(a.data(), b.data(), whole_bytes) != 0) {
    return false;
  }
  const int rest_bits = prefix_length % 8;
  if (rest_bits == 0) {
    return true;
  }
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest_bits));
  return (a[whole_bytes] & mask) == (b[whole_bytes] & mask);
}

// `address` with every bit after the prefix cleared: the network a strict CIDR must name.
std::array<uint8_t, 16> NetworkOf(std::array<uint8_t, 16> address, int prefix_length) {
  for (size_t i = 0; i < address.size(); ++i) {
    const int bits_kept = prefix_length - static_cast<int>(i) * 8;
    if (bits_kept <= 0) {
      address[i] = 0;
    } else if (bits_kept < 8) {
      address[i] &= static_cast<uint8_t>(0xFF << (8 - bits_kept));
    }
  }
  return address;
}

std::string FormatAddress(const std::array<uint8_t, 16>& bytes, bool is_v6) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer) == nullptr) {
    return "?";
  }
  return buffer;
}

// ---- Numbers -------------------------------------------------------------------------------

// Three-way comparison of an integer with a double without rounding the integer: 2^53 + 1 is
// greater than 2^53 even though both become the same double.
template <typename Int>
std::partial_ordering CompareExactly(Int integer, double value) {
  if (std::isnan(value)) {
    return std::partial_ordering::unordered;
  }
  // 2^63 and 2^64 are exact doubles; at or beyond them the integer's type decides.
  constexpr double kTypeEnd =
      std::is_signed_v<Int> ? 9223372036854775808.0 : 18446744073709551616.0;
  constexpr double kTypeStart = std::is_signed_v<Int> ? -9223372036854775808.0 : 0.0;
  if (value >= kTypeEnd) {
    return std::partial_ordering::less;
  }
  if (value < kTypeStart) {
    return std::partial_ordering::greater;
  }
  const double floor = std::floor(value);
  const auto whole = static_cast<Int>(floor);  // in range: checked just above
  if (integer != whole) {
    return integer < whole ? std::partial_ordering::less : std::partial_ordering::greater;
  }
  return floor == value ? std::partial_ordering::equivalent : std::partial_ordering::less;
}

bool Holds(std::partial_ordering order, CompareOp op) {
  switch (op) {
    case CompareOp::kGt:
      return order > 0;
    case CompareOp::kGte:
      return order >= 0;
    case CompareOp::kLt:
      return order < 0;
    case CompareOp::kLte:
      return order <= 0;
  }
  return false;
}

// SIGMA.md §9's plain decimal `-?\d+(\.\d+)?([eE][+-]?\d+)?`; sets `integral` when it is only
// `-?\d+`.
bool IsPlainDecimal(std::string_view text, bool& integral) {
  size_t pos = 0;
  const auto digits = [&] {
    const size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      ++pos;
    }
    return pos > start;
  };
  if (pos < text.size() && text[pos] == '-') {
    ++pos;
  }
  if (!digits()) {
    return false;
  }
  integral = pos == text.size();
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (!digits()) {
      return false;
    }
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      ++pos;
    }
    if (!digits()) {
      return false;
    }
  }
  return pos == text.size();
}

std::partial_ordering CompareText(std::string_view text, double value) {
  bool integral = false;
  if (!IsPlainDecimal(text, integral)) {
    return std::partial_ordering::unordered;
  }
  const char* const end = text.data() + text.size();
  if (integral) {
    // As exact as a JSON integer, so "9007199254740993" and 9007199254740993 agree.
    int64_t integer = 0;
    const std::from_chars_result parsed = std::from_chars(text.data(), end, integer);
    if (parsed.ec == std::errc() && parsed.ptr == end) {
      return CompareExactly(integer, value);
    }
  }
  double number = 0;
  const std::from_chars_result parsed = std::from_chars(text.data(), end, number);
  if (parsed.ec != std::errc() || parsed.ptr != end) {
    // Beyond a double's range (`1e999`): no number we could compare honestly.
    return std::partial_ordering::unordered;
  }
  return number <=> value;
}

// ---- Timestamps ----------------------------------------------------------------------------

// Reads exactly `count` digits at `pos` and advances past them.
bool ReadDigits(std::string_view text, size_t& pos, size_t count, int& value) {
  if (pos + count > text.size()) {
    return false;
  }
  value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (!IsDigit(c)) {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool ReadChar(std::string_view text, size_t& pos, std::string_view allowed) {
  if (pos >= text.size() || allowed.find(text[pos]) == std::string_view::npos) {
    return false;
  }
  ++pos;
  return true;
}

// RFC 3339 date-time → seconds since the epoch (UTC), counting a leap second `:60` as `:59` so
// the instant stays in its minute, hour and day.
std::optional<std::chrono::sys_seconds> ParseRfc3339(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 4, year) || !ReadChar(text, pos, "-") ||
      !ReadDigits(text, pos, 2, month) || !ReadChar(text, pos, "-") ||
      !ReadDigits(text, pos, 2, day) || !ReadChar(text, pos, "Tt ") ||
      !ReadDigits(text, pos, 2, hour) || !ReadChar(text, pos, ":") ||
      !ReadDigits(text, pos, 2, minute) || !ReadChar(text, pos, ":") ||
      !ReadDigits(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (ReadChar(text, pos, ".")) {
    const size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;
    }
  }
  int offset_minutes = 0;
  if (!ReadChar(text, pos, "Zz")) {
    const bool negative = pos < text.size() && text[pos] == '-';
    int offset_hour = 0, offset_minute = 0;
    if (!ReadChar(text, pos, "+-") || !ReadDigits(text, pos, 2, offset_hour) ||
        !ReadChar(text, pos, ":") || !ReadDigits(text, pos, 2, offset_minute) || offset_hour > 23 ||
        offset_minute > 59) {
      return std::nullopt;
    }
    offset_minutes = (offset_hour * 60 + offset_minute) * (negative ? -1 : 1);
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (pos != text.size() || !date.ok() || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  // Local time minus its offset is UTC: 02:30+03:00 is 23:30Z the day before.
  return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second == 60 ? 59 : second} - std::chrono::minutes{offset_minutes};
}

// ISO 8601 week: weeks start on Monday, and week 1 is the one holding the year's first Thursday,
// so a date's week is decided by the Thursday of its own week.
int IsoWeek(std::chrono::sys_days date) {
  using std::chrono::days;
  const unsigned weekday = std::chrono::weekday{date}.iso_encoding();  // Monday 1 … Sunday 7
  const std::chrono::sys_days thursday = date - days{weekday - 1} + days{3};
  const std::chrono::year week_year = std::chrono::year_month_day{thursday}.year();
  const std::chrono::sys_days january_first{week_year / std::chrono::January / 1};
  return static_cast<int>((thursday - january_first).count() / 7) + 1;
}

}  // namespace

std::string_view RegexMatcher::pattern() const {
  return regex_->pattern();
}

std::optional<RegexMatcher> RegexMatcher::Compile(std::string_view pattern, RegexOptions options,
                                                  std::string& error) {
  re2::RE2::Options re2_options;
  re2_options.set_max_mem(kMaxMemoryBytes);
  re2_options.set_log_errors(false);  // the error goes to the rule's diagnostic, not stderr
  re2_options.set_case_sensitive(!options.ignore_case);
  re2_options.set_dot_nl(options.dot_all);
  std::shared_ptr<const re2::RE2> regex;
  std::string flagged;
  if (options.multiline) {
    // Outside POSIX mode RE2 ignores Options' one_line, so `^`/`$` per line is the inline flag.
    // `(?m)` is not a group, so nothing in the rule's pattern can end its scope early.
    flagged.assign("(?m)").append(pattern);
    regex = std::make_shared<const re2::RE2>(ToPiece(flagged), re2_options);
  } else {
    regex = std::make_shared<const re2::RE2>(ToPiece(pattern), re2_options);
  }
  if (!regex->ok()) {
    if (options.multiline) {
      // Report the error against the pattern the user wrote, not our prefixed copy.
      const re2::RE2 unflagged(ToPiece(pattern), re2_options);
      error = unflagged.ok() ? regex->error() : unflagged.error();
    } else {
      error = regex->error();
    }
    return std::nullopt;
  }
  return RegexMatcher(std::move(regex),
                      RequiredLiterals(options.multiline ? flagged : pattern, re2_options));
}

bool RegexMatcher::Matches(std::string_view text) const {
  for (const std::string& literal : required_) {
    if (!ContainsIgnoringAsciiCase(text, literal)) {
      // The prefilter's contract is a search of the text lower-cased by RE2's Unicode tables;
      // the ASCII search equals it only for ASCII text (U+212A lower-cases to `k`).
      if (IsAsciiText(text)) {
        return false;
      }
      break;
    }
  }
  return re2::RE2::PartialMatch(ToPiece(text), *regex_);
}

std::optional<CidrMatcher> CidrMatcher::Parse(std::string_view cidr, std::string& error) {
  const size_t slash = cidr.find('/');
  const std::string_view address_text = cidr.substr(0, slash);
  CidrMatcher matcher;
  std::array<uint8_t, 16> address{};
  if (ParseIpv4(address_text, address)) {
    matcher.is_v6_ = false;
  } else if (ParseIpv6(address_text, address)) {
    matcher.is_v6_ = true;
  } else {
    error.assign(Quote(address_text))
        .append(" is not an IPv4 or IPv6 address (IPv4 parts without leading zeros, no %zone)");
    return std::nullopt;
  }
  const int max_length = matcher.is_v6_ ? 128 : 32;
  int prefix_length = max_length;
  if (slash != std::string_view::npos) {
    const std::string_view prefix_text = cidr.substr(slash + 1);
    const char* const end = prefix_text.data() + prefix_text.size();
    // Digits only: from_chars alone would take `-1`.
    const bool digits_only = !prefix_text.empty() && prefix_text.size() <= 3 &&
                             prefix_text.find_first_not_of("0123456789") == std::string_view::npos;
    if (!digits_only || std::from_chars(prefix_text.data(), end, prefix_length).ptr != end ||
        prefix_length > max_length) {
      error.assign(Quote(prefix_text))
          .append(" is not a prefix length; write 0 to ")
          .append(std::to_string(max_length))
          .append(" after the '/'");
      return std::nullopt;
    }
  }
  matcher.prefix_length_ = prefix_length;
  matcher.network_ = NetworkOf(address, prefix_length);
  if (matcher.network_ != address) {
    std::string network = FormatAddress(matcher.network_, matcher.is_v6_);
    network.append("/").append(std::to_string(prefix_length));
    error.assign(Quote(cidr))
        .append(" has host bits set; did you mean ")
        .append(Quote(network))
        .append("?");
    return std::nullopt;
  }
  return matcher;
}

bool CidrMatcher::Matches(std::string_view candidate) const {
  std::array<uint8_t, 16> address{};
  const bool parsed = is_v6_ ? ParseIpv6(candidate, address) : ParseIpv4(candidate, address);
  return parsed && SamePrefix(address, network_, prefix_length_);
}

bool CompareNumber(simdjson::dom::element candidate, CompareOp op, double value) {
  std::partial_ordering order = std::partial_ordering::unordered;
  switch (candidate.type()) {
    case simdjson::dom::element_type::INT64:
      order = CompareExactly(int64_t{candidate.get_int64().value_unsafe()}, value);
      break;
    case simdjson::dom::element_type::UINT64:
      order = CompareExactly(uint64_t{candidate.get_uint64().value_unsafe()}, value);
      break;
    case simdjson::dom::element_type::DOUBLE:
      order = candidate.get_double().value_unsafe() <=> value;
      break;
    case simdjson::dom::element_type::STRING:
      return CompareNumberText(candidate.get_string().value_unsafe(), op, value);
    default:  // booleans, null, arrays and objects are not numbers
      return false;
  }
  return Holds(order, op);
}

bool CompareNumberText(std::string_view text, CompareOp op, double value) {
  return Holds(CompareText(text, value), op);
}

std::optional<int> ExtractTimePart(std::string_view text, TimePart part) {
  const std::optional<std::chrono::sys_seconds> instant = ParseRfc3339(text);
  if (!instant.has_value()) {
    return std::nullopt;
  }
  const auto day_start = std::chrono::floor<std::chrono::days>(*instant);
  const std::chrono::hh_mm_ss<std::chrono::seconds> time_of_day{*instant - day_start};
  const std::chrono::year_month_day date{day_start};
  switch (part) {
    case TimePart::kMinute:
      return static_cast<int>(time_of_day.minutes().count());
    case TimePart::kHour:
      return static_cast<int>(time_of_day.hours().count());
    case TimePart::kDay:
      return static_cast<int>(static_cast<unsigned>(date.day()));
    case TimePart::kWeek:
      return IsoWeek(day_start);
    case TimePart::kMonth:
      return static_cast<int>(static_cast<unsigned>(date.month()));
    case TimePart::kYear:
      return static_cast<int>(date.year());
  }
  return std::nullopt;
}

}  // namespace trailhound::rules
