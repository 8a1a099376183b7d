// rules/sigma_parser.h: Sigma rule files to SigmaDocuments (SIGMA.md §1-§5, §9 names). Reads
// every document of a file, reports every problem it can find in one pass as diagnostics with
// file:line:column, and leaves out only the documents that have errors. yaml-cpp's exceptions
// are caught here and never leave this module. Not thread-safe; stateless between calls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostics.h"
#include "rules/sigma_rule.h"

namespace trailhound::rules {

// Rule files under `paths`: `.yml`/`.yaml`, directories recursed in name order, `*.tests.yml`
// left out (they are rule tests, §15). A path that does not exist is an error diagnostic.
std::vector<std::string> ListRuleFiles(const std::vector<std::string>& paths,
                                       Diagnostics& diagnostics);

// Parses the YAML text of one file (`file` names it in diagnostics).
std::vector<SigmaDocument> ParseRuleText(std::string_view text, const std::string& file,
                                         Diagnostics& diagnostics);

// Reads and parses one file.
std::vector<SigmaDocument> ParseRuleFile(const std::string& file, Diagnostics& diagnostics);

}  // namespace trailhound::rules
