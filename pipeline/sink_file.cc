// pipeline/sink_file.cc: NDJSON append, rotation and read-back recovery.
#include "pipeline/sink_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <unordered_set>
#include <utility>

#include "pipeline/fd_write.h"

namespace trailhound::pipeline {
namespace {

base::Status ErrnoStatus(std::string_view what, const std::string& path) {
  return base::Unavailable(std::string(what) + " '" + path + "': " + std::strerror(errno));
}

// Reads up to `max_bytes` from the end of `fd`; `start` is the offset of out[0].
base::Status ReadTail(int fd, const std::string& path, size_t max_bytes, std::string& out,
                      uint64_t& start) {
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    return ErrnoStatus("cannot stat", path);
  }
  uint64_t size = static_cast<uint64_t>(info.st_size);
  start = size - std::min<uint64_t>(size, max_bytes);
  out.resize(size - start);
  size_t done = 0;
  while (done < out.size()) {
    ssize_t got =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(start + done));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return ErrnoStatus("cannot read", path);
    }
    done += static_cast<size_t>(got);
  }
  return base::Status::Ok();
}

// Adds the alert ids of the complete lines in `tail`. A tail that does not start the file
// begins inside a line, which is skipped.
void CollectAlertIds(std::string_view tail, bool starts_file,
                     std::unordered_set<std::string>& ids) {
  if (!starts_file) {
    size_t first_end = tail.find('\n');
    tail.remove_prefix(first_end == std::string_view::npos ? tail.size() : first_end + 1);
  }
  while (!tail.empty()) {
    size_t end = tail.find('\n');
    std::string_view line = tail.substr(0, end);
    if (std::string_view id = FindAlertId(line); !id.empty()) {
      ids.emplace(id);
    }
    tail.remove_prefix(end == std::string_view::npos ? tail.size() : end + 1);
  }
}

}  // namespace

std::string_view FindAlertId(std::string_view line) {
  constexpr std::string_view kField = "\"alert_id\":\"";
  size_t begin = line.find(kField);
  if (begin == std::string_view::npos) {
    return {};
  }
  begin += kField.size();
  size_t end = line.find('"', begin);
  if (end == std::string_view::npos) {
    return {};
  }
  return line.substr(begin, end - begin);
}

FileSink::FileSink(FileSinkOptions options) : options_(std::move(options)) {}

FileSink::~FileSink() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

base::Result<std::unique_ptr<FileSink>> FileSink::Open(FileSinkOptions options) {
  std::unique_ptr<FileSink> sink(new FileSink(std::move(options)));
  if (base::Status status = sink->OpenCurrent(); !status.ok()) {
    return status;
  }
  return sink;
}

base::Status FileSink::OpenCurrent() {
  fd_ = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    return ErrnoStatus("cannot open alert file", options_.path);
  }
  struct stat info;
  if (::fstat(fd_, &info) != 0) {
    return ErrnoStatus("cannot stat", options_.path);
  }
  size_ = static_cast<uint64_t>(info.st_size);
  return base::Status::Ok();
}

base::Status FileSink::Recover(const std::vector<OutboxEntry>& pending,
                               std::vector<uint64_t>& already_delivered) {
  int read_fd = ::open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (read_fd < 0) {
    return ErrnoStatus("cannot open alert file", options_.path);
  }
  std::string tail;
  uint64_t tail_start = 0;
  base::Status status =
      ReadTail(read_fd, options_.path, options_.recover_tail_bytes, tail, tail_start);
  ::close(read_fd);
  if (status.ok()) {
    status = CutTornLine(tail, tail_start);
  }
  if (!status.ok() || pending.empty()) {
    return status;
  }
  std::unordered_set<std::string> ids;
  CollectAlertIds(tail, tail_start == 0, ids);
  // Just after a rotation the newest lines may sit at the end of path.1.
  if (tail.size() < options_.recover_tail_bytes && options_.keep_files > 0) {
    std::string previous = options_.path + ".1";
    int previous_fd = ::open(previous.c_str(), O_RDONLY | O_CLOEXEC);
    if (previous_fd >= 0) {
      status = ReadTail(previous_fd, previous, options_.recover_tail_bytes - tail.size(), tail,
                        tail_start);
      ::close(previous_fd);
      if (!status.ok()) {
        return status;
      }
      CollectAlertIds(tail, tail_start == 0, ids);
    }
  }
  for (const OutboxEntry& entry : pending) {
    if (ids.contains(entry.alert_id)) {
      already_delivered.push_back(entry.seq);
    }
  }
  return base::Status::Ok();
}

