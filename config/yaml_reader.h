// config/yaml_reader.h: reads the one YAML document of a configuration file, hardened against
// hostile input and yaml-cpp 0.7's quirks the way rules/sigma_parser.cc reads rule files (this
// module does not link th_rules): a leading BOM skipped, flow nesting capped, a second document
// refused, an unclosed quote at the end refused, alias bombs and alias cycles refused, duplicate
// keys reported. yaml-cpp's exceptions never leave this file. Stateless; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "config/diagnostics.h"

namespace trailhound::config {

// The position of `node` in `file`, 1-based (yaml-cpp counts from zero); 0 when unknown.
ConfigLocation LocationOf(const YAML::Node& node, const std::string& file);

// The document of `text`, or nullopt with `yaml-syntax` (or `duplicate-key`) diagnostics. An
// empty document is returned as a null node; the caller decides what that means.
std::optional<YAML::Node> ReadConfigYaml(std::string_view text, const std::string& file,
                                         ConfigDiagnostics& diagnostics);

}  // namespace trailhound::config
