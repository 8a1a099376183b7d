// tests/rules/correlation_test.cc: correlation documents to CorrelationRules, with every
// diagnostic's code and position, and the engine against SIGMA.md §13 (checklist items 79-88,
// 95): each type, sliding windows, ranges, the watermark, late and timeless records, null
// groups, aliases, eviction bounds and the fields of an alert.
#include "rules/correlation.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pipeline/event/event_time.h"
#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;

// Detection rules A, B, C (ids `id-a` ...) are indices 0, 1, 2; `Other` (3) is referenced by none.
std::optional<uint32_t> Lookup(const std::string& reference) {
  const std::vector<std::string> names = {"A", "B", "C", "Other"};
  for (uint32_t i = 0; i < names.size(); ++i) {
    if (reference == names[i] || reference == "id-" + names[i]) {
      return i;
    }
  }
  return std::nullopt;
}

// `correlation_body` is indented two spaces under `correlation:`.
std::string CorrelationText(const std::string& correlation_body) {
  return "title: corr\nid: 0b4a6c4e-9a55-4b7e-8f31-3c2d8d6c1a01\nlevel: high\ncorrelation:\n" +
         correlation_body;
}

std::optional<CorrelationRule> CompileText(const std::string& text, Diagnostics& diagnostics,
                                           const CorrelationNameCheck& is_correlation = {}) {
  const std::vector<SigmaDocument> documents = ParseRuleText(text, "c.yml", diagnostics);
  for (const SigmaDocument& document : documents) {
    if (document.kind == DocumentKind::kCorrelation) {
      return CompileCorrelation(document, "c.yml", Lookup, is_correlation, diagnostics);
    }
  }
  ADD_FAILURE() << "no correlation document in:\n" << text;
  return std::nullopt;
}

CorrelationRule MustCompile(const std::string& body) {
  Diagnostics diagnostics;
  std::optional<CorrelationRule> rule = CompileText(CorrelationText(body), diagnostics);
  for (const Diagnostic& d : diagnostics.items()) {
    ADD_FAILURE() << d.ToString();
  }
  return rule.has_value() ? *std::move(rule) : CorrelationRule{};
}

// The one diagnostic of `code`, as `line:column`; empty when there is none.
std::string Where(const Diagnostics& diagnostics, std::string_view code) {
  for (const Diagnostic& d : diagnostics.items()) {
    if (d.code == code) {
      return std::to_string(d.location.line) + ":" + std::to_string(d.location.column);
    }
  }
  return "";
}

// `e<i>`, built by appending: GCC 12 misreports "e" + std::string as -Wrestrict (see Quote).
std::string Id(int i) {
  std::string id = "e";
  id += std::to_string(i);
  return id;
}

int64_t Base() {
  return *event::ParseEventTime("2024-01-01T00:00:00Z");
}

// A record at `offset_ns` after 2024-01-01T00:00:00Z; `extra` is more JSON members.
std::string Record(int64_t offset_ns, const std::string& id, const std::string& extra = "",
                   const std::string& account = "111122223333") {
  std::string json = R"({"eventID":")" + id + R"(","eventTime":")" +
                     event::FormatEventTime(Base() + offset_ns) + R"(","recipientAccountId":")" +
                     account + "\"";
  if (!extra.empty()) {
    json += "," + extra;
  }
  return json + "}";
}

// Feeds records to one engine and collects every alert.
class Feeder {
 public:
  explicit Feeder(std::vector<CorrelationRule> rules, CorrelationOptions options = {})
      : rules_(std::move(rules)), engine_(rules_, options) {}

  // Returns the alerts this record produced.
  std::vector<CorrelationAlert> Feed(const std::string& json, std::vector<uint32_t> matched = {0}) {
    std::shared_ptr<const event::ParsedJson> document;
    EXPECT_EQ(event::ParsedJson::Parse(parser_, json, document), simdjson::SUCCESS) << json;
    std::vector<CorrelationAlert> alerts;
    if (document) {
      const event::Event event(document, document->root(), event::Position{},
                               event::EnvelopeKind::kBare);
      engine_.Observe(event, matched, alerts);
    }
    all_.insert(all_.end(), alerts.begin(), alerts.end());
    return alerts;
  }
  std::vector<CorrelationAlert> Flush() {
    std::vector<CorrelationAlert> alerts;
    engine_.Flush(alerts);
    all_.insert(all_.end(), alerts.begin(), alerts.end());
    return alerts;
  }
  const std::vector<CorrelationAlert>& all() const { return all_; }
  const CorrelationStats& stats() const { return engine_.stats(); }