base::Status FileSink::CutTornLine(std::string& tail, uint64_t tail_start) {
  if (tail.empty() || tail.back() == '\n') {
    return base::Status::Ok();
  }
  size_t last_newline = tail.rfind('\n');
  if (last_newline == std::string::npos && tail_start > 0) {
    return base::Internal("the last line of '" + options_.path + "' is torn and longer than " +
                          std::to_string(tail.size()) +
                          " bytes; cut it by hand after the last newline, then restart");
  }
  size_t keep = last_newline == std::string::npos ? 0 : last_newline + 1;
  uint64_t new_size = tail_start + keep;
  if (::ftruncate(fd_, static_cast<off_t>(new_size)) != 0) {
    return ErrnoStatus("cannot cut the torn last line of", options_.path);
  }
  if (options_.durability == Durability::kPower && ::fdatasync(fd_) != 0) {
    return ErrnoStatus("cannot sync", options_.path);
  }
  size_ = new_size;
  tail.resize(keep);
  return base::Status::Ok();
}

base::Result<size_t> FileSink::Deliver(const std::vector<OutboxEntry>& entries) {
  size_t confirmed = 0;
  size_t buffered = 0;
  base::Status status = base::Status::Ok();
  buffer_.clear();
  for (const OutboxEntry& entry : entries) {
    if (stopping_) {
      break;
    }
    uint64_t after = size_ + buffer_.size() + entry.body.size() + 1;
    if (options_.max_file_bytes > 0 && size_ + buffer_.size() > 0 &&
        after > options_.max_file_bytes) {
      status = AppendLines(buffer_);
      if (!status.ok()) {
        break;
      }
      confirmed += std::exchange(buffered, 0);
      buffer_.clear();
      status = Rotate();
      if (!status.ok()) {
        break;
      }
    }
    buffer_.append(entry.body);
    buffer_.push_back('\n');
    ++buffered;
  }
  if (status.ok() && buffered > 0) {
    status = AppendLines(buffer_);
    if (status.ok()) {
      confirmed += buffered;
    }
  }
  // Confirmed lines count even when a later write failed; the error shows on the next call.
  if (!status.ok() && confirmed == 0) {
    return status;
  }
  return confirmed;
}

base::Status FileSink::AppendLines(std::string_view lines) {
  if (fd_ < 0) {
    if (base::Status status = OpenCurrent(); !status.ok()) {
      return status;
    }
  }
  base::Status status = WriteFully(fd_, lines, options_.path);
  if (status.ok() && options_.durability == Durability::kPower && ::fdatasync(fd_) != 0) {
    status = ErrnoStatus("cannot sync", options_.path);
  }
  if (!status.ok()) {
    // Best effort: a line cut here is not confirmed and is written again whole.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      return ErrnoStatus("cannot cut a failed write from", options_.path);
    }
    return status;
  }
  size_ += lines.size();
  return base::Status::Ok();
}

base::Status FileSink::Rotate() {
  ::close(fd_);
  fd_ = -1;
  const std::string& path = options_.path;
  if (options_.keep_files <= 0) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove", path);
    }
  } else {
    for (int i = options_.keep_files - 1; i >= 1; --i) {
      std::string from = path + "." + std::to_string(i);
      std::string to = path + "." + std::to_string(i + 1);
      if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
        return ErrnoStatus("cannot rotate", from);
      }
    }
    if (::rename(path.c_str(), (path + ".1").c_str()) != 0) {
      return ErrnoStatus("cannot rotate", path);
    }
  }
  if (base::Status status = OpenCurrent(); !status.ok()) {
    return status;
  }
  return options_.durability == Durability::kPower ? SyncDirectory() : base::Status::Ok();
}

base::Status FileSink::SyncDirectory() {
  std::string dir = std::filesystem::path(options_.path).parent_path().string();
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return ErrnoStatus("cannot open directory", dir);
  }
  int result = ::fsync(dir_fd);
  ::close(dir_fd);
  return result == 0 ? base::Status::Ok() : ErrnoStatus("cannot sync directory", dir);
}

}  // namespace trailhound::pipeline
