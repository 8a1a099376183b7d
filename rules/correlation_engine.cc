// rules/correlation_engine.cc: the windows of correlation rules over one stream (SIGMA.md §13
// "Time", "Lower-bound conditions", "Upper-bound conditions"). Records are kept per (rule, group)
// in eventTime order; lower-bound rules are evaluated when a record arrives, upper-bound rules
// when the watermark passes a window's close. Observe returns at once for a record no
// correlation references (after moving the clock).
#include <algorithm>
#include <bit>
#include <deque>
#include <functional>
#include <list>
#include <queue>
#include <tuple>
#include <unordered_map>

#include "rules/correlation.h"
#include "rules/correlation_window.h"
#include "rules/match_string.h"

namespace trailhound::rules {
namespace {

using correlation_internal::AppendGroupKeyComponent;
using correlation_internal::CanonicalGroupJson;
using correlation_internal::CountWindow;
using correlation_internal::DecodeGroupKey;
using correlation_internal::Record;
using correlation_internal::Records;

// How far the watermark moves between sweeps of idle lower-bound groups.
constexpr int64_t kSweepIntervalNs = int64_t{60} * 1'000'000'000;

struct Group {
  Records records;
  std::list<const std::string*>::iterator lru;
  uint64_t window_id = 0;  // upper bound: the open window, 0 when none
  int64_t window_close_ns = 0;
};

struct RuleState {
  std::unordered_map<std::string, Group> groups;  // by encoded group key
  std::list<const std::string*> lru;              // least recently updated first
  bool same_paths = true;  // every referenced rule groups by the same paths (no aliases)
};

struct DueWindow {
  int64_t close_ns = 0;
  uint32_t rule = 0;
  uint64_t window_id = 0;
  std::string key;
  bool operator>(const DueWindow& other) const {
    return std::tie(close_ns, rule, window_id) >
           std::tie(other.close_ns, other.rule, other.window_id);
  }
};

bool SamePaths(const CorrelationRule& rule) {
  for (const GroupByField& field : rule.group_by) {
    for (const event::FieldPath& path : field.paths) {
      if (path.text() != field.paths.front().text()) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

struct CorrelationEngine::State {
  const std::vector<CorrelationRule>& rules;
  const CorrelationOptions& options;
  CorrelationStats& stats;
  std::vector<RuleState> states;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> by_detection;  // → (rule, position)
  std::priority_queue<DueWindow, std::vector<DueWindow>, std::greater<>> due;
  bool clock_started = false;
  int64_t max_time_ns = 0;
  int64_t watermark_ns = 0;
  int64_t next_sweep_ns = 0;
  uint64_t arrivals = 0;
  uint64_t next_window_id = 1;
  // Scratch reused across records.
  std::vector<std::pair<uint32_t, uint64_t>> touched;  // (rule, positions mask)
  std::vector<simdjson::dom::element> candidates;
  std::vector<std::string_view> distinct;
  std::string key;
  std::string number_text;

  State(const std::vector<CorrelationRule>& all, const CorrelationOptions& opts,
        CorrelationStats& counters)
      : rules(all), options(opts), stats(counters), states(all.size()) {
    for (uint32_t r = 0; r < rules.size(); ++r) {
      states[r].same_paths = SamePaths(rules[r]);
      for (uint32_t position = 0; position < rules[r].rules.size(); ++position) {
        const uint32_t detection = rules[r].rules[position];
        if (detection >= by_detection.size()) {
          by_detection.resize(detection + 1);
        }
        by_detection[detection].emplace_back(r, position);
      }
    }
  }

  void AdvanceClock(int64_t time_ns, std::vector<CorrelationAlert>& out) {
    if (clock_started && time_ns <= max_time_ns) {
      return;
    }
    max_time_ns = time_ns;
    watermark_ns = time_ns - options.allowed_lateness_ns;
    if (!clock_started) {
      clock_started = true;
      next_sweep_ns = watermark_ns + kSweepIntervalNs;
    }
    while (!due.empty() && due.top().close_ns < watermark_ns) {
      DueWindow window = due.top();
      due.pop();
      CloseWindow(window, out);
    }
    if (watermark_ns >= next_sweep_ns) {
      SweepIdleGroups();
      next_sweep_ns = watermark_ns + kSweepIntervalNs;
    }
  }

  // Encodes the group key of `rule` for a record matched through `position` into `key`.
  void BuildKey(const CorrelationRule& rule, uint32_t position, const event::Event& event) {
    key.clear();
    for (const GroupByField& field : rule.group_by) {
      candidates.clear();
      event::VisitValues(event.record(), field.paths[position], [this](simdjson::dom::element e) {
        if (!e.is_null()) {
          candidates.push_back(e);
        }
        return false;
      });
      if (candidates.empty()) {
        AppendGroupKeyComponent(std::nullopt, key);
      } else if (candidates.size() == 1 &&
                 candidates[0].type() != simdjson::dom::element_type::OBJECT) {
        AppendGroupKeyComponent(CandidateText(candidates[0], number_text), key);
      } else if (candidates.size() == 1) {
        AppendGroupKeyComponent(simdjson::minify(candidates[0]), key);
      } else {
        std::string list = "[";  // several candidates: the JSON text of the list (§13)
        for (size_t i = 0; i < candidates.size(); ++i) {
          list += i == 0 ? "" : ",";
          list += simdjson::minify(candidates[i]);
        }
        list += ']';
        AppendGroupKeyComponent(list, key);
      }
    }
  }

  Record MakeRecord(const CorrelationRule& rule, const event::Event& event, uint64_t mask) {
    Record record;
    record.time_ns = event.event_time_ns();
    record.arrival = arrivals;
    record.rules_mask = mask;
    record.event_id = event.event_id();
    record.account = event.recipient_account_id();
    if (rule.type == CorrelationType::kValueCount) {
      event::VisitValues(event.record(), rule.value_field, [&](simdjson::dom::element e) {
        if (std::optional<std::string_view> text = CandidateText(e, number_text)) {
          record.values.emplace_back(*text);
        }
        return false;
      });
    }
    return record;
  }

  void Observe(const event::Event& event, std::span<const uint32_t> matched,
               std::vector<CorrelationAlert>& out) {
    touched.clear();
    for (const uint32_t detection : matched) {
      if (detection >= by_detection.size()) {
        continue;
      }
      for (const auto& [rule, position] : by_detection[detection]) {
        auto it = std::find_if(touched.begin(), touched.end(),
                               [rule = rule](const auto& entry) { return entry.first == rule; });
        if (it == touched.end()) {
          touched.emplace_back(rule, 0);
          it = touched.end() - 1;
        }
        it->second |= uint64_t{1} << position;
      }
    }
    if (touched.empty()) {
      return;
    }
    if (!event.time_known()) {
      ++stats.events_without_time;
      return;
    }
    if (event.event_time_ns() < watermark_ns) {
      ++stats.late_events;
      return;
    }
    ++arrivals;
    for (const auto& [rule, mask] : touched) {
      ObserveRule(rule, mask, event, out);
    }
  }

  // One record for one rule: split by group key when aliases make keys differ per position.
  void ObserveRule(uint32_t r, uint64_t mask, const event::Event& event,
                   std::vector<CorrelationAlert>& out) {
    const CorrelationRule& rule = rules[r];
    if (states[r].same_paths) {
      BuildKey(rule, static_cast<uint32_t>(std::countr_zero(mask)), event);
      AddRecord(r, MakeRecord(rule, event, mask), out);
      return;
    }
    uint64_t left = mask;
    while (left != 0) {
      const auto first = static_cast<uint32_t>(std::countr_zero(left));
      BuildKey(rule, first, event);
      const std::string first_key = key;
      uint64_t same = 0;
      for (uint64_t rest = left; rest != 0; rest &= rest - 1) {
        const auto position = static_cast<uint32_t>(std::countr_zero(rest));
        BuildKey(rule, position, event);
        same |= key == first_key ? uint64_t{1} << position : 0;
      }
      left &= ~same;
      key = first_key;
      AddRecord(r, MakeRecord(rule, event, same), out);
    }
  }

  Group& FindOrCreateGroup(uint32_t r) {
    RuleState& state = states[r];
    auto it = state.groups.find(key);
    if (it == state.groups.end()) {
      if (state.groups.size() >= options.max_groups_per_rule && !state.lru.empty()) {
        EraseGroup(r, *state.lru.front());
        ++stats.evicted_groups;
      }
      it = state.groups.emplace(key, Group{}).first;
      it->second.lru = state.lru.insert(state.lru.end(), &it->first);
      ++stats.open_groups;
    } else {
      state.lru.splice(state.lru.end(), state.lru, it->second.lru);
    }
    return it->second;
  }

  void EraseGroup(uint32_t r, const std::string& group_key) {
    RuleState& state = states[r];
    const auto it = state.groups.find(group_key);
    state.lru.erase(it->second.lru);
    state.groups.erase(it);
    --stats.open_groups;
  }

  void AddRecord(uint32_t r, Record record, std::vector<CorrelationAlert>& out) {
    const CorrelationRule& rule = rules[r];
    Group& group = FindOrCreateGroup(r);
    auto at = group.records.end();
    while (at != group.records.begin() && std::prev(at)->time_ns > record.time_ns) {
      --at;
    }
    const int64_t time_ns = record.time_ns;
    group.records.insert(at, std::move(record));
    if (group.records.size() > options.max_events_per_group) {
      group.records.pop_front();
      ++stats.evicted_events;
    }
    if (rule.upper_bound()) {
      if (group.window_id == 0) {
        OpenWindow(r, group, time_ns);
      }
      return;
    }
    EvaluateLowerBound(r, group, time_ns, out);
  }

  // Lower bound: the window [t - timespan, t] of the record that just arrived (time t).
  void EvaluateLowerBound(uint32_t r, Group& group, int64_t time_ns,
                          std::vector<CorrelationAlert>& out) {
    const CorrelationRule& rule = rules[r];
    Records& records = group.records;
    while (!records.empty() && records.front().time_ns < watermark_ns - rule.timespan_ns) {
      records.pop_front();  // no future window can reach it
    }
    auto begin = records.begin();
    while (begin != records.end() && begin->time_ns < time_ns - rule.timespan_ns) {
      ++begin;
    }
    auto end = begin;
    while (end != records.end() && end->time_ns <= time_ns) {
      ++end;
    }
    const int64_t count = CountWindow(rule, begin, end, distinct);
    if (begin != end && rule.ConditionHolds(count)) {
      const Record* last = nullptr;
      for (auto it = begin; it != end; ++it) {
        last = it->arrival == arrivals ? &*it : last;
      }
      out.push_back(MakeAlert(rule, begin, end, count, last != nullptr ? *last : *(end - 1)));
      records.erase(records.begin(), end);  // the next alert needs a fresh set
    }
    if (records.empty()) {
      EraseGroup(r, key);
    }
  }

  void OpenWindow(uint32_t r, Group& group, int64_t start_ns) {
    group.window_id = next_window_id++;
    group.window_close_ns = start_ns + rules[r].timespan_ns;
    due.push(DueWindow{group.window_close_ns, r, group.window_id, key});
  }

  // Upper bound: the window's records are checked once, then dropped; later records open the
  // next window.
  void CloseWindow(const DueWindow& window, std::vector<CorrelationAlert>& out) {
    RuleState& state = states[window.rule];
    const auto it = state.groups.find(window.key);
    if (it == state.groups.end() || it->second.window_id != window.window_id) {
      return;  // the group was evicted since
    }
    const CorrelationRule& rule = rules[window.rule];
    key = window.key;  // MakeAlert and OpenWindow read the group's key from `key`
    Group& group = it->second;
    Records& records = group.records;
    auto end = records.begin();
    while (end != records.end() && end->time_ns <= window.close_ns) {
      ++end;
    }
    const int64_t count = CountWindow(rule, records.begin(), end, distinct);
    if (records.begin() != end && rule.ConditionHolds(count)) {
      out.push_back(MakeAlert(rule, records.begin(), end, count, *(end - 1)));
    }
    records.erase(records.begin(), end);
    group.window_id = 0;
    if (records.empty()) {
      EraseGroup(window.rule, window.key);
      return;
    }
    OpenWindow(window.rule, group, records.front().time_ns);
  }

  void SweepIdleGroups() {
    for (uint32_t r = 0; r < rules.size(); ++r) {
      if (rules[r].upper_bound()) {
        continue;  // closed through `due`
      }
      const int64_t horizon = watermark_ns - rules[r].timespan_ns;
      RuleState& state = states[r];
      for (auto it = state.groups.begin(); it != state.groups.end();) {
        Records& records = it->second.records;
        while (!records.empty() && records.front().time_ns < horizon) {
          records.pop_front();
        }
        if (records.empty()) {
          state.lru.erase(it->second.lru);
          it = state.groups.erase(it);
          --stats.open_groups;
        } else {
          ++it;
        }
      }
    }
  }

  void Flush(std::vector<CorrelationAlert>& out) {
    while (!due.empty()) {
      DueWindow window = due.top();
      due.pop();
      CloseWindow(window, out);
    }
  }

  CorrelationAlert MakeAlert(const CorrelationRule& rule, Records::const_iterator begin,
                             Records::const_iterator end, int64_t count, const Record& trigger) {
    CorrelationAlert alert;
    alert.rule = &rule;
    std::vector<std::optional<std::string>> values = DecodeGroupKey(key);
    for (size_t i = 0; i < rule.group_by.size() && i < values.size(); ++i) {
      alert.group.emplace_back(rule.group_by[i].name, std::move(values[i]));
    }
    alert.group_json = CanonicalGroupJson(alert.group);
    alert.event_id = trigger.event_id;
    alert.account = trigger.account;
    alert.first_event_id = begin->event_id;
    alert.first_time_ns = begin->time_ns;
    alert.last_time_ns = (end - 1)->time_ns;
    alert.count = static_cast<uint64_t>(count);
    for (auto it = begin; it != end; ++it) {
      alert.event_ids.push_back(it->event_id);
    }
    return alert;
  }
};

CorrelationEngine::CorrelationEngine(const std::vector<CorrelationRule>& rules,
                                     CorrelationOptions options)
    : rules_(rules), options_(options), state_(std::make_shared<State>(rules_, options_, stats_)) {}

void CorrelationEngine::Observe(const event::Event& event, std::span<const uint32_t> matched,
                                std::vector<CorrelationAlert>& out) {
  if (event.time_known()) {
    state_->AdvanceClock(event.event_time_ns(), out);
  }
  state_->Observe(event, matched, out);
}

void CorrelationEngine::Flush(std::vector<CorrelationAlert>& out) {
  state_->Flush(out);
}

std::optional<int64_t> CorrelationEngine::watermark_ns() const {
  return state_->clock_started ? std::optional<int64_t>(state_->watermark_ns) : std::nullopt;
}

}  // namespace trailhound::rules
