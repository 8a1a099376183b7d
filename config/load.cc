// config/load.cc: the top level of the configuration file and its sections other than sinks.
// Each section reader fills its struct from the YAML mapping, leaving defaults where a key is
// absent or wrong; the checks across sections run last.
#include "config/load.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "config/load_internal.h"
#include "config/yaml_reader.h"

namespace trailhound::config {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxInt = INT64_MAX;

ConfigLocation LocationOfKey(NodeReader& reader, const YAML::Node& map, std::string_view key) {
  const std::optional<YAML::Node> node = NodeReader::Find(map, key);
  return reader.At(node ? *node : map);
}

void ReadKafkaSource(NodeReader& r, const YAML::Node& node, KafkaSource& kafka) {
  const std::string s = "sources.kafka";
  if (!r.ExpectMap(node, s,
                   {"brokers", "topics", "group_id", "properties", "batch_max_messages",
                    "batch_max_ms", "dead_letter_topic"})) {
    return;
  }
  if (const auto read = r.ReadString(node, s, "brokers", kafka.brokers);
      read && kafka.brokers.empty()) {
    r.diagnostics().Error(r.At(read->node), "bad-value",
                          "sources.kafka.brokers must list at least one host:port");
  }
  r.ReadStringList(node, s, "topics", false, kafka.topics);
  if (kafka.topics.empty() ||
      std::find(kafka.topics.begin(), kafka.topics.end(), "") != kafka.topics.end()) {
    r.diagnostics().Error(LocationOfKey(r, node, "topics"), "bad-value",
                          "sources.kafka.topics must name at least one topic, none empty");
  }
  if (const auto read = r.ReadString(node, s, "group_id", kafka.group_id);
      read && kafka.group_id.empty()) {
    r.diagnostics().Error(r.At(read->node), "bad-value", "sources.kafka.group_id is empty");
  }
  r.ReadStringMap(node, s, "properties", kafka.properties);
  r.ReadInt(node, s, "batch_max_messages", Unit::kCount, 1, 100000, kafka.batch_max_messages);
  r.ReadInt(node, s, "batch_max_ms", Unit::kMilliseconds, 0, 60000, kafka.batch_max_ms);
  r.ReadString(node, s, "dead_letter_topic", kafka.dead_letter_topic);
}

void ReadSources(NodeReader& r, const YAML::Node& node, Sources& sources) {
  if (!r.ExpectMap(node, "sources", {"kafka"})) {
    return;
  }
  if (const std::optional<YAML::Node> kafka = NodeReader::Find(node, "kafka")) {
    sources.kafka.emplace();  // `kafka:` alone, or `kafka: {}`, is a consumer with defaults
    ReadKafkaSource(r, *kafka, *sources.kafka);
  }
}

void ReadRules(NodeReader& r, const YAML::Node& node, Rules& rules) {
  if (!r.ExpectMap(node, "rules", {"paths", "placeholders", "allowed_lateness_s"})) {
    return;
  }
  r.ReadStringList(node, "rules", "paths", true, rules.paths);
  if (const std::optional<YAML::Node> paths = NodeReader::Find(node, "paths")) {
    for (size_t i = 0; i < rules.paths.size(); ++i) {
      const YAML::Node item = paths->IsSequence() ? (*paths)[i] : *paths;
      std::error_code ec;
      if (!fs::exists(rules.paths[i], ec)) {
        r.diagnostics().Error(r.At(item), "path-not-found",
                              "rules.paths: " + Quote(rules.paths[i]) +
                                  " does not exist (relative paths start at the directory of "
                                  "the configuration file)");
      }
    }
  }
  if (const auto read = r.ReadPath(node, "rules", "placeholders", rules.placeholders);
      read && !rules.placeholders.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(rules.placeholders, ec)) {
      r.diagnostics().Error(r.At(read->node), "path-not-found",
                            "rules.placeholders: " + Quote(rules.placeholders) + " is not a file");
    }
  }
  r.ReadInt(node, "rules", "allowed_lateness_s", Unit::kSeconds, 0, 7 * 86400,
            rules.allowed_lateness_s);
}

