// bench/bench_corpus.cc: reads the trail's files once and repeats them to the target size.
#include "bench/bench_corpus.h"

#include <cstdlib>
#include <string>

#include "pipeline/source_file.h"

namespace trailhound::bench {

size_t TargetBytes() {
  const char* mb = std::getenv("TH_BENCH_MB");
  return (mb != nullptr ? std::strtoull(mb, nullptr, 10) : 200) << 20;
}

const Corpus& LoadCorpus() {
  static Corpus corpus = [] {
    Corpus c;
    const std::string dir = TH_SHARED_DATA_DIR "/invictus-sigma-aws/CloudTrail";
    base::Result<pipeline::FileListing> listing = pipeline::ListInputFiles({dir});
    if (!listing.has_value() || listing->files.empty()) {
      return c;
    }
    std::vector<std::string> files;
    for (const std::string& path : listing->files) {
      base::Result<std::string> bytes = pipeline::ReadInputFile(path, size_t{1} << 30);
      if (bytes.has_value()) {
        files.push_back(*std::move(bytes));
      }
    }
    c.files = files.size();
    simdjson::dom::parser parser;
    const size_t target = TargetBytes();
    while (c.bytes < target) {
      for (const std::string& file : files) {
        c.buffers.emplace_back(file);
        c.bytes += file.size();
        simdjson::dom::array records;
        if (parser.parse(c.buffers.back())["Records"].get(records) == simdjson::SUCCESS) {
          c.events += records.size();
        }
      }
    }
    c.loaded = true;
    return c;
  }();
  return corpus;
}

}  // namespace trailhound::bench
