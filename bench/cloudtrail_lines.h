// bench/cloudtrail_lines.h: realistic CloudTrail records, one JSON object per line, for
// bench_daemon. Varied services, calls, users, keys, IPs and regions, ~1.2 KB each; a chosen
// fraction are trail tampering calls (StopLogging / DeleteTrail on cloudtrail.amazonaws.com)
// that the bench rule alerts on. Deterministic for a seed. Not thread-safe: one per thread.
#pragma once

#include <cstdint>
#include <string>

namespace trailhound::bench {

// How eventTime runs through the records.
enum class EventTimes {
  // As a live trail arrives: 100 records per second of event time, each up to 5 minutes late
  // (CloudTrail's delivery delay), starting at an hour the seed picks.
  kInOrder,
  // Anywhere in one day, independently: the worst case for the time-keyed event store.
  kRandom,
};

class CloudTrailLines {
 public:
  // `match_every`: every match_every-th record is a trail tampering call; 0 for none.
  CloudTrailLines(uint64_t seed, int match_every, EventTimes times = EventTimes::kInOrder)
      : state_(seed | 1),
        match_every_(match_every),
        times_(times),
        first_second_(seed % 12 * 3600) {}

  // Appends the next record and a newline to `out`. `user_agent`, when not empty, replaces
  // the generated one (the latency phase carries its produce time there: alerts copy it).
  // Returns true when the record is a trail tampering call.
  bool AppendNext(std::string& out, const std::string& user_agent = "");

  uint64_t count() const { return count_; }

 private:
  uint64_t Next();
  template <typename T, std::size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Next() % N];
  }

  uint64_t state_;
  int match_every_;
  EventTimes times_;
  uint64_t first_second_;
  uint64_t count_ = 0;
};

}  // namespace trailhound::bench
