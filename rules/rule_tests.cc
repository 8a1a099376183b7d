// rules/rule_tests.cc: finding rule tests next to their rules and running them (SIGMA.md §15).
#include "rules/rule_tests.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include <simdjson.h>

#include "pipeline/event/event.h"
#include "pipeline/event/parsed_json.h"
#include "rules/rule_set.h"
#include "rules/rule_test_spec.h"
#include "rules/sigma_parser.h"

namespace trailhound::rules {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTestSuffix = ".tests.yml";

bool IsTestFile(const std::string& path) {
  return path.ends_with(kTestSuffix);
}

// `rules/./x.yml` and `rules/x.yml` are one file: paths are compared in this form.
std::string Normal(const std::string& path) {
  return fs::path(path).lexically_normal().string();
}

// NAME.yml (else NAME.yaml) next to NAME.tests.yml; empty when neither exists.
std::string RuleFileFor(const std::string& test_file) {
  const std::string stem = test_file.substr(0, test_file.size() - kTestSuffix.size());
  std::error_code ec;
  for (const char* extension : {".yml", ".yaml"}) {
    if (fs::is_regular_file(stem + extension, ec)) {
      return stem + extension;
    }
  }
  return {};
}

// The paths LoadRules reads, and the test files: those named, and those under directories.
struct Inputs {
  std::vector<std::string> rule_paths;
  std::vector<std::string> test_files;
};

Inputs SplitPaths(const std::vector<std::string>& paths) {
  Inputs inputs;
  std::set<std::string> rule_paths;  // normalised, so a named test file adds its rule once
  for (const std::string& path : paths) {
    std::error_code ec;
    if (IsTestFile(path) && !fs::is_directory(path, ec)) {
      inputs.test_files.push_back(path);
      continue;
    }
    inputs.rule_paths.push_back(path);
    rule_paths.insert(Normal(path));
    if (!fs::is_directory(path, ec)) {
      continue;
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && IsTestFile(it->path().filename().string())) {
        found.push_back(it->path().string());
      }
    }
    std::sort(found.begin(), found.end());
    inputs.test_files.insert(inputs.test_files.end(), found.begin(), found.end());
  }
  for (const std::string& test_file : inputs.test_files) {
    const std::string rule_file = RuleFileFor(test_file);
    // A rule file under a directory already given is loaded with it; one named only through
    // its test file is added (a second load would be a duplicate id).
    bool covered = rule_file.empty() || rule_paths.count(Normal(rule_file)) > 0;
    for (const std::string& dir : rule_paths) {
      const std::string prefix = dir.ends_with('/') ? dir : dir + '/';
      covered = covered || Normal(rule_file).starts_with(prefix);
    }
    if (!covered) {
      inputs.rule_paths.push_back(rule_file);
      rule_paths.insert(Normal(rule_file));
    }
  }
  return inputs;
}

std::string DocumentId(const SigmaDocument& document) {
  if (document.kind != DocumentKind::kCorrelation) {
    return document.rule.id;
  }
  const YAML::Node id = document.node["id"];
  return id && id.IsScalar() ? id.Scalar() : std::string();
}

std::string DocumentName(const SigmaDocument& document) {
  if (document.kind != DocumentKind::kCorrelation) {
    return document.rule.name;
  }
  const YAML::Node name = document.node["name"];
  return name && name.IsScalar() ? name.Scalar() : std::string();
}

// Lines of the file before the document's YAML text: yaml-cpp counts from the document's own
// first line, and the parser kept where that is in `location`.
int LineOffsetOf(const SigmaDocument& document) {
  const YAML::Mark mark = document.node.Mark();
  return mark.is_null() ? 0 : document.location.line - 1 - mark.line;
}

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    out += (i == 0 ? "" : ", ") + Quote(ids[i]);
  }
  return out + "]";
}

class TestRunner {
 public:
  TestRunner(const LoadedRules& loaded, const RuleTestOptions& options, RuleTestReport& report)
      : loaded_(loaded), options_(options), report_(report) {}

