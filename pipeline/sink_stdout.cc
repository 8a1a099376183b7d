// pipeline/sink_stdout.cc: alerts as lines on a file descriptor.
#include "pipeline/sink_stdout.h"

#include <utility>

#include "pipeline/alert_shrink.h"
#include "pipeline/fd_write.h"

namespace trailhound::pipeline {

StdoutSink::StdoutSink(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}

base::Status StdoutSink::Recover(const std::vector<OutboxEntry>& /*pending*/,
                                 std::vector<uint64_t>& /*already_delivered*/) {
  return base::Status::Ok();
}

base::Result<size_t> StdoutSink::Deliver(const std::vector<OutboxEntry>& entries) {
  buffer_.clear();
  for (const OutboxEntry& entry : entries) {
    // FORMATS.md §8: a line over 1 MiB is shrunk.
    const ShrunkAlert shrunk = ShrinkAlert(entry.body);
    shrunk_alerts_ += shrunk.step == ShrinkStep::kNone ? 0 : 1;
    buffer_.append(shrunk.body.empty() ? std::string_view(entry.body) : shrunk.body);
    buffer_.push_back('\n');
  }
  // No stdio buffer in between: once write(2) returns, the lines are with the reader.
  if (base::Status status = WriteFully(fd_, buffer_, name_); !status.ok()) {
    return status;
  }
  return entries.size();
}

}  // namespace trailhound::pipeline