void ReadState(NodeReader& r, const YAML::Node& node, State& state) {
  if (!r.ExpectMap(node, "state",
                   {"dir", "retention_days", "dedup_retention_days", "durability"})) {
    return;
  }
  if (const auto read = r.ReadPath(node, "state", "dir", state.dir); read && state.dir.empty()) {
    r.diagnostics().Error(r.At(read->node), "bad-value", "state.dir is empty");
  }
  r.ReadInt(node, "state", "retention_days", Unit::kDays, 1, 3650, state.retention_days);
  r.ReadInt(node, "state", "dedup_retention_days", Unit::kDays, 1, 3650,
            state.dedup_retention_days);
  r.ReadEnum(node, "state", "durability", {"power", "process"}, state.durability);
}

void ReadMetrics(NodeReader& r, const YAML::Node& node, Metrics& metrics) {
  if (!r.ExpectMap(node, "metrics", {"listen"})) {
    return;
  }
  const auto read = r.ReadString(node, "metrics", "listen", metrics.listen);
  if (read && !metrics.listen.empty() && !IsHostPort(metrics.listen)) {
    r.diagnostics().Error(r.At(read->node), "bad-value",
                          "metrics.listen must be host:port (127.0.0.1:9108, [::1]:9108) or "
                          "empty to disable, got " +
                              (read->secret ? std::string("<redacted>") : Quote(metrics.listen)));
  }
}

void ReadLogging(NodeReader& r, const YAML::Node& node, Logging& logging) {
  if (!r.ExpectMap(node, "logging", {"level", "format"})) {
    return;
  }
  r.ReadEnum(node, "logging", "level", {"trace", "debug", "info", "warn", "error", "off"},
             logging.level);
  r.ReadEnum(node, "logging", "format", {"text", "json"}, logging.format);
}

void ReadLimits(NodeReader& r, const YAML::Node& node, Limits& limits) {
  const std::string s = "limits";
  if (!r.ExpectMap(node, s,
                   {"max_event_bytes", "max_depth", "outbox_max_bytes", "shutdown_timeout_s",
                    "dead_letter_raw_bytes"})) {
    return;
  }
  r.ReadInt(node, s, "max_event_bytes", Unit::kBytes, 1024, 256 << 20, limits.max_event_bytes);
  r.ReadInt(node, s, "max_depth", Unit::kCount, 1, 1024, limits.max_depth);
  r.ReadInt(node, s, "outbox_max_bytes", Unit::kBytes, 1 << 20, kMaxInt, limits.outbox_max_bytes);
  r.ReadInt(node, s, "shutdown_timeout_s", Unit::kSeconds, 1, 3600, limits.shutdown_timeout_s);
  r.ReadInt(node, s, "dead_letter_raw_bytes", Unit::kBytes, 0, 16 << 20,
            limits.dead_letter_raw_bytes);
}

// Checks between fields of different keys, and defaults that depend on other fields.
void CheckAcrossSections(NodeReader& r, const YAML::Node& root, Config& config) {
  const std::optional<YAML::Node> state = NodeReader::Find(root, "state");
  const YAML::Node state_node = state ? *state : root;
  CheckCreatable(r, LocationOfKey(r, state_node, "dir"), "state.dir", config.state.dir, true);
  if (config.state.dedup_retention_days < config.state.retention_days) {
    r.diagnostics().Warning(LocationOfKey(r, state_node, "dedup_retention_days"),
                            "dedup-shorter-than-retention",
                            "state.dedup_retention_days is shorter than state.retention_days: a "
                            "replay of stored events older than it would notify again");
  }
  const std::optional<YAML::Node> dead_letter = NodeReader::Find(root, "dead_letter");
  if (config.dead_letter.file.empty()) {
    config.dead_letter.file = (fs::path(config.state.dir) / "dead-letters.ndjson").string();
  } else {
    CheckCreatable(r, LocationOfKey(r, dead_letter ? *dead_letter : root, "file"),
                   "dead_letter.file", config.dead_letter.file, false);
  }
  const std::optional<YAML::Node> sinks = NodeReader::Find(root, "sinks");
  if (!sinks || sinks->IsNull() || (sinks->IsSequence() && sinks->size() == 0)) {
    r.diagnostics().Warning(LocationOfKey(r, root, "sinks"), "no-sinks",
                            "no sinks: alerts would only wait in the outbox; add one, e.g. "
                            "`sinks: [{type: stdout}]`");
  }
}

