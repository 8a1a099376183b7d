// config/load_sinks.cc: the `sinks` list, and the host:port and path checks the sections share.
#include <algorithm>
#include <filesystem>
#include <unordered_set>

#include "config/load_internal.h"

namespace trailhound::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFileKeys[] = {"path", "rotate_bytes", "keep"};
constexpr std::string_view kKafkaKeys[] = {"brokers", "topic", "properties"};

// The sink type a type-specific key belongs to, or empty for keys every sink has.
std::string_view TypeOfKey(std::string_view key) {
  if (std::find(std::begin(kFileKeys), std::end(kFileKeys), key) != std::end(kFileKeys)) {
    return "file";
  }
  if (std::find(std::begin(kKafkaKeys), std::end(kKafkaKeys), key) != std::end(kKafkaKeys)) {
    return "kafka";
  }
  return "";
}

void CheckKeysFitType(NodeReader& r, const YAML::Node& node, const std::string& section,
                      const std::string& type) {
  for (const auto& pair : node) {
    if (!pair.first.IsScalar()) {
      continue;
    }
    const std::string_view owner = TypeOfKey(pair.first.Scalar());
    if (!owner.empty() && owner != type) {
      r.diagnostics().Error(r.At(pair.first), "key-not-for-type",
                            section + "." + pair.first.Scalar() + " applies to " +
                                std::string(owner) + " sinks, not " + type + "; remove it");
    }
  }
}

void ReadTypeFields(NodeReader& r, const YAML::Node& node, const std::string& section,
                    const Config& config, Sink& sink) {
  if (sink.type == "file") {
    const auto path = r.ReadPath(node, section, "path", sink.path);
    if (sink.path.empty()) {
      r.diagnostics().Error(r.At(path ? path->node : node), "missing-field",
                            section + ": a file sink needs `path`, the NDJSON file to append to");
    } else {
      CheckCreatable(r, r.At(path->node), section + ".path", sink.path, false);
    }
    r.ReadInt(node, section, "rotate_bytes", Unit::kBytes, 4096, INT64_MAX, sink.rotate_bytes);
    r.ReadInt(node, section, "keep", Unit::kCount, 1, 1000, sink.keep);
  } else if (sink.type == "kafka") {
    r.ReadString(node, section, "brokers", sink.brokers);
    if (sink.brokers.empty() && config.sources.kafka) {
      sink.brokers = config.sources.kafka->brokers;
    }
    if (sink.brokers.empty()) {
      r.diagnostics().Error(r.At(node), "missing-field",
                            section +
                                ": a kafka sink needs `brokers` when there is no "
                                "sources.kafka to take them from");
    }
    const auto topic = r.ReadString(node, section, "topic", sink.topic);
    if (sink.topic.empty()) {
      r.diagnostics().Error(r.At(topic ? topic->node : node), "missing-field",
                            section + ": a kafka sink needs a `topic`");
    }
    r.ReadStringMap(node, section, "properties", sink.properties);
  }
}

// Reads one sink; false when it is unusable (no valid type).
bool ReadSink(NodeReader& r, const YAML::Node& node, const std::string& section,
              const Config& config, Sink& sink) {
  if (!r.ExpectMap(
          node, section,
          {"type", "name", "path", "rotate_bytes", "keep", "brokers", "topic", "properties"})) {
    return false;
  }
  r.ReadEnum(node, section, "type", {"file", "stdout", "kafka"}, sink.type);
  if (sink.type.empty()) {
    if (!NodeReader::Find(node, "type")) {
      r.diagnostics().Error(r.At(node), "missing-field",
                            section + " needs a `type`: file, stdout or kafka");
    }
    return false;
  }
  CheckKeysFitType(r, node, section, sink.type);
  r.ReadString(node, section, "name", sink.name);
  if (sink.name.empty()) {
    sink.name = sink.type;
  }
  ReadTypeFields(r, node, section, config, sink);
  return true;
}

}  // namespace

void ReadSinks(NodeReader& r, const YAML::Node& node, Config& config) {
  if (node.IsNull()) {
    return;
  }
  if (!node.IsSequence()) {
    r.diagnostics().Error(r.At(node), "wrong-type",
                          "sinks must be a list (`- type: stdout`), got a mapping or text");
    return;
  }
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string section = "sinks[" + std::to_string(i) + "]";
    Sink sink;
    if (!ReadSink(r, node[i], section, config, sink)) {
      continue;
    }
    if (!names.insert(sink.name).second) {
      const std::optional<YAML::Node> name = NodeReader::Find(node[i], "name");
      r.diagnostics().Error(r.At(name ? *name : node[i]), "duplicate-sink-name",
                            section + ": another sink is named " + Quote(sink.name) +
                                "; give each sink a distinct `name` (metrics and the outbox "
                                "use it)");
      continue;
    }
    config.sinks.push_back(std::move(sink));
  }
}

bool IsHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size() ||
      colon + 6 < text.size()) {
    return false;
  }
  const std::string_view host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos &&
      (!host.starts_with('[') || !host.ends_with(']') || host.size() < 3)) {
    return false;  // an IPv6 address needs brackets
  }
  int port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return false;
    }
    port = port * 10 + (c - '0');
  }
  return port <= 65535 && host.find_first_of(" \t/") == std::string_view::npos;
}

void CheckCreatable(NodeReader& reader, const ConfigLocation& where, const std::string& key,
                    const std::string& path, bool is_directory) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (fs::exists(status)) {
    if (is_directory != fs::is_directory(status)) {
      reader.diagnostics().Error(where, "path-not-found",
                                 key + ": " + Quote(path) + " exists but is " +
                                     (is_directory ? "not a directory" : "a directory"));
    }
    return;
  }
  fs::path ancestor = fs::path(path).parent_path();
  while (!ancestor.empty() && !fs::exists(ancestor, ec) && ancestor != ancestor.parent_path()) {
    ancestor = ancestor.parent_path();
  }
  if (!ancestor.empty() && !fs::is_directory(ancestor, ec)) {
    reader.diagnostics().Error(where, "path-not-found",
                               key + ": " + Quote(path) + " cannot be created: " +
                                   Quote(ancestor.string()) + " is not a directory");
  }
}

}  // namespace trailhound::config
