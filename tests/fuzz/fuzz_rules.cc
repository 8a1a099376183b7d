// tests/fuzz/fuzz_rules.cc: libFuzzer target for the Sigma rule parser and the condition
// parser. Any bytes must give documents and diagnostics, never a crash, hang or sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/condition_parser.h"
#include "rules/sigma_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trailhound::rules;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Diagnostics diagnostics;
  for (const SigmaDocument& document : ParseRuleText(text, "fuzz.yml", diagnostics)) {
    std::vector<std::string> names;
    for (const SearchIdentifier& identifier : document.rule.identifiers) {
      names.push_back(identifier.name);
    }
    for (size_t i = 0; i < document.rule.conditions.size(); ++i) {
      ParseCondition(document.rule.conditions[i], names, document.rule.condition_locations[i],
                     diagnostics);
    }
  }
  // The condition grammar on its own, with a fixed set of identifiers.
  static const std::vector<std::string> kNames = {"selection", "filter", "filter_main_a", "_x"};
  ParseCondition(text, kNames, SourceLocation{"fuzz", 1, 1}, diagnostics);
  for (const Diagnostic& d : diagnostics.items()) {
    (void)d.ToString();
  }
  return 0;
}