void ReadSections(NodeReader& r, const YAML::Node& root, Config& config) {
  if (!r.ExpectMap(
          root, "the configuration",
          {"sources", "rules", "state", "sinks", "metrics", "logging", "limits", "dead_letter"})) {
    return;
  }
  const auto section = [&root](std::string_view key) {
    const std::optional<YAML::Node> node = NodeReader::Find(root, key);
    return node ? *node : YAML::Node();
  };
  ReadSources(r, section("sources"), config.sources);
  ReadRules(r, section("rules"), config.rules);
  ReadState(r, section("state"), config.state);
  ReadMetrics(r, section("metrics"), config.metrics);
  ReadLogging(r, section("logging"), config.logging);
  ReadLimits(r, section("limits"), config.limits);
  if (r.ExpectMap(section("dead_letter"), "dead_letter", {"file"})) {
    r.ReadPath(section("dead_letter"), "dead_letter", "file", config.dead_letter.file);
  }
  ReadSinks(r, section("sinks"), config);
  CheckAcrossSections(r, root, config);
}

base::Result<Config> Failed(const ConfigDiagnostics& diagnostics, const std::string& path) {
  return base::InvalidInput(path + ": " + std::to_string(diagnostics.error_count()) +
                            " configuration errors");
}

}  // namespace

base::Result<Config> LoadConfigText(std::string_view text, const std::string& path,
                                    ConfigDiagnostics& diagnostics) {
  const std::optional<YAML::Node> root = ReadConfigYaml(text, path, diagnostics);
  if (!root) {
    return Failed(diagnostics, path);
  }
  if (root->IsNull()) {
    diagnostics.Error(ConfigLocation{path, 1, 1}, "empty-config",
                      "the configuration is empty; start from config/examples/trailhound.yml");
    return Failed(diagnostics, path);
  }
  Config config;
  config.path = path;
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  NodeReader reader(path, ec ? std::string() : absolute.parent_path().string(), diagnostics,
                    config.secret_keys);
  try {
    ReadSections(reader, *root, config);
  } catch (const YAML::Exception& error) {
    diagnostics.Error(ConfigLocation{path, error.mark.line + 1, error.mark.column + 1},
                      "yaml-syntax", error.msg);
  }
  diagnostics.SortByLocation();
  if (diagnostics.has_errors()) {
    return Failed(diagnostics, path);
  }
  return config;
}

base::Result<Config> LoadConfig(const std::string& path, ConfigDiagnostics& diagnostics) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    diagnostics.Error(ConfigLocation{path, 0, 0}, "cannot-read", ec.message());
    return base::NotFound(path + ": " + ec.message());
  }
  if (size > kMaxConfigFileBytes) {
    diagnostics.Error(ConfigLocation{path, 0, 0}, "file-too-large",
                      "the file is " + std::to_string(size) +
                          " bytes; a configuration is at most " +
                          std::to_string(kMaxConfigFileBytes));
    return base::InvalidInput(path + ": too large");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    diagnostics.Error(ConfigLocation{path, 0, 0}, "cannot-read", "reading the file failed");
    return base::Unavailable(path + ": reading failed");
  }
  return LoadConfigText(text, path, diagnostics);
}

}  // namespace trailhound::config
