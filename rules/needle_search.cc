// rules/needle_search.cc: the trie of the needles, then its failure links in breadth-first
// order, which completes every missing transition and merges each state's needles with those
// of its longest proper suffix that is a state.
#include "rules/needle_search.h"

#include <deque>

namespace trailhound::rules {
namespace {

constexpr uint32_t kNone = 0xFFFFFFFF;

}  // namespace

NeedleSearch::NeedleSearch(const std::vector<std::string>& needles, bool ascii_either_case) {
  std::array<bool, 256> used{};
  size_t distinct = 0;
  for (const std::string& needle : needles) {
    for (const char c : needle) {
      distinct += used[static_cast<uint8_t>(c)] ? 0 : 1;
      used[static_cast<uint8_t>(c)] = true;
    }
  }
  // Class 0 is every byte no needle holds; when needles hold all 256, each byte is its class.
  uint32_t classes = distinct == 256 ? 0 : 1;
  for (size_t byte = 0; byte < 256; ++byte) {
    if (used[byte]) {
      classes_[byte] = static_cast<uint8_t>(classes++);
    }
  }
  class_count_ = classes;
  if (ascii_either_case) {
    for (char upper = 'A'; upper <= 'Z'; ++upper) {
      classes_[static_cast<uint8_t>(upper)] = classes_[static_cast<uint8_t>(upper + ('a' - 'A'))];
    }
  }
  // The trie, states numbered as created; `trie` holds plain state numbers, kNone for none.
  std::vector<uint32_t> trie(class_count_, kNone);
  std::vector<std::vector<uint32_t>> own(1);
  for (uint32_t id = 0; id < needles.size(); ++id) {
    if (needles[id].empty()) {
      continue;
    }
    uint32_t state = 0;
    for (const char c : needles[id]) {
      uint32_t& next = trie[size_t{state} * class_count_ + classes_[static_cast<uint8_t>(c)]];
      if (next == kNone) {
        next = static_cast<uint32_t>(own.size());
        own.emplace_back();
        trie.resize(trie.size() + class_count_, kNone);
      }
      state = trie[size_t{state} * class_count_ + classes_[static_cast<uint8_t>(c)]];
    }
    own[state].push_back(id);
  }
  const size_t states = own.size();
  std::vector<uint32_t> fail(states, 0);
  std::vector<std::vector<uint32_t>> merged(states);
  std::deque<uint32_t> queue;
  for (uint32_t cls = 0; cls < class_count_; ++cls) {
    uint32_t& next = trie[cls];
    if (next == kNone) {
      next = 0;
    } else {
      queue.push_back(next);
    }
  }
  merged[0] = own[0];
  while (!queue.empty()) {
    const uint32_t state = queue.front();
    queue.pop_front();
    merged[state] = own[state];
    const std::vector<uint32_t>& inherited = merged[fail[state]];
    merged[state].insert(merged[state].end(), inherited.begin(), inherited.end());
    for (uint32_t cls = 0; cls < class_count_; ++cls) {
      uint32_t& next = trie[size_t{state} * class_count_ + cls];
      const uint32_t via_fail = trie[size_t{fail[state]} * class_count_ + cls];
      if (next == kNone) {
        next = via_fail;
      } else {
        fail[next] = via_fail;
        queue.push_back(next);
      }
    }
  }
  output_starts_.reserve(states + 1);
  for (size_t state = 0; state < states; ++state) {
    output_starts_.push_back(static_cast<uint32_t>(outputs_.size()));
    outputs_.insert(outputs_.end(), merged[state].begin(), merged[state].end());
  }
  output_starts_.push_back(static_cast<uint32_t>(outputs_.size()));
  next_.resize(trie.size());
  for (size_t i = 0; i < trie.size(); ++i) {
    const uint32_t target = trie[i];
    next_[i] = (target * class_count_) << 1 | (merged[target].empty() ? 0 : 1);
  }
}

}  // namespace trailhound::rules
