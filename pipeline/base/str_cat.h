// pipeline/base/str_cat.h: StrCat joins pieces into one string, sized once. It is also how
// messages that start with a literal are built: GCC 12 at -O2 misreports
// "literal" + std::string&& (an insert at 0) as -Wrestrict.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace trailhound::base {

inline std::string StrCat(std::initializer_list<std::string_view> pieces) {
  std::size_t size = 0;
  for (const std::string_view piece : pieces) {
    size += piece.size();
  }
  std::string joined;
  joined.reserve(size);
  for (const std::string_view piece : pieces) {
    joined.append(piece);
  }
  return joined;
}

}  // namespace trailhound::base
