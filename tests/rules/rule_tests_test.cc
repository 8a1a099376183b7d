// tests/rules/rule_tests_test.cc: the rule test runner (SIGMA.md §15): inline and sibling tests,
// detection verdicts with filters applied, correlation alert counts and eventIDs, and every
// `test-format` problem at its line and column.
#include "rules/rule_tests.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/rule_test_spec.h"

namespace trailhound::rules {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RuleTestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/th-rule-tests-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }

  RuleTestReport Run() { return RunRuleTests({dir_}, RuleTestOptions{}); }

  // Each diagnostic as `name:line:col code message`, the directory left out.
  std::vector<std::string> Lines(const RuleTestReport& report) const {
    std::vector<std::string> lines;
    for (const Diagnostic& d : report.diagnostics.items()) {
      lines.push_back(fs::path(d.location.file).filename().string() + ":" +
                      std::to_string(d.location.line) + ":" + std::to_string(d.location.column) +
                      " " + d.code + " " + d.message);
    }
    return lines;
  }

  std::string dir_;
};

constexpr const char* kStopLogging = R"(title: trail stopped
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c01
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: StopLogging}
  condition: selection
)";

// kStopLogging with another last digit of its id, so several copies load side by side.
std::string StopLogging(char id_last) {
  std::string rule = kStopLogging;
  rule[rule.find("9c01") + 3] = id_last;
  return rule;
}

TEST_F(RuleTestsTest, InlineDetectionTestsPassAndFailAtTheirName) {
  Write("stop.yml", std::string(kStopLogging) + R"(tests:
  - name: stop is caught
    match: true
    event: {eventName: StopLogging, eventID: e1}
  - name: start is not
    match: false
    event: {eventName: StartLogging}
  - match: false
    name: wrong on purpose
    event: {eventName: StopLogging}
  - name: also wrong
    event: {eventName: StartLogging}
)");
  const RuleTestReport report = Run();
  EXPECT_EQ(report.passed, 2u);
  EXPECT_EQ(report.failed, 2u);
  EXPECT_THAT(Lines(report),
              ElementsAre("stop.yml:15:5 test-failed test 'wrong on purpose': expected no match, "
                          "got a match",
                          "stop.yml:17:5 test-failed test 'also wrong': expected match, got no "
                          "match"));
  EXPECT_EQ(RuleTestSummary(report), "2 passed, 2 failed");
}

TEST_F(RuleTestsTest, LocationsCountTheDocumentsBeforeTheRule) {
  Write("two.yml", std::string(kStopLogging) + "---\n" +
                       R"(title: trail deleted
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c02
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: DeleteTrail}
  condition: selection
tests:
  - name: misses
    event: {eventName: StopLogging}
)");
  EXPECT_THAT(Lines(Run()),
              ElementsAre("two.yml:15:5 test-failed test 'misses': expected match, got no match"));
}

TEST_F(RuleTestsTest, FiltersAppliedToTheRuleCount) {
  Write("stop.yml", std::string(kStopLogging) + R"(tests:
  - name: the automation role is excluded by the filter
    match: false
    event: {eventName: StopLogging, userIdentity: {arn: "arn:aws:iam::1:role/automation"}}
)");
  Write("filter.yml", R"(title: automation
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c09
logsource: {product: aws}
filter:
  rules: any
  selection: {userIdentity.arn|endswith: role/automation}
  condition: not selection
)");
  const RuleTestReport report = Run();
  EXPECT_EQ(report.passed, 1u) << ::testing::PrintToString(Lines(report));
  EXPECT_EQ(report.failed, 0u);
}

TEST_F(RuleTestsTest, SiblingFileNamesItsRuleOrTakesTheOnlyOne) {
  Write("stop.yml", kStopLogging);
  Write("stop.tests.yml", R"(tests:
  - name: stop
    event: {eventName: StopLogging}
)");
  Write("multi.yml", StopLogging('4') + "---\n" +
                         R"(title: second
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c03
name: second_rule
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: DeleteTrail}
  condition: selection
)");
  Write("multi.tests.yml", R"(rule: second_rule
tests:
  - name: delete
    event: {eventName: DeleteTrail}
  - name: stop is the other rule's
    match: false
    event: {eventName: StopLogging}
)");
  const RuleTestReport report = Run();
  EXPECT_EQ(report.passed, 3u) << ::testing::PrintToString(Lines(report));
  EXPECT_EQ(report.failed, 0u);
}

