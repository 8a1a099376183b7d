// pipeline/dead_letter.h: dead-letter entries as NDJSON (FORMATS.md §8): where a record came
// from, why it was refused, and its bytes (as text when valid UTF-8, else base64), cut to a
// configurable size so one hostile 10 MB record cannot fill the disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "pipeline/decode.h"

namespace trailhound::pipeline {

struct DeadLetterOptions {
  size_t max_raw_bytes = 64 * 1024;  // bytes of the original record kept in the entry
};

// One JSON object, no trailing newline:
// {"time","source","position","reason","error","raw"|"raw_b64","raw_bytes","raw_truncated"}.
// `now_ns` is the wall-clock time of the rejection.
std::string FormatDeadLetter(const Rejected& rejected, int64_t now_ns,
                             const DeadLetterOptions& options);

}  // namespace trailhound::pipeline
