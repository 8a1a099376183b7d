// rules/match_string.h: Sigma string comparison (SIGMA.md §7-§9): a value with its wildcards and
// backslash escapes, shaped by `contains`/`startswith`/`endswith`, compiled once when a rule
// loads into the cheapest matcher that decides it, and the text a JSON scalar reads as.
// Case-insensitive matching uses the simple one-to-one Unicode lower-case mapping (UnicodeData.txt
// field 13, Unicode 14.0, every script) on both sides, so `ÄRGER` matches `ärger`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace trailhound::rules {

// The shaper modifier on the item: none, `contains`, `startswith` or `endswith`.
enum class Shape : uint8_t { kExact, kContains, kStartsWith, kEndsWith };

// The adjacent byte pairs of a text with A-Z lowered, hashed into 256 bits: a text can hold a
// literal only if it holds each of the literal's pairs. Built once per candidate and shared by
// every `contains` value of an item (lists of 5-50 are common), so most values are refused with
// a few instructions instead of a search. Meaningful only for ASCII text (`ascii`): a non-ASCII
// byte may fold into an ASCII pair (U+212A to `k`).
struct BytePairSet {
  uint64_t bits[4] = {0, 0, 0, 0};
  bool ascii = true;

  static BytePairSet Of(std::string_view text);
};

// A compiled string value. Immutable after CompileStringPattern; Matches is const and may be
// called from any number of threads at once (each with its own scratch buffer).
class StringPattern {
 public:
  // Which matcher decides a candidate; chosen at compile time from the wildcards left over.
  enum class Kind : uint8_t {
    kAnything,    // only `*`: every candidate, "" included
    kEqual,       // no wildcard: length check and compare
    kStartsWith,  // `lit*`
    kEndsWith,    // `*lit`
    kContains,    // `*lit*`: one substring search
    kGlob,        // anything else (`?`, inner `*`): greedy matcher, backtracks to the last `*`
  };

  // One step of a kGlob program; literals are slices of literal().
  struct GlobToken {
    enum class Op : uint8_t { kLiteral, kAnyOne, kAnyMany };
    Op op = Op::kLiteral;
    uint32_t offset = 0;  // kLiteral only: where the slice starts in literal()
    uint32_t size = 0;    // kLiteral only: its length in bytes
  };

  StringPattern() = default;

  Kind kind() const { return kind_; }
  bool cased() const { return cased_; }
  // kEqual..kContains: the literal compared with (lower-cased unless cased()). kGlob: every
  // literal segment concatenated, addressed by glob(). kAnything: empty.
  std::string_view literal() const { return literal_; }
  // The kGlob program: literal segments, `?` and `*` (runs of `*` folded into one).
  const std::vector<GlobToken>& glob() const { return glob_; }

  // True when `candidate` (text as from CandidateText) matches as a whole. Lower-cases the
  // candidate into `scratch` when it must (case-insensitive and not plain lower-case ASCII); the
  // buffer is reused so a warm one does not allocate. `?` is one code point of UTF-8; a byte
  // that is not part of a well-formed sequence counts as one code point of its own.
  // REQUIRES: `scratch` does not hold the bytes `candidate` views.
  bool Matches(std::string_view candidate, std::string& scratch) const;
  // The same test for a candidate folded by the caller: `folded` is FoldCase(candidate) unless
  // cased(), else the candidate itself. Lets one candidate be folded once for many patterns.
  bool MatchesFolded(std::string_view folded) const;
  // The verdict of Matches for a case-insensitive pattern decided in place, without folding the
  // candidate, when the candidate bytes that decide it are ASCII (nearly every CloudTrail value:
  // ASCII folds byte for byte, so compare, prefix, suffix and search can fold as they go).
  // nullopt when a non-ASCII byte might fold into the answer (`K`, U+212A, folds to `k`): the
  // caller then uses MatchesFolded(FoldCase(candidate)). REQUIRES: !cased().
  std::optional<bool> MatchesAsciiIgnoringCase(std::string_view candidate) const;
  // False when the candidate `pairs` was built from cannot match: a kContains pattern whose
  // literal has a byte pair the ASCII candidate lacks. True otherwise (then Matches decides).
  bool MayMatch(const BytePairSet& pairs) const {
    return !pairs.ascii ||
           ((pairs.bits[0] & pairs_[0]) == pairs_[0] && (pairs.bits[1] & pairs_[1]) == pairs_[1] &&
            (pairs.bits[2] & pairs_[2]) == pairs_[2] && (pairs.bits[3] & pairs_[3]) == pairs_[3]);
  }

 private:
  friend StringPattern CompileStringPattern(std::string_view sigma_value, Shape shape, bool cased);
  // `Compare` says how text bytes meet literal bytes: exactly, or with ASCII letters folded.
  template <typename Compare>
  bool MatchesGlob(std::string_view text) const;

  Kind kind_ = Kind::kEqual;
  bool cased_ = false;
  bool literal_ascii_ = true;         // literal() holds no byte above 0x7F
  uint64_t pairs_[4] = {0, 0, 0, 0};  // kContains, !cased: BytePairSet of literal(); else none
  std::string literal_;
  std::vector<GlobToken> glob_;
};

// Compiles a Sigma string value (after YAML, before any wildcard processing): `\*`, `\?` and `\\`
// are literal `*`, `?` and `\`; any other backslash, or one at the end, is itself; unescaped `*`
// and `?` are wildcards. `shape` adds the shaper's `*` (not doubled). Unless `cased`, literals are
// lower-cased here, once. Any text compiles; invalid UTF-8 is compared byte for byte.
StringPattern CompileStringPattern(std::string_view sigma_value, Shape shape, bool cased);

// Appends to `out` the simple lower-case mapping of `text`, code point by code point; bytes that
// are not well-formed UTF-8 are copied unchanged.
void AppendLowerCase(std::string_view text, std::string& out);

// `text` under the simple lower-case mapping (as AppendLowerCase): `text` itself when no byte of
// it can fold (plain lower-case ASCII), else a view of `scratch` holding the mapping.
// REQUIRES: `scratch` does not hold the bytes `text` views.
std::string_view FoldCase(std::string_view text, std::string& scratch);

// True when `text` holds `lower` (lower-case) with A-Z of `text` read as a-z. A byte of `text`
// above 0x7F never matches, so for text that is not ASCII the answer says nothing about folded
// Unicode text.
bool ContainsIgnoringAsciiCase(std::string_view text, std::string_view lower);

// True when every byte of `text` is below 0x80.
bool IsAsciiText(std::string_view text);

// How a JSON scalar reads as text (SIGMA.md §7): a string as itself (a view into the document),
// `true`/`false`, an integer in decimal, any other number in its shortest round-trip form with
// `.0` kept for integral values (`1.5`, `4624.0`, `1e+300`, as Python's repr). Numbers are
// written into `scratch`, so the view lives until `scratch` changes. Null, arrays and objects
// are not candidates: std::nullopt.
std::optional<std::string_view> CandidateText(simdjson::dom::element value, std::string& scratch);

}  // namespace trailhound::rules