 private:
  simdjson::dom::parser parser_;
  std::vector<CorrelationRule> rules_;
  CorrelationEngine engine_;
  std::vector<CorrelationAlert> all_;
};

constexpr char kCountByArn[] =
    "  type: event_count\n  rules: [A]\n  group-by: [userIdentity.arn]\n  timespan: 5m\n"
    "  condition: {gte: 3}\n";

std::string Arn(const std::string& user) {
  return R"("userIdentity":{"arn":"arn:aws:iam::1:user/)" + user + "\"}";
}

// --- Compiling -------------------------------------------------------------------------------

TEST(CorrelationCompile, ReadsEveryKey) {
  const CorrelationRule rule = MustCompile(
      "  type: temporal_ordered\n  rules: [A, id-B]\n  group-by: recipientAccountId\n"
      "  timespan: 2h\n  condition: {gte: 1, lt: 3}\n  generate: yes\n");
  EXPECT_EQ(rule.title, "corr");
  EXPECT_EQ(rule.level, "high");
  EXPECT_EQ(rule.type, CorrelationType::kTemporalOrdered);
  EXPECT_EQ(CorrelationTypeName(rule.type), "temporal_ordered");
  EXPECT_THAT(rule.rules, ElementsAre(0u, 1u));
  ASSERT_EQ(rule.group_by.size(), 1u);
  EXPECT_EQ(rule.group_by[0].name, "recipientAccountId");
  ASSERT_EQ(rule.group_by[0].paths.size(), 2u);
  EXPECT_EQ(rule.group_by[0].paths[1].text(), "recipientAccountId");
  EXPECT_EQ(rule.timespan_ns, 2 * 60 * kMinute);
  EXPECT_EQ(rule.gte, 1);
  EXPECT_EQ(rule.lt, 3);
  EXPECT_TRUE(rule.upper_bound());
  EXPECT_TRUE(rule.generate);
}

TEST(CorrelationCompile, TimespansPerChecklist79) {
  const struct {
    const char* text;
    int64_t want;  // 0: correlation-syntax
  } rows[] = {{"5m", 5 * kMinute},
              {"1h", 60 * kMinute},
              {"2d", 48 * 60 * kMinute},
              {"30s", 30 * kSecond},
              {"5x", 0},
              {"m5", 0},
              {"-5m", 0},
              {"0m", 0},
              {"5", 0},
              {"1.5h", 0},
              {"'5 m'", 0},
              {"99999999999999999d", 0}};
  for (const auto& row : rows) {
    SCOPED_TRACE(row.text);
    Diagnostics diagnostics;
    const std::optional<CorrelationRule> rule =
        CompileText(CorrelationText("  type: event_count\n  rules: [A]\n  group-by: [eventName]\n"
                                    "  condition: {gt: 1}\n  timespan: " +
                                    std::string(row.text) + "\n"),
                    diagnostics);
    if (row.want == 0) {
      EXPECT_FALSE(rule.has_value());
      EXPECT_EQ(Where(diagnostics, "correlation-syntax"), "9:13");
    } else {
      ASSERT_TRUE(rule.has_value());
      EXPECT_EQ(rule->timespan_ns, row.want);
    }
  }
}

TEST(CorrelationCompile, ConditionsPerChecklist95) {
  const struct {
    const char* condition;
    bool ok;
  } rows[] = {{"{gte: 2.5}", false},
              {"{gte: '3'}", false},
              {"{gt: 1, gte: 2}", false},
              {"{eq: 3, lt: 5}", false},
              {"{lt: 1, lte: 2}", false},
              {"{foo: 1}", false},
              {"{}", false},
              {"5", false},
              {"{gte: x}", false},
              {"{gt: 100, lte: 200}", true},
              {"{neq: 0}", true},
              {"{eq: 0x10}", true}};
  for (const auto& row : rows) {
    SCOPED_TRACE(row.condition);
    Diagnostics diagnostics;
    const std::optional<CorrelationRule> rule =
        CompileText(CorrelationText("  type: event_count\n  rules: [A]\n  group-by: [eventName]\n"
                                    "  timespan: 5m\n  condition: " +
                                    std::string(row.condition) + "\n"),
                    diagnostics);
    EXPECT_EQ(rule.has_value(), row.ok);
    EXPECT_EQ(diagnostics.Has("correlation-syntax"), !row.ok);
    if (!row.ok) {
      EXPECT_EQ(Where(diagnostics, "correlation-syntax").substr(0, 2), "9:");
    }
  }
  EXPECT_EQ(MustCompile("  type: event_count\n  rules: [A]\n  group-by: [x]\n  timespan: 5m\n"
                        "  condition: {eq: 0x10}\n")
                .eq,
            16);
}

