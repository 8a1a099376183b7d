// config/node_reader.cc: typed, located reads of configuration values.
#include "config/node_reader.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "config/secret_ref.h"
#include "pipeline/base/edit_distance.h"

namespace trailhound::config {
namespace {

bool LooksLikeNumberOrBool(const std::string& text) {
  static constexpr std::string_view kBools[] = {"true", "false", "yes", "no", "on", "off"};
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(c | 0x20); });
  if (std::find(std::begin(kBools), std::end(kBools), lower) != std::end(kBools)) {
    return true;
  }
  size_t i = text.size() > 0 && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  const size_t digits_start = i;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
    ++i;
  }
  return i == text.size() && i > digits_start && std::count(text.begin(), text.end(), '.') <= 1;
}

std::string Describe(const YAML::Node& node) {
  if (node.IsMap()) {
    return "a mapping";
  }
  if (node.IsSequence()) {
    return "a list";
  }
  if (node.IsNull()) {
    return "nothing (null)";
  }
  return Quote(node.Scalar());
}

}  // namespace

std::string Quote(std::string_view text) {
  constexpr size_t kMaxQuoted = 100;
  std::string out = "'";
  if (text.size() <= kMaxQuoted) {
    out.append(text);
    out += '\'';
    return out;
  }
  size_t end = kMaxQuoted;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;  // do not cut a UTF-8 sequence
  }
  out.append(text.substr(0, end));
  out += "...' (";
  out += std::to_string(text.size());
  out += " bytes)";
  return out;
}

std::string_view ClosestKey(std::string_view key, std::initializer_list<std::string_view> keys) {
  std::string_view best;
  size_t best_distance = 3;  // farther than two edits is no suggestion
  for (std::string_view candidate : keys) {
    const size_t distance = base::EditDistance(key, candidate);
    if (distance < best_distance && distance < key.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

ConfigLocation NodeReader::At(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? ConfigLocation{file_, 0, 0}
                        : ConfigLocation{file_, mark.line + 1, mark.column + 1};
}

std::optional<YAML::Node> NodeReader::Find(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) {
    return std::nullopt;
  }
  for (const auto& pair : map) {
    if (pair.first.IsScalar() && pair.first.Scalar() == key) {
      return pair.second;  // the first of duplicates; the YAML reader reports the others
    }
  }
  return std::nullopt;
}

bool NodeReader::ExpectMap(const YAML::Node& node, const std::string& section,
                           std::initializer_list<std::string_view> keys) {
  if (node.IsNull()) {
    return true;
  }
  if (!node.IsMap()) {
    diagnostics_.Error(At(node), "wrong-type",
                       section + " must be a mapping of keys, got " + Describe(node));
    return false;
  }
  for (const auto& pair : node) {
    if (!pair.first.IsScalar()) {
      diagnostics_.Error(At(pair.first), "wrong-type", "keys of " + section + " must be text");
      continue;
    }
    const std::string& key = pair.first.Scalar();
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
      continue;
    }
    std::string message = Quote(key) + " is not a key of " + section;
    if (const std::string_view closest = ClosestKey(key, keys); !closest.empty()) {
      message += "; did you mean " + Quote(closest) + "?";
    } else {
      message += "; its keys are:";
      for (std::string_view known : keys) {
        message += ' ';
        message.append(known);
      }
    }
    diagnostics_.Error(At(pair.first), "unknown-key", std::move(message));
  }
  return true;
}

std::optional<std::string> NodeReader::StringValue(const YAML::Node& node,
                                                   const std::string& dotted, bool any_scalar,
                                                   bool& secret) {
  if (!node.IsScalar()) {
    diagnostics_.Error(At(node), "wrong-type", dotted + " expects text, got " + Describe(node));
    return std::nullopt;
  }
  if (!any_scalar && node.Tag() == "?" && LooksLikeNumberOrBool(node.Scalar())) {
    diagnostics_.Error(
        At(node), "wrong-type",
        dotted + " expects text, got " + Describe(node) + "; quote it if you mean the text");
    return std::nullopt;
  }
  base::Result<ResolvedString> resolved = ResolveSecretRefs(node.Scalar(), base_dir_);
  if (!resolved.has_value()) {
    const bool syntax = resolved.error().code() == base::StatusCode::kInvalidInput;
    diagnostics_.Error(At(node), syntax ? "bad-secret-ref" : "secret-unresolved",
                       dotted + ": " + std::string(resolved.error().message()));
    return std::nullopt;
  }
  secret = resolved->secret;
  if (secret && std::find(secret_keys_.begin(), secret_keys_.end(), dotted) == secret_keys_.end()) {
    secret_keys_.push_back(dotted);
  }
  return std::move(resolved->value);
}

std::string NodeReader::ResolvePath(const std::string& path) const {
  if (path.empty() || base_dir_.empty() || std::filesystem::path(path).is_absolute()) {
    return path;
  }
  return (std::filesystem::path(base_dir_) / path).lexically_normal().string();
}

std::optional<StringRead> NodeReader::ReadString(const YAML::Node& map, const std::string& section,
                                                 std::string_view key, std::string& out) {
  const std::optional<YAML::Node> node = Find(map, key);
  if (!node) {
    return std::nullopt;
  }
  bool secret = false;
  std::optional<std::string> value =
      StringValue(*node, section + "." + std::string(key), false, secret);
  if (!value) {
    return std::nullopt;
  }
  out = std::move(*value);
  return StringRead{*node, secret};
}

std::optional<StringRead> NodeReader::ReadPath(const YAML::Node& map, const std::string& section,
                                               std::string_view key, std::string& out) {
  std::optional<StringRead> read = ReadString(map, section, key, out);
  if (read) {
    out = ResolvePath(out);
  }
  return read;
}

void NodeReader::ReadEnum(const YAML::Node& map, const std::string& section, std::string_view key,
                          std::initializer_list<std::string_view> allowed, std::string& out) {
  std::string value;
  const std::optional<StringRead> read = ReadString(map, section, key, value);
  if (!read) {
    return;
  }
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) {
    out = std::move(value);
    return;
  }
  std::string message = section + "." + std::string(key) + " must be one of ";
  for (std::string_view choice : allowed) {
    message.append(choice);
    message += choice == *(allowed.end() - 1) ? "" : ", ";
  }
  message += "; got " + (read->secret ? std::string("<redacted>") : Quote(value));
  if (const std::string_view closest = ClosestKey(value, allowed);
      !read->secret && !closest.empty()) {
    message += "; did you mean " + Quote(closest) + "?";
  }
  diagnostics_.Error(At(read->node), "bad-value", std::move(message));
}