TEST_F(RuleTestsTest, SiblingFileProblemsAreTestFormat) {
  Write("a.yml", std::string(kStopLogging) + "---\n" +
                     R"(title: second
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c03
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: DeleteTrail}
  condition: selection
)");
  Write("a.tests.yml", "tests:\n  - name: x\n    event: {eventName: DeleteTrail}\n");
  Write("orphan.tests.yml", "tests: []\n");
  Write("sub/b.yml", kStopLogging);  // a duplicate id: its file fails, then its tests
  Write("sub/c.yml", StopLogging('7'));
  Write("sub/c.tests.yml", "rule: nope\nextra: 1\ntests: []\n");
  Write("sub/d.yml", StopLogging('8'));
  Write("sub/d.tests.yml", "tests:\n  - name: x\n    name: y\n    event: {}\n");
  const RuleTestReport report = Run();
  std::vector<std::string> lines = Lines(report);
  EXPECT_THAT(lines, ElementsAre(HasSubstr("b.yml:1:1 duplicate-id"),
                                 "a.tests.yml:1:1 test-format 'a.yml' holds 2 rules; say which one "
                                 "with 'rule: ID'",
                                 "orphan.tests.yml:1:1 test-format no rule file next to this test "
                                 "file; name it after its rule file (NAME.yml, NAME.tests.yml)",
                                 HasSubstr("c.tests.yml:2:1 test-format unknown key 'extra'"),
                                 "d.tests.yml:3:5 duplicate-key key 'name' appears twice in this "
                                 "mapping; merge the two"));
  EXPECT_EQ(report.failed, 5u);
}

// Test files are read as rule files are (ReadYamlDocuments): a stray comma is a located
// yaml-syntax error (yaml-cpp 0.7's LoadAll loops forever on it), and lines after a leading
// `---` are counted from the top of the file.
TEST_F(RuleTestsTest, SiblingFilesAreReadLikeRuleFiles) {
  Write("c.yml", kStopLogging);
  Write("c.tests.yml", "tests: [a,, b]\n");
  Write("d.yml", StopLogging('8'));
  Write("d.tests.yml", "---\nrule: nope\ntests: []\n");
  EXPECT_THAT(Lines(Run()),
              ElementsAre(HasSubstr("c.tests.yml:1:11 yaml-syntax stray ','"),
                          "d.tests.yml:2:7 test-format no rule with id or name 'nope' in 'd.yml'"));
}

TEST_F(RuleTestsTest, UnknownRuleInSiblingFile) {
  Write("c.yml", kStopLogging);
  Write("c.tests.yml", "rule: nope\ntests: []\n");
  EXPECT_THAT(Lines(Run()), ElementsAre("c.tests.yml:1:7 test-format no rule with id or name "
                                        "'nope' in 'c.yml'"));
}

TEST_F(RuleTestsTest, EventFileIsRelativeToTheTestFile) {
  Write("rules/stop.yml", kStopLogging);
  Write("rules/stop.tests.yml", R"(tests:
  - name: from a file
    event_file: fixtures/stop.json
  - name: missing file
    event_file: fixtures/none.json
  - name: not a record
    event_file: fixtures/list.json
)");
  Write("rules/fixtures/stop.json", R"({"eventName": "StopLogging", "eventID": "e1"})");
  Write("rules/fixtures/list.json", R"([{"eventName": "StopLogging"}])");
  const RuleTestReport report = RunRuleTests({dir_ + "/rules/stop.tests.yml"}, {});
  EXPECT_EQ(report.passed, 1u);
  EXPECT_EQ(report.failed, 2u);
  EXPECT_THAT(Lines(report),
              ElementsAre(HasSubstr("stop.tests.yml:5:17 test-format cannot read event file"),
                          "stop.tests.yml:6:5 test-format test 'not a record': record 1 is not "
                          "one CloudTrail record (it is not a JSON object)"));
}

