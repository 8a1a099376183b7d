// rules/condition_parser.h: a detection's `condition` (SIGMA.md §10), parsed once at load into a
// small boolean tree over the rule's search identifiers and evaluated for every candidate event.
// Quantifiers (`1 of P`, `all of P`, `them`) are resolved against the identifiers at parse time,
// so evaluation sees only selections, `and`, `or` and `not`. A Condition is immutable after
// construction and safe to evaluate from any number of threads.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rules/diagnostics.h"

namespace trailhound::rules {

// Parentheses nested deeper than this are `condition-syntax`; it bounds the parser's and the
// evaluator's recursion, so hostile input cannot overflow the stack.
inline constexpr int kMaxConditionNesting = 256;

struct ConditionNode {
  enum class Kind : uint8_t { kSelection, kAnd, kOr, kNot };
  Kind kind = Kind::kSelection;
  // kSelection: index into the identifier list given to ParseCondition.
  // kAnd, kOr, kNot: index in Condition::nodes() of the first child.
  uint32_t first = 0;
  // Number of children: 0 for kSelection, 1 for kNot, at least 2 for kAnd and kOr (an and/or
  // nested directly in one of its own kind is merged into its parent, a single operand replaces
  // its and/or, and `not not x` is `x`).
  uint32_t count = 0;
};

// A parsed condition. nodes()[0] is the root and a node's children sit next to each other at
// nodes()[first, first + count). A default-constructed Condition is empty and matches nothing.
class Condition {
 public:
  Condition() = default;

  std::span<const ConditionNode> nodes() const { return nodes_; }
  bool empty() const { return nodes_.empty(); }

 private:
  friend class ConditionBuilder;  // the only producer (condition_parser.cc)
  explicit Condition(std::vector<ConditionNode> nodes) : nodes_(std::move(nodes)) {}

  std::vector<ConditionNode> nodes_;
};

// A rule's search identifiers with a name → position index, built once and shared by every
// condition of the rule (a `condition:` list must not rebuild it per element: that is quadratic).
// REQUIRES: `identifiers` outlives the index.
class IdentifierIndex {
 public:
  explicit IdentifierIndex(std::span<const std::string> identifiers);
  std::span<const std::string> names() const { return names_; }
  std::optional<uint32_t> Find(std::string_view name) const;  // the first of equal names

 private:
  std::span<const std::string> names_;
  std::unordered_map<std::string_view, uint32_t> index_of_;
};

// Parses `text` against the rule's search identifiers (the keys under `detection` other than
// `condition`, in a fixed order; ConditionNode::first of a selection indexes this list).
// Problems go to `diags` at `where.Shifted(offset)`, offset being the 0-based byte offset in
// `text`: `condition-syntax`, `uppercase-operator`, `undefined-identifier`, `legacy-aggregation`,
// `empty-condition` (errors) and `empty-selector` (warning). Returns nullopt when this call
// reported an error. Linear in the length of `text` for a fixed identifier list.
// REQUIRES: `where` is the location of the first character of `text`.
std::optional<Condition> ParseCondition(std::string_view text,
                                        std::span<const std::string> identifiers,
                                        const SourceLocation& where, Diagnostics& diags);
// The same against an index built once for several conditions.
std::optional<Condition> ParseCondition(std::string_view text, const IdentifierIndex& identifiers,
                                        const SourceLocation& where, Diagnostics& diags);

// The condition of a rule whose `condition` is a list: it matches when any of `conditions` does.
// Returns nullopt when `conditions` is empty or every element is empty.
std::optional<Condition> CombineConditionsAnyOf(std::span<const Condition> conditions);

// `conditions[0] and conditions[1] and ...`, each over a selection list of its own placed at
// `selection_offsets[i]` in the combined list (a filter's selections appended to a rule's, §12).
// Returns nullopt when every element is empty.
// REQUIRES: selection_offsets.size() == conditions.size().
std::optional<Condition> CombineConditionsAllOf(std::span<const Condition> conditions,
                                                std::span<const uint32_t> selection_offsets);

// The tree in prefix form, e.g. `or(a, and(b, not(c)))`, for tests and `rules lint` output.
// A selection index outside `identifiers` prints as `#index`.
std::string DescribeCondition(const Condition& condition, std::span<const std::string> identifiers);

namespace condition_internal {

template <typename SelectionMatches>
bool EvaluateNode(std::span<const ConditionNode> nodes, uint32_t index,
                  SelectionMatches& selection_matches) {
  const ConditionNode& node = nodes[index];
  switch (node.kind) {
    case ConditionNode::Kind::kSelection:
      return selection_matches(node.first);
    case ConditionNode::Kind::kNot:
      return !EvaluateNode(nodes, node.first, selection_matches);
    case ConditionNode::Kind::kAnd:
      for (uint32_t child = node.first; child < node.first + node.count; ++child) {
        if (!EvaluateNode(nodes, child, selection_matches)) {
          return false;
        }
      }
      return true;
    case ConditionNode::Kind::kOr:
      for (uint32_t child = node.first; child < node.first + node.count; ++child) {
        if (EvaluateNode(nodes, child, selection_matches)) {
          return true;
        }
      }
      return false;
  }
  return false;
}

}  // namespace condition_internal

// Evaluates `condition`, calling `selection_matches(uint32_t selection_index) -> bool` only for
// the selections the verdict still depends on: `and` stops at the first false operand, `or` at the
// first true one. Allocates nothing. A selection named twice is asked twice; callers whose
// selections are costly may cache. An empty condition is false.
template <typename SelectionMatches>
requires std::predicate<SelectionMatches&, uint32_t>
bool EvaluateCondition(const Condition& condition, SelectionMatches&& selection_matches) {
  if (condition.empty()) {
    return false;
  }
  return condition_internal::EvaluateNode(condition.nodes(), 0, selection_matches);
}

// Evaluates with every selection's verdict known in advance.
// REQUIRES: selection_results.size() covers every selection index in `condition`.
inline bool EvaluateCondition(const Condition& condition, std::span<const bool> selection_results) {
  return EvaluateCondition(
      condition, [selection_results](uint32_t index) { return selection_results[index]; });
}

}  // namespace trailhound::rules
