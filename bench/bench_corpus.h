// bench/bench_corpus.h: the invictus trail looped in memory, shared by the benchmarks so each
// measures the same bytes. Loaded once, on first use, then read-only.
#pragma once

#include <cstddef>
#include <vector>

#include <simdjson.h>

namespace trailhound::bench {

struct Corpus {
  std::vector<simdjson::padded_string> buffers;
  size_t files = 0;  // distinct files: buffers [0, files) hold the trail once
  size_t bytes = 0;
  size_t events = 0;  // in all buffers, counted by a simdjson parse
  bool loaded = false;
};

// At least 200 MB by default; TH_BENCH_MB lowers it for profiling under callgrind.
size_t TargetBytes();

// The trail under TH_SHARED_DATA_DIR/invictus-sigma-aws/CloudTrail, looped to TargetBytes().
// `loaded` is false when the data is absent.
const Corpus& LoadCorpus();

}  // namespace trailhound::bench