struct FormatCase {
  const char* name;
  const char* tests;  // the `tests:` value, indented under the rule
  const char* want;   // `line:col message start`
};

TEST_F(RuleTestsTest, EveryTestFormatProblemIsLocated) {
  const FormatCase cases[] = {
      {"not a list", " {name: x}", "7:8 'tests' must be a list"},
      {"not a map", "\n  - just text", "8:5 a test must be a map"},
      {"no name", "\n  - event: {eventName: x}", "8:5 the test has no 'name'"},
      {"empty name", "\n  - {name: '', event: {}}", "8:12 a test's 'name' must be"},
      {"no record", "\n  - name: x", "8:5 the test has none of"},
      {"two records", "\n  - {name: x, event: {}, events: [{}]}", "8:5 the test has more than"},
      {"unknown key", "\n  - {name: x, event: {}, mach: true}", "8:26 unknown key 'mach'"},
      {"bad match", "\n  - {name: x, event: {}, match: 'yes'}", "8:33 'match' must be true"},
      {"events on a rule", "\n  - {name: x, events: [{}]}", "8:23 'events' tests are for"},
      {"alerts on a rule", "\n  - {name: x, event: {}, alerts: 1}", "8:34 'alerts' and"},
      {"record not a map", "\n  - {name: x, event: [1]}", "8:22 a record must be a map"},
      {"file not a path", "\n  - {name: x, event_file: [a]}", "8:27 'event_file' must be"},
  };
  for (const FormatCase& row : cases) {
    SCOPED_TRACE(row.name);
    Write("r.yml", std::string(kStopLogging) + "tests:" + row.tests + "\n");
    const RuleTestReport report = Run();
    ASSERT_EQ(report.diagnostics.size(), 1u) << ::testing::PrintToString(Lines(report));
    const Diagnostic& d = report.diagnostics.items()[0];
    EXPECT_EQ(d.code, "test-format");
    EXPECT_THAT(
        std::to_string(d.location.line) + ":" + std::to_string(d.location.column) + " " + d.message,
        ::testing::StartsWith(row.want));
    EXPECT_EQ(report.failed, 1u);
    EXPECT_EQ(report.passed, 0u);
  }
}

TEST_F(RuleTestsTest, RuleThatFailsToLoadFailsItsFile) {
  Write("bad.yml", R"(title: broken
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c05
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName|containz: x}
  condition: selection
tests:
  - name: never runs
    event: {eventName: x}
)");
  const RuleTestReport report = Run();
  EXPECT_EQ(report.passed, 0u);
  EXPECT_EQ(report.failed, 1u);
  EXPECT_THAT(Lines(report), ElementsAre(HasSubstr("bad.yml:5:15 unknown-modifier")));
}

constexpr const char* kBucketRules = R"(title: bucket deleted
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c11
name: bucket_deleted
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: DeleteBucket}
  condition: selection
---
title: lone bucket deletion
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c13
correlation:
  type: event_count
  rules: [bucket_deleted]
  group-by: [recipientAccountId]
  timespan: 10m
  condition: {lte: 1}
---
title: many buckets deleted
id: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c12
correlation:
  type: event_count
  rules: [0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c11]
  group-by: [recipientAccountId]
  timespan: 10m
  condition: {gte: 3}
)";

// Three DeleteBucket records `minutes` apart, as a YAML flow list.
std::string Deletions(int minutes) {
  std::string list = "[";
  for (int i = 0; i < 3; ++i) {
    list += std::string(i == 0 ? "" : ", ") + "{eventName: DeleteBucket, eventID: e" +
            std::to_string(i + 1) + ", eventTime: '2024-05-01T10:" + (i * minutes < 10 ? "0" : "") +
            std::to_string(i * minutes) + ":00Z', recipientAccountId: '111122223333'}";
  }
  return list + "]";
}

