// pipeline/sink_file.h: the NDJSON file sink. Each alert is one line, appended with write(2)
// (O_APPEND) and, with power durability, fdatasync'ed before it counts as confirmed. The file is
// rotated by size (path → path.1 → … → path.N). After a crash, Recover reads the file's tail,
// cuts a torn last line and reports the queued alerts whose ids are already there, so they are
// acknowledged instead of written twice (AT-LEAST-ONCE.md §7). Used by one SinkWorker thread;
// Stop may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/base/result.h"
#include "pipeline/base/status.h"
#include "pipeline/sink.h"
#include "pipeline/store.h"

namespace trailhound::pipeline {

struct FileSinkOptions {
  std::string name = "file";  // the sink's configured name and store queue
  std::string path;           // the current file; created when missing
  Durability durability = Durability::kPower;
  // A write that would take the file past this size first rotates it; 0 never rotates.
  uint64_t max_file_bytes = uint64_t{64} << 20;
  // Rotated files kept, path.1 (newest) to path.N; 0 keeps none.
  int keep_files = 5;
  // How much of the end of the files Recover reads to find alerts already written.
  size_t recover_tail_bytes = size_t{8} << 20;
};

class FileSink : public AlertSink {
 public:
  static base::Result<std::unique_ptr<FileSink>> Open(FileSinkOptions options);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  std::string_view name() const override { return options_.name; }
  base::Status Recover(const std::vector<OutboxEntry>& pending,
                       std::vector<uint64_t>& already_delivered) override;
  base::Result<size_t> Deliver(const std::vector<OutboxEntry>& entries) override;
  void Stop() override { stopping_ = true; }

 private:
  explicit FileSink(FileSinkOptions options);
  base::Status OpenCurrent();
  base::Status Rotate();
  // Appends whole lines; on failure cuts the file back so no partial line is left.
  base::Status AppendLines(std::string_view lines);
  // Cuts an unterminated last line from the current file; `tail` is its last bytes from offset
  // `tail_start` and is cut to match.
  base::Status CutTornLine(std::string& tail, uint64_t tail_start);
  base::Status SyncDirectory();

  FileSinkOptions options_;
  int fd_ = -1;
  uint64_t size_ = 0;   // bytes in the current file
  std::string buffer_;  // reused line buffer
  std::atomic<bool> stopping_{false};
};

// The value of the first "alert_id" string field in one compact JSON line, or empty. Alert ids
// are hex digests, so the value holds no escapes.
std::string_view FindAlertId(std::string_view line);

}  // namespace trailhound::pipeline
