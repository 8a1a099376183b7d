// daemon/run_rules.h: the daemon's rule set, loaded whole or not at all. `run` refuses to start
// on a rule error and SIGHUP keeps the old set on one, so a bad file never silently drops rules.
#pragma once

#include <memory>

#include "config/schema.h"
#include "pipeline/base/result.h"
#include "rules/rule_set.h"

namespace trailhound::daemon {

// Loads every rule of `rules.paths`. Each diagnostic is logged; any error refuses the set.
base::Result<std::shared_ptr<const rules::LoadedRules>> LoadRuleSet(const config::Rules& rules);

}  // namespace trailhound::daemon
