// config/diagnostics.cc: formatting and collecting configuration diagnostics.
#include "config/diagnostics.h"

#include <algorithm>

namespace trailhound::config {

std::string ConfigDiagnostic::ToString() const {
  std::string out = file;
  out += ':';
  out += std::to_string(line);
  out += ':';
  out += std::to_string(column);
  out += severity == ConfigSeverity::kError ? ": error[" : ": warning[";
  out += code;
  out += "]: ";
  out += message;
  return out;
}

void ConfigDiagnostics::Error(const ConfigLocation& where, std::string_view code,
                              std::string message) {
  Add(where, ConfigSeverity::kError, code, std::move(message));
}

void ConfigDiagnostics::Warning(const ConfigLocation& where, std::string_view code,
                                std::string message) {
  Add(where, ConfigSeverity::kWarning, code, std::move(message));
}

bool ConfigDiagnostics::has_errors() const {
  return error_count() > 0;
}

size_t ConfigDiagnostics::error_count() const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(), [](const auto& d) {
    return d.severity == ConfigSeverity::kError;
  }));
}

bool ConfigDiagnostics::Has(std::string_view code) const {
  return std::any_of(items_.begin(), items_.end(),
                     [code](const ConfigDiagnostic& d) { return d.code == code; });
}

void ConfigDiagnostics::SortByLocation() {
  std::stable_sort(items_.begin(), items_.end(), [](const auto& a, const auto& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
}

void ConfigDiagnostics::Add(const ConfigLocation& where, ConfigSeverity severity,
                            std::string_view code, std::string message) {
  items_.push_back(ConfigDiagnostic{where.file, where.line, where.column, severity,
                                    std::string(code), std::move(message)});
}

}  // namespace trailhound::config
