// tests/rules/evaluate_rule_test.cc: an item's list of string values is evaluated candidate
// first (each candidate read and folded once for every pattern); the answer must be the OR of
// the values taken one at a time, for every kind of candidate §6-§9 allow. Items on hot fields
// answered from the decoded Event must agree with walking the record.
#include <map>
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
      {"userAgent|contains", {"nmap", "pacu", "boto9", "PYTHON/3.10 k", "x"}, "100"},
      {"requestParameters|contains", {"zz", "y", "suspend", "prod-", "4624"}, "101"},
      {"userIdentity.arn|contains", {"ärger", "zz", "yy", "xx"}, "100"},
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
      // four or more whole-text values are answered by one set lookup (CompiledItem::whole_texts)
      {"eventName",
       {"CreateUser", "putbucketpolicy", "DeleteTrail", "StopLogging", "'Get?'"},
       "110"},
      {"eventName|cased", {"CreateUser", "putbucketpolicy", "DeleteTrail", "Describe"}, "001"},
      {"userIdentity.arn", {"a", "b", "c", "'ARN:AWS:IAM::1:USER/ärger'"}, "100"},
      {"requestParameters.count", {"'1'", "'2'", "'3'", "'4624'"}, "100"},
      {"tags", {"x", "y", "z", "beta", "'*eta'"}, "100"},
      {"userAgent", {"x", "y", "z", "''"}, "001"},
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

