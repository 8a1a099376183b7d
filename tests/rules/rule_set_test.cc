// tests/rules/rule_set_test.cc: loading across files: filter documents (SIGMA.md §12, checklist
// items on filters), the index built over what loaded, and the lint warnings that come from
// looking at all rules together.
#include "rules/rule_set.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace trailhound::rules {
namespace {

namespace fs = std::filesystem;

class RuleSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/th-rule-set-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }

  LoadedRules Load() { return LoadRules({dir_}, {}, diagnostics_); }

  // The titles of the rules `json` matches, space-separated.
  static std::string Matching(const LoadedRules& loaded, const std::string& json) {
    simdjson::dom::parser parser;
    std::shared_ptr<const event::ParsedJson> document;
    EXPECT_EQ(event::ParsedJson::Parse(parser, json, document), simdjson::SUCCESS);
    const event::Event event(document, document->root(), event::Position{},
                             event::EnvelopeKind::kBare);
    EvalScratch scratch;
    std::vector<uint32_t> matched;
    MatchRules(loaded, event, scratch, matched);
    std::string out;
    for (const uint32_t i : matched) {
      out += (out.empty() ? "" : " ") + loaded.rules[i].title;
    }
    return out;
  }

  std::string Codes() const {
    std::string out;
    for (const Diagnostic& d : diagnostics_.items()) {
      out += d.code + "@" + std::to_string(d.location.line) + " ";
    }
    return out;
  }

  std::string dir_;
  Diagnostics diagnostics_;
};

constexpr const char* kRules = R"(title: create
id: 11111111-1111-4111-8111-111111111111
name: create_user
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  s: {eventName: CreateUser}
  condition: s
---
title: delete
id: 22222222-2222-4222-8222-222222222222
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  s: {eventName: DeleteUser}
  condition: s
)";

TEST_F(RuleSetTest, FilterAppliesToTheRulesItNamesById) {
  Write("rules.yml", kRules);
  Write("filter.yml", R"(title: known admins
id: 33333333-3333-4333-8333-333333333333
logsource: {product: aws}
filter:
  rules: [11111111-1111-4111-8111-111111111111]
  admins: {userIdentity.arn|endswith: /admin}
  condition: not admins
)");
  const LoadedRules loaded = Load();
  EXPECT_FALSE(diagnostics_.has_errors()) << Codes();
  ASSERT_EQ(loaded.rules.size(), 2u);
  EXPECT_EQ(loaded.filters, 1u);
  EXPECT_EQ(loaded.rules[0].filters,
            std::vector<std::string>{"33333333-3333-4333-8333-333333333333"});
  EXPECT_TRUE(loaded.rules[1].filters.empty());
  EXPECT_EQ(Matching(loaded, R"({"eventName":"CreateUser","userIdentity":{"arn":"u/bob"}})"),
            "create");
  EXPECT_EQ(Matching(loaded, R"({"eventName":"CreateUser","userIdentity":{"arn":"u/admin"}})"), "");
  // `not` over a missing field is true: no arn, not excluded (§10)
  EXPECT_EQ(Matching(loaded, R"({"eventName":"CreateUser"})"), "create");
  // the rule the filter does not name is untouched
  EXPECT_EQ(Matching(loaded, R"({"eventName":"DeleteUser","userIdentity":{"arn":"u/admin"}})"),
            "delete");
  // filtering keeps the rule indexed by eventName
  EXPECT_EQ(loaded.index.via(0), RuleIndex::Via::kEventName);
}

TEST_F(RuleSetTest, FilterByNameAnyAndEmptyListAndSeveralFilters) {
  Write("rules.yml", kRules);
  Write("f1.yml", R"(title: by name
id: 44444444-4444-4444-8444-444444444444
logsource: {product: aws, service: cloudtrail}
filter:
  rules: [create_user]
  f: {sourceIPAddress: 10.0.0.1}
  condition: not f
---
title: any
id: 55555555-5555-4555-8555-555555555555
logsource: {product: aws}
filter:
  rules: any
  f: {userAgent|contains: terraform}
  condition: not f
---
title: empty list is any
id: 66666666-6666-4666-8666-666666666666
logsource: {product: aws}
filter:
  rules: []
  f: {awsRegion: eu-north-1}
  condition: not f
)");
  const LoadedRules loaded = Load();
  EXPECT_FALSE(diagnostics_.has_errors()) << Codes();
  ASSERT_EQ(loaded.rules.size(), 2u);
  EXPECT_EQ(loaded.rules[0].filters.size(), 3u);
  EXPECT_EQ(loaded.rules[1].filters.size(), 2u);
  EXPECT_EQ(Matching(loaded, R"({"eventName":"CreateUser","sourceIPAddress":"10.0.0.1"})"), "");
  EXPECT_EQ(Matching(loaded, R"({"eventName":"DeleteUser","sourceIPAddress":"10.0.0.1"})"),
            "delete");
  EXPECT_EQ(Matching(loaded, R"({"eventName":"DeleteUser","userAgent":"Terraform/1.5"})"), "");
  EXPECT_EQ(Matching(loaded, R"({"eventName":"DeleteUser","awsRegion":"eu-north-1"})"), "");
  EXPECT_EQ(Matching(loaded, R"({"eventName":"DeleteUser","awsRegion":"eu-west-1"})"), "delete");
}

