// bench/bench_decode.cc: decode + hot fields against a bare simdjson DOM parse of the same
// buffers (and RapidJSON in-situ as a second baseline), on the invictus trail looped in memory
// to at least 200 MB. Prints events/s and MB/s per core for each, then the ratios measured in
// this run. Never a pass/fail: figures for the commit message and the issue notes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <simdjson.h>

#include "bench/bench_corpus.h"
#include "pipeline/decode.h"

namespace {

using namespace trailhound;

using bench::Corpus;
using bench::LoadCorpus;

// Median ratio and pair count of the paired benchmark, for the summary.
std::pair<double, size_t> paired_{0, 0};

void SetCounters(benchmark::State& state, const Corpus& corpus) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * corpus.events));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus.bytes));
}

void BM_SimdjsonDomParse(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  if (!corpus.loaded) {
    state.SkipWithError("../shared/data/invictus-sigma-aws is absent");
    return;
  }
  simdjson::dom::parser parser;
  for (auto _ : state) {
    for (const simdjson::padded_string& buffer : corpus.buffers) {
      simdjson::dom::element root;
      benchmark::DoNotOptimize(parser.parse(buffer).get(root));
    }
  }
  SetCounters(state, corpus);
}

void BM_RapidJsonInSituParse(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  if (!corpus.loaded) {
    state.SkipWithError("../shared/data/invictus-sigma-aws is absent");
    return;
  }
  // In-situ parsing rewrites its input, so each buffer is first copied into reused scratch;
  // the pool allocator is cleared, not freed, between documents.
  std::vector<char> scratch;
  char value_pool[64 * 1024];
  char parse_pool[16 * 1024];
  rapidjson::MemoryPoolAllocator<> value_allocator(value_pool, sizeof value_pool);
  rapidjson::MemoryPoolAllocator<> parse_allocator(parse_pool, sizeof parse_pool);
  for (auto _ : state) {
    for (const simdjson::padded_string& buffer : corpus.buffers) {
      scratch.assign(buffer.data(), buffer.data() + buffer.size());
      scratch.push_back('\0');
      value_allocator.Clear();
      parse_allocator.Clear();
      rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>,
                                 rapidjson::MemoryPoolAllocator<>>
          document(&value_allocator, 1024, &parse_allocator);
      document.ParseInsitu(scratch.data());
      benchmark::DoNotOptimize(document.HasParseError());
    }
  }
  SetCounters(state, corpus);
}

class CountingSink : public pipeline::DecodeSink {
 public:
  void OnEvent(event::Event&& decoded) override {
    ++events;
    touched += decoded.event_name().size() + decoded.user_arn().size() +
               static_cast<size_t>(decoded.event_time_ns() & 1);
  }
  void OnReject(const pipeline::Rejected&) override { ++rejected; }
  void OnSkip(pipeline::SkipReason, const event::Position&) override {}
  size_t events = 0;
  size_t rejected = 0;
  size_t touched = 0;
};

void BM_DecodeWithHotFields(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  if (!corpus.loaded) {
    state.SkipWithError("../shared/data/invictus-sigma-aws is absent");
    return;
  }
  pipeline::Decoder decoder;
  event::Position position;
  position.source = std::make_shared<const std::string>("bench");
  CountingSink sink;
  for (auto _ : state) {
    for (const simdjson::padded_string& buffer : corpus.buffers) {
      decoder.DecodePadded(std::string_view(buffer.data(), buffer.size()), position, sink);
    }
  }
  benchmark::DoNotOptimize(sink.touched);
  if (sink.events != state.iterations() * corpus.events || sink.rejected != 0) {
    state.SkipWithError("decoder output does not match the corpus");
  }
  SetCounters(state, corpus);
}

