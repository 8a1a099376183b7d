// config/secret_ref.h: secret references inside configuration strings. `${env:NAME}` is the
// value of environment variable NAME; `${file:PATH}` is the content of PATH (one trailing
// newline dropped; a relative PATH is resolved against the configuration file's directory);
// `$${` is a literal `${`. A string holding a reference is a secret: its resolved value never
// appears in a diagnostic, a log line or a Status message. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "pipeline/base/result.h"

namespace trailhound::config {

struct ResolvedString {
  std::string value;
  bool secret = false;  // some part came from a reference
};

// Largest secret file read, in bytes: a token or a key, not a data file.
inline constexpr size_t kMaxSecretFileBytes = 64 * 1024;

// Resolves every reference in `text`. Errors (an unset variable, an unreadable file, an
// unknown reference kind, an unclosed `${`) name the variable or path, never a value.
base::Result<ResolvedString> ResolveSecretRefs(std::string_view text, const std::string& base_dir);

}  // namespace trailhound::config
