// rules/rule_test_spec.cc: reading and checking rule tests (SIGMA.md §15).
#include "rules/rule_test_spec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "rules/sigma_parser.h"
#include "rules/yaml_value.h"

namespace trailhound::rules {
namespace {

constexpr std::string_view kTestFormat = "test-format";
constexpr std::array<std::string_view, 7> kTestKeys = {
    "name", "match", "event", "event_file", "events", "alerts", "alert_event_ids"};

void AppendJsonString(std::string_view text, std::string& out) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendScalar(const YAML::Node& node, std::string& out) {
  // yaml-cpp tags a plain scalar "?"; only those are typed (as rule values are, §4).
  if (node.Tag() == "?") {
    const PlainScalar resolved = ResolvePlainScalar(node.Scalar());
    if (resolved.value.has_value()) {
      const SigmaValue& value = *resolved.value;
      switch (value.kind) {
        case ValueKind::kNull:
          out += "null";
          return;
        case ValueKind::kBool:
          out += value.boolean ? "true" : "false";
          return;
        case ValueKind::kInt:
          out += std::to_string(value.integer);
          return;
        case ValueKind::kFloat: {
          std::array<char, 32> buffer{};
          const auto [end, ec] = std::to_chars(buffer.begin(), buffer.end(), value.number);
          if (ec == std::errc()) {
            out.append(buffer.begin(), end);
            return;
          }
          break;
        }
        case ValueKind::kString:
          break;
      }
    }
  }
  AppendJsonString(node.Scalar(), out);
}

void AppendJson(const YAML::Node& node, std::string& out) {
  if (node.IsMap()) {
    out += '{';
    bool first = true;
    for (const auto& pair : node) {
      out += first ? "" : ",";
      first = false;
      AppendJsonString(pair.first.Scalar(), out);
      out += ':';
      AppendJson(pair.second, out);
    }
    out += '}';
  } else if (node.IsSequence()) {
    out += '[';
    bool first = true;
    for (const YAML::Node& element : node) {
      out += first ? "" : ",";
      first = false;
      AppendJson(element, out);
    }
    out += ']';
  } else if (node.IsScalar()) {
    AppendScalar(node, out);
  } else {
    out += "null";
  }
}

// Reads one test map; false after reporting what is wrong with it.
class TestReader {
 public:
  TestReader(const TestSource& source, bool correlation, Diagnostics& diagnostics)
      : source_(source), correlation_(correlation), diagnostics_(diagnostics) {}

  std::optional<RuleTestSpec> Read(const YAML::Node& test) {
    const size_t first = diagnostics_.size();
    if (!test.IsMap()) {
      Error(test, "a test must be a map with 'name' and one of 'event', 'event_file', 'events'");
      return std::nullopt;
    }
    RuleTestSpec spec;
    spec.correlation = correlation_;
    spec.location = Where(test);
    for (const auto& pair : test) {
      const std::string& key = pair.first.Scalar();
      if (std::find(kTestKeys.begin(), kTestKeys.end(), key) == kTestKeys.end()) {
        Error(pair.first, "unknown key " + Quote(key) +
                              " in a test; a test has name, match, event, event_file, events, "
                              "alerts, alert_event_ids");
      } else if (key == "name") {
        spec.location = Where(pair.first);
      }
    }
    ReadName(test, spec);
    ReadRecords(test, spec);
    ReadExpectation(test, spec);
    if (diagnostics_.size() != first) {
      return std::nullopt;
    }
    return spec;
  }

 private:
  SourceLocation Where(const YAML::Node& node) const {
    return LocationOf(node, source_.file, source_.line_offset);
  }
  void Error(const YAML::Node& node, std::string message) {
    diagnostics_.Error(Where(node), kTestFormat, std::move(message));
  }

  void ReadName(const YAML::Node& test, RuleTestSpec& spec) {
    const YAML::Node name = test["name"];
    if (!name) {
      Error(test, "the test has no 'name'; add one");
    } else if (!name.IsScalar() || name.Scalar().empty()) {
      Error(name, "a test's 'name' must be a non-empty string");
    } else {
      spec.name = name.Scalar();
    }
  }

  void ReadRecords(const YAML::Node& test, RuleTestSpec& spec) {
    const YAML::Node event = test["event"];
    const YAML::Node event_file = test["event_file"];
    const YAML::Node events = test["events"];
    const int given = (event ? 1 : 0) + (event_file ? 1 : 0) + (events ? 1 : 0);
    if (given != 1) {
      Error(test, given == 0 ? "the test has none of 'event', 'event_file', 'events'; give one"
                             : "the test has more than one of 'event', 'event_file', 'events'; "
                               "give exactly one");
      return;
    }
    if (events && !correlation_) {
      Error(events,
            "'events' tests are for correlation rules; a detection rule's test has one "
            "'event' or 'event_file'");
      return;
    }
    if (!events && correlation_) {
      Error(event ? event : event_file,
            "a correlation rule's test gives its records as a list under 'events'");
      return;
    }
    if (event) {
      ReadRecord(event, spec);
    } else if (event_file) {
      ReadEventFile(event_file, spec);
    } else if (!events.IsSequence() || events.size() == 0) {
      Error(events, "'events' must be a non-empty list of records");
    } else {
      for (const YAML::Node& record : events) {
        ReadRecord(record, spec);
      }
    }
  }

  void ReadRecord(const YAML::Node& record, RuleTestSpec& spec) {
    if (!record.IsMap()) {
      Error(record, "a record must be a map of CloudTrail fields");
      return;
    }
    spec.records.push_back(YamlToJson(record));
  }

