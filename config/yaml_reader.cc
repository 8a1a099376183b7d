// config/yaml_reader.cc: the hardened single-document YAML read behind LoadConfig.
#include "config/yaml_reader.h"

#include <cstdint>
#include <unordered_set>

#include <yaml-cpp/depthguard.h>

#include "pipeline/base/yaml_text.h"

namespace trailhound::config {
namespace {

// yaml-cpp recurses per nesting level; flow brackets are the cheap way to nest deeply. A
// configuration needs a handful of levels.
constexpr int kMaxNesting = 64;

bool IsMarkerLine(std::string_view line, std::string_view marker) {
  return line.substr(0, 3) == marker &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// The 1-based line of a `---` that starts a second document, or of any `...`; 0 when none.
// A configuration is one document, and the end sentinel below relies on there being no `...`.
int SecondDocumentLine(std::string_view text) {
  bool content_seen = false;
  int line = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end;
    const std::string_view content = text.substr(start, end - start);
    ++line;
    if (IsMarkerLine(content, "...") || (IsMarkerLine(content, "---") && content_seen)) {
      return line;
    }
    const size_t first = content.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && content[first] != '#' && content[first] != '%') {
      content_seen = true;
    }
    start = end + 1;
  }
  return 0;
}

// Aliases make the document a graph; a few lines can stand for billions of nodes and `&a [*a]`
// holds itself. The walk counts every node it reaches (aliases included) and stops past a budget
// that the text could not exceed without aliases, or past kMaxNesting levels (cycles).
class NodeBudget {
 public:
  explicit NodeBudget(size_t limit) : limit_(limit) {}

  bool Within(const YAML::Node& node, int depth) {
    too_deep_ = too_deep_ || depth > kMaxNesting;
    if (++count_ > limit_ || too_deep_) {
      return false;
    }
    for (auto it = node.begin(); (node.IsMap() || node.IsSequence()) && it != node.end(); ++it) {
      const bool within = node.IsMap()
                              ? Within(it->first, depth + 1) && Within(it->second, depth + 1)
                              : Within(*it, depth + 1);
      if (!within) {
        return false;
      }
    }
    return true;
  }
  // Whether Within failed on depth (deep nesting or an alias cycle) rather than on size.
  bool too_deep() const { return too_deep_; }

 private:
  const size_t limit_;
  size_t count_ = 0;
  bool too_deep_ = false;
};

void CheckKeysUnique(const YAML::Node& node, const std::string& file,
                     ConfigDiagnostics& diagnostics, int depth) {
  if (depth > kMaxNesting) {
    return;  // NodeBudget has refused such a document already
  }
  if (node.IsMap()) {
    std::unordered_set<std::string> seen;
    for (const auto& pair : node) {
      if (pair.first.IsScalar() && !seen.insert(pair.first.Scalar()).second) {
        diagnostics.Error(
            LocationOf(pair.first, file), "duplicate-key",
            "key '" + pair.first.Scalar() + "' appears twice in this mapping; " + "keep one");
      }
      CheckKeysUnique(pair.second, file, diagnostics, depth + 1);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      CheckKeysUnique(item, file, diagnostics, depth + 1);
    }
  }
}

// A syntax error found only at the end of the text: say what was left open.
std::string AtEndMessage(const std::string& message) {
  if (message == YAML::ErrorMsg::DOC_IN_SCALAR) {
    return "a quoted string (' or \") is never closed";
  }
  if (message == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
    return "a '[' is never closed with ']'";
  }
  if (message == YAML::ErrorMsg::END_OF_MAP_FLOW) {
    return "a '{' is never closed with '}'";
  }
  return message + " (at the end of the file)";
}

std::optional<YAML::Node> LoadOne(std::string_view text, const std::string& file,
                                  ConfigDiagnostics& diagnostics) {
  std::string document(text);
  if (!document.empty() && document.back() != '\n') {
    document += '\n';
  }
  const size_t content_size = document.size();
  // yaml-cpp 0.7 takes the end of the text as the end of an unclosed quoted scalar; an explicit
  // end `...` (forbidden inside quotes) makes it fail on the last line instead.
  document += "...\n";
  try {
    return YAML::Load(document);
  } catch (const YAML::Exception& error) {
    if (error.mark.is_null()) {
      diagnostics.Error(ConfigLocation{file, 0, 0}, "yaml-syntax", error.msg);
    } else if (static_cast<size_t>(error.mark.pos) >= content_size) {
      diagnostics.Error(ConfigLocation{file, error.mark.line, 0}, "yaml-syntax",
                        AtEndMessage(error.msg));
    } else if (dynamic_cast<const YAML::DeepRecursion*>(&error) != nullptr) {
      diagnostics.Error(ConfigLocation{file, error.mark.line + 1, error.mark.column + 1},
                        "yaml-syntax", "the YAML nests too deeply; flatten it");
    } else {
      diagnostics.Error(ConfigLocation{file, error.mark.line + 1, error.mark.column + 1},
                        "yaml-syntax", error.msg);
    }
    return std::nullopt;
  }
}

}  // namespace

ConfigLocation LocationOf(const YAML::Node& node, const std::string& file) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) {
    return ConfigLocation{file, 0, 0};
  }
  return ConfigLocation{file, mark.line + 1, mark.column + 1};
}

std::optional<YAML::Node> ReadConfigYaml(std::string_view text, const std::string& file,
                                         ConfigDiagnostics& diagnostics) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);  // a UTF-8 byte-order mark is ignored
  }
  if (base::FlowNestingExceeds(text, kMaxNesting)) {
    diagnostics.Error(ConfigLocation{file, 0, 0}, "yaml-syntax",
                      "brackets nest deeper than " + std::to_string(kMaxNesting) + " levels");
    return std::nullopt;
  }
  if (const int line = SecondDocumentLine(text); line != 0) {
    diagnostics.Error(ConfigLocation{file, line, 1}, "yaml-syntax",
                      "a configuration is one YAML document; remove this document marker and "
                      "what follows it, or merge the documents");
    return std::nullopt;
  }
  std::optional<YAML::Node> root = LoadOne(text, file, diagnostics);
  if (!root) {
    return std::nullopt;
  }
  try {
    NodeBudget budget(2 * text.size() + 1024);
    if (!budget.Within(*root, 0)) {
      diagnostics.Error(LocationOf(*root, file), "yaml-syntax",
                        budget.too_deep()
                            ? "the YAML nests deeper than " + std::to_string(kMaxNesting) +
                                  " levels, or an alias (*name) refers to itself; flatten it"
                            : std::string("aliases (*name) repeat so much of the document that "
                                          "it cannot be read; write the values out"));
      return std::nullopt;
    }
    // Reported, but the document is still returned so the rest of it gets checked too.
    CheckKeysUnique(*root, file, diagnostics, 0);
  } catch (const YAML::Exception& error) {
    diagnostics.Error(LocationOf(*root, file), "yaml-syntax", error.msg);
    return std::nullopt;
  }
  return root;
}

}  // namespace trailhound::config
