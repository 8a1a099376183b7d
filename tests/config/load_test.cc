// tests/config/load_test.cc: LoadConfig / LoadConfigText: defaults, every diagnostic code at its
// exact line and column, relative paths, sink defaults, and the shipped example.
#include "config/load.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trailhound::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// "line:column: severity[code]" of each diagnostic, for exact comparisons.
std::vector<std::string> Where(const ConfigDiagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const ConfigDiagnostic& d : diagnostics.items()) {
    out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " +
                  (d.severity == ConfigSeverity::kError ? "error[" : "warning[") + d.code + "]");
  }
  return out;
}

std::string AllText(const ConfigDiagnostics& diagnostics) {
  std::string out;
  for (const ConfigDiagnostic& d : diagnostics.items()) {
    out += d.ToString() + "\n";
  }
  return out;
}

constexpr char kMinimal[] = "sinks:\n  - type: stdout\n";

TEST(LoadConfig, MinimalConfigGetsDocumentedDefaults) {
  ConfigDiagnostics diagnostics;
  const base::Result<Config> config = LoadConfigText(kMinimal, "/tmp/t.yml", diagnostics);
  ASSERT_TRUE(config.has_value()) << AllText(diagnostics);
  EXPECT_EQ(diagnostics.size(), 0u);
  EXPECT_FALSE(config->sources.kafka.has_value());
  EXPECT_EQ(config->state.dir, "/var/lib/trailhound");
  EXPECT_EQ(config->state.retention_days, 30);
  EXPECT_EQ(config->metrics.listen, "127.0.0.1:9108");
  EXPECT_EQ(config->limits.max_event_bytes, size_t{1} << 20);
  EXPECT_EQ(config->dead_letter.file, "/var/lib/trailhound/dead-letters.ndjson");
  ASSERT_EQ(config->sinks.size(), 1u);
  EXPECT_EQ(config->sinks[0].name, "stdout");
}

TEST(LoadConfig, UnitsAndKafkaDefaults) {
  ConfigDiagnostics diagnostics;
  const base::Result<Config> config = LoadConfigText(
      "sources:\n  kafka:\n    batch_max_ms: 2s\n    properties: {session.timeout.ms: 6000}\n"
      "limits:\n  max_event_bytes: 2MiB\n"
      "rules:\n  allowed_lateness_s: 15m\n"
      "sinks:\n  - {type: kafka, topic: out}\n",
      "/tmp/t.yml", diagnostics);
  ASSERT_TRUE(config.has_value()) << AllText(diagnostics);
  ASSERT_TRUE(config->sources.kafka.has_value());
  EXPECT_EQ(config->sources.kafka->batch_max_ms, 2000);
  EXPECT_EQ(config->sources.kafka->topics, std::vector<std::string>{"cloudtrail"});
  EXPECT_EQ(config->sources.kafka->properties.at("session.timeout.ms"), "6000");
  EXPECT_EQ(config->limits.max_event_bytes, size_t{2} << 20);
  EXPECT_EQ(config->rules.allowed_lateness_s, 900);
  EXPECT_EQ(config->sinks[0].brokers, "127.0.0.1:9092");  // from sources.kafka
  EXPECT_EQ(config->sinks[0].name, "kafka");
}

struct Row {
  const char* name;
  const char* yaml;
  std::vector<std::string> want;  // Where() of the diagnostics, in order
  const char* message = "";       // a part of the first diagnostic's message
};

