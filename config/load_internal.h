// config/load_internal.h: the pieces of LoadConfigText shared between load.cc (top level and
// most sections) and load_sinks.cc. Internal to th_config.
#pragma once

#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "config/node_reader.h"
#include "config/schema.h"

namespace trailhound::config {

// Reads the `sinks` list; names default to the type, kafka brokers to sources.kafka's (so
// `config` must have its sources read already). Reports duplicate names and missing fields.
void ReadSinks(NodeReader& reader, const YAML::Node& node, Config& config);

// True for `host:port` with a port in 0..65535 (`[::1]:9108` for IPv6).
bool IsHostPort(std::string_view text);

// Reports `path-not-found` at `where` unless `path` could be created: it is a directory (or,
// when `is_directory` is false, a file) or does not exist yet below an existing directory.
void CheckCreatable(NodeReader& reader, const ConfigLocation& where, const std::string& key,
                    const std::string& path, bool is_directory);

}  // namespace trailhound::config