TEST(CorrelationCompile, UnknownAndChainedReferences) {
  Diagnostics diagnostics;
  const auto is_correlation = [](const std::string& name) { return name == "other_corr"; };
  EXPECT_FALSE(CompileText(CorrelationText("  type: temporal\n  rules:\n    - A\n    - Nope\n"
                                           "    - other_corr\n  group-by: [x]\n"
                                           "  timespan: 5m\n"),
                           diagnostics, is_correlation)
                   .has_value());
  EXPECT_EQ(Where(diagnostics, "unknown-rule-reference"), "8:7");
  EXPECT_EQ(Where(diagnostics, "unsupported-correlation"), "9:7");
  Diagnostics without_check;
  CompileText(CorrelationText("  type: temporal\n  rules: [A, other_corr]\n  timespan: 5m\n"),
              without_check);
  EXPECT_EQ(Where(without_check, "unknown-rule-reference"), "6:14");
}

TEST(CorrelationCompile, UnsupportedTypes) {
  for (const char* type : {"value_sum", "value_avg", "value_percentile", "count"}) {
    SCOPED_TRACE(type);
    Diagnostics diagnostics;
    EXPECT_FALSE(CompileText(CorrelationText(std::string("  type: ") + type +
                                             "\n  rules: [A]\n  group-by: [x]\n"
                                             "  timespan: 5m\n  condition: {gt: 1}\n"),
                             diagnostics)
                     .has_value());
    EXPECT_EQ(Where(diagnostics, "unsupported-correlation"), "5:9");
  }
}

TEST(CorrelationCompile, MissingKeys) {
  Diagnostics diagnostics;
  EXPECT_FALSE(CompileText("level: low\ncorrelation:\n  type: event_count\n  rules: [A]\n"
                           "  group-by: [x]\n  timespan: 5m\n",
                           diagnostics)
                   .has_value());
  std::vector<std::string> missing;
  for (const Diagnostic& d : diagnostics.items()) {
    if (d.code == "missing-key") {
      missing.push_back(d.message.substr(0, 30) + "@" + std::to_string(d.location.line) + ":" +
                        std::to_string(d.location.column));
    }
  }
  // title and id at the document, condition at the `correlation` map.
  EXPECT_THAT(missing, ElementsAre("the correlation has no 'title'@1:1",
                                   "the correlation has no 'id'; a@1:1",
                                   "the correlation has no 'condit@3:3"));
}

TEST(CorrelationCompile, ValueCountNeedsField) {
  Diagnostics diagnostics;
  EXPECT_FALSE(CompileText(CorrelationText("  type: value_count\n  rules: [A]\n  group-by: [x]\n"
                                           "  timespan: 5m\n  condition: {gte: 3}\n"),
                           diagnostics)
                   .has_value());
  EXPECT_EQ(Where(diagnostics, "missing-key"), "9:14");
  const CorrelationRule rule = MustCompile(
      "  type: value_count\n  rules: [A]\n  group-by: [x]\n  timespan: 5m\n"
      "  condition: {gte: 3, field: eventName}\n");
  EXPECT_EQ(rule.value_field_name, "eventName");
  EXPECT_EQ(rule.value_field.text(), "eventName");
}

TEST(CorrelationCompile, TemporalConditionDefaultsToAllRules) {
  const CorrelationRule rule =
      MustCompile("  type: temporal\n  rules: [A, B, C]\n  group-by: [x]\n  timespan: 5m\n");
  EXPECT_EQ(rule.gte, 3);
  EXPECT_FALSE(rule.upper_bound());
  EXPECT_FALSE(rule.generate);
}

TEST(CorrelationCompile, MissingGroupByWarnsAndLoads) {
  Diagnostics diagnostics;
  const std::optional<CorrelationRule> rule = CompileText(
      CorrelationText("  type: event_count\n  rules: A\n  timespan: 5m\n  condition: {gt: 1}\n"),
      diagnostics);
  ASSERT_TRUE(rule.has_value());
  EXPECT_TRUE(rule->group_by.empty());
  EXPECT_THAT(rule->rules, ElementsAre(0u));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].severity, Severity::kWarning);
  EXPECT_EQ(Where(diagnostics, "correlation-no-group-by"), "5:3");
  EXPECT_EQ(diagnostics.items()[0].rule_title, "corr");
}

