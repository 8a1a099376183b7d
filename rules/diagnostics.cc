// rules/diagnostics.cc: formatting and collecting rule diagnostics.
#include "rules/diagnostics.h"

namespace trailhound::rules {

std::string Quote(std::string_view text) {
  constexpr size_t kMaxQuoted = 200;  // a 1 MB value must not make a 1 MB message
  std::string out;
  out += '\'';
  if (text.size() <= kMaxQuoted) {
    out.append(text);
    out += '\'';
    return out;
  }
  size_t cut = kMaxQuoted;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;  // never split a UTF-8 sequence
  }
  out.append(text.substr(0, cut));
  out += "...' (";
  out += std::to_string(text.size());
  out += " bytes)";
  return out;
}

std::string Diagnostic::ToString() const {
  std::string out = location.file.empty() ? std::string("<input>") : location.file;
  if (location.line > 0) {
    out += ':' + std::to_string(location.line);
    if (location.column > 0) {
      out += ':' + std::to_string(location.column);
    }
  }
  out += severity == Severity::kError ? ": error[" : ": warning[";
  out += code;
  out += "]: ";
  out += message;
  if (!rule_title.empty()) {
    out += " (rule '" + rule_title + "')";
  }
  return out;
}

void Diagnostics::Error(const SourceLocation& location, std::string_view code,
                        std::string message) {
  items_.push_back(
      Diagnostic{location, Severity::kError, std::string(code), std::move(message), {}});
}

void Diagnostics::Warning(const SourceLocation& location, std::string_view code,
                          std::string message) {
  items_.push_back(
      Diagnostic{location, Severity::kWarning, std::string(code), std::move(message), {}});
}

bool Diagnostics::has_errors() const {
  for (const Diagnostic& d : items_) {
    if (d.severity == Severity::kError) {
      return true;
    }
  }
  return false;
}

void Diagnostics::SetRuleTitle(size_t first, std::string_view title) {
  for (size_t i = first; i < items_.size(); ++i) {
    if (items_[i].rule_title.empty()) {
      items_[i].rule_title = std::string(title);
    }
  }
}

bool Diagnostics::Has(std::string_view code) const {
  for (const Diagnostic& d : items_) {
    if (d.code == code) {
      return true;
    }
  }
  return false;
}

}  // namespace trailhound::rules