TEST(LoadConfig, EachProblemIsReportedAtItsNode) {
  const std::vector<Row> rows = {
      {"unknown key with suggestion",
       "sinks: [{type: stdout}]\nmetrics:\n  lisen: x\n",
       {"3:3: error[unknown-key]"},
       "'lisen' is not a key of metrics; did you mean 'listen'?"},
      {"unknown top-level key",
       "sinkz: []\n",
       {"1:1: error[unknown-key]", "1:1: warning[no-sinks]"},
       "did you mean 'sinks'?"},
      {"int where text is wanted",
       "sinks: [{type: stdout}]\nlogging:\n  level: 5\n",
       {"3:10: error[wrong-type]"},
       "logging.level expects text"},
      {"negative size",
       "sinks: [{type: stdout}]\nlimits:\n  max_depth: -3\n",
       {"3:14: error[out-of-range]"},
       "between 1 and 1024"},
      {"batch too large",
       "sources:\n  kafka:\n    batch_max_messages: 100001\nsinks: [{type: stdout}]\n",
       {"3:25: error[out-of-range]"}},
      {"retention zero",
       "sinks: [{type: stdout}]\nstate:\n  retention_days: 0\n",
       {"3:19: error[out-of-range]"}},
      {"durability enum",
       "sinks: [{type: stdout}]\nstate:\n  durability: powr\n",
       {"3:15: error[bad-value]"},
       "did you mean 'power'?"},
      {"listen not host:port",
       "sinks: [{type: stdout}]\nmetrics: {listen: localhost}\n",
       {"2:19: error[bad-value]"}},
      {"size with a bad unit",
       "sinks: [{type: stdout}]\nlimits: {max_event_bytes: 4XB}\n",
       {"2:27: error[wrong-type]"}},
      {"file sink without path", "sinks:\n  - type: file\n", {"2:5: error[missing-field]"}},
      {"sink without type", "sinks:\n  - name: x\n", {"2:5: error[missing-field]"}},
      {"kafka sink without brokers", "sinks:\n  - type: kafka\n", {"2:5: error[missing-field]"}},
      {"key of another sink type",
       "sinks:\n  - type: stdout\n    path: /tmp/x\n",
       {"3:5: error[key-not-for-type]"}},
      {"duplicate sink names",
       "sinks:\n  - type: stdout\n  - {type: file, name: stdout, path: /tmp/a}\n",
       {"3:24: error[duplicate-sink-name]"}},
      {"duplicate key",
       "sinks: [{type: stdout}]\nlogging:\n  level: info\n  level: debug\n",
       {"4:3: error[duplicate-key]"}},
      {"missing rule path",
       "sinks: [{type: stdout}]\nrules:\n  paths:\n    - /nonexistent/r\n",
       {"4:7: error[path-not-found]"}},
      {"a limit that no longer exists",
       "sinks: [{type: stdout}]\nlimits:\n  partition_queue_bytes: 4MiB\n",
       {"3:3: error[unknown-key]"}},
      {"dedup shorter than retention",
       "sinks: [{type: stdout}]\nstate: {dedup_retention_days: 7}\n",
       {"2:31: warning[dedup-shorter-than-retention]"}},
      {"no sinks", "logging: {level: info}\n", {"1:1: warning[no-sinks]"}},
      {"empty file", "", {"1:1: error[empty-config]"}},
      {"comments only", "# nothing\n", {"1:1: error[empty-config]"}},
      {"top level is a list", "- a\n", {"1:1: error[wrong-type]"}},
      {"section is text", "sinks: [{type: stdout}]\nstate: fast\n", {"2:8: error[wrong-type]"}},
      {"unclosed bracket", "sinks: [{type: stdout}\n", {"1:0: error[yaml-syntax]"}, "'['"},
      {"yaml syntax", "a: {b: [1, 2}\n", {"1:13: error[yaml-syntax]"}, "illegal flow end"},
      {"unclosed quote",
       "sinks: [{type: stdout}]\nlogging: {level: 'info}\n",
       {"2:0: error[yaml-syntax]"},
       "never closed"},
      {"second document", "sinks: []\n---\nsinks: []\n", {"2:1: error[yaml-syntax]"}},
      {"alias cycle", "a: &a [*a]\n", {"1:1: error[yaml-syntax]"}, "refers to itself"},
      {"bad secret reference",
       "sinks: [{type: stdout}]\nmetrics: {listen: '${vault:x}'}\n",
       {"2:19: error[bad-secret-ref]"}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    ConfigDiagnostics diagnostics;
    const base::Result<Config> config = LoadConfigText(row.yaml, "/tmp/t.yml", diagnostics);
    EXPECT_EQ(Where(diagnostics), row.want) << AllText(diagnostics);
    EXPECT_EQ(config.has_value(), !diagnostics.has_errors());
    if (diagnostics.size() > 0) {
      EXPECT_THAT(diagnostics.items()[0].message, HasSubstr(row.message));
    }
  }
}

TEST(LoadConfig, EveryProblemOfOneFileInOnePass) {
  ConfigDiagnostics diagnostics;
  const base::Result<Config> config =
      LoadConfigText("logging: {level: loud, format: xml}\nstate: {retention_days: x}\nsinks: 3\n",
                     "/tmp/t.yml", diagnostics);
  EXPECT_FALSE(config.has_value());
  EXPECT_EQ(Where(diagnostics),
            (std::vector<std::string>{"1:18: error[bad-value]", "1:32: error[bad-value]",
                                      "2:25: error[wrong-type]", "3:8: error[wrong-type]"}));
  EXPECT_EQ(diagnostics.items()[0].ToString(),
            "/tmp/t.yml:1:18: error[bad-value]: logging.level must be one of trace, debug, info, "
            "warn, error, off; got 'loud'");
}

TEST(LoadConfig, RelativePathsStartAtTheConfigDirectory) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "th-config-rel";
  std::filesystem::create_directories(dir / "rules");
  ConfigDiagnostics diagnostics;
  const base::Result<Config> config = LoadConfigText(
      "rules: {paths: [rules]}\nstate: {dir: state}\nsinks: [{type: file, path: out/a.ndjson}]\n",
      (dir / "c.yml").string(), diagnostics);
  ASSERT_TRUE(config.has_value()) << AllText(diagnostics);
  EXPECT_EQ(config->rules.paths, std::vector<std::string>{(dir / "rules").string()});
  EXPECT_EQ(config->state.dir, (dir / "state").string());
  EXPECT_EQ(config->sinks[0].path, (dir / "out/a.ndjson").string());
  EXPECT_EQ(config->dead_letter.file, (dir / "state/dead-letters.ndjson").string());
  std::filesystem::remove_all(dir);
}