TEST(CorrelationCompile, AliasesResolvePerRule) {
  const CorrelationRule rule = MustCompile(
      "  type: temporal\n  rules: [A, B]\n  group-by: [ip]\n  timespan: 5m\n  aliases:\n"
      "    ip:\n      A: sourceIPAddress\n      id-B: requestParameters.ipAddress\n");
  ASSERT_EQ(rule.group_by.size(), 1u);
  EXPECT_EQ(rule.group_by[0].paths[0].text(), "sourceIPAddress");
  EXPECT_EQ(rule.group_by[0].paths[1].text(), "requestParameters.ipAddress");
  Diagnostics diagnostics;
  EXPECT_FALSE(CompileText(CorrelationText("  type: temporal\n  rules: [A, B]\n  group-by: [ip]\n"
                                           "  timespan: 5m\n  aliases:\n    ip:\n"
                                           "      A: sourceIPAddress\n      C: x\n"),
                           diagnostics)
                   .has_value());
  EXPECT_EQ(Where(diagnostics, "correlation-syntax"), "12:7");  // C is not referenced
}

TEST(CorrelationCompile, BadShapesAreDiagnosedNotThrown) {
  const char* bodies[] = {
      "  [1, 2]\n",
      "  type: event_count\n  rules: {a: b}\n  timespan: 5m\n  condition: {gt: 1}\n",
      "  type: [event_count]\n  rules: [A]\n  timespan: {x: 1}\n  condition: {gt: 1}\n",
      ("  type: event_count\n  rules: [[A]]\n  group-by: {a: 1}\n  timespan: 5m\n"
       "  condition: {gt: [1]}\n  generate: maybe\n  window: 5m\n"),
  };
  for (const char* body : bodies) {
    SCOPED_TRACE(body);
    Diagnostics diagnostics;
    EXPECT_FALSE(CompileText(CorrelationText(body), diagnostics).has_value());
    EXPECT_TRUE(diagnostics.has_errors());
  }
}

TEST(CorrelationCompile, LocationsCountFromTheFileNotTheDocument) {
  Diagnostics diagnostics;
  const std::string text =
      "title: base\nid: 9e7d0c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6\nname: A\n"
      "logsource: {product: aws}\ndetection:\n  s: {eventName: X}\n  condition: s\n---\n" +
      CorrelationText(
          "  type: event_count\n  rules: [A]\n  group-by: [x]\n  timespan: 5q\n"
          "  condition: {gt: 1}\n");
  EXPECT_FALSE(CompileText(text, diagnostics).has_value());
  EXPECT_EQ(Where(diagnostics, "correlation-syntax"), "16:13");
}

TEST(CorrelationCompile, GenerateFalseSilencesReferencedRules) {
  CorrelationRule silent = MustCompile(
      "  type: temporal\n  rules: [A, B]\n  group-by: [x]\n  timespan: 5m\n  generate: false\n");
  CorrelationRule loud = MustCompile(
      "  type: temporal\n  rules: [B, C]\n  group-by: [x]\n  timespan: 5m\n  generate: true\n");
  EXPECT_THAT(RulesWithoutOwnAlerts({silent, loud}, 4), ElementsAre(true, false, false, false));
  EXPECT_THAT(RulesWithoutOwnAlerts({silent}, 4), ElementsAre(true, true, false, false));
}

// --- The engine ------------------------------------------------------------------------------

TEST(CorrelationEngine, EventCountPerChecklist80) {
  {
    Feeder feeder({MustCompile(kCountByArn)});
    EXPECT_TRUE(feeder.Feed(Record(0, "e1", Arn("bob"))).empty());
    EXPECT_TRUE(feeder.Feed(Record(1 * kMinute, "e2", Arn("bob"))).empty());
    EXPECT_EQ(feeder.Feed(Record(4 * kMinute, "e3", Arn("bob"))).size(), 1u);
  }
  {
    Feeder feeder({MustCompile(kCountByArn)});
    for (int i = 0; i < 3; ++i) {
      feeder.Feed(Record(i * 4 * kMinute, Id(i), Arn("bob")));
    }
    EXPECT_TRUE(feeder.Flush().empty());
    EXPECT_TRUE(feeder.all().empty());
  }
  {
    Feeder feeder({MustCompile(kCountByArn)});
    for (const char* user : {"a", "b", "c"}) {
      feeder.Feed(Record(0, user, Arn(user)));
    }
    EXPECT_TRUE(feeder.all().empty());
  }
}