  // Runs the tests of one document, read from `tests` (inline or a sibling file's).
  void RunDocumentTests(const SigmaDocument& document, const std::string& rule_file,
                        const YAML::Node& tests, const TestSource& source) {
    if (document.kind == DocumentKind::kFilter) {
      AddFormatError(LocationOf(tests, source.file, source.line_offset),
                     "a filter has no tests of its own; test the rules it applies to");
      return;
    }
    const bool correlation = document.kind == DocumentKind::kCorrelation;
    const size_t first = report_.diagnostics.size();
    const std::vector<RuleTestSpec> specs =
        ReadRuleTests(tests, source, correlation, report_.diagnostics);
    report_.failed += report_.diagnostics.size() - first;
    const std::string id = DocumentId(document);
    for (const RuleTestSpec& spec : specs) {
      if (correlation) {
        if (const CorrelationRule* rule = FindCorrelation(rule_file, id)) {
          RunCorrelationTest(*rule, spec);
        }
      } else if (const CompiledRule* rule = FindRule(rule_file, id)) {
        RunDetectionTest(*rule, spec);
      }
      // Otherwise the rule did not load: its file's error is already counted and printed.
    }
  }

  void AddFormatError(const SourceLocation& location, std::string message) {
    report_.diagnostics.Error(location, "test-format", std::move(message));
    ++report_.failed;
  }

 private:
  const CompiledRule* FindRule(const std::string& file, const std::string& id) const {
    for (const CompiledRule& rule : loaded_.rules) {
      if (rule.id == id && Normal(rule.file) == Normal(file)) {
        return &rule;
      }
    }
    return nullptr;
  }

  const CorrelationRule* FindCorrelation(const std::string& file, const std::string& id) const {
    for (const CorrelationRule& rule : loaded_.correlations) {
      if (rule.id == id && Normal(rule.file) == Normal(file)) {
        return &rule;
      }
    }
    return nullptr;
  }

  // The record as an Event; nullopt after a `test-format` error when it is not one JSON object.
  std::optional<event::Event> ParseRecord(const RuleTestSpec& spec, size_t index) {
    std::shared_ptr<const event::ParsedJson> document;
    const simdjson::error_code error =
        event::ParsedJson::Parse(parser_, spec.records[index], document);
    std::string problem;
    if (error != simdjson::SUCCESS) {
      problem = simdjson::error_message(error);
    } else if (!document->root().is_object()) {
      problem = "it is not a JSON object";
    } else {
      return event::Event(document, document->root(), event::Position{},
                          event::EnvelopeKind::kBare);
    }
    AddFormatError(spec.location, "test " + Quote(spec.name) + ": record " +
                                      std::to_string(index + 1) +
                                      " is not one CloudTrail record (" + problem + ")");
    return std::nullopt;
  }

  void RunDetectionTest(const CompiledRule& rule, const RuleTestSpec& spec) {
    const std::optional<event::Event> event = ParseRecord(spec, 0);
    if (!event.has_value()) {
      return;
    }
    const bool matched = RuleMatches(rule, *event, scratch_);
    if (matched == spec.match) {
      ++report_.passed;
      return;
    }
    Fail(spec, spec.match ? "expected match, got no match" : "expected no match, got a match");
  }

  void RunCorrelationTest(const CorrelationRule& rule, const RuleTestSpec& spec) {
    CorrelationEngine engine(loaded_.correlations, options_.correlation);
    std::vector<event::Event> events;  // alive until the engine is done with them
    std::vector<CorrelationAlert> alerts;
    for (size_t i = 0; i < spec.records.size(); ++i) {
      std::optional<event::Event> event = ParseRecord(spec, i);
      if (!event.has_value()) {
        return;
      }
      MatchRules(loaded_, *event, scratch_, matched_);
      engine.Observe(*event, matched_, alerts);
      events.push_back(*std::move(event));
    }
    engine.Flush(alerts);
    std::vector<std::string> ids;
    for (const CorrelationAlert& alert : alerts) {
      if (alert.rule == &rule) {
        ids.push_back(alert.event_id);
      }
    }
    if (ids.size() != spec.alerts) {
      Fail(spec, "expected " + std::to_string(spec.alerts) +
                     (spec.alerts == 1 ? " alert" : " alerts") + ", got " +
                     std::to_string(ids.size()) + (ids.empty() ? "" : " on " + JoinIds(ids)));
    } else if (spec.alert_event_ids.has_value() && ids != *spec.alert_event_ids) {
      Fail(spec, "expected alerts on " + JoinIds(*spec.alert_event_ids) + ", got " + JoinIds(ids));
    } else {
      ++report_.passed;
    }
  }

