// tests/rules/rule_index_test.cc: the eventName/eventSource analysis (which rules are bounded,
// by what) and the candidate lookup: a rule is picked for every event it could match and the
// bound never hides one.
#include "rules/rule_index.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

CompiledRule Compile(const std::string& detection, const std::string& logsource = "cloudtrail") {
  const std::string text =
      "title: t\nid: 4db60cc0-36fb-42b7-9b58-a5b53019fb74\nlevel: low\n"
      "logsource: {product: aws, service: " +
      logsource + "}\ndetection:\n" + detection;
  Diagnostics diagnostics;
  const std::vector<SigmaDocument> documents = ParseRuleText(text, "t.yml", diagnostics);
  EXPECT_EQ(documents.size(), 1u);
  std::optional<CompiledRule> rule = CompileRule(documents.at(0).rule, "t.yml", {}, diagnostics);
  EXPECT_TRUE(rule.has_value()) << detection;
  return rule.has_value() ? *std::move(rule) : CompiledRule{};
}

struct Parsed {
  std::shared_ptr<const event::ParsedJson> document;
  std::unique_ptr<event::Event> event;
};

Parsed Record(const std::string& json) {
  simdjson::dom::parser parser;
  Parsed parsed;
  EXPECT_EQ(event::ParsedJson::Parse(parser, json, parsed.document), simdjson::SUCCESS) << json;
  parsed.event = std::make_unique<event::Event>(parsed.document, parsed.document->root(),
                                                event::Position{}, event::EnvelopeKind::kBare);
  return parsed;
}

std::string Describe(const FieldKeys& keys) {
  if (keys.unbounded) {
    return "unbounded";
  }
  std::string out;
  for (const std::string& key : keys.exact) {
    out += "=" + key + " ";
  }
  for (const std::string& key : keys.prefixes) {
    out += key + "* ";
  }
  return out;
}

TEST(RuleIndex, BoundsFromTheCondition) {
  struct Row {
    const char* detection;
    const char* name_keys;
  };
  const Row rows[] = {
      {"  s: {eventName: [StopLogging, DeleteTrail]}\n  condition: s\n",
       "=deletetrail =stoplogging "},
      {"  s: {eventName|startswith: Describe}\n  condition: s\n", "describe* "},
      {"  s: {eventName: 'Get*Policy'}\n  condition: s\n", "get* "},
      {"  s: {eventName: '*Policy'}\n  condition: s\n", "unbounded"},
      {"  s: {eventName|contains: Policy}\n  condition: s\n", "unbounded"},
      {"  s: {eventName|re: '^Put'}\n  condition: s\n", "unbounded"},
      {"  s: {eventName|cased: CreateUser}\n  condition: s\n", "=createuser "},
      {"  s: {eventName|neq: CreateUser}\n  condition: s\n", "unbounded"},
      {"  s: {eventName: null}\n  condition: s\n", "unbounded"},
      {"  s: {eventName: [CreateUser, null]}\n  condition: s\n", "unbounded"},
      {"  s: {eventName: 5}\n  condition: s\n", "unbounded"},
      {"  s: [CreateUser]\n  condition: s\n", "unbounded"},
      {"  s: {eventName: CreateUser}\n  condition: not s\n", "unbounded"},
      // and: one bounded side is enough; or: every side must be bounded
      {"  a: {eventName: A}\n  b: {userIdentity.type: Root}\n  condition: a and b\n", "=a "},
      {"  a: {eventName: A}\n  b: {userIdentity.type: Root}\n  condition: a or b\n", "unbounded"},
      {"  a: {eventName: A}\n  b: {eventName: B}\n  condition: a or b\n", "=a =b "},
      {"  a: {eventName: A}\n  f: {userAgent: x}\n  condition: a and not f\n", "=a "},
      // a list of maps is an OR of its maps
      {"  s:\n    - {eventName: A}\n    - {eventName|startswith: B}\n  condition: s\n", "=a b* "},
      {"  s:\n    - {eventName: A}\n    - {eventSource: x}\n  condition: s\n", "unbounded"},
      // all: every value must match, so any one bounds the field
      {"  s: {eventName|startswith|all: [Put, PutB]}\n  condition: s\n", "put* "},
      // expand/windash alternatives are each a key
      {"  s: {eventName|windash: '-a'}\n  condition: s\n", "=-a =/a =–a =—a =―a "},
  };
  for (const Row& row : rows) {
    const CompiledRule rule = Compile(row.detection);
    FieldKeys keys = AnalyzeRuleKeys(rule, "eventName");
    std::sort(keys.exact.begin(), keys.exact.end());
    EXPECT_EQ(Describe(keys), row.name_keys) << row.detection;
  }
}