TEST(LoadConfig, SecretValuesAreResolvedAndNeverPrinted) {
  setenv("TH_CONFIG_TEST_SECRET", "s3cr3t-value", 1);
  ConfigDiagnostics diagnostics;
  const base::Result<Config> config = LoadConfigText(
      "sources:\n  kafka:\n    properties: {sasl.password: '${env:TH_CONFIG_TEST_SECRET}'}\n"
      "metrics: {listen: 'x${env:TH_CONFIG_TEST_SECRET}'}\nsinks: [{type: stdout}]\n",
      "/tmp/t.yml", diagnostics);
  EXPECT_FALSE(config.has_value());
  EXPECT_EQ(Where(diagnostics), std::vector<std::string>{"4:19: error[bad-value]"});
  EXPECT_THAT(AllText(diagnostics), Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(AllText(diagnostics), HasSubstr("<redacted>"));

  ConfigDiagnostics ok_diagnostics;
  const base::Result<Config> ok = LoadConfigText(
      "sources:\n  kafka:\n    properties: {sasl.password: '${env:TH_CONFIG_TEST_SECRET}'}\n"
      "sinks: [{type: stdout}]\n",
      "/tmp/t.yml", ok_diagnostics);
  ASSERT_TRUE(ok.has_value()) << AllText(ok_diagnostics);
  EXPECT_EQ(ok->sources.kafka->properties.at("sasl.password"), "s3cr3t-value");
  EXPECT_EQ(ok->secret_keys, std::vector<std::string>{"sources.kafka.properties.sasl.password"});
  unsetenv("TH_CONFIG_TEST_SECRET");
}

TEST(LoadConfig, UnsetVariableIsAnErrorAtItsValueAndLiteralPasswordsWarn) {
  unsetenv("TH_CONFIG_TEST_UNSET");
  ConfigDiagnostics diagnostics;
  const base::Result<Config> config = LoadConfigText(
      "sources:\n  kafka:\n    properties:\n      sasl.password: hunter2\n"
      "      ssl.key.password: ${env:TH_CONFIG_TEST_UNSET}\nsinks: [{type: stdout}]\n",
      "/tmp/t.yml", diagnostics);
  EXPECT_FALSE(config.has_value());
  EXPECT_EQ(Where(diagnostics), (std::vector<std::string>{"4:22: warning[literal-secret]",
                                                          "5:25: error[secret-unresolved]"}));
  EXPECT_THAT(diagnostics.items()[1].message, HasSubstr("'TH_CONFIG_TEST_UNSET' is not set"));
}

TEST(LoadConfig, FileProblemsAreNotFoundOrTooLarge) {
  ConfigDiagnostics missing;
  const base::Result<Config> absent = LoadConfig("/nonexistent/trailhound.yml", missing);
  ASSERT_FALSE(absent.has_value());
  EXPECT_EQ(absent.error().code(), base::StatusCode::kNotFound);
  EXPECT_TRUE(missing.Has("cannot-read"));

  const std::string big = (std::filesystem::temp_directory_path() / "th-config-big.yml").string();
  std::ofstream(big) << "# " << std::string(kMaxConfigFileBytes, 'x') << "\n";
  ConfigDiagnostics too_large;
  const base::Result<Config> refused = LoadConfig(big, too_large);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), base::StatusCode::kInvalidInput);
  EXPECT_EQ(Where(too_large), std::vector<std::string>{"0:0: error[file-too-large]"});
  std::filesystem::remove(big);
}

