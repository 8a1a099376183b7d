// pipeline/alert_shrink.cc: drop context detail from an oversized alert, step by step.
#include "pipeline/alert_shrink.h"

#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace trailhound::pipeline {
namespace {

using rapidjson::Document;
using rapidjson::Value;

std::string Serialize(const Document& document) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  document.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

void MarkTruncated(Value& object, Document::AllocatorType& allocator) {
  if (object.HasMember("truncated")) {
    object["truncated"].SetBool(true);
  } else {
    object.AddMember("truncated", true, allocator);
  }
}

// By index: RapidJSON 1.1.0's member iterators compare ambiguously under C++20 (clang's
// -Wambiguous-reversed-operator), so no iterator is compared here.
template <typename Visit>
void ForEachMemberValue(Value& object, Visit visit) {
  const Value::MemberIterator begin = object.MemberBegin();
  for (rapidjson::SizeType i = 0; i < object.MemberCount(); ++i) {
    visit(begin[static_cast<rapidjson::SizeType>(i)].value);
  }
}

// Our alerts nest a few levels around event fields that decode capped at 64; RapidJSON's writer
// recurses, so anything deeper is written as it came rather than re-serialised.
constexpr size_t kMaxDepth = 256;

// Empties every non-empty `items` array in `value` and below, marking its object truncated.
// Iterative; false when the body nests deeper than kMaxDepth (then nothing was changed).
bool EmptyItemLists(Value& root, Document::AllocatorType& allocator) {
  std::vector<std::pair<Value*, size_t>> pending{{&root, 1}};
  std::vector<Value*> objects;
  while (!pending.empty()) {
    auto [value, depth] = pending.back();
    pending.pop_back();
    if (depth > kMaxDepth) {
      return false;
    }
    if (value->IsArray()) {
      for (Value& element : value->GetArray()) {
        pending.emplace_back(&element, depth + 1);
      }
    } else if (value->IsObject()) {
      objects.push_back(value);
      const size_t child_depth = depth + 1;
      ForEachMemberValue(*value,
                         [&](Value& member) { pending.emplace_back(&member, child_depth); });
    }
  }
  for (Value* value : objects) {
    if (value->HasMember("items")) {
      Value& items = (*value)["items"];
      if (items.IsArray() && !items.Empty()) {
        items.Clear();
        MarkTruncated(*value, allocator);
      }
    }
  }
  return true;
}

// Replaces an object with {"status": its status, "truncated": true}.
void CutToStatus(Value& section, Document::AllocatorType& allocator) {
  Value cut(rapidjson::kObjectType);
  if (section.IsObject() && section.HasMember("status")) {
    cut.AddMember("status", Value(section["status"], allocator), allocator);
  }
  cut.AddMember("truncated", true, allocator);
  section = cut;
}

bool Fits(const std::string& body, size_t max_line_bytes) {
  return body.size() + 1 <= max_line_bytes;
}

}  // namespace

ShrunkAlert ShrinkAlert(std::string_view body, size_t max_line_bytes) {
  ShrunkAlert result;
  if (body.size() + 1 <= max_line_bytes) {
    return result;
  }
  Document document;
  document.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (document.HasParseError() || !document.IsObject() ||
      !EmptyItemLists(document, document.GetAllocator())) {
    result.step = ShrinkStep::kStillTooLarge;
    return result;
  }
  Document::AllocatorType& allocator = document.GetAllocator();
  result.step = ShrinkStep::kItems;
  result.body = Serialize(document);
  if (Fits(result.body, max_line_bytes)) {
    return result;
  }
  if (!document.HasMember("context") || !document["context"].IsObject()) {
    result.step = ShrinkStep::kStillTooLarge;
    return result;
  }
  Value& context = document["context"];
  if (context.HasMember("forensics")) {
    CutToStatus(context["forensics"], allocator);
    result.step = ShrinkStep::kForensics;
    result.body = Serialize(document);
    if (Fits(result.body, max_line_bytes)) {
      return result;
    }
  }
  ForEachMemberValue(context, [&](Value& section) { CutToStatus(section, allocator); });
  result.step = ShrinkStep::kContext;
  result.body = Serialize(document);
  if (!Fits(result.body, max_line_bytes)) {
    result.step = ShrinkStep::kStillTooLarge;
  }
  return result;
}

}  // namespace trailhound::pipeline
