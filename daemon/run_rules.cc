// daemon/run_rules.cc: rule loading for `run` and its reloads, all-or-nothing.
#include "daemon/run_rules.h"

#include <spdlog/spdlog.h>

#include "pipeline/base/str_cat.h"

namespace trailhound::daemon {

base::Result<std::shared_ptr<const rules::LoadedRules>> LoadRuleSet(const config::Rules& rules) {
  rules::CompileOptions compile_options;
  rules::Diagnostics diagnostics;
  if (!rules.placeholders.empty()) {
    rules::LoadPlaceholders(rules.placeholders, compile_options.placeholders, diagnostics);
  }
  auto loaded = std::make_shared<rules::LoadedRules>(
      rules::LoadRules(rules.paths, compile_options, diagnostics));
  size_t errors = 0;
  for (const rules::Diagnostic& d : diagnostics.items()) {
    if (d.severity == rules::Severity::kError) {
      ++errors;
      spdlog::error("{}", d.ToString());
    } else {
      spdlog::warn("{}", d.ToString());
    }
  }
  if (errors > 0) {
    return base::InvalidInput(base::StrCat(
        {std::to_string(errors), " rule error(s); the rule set is refused as a whole"}));
  }
  spdlog::info("rules: {} rules, {} correlations, {} filters loaded", loaded->rules.size(),
               loaded->correlations.size(), loaded->filters);
  return std::shared_ptr<const rules::LoadedRules>(std::move(loaded));
}

}  // namespace trailhound::daemon