TEST_F(RuleTestsTest, CorrelationTestsCountTheirOwnAlertsAfterTheFlush) {
  Write("buckets.yml",
        std::string(kBucketRules) + "tests:\n" + "  - name: three in ten minutes\n    events: " +
            Deletions(3) + "\n    alerts: 1\n    alert_event_ids: [e3]\n" +
            "  - name: spread out\n    events: " + Deletions(15) + "\n    alerts: 0\n" +
            "  - name: ids alone give the count\n    events: " + Deletions(3) +
            "\n    alert_event_ids: [e3]\n" + "  - name: wrong count\n    events: " + Deletions(3) +
            "\n    alerts: 2\n" + "  - name: wrong ids\n    events: " + Deletions(3) +
            "\n    alert_event_ids: [e2]\n");
  // The upper-bound correlation alerts only when its window is closed at the end of input.
  Write("buckets.tests.yml",
        "rule: 0b3a5c1e-5d2f-4f7e-9d7a-2f6a0f1b9c13\ntests:\n  - name: no\n    events: " +
            Deletions(3) + "\n    alerts: 0\n" +
            "  - name: one, closed by the flush\n    events: [" +
            "{eventName: DeleteBucket, eventID: x1, eventTime: "
            "'2024-05-01T10:00:00Z'}]\n    alert_event_ids: [x1]\n");
  const RuleTestReport report = Run();
  EXPECT_EQ(report.passed, 5u);
  EXPECT_THAT(Lines(report),
              ElementsAre("buckets.yml:37:5 test-failed test 'wrong count': expected 2 alerts, "
                          "got 1 on ['e3']",
                          "buckets.yml:40:5 test-failed test 'wrong ids': expected alerts on "
                          "['e2'], got ['e3']"));
}

TEST_F(RuleTestsTest, CorrelationTestFormat) {
  const FormatCase cases[] = {
      {"event", "\n  - {name: x, event: {}, alerts: 0}", "27:22 a correlation rule's test"},
      {"match", "\n  - {name: x, events: [{}], match: true, alerts: 0}",
       "27:36 'match' belongs to"},
      {"no alerts", "\n  - {name: x, events: [{}]}", "27:5 the test has no 'alerts'"},
      {"bad alerts", "\n  - {name: x, events: [{}], alerts: -1}", "27:37 'alerts' must be"},
      {"bad ids", "\n  - {name: x, events: [{}], alert_event_ids: e1}", "27:46 'alert_event_ids'"},
      {"empty events", "\n  - {name: x, events: [], alerts: 0}",
       "27:23 'events' must be a non-empty"},
      {"record", "\n  - {name: x, events: [1], alerts: 0}", "27:24 a record must be a map"},
  };
  for (const FormatCase& row : cases) {
    SCOPED_TRACE(row.name);
    Write("r.yml", std::string(kBucketRules) + "tests:" + row.tests + "\n");
    const RuleTestReport report = Run();
    ASSERT_EQ(report.diagnostics.size(), 1u) << ::testing::PrintToString(Lines(report));
    const Diagnostic& d = report.diagnostics.items()[0];
    EXPECT_EQ(d.code, "test-format");
    EXPECT_THAT(
        std::to_string(d.location.line) + ":" + std::to_string(d.location.column) + " " + d.message,
        ::testing::StartsWith(row.want));
  }
}

TEST(YamlToJson, TypesPlainScalarsAndKeepsQuotedOnesText) {
  const YAML::Node node = YAML::Load(
      R"({a: 1, b: '1', c: yes, d: ~, e: 2024-05-01T10:00:00Z, f: "q\"\\\n", g: [0x1F, 1.5],
          h: {i: null}})");
  EXPECT_EQ(YamlToJson(node),
            R"({"a":1,"b":"1","c":true,"d":null,"e":"2024-05-01T10:00:00Z","f":"q\"\\\n",)"
            R"("g":[31,1.5],"h":{"i":null}})");
}

}  // namespace
}  // namespace trailhound::rules
