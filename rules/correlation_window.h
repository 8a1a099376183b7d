// rules/correlation_window.h: what the correlation engine keeps per record, how a group key is
// encoded, and how a window's records are counted per correlation type (SIGMA.md §13). Internal
// to th_rules (correlation_engine.cc); plain functions, no state, no allocation beyond the
// scratch passed in.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/correlation.h"

namespace trailhound::rules::correlation_internal {

struct Record {
  int64_t time_ns = 0;
  uint64_t arrival = 0;
  uint64_t rules_mask = 0;  // bit i: matched CorrelationRule::rules[i]
  std::string event_id;
  std::string account;
  std::vector<std::string> values;  // value_count: the texts of `field`
};

using Records = std::deque<Record>;  // ordered by (time_ns, arrival)

// Group key encoding: per group-by field, 0 (null) or 1, a 4-byte length and the text.
void AppendGroupKeyComponent(std::optional<std::string_view> text, std::string& key);
std::vector<std::optional<std::string>> DecodeGroupKey(std::string_view key);

// `{"field":"value","other":null}`: keys sorted, compact, written by RapidJSON.
std::string CanonicalGroupJson(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& group);

// The number the condition is compared with: records (event_count), distinct values
// (value_count), distinct referenced rules (temporal), or listed rules met in order
// (temporal_ordered). `distinct` is scratch.
int64_t CountWindow(const CorrelationRule& rule, Records::const_iterator begin,
                    Records::const_iterator end, std::vector<std::string_view>& distinct);

}  // namespace trailhound::rules::correlation_internal
