// pipeline/event/field_path.cc: path compilation and the literal-dotted-key rule.
#include "pipeline/event/field_path.h"

#include "pipeline/base/check.h"

namespace trailhound::event {

FieldPath FieldPath::Compile(std::string_view dotted) {
  FieldPath path;
  path.text_ = std::string(dotted);
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) {
      path.segments_.emplace_back(dotted.substr(start));
      break;
    }
    path.segments_.emplace_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  const size_t n = path.segments_.size();
  path.joined_.resize(n * n);
  for (size_t i = 0; i < n; ++i) {
    std::string joined = path.segments_[i];
    path.joined_[i * n] = joined;
    for (size_t count = 2; i + count <= n; ++count) {
      joined += '.';
      joined += path.segments_[i + count - 1];
      path.joined_[i * n + count - 1] = joined;
    }
  }
  path.hot_ = HotFieldByPath(dotted);
  return path;
}

std::string_view FieldPath::Joined(size_t i, size_t count) const {
  TH_DCHECK(count >= 1 && i + count <= segments_.size());
  return joined_[i * segments_.size() + count - 1];
}

namespace internal {

size_t SelectKey(simdjson::dom::object object, const FieldPath& path, size_t i,
                 simdjson::dom::element& child) {
  const std::string_view first = path.segment(i);
  const size_t remaining = path.size() - i;
  size_t best = 0;
  for (simdjson::dom::key_value_pair field : object) {
    const std::string_view key = field.key;
    if (key.size() < first.size() || key.compare(0, first.size(), first) != 0) {
      continue;
    }
    if (key.size() == first.size()) {
      if (best == 0) {
        best = 1;
        child = field.value;
      }
      continue;
    }
    if (key[first.size()] != '.') {
      continue;
    }
    // A literal key holding dots: take it when it equals a longer prefix of the path.
    for (size_t count = remaining; count > best && count >= 2; --count) {
      if (key == path.Joined(i, count)) {
        best = count;
        child = field.value;
        break;
      }
    }
  }
  return best;
}

}  // namespace internal

FieldPresence ClassifyField(simdjson::dom::element root, const FieldPath& path) {
  bool reached = false;
  bool non_null = false;
  VisitValues(root, path, [&](simdjson::dom::element value) {
    reached = true;
    if (!value.is_null()) {
      non_null = true;
      return true;
    }
    return false;
  });
  if (!reached) {
    // An empty array is reached but contributes no value: it counts as null, not missing.
    bool any = false;
    VisitReached(root, path, [&](simdjson::dom::element) {
      any = true;
      return true;
    });
    return any ? FieldPresence::kNull : FieldPresence::kMissing;
  }
  return non_null ? FieldPresence::kPresent : FieldPresence::kNull;
}

}  // namespace trailhound::event
