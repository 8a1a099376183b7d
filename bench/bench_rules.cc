// bench/bench_rules.cc: decode + MatchRules on the invictus trail looped in memory, for four
// rule sets: none (decode only), SigmaHQ's AWS CloudTrail rules, and those plus 1,000 or 10,000
// generated rules (bench/rule_generator.h). Each rule set is timed in pairs interleaved with
// decode alone over the same buffers, the order alternating, and the ratio reported is the
// median over the pairs. Also prints events/s per core, alerts, candidate rules visited per
// event, and load time and memory of each rule set. Never a pass/fail.
//
// TH_BENCH_MB (default 200) sizes the corpus, TH_BENCH_PAIRS (default 15) the pairs per set;
// TH_BENCH_MAX_GENERATED=1000 (or 0) leaves out the larger sets, for profiling;
// TH_BENCH_UNINDEXED_PERCENT (default 2) sets the share of generated rules no index bounds.
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench_corpus.h"
#include "bench/rule_generator.h"
#include "pipeline/decode.h"
#include "rules/rule_set.h"

namespace {

using namespace trailhound;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kSeed = 20240601;

struct RuleSetUnderTest {
  std::string label;
  size_t generated = 0;
  rules::LoadedRules loaded;
  double load_seconds = 0;
  double rss_mb = 0;   // resident set growth across LoadRules
  double heap_mb = 0;  // malloc'd bytes still in use after LoadRules, less those before
  size_t warnings = 0;
};

struct PairedResult {
  std::vector<double> ratios;  // decode time / (decode + rules) time, one per pair
  double decode_seconds = 0;
  double rules_seconds = 0;
  size_t events = 0;
  size_t alerts = 0;
  size_t candidates = 0;
  size_t passes = 0;
  size_t fired = 0;  // distinct rules that matched some event
};

std::vector<RuleSetUnderTest> sets_;
std::map<size_t, PairedResult> results_;

// Counts decode output; with rules, matches each event and counts what MatchRules did.
class MatchingSink : public pipeline::DecodeSink {
 public:
  explicit MatchingSink(const rules::LoadedRules* loaded) : loaded_(loaded) {}
  void OnEvent(event::Event&& decoded) override {
    ++events;
    if (loaded_ == nullptr) {
      touched += decoded.event_name().size();
      return;
    }
    rules::MatchRules(*loaded_, decoded, scratch_, matched_);
    candidates += scratch_.candidates.size();
    alerts += matched_.size();
    // A bit per rule: a tree insert per alert (17 alerts an event with 10,000 rules) cost more
    // than a tenth of the time this bench charges to the rules.
    for (const uint32_t rule : matched_) {
      if (rule >= fired_bits_.size()) {
        fired_bits_.resize(loaded_->rules.size());
      }
      fired += fired_bits_[rule] ? 0 : 1;
      fired_bits_[rule] = true;
    }
  }
  void OnReject(const pipeline::Rejected&) override { ++rejected; }
  void OnSkip(pipeline::SkipReason, const event::Position&) override {}

  size_t events = 0;
  size_t rejected = 0;
  size_t touched = 0;
  size_t candidates = 0;
  size_t alerts = 0;
  size_t fired = 0;

