// rules/diagnostics.h: what is wrong with a rule, where, and what to do about it. Every problem
// found in one pass is collected; the rule loader, `rules lint` and `rules test` print them as
// `file:line:column: error[code]: message (rule 'title')` (SIGMA.md §14). Line and column are
// 1-based; 0 means unknown. Not thread-safe; one Diagnostics per load.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trailhound::rules {

enum class Severity { kError, kWarning };

// A position in a rule file. yaml-cpp counts from zero; YAML locations are converted once, in
// the loader, with SourceLocation::FromYaml.
struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based, 0 = unknown
  int column = 0;  // 1-based, 0 = unknown

  static SourceLocation FromYaml(std::string file, int zero_based_line, int zero_based_column) {
    return SourceLocation{std::move(file), zero_based_line + 1, zero_based_column + 1};
  }
  // A location `offset` characters further along the same line (e.g. inside a condition).
  SourceLocation Shifted(int offset) const {
    SourceLocation shifted = *this;
    if (shifted.column > 0) {
      shifted.column += offset;
    }
    return shifted;
  }
};

struct Diagnostic {
  SourceLocation location;
  Severity severity = Severity::kError;
  std::string code;        // stable, from SIGMA.md §14: `unknown-modifier`, `bad-regex`, ...
  std::string message;     // says what is wrong and, where possible, what to do
  std::string rule_title;  // empty when not known yet

  // `rules/x.yml:14:7: error[unknown-modifier]: 'containz' is not a Sigma modifier (rule 'T')`
  std::string ToString() const;
};

// `text` in single quotes, for messages: `'containz'`. Text over 200 bytes is cut (at a UTF-8
// boundary) and its size given: `'aaaa...' (1048576 bytes)`. Out of line, and built by appending:
// GCC 12 at -O2 misreports "'" + std::string(...) (an insert at 0) as -Wrestrict.
std::string Quote(std::string_view text);

class Diagnostics {
 public:
  void Add(Diagnostic diagnostic) { items_.push_back(std::move(diagnostic)); }
  void Error(const SourceLocation& location, std::string_view code, std::string message);
  void Warning(const SourceLocation& location, std::string_view code, std::string message);

  bool has_errors() const;
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // Sets the rule title on every diagnostic added since `first` that has none.
  void SetRuleTitle(size_t first, std::string_view title);
  // True when some diagnostic has this code (tests and callers that branch on a code).
  bool Has(std::string_view code) const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace trailhound::rules
