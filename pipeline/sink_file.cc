// pipeline/sink_file.cc: NDJSON append, shrinking, rotation and read-back recovery.
#include "pipeline/sink_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "pipeline/alert_shrink.h"
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

// Reads bytes [from, end of file) of `fd`.
base::Status ReadFrom(int fd, const std::string& path, uint64_t from, std::string& out) {
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    return ErrnoStatus("cannot stat", path);
  }
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  out.resize(size > from ? size - from : 0);
  size_t done = 0;
  while (done < out.size()) {
    ssize_t got =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(from + done));
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

constexpr int64_t kDayNs = int64_t{86400} * 1'000'000'000;
constexpr std::string_view kRotatedSuffix = ".ndjson";
constexpr size_t kStampLength = 16;  // YYYYMMDDTHHMMSSZ

int64_t SystemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t DayOf(int64_t ns) {
  return ns >= 0 ? ns / kDayNs : (ns - kDayNs + 1) / kDayNs;
}

// `alerts.ndjson` → `alerts`: rotated files are `<stem>-<stamp>[-N].ndjson` beside it.
std::string RotatedPrefix(const std::string& path) {
  const std::filesystem::path file(path);
  return (file.parent_path() / file.stem()).string() + "-";
}

std::string Stamp(time_t seconds) {
  struct tm utc;
  gmtime_r(&seconds, &utc);
  char stamp[kStampLength + 1];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return stamp;
}

// Sort key of a rotated file's name after the prefix: (stamp, N), or nullopt for another file.
std::optional<std::pair<std::string, int>> RotatedKey(std::string_view rest) {
  if (rest.size() < kStampLength + kRotatedSuffix.size() || !rest.ends_with(kRotatedSuffix) ||
      rest[kStampLength - 1] != 'Z' || rest[8] != 'T') {
    return std::nullopt;
  }
  const std::string_view stamp = rest.substr(0, kStampLength);
  std::string_view counter =
      rest.substr(kStampLength, rest.size() - kStampLength - kRotatedSuffix.size());
  int n = 0;
  if (!counter.empty()) {
    if (counter.size() < 2 || counter[0] != '-' || counter.size() > 7) {
      return std::nullopt;
    }
    for (char c : counter.substr(1)) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      n = n * 10 + (c - '0');
    }
  }
  return std::make_pair(std::string(stamp), n);
}

}  // namespace

