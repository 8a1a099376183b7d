// tests/rules/compile_rule_test.cc: whole rules, from YAML text to a verdict on a JSON record,
// one row per SIGMA.md §16 checklist item about matching (13-25, 36-45, 49, 59, 62-65, 68-70,
// 75, 76). Each row is a detection section and a record.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "rules/compiled_rule.h"
#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

std::string RuleText(const std::string& detection) {
  return "title: t\nid: 4db60cc0-36fb-42b7-9b58-a5b53019fb74\nlevel: low\n"
         "logsource: {product: aws, service: cloudtrail}\ndetection:\n" +
         detection;
}

std::optional<CompiledRule> Compile(const std::string& detection, Diagnostics& diagnostics,
                                    const CompileOptions& options = {}) {
  const std::vector<SigmaDocument> documents =
      ParseRuleText(RuleText(detection), "t.yml", diagnostics);
  if (documents.size() != 1 || !documents[0].loaded) {
    return std::nullopt;
  }
  return CompileRule(documents[0].rule, "t.yml", options, diagnostics);
}

bool Matches(const CompiledRule& rule, const std::string& json) {
  simdjson::dom::parser parser;
  std::shared_ptr<const event::ParsedJson> document;
  EXPECT_EQ(event::ParsedJson::Parse(parser, json, document), simdjson::SUCCESS) << json;
  if (!document) {
    return false;
  }
  const event::Event event(document, document->root(), event::Position{},
                           event::EnvelopeKind::kBare);
  EvalScratch scratch;
  return RuleMatches(rule, event, scratch);
}

struct Row {
  const char* name;
  const char* detection;  // YAML under `detection:`, two-space indented
  const char* record;
  bool want;
};

