// pipeline/event/field_path.h: dotted field paths (`requestParameters.policy.Statement`),
// compiled once when a rule loads and walked over an event's DOM without splitting or
// allocating. Semantics are SIGMA.md §6: at each object the longest dotted prefix that exists as
// a literal key is taken (`{"a.b": 1}` answers `a.b`), arrays met on the way are descended into
// (every element), a scalar met before the end reaches nothing. Missing (nothing reached) and
// JSON null are different answers.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "pipeline/event/hot_field.h"

namespace trailhound::event {

// The array or object an element holds, as a named value so a range-for never iterates a
// reference into a destroyed simdjson_result. REQUIRES: the element has that type (checked
// by the caller); a default-constructed result must not be iterated.
inline simdjson::dom::array AsArray(simdjson::dom::element value) {
  simdjson::dom::array array;
  if (value.get(array) != simdjson::SUCCESS) {
    return {};
  }
  return array;
}
inline simdjson::dom::object AsObject(simdjson::dom::element value) {
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS) {
    return {};
  }
  return object;
}

class FieldPath {
 public:
  FieldPath() = default;
  // Any text is a valid path; empty segments (`a..b`) are keys that are the empty string.
  static FieldPath Compile(std::string_view dotted);

  std::string_view text() const { return text_; }
  size_t size() const { return segments_.size(); }
  std::string_view segment(size_t i) const { return segments_[i]; }
  // Segments i..i+count-1 joined with '.', for the literal-dotted-key rule.
  // REQUIRES: count >= 1, i + count <= size().
  std::string_view Joined(size_t i, size_t count) const;
  // The hot field this path names exactly (`eventName`, `userIdentity.arn`), or kNone.
  HotField hot_field() const { return hot_; }

 private:
  std::string text_;
  std::vector<std::string> segments_;
  std::vector<std::string> joined_;  // joined_[i * n + (count - 1)]
  HotField hot_ = HotField::kNone;
};

// Whether a path reached anything, and what (SIGMA.md §6).
enum class FieldPresence { kMissing, kNull, kPresent };

namespace internal {

// Picks the child of `object` the path continues with at segment `i`; 0 when none.
size_t SelectKey(simdjson::dom::object object, const FieldPath& path, size_t i,
                 simdjson::dom::element& child);

template <typename Visit>
bool WalkPath(simdjson::dom::element node, const FieldPath& path, size_t i, Visit& visit) {
  if (i == path.size()) {
    return visit(node);
  }
  switch (node.type()) {
    case simdjson::dom::element_type::ARRAY:
      for (simdjson::dom::element item : AsArray(node)) {
        if (WalkPath(item, path, i, visit)) {
          return true;
        }
      }
      return false;
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::element child;
      const size_t taken = SelectKey(AsObject(node), path, i, child);
      return taken != 0 && WalkPath(child, path, i + taken, visit);
    }
    default:
      return false;
  }
}

template <typename Visit>
bool Flatten(simdjson::dom::element node, Visit& visit) {
  if (node.type() != simdjson::dom::element_type::ARRAY) {
    return visit(node);
  }
  for (simdjson::dom::element item : AsArray(node)) {
    if (Flatten(item, visit)) {
      return true;
    }
  }
  return false;
}

template <typename Visit>
bool Leaves(simdjson::dom::element node, Visit& visit) {
  switch (node.type()) {
    case simdjson::dom::element_type::ARRAY:
      for (simdjson::dom::element item : AsArray(node)) {
        if (Leaves(item, visit)) {
          return true;
        }
      }
      return false;
    case simdjson::dom::element_type::OBJECT:
      for (simdjson::dom::key_value_pair field : AsObject(node)) {
        if (Leaves(field.value, visit)) {
          return true;
        }
      }
      return false;
    case simdjson::dom::element_type::NULL_VALUE:
      return false;
    default:
      return visit(node);
  }
}

}  // namespace internal

// Calls visit(element) for each value `path` reaches from `root`, arrays as they are. A visitor
// returns true to stop; the function returns true when it was stopped.
template <typename Visit>
bool VisitReached(simdjson::dom::element root, const FieldPath& path, Visit&& visit) {
  return internal::WalkPath(root, path, 0, visit);
}

// Like VisitReached, with arrays flattened recursively: the field's value set (SIGMA.md §6).
template <typename Visit>
bool VisitValues(simdjson::dom::element root, const FieldPath& path, Visit&& visit) {
  auto flatten = [&visit](simdjson::dom::element value) { return internal::Flatten(value, visit); };
  return internal::WalkPath(root, path, 0, flatten);
}

// Every non-null scalar beneath `node` (itself when it is one), through objects and arrays.
template <typename Visit>
bool VisitScalarLeaves(simdjson::dom::element node, Visit&& visit) {
  return internal::Leaves(node, visit);
}

// Calls visit(candidate) for each candidate of `path` (SIGMA.md §6-§7): the non-null scalars of
// its value set and the scalar leaves of each object in it; what a rule value is compared with.
// A visitor returns true to stop; the function returns true when it was stopped.
template <typename Visit>
bool VisitCandidates(simdjson::dom::element root, const FieldPath& path, Visit&& visit) {
  return VisitValues(root, path, [&visit](simdjson::dom::element value) {
    if (value.type() == simdjson::dom::element_type::OBJECT) {
      return VisitScalarLeaves(value, visit);
    }
    return !value.is_null() && visit(value);
  });
}

FieldPresence ClassifyField(simdjson::dom::element root, const FieldPath& path);

}  // namespace trailhound::event