  void Fail(const RuleTestSpec& spec, const std::string& what) {
    report_.diagnostics.Error(spec.location, "test-failed",
                              "test " + Quote(spec.name) + ": " + what);
    ++report_.failed;
  }

  const LoadedRules& loaded_;
  const RuleTestOptions& options_;
  RuleTestReport& report_;
  simdjson::dom::parser parser_;
  EvalScratch scratch_;
  std::vector<uint32_t> matched_;
};

// The document of `documents` a sibling test file is for: the one `rule` names by id (then
// name), or the only one when `rule` is absent.
const SigmaDocument* TargetOf(const TestFile& test_file,
                              const std::vector<SigmaDocument>& documents,
                              const std::string& rule_file, TestRunner& runner) {
  if (!test_file.rule) {
    if (documents.size() == 1) {
      return &documents.front();
    }
    runner.AddFormatError(SourceLocation{test_file.file, 1, 1},
                          Quote(fs::path(rule_file).filename().string()) + " holds " +
                              std::to_string(documents.size()) +
                              " rules; say which one with 'rule: ID'");
    return nullptr;
  }
  const std::string& wanted = test_file.rule.Scalar();
  for (const auto& key : {DocumentId, DocumentName}) {
    for (const SigmaDocument& document : documents) {
      if (key(document) == wanted) {
        return &document;
      }
    }
  }
  runner.AddFormatError(LocationOf(test_file.rule, test_file.file, test_file.line_offset),
                        "no rule with id or name " + Quote(wanted) + " in " +
                            Quote(fs::path(rule_file).filename().string()));
  return nullptr;
}

}  // namespace

RuleTestReport RunRuleTests(const std::vector<std::string>& paths, const RuleTestOptions& options) {
  RuleTestReport report;
  const Inputs inputs = SplitPaths(paths);
  Diagnostics load_diagnostics;
  const LoadedRules loaded = LoadRules(inputs.rule_paths, options.compile, load_diagnostics);
  std::set<std::string> failed_files;
  for (const Diagnostic& d : load_diagnostics.items()) {
    if (d.severity == Severity::kError) {
      report.diagnostics.Add(d);
      failed_files.insert(Normal(d.location.file));
    }
  }
  report.failed += failed_files.size();

  TestRunner runner(loaded, options, report);
  Diagnostics ignored;  // the second parse repeats what loading reported
  for (const std::string& file : ListRuleFiles(inputs.rule_paths, ignored)) {
    for (const SigmaDocument& document : ParseRuleFile(file, ignored)) {
      if (const YAML::Node tests = document.node["tests"]) {
        runner.RunDocumentTests(document, file, tests, TestSource{file, LineOffsetOf(document)});
      }
    }
  }
  for (const std::string& test_file : inputs.test_files) {
    const std::string rule_file = RuleFileFor(test_file);
    if (rule_file.empty()) {
      runner.AddFormatError(SourceLocation{test_file, 1, 1},
                            "no rule file next to this test file; name it after its rule file "
                            "(NAME.yml, NAME.tests.yml)");
      continue;
    }
    const size_t first = report.diagnostics.size();
    const std::optional<TestFile> loaded_file = LoadTestFile(test_file, report.diagnostics);
    if (!loaded_file.has_value()) {
      report.failed += report.diagnostics.size() - first;
      continue;
    }
    const std::vector<SigmaDocument> documents = ParseRuleFile(rule_file, ignored);
    if (documents.empty() && failed_files.count(Normal(rule_file)) > 0) {
      continue;  // the rule file did not parse; already counted
    }
    if (const SigmaDocument* target = TargetOf(*loaded_file, documents, rule_file, runner)) {
      runner.RunDocumentTests(*target, rule_file, loaded_file->tests,
                              TestSource{test_file, loaded_file->line_offset});
    }
  }
  return report;
}

std::string RuleTestSummary(const RuleTestReport& report) {
  return std::to_string(report.passed) + " passed, " + std::to_string(report.failed) + " failed";
}

}  // namespace trailhound::rules
