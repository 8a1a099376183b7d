// rules/sigma_parser.h: Sigma rule files to SigmaDocuments (SIGMA.md §1-§5, §9 names). Reads
// every document of a file, reports every problem it can find in one pass as diagnostics with
// file:line:column, and leaves out only the documents that have errors. yaml-cpp's exceptions
// are caught here and never leave this module. Not thread-safe; stateless between calls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rules/diagnostics.h"
#include "rules/sigma_rule.h"

namespace trailhound::rules {

// Rule files under `paths`: `.yml`/`.yaml`, directories recursed in name order, `*.tests.yml`
// left out (they are rule tests, §15). A path that does not exist is an error diagnostic.
std::vector<std::string> ListRuleFiles(const std::vector<std::string>& paths,
                                       Diagnostics& diagnostics);

// One YAML document of a file and the 0-based line of the file where it starts.
struct YamlDocument {
  YAML::Node node;
  int first_line = 0;
};

// The documents of a YAML text, read the way rule files are (§1) and hardened against
// yaml-cpp 0.7: a leading BOM skipped, flow nesting capped, documents split at `---`/`...` and
// loaded one at a time (its LoadAll loops forever on a stray ','), an unclosed quote at the end
// refused, alias bombs and empty flow entries refused. Each problem is a `yaml-syntax`
// diagnostic and leaves its document out; empty documents are skipped. Rule test files
// (`rules test`) are read with it too.
std::vector<YamlDocument> ReadYamlDocuments(std::string_view text, const std::string& file,
                                            Diagnostics& diagnostics);

// Reports every key that occurs twice in one mapping, anywhere under `node`, as
// `duplicate-key` (never "last one wins", §1). `line_offset`: lines of the file before the
// document. Linear in the number of keys.
void CheckDuplicateKeys(const YAML::Node& node, const std::string& file, int line_offset,
                        Diagnostics& diagnostics);

// Parses the YAML text of one file (`file` names it in diagnostics).
std::vector<SigmaDocument> ParseRuleText(std::string_view text, const std::string& file,
                                         Diagnostics& diagnostics);

// Reads and parses one file.
std::vector<SigmaDocument> ParseRuleFile(const std::string& file, Diagnostics& diagnostics);

}  // namespace trailhound::rules