 private:
  const rules::LoadedRules* loaded_;
  std::vector<bool> fired_bits_;
  rules::EvalScratch scratch_;
  std::vector<uint32_t> matched_;
};

double Pass(const bench::Corpus& corpus, pipeline::Decoder& decoder,
            const event::Position& position, MatchingSink& sink) {
  const Clock::time_point start = Clock::now();
  for (const simdjson::padded_string& buffer : corpus.buffers) {
    decoder.DecodePadded(std::string_view(buffer.data(), buffer.size()), position, sink);
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void BM_PairedRulesOverDecode(benchmark::State& state, size_t set) {
  const bench::Corpus& corpus = bench::LoadCorpus();
  pipeline::Decoder decoder;
  event::Position position;
  position.source = std::make_shared<const std::string>("bench");
  MatchingSink bare(nullptr);
  MatchingSink matching(&sets_[set].loaded);
  PairedResult& result = results_[set];
  for (auto _ : state) {
    // Alternate which half runs first so neither always meets a warm or a cold core.
    const bool decode_first = result.ratios.size() % 2 == 0;
    double decode = decode_first ? Pass(corpus, decoder, position, bare) : 0;
    const double rules = Pass(corpus, decoder, position, matching);
    if (!decode_first) {
      decode = Pass(corpus, decoder, position, bare);
    }
    result.decode_seconds += decode;
    result.rules_seconds += rules;
    result.ratios.push_back(decode / rules);
  }
  benchmark::DoNotOptimize(bare.touched);
  if (matching.events != state.iterations() * corpus.events || matching.rejected != 0) {
    state.SkipWithError("decoder output does not match the corpus");
  }
  result.events = matching.events;
  result.alerts = matching.alerts;
  result.candidates = matching.candidates;
  result.passes = state.iterations();
  result.fired = matching.fired;
  std::sort(result.ratios.begin(), result.ratios.end());
  state.counters["ratio_median"] = result.ratios[result.ratios.size() / 2];
  state.counters["candidates_per_event"] =
      static_cast<double>(matching.candidates) / static_cast<double>(matching.events);
}

// The distinct (eventSource, eventName) pairs of the trail, from one pass over its files.
std::vector<bench::TrailName> TrailNames(const bench::Corpus& corpus) {
  class NameSink : public pipeline::DecodeSink {
   public:
    void OnEvent(event::Event&& decoded) override {
      names.insert({std::string(decoded.event_source()), std::string(decoded.event_name())});
    }
    void OnReject(const pipeline::Rejected&) override {}
    void OnSkip(pipeline::SkipReason, const event::Position&) override {}
    std::set<bench::TrailName> names;
  } sink;
  pipeline::Decoder decoder;
  event::Position position;
  for (size_t i = 0; i < corpus.files; ++i) {
    decoder.DecodePadded(std::string_view(corpus.buffers[i].data(), corpus.buffers[i].size()),
                         position, sink);
  }
  return {sink.names.begin(), sink.names.end()};
}

double ResidentMb() {
  std::ifstream statm("/proc/self/statm");
  size_t size = 0;
  size_t resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}

double HeapMb() {
  return static_cast<double>(mallinfo2().uordblks) / 1e6;
}

// Loads SigmaHQ's rules plus the generated ones in `dir` (if any); exits with the diagnostics
// when a generated rule does not load, or does not load cleanly enough to be counted.
RuleSetUnderTest LoadSet(std::string label, const std::string& dir, size_t generated) {
  RuleSetUnderTest set;
  set.label = std::move(label);
  set.generated = generated;
  std::vector<std::string> paths = {TH_SHARED_DATA_DIR "/sigma/rules/cloud/aws/cloudtrail"};
  if (!dir.empty()) {
    paths.push_back(dir);
  }
  rules::Diagnostics diagnostics;
  malloc_trim(0);
  const double rss = ResidentMb();
  const double heap = HeapMb();
  const Clock::time_point start = Clock::now();
  set.loaded = rules::LoadRules(paths, {}, diagnostics);
  set.load_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  set.rss_mb = ResidentMb() - rss;
  set.heap_mb = HeapMb() - heap;
  size_t generated_errors = 0;
  std::map<std::string, size_t> generated_warnings;
  for (const rules::Diagnostic& diagnostic : diagnostics.items()) {
    const bool mine = !dir.empty() && diagnostic.location.file.rfind(dir, 0) == 0;
    if (diagnostic.severity == rules::Severity::kError) {
      std::fprintf(stderr, "%s\n", diagnostic.ToString().c_str());
      generated_errors += mine ? 1 : 0;
    } else if (mine) {
      ++generated_warnings[diagnostic.code];
    }
    set.warnings += diagnostic.severity == rules::Severity::kWarning ? 1 : 0;
  }
  const size_t sigma = sets_.empty() ? 0 : sets_.front().loaded.rules.size();
  if (generated_errors > 0 || (!sets_.empty() && set.loaded.rules.size() != sigma + generated)) {
    std::fprintf(stderr, "bench_rules: %zu generated rules failed to load (%zu loaded in all)\n",
                 generated_errors, set.loaded.rules.size());
    std::exit(1);
  }
  for (const auto& [code, count] : generated_warnings) {
    std::printf("  %s: generated rules warned %s %zu times\n", set.label.c_str(), code.c_str(),
                count);
  }
  return set;
}

void PrintSets() {
  for (const RuleSetUnderTest& set : sets_) {
    using Via = rules::RuleIndex::Via;
    size_t via[static_cast<size_t>(Via::kUnindexed) + 1] = {};
    for (uint32_t i = 0; i < set.loaded.rules.size(); ++i) {
      ++via[static_cast<size_t>(set.loaded.index.via(i))];
    }
    std::printf(
        "%-16s %6zu rules (%zu by eventName, %zu by eventSource, %zu by another field, %zu "
        "unindexed), load+compile %.3f s, RSS +%.1f MB, heap in use +%.1f MB, %zu warnings\n",
        set.label.c_str(), set.loaded.rules.size(), via[static_cast<size_t>(Via::kEventName)],
        via[static_cast<size_t>(Via::kEventSource)], via[static_cast<size_t>(Via::kOtherField)],
        via[static_cast<size_t>(Via::kUnindexed)], set.load_seconds, set.rss_mb, set.heap_mb,
        set.warnings);
  }
}

// Prints the usual table, then the figures of this run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void Finalize() override {
    ConsoleReporter::Finalize();
    const bench::Corpus& corpus = bench::LoadCorpus();
    const double loops =
        static_cast<double>(corpus.buffers.size() / std::max<size_t>(1, corpus.files));
    std::printf("\ncorpus: invictus trail looped %.0f times to %.1f MB, %zu events\n", loops,
                corpus.bytes / 1e6, corpus.events);
    PrintSets();
    std::printf("\n%-16s %10s %10s %8s %14s %14s %10s %14s %10s\n", "rules", "decode", "+rules",
                "median", "ratio", "cost over", "cand./", "alerts/", "rules");
    std::printf("%-16s %10s %10s %8s %14s %14s %10s %14s %10s\n", "", "Mev/s", "Mev/s", "ratio",
                "min..max", "decode", "event", "trail pass", "fired");
    for (const auto& [index, result] : results_) {
      if (result.ratios.empty()) {
        continue;
      }
      const double median = result.ratios[result.ratios.size() / 2];
      const double events = static_cast<double>(result.events);
      char range[32];
      std::snprintf(range, sizeof range, "%.2f..%.2f", result.ratios.front(), result.ratios.back());
      std::printf("%-16s %10.3f %10.3f %8.3f %14s %13.0f%% %10.1f %14.1f %10zu\n",
                  sets_[index].label.c_str(), events / result.decode_seconds / 1e6,
                  events / result.rules_seconds / 1e6, median, range, (1 / median - 1) * 100,
                  static_cast<double>(result.candidates) / events,
                  static_cast<double>(result.alerts) / (static_cast<double>(result.passes) * loops),
                  result.fired);
    }
    std::printf(
        "ratio = (decode + rules) / decode throughput, median of interleaved pairs; targets: "
        "SigmaHQ cost <= 25%% (ratio >= 0.80), +10000 ratio >= 0.50\n");
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const bench::Corpus& corpus = bench::LoadCorpus();
  if (!corpus.loaded) {
    std::fprintf(stderr, "bench_rules: ../shared/data/invictus-sigma-aws is absent\n");
    return 1;
  }
  const std::vector<bench::TrailName> trail = TrailNames(corpus);
  char pattern[] = "/tmp/th-bench-rules-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    std::perror("bench_rules: mkdtemp");
    return 1;
  }
  const std::string root = pattern;
  const char* max_env = std::getenv("TH_BENCH_MAX_GENERATED");
  const size_t max_generated = max_env != nullptr ? std::strtoull(max_env, nullptr, 10) : 10000;
  std::printf("trail: %zu distinct eventSource/eventName pairs; generated rules in %s\n",
              trail.size(), root.c_str());
  sets_.push_back(LoadSet("SigmaHQ", "", 0));
  bench::GeneratorMix mix;
  if (const char* unindexed = std::getenv("TH_BENCH_UNINDEXED_PERCENT"); unindexed != nullptr) {
    mix.unindexed_percent = std::atoi(unindexed);
  }
  std::printf("generated: %d%% unindexed, %d%% eventSource only, %d%% of eventName values real\n",
              mix.unindexed_percent, mix.source_only_percent, mix.real_name_percent);
  for (const size_t count : {size_t{1000}, size_t{10000}}) {
    if (count > max_generated) {
      continue;
    }
    const std::string dir = root + "/" + std::to_string(count);
    std::filesystem::create_directories(dir);
    if (!bench::WriteGeneratedRules(dir, count, trail, mix, kSeed)) {
      std::fprintf(stderr, "bench_rules: cannot write generated rules under %s\n", dir.c_str());
      return 1;
    }
    sets_.push_back(LoadSet("SigmaHQ+" + std::to_string(count), dir, count));
  }
  std::filesystem::remove_all(root);

  const char* pairs_env = std::getenv("TH_BENCH_PAIRS");
  const int64_t pairs = pairs_env != nullptr ? std::strtoll(pairs_env, nullptr, 10) : 15;
  for (size_t set = 0; set < sets_.size(); ++set) {
    benchmark::RegisterBenchmark(("BM_PairedRulesOverDecode/" + sets_[set].label).c_str(),
                                 BM_PairedRulesOverDecode, set)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(std::max<int64_t>(1, pairs));
  }
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
