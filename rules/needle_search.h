// rules/needle_search.h: many literals found in one pass over a text (Aho-Corasick): the needles
// become one automaton at load, a full transition table over byte classes (the bytes no needle
// holds share one class), so each text byte costs one table step however many needles there
// are. Bytes are compared exactly, except that a search built `ascii_either_case` reads A-Z of
// the text as a-z (callers fold anything else on both sides first). Immutable once built;
// Search is const and any number of threads may call it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trailhound::rules {

class NeedleSearch {
 public:
  NeedleSearch() = default;
  // Needle i is needles[i]; empty needles are never reported.
  // REQUIRES: the needles' bytes in all, times 256, below 2^31 (the table is addressed in 32 bits).
  // `ascii_either_case`: A-Z of a text match a-z of a needle.
  // REQUIRES: no needle holds A-Z when `ascii_either_case`.
  explicit NeedleSearch(const std::vector<std::string>& needles, bool ascii_either_case = false);

  // Calls found(i) for every needle i that occurs in `text`, once for each place it ends (so
  // possibly more than once for one needle), in no promised order.
  template <typename Found>
  void Search(std::string_view text, Found&& found) const {
    if (next_.empty()) {
      return;
    }
    uint32_t at = 0;  // the current state times class_count_, shifted left once
    for (const char c : text) {
      at = next_[(at >> 1) + classes_[static_cast<uint8_t>(c)]];
      if ((at & 1) != 0) {
        const uint32_t state = (at >> 1) / class_count_;
        for (uint32_t i = output_starts_[state]; i < output_starts_[state + 1]; ++i) {
          found(outputs_[i]);
        }
      }
    }
  }

  size_t state_count() const { return class_count_ == 0 ? 0 : next_.size() / class_count_; }

 private:
  std::array<uint8_t, 256> classes_{};  // byte → class; 0 for bytes no needle holds
  uint32_t class_count_ = 0;
  // Per state and class: the next state times class_count_, shifted left once, with the low
  // bit set when that state ends a needle.
  std::vector<uint32_t> next_;
  std::vector<uint32_t> output_starts_;  // per state, into outputs_; one more than the states
  std::vector<uint32_t> outputs_;        // needles ending at each state, suffixes included
};

}  // namespace trailhound::rules
