// tests/rules/rule_program_test.cc: the shared evaluation MatchRules runs (RuleProgram) gives the
// verdict RuleMatches gives each rule alone, for rules sharing items, whole-value lists answered
// by the dictionary, negated and cased lists, and fields decode cannot settle; and verdicts kept
// for one event are never reused for the next.
#include "rules/rule_program.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules/rule_set.h"

namespace trailhound::rules {
namespace {

namespace fs = std::filesystem;

std::string Rule(int n, const std::string& detection) {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
  return "title: r" + std::to_string(n) + "\nid: " + id +
         "\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n" + detection + "---\n";
}

// Long enough lists (four or more whole values) go to the dictionary; short ones are compared.
constexpr const char* kNames = "[StopLogging, DeleteTrail, UpdateTrail, PutEventSelectors]";

std::vector<std::string> Detections() {
  const std::string names = kNames;
  return {
      "  s: {eventName: " + names + "}\n  condition: s\n",
      "  s: {eventSource: cloudtrail.amazonaws.com, eventName: " + names + "}\n  condition: s\n",
      "  s: {eventName: " + names + "}\n  f: {userIdentity.type: Root}\n  condition: s and not f\n",
      "  s: {eventName: StopLogging}\n  f: {userIdentity.type: Root}\n  condition: s and not f\n",
      "  s: {eventName|neq: " + names + "}\n  condition: s\n",
      "  s: {eventName|cased: " + names + "}\n  condition: s\n",
      "  s: {eventName: [ärger, b, c, d]}\n  condition: s\n",
      "  s: {eventName|contains: [stop, delete, put, x]}\n  condition: s\n",
      "  s: {eventName: [StopLogging, 'Delete*', u, v]}\n  condition: s\n",
      "  s: {userIdentity.type: [Root, IAMUser, AssumedRole, FederatedUser]}\n  condition: s\n",
      "  s: {eventSource: [cloudtrail.amazonaws.com, s3.amazonaws.com, a, b]}\n"
      "  t: {eventName: " +
          names + "}\n  condition: s and t\n",
      "  s: {eventName: " + names + "}\n  t: {eventName: null}\n  condition: s or t\n",
      "  s: [{eventName: " + names + "}, {errorCode: AccessDenied}]\n  condition: s\n",
      "  s: [stoplogging]\n  condition: s\n",
  };
}

constexpr const char* kRecords[] = {
    R"({"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging"})",
    R"({"eventSource":"cloudtrail.amazonaws.com","eventName":"stoplogging"})",
    R"({"eventSource":"CloudTrail.amazonaws.com","eventName":"DELETETRAIL","userIdentity":{"type":"Root"}})",
    R"({"eventSource":"s3.amazonaws.com","eventName":"PutEventSelectors","userIdentity":{"type":"IAMUser"}})",
    R"({"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","errorCode":"AccessDenied"})",
    R"({"eventName":"ÄRGER"})",
    R"({"eventName":"DeleteBucket"})",
    R"({"eventName":null})",
    R"({"eventName":["A","StopLogging"]})",
    R"({"eventName":{"x":"StopLogging"}})",
    R"({"eventName":"StopLogging","eventName":"Other"})",
    R"({"eventName":"StopLoggingOrElse","userIdentity":{"type":"root"}})",
    R"({})",
};

class RuleProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/th-rule-program-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  LoadedRules Load(const std::vector<std::string>& detections) {
    std::string text;
    for (size_t i = 0; i < detections.size(); ++i) {
      text += Rule(static_cast<int>(i), detections[i]);
    }
    std::ofstream(dir_ + "/rules.yml") << text;
    Diagnostics diagnostics;
    LoadedRules loaded = LoadRules({dir_}, {}, diagnostics);
    EXPECT_EQ(loaded.rules.size(), detections.size());
    return loaded;
  }

  struct Record {
    std::shared_ptr<const event::ParsedJson> document;
    std::unique_ptr<event::Event> event;
  };
  Record Parse(const std::string& json) {
    Record record;
    EXPECT_EQ(event::ParsedJson::Parse(parser_, json, record.document), simdjson::SUCCESS);
    record.event = std::make_unique<event::Event>(record.document, record.document->root(),
                                                  event::Position{}, event::EnvelopeKind::kBare);
    return record;
  }

