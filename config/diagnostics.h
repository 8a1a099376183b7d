// config/diagnostics.h: what is wrong with a configuration file, where, and what to do about it.
// The loader collects every problem in one pass; `config check` prints each as
// `file:line:column: error[code]: message`. Line and column are 1-based; 0 means unknown.
// Messages never contain the value of a secret. Not thread-safe; one ConfigDiagnostics per load.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace trailhound::config {

enum class ConfigSeverity { kError, kWarning };

struct ConfigDiagnostic {
  std::string file;
  int line = 0;    // 1-based, 0 = unknown
  int column = 0;  // 1-based, 0 = unknown
  ConfigSeverity severity = ConfigSeverity::kError;
  std::string code;  // stable: `unknown-key`, `wrong-type`, ... (docs/configuration.md)
  std::string message;

  // `trailhound.yml:14:7: error[unknown-key]: 'brokres' is not a key of sources.kafka; did you
  // mean 'brokers'?`
  std::string ToString() const;
};

// Where a diagnostic points: file and 1-based line and column.
struct ConfigLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

class ConfigDiagnostics {
 public:
  void Error(const ConfigLocation& where, std::string_view code, std::string message);
  void Warning(const ConfigLocation& where, std::string_view code, std::string message);

  bool has_errors() const;
  size_t error_count() const;
  size_t size() const { return items_.size(); }
  const std::vector<ConfigDiagnostic>& items() const { return items_; }
  // Orders the diagnostics by line and column, keeping the order of those at one place.
  void SortByLocation();
  // True when some diagnostic has this code.
  bool Has(std::string_view code) const;

 private:
  void Add(const ConfigLocation& where, ConfigSeverity severity, std::string_view code,
           std::string message);

  std::vector<ConfigDiagnostic> items_;
};

}  // namespace trailhound::config
