// pipeline/sink_file.h: the NDJSON file sink (FORMATS.md §8). Each alert is one line, appended
// with write(2) (O_APPEND) and, with power durability, fdatasync'ed before it counts as
// confirmed; a line over 1 MiB is shrunk first (alert_shrink.h). The file rotates by size and by
// UTC day: it is fsync'ed and renamed `<stem>-<YYYYMMDDTHHMMSSZ>.ndjson` beside it (the time of
// its last write; `alerts.ndjson` gives `alerts-20261123T101500Z.ndjson`), and the oldest rotated
// files beyond `keep_files` are removed. After a crash, Recover reads what was written past the
// recovery position of the last acknowledgement (the file's identity and size then; through
// any rotations since), cuts a torn last line and reports the queued alerts whose ids are
// already there, so they are acknowledged instead of written twice (AT-LEAST-ONCE.md §7).
// Without a usable position (none recorded yet, or its file rotated away) it reads the last
// `recover_tail_bytes` of the file and of the newest rotated one instead. Used by one
// SinkWorker thread; Stop may be called from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
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
  // A write that would take the file past this size first rotates it; 0 rotates by day only.
  uint64_t max_file_bytes = uint64_t{256} << 20;
  // Rotated files kept (the newest); 0 keeps none.
  int keep_files = 5;
  // Longer lines are shrunk (FORMATS.md §8).
  size_t max_line_bytes = size_t{1} << 20;
  // How much of the end of the files Recover reads to find alerts already written.
  size_t recover_tail_bytes = size_t{8} << 20;
  // Wall clock in ns since the epoch, for the day rotation (tests set it).
  std::function<int64_t()> now_ns;
};

class FileSink : public AlertSink {
 public:
  static base::Result<std::unique_ptr<FileSink>> Open(FileSinkOptions options);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  std::string_view name() const override { return options_.name; }
  // Alerts written shrunk since Open, and those still over the line limit after shrinking.
  uint64_t shrunk_alerts() const override { return shrunk_alerts_; }
  uint64_t oversized_alerts() const { return oversized_alerts_; }
  base::Status Recover(const std::vector<OutboxEntry>& pending,
                       std::vector<uint64_t>& already_delivered) override;
  base::Result<size_t> Deliver(const std::vector<OutboxEntry>& entries) override;
  // `file:<device>:<inode>:<size>` of the current file: every confirmed line ends at or
  // before it (a failed write is cut back).
  std::string RecoveryPosition() const override;
  void SetRecordedPosition(std::string_view position) override;
  void Stop() override { stopping_ = true; }

 private:
  explicit FileSink(FileSinkOptions options);
  base::Status OpenCurrent();
  // True when the next line must go to a new file: `line_bytes` would take a non-empty file
  // past its size, or the file was last written on an earlier UTC day.
  bool MustRotate(uint64_t line_bytes, int64_t today) const;
  base::Status Rotate();
  base::Status RemoveOldRotated();
  std::string_view LineOf(const OutboxEntry& entry);
  // Appends whole lines; on failure cuts the file back so no partial line is left.
  base::Status AppendLines(std::string_view lines);
  // Cuts an unterminated last line from the current file; `tail` is its last bytes from offset
  // `tail_start` and is cut to match.
  base::Status CutTornLine(std::string& tail, uint64_t tail_start);
  base::Status SyncDirectory();
  // Recover's two ways to find the ids already written; false when the position is unusable.
  base::Result<bool> CollectPastPosition(std::unordered_set<std::string>& ids);
  base::Status CollectTails(std::unordered_set<std::string>& ids);

  struct Position {
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t offset = 0;
  };
  std::optional<Position> recorded_;  // SetRecordedPosition
  uint64_t device_ = 0;               // of the current file
  uint64_t inode_ = 0;

  FileSinkOptions options_;
  int fd_ = -1;
  uint64_t size_ = 0;      // bytes in the current file
  int64_t file_day_ = -1;  // UTC day (since the epoch) of the current file's last write
  std::string buffer_;     // reused line buffer
  std::string shrunk_;     // the current entry, shrunk
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> shrunk_alerts_{0};
  std::atomic<uint64_t> oversized_alerts_{0};
};

// Rotated files of the sink writing `path`, oldest first.
std::vector<std::string> RotatedAlertFiles(const std::string& path);

// The value of the first "alert_id" string field in one compact JSON line, or empty. Alert ids
// are hex digests, so the value holds no escapes.
std::string_view FindAlertId(std::string_view line);

}  // namespace trailhound::pipeline