TEST_F(RuleSetTest, FilterLogsourceMustContainTheRules) {
  Write("rules.yml", kRules);
  Write("filter.yml", R"(title: other service
id: 77777777-7777-4777-8777-777777777777
logsource: {product: aws, service: s3}
filter:
  rules: any
  f: {eventName: CreateUser}
  condition: not f
)");
  const LoadedRules loaded = Load();
  EXPECT_EQ(Matching(loaded, R"({"eventName":"CreateUser"})"), "create");
  EXPECT_TRUE(loaded.rules[0].filters.empty());
}

TEST_F(RuleSetTest, FilterWarningsAndErrors) {
  Write("rules.yml", kRules);
  Write("filter.yml", R"(title: narrows instead of excluding
id: 88888888-8888-4888-8888-888888888888
logsource: {product: aws}
filter:
  rules: [no_such_rule, create_user]
  f: {awsRegion: us-east-1}
  condition: f
---
title: broken
id: 99999999-9999-4999-8999-999999999999
logsource: {product: aws}
filter:
  rules: any
  f: {awsRegion|containz: us}
  condition: not f
)");
  const LoadedRules loaded = Load();
  EXPECT_TRUE(diagnostics_.Has("filter-not-negated")) << Codes();
  EXPECT_TRUE(diagnostics_.Has("filter-unknown-rule")) << Codes();
  EXPECT_TRUE(diagnostics_.Has("unknown-modifier")) << Codes();
  EXPECT_EQ(loaded.filters, 1u);  // the broken filter is left out, the rules still load
  ASSERT_EQ(loaded.rules.size(), 2u);
  EXPECT_EQ(Matching(loaded, R"({"eventName":"CreateUser","awsRegion":"us-east-1"})"), "create");
  EXPECT_EQ(Matching(loaded, R"({"eventName":"CreateUser","awsRegion":"eu-west-1"})"), "");
  for (const Diagnostic& d : diagnostics_.items()) {
    if (d.code == "filter-unknown-rule") {
      EXPECT_EQ(d.location.line, 5);
      EXPECT_NE(d.message.find("no_such_rule"), std::string::npos);
    }
  }
}

TEST_F(RuleSetTest, UnindexedRuleIsAWarningAtTheRule) {
  Write("root.yml", R"(title: curl
id: aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  s: {userAgent|contains: curl}
  condition: s
)");
  const LoadedRules loaded = Load();
  ASSERT_EQ(loaded.rules.size(), 1u);
  EXPECT_FALSE(diagnostics_.has_errors());
  EXPECT_TRUE(diagnostics_.Has("unindexed-rule")) << Codes();
  EXPECT_EQ(Matching(loaded, R"({"eventName":"Anything","userAgent":"curl/8.1"})"), "curl");
}

// A correlation over `rules` (a YAML flow list), `generate` as given.
std::string Correlation(const std::string& id, const std::string& rules, bool generate,
                        const std::string& name = "") {
  return "title: corr " + id + "\nid: " + id + (name.empty() ? "" : "\nname: " + name) +
         "\ncorrelation:\n  type: event_count\n  rules: " + rules +
         "\n  group-by: [recipientAccountId]\n  timespan: 10m\n  condition: {gte: 2}\n" +
         "  generate: " + (generate ? "true" : "false") + "\n";
}

TEST_F(RuleSetTest, CorrelationsCompileAfterEveryRuleAndSilenceTheirRules) {
  // a.yml sorts first: its correlations reference rules of a later file, by name and by id.
  Write("a.yml", Correlation("c1", "[create_user]", false) + "---\n" +
                     Correlation("c2", "[22222222-2222-4222-8222-222222222222]", false) + "---\n" +
                     Correlation("c3", "[22222222-2222-4222-8222-222222222222]", true));
  Write("b.yml", std::string(kRules) + R"(---
title: lonely
id: 55555555-5555-4555-8555-555555555555
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  s: {eventName: GetUser}
  condition: s
)");
  const LoadedRules loaded = Load();
  EXPECT_FALSE(diagnostics_.has_errors()) << Codes();
  ASSERT_EQ(loaded.correlations.size(), 3u);
  EXPECT_EQ(loaded.correlations[0].id, "c1");
  EXPECT_EQ(loaded.correlations[0].rules, std::vector<uint32_t>{0});
  EXPECT_EQ(loaded.correlations[1].rules, std::vector<uint32_t>{1});
  ASSERT_EQ(loaded.rules.size(), 3u);
  // create: only generate:false correlations; delete: one says true; lonely: none.
  EXPECT_FALSE(loaded.rules[0].generates_alerts);
  EXPECT_TRUE(loaded.rules[1].generates_alerts);
  EXPECT_TRUE(loaded.rules[2].generates_alerts);
}

TEST_F(RuleSetTest, CorrelationIdsAndNamesAreUniqueWithTheRules) {
  Write("a.yml", std::string(kRules) + "---\n" +
                     Correlation("11111111-1111-4111-8111-111111111111", "[create_user]", false) +
                     "---\n" + Correlation("c2", "[create_user]", false, "create_user") + "---\n" +
                     Correlation("c3", "[no_such_rule]", false));
  const LoadedRules loaded = Load();
  EXPECT_TRUE(loaded.correlations.empty());
  EXPECT_EQ(Codes(), "duplicate-id@18 duplicate-id@28 unknown-rule-reference@43 ");
  // correlations that did not load silence nothing
  EXPECT_TRUE(loaded.rules[0].generates_alerts);
}

}  // namespace
}  // namespace trailhound::rules
