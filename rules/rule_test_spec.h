// rules/rule_test_spec.h: the rule test format (SIGMA.md §15) read from YAML: a rule document's
// top-level `tests:` or a sibling `NAME.tests.yml`. Each test is checked here for shape (a
// `name`, exactly one of `event`/`event_file`/`events`, only known keys, the right kind for the
// rule) and its records turned into JSON text; every problem is a `test-format` diagnostic at
// the offending key. Running the tests is rules/rule_tests.h. Stateless; not thread-safe only
// in that a Diagnostics is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rules/diagnostics.h"

namespace trailhound::rules {

// One test as written, validated. Records are JSON text, one object each.
struct RuleTestSpec {
  std::string name;
  SourceLocation location;           // of the `name` key: where a failure is reported
  bool correlation = false;          // an `events` test (else `event`/`event_file`)
  std::vector<std::string> records;  // one for `event`/`event_file`, in order for `events`
  bool match = true;                 // `event` tests: must (true) or must not match
  uint64_t alerts = 0;               // `events` tests: the expected number of alerts
  std::optional<std::vector<std::string>> alert_event_ids;  // `events` tests, when given
};

// Where a `tests:` node comes from: the file (locations, and `event_file` is relative to its
// directory) and the lines of the file before the YAML text the node was loaded from.
struct TestSource {
  std::string file;
  int line_offset = 0;
};

// Reads a `tests:` sequence for a detection rule (`correlation` false) or a correlation. Tests
// with a problem are reported and left out; the others are returned.
std::vector<RuleTestSpec> ReadRuleTests(const YAML::Node& tests, const TestSource& source,
                                        bool correlation, Diagnostics& diagnostics);

// A sibling `NAME.tests.yml`, read as rule files are (ReadYamlDocuments) and checked at the top
// level (one document, a map of `rule` and `tests`, no duplicate keys). nullopt after a
// `test-format` (or `yaml-syntax`) diagnostic when it is unusable.
struct TestFile {
  std::string file;
  int line_offset = 0;  // lines of the file before its document (a leading `---`)
  YAML::Node rule;      // the `rule:` scalar; undefined when absent
  YAML::Node tests;
};
std::optional<TestFile> LoadTestFile(const std::string& file, Diagnostics& diagnostics);

// The YAML value as JSON text. Quoted scalars are strings; plain ones are typed as YAML 1.1
// (SIGMA.md §4) when they read as a number, boolean or null, else strings (so an unquoted
// `eventTime: 2024-05-01T10:00:00Z` stays text). Map keys are strings.
std::string YamlToJson(const YAML::Node& node);

}  // namespace trailhound::rules