// A hot field's item is answered from the decoded Event when decode proved what the walk of
// §6 reaches (Event::LookUpHot). The reference is the walk itself: the same record nested under
// `wrap` and the item's path prefixed with `wrap.` reaches exactly what the hot path reaches in
// the record (keys of the record decide the walk below `wrap` as they do at the top) and names
// no hot field, so it is always walked. Records include every shape that must defeat the
// shortcut: repeated keys, literal dotted keys, non-string values, userIdentity as an array or
// repeated, Insights fields and derived event ids.
TEST(EvaluateRule, HotFieldShortcutAgreesWithTheWalk) {
  const std::vector<std::string> top_fields = {
      "eventName", "eventSource", "sourceIPAddress", "userAgent", "errorCode",
      "eventType", "eventTime",   "readOnly",        "eventID",   "awsRegion"};
  const std::vector<std::string> identity_fields = {"type", "arn", "principalId", "accountId",
                                                    "accessKeyId"};
  const std::vector<std::string> values = {R"("AbC")",
                                           R"("10.1.2.3")",
                                           R"("2024-01-01T03:00:00Z")",
                                           "4624",
                                           "true",
                                           "null",
                                           R"("")",
                                           R"("TRUE")",
                                           R"(["AbC","x"])",
                                           "[]",
                                           R"({"k":"AbC"})",
                                           R"("7")",
                                           R"("\u0041bc")",
                                           R"("ÄbC")"};
  std::vector<std::pair<std::string, std::string>> cases;  // (hot path, record)
  for (const std::string& field : top_fields) {
    for (const std::string& value : values) {
      const std::string kv = "\"" + field + "\":" + value;
      cases.emplace_back(field, "{" + kv + R"(,"userIdentity":{"arn":"a"}})");
      cases.emplace_back(field, "{\"" + field + "\":\"x\"," + kv + "}");
      cases.emplace_back(field, "{" + kv + ",\"" + field + "\":\"AbC\"}");
      cases.emplace_back(field, "{\"" + field + ".x\":\"AbC\"," + kv + "}");
    }
    cases.emplace_back(field, R"({"eventVersion":"1.08"})");
  }
  for (const std::string& field : identity_fields) {
    const std::string path = "userIdentity." + field;
    for (const std::string& value : values) {
      const std::string kv = "\"" + field + "\":" + value;
      cases.emplace_back(path, R"({"userIdentity":{)" + kv + "}}");
      cases.emplace_back(path, R"({"userIdentity":{"x":1,)" + kv + R"(,"y":2}})");
      cases.emplace_back(path, R"({"userIdentity":{)" + kv + ",\"" + field + "\":\"AbC\"}}");
      cases.emplace_back(path, "{\"" + path + "\":\"AbC\",\"userIdentity\":{" + kv + "}}");
      cases.emplace_back(path, "{\"userIdentity\":{" + kv + "},\"" + path + "\":" + value + "}");
      cases.emplace_back(path, R"({"userIdentity":[{)" + kv + R"(},{"type":"AbC"}]})");
      cases.emplace_back(path, R"({"userIdentity":{"arn":"q"},"userIdentity":{)" + kv + "}}");
      cases.emplace_back(path, R"({"userIdentity.":{)" + kv + R"(},"userIdentity":{)" + kv + "}}");
    }
    cases.emplace_back(path, R"({"userIdentity":null})");
    cases.emplace_back(path, R"({"userIdentity":"AbC"})");
    cases.emplace_back(path, R"({"eventName":"AbC"})");
  }
  for (
      const char* insight :
      {R"({"eventType":"AwsCloudTrailInsight","insightDetails":{"eventName":"AbC","eventSource":"AbC"}})",
       R"({"insightDetails":{"eventName":"AbC"},"eventName":"AbC"})", R"({"eventID":""})",
       R"({"eventID":"AbC"})"}) {
    for (const char* path : {"eventName", "eventSource", "eventID"}) {
      cases.emplace_back(path, insight);
    }
  }
  const std::vector<std::string> items = {": 'abc'",
                                          "|contains: 'b'",
                                          "|startswith: 'a'",
                                          "|endswith: 'C'",
                                          "|cased: 'AbC'",
                                          ": 'a?c'",
                                          ": ''",
                                          ": null",
                                          "|exists: true",
                                          "|exists: false",
                                          ": 4624",
                                          ": true",
                                          "|re: '^A'",
                                          "|re|i: 'b'",
                                          "|cidr: '10.0.0.0/8'",
                                          "|gt: 5",
                                          "|hour: 3",
                                          "|neq: 'abc'",
                                          "|contains|all: ['a', 'c']",
                                          "|windash|contains: 'b'",
                                          ": ['x', 'ÄBC', 'abc']"};
  // Each (path, item) rule is compiled once: compiling it per case made this test a minute
  // long under ASan.
  std::map<std::string, CompiledRule> compiled;
  const auto rule = [&compiled](const std::string& detection) -> const CompiledRule& {
    auto found = compiled.find(detection);
    if (found == compiled.end()) {
      found = compiled.emplace(detection, Compile(detection)).first;
    }
    return found->second;
  };
  simdjson::dom::parser parser;
  EvalScratch scratch;
  int shortcuts = 0;
  int checked = 0;
  for (const auto& [path, json] : cases) {
    std::shared_ptr<const event::ParsedJson> document;
    std::shared_ptr<const event::ParsedJson> wrapped_document;
    ASSERT_EQ(event::ParsedJson::Parse(parser, json, document), simdjson::SUCCESS) << json;
    ASSERT_EQ(event::ParsedJson::Parse(parser, "{\"wrap\":" + json + "}", wrapped_document),
              simdjson::SUCCESS);
    const event::Event record(document, document->root(), event::Position{},
                              event::EnvelopeKind::kBare);
    const event::Event wrapped(wrapped_document, wrapped_document->root(), event::Position{},
                               event::EnvelopeKind::kBare);
    const event::HotField field = event::HotFieldByPath(path);
    ASSERT_NE(field, event::HotField::kNone) << path;
    shortcuts += record.LookUpHot(field) != event::Event::HotLookup::kUnknown ? 1 : 0;
    for (const std::string& item : items) {
      const CompiledRule& hot = rule("  s:\n    " + path + item + "\n  condition: s\n");
      const CompiledRule& walked = rule("  s:\n    wrap." + path + item + "\n  condition: s\n");
      ++checked;
      EXPECT_EQ(RuleMatches(hot, record, scratch), RuleMatches(walked, wrapped, scratch))
          << path << item << " on " << json;
    }
  }
  EXPECT_GT(checked, 10000);
  EXPECT_GT(shortcuts, static_cast<int>(cases.size()) / 5);  // the shortcut is exercised
}

