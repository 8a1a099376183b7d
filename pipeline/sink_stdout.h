// pipeline/sink_stdout.h: writes each alert as one line to a file descriptor (stdout by default)
// and confirms once write(2) returned. Nothing can be read back, so Recover finds nothing and a
// crash between write and acknowledgement prints the alert again. Used by one SinkWorker thread.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/sink.h"

namespace trailhound::pipeline {

class StdoutSink : public AlertSink {
 public:
  // Does not take ownership of `fd`.
  explicit StdoutSink(std::string name = "stdout", int fd = STDOUT_FILENO);

  std::string_view name() const override { return name_; }
  uint64_t shrunk_alerts() const override { return shrunk_alerts_; }
  base::Status Recover(const std::vector<OutboxEntry>& pending,
                       std::vector<uint64_t>& already_delivered) override;
  base::Result<size_t> Deliver(const std::vector<OutboxEntry>& entries) override;
  void Stop() override {}

 private:
  std::string name_;
  int fd_;
  std::string buffer_;  // reused line buffer
  std::atomic<uint64_t> shrunk_alerts_{0};
};

}  // namespace trailhound::pipeline