TEST(RuleIndex, PicksRulesByNameSourceOtherFieldOrEveryEvent) {
  std::vector<CompiledRule> rules;
  rules.push_back(Compile("  s: {eventName: ConsoleLogin}\n  condition: s\n"));         // 0 by name
  rules.push_back(Compile("  s: {eventSource: iam.amazonaws.com}\n  condition: s\n"));  // 1
  rules.push_back(Compile("  s: {userAgent|contains: curl}\n  condition: s\n"));        // 2 every
  rules.push_back(Compile("  s: {eventName|startswith: Console}\n  condition: s\n"));   // 3
  rules.push_back(Compile("  s: {eventName: ConsoleLogin}\n  condition: s\n", "s3"));   // 4 n/a
  rules.push_back(Compile("  s: {userIdentity.type: Root}\n  condition: s\n"));         // 5 other
  const RuleIndex index(rules);
  EXPECT_EQ(index.via(0), RuleIndex::Via::kEventName);
  EXPECT_EQ(index.via(1), RuleIndex::Via::kEventSource);
  EXPECT_EQ(index.via(2), RuleIndex::Via::kUnindexed);
  EXPECT_EQ(index.via(4), RuleIndex::Via::kNotApplicable);
  EXPECT_EQ(index.via(5), RuleIndex::Via::kOtherField);
  EXPECT_EQ(index.unindexed_count(), 1u);
  EXPECT_EQ(index.keyed_fields(),
            (std::vector<std::string_view>{"eventName", "eventSource", "userIdentity.type"}));

  std::vector<uint32_t> out;
  std::string text;
  std::string lower;
  const auto candidates = [&](const std::string& json) {
    const Parsed parsed = Record(json);
    index.Candidates(*parsed.event, out, text, lower);
    return out;
  };
  using V = std::vector<uint32_t>;
  EXPECT_EQ(candidates(R"({"eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com"})"),
            (V{0, 2, 3}));
  // Sigma compares case-insensitively, so the index does too.
  EXPECT_EQ(candidates(R"({"eventName":"CONSOLELOGIN"})"), (V{0, 2, 3}));
  EXPECT_EQ(candidates(R"({"eventName":"ConsoleX","eventSource":"IAM.amazonaws.com"})"),
            (V{1, 2, 3}));
  EXPECT_EQ(candidates(R"({"eventName":"Con"})"), (V{2}));
  EXPECT_EQ(candidates(R"({})"), (V{2}));
  EXPECT_EQ(candidates(R"({"userIdentity":{"type":"root"}})"), (V{2, 5}));
  // Keys are the field's candidates read as evaluation reads them (§6): numbers as text, every
  // array element, the scalar leaves of an object, the longest literal dotted key.
  EXPECT_EQ(candidates(R"({"eventName":5})"), (V{2}));
  EXPECT_EQ(candidates(R"({"eventName":{"x":"ConsoleLogin"}})"), (V{0, 2, 3}));
  EXPECT_EQ(candidates(R"({"eventName":"ConsoleLogin","eventSource":["x","iam.amazonaws.com"]})"),
            (V{0, 1, 2, 3}));
  EXPECT_EQ(candidates(R"({"userIdentity":[{"type":"IAMUser"},{"type":"Root"}]})"), (V{2, 5}));
  EXPECT_EQ(candidates(R"({"userIdentity.type":"Root","userIdentity":{"type":"IAMUser"}})"),
            (V{2, 5}));
}

// The index must never hide a match: for every rule shape above and a spread of records, the
// rules RuleMatches accepts are among the candidates.
TEST(RuleIndex, NeverHidesAMatch) {
  const char* detections[] = {
      "  s: {eventName: [StopLogging, DeleteTrail]}\n  condition: s\n",
      "  s: {eventName|startswith: Describe}\n  condition: s\n",
      "  s: {eventName: 'Get*Policy'}\n  condition: s\n",
      "  s: {eventName|cased: CreateUser}\n  condition: s\n",
      "  s: {eventName: [CreateUser, null]}\n  condition: s\n",
      "  s: {eventSource: 'iam.*'}\n  condition: s\n",
      "  a: {eventName: A}\n  b: {eventName: B}\n  condition: a or b\n",
      "  s:\n    - {eventName: A}\n    - {eventName|startswith: B}\n  condition: s\n",
      "  s: {eventName|startswith|all: [Put, PutB]}\n  condition: s\n",
      "  s: {eventName: 'ÄRGER'}\n  condition: s\n",
      "  s: {userIdentity.type: Root}\n  condition: s\n",
      "  s: {userIdentity.type|startswith: Assumed}\n  condition: s\n",
      "  s: {eventName: '5'}\n  condition: s\n",
      "  s: {userAgent: TruffleHog}\n  condition: s\n",
      "  s: {userAgent|startswith: 'aws-cli/2.'}\n  condition: s\n",
      "  s: {userAgent: 'Straße/1'}\n  condition: s\n",
  };
  std::vector<CompiledRule> rules;
  for (const char* detection : detections) {
    rules.push_back(Compile(detection));
  }
  const RuleIndex index(rules);
  const char* records[] = {
      R"({"eventName":"StopLogging"})",
      R"({"eventName":"deletetrail"})",
      R"({"eventName":"DescribeInstances"})",
      R"({"eventName":"GetBucketPolicy"})",
      R"({"eventName":"CreateUser"})",
      R"({"eventName":"createuser"})",
      R"({"eventSource":"iam.amazonaws.com"})",
      R"({"eventName":"a"})",
      R"({"eventName":"Bx"})",
      R"({"eventName":"PutBucketAcl"})",
      R"({"eventName":"ärger"})",
      R"({})",
      R"({"eventName":null})",
      R"({"eventName":["A","StopLogging"]})",
  };
  std::vector<uint32_t> candidates;
  std::string text;
  std::string lower;
  EvalScratch scratch;
  size_t matches = 0;
  for (const char* json : records) {
    const Parsed parsed = Record(json);
    index.Candidates(*parsed.event, candidates, text, lower);
    for (uint32_t i = 0; i < rules.size(); ++i) {
      if (RuleMatches(rules[i], *parsed.event, scratch)) {
        ++matches;
        EXPECT_NE(std::find(candidates.begin(), candidates.end(), i), candidates.end())
            << "rule " << detections[i] << " matches " << json << " but was not a candidate";
      }
    }
  }
  EXPECT_GE(matches, 15u);  // not vacuous
}

}  // namespace
}  // namespace trailhound::rules
