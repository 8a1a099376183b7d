// pipeline/base/edit_distance.h: the "did you mean" of rule and configuration diagnostics.
#pragma once

#include <cstddef>
#include <string_view>

namespace trailhound::base {

// Levenshtein distance (insertions, deletions, substitutions, each costing one), in
// O(|a| * |b|) time and O(|b|) memory. Callers bound the lengths they compare.
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace trailhound::base
