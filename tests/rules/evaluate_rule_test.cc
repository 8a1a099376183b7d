// tests/rules/evaluate_rule_test.cc: an item's list of string values is evaluated candidate
// first (each candidate read and folded once for every pattern); the answer must be the OR of
// the values taken one at a time, for every kind of candidate §6-§9 allow.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules/compiled_rule.h"
#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

CompiledRule Compile(const std::string& detection) {
  const std::string text =
      "title: t\nid: 4db60cc0-36fb-42b7-9b58-a5b53019fb74\nlevel: low\n"
      "logsource: {product: aws, service: cloudtrail}\ndetection:\n" +
      detection;
  Diagnostics diagnostics;
  const std::vector<SigmaDocument> documents = ParseRuleText(text, "t.yml", diagnostics);
  EXPECT_EQ(documents.size(), 1u);
  std::optional<CompiledRule> rule = CompileRule(documents.at(0).rule, "t.yml", {}, diagnostics);
  EXPECT_TRUE(rule.has_value()) << detection;
  return rule.has_value() ? *std::move(rule) : CompiledRule{};
}

// `  s:\n    KEY:\n      - v...` or, for an empty key, a keyword list `  s:\n    - v...`.
std::string Detection(const std::string& key, const std::vector<std::string>& values) {
  std::string text = "  s:\n";
  for (const std::string& value : values) {
    text += key.empty() ? "    - " + value + "\n" : "";
  }
  if (!key.empty()) {
    text += "    " + key + ":\n";
    for (const std::string& value : values) {
      text += "      - " + value + "\n";
    }
  }
  return text + "  condition: s\n";
}

const char* const kRecords[] = {
    R"({"eventName":"PutBucketPolicy","userAgent":"Boto3/1.26 Python/3.10 KALI",
        "requestParameters":{"bucketName":"Prod-Data","count":4624,"flag":true,
          "policy":{"Statement":[{"Effect":"Allow","Principal":"*"}]}},
        "userIdentity":{"arn":"arn:aws:iam::1:user/ÄRGER"},"tags":["Alpha","BETA"],"n":1.5})",
    R"({"eventName":"GetX","userAgent":null,"requestParameters":null,"tags":[],"n":"1.5"})",
    R"({"eventName":"Describe","userAgent":"","requestParameters":{"a":{"b":["Suspended"]}}})",
};

TEST(EvaluateRule, StringValueListIsTheOrOfItsValues) {
  struct Row {
    std::string key;
    std::vector<std::string> values;
    const char* want;  // per record of kRecords
  };
  const Row rows[] = {
      {"userAgent|contains", {"nmap", "kali", "pacu"}, "100"},
      {"userAgent|contains|cased", {"kali", "KALI"}, "100"},
      {"userAgent|contains|cased", {"kali", "boto3"}, "000"},
      {"requestParameters|contains", {"allow", "suspended"}, "101"},
      {"requestParameters|contains", {"'462'", "nothing"}, "100"},
      {"requestParameters.flag|startswith", {"'TR'", "x"}, "100"},
      {"userIdentity.arn|endswith", {"'/ärger'", "/x"}, "100"},
      {"tags", {"beta", "gamma"}, "100"},
      {"eventName", {"'Put*Policy'", "'Get?'"}, "110"},
      {"eventName|cased", {"'put*'", "'GetX'", "Describe"}, "011"},
      {"n", {"'1.5'", "'2'"}, "110"},
      {"userAgent", {"'*'", "x"}, "101"},
      {"userAgent|contains", {"''", "x"}, "101"},
      {"userAgent|windash|contains", {"'-x'", "python"}, "100"},
      {"", {"prod-d", "zzz"}, "100"},
      {"", {"'suspend*'", "boto"}, "101"},
  };
  std::vector<std::unique_ptr<event::Event>> events;
  std::vector<std::shared_ptr<const event::ParsedJson>> documents;
  simdjson::dom::parser parser;
  for (const char* json : kRecords) {
    std::shared_ptr<const event::ParsedJson> document;
    ASSERT_EQ(event::ParsedJson::Parse(parser, json, document), simdjson::SUCCESS) << json;
    events.push_back(std::make_unique<event::Event>(document, document->root(), event::Position{},
                                                    event::EnvelopeKind::kBare));
    documents.push_back(std::move(document));
  }
  EvalScratch scratch;
  for (const Row& row : rows) {
    SCOPED_TRACE(Detection(row.key, row.values));
    const CompiledRule list = Compile(Detection(row.key, row.values));
    std::vector<CompiledRule> singles;
    for (const std::string& value : row.values) {
      singles.push_back(Compile(Detection(row.key, {value})));
    }
    std::string got;
    for (size_t i = 0; i < events.size(); ++i) {
      bool any = false;
      for (const CompiledRule& single : singles) {
        any = any || RuleMatches(single, *events[i], scratch);
      }
      const bool matched = RuleMatches(list, *events[i], scratch);
      EXPECT_EQ(matched, any) << "record " << i;
      got += matched ? '1' : '0';
    }
    EXPECT_EQ(got, row.want);
  }
}

}  // namespace
}  // namespace trailhound::rules
