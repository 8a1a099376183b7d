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
  if (Value::MemberIterator truncated = object.FindMember("truncated");
      truncated != object.MemberEnd()) {
    truncated->value.SetBool(true);
  } else {
    object.AddMember("truncated", true, allocator);
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
      for (Value::MemberIterator member = value->MemberBegin(); member != value->MemberEnd();
           ++member) {
        pending.emplace_back(&member->value, depth + 1);
      }
    }
  }
  for (Value* value : objects) {
    Value::MemberIterator items = value->FindMember("items");
    if (items != value->MemberEnd() && items->value.IsArray() && !items->value.Empty()) {
      items->value.Clear();
      MarkTruncated(*value, allocator);
    }
  }
  return true;
}

// Replaces an object with {"status": its status, "truncated": true}.
void CutToStatus(Value& section, Document::AllocatorType& allocator) {
  Value cut(rapidjson::kObjectType);
  if (section.IsObject()) {
    Value::MemberIterator status = section.FindMember("status");
    if (status != section.MemberEnd()) {
      cut.AddMember("status", Value(status->value, allocator), allocator);
    }
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
  Value::MemberIterator context = document.FindMember("context");
  if (context == document.MemberEnd() || !context->value.IsObject()) {
    result.step = ShrinkStep::kStillTooLarge;
    return result;
  }
  Value::MemberIterator forensics = context->value.FindMember("forensics");
  if (forensics != context->value.MemberEnd()) {
    CutToStatus(forensics->value, allocator);
    result.step = ShrinkStep::kForensics;
    result.body = Serialize(document);
    if (Fits(result.body, max_line_bytes)) {
      return result;
    }
  }
  for (Value::MemberIterator section = context->value.MemberBegin();
       section != context->value.MemberEnd(); ++section) {
    CutToStatus(section->value, allocator);
  }
  result.step = ShrinkStep::kContext;
  result.body = Serialize(document);
  if (!Fits(result.body, max_line_bytes)) {
    result.step = ShrinkStep::kStillTooLarge;
  }
  return result;
}

}  // namespace trailhound::pipeline