std::vector<std::string> RotatedAlertFiles(const std::string& path) {
  const std::string prefix = RotatedPrefix(path);
  const std::filesystem::path file_prefix(prefix);
  const std::string name_prefix = file_prefix.filename().string();
  std::vector<std::tuple<std::string, int, std::string>> found;
  std::error_code error;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (const auto& entry : std::filesystem::directory_iterator(dir.empty() ? "." : dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(name_prefix)) {
      continue;
    }
    if (auto key = RotatedKey(std::string_view(name).substr(name_prefix.size()))) {
      found.emplace_back(key->first, key->second, entry.path().string());
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  for (auto& [stamp, n, full] : found) {
    paths.push_back(std::move(full));
  }
  return paths;
}

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

FileSink::FileSink(FileSinkOptions options) : options_(std::move(options)) {
  if (!options_.now_ns) {
    options_.now_ns = SystemNowNs;
  }
}

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
  device_ = static_cast<uint64_t>(info.st_dev);
  inode_ = static_cast<uint64_t>(info.st_ino);
  file_day_ =
      size_ == 0 ? -1 : DayOf(int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec);
  return base::Status::Ok();
}

std::string FileSink::RecoveryPosition() const {
  return "file:" + std::to_string(device_) + ":" + std::to_string(inode_) + ":" +
         std::to_string(size_);
}

void FileSink::SetRecordedPosition(std::string_view position) {
  recorded_.reset();
  unsigned long long device = 0;
  unsigned long long inode = 0;
  unsigned long long offset = 0;
  int used = 0;
  const std::string text(position);
  if (std::sscanf(text.c_str(), "file:%llu:%llu:%llu%n", &device, &inode, &offset, &used) == 3 &&
      static_cast<size_t>(used) == text.size()) {
    recorded_ = Position{device, inode, offset};
  }
}

base::Status FileSink::Recover(const std::vector<OutboxEntry>& pending,
                               std::vector<uint64_t>& already_delivered) {
  std::unordered_set<std::string> ids;
  base::Result<bool> past_position = CollectPastPosition(ids);
  if (!past_position.has_value()) {
    return past_position.error();
  }
  if (!*past_position) {
    ids.clear();
    if (base::Status status = CollectTails(ids); !status.ok()) {
      return status;
    }
  }
  for (const OutboxEntry& entry : pending) {
    if (ids.contains(entry.alert_id)) {
      already_delivered.push_back(entry.seq);
    }
  }
  return base::Status::Ok();
}

// The recorded position is where the last acknowledged line ended, in the file that was
// current then. Everything after it, in that file (rotated since, perhaps), in any file rotated
// after it, and in the current file, may hold alerts delivered but not acknowledged.
base::Result<bool> FileSink::CollectPastPosition(std::unordered_set<std::string>& ids) {
  if (!recorded_.has_value()) {
    return false;
  }
  const auto same_file = [this](const std::string& path, uint64_t& size) {
    struct stat info;
    if (::stat(path.c_str(), &info) != 0) {
      return false;
    }
    size = static_cast<uint64_t>(info.st_size);
    return static_cast<uint64_t>(info.st_dev) == recorded_->device &&
           static_cast<uint64_t>(info.st_ino) == recorded_->inode;
  };
  // Oldest first: the recorded file, the files rotated after it, then the current one.
  std::vector<std::pair<std::string, uint64_t>> reads;
  uint64_t size = 0;
  if (same_file(options_.path, size)) {
    if (recorded_->offset > size) {
      return false;  // cut by someone else: the position means nothing any more
    }
    reads.emplace_back(options_.path, recorded_->offset);
  } else {
    const std::vector<std::string> rotated = RotatedAlertFiles(options_.path);
    size_t found = rotated.size();
    for (size_t i = rotated.size(); i-- > 0;) {
      if (same_file(rotated[i], size)) {
        found = i;
        break;
      }
    }
    if (found == rotated.size() || recorded_->offset > size) {
      return false;  // rotated away (keep_files) or cut
    }
    reads.emplace_back(rotated[found], recorded_->offset);
    for (size_t i = found + 1; i < rotated.size(); ++i) {
      reads.emplace_back(rotated[i], 0);
    }
    reads.emplace_back(options_.path, 0);
  }
  for (size_t i = 0; i < reads.size(); ++i) {
    const auto& [path, from] = reads[i];
    const bool current = i + 1 == reads.size();
    int read_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (read_fd < 0) {
      return ErrnoStatus("cannot open alert file", path);
    }
    std::string text;
    base::Status status = ReadFrom(read_fd, path, from, text);
    ::close(read_fd);
    if (status.ok() && current) {
      status = CutTornLine(text, from);
    }
    if (!status.ok()) {
      return status;
    }
    CollectAlertIds(text, /*starts_file=*/true, ids);  // each read starts at a line
  }
  return true;
}

base::Status FileSink::CollectTails(std::unordered_set<std::string>& ids) {
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
  if (!status.ok()) {
    return status;
  }
  CollectAlertIds(tail, tail_start == 0, ids);
  // Just after a rotation the newest lines may sit at the end of the newest rotated file.
  const std::vector<std::string> rotated = RotatedAlertFiles(options_.path);
  if (tail.size() < options_.recover_tail_bytes && !rotated.empty()) {
    const std::string& previous = rotated.back();
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

std::string_view FileSink::LineOf(const OutboxEntry& entry) {
  ShrunkAlert shrunk = ShrinkAlert(entry.body, options_.max_line_bytes);
  if (shrunk.step == ShrinkStep::kNone) {
    return entry.body;
  }
  ++shrunk_alerts_;
  if (shrunk.step == ShrinkStep::kStillTooLarge) {
    ++oversized_alerts_;
  }
  if (shrunk.body.empty()) {
    return entry.body;
  }
  shrunk_ = std::move(shrunk.body);
  return shrunk_;
}

bool FileSink::MustRotate(uint64_t line_bytes, int64_t today) const {
  const uint64_t written = size_ + buffer_.size();
  if (written == 0) {
    return false;
  }
  if (options_.max_file_bytes > 0 && written + line_bytes > options_.max_file_bytes) {
    return true;
  }
  return file_day_ >= 0 && file_day_ != today;
}

base::Result<size_t> FileSink::Deliver(const std::vector<OutboxEntry>& entries) {
  size_t confirmed = 0;
  size_t buffered = 0;
  base::Status status = base::Status::Ok();
  buffer_.clear();
  const int64_t today = DayOf(options_.now_ns());
  for (const OutboxEntry& entry : entries) {
    if (stopping_) {
      break;
    }
    const std::string_view line = LineOf(entry);
    if (MustRotate(line.size() + 1, today)) {
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
    buffer_.append(line);
    buffer_.push_back('\n');
    ++buffered;
    file_day_ = today;
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
  const std::string& path = options_.path;
  // FORMATS.md §8: a rotated file is complete on disk before it gets its final name.
  struct stat info;
  if (::fdatasync(fd_) != 0 || ::fstat(fd_, &info) != 0) {
    return ErrnoStatus("cannot sync", path);
  }
  ::close(fd_);
  fd_ = -1;
  if (options_.keep_files <= 0) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove", path);
    }
  } else {
    // Named after its last write; a second rotation within that second gets `-2`, `-3`, ….
    const std::string base = RotatedPrefix(path) + Stamp(info.st_mtim.tv_sec);
    std::string target = base + std::string(kRotatedSuffix);
    for (int n = 2; ::access(target.c_str(), F_OK) == 0; ++n) {
      target = base + "-" + std::to_string(n) + std::string(kRotatedSuffix);
    }
    if (::rename(path.c_str(), target.c_str()) != 0) {
      return ErrnoStatus("cannot rotate", path);
    }
    if (base::Status status = RemoveOldRotated(); !status.ok()) {
      return status;
    }
  }
  if (base::Status status = OpenCurrent(); !status.ok()) {
    return status;
  }
  return SyncDirectory();
}

base::Status FileSink::RemoveOldRotated() {
  const std::vector<std::string> rotated = RotatedAlertFiles(options_.path);
  const size_t keep = static_cast<size_t>(options_.keep_files);
  for (size_t i = 0; i + keep < rotated.size(); ++i) {
    if (::unlink(rotated[i].c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove", rotated[i]);
    }
  }
  return base::Status::Ok();
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