TEST(CorrelationEngine, AlertCarriesGroupWindowAndRecords) {
  Feeder feeder(
      {MustCompile("  type: event_count\n  rules: [A]\n  timespan: 5m\n"
                   "  group-by: [userIdentity.arn, eventName, recipientAccountId]\n"
                   "  condition: {gte: 2}\n")});
  feeder.Feed(Record(10 * kSecond, "e1", Arn("bob")));
  const std::vector<CorrelationAlert> alerts =
      feeder.Feed(Record(70 * kSecond, "e2", Arn("bob"), "999"));
  ASSERT_EQ(alerts.size(), 0u);  // another account is another group
  const std::vector<CorrelationAlert> fired = feeder.Feed(Record(90 * kSecond, "e3", Arn("bob")));
  ASSERT_EQ(fired.size(), 1u);
  const CorrelationAlert& alert = fired[0];
  EXPECT_EQ(alert.rule->title, "corr");
  EXPECT_THAT(
      alert.group,
      ElementsAre(Pair("userIdentity.arn", std::optional<std::string>("arn:aws:iam::1:user/bob")),
                  Pair("eventName", std::nullopt),
                  Pair("recipientAccountId", std::optional<std::string>("111122223333"))));
  EXPECT_EQ(alert.group_json, R"({"eventName":null,"recipientAccountId":"111122223333",)"
                              R"("userIdentity.arn":"arn:aws:iam::1:user/bob"})");
  EXPECT_EQ(alert.event_id, "e3");
  EXPECT_EQ(alert.first_event_id, "e1");
  EXPECT_EQ(alert.account, "111122223333");
  EXPECT_EQ(alert.first_time_ns, Base() + 10 * kSecond);
  EXPECT_EQ(alert.last_time_ns, Base() + 90 * kSecond);
  EXPECT_EQ(alert.count, 2u);
  EXPECT_THAT(alert.event_ids, ElementsAre("e1", "e3"));
}

TEST(CorrelationEngine, SlidingWindowDiscardsWhatAlerted) {
  Feeder feeder({MustCompile(kCountByArn)});
  for (int i = 0; i < 3; ++i) {
    feeder.Feed(Record(i * kMinute, Id(i), Arn("bob")));
  }
  ASSERT_EQ(feeder.all().size(), 1u);
  EXPECT_TRUE(feeder.Feed(Record(3 * kMinute, "e3", Arn("bob"))).empty());
  EXPECT_TRUE(feeder.Feed(Record(3 * kMinute, "e4", Arn("bob"))).empty());
  const std::vector<CorrelationAlert> again = feeder.Feed(Record(4 * kMinute, "e5", Arn("bob")));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_THAT(again[0].event_ids, ElementsAre("e3", "e4", "e5"));
}

TEST(CorrelationEngine, WindowIsTheTimespanBeforeTheNewRecord) {
  Feeder feeder({MustCompile(kCountByArn)});
  feeder.Feed(Record(0, "e1", Arn("bob")));
  feeder.Feed(Record(5 * kMinute, "e2", Arn("bob")));  // t - 5m is included
  EXPECT_EQ(feeder.Feed(Record(5 * kMinute, "e3", Arn("bob"))).size(), 1u);
}

TEST(CorrelationEngine, RecordMatchingTwoRulesCountsOnce) {
  Feeder feeder(
      {MustCompile("  type: event_count\n  rules: [A, B]\n  group-by: [x]\n"
                   "  timespan: 5m\n  condition: {gte: 2}\n")});
  EXPECT_TRUE(feeder.Feed(Record(0, "e1"), {0, 1}).empty());
  EXPECT_EQ(feeder.Feed(Record(kSecond, "e2"), {1}).size(), 1u);
}

TEST(CorrelationEngine, MissingGroupFieldIsTheNullGroupPerChecklist81) {
  Feeder feeder({MustCompile(kCountByArn)});
  feeder.Feed(Record(0, "e1"));
  feeder.Feed(Record(20 * kSecond, "e2", R"("userIdentity":{"arn":null})"));
  const std::vector<CorrelationAlert> alerts = feeder.Feed(Record(40 * kSecond, "e3"));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_THAT(alerts[0].group, ElementsAre(Pair("userIdentity.arn", std::nullopt)));
  EXPECT_EQ(alerts[0].group_json, R"({"userIdentity.arn":null})");
}