TEST(CompiledRule, MatchesPerTheSigmaChecklist) {
  const Row rows[] = {
      {"13 nested", "  s: {userIdentity.type: Root}\n  condition: s\n",
       R"({"userIdentity":{"type":"Root"}})", true},
      {"13 four levels",
       "  s: {userIdentity.sessionContext.sessionIssuer.type: Role}\n  condition: s\n",
       R"({"userIdentity":{"sessionContext":{"sessionIssuer":{"type":"Role"}}}})", true},
      {"14 arrays", "  s: {resources.ARN: 'arn:x'}\n  condition: s\n",
       R"({"resources":[{"ARN":"arn:y"},{"ARN":"arn:x"}]})", true},
      {"15 nested arrays",
       "  s: {requestParameters.containerDefinitions.command|contains: "
       "'$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'}\n  condition: s\n",
       R"({"requestParameters":{"containerDefinitions":[{"command":["sh","-c","curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]}]}})",
       true},
      {"16 literal key", "  s: {a.b.c: 1}\n  condition: s\n", R"({"a.b.c":1})", true},
      {"16 partial literal", "  s: {a.b.c: 1}\n  condition: s\n", R"({"a":{"b.c":1}})", true},
      {"16 literal wins", "  s: {a.b.c: 1}\n  condition: s\n",
       R"({"a.b":{"c":2},"a":{"b":{"c":1}}})", false},
      {"17 through scalar", "  s: {eventName.x: y}\n  condition: s\n", R"({"eventName":"y"})",
       false},
      {"18 case-sensitive keys", "  s: {eventname: StopLogging}\n  condition: s\n",
       R"({"eventName":"StopLogging"})", false},
      {"19 both items",
       "  s: {eventSource: s3.amazonaws.com, eventName: ListBuckets}\n  condition: s\n",
       R"({"eventSource":"s3.amazonaws.com","eventName":"GetObject"})", false},
      {"20 value list", "  s: {eventName: [StopLogging, DeleteTrail]}\n  condition: s\n",
       R"({"eventName":"DeleteTrail"})", true},
      {"21 list of maps",
       "  s:\n    - eventSource: ssm.amazonaws.com\n    - sourceIPAddress: AWS Internal\n"
       "  condition: s\n",
       R"({"sourceIPAddress":"AWS Internal"})", true},
      {"22 contains all yes", "  s: {F|contains|all: [a, b]}\n  condition: s\n", R"({"F":"xbxa"})",
       true},
      {"22 contains all no", "  s: {F|contains|all: [a, b]}\n  condition: s\n", R"({"F":"xa"})",
       false},
      {"23 keyword in leaf", "  k: [foo, bar]\n  condition: k\n", R"({"x":{"y":"aFOOb"}})", true},
      {"23 keyword only a key", "  k: [foo, bar]\n  condition: k\n", R"({"foo":1})", false},
      {"23 keyword number", "  k: [4624]\n  condition: k\n", R"({"x":4624})", false},
      {"24 keyword all yes", "  k: {'|all': [foo, bar]}\n  condition: k\n",
       R"({"x":"foo","y":"bar"})", true},
      {"24 keyword all no", "  k: {'|all': [foo, bar]}\n  condition: k\n", R"({"x":"foo"})", false},
      {"25 empty list absent", "  s: {F: []}\n  condition: s\n", R"({})", true},
      {"25 empty list present", "  s: {F: []}\n  condition: s\n", R"({"F":"x"})", false},
      {"36 null absent", "  s: {errorCode: null}\n  condition: s\n", R"({})", true},
      {"36 null null", "  s: {errorCode: null}\n  condition: s\n", R"({"errorCode":null})", true},
      {"36 null empty", "  s: {errorCode: null}\n  condition: s\n", R"({"errorCode":""})", false},
      {"37 empty string", "  s: {errorCode: ''}\n  condition: s\n", R"({"errorCode":""})", true},
      {"37 empty vs absent", "  s: {errorCode: ''}\n  condition: s\n", R"({})", false},
      {"38 null through null", "  s: {a.b: null}\n  condition: s\n", R"({"a":null})", true},
      {"38 null empty array", "  s: {a.b: null}\n  condition: s\n", R"({"a":{"b":[]}})", true},
      {"38 object not null", "  s: {a.b: null}\n  condition: s\n", R"({"a":{"b":{}}})", false},
      {"39 number", "  s: {F: 4624}\n  condition: s\n", R"({"F":4624})", true},
      {"39 number as string", "  s: {F: 4624}\n  condition: s\n", R"({"F":"4624"})", true},
      {"39 number as float", "  s: {F: 4624}\n  condition: s\n", R"({"F":4624.0})", true},
      {"39 leading zero", "  s: {F: 4624}\n  condition: s\n", R"({"F":"04624"})", false},
      {"39 not a bool", "  s: {F: 4624}\n  condition: s\n", R"({"F":true})", false},
      {"40 string vs number", "  s: {F: '4624'}\n  condition: s\n", R"({"F":4624})", true},
      {"40 contains in number", "  s: {F|contains: '62'}\n  condition: s\n", R"({"F":4624})", true},
      {"41 true text", "  s: {responseElements.publiclyAccessible: 'true'}\n  condition: s\n",
       R"({"responseElements":{"publiclyAccessible":true}})", true},
      {"42 bool vs TRUE", "  s: {F: true}\n  condition: s\n", R"({"F":"TRUE"})", true},
      {"42 bool vs yes", "  s: {F: true}\n  condition: s\n", R"({"F":"yes"})", false},
      {"42 bool vs 1", "  s: {F: true}\n  condition: s\n", R"({"F":1})", false},
      {"43 object leaf", "  s: {F: x}\n  condition: s\n", R"({"F":{"k":"X"}})", true},
      {"43 null field", "  s: {F: x}\n  condition: s\n", R"({"F":null})", false},
      {"44 star empty string", "  s: {F|contains: '*'}\n  condition: s\n", R"({"F":""})", true},
      {"44 star absent", "  s: {F|contains: '*'}\n  condition: s\n", R"({})", false},
      {"44 star empty array", "  s: {F|contains: '*'}\n  condition: s\n", R"({"F":[]})", false},
      {"45 empty contains number", "  s: {F|contains: ''}\n  condition: s\n", R"({"F":7})", true},
      {"49 regex", "  s: {F|re: 'b.r'}\n  condition: s\n", R"({"F":"foobarbaz"})", true},
      {"52 regex arn", "  s: {userIdentity.arn|re: '.+:assumed-role/aws:.+'}\n  condition: s\n",
       R"({"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"}})", true},
      {"59 cidr", "  s: {sourceIPAddress|cidr: 10.0.0.0/8}\n  condition: s\n",
       R"({"sourceIPAddress":"10.1.2.3"})", true},
      {"59 cidr not ip", "  s: {sourceIPAddress|cidr: 10.0.0.0/8}\n  condition: s\n",
       R"({"sourceIPAddress":"AWS Internal"})", false},
      {"62 gt", "  s: {F|gt: 15}\n  condition: s\n", R"({"F":"16"})", true},
      {"63 neq hit", "  s: {F|neq: [a, b]}\n  condition: s\n", R"({"F":"a"})", false},
      {"63 neq miss", "  s: {F|neq: [a, b]}\n  condition: s\n", R"({"F":"c"})", true},
      {"63 neq absent", "  s: {F|neq: [a, b]}\n  condition: s\n", R"({})", true},
      {"64 exists null", "  s: {F|exists: true}\n  condition: s\n", R"({"F":null})", true},
      {"64 exists absent", "  s: {F|exists: true}\n  condition: s\n", R"({})", false},
      {"64 not exists", "  s: {F|exists: false}\n  condition: s\n", R"({})", true},
      {"65 fieldref case",
       "  s: {userIdentity.arn|fieldref: requestParameters.userName}\n  condition: s\n",
       R"({"userIdentity":{"arn":"Alice"},"requestParameters":{"userName":"alice"}})", true},
      {"65 fieldref absent",
       "  s: {userIdentity.arn|fieldref: requestParameters.userName}\n  condition: s\n",
       R"({"userIdentity":{"arn":"alice"}})", false},
      {"65 fieldref endswith",
       "  s: {userIdentity.arn|fieldref|endswith: requestParameters.userName}\n  condition: s\n",
       R"({"userIdentity":{"arn":"arn:aws:iam::1:user/alice"},"requestParameters":{"userName":"alice"}})",
       true},
      {"68 object contains", "  s: {requestParameters|contains: Suspended}\n  condition: s\n",
       R"({"requestParameters":{"VersioningConfiguration":{"Status":"Suspended"}}})", true},
      {"69 quoted json fragments",
       "  s:\n    requestParameters|contains|all: ['\"s3:GetObject\"', '\"Allow\"']\n  condition: "
       "s\n",
       R"({"requestParameters":{"policyDocument":"{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}"}})",
       true},
      {"70 literal dollar brace",
       "  s: {userAgent|contains: 'Jersey/${project.version}'}\n  condition: s\n",
       R"({"userAgent":"aws-sdk-java Jersey/${project.version}"})", true},
      {"75 not filter absent",
       "  selection: {eventName: ListBuckets}\n  filter: {userIdentity.type: AssumedRole}\n"
       "  condition: selection and not filter\n",
       R"({"eventName":"ListBuckets"})", true},
      {"76 one of status",
       "  selection_event_name: {eventName: DeleteBucket}\n"
       "  selection_status_success: {errorCode: null}\n"
       "  condition: selection_event_name and 1 of selection_status_*\n",
       R"({"eventName":"DeleteBucket","errorCode":"AccessDenied"})", false},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Diagnostics diagnostics;
    const std::optional<CompiledRule> rule = Compile(row.detection, diagnostics);
    ASSERT_TRUE(rule.has_value()) << (diagnostics.size() ? diagnostics.items()[0].ToString() : "");
    EXPECT_EQ(Matches(*rule, row.record), row.want) << row.record;
  }
}

