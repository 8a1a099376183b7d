// pipeline/source_file.h: CloudTrail log files and directories as input (FORMATS.md §3). Lists
// what to read in a stable order and reads each file whole; the decoder splits containers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/base/result.h"

namespace trailhound::pipeline {

struct FileListing {
  std::vector<std::string> files;     // in the order to read them
  uint64_t skipped_digest_files = 0;  // under CloudTrail-Digest/
  uint64_t skipped_other_files = 0;   // not *.json, *.json.gz, *.ndjson, *.ndjson.gz
  std::vector<std::string> errors;    // unreadable directories, with the reason
};

// Expands `paths`: a file named explicitly is read whatever its name, `-` is stdin, and a
// directory is walked recursively in name order, taking CloudTrail file names only and
// skipping digest files. A path that does not exist is an error for the caller to report.
base::Result<FileListing> ListInputFiles(const std::vector<std::string>& paths);

// Reads a whole file (or stdin for "-"), refusing files larger than `max_bytes`. The string
// has `padding` bytes of spare capacity after its content, so a parser that reads in blocks
// (Decoder::DecodePadded) can use it without a copy.
base::Result<std::string> ReadInputFile(const std::string& path, uint64_t max_bytes,
                                        size_t padding = 0);

}  // namespace trailhound::pipeline
