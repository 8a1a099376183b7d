// rules/rule_tests.h: running rule tests (SIGMA.md §15), the engine of `trailhound rules test`
// and reusable by unit tests. Rules load exactly as the daemon loads them (LoadRules: filters
// applied, correlations compiled); tests come from each document's top-level `tests:` and from
// sibling `NAME.tests.yml` files. An `event`/`event_file` test evaluates its one detection rule
// against the record; an `events` test feeds its records in order through the rule index and a
// fresh CorrelationEngine, flushes it, and counts the alerts of its correlation. Not
// thread-safe; no state between calls.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rules/compiled_rule.h"
#include "rules/correlation.h"
#include "rules/diagnostics.h"

namespace trailhound::rules {

struct RuleTestOptions {
  CompileOptions compile;          // placeholders for `expand`
  CorrelationOptions correlation;  // lateness and state bounds of each `events` test's engine
};

struct RuleTestReport {
  size_t passed = 0;
  // Tests that failed, tests that could not run (each `test-format` problem), and each rule
  // file with a load error (its left-out rules' tests do not run).
  size_t failed = 0;
  // In order: the errors of loading, then per file each `test-format` problem and each failure
  // (`test-failed`, at the test's `name`). Warnings of loading are not repeated here.
  Diagnostics diagnostics;
};

// Loads the rules under `paths` (files or directories, as `rules lint` takes them; a path to a
// `NAME.tests.yml` runs that file against `NAME.yml`) and runs every test found.
RuleTestReport RunRuleTests(const std::vector<std::string>& paths, const RuleTestOptions& options);

// `N passed, N failed`, the last line `rules test` prints.
std::string RuleTestSummary(const RuleTestReport& report);

}  // namespace trailhound::rules