bool NodeReader::ReadInt(const YAML::Node& map, const std::string& section, std::string_view key,
                         Unit unit, int64_t min, int64_t max, int64_t& out) {
  const std::optional<YAML::Node> node = Find(map, key);
  if (!node) {
    return false;
  }
  const std::string dotted = section + "." + std::string(key);
  const std::optional<int64_t> value =
      node->IsScalar() ? ParseWithUnit(node->Scalar(), unit) : std::nullopt;
  if (!value) {
    diagnostics_.Error(At(*node), "wrong-type",
                       dotted + " expects a whole number in " + std::string(UnitName(unit)) +
                           ", got " + Describe(*node));
    return false;
  }
  if (*value < min || *value > max) {
    diagnostics_.Error(At(*node), "out-of-range",
                       dotted + " must be between " + std::to_string(min) + " and " +
                           std::to_string(max) + " (" + std::string(UnitName(unit)) + "), got " +
                           std::to_string(*value));
    return false;
  }
  out = *value;
  return true;
}

void NodeReader::ReadStringList(const YAML::Node& map, const std::string& section,
                                std::string_view key, bool paths, std::vector<std::string>& out) {
  const std::optional<YAML::Node> node = Find(map, key);
  if (!node) {
    return;
  }
  const std::string dotted = section + "." + std::string(key);
  std::vector<std::string> values;
  bool valid = true;
  const auto add = [&](const YAML::Node& item, const std::string& name) {
    bool secret = false;
    std::optional<std::string> value = StringValue(item, name, false, secret);
    valid = valid && value.has_value();
    if (value) {
      values.push_back(paths ? ResolvePath(*value) : std::move(*value));
    }
  };
  if (node->IsSequence()) {
    for (size_t i = 0; i < node->size(); ++i) {
      add((*node)[i], dotted + "[" + std::to_string(i) + "]");
    }
  } else {
    add(*node, dotted);
  }
  if (valid) {
    out = std::move(values);
  }
}

void NodeReader::ReadStringMap(const YAML::Node& map, const std::string& section,
                               std::string_view key, std::map<std::string, std::string>& out) {
  const std::optional<YAML::Node> node = Find(map, key);
  const std::string dotted = section + "." + std::string(key);
  if (!node || node->IsNull()) {
    return;
  }
  if (!node->IsMap()) {
    diagnostics_.Error(
        At(*node), "wrong-type",
        dotted + " must be a mapping of property names to values, got " + Describe(*node));
    return;
  }
  for (const auto& pair : *node) {
    if (!pair.first.IsScalar()) {
      diagnostics_.Error(At(pair.first), "wrong-type", "keys of " + dotted + " must be text");
      continue;
    }
    const std::string& name = pair.first.Scalar();
    bool secret = false;
    std::optional<std::string> value = StringValue(pair.second, dotted + "." + name, true, secret);
    if (!value) {
      continue;
    }
    const bool secret_looking =
        name.find("password") != std::string::npos || name.find("secret") != std::string::npos;
    if (secret_looking && !secret && !value->empty()) {
      diagnostics_.Warning(At(pair.second), "literal-secret",
                           dotted + "." + name + " is written in the file; use ${env:NAME} or " +
                               "${file:PATH} so the secret stays out of it");
    }
    out[name] = std::move(*value);
  }
}

}  // namespace trailhound::config