TEST(CorrelationEngine, SeveralCandidatesGroupByTheirJsonList) {
  Feeder feeder(
      {MustCompile("  type: event_count\n  rules: [A]\n  group-by: [resources.ARN]\n"
                   "  timespan: 5m\n  condition: {gte: 2}\n")});
  const std::string two = R"("resources":[{"ARN":"arn:x"},{"ARN":"arn:y"}])";
  feeder.Feed(Record(0, "e1", two));
  feeder.Feed(Record(0, "e2", R"("resources":[{"ARN":"arn:x"}])"));
  const std::vector<CorrelationAlert> alerts = feeder.Feed(Record(kSecond, "e3", two));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].group[0].second, R"(["arn:x","arn:y"])");
  EXPECT_THAT(alerts[0].event_ids, ElementsAre("e1", "e3"));
}

TEST(CorrelationEngine, ValueCountPerChecklist82) {
  const char* body =
      "  type: value_count\n  rules: [A]\n  group-by: [recipientAccountId]\n  timespan: 5m\n"
      "  condition: {gte: 3, field: eventName}\n";
  {
    Feeder feeder({MustCompile(body)});
    feeder.Feed(Record(0, "e1", R"("eventName":"ListBuckets")"));
    feeder.Feed(Record(kSecond, "e2", R"("eventName":"ListUsers")"));
    const std::vector<CorrelationAlert> alerts =
        feeder.Feed(Record(2 * kSecond, "e3", R"("eventName":"ListRoles")"));
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].count, 3u);
  }
  {
    Feeder feeder({MustCompile(body)});
    for (int i = 0; i < 5; ++i) {
      feeder.Feed(Record(i * kSecond, Id(i), R"("eventName":"ListBuckets")"));
    }
    feeder.Feed(Record(6 * kSecond, "n1"));  // no field: adds nothing
    feeder.Feed(Record(7 * kSecond, "c1", R"("eventName":"listbuckets")"));  // case-sensitive
    EXPECT_TRUE(feeder.all().empty());
    EXPECT_EQ(feeder.Feed(Record(8 * kSecond, "a1", R"("eventName":["x","ListBuckets"])")).size(),
              1u);  // each array element is a value
  }
}

TEST(CorrelationEngine, TemporalPerChecklist83) {
  const char* body =
      "  type: temporal\n  rules: [A, B]\n  group-by: [recipientAccountId]\n  timespan: 5m\n";
  {
    Feeder feeder({MustCompile(body)});
    feeder.Feed(Record(0, "a", "", "acct1"), {0});
    const std::vector<CorrelationAlert> alerts =
        feeder.Feed(Record(kMinute, "b", "", "acct1"), {1});
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].count, 2u);
    EXPECT_EQ(alerts[0].account, "acct1");
  }
  {
    Feeder feeder({MustCompile(body)});
    feeder.Feed(Record(0, "a", "", "acct1"), {0});
    feeder.Feed(Record(kMinute, "b", "", "acct2"), {1});
    feeder.Feed(Record(2 * kMinute, "a2", "", "acct1"), {0});  // the same rule twice is not both
    EXPECT_TRUE(feeder.all().empty());
  }
  {
    Feeder feeder({MustCompile(body)});
    feeder.Feed(Record(0, "a", "", "acct1"), {0});
    feeder.Feed(Record(6 * kMinute, "b", "", "acct1"), {1});
    EXPECT_TRUE(feeder.all().empty());
  }
}

