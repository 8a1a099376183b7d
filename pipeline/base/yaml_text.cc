// pipeline/base/yaml_text.cc: one pass over the text, no allocation.
#include "pipeline/base/yaml_text.h"

namespace trailhound::base {

bool FlowNestingExceeds(std::string_view text, int max_depth) {
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote != 0) {
      // A quote ends at its closing character or, for this count, at the end of its line:
      // brackets inside a multi-line quoted string then count too, which errs on the safe side.
      quote = c == quote || c == '\n' ? 0 : quote;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return true;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace trailhound::base
