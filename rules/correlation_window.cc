// rules/correlation_window.cc: group keys, canonical group JSON and window counts for the
// correlation engine.
#include "rules/correlation_window.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace trailhound::rules::correlation_internal {
namespace {

// The most consecutive steps from `first` that distinct records of one run can take
// (augmenting paths: a record matching two steps may give way to another).
uint32_t MatchRun(Records::const_iterator begin, Records::const_iterator end, uint32_t first,
                  uint32_t steps) {
  const auto size = static_cast<size_t>(end - begin);
  std::vector<int64_t> owner(size, -1);  // record → step it takes
  uint32_t taken = 0;
  for (uint32_t step = first; step < steps; ++step) {
    std::vector<bool> visited(size, false);
    const std::function<bool(uint32_t)> assign = [&](uint32_t s) {
      for (size_t i = 0; i < size; ++i) {
        if (visited[i] || (((begin + static_cast<std::ptrdiff_t>(i))->rules_mask >> s) & 1) == 0) {
          continue;
        }
        visited[i] = true;
        if (owner[i] < 0 || assign(static_cast<uint32_t>(owner[i]))) {
          owner[i] = s;
          return true;
        }
      }
      return false;
    };
    if (!assign(step)) {
      break;
    }
    ++taken;
  }
  return taken;
}

// How many of the listed rules, in order, a subsequence of the records meets. Records of one
// eventTime count as in order among themselves, so each such run is matched as a set.
int64_t OrderedSteps(const CorrelationRule& rule, Records::const_iterator begin,
                     Records::const_iterator end) {
  const auto steps = static_cast<uint32_t>(rule.rules.size());
  uint32_t done = 0;
  for (auto run = begin; run != end && done < steps;) {
    auto run_end = run;
    while (run_end != end && run_end->time_ns == run->time_ns) {
      ++run_end;
    }
    done += MatchRun(run, run_end, done, steps);
    run = run_end;
  }
  return done;
}

}  // namespace

void AppendGroupKeyComponent(std::optional<std::string_view> text, std::string& key) {
  if (!text.has_value()) {
    key.push_back('\0');
    return;
  }
  const auto size = static_cast<uint32_t>(text->size());
  key.push_back('\1');
  key.append(reinterpret_cast<const char*>(&size), sizeof size);
  key.append(*text);
}

std::vector<std::optional<std::string>> DecodeGroupKey(std::string_view key) {
  std::vector<std::optional<std::string>> values;
  size_t at = 0;
  while (at < key.size()) {
    if (key[at++] == '\0') {
      values.emplace_back();
      continue;
    }
    uint32_t size = 0;
    std::memcpy(&size, key.data() + at, sizeof size);
    at += sizeof size;
    values.emplace_back(std::string(key.substr(at, size)));
    at += size;
  }
  return values;
}

std::string CanonicalGroupJson(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& group) {
  std::vector<size_t> order(group.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(),
            [&group](size_t a, size_t b) { return group[a].first < group[b].first; });
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  for (const size_t i : order) {
    writer.Key(group[i].first.data(), static_cast<rapidjson::SizeType>(group[i].first.size()));
    if (group[i].second.has_value()) {
      writer.String(group[i].second->data(),
                    static_cast<rapidjson::SizeType>(group[i].second->size()));
    } else {
      writer.Null();
    }
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

int64_t CountWindow(const CorrelationRule& rule, Records::const_iterator begin,
                    Records::const_iterator end, std::vector<std::string_view>& distinct) {
  switch (rule.type) {
    case CorrelationType::kEventCount:
      return end - begin;
    case CorrelationType::kValueCount: {
      distinct.clear();
      for (auto it = begin; it != end; ++it) {
        distinct.insert(distinct.end(), it->values.begin(), it->values.end());
      }
      std::sort(distinct.begin(), distinct.end());
      return std::unique(distinct.begin(), distinct.end()) - distinct.begin();
    }
    case CorrelationType::kTemporal: {
      uint64_t seen = 0;
      for (auto it = begin; it != end; ++it) {
        seen |= it->rules_mask;
      }
      return std::popcount(seen);
    }
    case CorrelationType::kTemporalOrdered:
      return OrderedSteps(rule, begin, end);
  }
  return 0;
}

}  // namespace trailhound::rules::correlation_internal