TEST(CorrelationEngine, TemporalOrderedPerChecklist84) {
  const char* body =
      "  type: temporal_ordered\n  rules: [A, B, C]\n  group-by: [recipientAccountId]\n"
      "  timespan: 10m\n";
  Feeder in_order({MustCompile(body)});
  in_order.Feed(Record(0, "a"), {0});
  in_order.Feed(Record(kMinute, "b"), {1});
  EXPECT_EQ(in_order.Feed(Record(2 * kMinute, "c"), {2}).size(), 1u);

  Feeder out_of_order({MustCompile(body)});
  out_of_order.Feed(Record(0, "a"), {0});
  out_of_order.Feed(Record(kMinute, "c"), {2});
  EXPECT_TRUE(out_of_order.Feed(Record(2 * kMinute, "b"), {1}).empty());
  const std::vector<CorrelationAlert> later = out_of_order.Feed(Record(3 * kMinute, "c2"), {2});
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].event_id, "c2");
  EXPECT_THAT(later[0].event_ids, ElementsAre("a", "c", "b", "c2"));

  // Order is eventTime, not arrival; equal times count as in order.
  Feeder by_time({MustCompile(body)});
  by_time.Feed(Record(2 * kMinute, "c"), {2});
  by_time.Feed(Record(kMinute, "b"), {1});
  EXPECT_EQ(by_time.Feed(Record(0, "a"), {0}).size(), 0u);  // window [t-10m, t] holds only a
  Feeder equal_times({MustCompile(body)});
  equal_times.Feed(Record(kMinute, "c"), {2});
  equal_times.Feed(Record(kMinute, "b"), {1});
  equal_times.Feed(Record(0, "a"), {0});
  EXPECT_EQ(equal_times.Feed(Record(kMinute, "b2"), {1}).size(), 1u);
  // One record matching A and B cannot be both steps, but another can take B's place.
  Feeder shared({MustCompile(body)});
  shared.Feed(Record(0, "ab"), {0, 1});
  EXPECT_TRUE(shared.Feed(Record(kMinute, "c"), {2}).empty());
  Feeder matched_set({MustCompile(body)});
  matched_set.Feed(Record(0, "ab"), {0, 1});
  matched_set.Feed(Record(0, "a"), {0});
  EXPECT_EQ(matched_set.Feed(Record(kMinute, "c"), {2}).size(), 1u);
}

TEST(CorrelationEngine, AliasesPerChecklist85) {
  Feeder feeder({MustCompile(
      "  type: temporal\n  rules: [A, B]\n  group-by: [ip]\n  timespan: 5m\n  aliases:\n"
      "    ip:\n      A: sourceIPAddress\n      B: requestParameters.ipAddress\n")});
  feeder.Feed(Record(0, "x", R"("sourceIPAddress":"1.2.3.4")"), {0});
  EXPECT_TRUE(
      feeder.Feed(Record(kSecond, "y1", R"("requestParameters":{"ipAddress":"5.6.7.8"})"), {1})
          .empty());
  const std::vector<CorrelationAlert> alerts = feeder.Feed(
      Record(2 * kSecond, "y2",
             R"("sourceIPAddress":"5.6.7.8","requestParameters":{"ipAddress":"1.2.3.4"})"),
      {1});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].group_json, R"({"ip":"1.2.3.4"})");
  EXPECT_THAT(alerts[0].event_ids, ElementsAre("x", "y2"));
}

TEST(CorrelationEngine, RangeAlertsWhenTheWatermarkPassesTheClosePerChecklist87) {
  const char* body =
      "  type: event_count\n  rules: [A]\n  group-by: [recipientAccountId]\n  timespan: 10m\n"
      "  condition: {gt: 100, lte: 200}\n";
  for (const int records : {150, 250}) {
    SCOPED_TRACE(records);
    Feeder feeder({MustCompile(body)});
    for (int i = 0; i < records; ++i) {
      EXPECT_TRUE(feeder.Feed(Record(i * kSecond, Id(i))).empty());
    }
    // Close at 10m; lateness 15m: a record at 25m exactly does not pass it, one later does.
    EXPECT_TRUE(feeder.Feed(Record(25 * kMinute, "tick1"), {3}).empty());
    const std::vector<CorrelationAlert> alerts =
        feeder.Feed(Record(25 * kMinute + kSecond, "tick2"), {3});
    EXPECT_EQ(alerts.size(), records == 150 ? 1u : 0u);
    if (!alerts.empty()) {
      EXPECT_EQ(alerts[0].count, 150u);
      EXPECT_EQ(alerts[0].event_id, "e149");  // the window's last record
      EXPECT_EQ(alerts[0].first_event_id, "e0");
      EXPECT_EQ(alerts[0].event_ids.size(), 150u);
    }
    EXPECT_TRUE(feeder.Flush().empty());
  }
}

TEST(CorrelationEngine, UpperBoundAlertsAtFlushAndReopens) {
  Feeder feeder(
      {MustCompile("  type: event_count\n  rules: [A]\n  group-by: [recipientAccountId]"
                   "\n  timespan: 5m\n  condition: {lt: 5}\n")});
  EXPECT_TRUE(feeder.Feed(Record(0, "e1")).empty());  // not on the first record
  EXPECT_TRUE(feeder.Feed(Record(kMinute, "e2")).empty());
  EXPECT_TRUE(feeder.Feed(Record(7 * kMinute, "e3")).empty());  // opens the next window
  const std::vector<CorrelationAlert> alerts = feeder.Flush();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].count, 2u);
  EXPECT_THAT(alerts[0].event_ids, ElementsAre("e1", "e2"));
  EXPECT_EQ(alerts[0].event_id, "e2");
  EXPECT_THAT(alerts[1].event_ids, ElementsAre("e3"));
  EXPECT_EQ(feeder.stats().open_groups, 0u);
}

