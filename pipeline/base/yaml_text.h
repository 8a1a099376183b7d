// pipeline/base/yaml_text.h: checks on YAML text made before yaml-cpp reads it. yaml-cpp
// recurses once per nesting level, so hostile input could exhaust the stack before it returns;
// flow brackets are the cheap way to nest deeply, so they are counted first, by rules and
// configuration loading alike.
#pragma once

#include <string_view>

namespace trailhound::base {

// Whether `[`/`{` brackets outside quoted strings nest deeper than `max_depth`. A quote ends
// at its line's end at the latest, so one unclosed quote cannot hide the rest of the text.
bool FlowNestingExceeds(std::string_view text, int max_depth);

}  // namespace trailhound::base