TEST(CompiledRule, BadRegexAndBadCidrAreErrorsAtTheirValue) {
  Diagnostics regex;
  EXPECT_FALSE(Compile("  s: {F|re: '(a'}\n  condition: s\n", regex).has_value());
  EXPECT_TRUE(regex.Has("bad-regex"));
  Diagnostics cidr;
  EXPECT_FALSE(Compile("  s: {F|cidr: 10.0.0.1/8}\n  condition: s\n", cidr).has_value());
  EXPECT_TRUE(cidr.Has("bad-cidr"));
  EXPECT_EQ(cidr.items().back().location.line, 6);
}

TEST(CompiledRule, ExpandUsesConfiguredPlaceholders) {
  CompileOptions options;
  options.placeholders["X"] = {"a", "b"};
  Diagnostics diagnostics;
  const std::optional<CompiledRule> rule =
      Compile("  s: {F|expand: '%X%'}\n  condition: s\n", diagnostics, options);
  ASSERT_TRUE(rule.has_value());
  EXPECT_TRUE(Matches(*rule, R"({"F":"a"})"));
  EXPECT_TRUE(Matches(*rule, R"({"F":"B"})"));
  EXPECT_FALSE(Matches(*rule, R"({"F":"c"})"));
  Diagnostics unresolved;
  EXPECT_FALSE(Compile("  s: {F|expand: '%X%'}\n  condition: s\n", unresolved).has_value());
  EXPECT_TRUE(unresolved.Has("unresolved-placeholder"));
}