TEST(CorrelationEngine, LateRecordsPerChecklist88) {
  Feeder feeder({MustCompile(kCountByArn)});
  feeder.Feed(Record(30 * kMinute, "e1", Arn("bob")));
  feeder.Feed(Record(20 * kMinute, "other", Arn("ann")));  // 10m older: joins
  feeder.Feed(Record(10 * kMinute, "late", Arn("bob")));   // 20m older: late
  EXPECT_EQ(feeder.stats().late_events, 1u);
  feeder.Feed(Record(22 * kMinute, "e2", Arn("ann")));
  const std::vector<CorrelationAlert> alerts = feeder.Feed(Record(24 * kMinute, "e3", Arn("ann")));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_THAT(alerts[0].event_ids, ElementsAre("other", "e2", "e3"));
  EXPECT_EQ(feeder.stats().late_events, 1u);
}

TEST(CorrelationEngine, RecordsWithoutTimeAreCountedAndSkipped) {
  Feeder feeder({MustCompile(kCountByArn)});
  for (const char* id : {"n1", "n2", "n3"}) {
    feeder.Feed(std::string(R"({"eventID":")") + id + R"(","eventTime":"yesterday"})");
  }
  EXPECT_EQ(feeder.stats().events_without_time, 3u);
  feeder.Feed(R"({"eventID":"n4"})", {3});  // referenced by no correlation: not counted
  EXPECT_EQ(feeder.stats().events_without_time, 3u);
  EXPECT_EQ(feeder.stats().open_groups, 0u);
  EXPECT_TRUE(feeder.all().empty());
}

TEST(CorrelationEngine, UnreferencedRecordsStillMoveTheClock) {
  Feeder feeder({MustCompile(kCountByArn)});
  feeder.Feed(Record(0, "e1", Arn("bob")), {3});
  feeder.Feed(Record(60 * kMinute, "e2", Arn("bob")), {});
  feeder.Feed(Record(30 * kMinute, "old", Arn("bob")));
  EXPECT_EQ(feeder.stats().late_events, 1u);
  EXPECT_EQ(feeder.stats().open_groups, 0u);
}

TEST(CorrelationEngine, StateIsBoundedAndEvictionsCounted) {
  CorrelationOptions options;
  options.max_groups_per_rule = 2;
  options.max_events_per_group = 2;
  Feeder feeder({MustCompile("  type: event_count\n  rules: [A]\n  group-by: [userIdentity.arn]"
                             "\n  timespan: 5m\n  condition: {gte: 3}\n")},
                options);
  feeder.Feed(Record(0, "a1", Arn("a")));
  feeder.Feed(Record(0, "b1", Arn("b")));
  feeder.Feed(Record(kSecond, "a2", Arn("a")));  // b is now the least recently updated
  feeder.Feed(Record(2 * kSecond, "c1", Arn("c")));
  EXPECT_EQ(feeder.stats().evicted_groups, 1u);
  EXPECT_EQ(feeder.stats().open_groups, 2u);
  feeder.Feed(Record(3 * kSecond, "a3", Arn("a")));  // a holds at most 2 records
  EXPECT_EQ(feeder.stats().evicted_events, 1u);
  EXPECT_TRUE(feeder.all().empty());
  feeder.Feed(Record(4 * kSecond, "b2", Arn("b")));  // b starts over
  EXPECT_EQ(feeder.stats().evicted_groups, 2u);
}

TEST(CorrelationEngine, IdleGroupsAreSweptAsTheWatermarkMoves) {
  Feeder feeder({MustCompile(kCountByArn)});
  feeder.Feed(Record(0, "a1", Arn("a")));
  feeder.Feed(Record(0, "b1", Arn("b")));
  EXPECT_EQ(feeder.stats().open_groups, 2u);
  feeder.Feed(Record(60 * kMinute, "c1", Arn("c")));
  EXPECT_EQ(feeder.stats().open_groups, 1u);
}

}  // namespace
}  // namespace trailhound::rules
