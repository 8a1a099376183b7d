// daemon/config_diff.h: which sections of a configuration changed, for SIGHUP: the rules are
// reloaded, everything else takes effect at the next restart and the operator is told so.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/schema.h"

namespace trailhound::daemon {

// The settings a reload does not apply, section by section, in a comparable form. Secrets are
// in here too (property values); they are compared, never logged.
std::map<std::string, std::string> RestartOnlySettings(const config::Config& c);

// The sections whose value differs (or appears) in `after`.
std::vector<std::string> ChangedSections(const std::map<std::string, std::string>& before,
                                         const std::map<std::string, std::string>& after);

}  // namespace trailhound::daemon