TEST(CompiledRule, ForeignLogsourceNeverMatches) {
  Diagnostics diagnostics;
  const std::vector<SigmaDocument> documents = ParseRuleText(
      "title: t\nid: x\nlevel: low\nlogsource: {product: windows}\n"
      "detection: {s: {F: x}, condition: s}\n",
      "w.yml", diagnostics);
  const std::optional<CompiledRule> rule =
      CompileRule(documents[0].rule, "w.yml", CompileOptions{}, diagnostics);
  ASSERT_TRUE(rule.has_value());
  EXPECT_FALSE(Matches(*rule, R"({"F":"x"})"));
  EXPECT_FALSE(diagnostics.Has("unknown-field"));  // field names are another product's business
}

// §14 warnings about field names: they load, and say why they probably never match.
TEST(CompiledRule, WarnsOfUnknownFieldsAndValuesThatLookLikeFields) {
  struct WarningRow {
    const char* detection;
    const char* code;  // expected warning, or "" for none of the two
    int line;          // of the warning, in the rule text (detection starts at line 6)
    int column;
  };
  const WarningRow rows[] = {
      {"  s: {src_ip: 10.0.0.1}\n  condition: s\n", "unknown-field", 6, 7},
      {"  s:\n    status: failure\n  condition: s\n", "unknown-field", 7, 5},
      {"  s: {eventname: CreateUser}\n  condition: s\n", "unknown-field", 6, 7},
      {"  s: {userIdentity.arn|fieldref: principal.arn}\n  condition: s\n", "unknown-field", 6, 34},
      {"  s: {userIdentity.arn: 'responseElements.accessKey.userName'}\n  condition: s\n",
       "value-looks-like-field", 6, 25},
      {"  s: {userIdentity.arn|fieldref: responseElements.user.arn}\n  condition: s\n", "", 0, 0},
      {"  s: {eventSource: iam.amazonaws.com}\n  condition: s\n", "", 0, 0},
      {"  s: {requestParameters.policyDocument|contains: 'requestParameters.x y'}\n"
       "  condition: s\n",
       "", 0, 0},
      {"  s: {trailhound.exposure.status: public}\n  condition: s\n", "", 0, 0},
      {"  s: [status]\n  condition: s\n", "", 0, 0},  // keywords name no field
  };
  for (const WarningRow& row : rows) {
    Diagnostics diagnostics;
    ASSERT_TRUE(Compile(row.detection, diagnostics).has_value()) << row.detection;
    std::string found;
    for (const Diagnostic& d : diagnostics.items()) {
      if (d.code == "unknown-field" || d.code == "value-looks-like-field") {
        EXPECT_EQ(d.severity, Severity::kWarning);
        EXPECT_EQ(d.location.line, row.line) << row.detection;
        EXPECT_EQ(d.location.column, row.column) << row.detection;
        found += d.code;
      }
    }
    EXPECT_EQ(found, row.code) << row.detection;
  }
}

}  // namespace
}  // namespace trailhound::rules
