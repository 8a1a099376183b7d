// config/load.h: reads a configuration file into config::Config and validates all of it before
// anything starts: YAML syntax, unknown keys (with a suggestion), types, ranges, enums, required
// fields, unique sink names, paths that must exist, secret references. Every problem is a
// diagnostic at file:line:column, all in one pass. Relative paths are resolved against the
// directory of the configuration file. Stateless; thread-safe (secret references read the
// environment and files).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "config/diagnostics.h"
#include "config/schema.h"
#include "pipeline/base/result.h"

namespace trailhound::config {

// Larger configuration files are refused unread: a configuration is a few kilobytes.
inline constexpr size_t kMaxConfigFileBytes = 1 << 20;

// Loads and validates `path`. A value only when there are no errors (warnings allowed).
// The error is kNotFound / kUnavailable when the file cannot be read, kInvalidInput when it
// has errors; each is described in `diagnostics` too.
base::Result<Config> LoadConfig(const std::string& path, ConfigDiagnostics& diagnostics);

// The same for text already read (tests, fuzzers): `path` names it in diagnostics and its
// directory is the base for relative paths.
base::Result<Config> LoadConfigText(std::string_view text, const std::string& path,
                                    ConfigDiagnostics& diagnostics);

}  // namespace trailhound::config
