// pipeline/source_file.cc: directory walking and whole-file reads for replay.
#include "pipeline/source_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace trailhound::pipeline {
namespace {

namespace fs = std::filesystem;

bool IsCloudTrailFileName(const std::string& name) {
  return name.ends_with(".json") || name.ends_with(".json.gz") || name.ends_with(".ndjson") ||
         name.ends_with(".ndjson.gz");
}

bool IsDigestPath(const std::string& path) {
  return path.find("/CloudTrail-Digest/") != std::string::npos ||
         path.find("_CloudTrail-Digest_") != std::string::npos;
}

void WalkDirectory(const fs::path& root, FileListing& listing) {
  std::error_code ec;
  std::vector<std::string> found;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    listing.errors.push_back(root.string() + ": " + ec.message());
    return;
  }
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      listing.errors.push_back(root.string() + ": " + ec.message());
      break;
    }
    if (!it->is_regular_file(ec)) {
      continue;
    }
    const std::string path = it->path().string();
    if (IsDigestPath(path)) {
      ++listing.skipped_digest_files;
    } else if (!IsCloudTrailFileName(it->path().filename().string())) {
      ++listing.skipped_other_files;
    } else {
      found.push_back(path);
    }
  }
  std::sort(found.begin(), found.end());
  listing.files.insert(listing.files.end(), found.begin(), found.end());
}

}  // namespace

base::Result<FileListing> ListInputFiles(const std::vector<std::string>& paths) {
  FileListing listing;
  for (const std::string& path : paths) {
    if (path == "-") {
      listing.files.push_back(path);
      continue;
    }
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      return base::NotFound(path + ": no such file or directory");
    }
    if (fs::is_directory(status)) {
      WalkDirectory(path, listing);
    } else {
      listing.files.push_back(path);
    }
  }
  return listing;
}

base::Result<std::string> ReadInputFile(const std::string& path, uint64_t max_bytes,
                                        size_t padding) {
  FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return base::Unavailable(path + ": " + std::strerror(errno));
  }
  std::string data;
  std::error_code ec;
  const uintmax_t size = path == "-" ? 0 : fs::file_size(path, ec);
  if (!ec && size > 0 && size <= max_bytes) {
    data.reserve(size + padding);  // one allocation, padding included, for regular files
  }
  char buffer[1 << 16];
  size_t n = 0;
  bool too_large = false;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    if (data.size() + n > max_bytes) {
      too_large = true;
      break;
    }
    data.append(buffer, n);
  }
  const bool failed = std::ferror(file) != 0;
  if (file != stdin) {
    std::fclose(file);
  }
  if (too_large) {
    return base::Status(base::StatusCode::kResourceExhausted,
                        path + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (failed) {
    return base::Unavailable(path + ": read error");
  }
  if (data.capacity() < data.size() + padding) {
    data.reserve(data.size() + padding);
  }
  return data;
}

}  // namespace trailhound::pipeline
