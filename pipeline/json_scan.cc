// pipeline/json_scan.cc: the structural scanner. Speed matters less than robustness here: it
// runs on containers above the single-document size and on inputs simdjson already refused.
#include "pipeline/json_scan.h"

#include <cstring>
#include <string>

#include "pipeline/base/utf8.h"

namespace trailhound::pipeline {
namespace {

// `pos` is at an opening quote; returns one past the closing quote or kScanError.
size_t SkipString(std::string_view text, size_t pos) {
  const char* data = text.data();
  size_t i = pos + 1;
  while (i < text.size()) {
    const void* hit = std::memchr(data + i, '"', text.size() - i);
    if (hit == nullptr) {
      return kScanError;
    }
    const size_t quote = static_cast<const char*>(hit) - data;
    // The quote is escaped when an odd number of backslashes precede it.
    size_t backslashes = 0;
    while (quote - backslashes > pos + 1 && data[quote - backslashes - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) {
      return quote + 1;
    }
    i = quote + 1;
  }
  return kScanError;
}

bool IsScalarEnd(char c) {
  return IsJsonWhitespace(c) || c == ',' || c == ']' || c == '}' || c == ':';
}

size_t Fail(size_t at, size_t& fault) {
  fault = at;
  return kScanError;
}

}  // namespace

size_t SkipWhitespace(std::string_view text, size_t pos) {
  while (pos < text.size() && IsJsonWhitespace(text[pos])) {
    ++pos;
  }
  return pos;
}

size_t ScanValueEnd(std::string_view text, size_t pos) {
  pos = SkipWhitespace(text, pos);
  if (pos >= text.size()) {
    return kScanError;
  }
  const char first = text[pos];
  if (first == '"') {
    return SkipString(text, pos);
  }
  if (first != '{' && first != '[') {
    size_t i = pos;
    while (i < text.size() && !IsScalarEnd(text[i]) && text[i] != '{' && text[i] != '[' &&
           text[i] != '"') {
      ++i;
    }
    return i == pos ? kScanError : i;
  }
  std::string stack;  // expected closers
  stack.push_back(first == '{' ? '}' : ']');
  size_t i = pos + 1;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      i = SkipString(text, i);
      if (i == kScanError) {
        return kScanError;
      }
      continue;
    }
    if (c == '{' || c == '[') {
      stack.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
      if (stack.back() != c) {
        return kScanError;
      }
      stack.pop_back();
      if (stack.empty()) {
        return i + 1;
      }
    }
    ++i;
  }
  return kScanError;
}

size_t ScanArray(std::string_view text, size_t pos, std::vector<Span>& elements, size_t& fault) {
  pos = SkipWhitespace(text, pos);
  if (pos >= text.size() || text[pos] != '[') {
    return Fail(pos, fault);
  }
  size_t i = SkipWhitespace(text, pos + 1);
  if (i < text.size() && text[i] == ']') {
    return i + 1;
  }
  while (true) {
    const size_t begin = SkipWhitespace(text, i);
    const size_t end = ScanValueEnd(text, begin);
    if (end == kScanError) {
      return Fail(begin, fault);
    }
    elements.push_back(Span{begin, end});
    i = SkipWhitespace(text, end);
    if (i >= text.size()) {
      return Fail(i, fault);
    }
    if (text[i] == ']') {
      return i + 1;
    }
    if (text[i] != ',') {
      return Fail(i, fault);
    }
    ++i;
  }
}

size_t ScanObject(std::string_view text, size_t pos, std::vector<ScanMember>& members,
                  size_t& fault) {
  pos = SkipWhitespace(text, pos);
  if (pos >= text.size() || text[pos] != '{') {
    return Fail(pos, fault);
  }
  size_t i = SkipWhitespace(text, pos + 1);
  if (i < text.size() && text[i] == '}') {
    return i + 1;
  }
  while (true) {
    i = SkipWhitespace(text, i);
    if (i >= text.size() || text[i] != '"') {
      return Fail(i, fault);
    }
    const size_t key_end = SkipString(text, i);
    if (key_end == kScanError) {
      return Fail(i, fault);
    }
    const std::string_view key = text.substr(i + 1, key_end - i - 2);
    i = SkipWhitespace(text, key_end);
    if (i >= text.size() || text[i] != ':') {
      return Fail(i, fault);
    }
    const size_t begin = SkipWhitespace(text, i + 1);
    const size_t end = ScanValueEnd(text, begin);
    members.push_back(ScanMember{key, Span{begin, end}});
    if (end == kScanError) {
      return Fail(begin, fault);
    }
    i = SkipWhitespace(text, end);
    if (i >= text.size()) {
      return Fail(i, fault);
    }
    if (text[i] == '}') {
      return i + 1;
    }
    if (text[i] != ',') {
      return Fail(i, fault);
    }
    ++i;
  }
}

const ScanMember* FindMember(const std::vector<ScanMember>& members, std::string_view key) {
  for (const ScanMember& member : members) {
    if (member.key == key) {
      return &member;
    }
  }
  return nullptr;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool ReadHex4(std::string_view s, size_t pos, unsigned& out) {
  if (pos + 4 > s.size()) {
    return false;
  }
  out = 0;
  for (size_t k = 0; k < 4; ++k) {
    const int v = HexValue(s[pos + k]);
    if (v < 0) {
      return false;
    }
    out = out * 16 + static_cast<unsigned>(v);
  }
  return true;
}

}  // namespace

bool UnescapeJsonString(std::string_view literal, std::string& out) {
  out.clear();
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') {
    return false;
  }
  const std::string_view s = literal.substr(1, literal.size() - 2);
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '\\') {
      if (static_cast<unsigned char>(c) < 0x20 || c == '"') {
        return false;  // A raw quote would have ended the literal: this is not one string.
      }
      out.push_back(c);
      continue;
    }
    if (++i >= s.size()) {
      return false;
    }
    switch (s[i]) {
      case '"':
      case '\\':
      case '/':
        out.push_back(s[i]);
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        unsigned cp = 0;
        if (!ReadHex4(s, i + 1, cp)) {
          return false;
        }
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned low = 0;
          if (i + 2 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u' && ReadHex4(s, i + 3, low) &&
              low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;  // A lone surrogate cannot be UTF-8; keep the text readable.
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        base::AppendUtf8(cp, out);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace trailhound::pipeline