TEST(EvaluateRule, HotFieldShortcutOnlyWhereDecodeProvedTheWalk) {
  using Lookup = event::Event::HotLookup;
  const struct {
    const char* name;
    const char* json;
    event::HotField field;
    Lookup want;
  } rows[] = {
      {"plain string", R"({"eventName":"A"})", event::HotField::kEventName, Lookup::kString},
      {"absent", R"({"eventSource":"A"})", event::HotField::kEventName, Lookup::kMissing},
      {"repeated key", R"({"eventName":"A","eventName":"B"})", event::HotField::kEventName,
       Lookup::kUnknown},
      {"number", R"({"errorCode":5})", event::HotField::kErrorCode, Lookup::kUnknown},
      {"null", R"({"errorCode":null})", event::HotField::kErrorCode, Lookup::kUnknown},
      {"boolean readOnly", R"({"readOnly":true})", event::HotField::kReadOnly, Lookup::kUnknown},
      {"string readOnly", R"({"readOnly":"true"})", event::HotField::kReadOnly, Lookup::kString},
      {"identity arn", R"({"userIdentity":{"arn":"A"}})", event::HotField::kUserArn,
       Lookup::kString},
      {"identity without arn", R"({"userIdentity":{"type":"A"}})", event::HotField::kUserArn,
       Lookup::kMissing},
      {"no identity", R"({"eventName":"A"})", event::HotField::kUserArn, Lookup::kMissing},
      {"literal dotted key", R"({"userIdentity":{"arn":"A"},"userIdentity.arn":"B"})",
       event::HotField::kUserArn, Lookup::kUnknown},
      {"identity array", R"({"userIdentity":[{"arn":"A"}]})", event::HotField::kUserArn,
       Lookup::kUnknown},
      {"repeated identity", R"({"userIdentity":{"arn":"A"},"userIdentity":{}})",
       event::HotField::kUserArn, Lookup::kUnknown},
      {"insight name", R"({"eventType":"AwsCloudTrailInsight","insightDetails":{"eventName":"A"}})",
       event::HotField::kEventName, Lookup::kUnknown},
      {"derived id", R"({"eventName":"A"})", event::HotField::kEventId, Lookup::kUnknown},
      {"session issuer never", R"({"userIdentity":{"type":"A"}})",
       event::HotField::kSessionIssuerArn, Lookup::kUnknown},
  };
  simdjson::dom::parser parser;
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    std::shared_ptr<const event::ParsedJson> document;
    ASSERT_EQ(event::ParsedJson::Parse(parser, row.json, document), simdjson::SUCCESS);
    const event::Event record(document, document->root(), event::Position{},
                              event::EnvelopeKind::kBare);
    EXPECT_EQ(record.LookUpHot(row.field), row.want);
  }
}

// The byte pairs of a hot field's text are kept for the rules after the first within one
// event (MatchRules) and must be forgotten at the next event: a user agent seen second that
// holds the literal must not be refused on the first one's pairs.
TEST(EvaluateRule, HotTextPairsAreKeptOnlyWithinOneEvent) {
  const CompiledRule rule =
      Compile(Detection("userAgent|contains", {"kali", "pacu", "nmap", "prowler"}));
  simdjson::dom::parser parser;
  std::vector<std::shared_ptr<const event::ParsedJson>> documents;
  std::vector<std::unique_ptr<event::Event>> events;
  for (const char* json : {R"({"userAgent":"boto3"})", R"({"userAgent":"x KALI y"})",
                           R"({"userAgent":"aws-cli"})", R"({"userAgent":"Prowler/3"})"}) {
    std::shared_ptr<const event::ParsedJson> document;
    ASSERT_EQ(event::ParsedJson::Parse(parser, json, document), simdjson::SUCCESS);
    events.push_back(std::make_unique<event::Event>(document, document->root(), event::Position{},
                                                    event::EnvelopeKind::kBare));
    documents.push_back(std::move(document));
  }
  EvalScratch scratch;
  std::string by_rule_matches;
  std::string by_same_event;
  for (const auto& event : events) {
    by_rule_matches += RuleMatches(rule, *event, scratch) ? '1' : '0';
    scratch.BeginEvent();
    const bool first = RuleMatchesSameEvent(rule, *event, scratch);
    EXPECT_EQ(RuleMatchesSameEvent(rule, *event, scratch), first);  // from the kept pairs
    by_same_event += first ? '1' : '0';
  }
  EXPECT_EQ(by_rule_matches, "0101");
  EXPECT_EQ(by_same_event, "0101");
}

}  // namespace
}  // namespace trailhound::rules