  std::string dir_;
  simdjson::dom::parser parser_;
};

TEST_F(RuleProgramTest, SharedItemsAreInternedOnce) {
  const LoadedRules loaded = Load(Detections());
  size_t items = 0;
  for (const CompiledRule& rule : loaded.rules) {
    for (const CompiledSelection& selection : rule.selections) {
      for (const std::vector<CompiledItem>& alternative : selection.alternatives) {
        items += alternative.size();
      }
    }
  }
  EXPECT_EQ(items, 20u);
  // `eventName: kNames` is written in rules 0, 1, 2, 10, 11 and 12, `userIdentity.type: Root`
  // in rules 2 and 3: each is one item; the other twelve are distinct.
  EXPECT_EQ(loaded.program.distinct_items(), 14u);
}

TEST_F(RuleProgramTest, MatchRulesAgreesWithEachRuleAlone) {
  const LoadedRules loaded = Load(Detections());
  EvalScratch shared;  // one scratch for every event, as a worker keeps it
  size_t matches = 0;
  for (const char* json : kRecords) {
    SCOPED_TRACE(json);
    const Record record = Parse(json);
    std::vector<uint32_t> matched;
    MatchRules(loaded, *record.event, shared, matched);
    std::vector<uint32_t> alone;
    for (uint32_t i = 0; i < loaded.rules.size(); ++i) {
      EvalScratch scratch;
      if (RuleMatches(loaded.rules[i], *record.event, scratch)) {
        alone.push_back(i);
      }
    }
    EXPECT_EQ(matched, alone);
    matches += alone.size();
  }
  EXPECT_GE(matches, 30u);  // not vacuous
}

TEST_F(RuleProgramTest, VerdictsAreForgottenBetweenEventsAndRuleSets) {
  const LoadedRules first = Load(Detections());
  const LoadedRules second = Load({"  s: {eventName: [a, b, c, DeleteBucket]}\n  condition: s\n"});
  EvalScratch scratch;
  std::vector<uint32_t> matched;
  const Record stop = Parse(kRecords[0]);
  const Record bucket = Parse(R"({"eventName":"DeleteBucket"})");
  MatchRules(first, *stop.event, scratch, matched);
  EXPECT_EQ(matched, (std::vector<uint32_t>{0, 1, 2, 3, 5, 7, 8, 10, 11, 12, 13}));
  MatchRules(second, *bucket.event, scratch, matched);
  EXPECT_EQ(matched, std::vector<uint32_t>{0});
  MatchRules(first, *bucket.event, scratch, matched);
  EXPECT_EQ(matched, (std::vector<uint32_t>{4, 7, 8}));
  MatchRules(second, *stop.event, scratch, matched);
  EXPECT_TRUE(matched.empty());
}

// With hundreds of one-name items over eventName, those go to the dictionary too.
TEST_F(RuleProgramTest, ManyShortListsAgreeWithEachRuleAlone) {
  std::vector<std::string> detections;
  for (int i = 0; i < 300; ++i) {
    detections.push_back("  s: {eventName: [Name" + std::to_string(i % 150) + ", 'Other" +
                         std::to_string(i) + "']}\n  condition: s\n");
  }
  detections.push_back("  s: {eventName|neq: Name7}\n  condition: s\n");
  const LoadedRules loaded = Load(detections);
  EvalScratch shared;
  for (const char* json : {R"({"eventName":"name7"})", R"({"eventName":"Other299"})",
                           R"({"eventName":"Name1234"})", R"({"eventName":["Name7"]})"}) {
    SCOPED_TRACE(json);
    const Record record = Parse(json);
    std::vector<uint32_t> matched;
    MatchRules(loaded, *record.event, shared, matched);
    std::vector<uint32_t> alone;
    for (uint32_t i = 0; i < loaded.rules.size(); ++i) {
      EvalScratch scratch;
      if (RuleMatches(loaded.rules[i], *record.event, scratch)) {
        alone.push_back(i);
      }
    }
    EXPECT_EQ(matched, alone);
  }
  const Record seven = Parse(R"({"eventName":"NAME7"})");
  std::vector<uint32_t> matched;
  MatchRules(loaded, *seven.event, shared, matched);
  EXPECT_EQ(matched, (std::vector<uint32_t>{7, 157}));
}

TEST_F(RuleProgramTest, ACopiedRuleSetEvaluatesItsOwnRules) {
  std::unique_ptr<LoadedRules> original = std::make_unique<LoadedRules>(Load(Detections()));
  const LoadedRules copy = *original;
  original.reset();  // the program's shortcut into the original's items must not be followed
  EvalScratch scratch;
  std::vector<uint32_t> matched;
  const Record stop = Parse(kRecords[0]);
  MatchRules(copy, *stop.event, scratch, matched);
  EXPECT_EQ(matched, (std::vector<uint32_t>{0, 1, 2, 3, 5, 7, 8, 10, 11, 12, 13}));
}

// Enough `userAgent|contains` lists for a needle table, most in rules no field bounds (so the
// needles gate them), mixed with lists the table must leave alone (cased, neq, a wildcard
// inside, under `all`) and records whose userAgent decode does not settle.
// `userAgent|contains` rule detections drawn from `state` (see the test below).
std::vector<std::string> UserAgentDetections(uint64_t state) {
  std::vector<std::string> detections;
  const char* const words[] = {
      "kali", "curl/", "Pacu", "ärger", "boto",
      "k-1",  "a",     "ab",   "bot",   "\342\204\252ali"};  // U+212A KELVIN SIGN, which folds to k
  const auto below = [&state](size_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>((state >> 33) % n);
  };
  for (int i = 0; i < 60; ++i) {
    std::string list = "[";
    const size_t count = 1 + below(5);
    for (size_t w = 0; w < count; ++w) {
      list += std::string(w == 0 ? "'" : ", '") + words[below(std::size(words))] + "'";
    }
    list += "]";
    const std::string modifiers[] = {"|contains",       "|contains",     "|contains",
                                     "|contains|cased", "|contains|neq", "|contains|all"};
    const std::string item = "userAgent" + modifiers[below(std::size(modifiers))] + ": " + list;
    switch (below(5)) {
      case 0:
        detections.push_back("  s: {" + item + "}\n  condition: s\n");
        break;
      case 1:
        detections.push_back("  s: {" + item + "}\n  f: {errorCode: AccessDenied}\n" +
                             "  condition: s and not f\n");
        break;
      case 2:
        detections.push_back("  s: {" + item + ", eventSource: s3.amazonaws.com}\n" +
                             "  condition: s\n");
        break;
      case 3:
        detections.push_back("  s: [{" + item + "}, {errorCode: AccessDenied}]\n  condition: s\n");
        break;
      default:
        detections.push_back("  s: {" + item + "}\n  t: {userAgent|contains: 'x*y'}\n" +
                             "  condition: s or t\n");
        break;
    }
  }
  return detections;
}

TEST_F(RuleProgramTest, NeedleTablesAgreeWithEachRuleAlone) {
  const LoadedRules loaded = Load(UserAgentDetections(5));
  EXPECT_FALSE(loaded.program.gated_rules().empty());
  // Another rule set on the same scratch: a text's needle hits remembered for one program are
  // never taken for the other's.
  const LoadedRules other = Load(UserAgentDetections(6));
  const char* const records[] = {
      R"({"userAgent":"Kali Linux curl/7.1"})",
      R"({"userAgent":"ÄRGER boto3"})",
      R"({"userAgent":"\u212Aali"})",
      R"({"userAgent":"xKyz","errorCode":"AccessDenied"})",
      R"({"userAgent":"PACU","eventSource":"s3.amazonaws.com"})",
      R"({"userAgent":"k-1","userAgent":"nothing"})",
      R"({"userAgent":["kali","x"]})",
      R"({"userAgent":{"a":"curl/"}})",
      R"({"userAgent":7})",
      R"({"userAgent":null,"errorCode":"AccessDenied"})",
      R"({"eventSource":"s3.amazonaws.com"})",
      R"({"userAgent":""})",
  };
  EvalScratch shared;
  size_t matches = 0;
  for (int pass = 0; pass < 2; ++pass) {  // the second pass meets every text again
    for (const char* json : records) {
      for (const LoadedRules* rules : {&loaded, &other}) {
        SCOPED_TRACE(json);
        const Record record = Parse(json);
        std::vector<uint32_t> matched;
        MatchRules(*rules, *record.event, shared, matched);
        std::vector<uint32_t> alone;
        for (uint32_t i = 0; i < rules->rules.size(); ++i) {
          EvalScratch scratch;
          if (RuleMatches(rules->rules[i], *record.event, scratch)) {
            alone.push_back(i);
          }
        }
        EXPECT_EQ(matched, alone);
        matches += alone.size();
      }
    }
  }
  // More distinct texts than the scratch remembers, so they meet in its slots.
  const char* const tails[] = {"kali", "boto", "Curl/", "none", "PACU", "AB"};
  for (int i = 0; i < 1500; ++i) {
    const std::string json =
        R"({"userAgent":"agent-)" + std::to_string(i) + " " + tails[i % std::size(tails)] + "\"}";
    SCOPED_TRACE(json);
    const Record record = Parse(json);
    const LoadedRules& rules = i % 3 == 0 ? other : loaded;
    std::vector<uint32_t> matched;
    MatchRules(rules, *record.event, shared, matched);
    std::vector<uint32_t> alone;
    for (uint32_t r = 0; r < rules.rules.size(); ++r) {
      EvalScratch scratch;
      if (RuleMatches(rules.rules[r], *record.event, scratch)) {
        alone.push_back(r);
      }
    }
    ASSERT_EQ(matched, alone);
    matches += alone.size();
  }
  EXPECT_GE(matches, 4000u);  // not vacuous
}

}  // namespace
}  // namespace trailhound::rules
