// daemon/logging.h: the daemon's log lines on stderr (journald adds the time when systemd runs
// it). `text`: `level message`; `json`: one object per line {"time","level","msg"} with the
// message escaped, for log shippers.
#pragma once

#include <string>

#include "pipeline/base/status.h"

namespace trailhound::daemon {

// level: trace|debug|info|warn|error|critical|off; format: text|json.
base::Status ConfigureLogging(const std::string& level, const std::string& format);

}  // namespace trailhound::daemon