  void ReadEventFile(const YAML::Node& node, RuleTestSpec& spec) {
    if (!node.IsScalar() || node.Scalar().empty()) {
      Error(node, "'event_file' must be a path relative to the test file");
      return;
    }
    namespace fs = std::filesystem;
    const fs::path path = fs::path(source_.file).parent_path() / node.Scalar();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      Error(node, "cannot read event file " + Quote(path.string()));
      return;
    }
    std::ostringstream content;
    content << in.rdbuf();
    // Checked for being one JSON object when the test runs, where the record is parsed.
    spec.records.push_back(content.str());
  }

  void ReadExpectation(const YAML::Node& test, RuleTestSpec& spec) {
    const YAML::Node match = test["match"];
    const YAML::Node alerts = test["alerts"];
    const YAML::Node ids = test["alert_event_ids"];
    if (!correlation_) {
      if (alerts || ids) {
        Error(alerts ? alerts : ids,
              "'alerts' and 'alert_event_ids' belong to correlation "
              "tests; a detection rule's test says 'match: true|false'");
      }
      if (match) {
        const std::optional<SigmaValue> value = match.IsScalar() && match.Tag() == "?"
                                                    ? ResolvePlainScalar(match.Scalar()).value
                                                    : std::nullopt;
        if (!value.has_value() || value->kind != ValueKind::kBool) {
          Error(match, "'match' must be true or false");
        } else {
          spec.match = value->boolean;
        }
      }
      return;
    }
    if (match) {
      Error(match, "'match' belongs to detection rule tests; a correlation test says 'alerts: N'");
    }
    if (ids) {
      ReadAlertEventIds(ids, spec);
    }
    if (alerts) {
      uint64_t count = 0;
      const std::string& text = alerts.Scalar();
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
      if (!alerts.IsScalar() || ec != std::errc() || end != text.data() + text.size()) {
        Error(alerts, "'alerts' must be a whole number of alerts (0 or more)");
      } else {
        spec.alerts = count;
      }
    } else if (spec.alert_event_ids.has_value()) {
      spec.alerts = spec.alert_event_ids->size();
    } else if (!ids) {  // a malformed `alert_event_ids` is reported already
      Error(test, "the test has no 'alerts'; say how many alerts the records must raise");
    }
  }

  void ReadAlertEventIds(const YAML::Node& ids, RuleTestSpec& spec) {
    if (!ids.IsSequence()) {
      Error(ids, "'alert_event_ids' must be a list of eventIDs, one per expected alert");
      return;
    }
    std::vector<std::string> values;
    for (const YAML::Node& id : ids) {
      if (!id.IsScalar()) {
        Error(id, "an entry of 'alert_event_ids' must be an eventID");
        return;
      }
      values.push_back(id.Scalar());
    }
    spec.alert_event_ids = std::move(values);
  }

  const TestSource& source_;
  bool correlation_;
  Diagnostics& diagnostics_;
};

}  // namespace

std::string YamlToJson(const YAML::Node& node) {
  std::string out;
  AppendJson(node, out);
  return out;
}

std::vector<RuleTestSpec> ReadRuleTests(const YAML::Node& tests, const TestSource& source,
                                        bool correlation, Diagnostics& diagnostics) {
  std::vector<RuleTestSpec> specs;
  if (!tests.IsSequence()) {
    diagnostics.Error(LocationOf(tests, source.file, source.line_offset), kTestFormat,
                      "'tests' must be a list of tests");
    return specs;
  }
  TestReader reader(source, correlation, diagnostics);
  for (const YAML::Node& test : tests) {
    if (std::optional<RuleTestSpec> spec = reader.Read(test)) {
      specs.push_back(*std::move(spec));
    }
  }
  return specs;
}

std::optional<TestFile> LoadTestFile(const std::string& file, Diagnostics& diagnostics) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diagnostics.Error(SourceLocation{file, 0, 0}, kTestFormat, "cannot read the test file");
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const size_t before_yaml = diagnostics.size();
  const std::vector<YamlDocument> documents = ReadYamlDocuments(text.str(), file, diagnostics);
  if (diagnostics.size() != before_yaml) {
    return std::nullopt;
  }
  if (documents.size() != 1 || !documents[0].node.IsMap()) {
    diagnostics.Error(SourceLocation{file, 1, 1}, kTestFormat,
                      "a test file is one YAML map with 'tests' (and 'rule' when the rule file "
                      "holds several rules)");
    return std::nullopt;
  }
  const YAML::Node& root = documents[0].node;
  const int offset = documents[0].first_line;
  const size_t first = diagnostics.size();
  CheckDuplicateKeys(root, file, offset, diagnostics);
  for (const auto& pair : root) {
    const std::string& key = pair.first.Scalar();
    if (key != "rule" && key != "tests") {
      diagnostics.Error(LocationOf(pair.first, file, offset), kTestFormat,
                        "unknown key " + Quote(key) + " in a test file; it has 'rule' and 'tests'");
    }
  }
  TestFile test_file{file, offset, root["rule"], root["tests"]};
  if (test_file.rule && (!test_file.rule.IsScalar() || test_file.rule.Scalar().empty())) {
    diagnostics.Error(LocationOf(test_file.rule, file, offset), kTestFormat,
                      "'rule' must be the id (or name) of a rule in the rule file");
  }
  if (!test_file.tests) {
    diagnostics.Error(LocationOf(root, file, offset), kTestFormat,
                      "the test file has no 'tests'; add it");
  }
  if (diagnostics.size() != first) {
    return std::nullopt;
  }
  return test_file;
}

}  // namespace trailhound::rules
