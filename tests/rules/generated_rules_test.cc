// tests/rules/generated_rules_test.cc: MatchRules (the index, the needle tables and their
// gates, the shared item verdicts and their memos) gives exactly the verdicts of each rule
// evaluated alone, for SigmaHQ's AWS rules plus bench_rules' generated rules over every event of
// the shared invictus trail, twice over (the second pass meets every text again). The generated
// mix is bent towards the shapes the prefilters act on: many unindexed `userAgent|contains`
// lists and regex rules.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench/rule_generator.h"
#include "rules/rule_set.h"

namespace trailhound::rules {
namespace {

namespace fs = std::filesystem;

struct TrailFile {
  std::shared_ptr<const event::ParsedJson> document;
  std::vector<std::unique_ptr<event::Event>> events;
};

std::vector<TrailFile> ReadTrail(simdjson::dom::parser& parser) {
  std::vector<TrailFile> files;
  const fs::path dir = TH_SHARED_DATA_DIR "/invictus-sigma-aws/CloudTrail";
  if (!fs::is_directory(dir)) {
    return files;
  }
  std::vector<fs::path> paths;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    TrailFile file;
    if (event::ParsedJson::Parse(parser, bytes, file.document) != simdjson::SUCCESS) {
      continue;
    }
    simdjson::dom::array records;
    if (file.document->root()["Records"].get(records) != simdjson::SUCCESS) {
      continue;
    }
    for (const simdjson::dom::element record : records) {
      file.events.push_back(std::make_unique<event::Event>(file.document, record, event::Position{},
                                                           event::EnvelopeKind::kBare));
    }
    files.push_back(std::move(file));
  }
  return files;
}

TEST(GeneratedRules, MatchRulesAgreesWithEachRuleAloneOverTheTrail) {
  simdjson::dom::parser parser;
  const std::vector<TrailFile> trail = ReadTrail(parser);
  if (trail.empty()) {
    GTEST_SKIP() << "../shared/data/invictus-sigma-aws is absent";
  }
  std::set<bench::TrailName> names;
  for (const TrailFile& file : trail) {
    for (const std::unique_ptr<event::Event>& event : file.events) {
      names.insert({std::string(event->event_source()), std::string(event->event_name())});
    }
  }
  char pattern[] = "/tmp/th-generated-rules-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  bench::GeneratorMix mix;
  mix.unindexed_percent = 30;
  mix.source_only_percent = 10;
  mix.user_agent_percent = 20;
  mix.real_name_percent = 60;
  ASSERT_TRUE(bench::WriteGeneratedRules(dir, 1500, {names.begin(), names.end()}, mix, 7));
  Diagnostics diagnostics;
  const LoadedRules loaded =
      LoadRules({TH_SHARED_DATA_DIR "/sigma/rules/cloud/aws/cloudtrail", dir}, {}, diagnostics);
  fs::remove_all(dir);
  ASSERT_GT(loaded.rules.size(), 1500u);
  EXPECT_GT(loaded.program.gated_rules().size(), 100u);

  EvalScratch shared;
  std::vector<uint32_t> matched;
  std::vector<uint32_t> alone;
  EvalScratch scratch;
  size_t events = 0;
  size_t matches = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (const TrailFile& file : trail) {
      for (const std::unique_ptr<event::Event>& event : file.events) {
        MatchRules(loaded, *event, shared, matched);
        alone.clear();
        for (uint32_t i = 0; i < loaded.rules.size(); ++i) {
          if (RuleMatches(loaded.rules[i], *event, scratch)) {
            alone.push_back(i);
          }
        }
        ASSERT_EQ(matched, alone) << "event " << events;
        ++events;
        matches += alone.size();
      }
    }
  }
  EXPECT_GT(events, 1000u);
  EXPECT_GT(matches, events);  // not vacuous: most events match some rule
}

}  // namespace
}  // namespace trailhound::rules