TEST(LoadConfig, AliasBombIsRefusedQuickly) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char name = 'b'; name <= 'k'; ++name) {
    yaml += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) {
      yaml += std::string(i ? ", *" : "*") + static_cast<char>(name - 1);
    }
    yaml += "]\n";
  }
  ConfigDiagnostics diagnostics;
  EXPECT_FALSE(LoadConfigText(yaml, "/tmp/t.yml", diagnostics).has_value());
  EXPECT_EQ(Where(diagnostics), std::vector<std::string>{"1:1: error[yaml-syntax]"});
  EXPECT_THAT(diagnostics.items()[0].message, HasSubstr("repeat so much"));
}

TEST(LoadConfig, DeepBlockNestingIsRefused) {
  std::string yaml;
  for (int i = 0; i < 70; ++i) {
    yaml += std::string(2 * i, ' ') + "k" + std::to_string(i) + ":\n";
  }
  ConfigDiagnostics diagnostics;
  EXPECT_FALSE(LoadConfigText(yaml, "/tmp/t.yml", diagnostics).has_value());
  EXPECT_EQ(Where(diagnostics), std::vector<std::string>{"1:1: error[yaml-syntax]"});
  EXPECT_THAT(diagnostics.items()[0].message, HasSubstr("deeper than 64 levels"));
}

TEST(LoadConfig, ShippedExampleLoadsWithoutDiagnostics) {
  ConfigDiagnostics diagnostics;
  const base::Result<Config> config =
      LoadConfig(TH_SOURCE_DIR "/config/examples/trailhound.yml", diagnostics);
  ASSERT_TRUE(config.has_value()) << AllText(diagnostics);
  EXPECT_EQ(diagnostics.size(), 0u) << AllText(diagnostics);
  EXPECT_EQ(config->sinks.size(), 3u);
  EXPECT_EQ(config->rules.paths,
            std::vector<std::string>{TH_SOURCE_DIR "/rules/sigma-correlations"});
}

}  // namespace
}  // namespace trailhound::config
