// pipeline/event/tape.cc: locating an element on its document's tape.
#include "pipeline/event/tape.h"

#include <type_traits>

#include "pipeline/base/check.h"

namespace trailhound::event {

size_t TapeIndexOf(const simdjson::dom::document& document, simdjson::dom::element element) {
  struct TapeRef {
    const simdjson::dom::document* doc;
    size_t json_index;
  };
  static_assert(sizeof(simdjson::dom::element) == sizeof(TapeRef));
  static_assert(std::is_trivially_copyable_v<simdjson::dom::element>);
  TapeRef ref;
  std::memcpy(&ref, &element, sizeof ref);
  TH_CHECK(ref.doc == &document);
  const char type = TapeView(document).type(ref.json_index);
  const bool consistent =
      (element.is_object() && type == '{') || (element.is_array() && type == '[') ||
      (element.is_string() && type == '"') || (element.is_null() && type == 'n') ||
      (element.is_bool() && (type == 't' || type == 'f')) ||
      (element.is_number() && (type == 'l' || type == 'u' || type == 'd'));
  TH_CHECK(consistent);
  return ref.json_index;
}

}  // namespace trailhound::event