// The machines here change speed by tens of percent from one second to the next, so rates
// measured one after the other give a ratio that wanders. This pairs them instead: each
// iteration times one bare simdjson pass and one decode pass over the same buffers, back to
// back, and the ratio reported is the median over the pairs.
void BM_PairedDecodeOverDomParse(benchmark::State& state) {
  const Corpus& corpus = LoadCorpus();
  if (!corpus.loaded) {
    state.SkipWithError("../shared/data/invictus-sigma-aws is absent");
    return;
  }
  simdjson::dom::parser parser;
  pipeline::Decoder decoder;
  event::Position position;
  position.source = std::make_shared<const std::string>("bench");
  CountingSink sink;
  std::vector<double> ratios;
  double dom_seconds = 0;
  double decode_seconds = 0;
  using Clock = std::chrono::steady_clock;
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    for (const simdjson::padded_string& buffer : corpus.buffers) {
      simdjson::dom::element root;
      benchmark::DoNotOptimize(parser.parse(buffer).get(root));
    }
    const Clock::time_point middle = Clock::now();
    for (const simdjson::padded_string& buffer : corpus.buffers) {
      decoder.DecodePadded(std::string_view(buffer.data(), buffer.size()), position, sink);
    }
    const Clock::time_point end = Clock::now();
    const double dom = std::chrono::duration<double>(middle - start).count();
    const double decode = std::chrono::duration<double>(end - middle).count();
    dom_seconds += dom;
    decode_seconds += decode;
    ratios.push_back(dom / decode);
  }
  std::sort(ratios.begin(), ratios.end());
  const double events = static_cast<double>(state.iterations() * corpus.events);
  state.counters["ratio_median"] = ratios.empty() ? 0 : ratios[ratios.size() / 2];
  state.counters["ratio_min"] = ratios.empty() ? 0 : ratios.front();
  state.counters["ratio_max"] = ratios.empty() ? 0 : ratios.back();
  state.counters["dom_Mevents_s"] = events / dom_seconds / 1e6;
  state.counters["decode_Mevents_s"] = events / decode_seconds / 1e6;
  paired_ = {ratios.empty() ? 0 : ratios[ratios.size() / 2], ratios.size()};
}

BENCHMARK(BM_SimdjsonDomParse)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_RapidJsonInSituParse)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DecodeWithHotFields)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_PairedDecodeOverDomParse)->Unit(benchmark::kMillisecond)->Iterations(40);

// Prints the usual table, then the ratios of this run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const auto items = run.counters.find("items_per_second");
      const auto bytes = run.counters.find("bytes_per_second");
      if (items != run.counters.end() && bytes != run.counters.end() && !run.error_occurred) {
        rates_[run.run_name.function_name] = {items->second.value, bytes->second.value};
      }
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    const Corpus& corpus = LoadCorpus();
    std::printf("\ncorpus: invictus trail looped to %.1f MB, %zu events, %.2f KB/event\n",
                corpus.bytes / 1e6, corpus.events,
                corpus.events ? corpus.bytes / 1e3 / corpus.events : 0.0);
    for (const auto& [name, rate] : rates_) {
      std::printf("%-28s %8.3f M events/s  %8.1f MB/s per core\n", name.c_str(), rate.first / 1e6,
                  rate.second / 1e6);
    }
    const auto dom = rates_.find("BM_SimdjsonDomParse");
    const auto rapid = rates_.find("BM_RapidJsonInSituParse");
    const auto ours = rates_.find("BM_DecodeWithHotFields");
    if (dom != rates_.end() && ours != rates_.end()) {
      std::printf("ratio decode+hot fields / bare simdjson DOM parse, sequential runs: %.2f\n",
                  ours->second.first / dom->second.first);
    }
    if (paired_.second > 0) {
      std::printf(
          "ratio decode+hot fields / bare simdjson DOM parse, paired: median %.2f over %zu "
          "interleaved pairs (target >= 0.80)\n",
          paired_.first, paired_.second);
    }
    if (rapid != rates_.end() && ours != rates_.end()) {
      std::printf("ratio decode+hot fields / RapidJSON in-situ parse: %.2f\n",
                  ours->second.first / rapid->second.first);
    }
  }

 private:
  std::map<std::string, std::pair<double, double>> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
