// pipeline/fd_write.h: writing whole buffers to a file descriptor, for the file and stdout sinks.
#pragma once

#include <string_view>

#include "pipeline/base/status.h"

namespace trailhound::pipeline {

// Writes all of `data` to `fd` with write(2), retrying short writes and EINTR. On failure some
// prefix may have been written; `what` names the destination in the message.
base::Status WriteFully(int fd, std::string_view data, std::string_view what);

}  // namespace trailhound::pipeline
