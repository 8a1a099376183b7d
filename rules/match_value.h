// rules/match_value.h: the Sigma modifiers that do not compare strings (SIGMA.md §9): `re`
// (an RE2 search), `cidr` (network membership), `gt`/`gte`/`lt`/`lte` (numbers) and the time
// parts `minute` … `year` (RFC 3339 timestamps read in UTC). Each is compiled or parsed once when
// a rule loads; the per-candidate calls never allocate on the heap, never error and never throw.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

namespace re2 {
class RE2;  // Kept out of this header so only match_value.cc sees RE2 (STYLE.md §1).
}  // namespace re2

namespace trailhound::rules {

// The sub-modifiers of `re`: `i` (`ignorecase`), `m` (`multiline`), `s` (`dotall`).
struct RegexOptions {
  bool ignore_case = false;  // `i`: letters match either case
  bool multiline = false;    // `m`: `^` and `$` also match at line breaks
  bool dot_all = false;      // `s`: `.` also matches `\n`
};

// A compiled `re` value: RE2 syntax, an unanchored search, case-sensitive unless `i`. Immutable;
// copies share the compiled program, and Matches may be called from any number of threads.
class RegexMatcher {
 public:
  // The largest program RE2 may build for one pattern (RE2::Options::max_mem). A pattern that
  // needs more fails to compile, so one rule cannot take the daemon's memory.
  static constexpr int64_t kMaxMemoryBytes = int64_t{8} << 20;

  // Compiles `pattern` (RE2 syntax, no Sigma wildcard or escape processing) for an unanchored
  // search. On failure returns nullopt and sets `error` to RE2's message.
  static std::optional<RegexMatcher> Compile(std::string_view pattern, RegexOptions options,
                                             std::string& error);

  // True when the pattern matches somewhere in `text` (candidate text as SIGMA.md §7 reads it).
  // An ASCII text lacking one of required_literals() is refused without running RE2.
  bool Matches(std::string_view text) const;

  // Lower-cased literals every match must contain, as RE2's prefilter (FilteredRE2) proves:
  // `.+:assumed-role/aws:.+` needs `:assumed-role/aws:`. Empty when it proves none (`^A`, `.+`).
  const std::vector<std::string>& required_literals() const { return required_; }
  // The pattern RE2 compiled (with `(?m)` in front under `m`): equal patterns and options are
  // the same matcher.
  std::string_view pattern() const;

 private:
  RegexMatcher(std::shared_ptr<const re2::RE2> regex, std::vector<std::string> required)
      : regex_(std::move(regex)), required_(std::move(required)) {}

  std::shared_ptr<const re2::RE2> regex_;  // never null
  std::vector<std::string> required_;
};

// A parsed `cidr` value: an IPv4 or IPv6 network. Immutable and trivially copyable.
class CidrMatcher {
 public:
  // Parses `10.0.0.0/8` or `fc00::/7`. Strict, as pySigma's ip_network(strict=True): an address
  // with host bits set (`10.0.0.1/8`), a prefix out of range or malformed, an IPv4 part with a
  // leading zero or an IPv6 `%zone` returns nullopt and sets `error` (saying what to write
  // instead). A bare address (`10.1.2.3`) is the network of that one host, as in ip_network.
  static std::optional<CidrMatcher> Parse(std::string_view cidr, std::string& error);

  // True when `candidate` is an address of the same family inside the network. Text that is not
  // an address (`AWS Internal`, `010.1.2.3`, `10.1.2`, `fe80::1%eth0`, surrounding spaces) is
  // false, never an error; `::ffff:10.0.0.1` is an IPv6 address and so not in `10.0.0.0/8`.
  bool Matches(std::string_view candidate) const;

  bool is_v6() const { return is_v6_; }
  int prefix_length() const { return prefix_length_; }
  // The network's address bytes (IPv4 in the first 4), host bits zero.
  const std::array<uint8_t, 16>& network() const { return network_; }

 private:
  CidrMatcher() = default;

  std::array<uint8_t, 16> network_{};  // IPv4 uses the first 4 bytes; host bits are zero
  int prefix_length_ = 0;
  bool is_v6_ = false;
};

// `gt`, `gte`, `lt`, `lte`: candidate op value, e.g. kGt is `candidate > value`.
enum class CompareOp : uint8_t { kGt, kGte, kLt, kLte };

// Compares a candidate with a rule number. JSON numbers compare exactly, whether int64, uint64
// or double (2^53 + 1 is greater than 2^53); strings only when they are plain decimals
// `-?\d+(\.\d+)?([eE][+-]?\d+)?` (`"16"`, `"1e3"`; not `" 16"`, `"16abc"`, `"+1"`) whose value
// fits a double. Anything else (booleans, null, objects, arrays, other strings, NaN) is false.
bool CompareNumber(simdjson::dom::element candidate, CompareOp op, double value);
// CompareNumber for a JSON string candidate holding `text`.
bool CompareNumberText(std::string_view text, CompareOp op, double value);

// The time-part modifiers.
enum class TimePart : uint8_t { kMinute, kHour, kDay, kWeek, kMonth, kYear };

// Reads `text` as an RFC 3339 timestamp (`2024-01-01T02:30:00.5+03:00`; `T`/`t`/space between
// date and time, `Z`/`z` or a `±hh:mm` offset required) and returns the part of the same instant
// in UTC: minute 0-59, hour 0-23, day of month 1-31, ISO 8601 week 1-53, month 1-12, year (the
// calendar year; the ISO week-numbering year is not a Sigma part). A leap second `:60` counts in
// its minute. nullopt when `text` is not such a timestamp (impossible dates included).
std::optional<int> ExtractTimePart(std::string_view text, TimePart part);

}  // namespace trailhound::rules
