// config/node_reader.h: typed reads of configuration values out of YAML mappings, each problem
// a diagnostic at the offending node: unknown keys (with a "did you mean" from the section's
// keys), wrong types, out-of-range numbers, bad enum values, unresolvable secret references.
// Sizes and durations take an integer in the field's unit or a string with a unit (`4MiB`,
// `30s`). Values read through secret references are never quoted in messages and their dotted
// keys are recorded. yaml-cpp exceptions do not escape. Not thread-safe; one per load.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostics.h"
#include "config/units.h"

namespace trailhound::config {

// `text` in single quotes, cut past 100 bytes: `'brokres'`.
std::string Quote(std::string_view text);

// The candidate within two edits of `key` (and closer than its length), or empty.
std::string_view ClosestKey(std::string_view key, std::initializer_list<std::string_view> keys);

// A scalar read as a string: the node it came from and whether a secret reference made it.
struct StringRead {
  YAML::Node node;
  bool secret = false;
};

class NodeReader {
 public:
  NodeReader(std::string file, std::string base_dir, ConfigDiagnostics& diagnostics,
             std::vector<std::string>& secret_keys)
      : file_(std::move(file)),
        base_dir_(std::move(base_dir)),
        diagnostics_(diagnostics),
        secret_keys_(secret_keys) {}

  ConfigLocation At(const YAML::Node& node) const;
  // The value of `key` in the mapping `map` (the first, if the key is repeated); nullopt when
  // absent or `map` is not a mapping.
  static std::optional<YAML::Node> Find(const YAML::Node& map, std::string_view key);
  ConfigDiagnostics& diagnostics() { return diagnostics_; }
  const std::string& base_dir() const { return base_dir_; }

  // True when `node` is a mapping (or null: an empty section); reports each key not in `keys`.
  // `section` names it in messages: "sources.kafka", "sinks[1]".
  bool ExpectMap(const YAML::Node& node, const std::string& section,
                 std::initializer_list<std::string_view> keys);

  // Each Read* looks up `key` in the mapping `map`; when the key is absent or its value is
  // invalid (reported), `out` keeps its default.
  std::optional<StringRead> ReadString(const YAML::Node& map, const std::string& section,
                                       std::string_view key, std::string& out);
  // A string naming a path; relative paths are resolved against the config file's directory.
  std::optional<StringRead> ReadPath(const YAML::Node& map, const std::string& section,
                                     std::string_view key, std::string& out);
  void ReadEnum(const YAML::Node& map, const std::string& section, std::string_view key,
                std::initializer_list<std::string_view> allowed, std::string& out);
  // An integer in [min, max], in `unit`.
  bool ReadInt(const YAML::Node& map, const std::string& section, std::string_view key, Unit unit,
               int64_t min, int64_t max, int64_t& out);
  template <typename T>
  void ReadInt(const YAML::Node& map, const std::string& section, std::string_view key, Unit unit,
               int64_t min, int64_t max, T& out) {
    int64_t value = static_cast<int64_t>(out);
    if (ReadInt(map, section, key, unit, min, max, value)) {
      out = static_cast<T>(value);
    }
  }
  // A non-empty list of strings (a single string is taken as a list of one).
  void ReadStringList(const YAML::Node& map, const std::string& section, std::string_view key,
                      bool paths, std::vector<std::string>& out);
  // A mapping of text to scalar (librdkafka properties); values may be secret references.
  void ReadStringMap(const YAML::Node& map, const std::string& section, std::string_view key,
                     std::map<std::string, std::string>& out);

 private:
  // The text of a scalar meant as a string, secret references resolved; nullopt (reported)
  // when it is not a string.
  std::optional<std::string> StringValue(const YAML::Node& node, const std::string& dotted,
                                         bool any_scalar, bool& secret);
  std::string ResolvePath(const std::string& path) const;

  const std::string file_;
  const std::string base_dir_;
  ConfigDiagnostics& diagnostics_;
  std::vector<std::string>& secret_keys_;
};

}  // namespace trailhound::config
