// tests/rules/correlation_pack_test.cc: the shipped correlation pack (rules/sigma-correlations,
// SIGMA.md §13.1) loads without errors, and the inline `tests:` of each correlation document
// (§15) hold: events fed in order with their detection matches, end of list flushes, the
// alert count and event ids compared. A stand-in until `rules test` runs them.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules/compiled_rule.h"
#include "rules/correlation.h"
#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

// The pack's test events are YAML flow maps with string leaves; this writes them as JSON.
void AppendJson(const YAML::Node& node, std::string& out) {
  if (node.IsMap()) {
    out += '{';
    bool first = true;
    for (const auto& pair : node) {
      out += first ? "" : ",";
      first = false;
      AppendJson(pair.first, out);
      out += ':';
      AppendJson(pair.second, out);
    }
    out += '}';
  } else if (node.IsSequence()) {
    out += '[';
    for (size_t i = 0; i < node.size(); ++i) {
      out += i == 0 ? "" : ",";
      AppendJson(node[i], out);
    }
    out += ']';
  } else {
    out += '"';
    for (const char c : node.Scalar()) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '"';
  }
}

struct Pack {
  std::vector<CompiledRule> detections;
  std::vector<CorrelationRule> correlations;
  std::vector<YAML::Node> tests;  // per correlation
};

Pack LoadPack(const std::string& file, Diagnostics& diagnostics) {
  Pack pack;
  const std::vector<SigmaDocument> documents = ParseRuleFile(file, diagnostics);
  for (const SigmaDocument& document : documents) {
    if (document.kind == DocumentKind::kDetection && document.loaded) {
      if (std::optional<CompiledRule> rule =
              CompileRule(document.rule, file, CompileOptions{}, diagnostics)) {
        pack.detections.push_back(*std::move(rule));
      }
    }
  }
  const auto lookup = [&pack](const std::string& reference) -> std::optional<uint32_t> {
    for (uint32_t i = 0; i < pack.detections.size(); ++i) {
      if (pack.detections[i].id == reference || pack.detections[i].name == reference) {
        return i;
      }
    }
    return std::nullopt;
  };
  for (const SigmaDocument& document : documents) {
    if (document.kind == DocumentKind::kCorrelation) {
      if (std::optional<CorrelationRule> rule =
              CompileCorrelation(document, file, lookup, diagnostics)) {
        pack.correlations.push_back(*std::move(rule));
        pack.tests.push_back(document.node["tests"]);
      }
    }
  }
  return pack;
}

void RunTest(const Pack& pack, size_t c, const YAML::Node& test) {
  SCOPED_TRACE(test["name"].Scalar());
  const std::vector<CorrelationRule> one = {pack.correlations[c]};
  CorrelationEngine engine(one, CorrelationOptions{});
  simdjson::dom::parser parser;
  EvalScratch scratch;
  std::vector<CorrelationAlert> alerts;
  for (const YAML::Node& record : test["events"]) {
    std::string json;
    AppendJson(record, json);
    std::shared_ptr<const event::ParsedJson> document;
    ASSERT_EQ(event::ParsedJson::Parse(parser, json, document), simdjson::SUCCESS) << json;
    const event::Event event(document, document->root(), event::Position{},
                             event::EnvelopeKind::kBare);
    std::vector<uint32_t> matched;
    for (uint32_t i = 0; i < pack.detections.size(); ++i) {
      if (RuleMatches(pack.detections[i], event, scratch)) {
        matched.push_back(i);
      }
    }
    engine.Observe(event, matched, alerts);
  }
  engine.Flush(alerts);
  EXPECT_EQ(alerts.size(), test["alerts"].as<size_t>());
  if (const YAML::Node ids = test["alert_event_ids"]) {
    std::vector<std::string> got;
    for (const CorrelationAlert& alert : alerts) {
      got.push_back(alert.event_id);
    }
    EXPECT_EQ(got, ids.as<std::vector<std::string>>());
  }
}

TEST(CorrelationPack, LoadsAndPassesItsInlineTests) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(TH_SOURCE_DIR) / "rules" / "sigma-correlations";
  size_t files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().string();
    SCOPED_TRACE(file);
    ++files;
    Diagnostics diagnostics;
    const Pack pack = LoadPack(file, diagnostics);
    for (const Diagnostic& d : diagnostics.items()) {
      // unindexed-rule is not produced here; any diagnostic at all is a defect of the pack.
      ADD_FAILURE() << d.ToString();
    }
    ASSERT_EQ(pack.correlations.size(), 1u);
    EXPECT_FALSE(pack.correlations[0].generate);
    EXPECT_EQ(pack.correlations[0].group_by.at(0).name, "recipientAccountId");
    const YAML::Node& tests = pack.tests[0];
    ASSERT_TRUE(tests && tests.IsSequence());
    bool positive = false;
    bool negative = false;
    for (const YAML::Node& test : tests) {
      positive |= test["alerts"].as<int>() > 0;
      negative |= test["alerts"].as<int>() == 0;
      RunTest(pack, 0, test);
    }
    EXPECT_TRUE(positive && negative);
  }
  EXPECT_EQ(files, 8u);
}

}  // namespace
}  // namespace trailhound::rules
