// pipeline/fd_write.cc: write(2) until the whole buffer is out.
#include "pipeline/fd_write.h"

#include <errno.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace trailhound::pipeline {

base::Status WriteFully(int fd, std::string_view data, std::string_view what) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return base::Unavailable("cannot write to " + std::string(what) + ": " +
                               std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return base::Status::Ok();
}

}  // namespace trailhound::pipeline
