// config/secret_ref.cc: resolution of `${env:NAME}` and `${file:PATH}`.
#include "config/secret_ref.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace trailhound::config {
namespace {

// `text` in single quotes. Built by appending: GCC 12 at -O2 misreports "'" + std::string(...)
// (an insert at 0) as -Wrestrict.
std::string Quoted(std::string_view text) {
  std::string out = "'";
  out.append(text);
  out += '\'';
  return out;
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    const bool ok =
        c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

base::Result<std::string> ReadEnv(std::string_view name) {
  if (!IsEnvName(name)) {
    return base::InvalidInput(Quoted(name) +
                              " is not an environment variable name (letters, digits, _)");
  }
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) {
    return base::NotFound("environment variable " + Quoted(name) +
                          " is not set; set it, or give the value another way");
  }
  return std::string(value);
}

base::Result<std::string> ReadSecretFile(std::string_view path_text, const std::string& base_dir) {
  namespace fs = std::filesystem;
  if (path_text.empty()) {
    return base::InvalidInput("${file:} needs a path");
  }
  fs::path path(path_text);
  if (path.is_relative() && !base_dir.empty()) {
    path = fs::path(base_dir) / path;
  }
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    return base::NotFound("cannot read secret file " + Quoted(path.string()) + ": " + ec.message());
  }
  if (size > kMaxSecretFileBytes) {
    return base::InvalidInput("secret file " + Quoted(path.string()) + " is larger than " +
                              std::to_string(kMaxSecretFileBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return base::Unavailable("cannot read secret file " + Quoted(path.string()));
  }
  if (content.ends_with('\n')) {
    content.pop_back();  // editors and `echo` add one; a token never ends with it
    if (content.ends_with('\r')) {
      content.pop_back();
    }
  }
  return content;
}

base::Result<std::string> ResolveOne(std::string_view reference, const std::string& base_dir) {
  if (reference.starts_with("env:")) {
    return ReadEnv(reference.substr(4));
  }
  if (reference.starts_with("file:")) {
    return ReadSecretFile(reference.substr(5), base_dir);
  }
  const std::string_view kind = reference.substr(0, reference.find(':'));
  std::string message = "'${";
  message.append(kind);
  message +=
      ":...}' is not a reference; use ${env:NAME} or ${file:PATH} (write $${ for a "
      "literal ${)";
  return base::InvalidInput(std::move(message));
}

}  // namespace

base::Result<ResolvedString> ResolveSecretRefs(std::string_view text, const std::string& base_dir) {
  ResolvedString resolved;
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find("${", at);
    if (open == std::string_view::npos) {
      resolved.value.append(text.substr(at));
      break;
    }
    if (open > at && text[open - 1] == '$') {
      resolved.value.append(text.substr(at, open - at - 1));  // `$${`: drop one '$'
      resolved.value.append("${");
      at = open + 2;
      continue;
    }
    resolved.value.append(text.substr(at, open - at));
    const size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) {
      return base::InvalidInput("'${' is never closed with '}' (write $${ for a literal ${)");
    }
    base::Result<std::string> value = ResolveOne(text.substr(open + 2, close - open - 2), base_dir);
    if (!value.has_value()) {
      return value.error();
    }
    resolved.value.append(*value);
    resolved.secret = true;
    at = close + 1;
  }
  return resolved;
}

}  // namespace trailhound::config
