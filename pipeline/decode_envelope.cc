// pipeline/decode_envelope.cc: envelope detection and unwrapping (FORMATS.md §1). A unit up to
// max_event_bytes is parsed once with simdjson and its records share that document; a larger
// unit, or one simdjson refused, is split by the structural scanner so that each element is
// parsed on its own and one broken record costs only itself.
#include <cstring>
#include <optional>
#include <string>

#include "pipeline/base/ascii.h"
#include "pipeline/base/check.h"
#include "pipeline/codec.h"
#include "pipeline/decode.h"
#include "pipeline/event/field_path.h"
#include "pipeline/json_scan.h"

namespace trailhound::pipeline {
namespace {

using event::EnvelopeKind;
using event::StepKind;
using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view TrimTrailing(std::string_view s) {
  while (!s.empty() && IsJsonWhitespace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// Keys that make an object a CloudTrail record (FORMATS.md §1 step 9), compared
// case-insensitively so Athena / CloudTrail Lake lower-case exports are recognised.
bool IsCloudTrailKey(std::string_view key) {
  static constexpr std::string_view kKeys[] = {"eventVersion", "eventID",     "eventTime",
                                               "eventName",    "eventSource", "userIdentity"};
  for (std::string_view k : kKeys) {
    if (base::EqualsIgnoreAsciiCase(key, k)) {
      return true;
    }
  }
  return false;
}

bool HasCloudTrailKey(simdjson::dom::object object) {
  for (simdjson::dom::key_value_pair field : object) {
    if (IsCloudTrailKey(field.key)) {
      return true;
    }
  }
  return false;
}

RejectReason ReasonFor(simdjson::error_code error) {
  switch (error) {
    case simdjson::DEPTH_ERROR:
      return RejectReason::kDepthExceeded;
    case simdjson::CAPACITY:
      return RejectReason::kTooLarge;
    default:
      return RejectReason::kMalformedJson;
  }
}

std::string DescribeError(simdjson::error_code error) {
  if (error == simdjson::UTF8_ERROR) {
    return "invalid UTF-8";
  }
  return simdjson::error_message(error);
}

bool IsString(element value, std::string_view& out) {
  return value.get(out) == simdjson::SUCCESS;
}

// detail-type values CloudTrail sends to EventBridge (FORMATS.md §4); both spellings of the
// console sign-in type appear in AWS material.
bool IsCloudTrailDetailType(std::string_view type) {
  static constexpr std::string_view kTypes[] = {
      "AWS API Call via CloudTrail",        "AWS Console Signin via CloudTrail",
      "AWS Console Sign In via CloudTrail", "AWS Console Action via CloudTrail",
      "AWS Service Event via CloudTrail",   "AWS Insight via CloudTrail"};
  for (std::string_view t : kTypes) {
    if (type == t) {
      return true;
    }
  }
  return false;
}

// The string value of member `key` of the object spanning `object`, unescaped, without
// building a document (the member may be larger than max_event_bytes: Firehose `data`).
bool ReadStringMember(std::string_view object, std::string_view key, std::string& out) {
  std::vector<ScanMember> members;
  size_t fault = 0;
  if (ScanObject(object, 0, members, fault) == kScanError) {
    return false;
  }
  const ScanMember* member = FindMember(members, key);
  return member != nullptr &&
         UnescapeJsonString(object.substr(member->value.begin, member->value.size()), out);
}

// Gives a string the tail DecodePadded needs, so its bytes are parsed where they are.
void AddPadding(std::string& bytes) {
  if (bytes.capacity() < bytes.size() + kDecodePadding) {
    bytes.reserve(bytes.size() + kDecodePadding);
  }
}

std::string ElementTypeName(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::STRING:
      return "string";
    case element_type::NULL_VALUE:
      return "null";
    case element_type::BOOL:
      return "boolean";
    default:
      return "number";
  }
}

}  // namespace

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformedJson:
      return "malformed-json";
    case RejectReason::kNotCloudTrail:
      return "not-cloudtrail";
    case RejectReason::kGzipError:
      return "gzip-error";
    case RejectReason::kTooLarge:
      return "too-large";
    case RejectReason::kDepthExceeded:
      return "depth-exceeded";
    case RejectReason::kS3Pointer:
      return "s3-pointer";
    case RejectReason::kCount:
      break;
  }
  return "unknown";
}

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kDigest:
      return "digest";
    case SkipReason::kControlMessage:
      return "control-message";
    case SkipReason::kEmpty:
      return "empty";
    case SkipReason::kCount:
      break;
  }
  return "unknown";
}

Decoder::Decoder(DecodeLimits limits) : limits_(limits) {
  // Envelopes add up to two levels around a record (`{"Records": [record]}`).
  // A failure here is an out-of-memory at start-up, not bad input.
  TH_CHECK(parser_.allocate(simdjson::SIMDJSON_PADDING, limits_.max_depth + 2) ==
           simdjson::SUCCESS);
}

void Decoder::Decode(std::string_view bytes, const event::Position& position, DecodeSink& sink) {
  Frame frame;
  frame.position = position;
  DecodeUnit(bytes, frame, sink);
}

void Decoder::DecodePadded(std::string_view bytes, const event::Position& position,
                           DecodeSink& sink) {
  Frame frame;
  frame.position = position;
  frame.padded = true;
  DecodeUnit(bytes, frame, sink);
}

simdjson::error_code Decoder::ParseUnit(std::string_view bytes, bool padded,
                                        std::shared_ptr<const event::ParsedJson>& out) {
  std::shared_ptr<event::ParsedJson> document = pool_.Acquire();
  const simdjson::error_code error = document->ParseInPlace(parser_, bytes, padded);
  if (error == simdjson::SUCCESS) {
    out = std::move(document);
  }
  return error;
}

Decoder::Frame Decoder::Inner(const Frame& frame, StepKind step, uint32_t index,
                              EnvelopeKind envelope, uint32_t extra_flags) const {
  Frame inner;
  inner.position = frame.position.With(step, index);
  inner.layer = frame.layer + 1;
  inner.flags = frame.flags | extra_flags;
  inner.envelope = envelope;
  return inner;
}

Decoder::Frame Decoder::Element(const Frame& frame, StepKind step, uint32_t index,
                                EnvelopeKind envelope) const {
  Frame inner = frame;
  inner.position = frame.position.With(step, index);
  inner.envelope = envelope;
  return inner;
}

void Decoder::Reject(const Frame& frame, RejectReason reason, std::string error,
                     std::string_view raw, DecodeSink& sink) {
  sink.OnReject(Rejected{frame.position, reason, std::move(error), raw});
}

void Decoder::RejectElement(const Frame& frame, RejectReason reason, std::string error,
                            element value, DecodeSink& sink) {
  scratch_ = simdjson::minify(value);
  Reject(frame, reason, std::move(error), scratch_, sink);
}

void Decoder::DecodeUnit(std::string_view bytes, const Frame& frame, DecodeSink& sink) {
  if (frame.layer > limits_.max_envelope_layers) {
    Reject(frame, RejectReason::kDepthExceeded,
           "more than " + std::to_string(limits_.max_envelope_layers) + " nested envelopes", bytes,
           sink);
    return;
  }
  if (IsGzip(bytes)) {
    std::string inflated;
    std::string error;
    const InflateError result = Gunzip(bytes, limits_.max_inflated_bytes, inflated, error);
    if (result != InflateError::kNone) {
      Reject(frame,
             result == InflateError::kTooLarge ? RejectReason::kTooLarge : RejectReason::kGzipError,
             std::move(error), bytes, sink);
      return;
    }
    AddPadding(inflated);
    DecodeUnit(inflated, Padded(Inner(frame, StepKind::kGzip, 0, frame.envelope)), sink);
    return;
  }
  size_t lead = 0;
  if (bytes.size() >= 3 && std::memcmp(bytes.data(), "\xEF\xBB\xBF", 3) == 0) {
    lead = 3;  // A UTF-8 byte-order mark, as some editors and exporters write.
  }
  while (lead < bytes.size() && IsJsonWhitespace(bytes[lead])) {
    ++lead;
  }
  const std::string_view content = TrimTrailing(bytes.substr(lead));
  if (content.empty()) {
    sink.OnSkip(SkipReason::kEmpty, frame.position);
    return;
  }
  // The common case, one value, is parsed first: looking for NDJSON first would cost a
  // memchr over every single-line document (15 % of the decode time of a Records file).
  simdjson::error_code error = simdjson::SUCCESS;
  if (content.size() > limits_.max_event_bytes &&
      TryDecodeLines(content, lead, frame, /*document_failed=*/false, sink)) {
    return;
  }
  if (content.size() <= limits_.max_event_bytes) {
    std::shared_ptr<const event::ParsedJson> document;
    error = ParseUnit(content, frame.padded, document);
    if (error == simdjson::SUCCESS) {
      Dispatch(document, document->root(), frame, sink);
      return;
    }
  }
  if (TryDecodeLines(content, lead, frame, /*document_failed=*/true, sink)) {
    return;
  }
  DecodeByScanning(content, frame, error, sink);
}

bool Decoder::TryDecodeLines(std::string_view bytes, size_t lead, const Frame& frame,
                             bool document_failed, DecodeSink& sink) {
  const size_t newline = bytes.find('\n');
  if (newline == std::string_view::npos) {
    return false;
  }
  // NDJSON when the first line alone is a complete JSON value (a pretty-printed document's
  // first line never is) and more content follows. When the unit as a whole already failed to
  // parse, a broken first line must not hide the good lines after it: then any of the first
  // lines holding a whole object on its own is enough.
  const auto is_whole_value = [](std::string_view line) {
    line = TrimTrailing(line);
    const size_t begin = SkipWhitespace(line, 0);
    const size_t end = ScanValueEnd(line, begin);
    return begin < line.size() && end != kScanError && SkipWhitespace(line, end) == line.size();
  };
  bool lines = is_whole_value(bytes.substr(0, newline));
  // A unit whose brackets balance to its very end is one (broken) document, e.g. a
  // pretty-printed batch with a bad token: salvage it by scanning, never line by line.
  if (!lines && document_failed && ScanValueEnd(bytes, 0) != bytes.size()) {
    constexpr int kLinesProbed = 64;
    size_t start = newline + 1;
    for (int probed = 0; probed < kLinesProbed && start < bytes.size(); ++probed) {
      size_t stop = bytes.find('\n', start);
      if (stop == std::string_view::npos) {
        stop = bytes.size();
      }
      const std::string_view line = bytes.substr(start, stop - start);
      const size_t begin = SkipWhitespace(line, 0);
      if (begin < line.size() && line[begin] == '{' && is_whole_value(line)) {
        lines = true;
        break;
      }
      start = stop + 1;
    }
  }
  if (!lines) {
    return false;
  }
  uint32_t line_number = 0;
  size_t start = 0;
  while (start <= bytes.size()) {
    size_t stop = bytes.find('\n', start);
    if (stop == std::string_view::npos) {
      stop = bytes.size();
    }
    ++line_number;
    const std::string_view line = bytes.substr(start, stop - start);
    if (!TrimTrailing(line).empty() && SkipWhitespace(line, 0) < line.size()) {
      Frame line_frame = Element(frame, StepKind::kLine, line_number, frame.envelope);
      if (frame.position.step_count == 0) {
        line_frame.position.byte_offset = frame.position.byte_offset + lead + start;
      }
      DecodeUnit(line, line_frame, sink);
    }
    start = stop + 1;
  }
  return true;
}

void Decoder::DecodeByScanning(std::string_view bytes, const Frame& frame,
                               simdjson::error_code dom_error, DecodeSink& sink) {
  const auto reject_whole = [&] {
    if (dom_error != simdjson::SUCCESS) {
      Reject(frame, ReasonFor(dom_error), DescribeError(dom_error), bytes, sink);
    } else {
      Reject(frame, RejectReason::kTooLarge,
             "record of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                 std::to_string(limits_.max_event_bytes),
             bytes, sink);
    }
  };
  const char first = bytes[0];
  if (first == '[') {
    const size_t end = ScanValueEnd(bytes, 0);
    if (end != kScanError && SkipWhitespace(bytes, end) < bytes.size()) {
      DecodeValues(bytes, frame, sink);
      return;
    }
    ScanElements(bytes, 0, frame, StepKind::kArray, sink);
    return;
  }
  if (first != '{') {
    // Text or a stray scalar is one bad unit: splitting it at spaces into "values" would
    // dead-letter every word of a plain-text line separately.
    reject_whole();
    return;
  }
  std::vector<ScanMember> members;
  size_t fault = 0;
  const size_t end = ScanObject(bytes, 0, members, fault);
  if (end != kScanError && SkipWhitespace(bytes, end) < bytes.size()) {
    DecodeValues(bytes, frame, sink);
    return;
  }
  const ScanMember* records = FindMember(members, "Records");
  // A value cut short may begin at the very end of the input (`{"Records":`).
  if (records != nullptr && records->value.begin < bytes.size() &&
      bytes[records->value.begin] == '[') {
    ScanElements(bytes, records->value.begin, frame, StepKind::kRecords, sink);
    return;
  }
  const ScanMember* log_events = FindMember(members, "logEvents");
  const ScanMember* message_type = FindMember(members, "messageType");
  if (log_events != nullptr && message_type != nullptr && message_type->value.end != kScanError) {
    if (bytes.substr(message_type->value.begin, message_type->value.size()) ==
        "\"CONTROL_MESSAGE\"") {
      sink.OnSkip(SkipReason::kControlMessage, frame.position);
      return;
    }
    ScanElements(bytes, log_events->value.begin, frame, StepKind::kLogEvent, sink);
    return;
  }
  const ScanMember* firehose_records = FindMember(members, "records");
  if (firehose_records != nullptr && FindMember(members, "requestId") != nullptr) {
    ScanElements(bytes, firehose_records->value.begin, frame, StepKind::kFirehoseRecord, sink);
    return;
  }
  if (FindMember(members, "digestStartTime") != nullptr &&
      FindMember(members, "logFiles") != nullptr) {
    sink.OnSkip(SkipReason::kDigest, frame.position);  // A big hour of log files, still a digest.
    return;
  }
  if (FindMember(members, "s3Bucket") != nullptr && FindMember(members, "s3ObjectKey") != nullptr) {
    Reject(frame, RejectReason::kS3Pointer,
           "a CloudTrail file notice; trailhound does not fetch objects from S3", bytes, sink);
    return;
  }
  const ScanMember* message = FindMember(members, "Message");
  const ScanMember* type = FindMember(members, "Type");
  if (message != nullptr && type != nullptr && message->value.end != kScanError &&
      bytes.substr(type->value.begin, type->value.size()) == "\"Notification\"") {
    std::string inner;
    if (!UnescapeJsonString(bytes.substr(message->value.begin, message->value.size()), inner)) {
      Reject(frame, RejectReason::kMalformedJson, "SNS Message is not a JSON string", bytes, sink);
      return;
    }
    AddPadding(inner);
    DecodeUnit(
        inner,
        Padded(Inner(frame, StepKind::kSnsMessage, 0, EnvelopeKind::kBare, event::kFlagFromSns)),
        sink);
    return;
  }
  reject_whole();
}

void Decoder::DecodeValues(std::string_view bytes, const Frame& frame, DecodeSink& sink) {
  size_t pos = 0;
  uint32_t index = 0;
  while (true) {
    const size_t begin = SkipWhitespace(bytes, pos);
    if (begin >= bytes.size()) {
      return;
    }
    const Frame value_frame = Element(frame, StepKind::kValue, ++index, frame.envelope);
    const size_t end = ScanValueEnd(bytes, begin);
    if (end == kScanError) {
      Reject(value_frame, RejectReason::kMalformedJson,
             "unterminated JSON value at byte " + std::to_string(begin), bytes.substr(begin), sink);
      return;
    }
    DecodeUnit(bytes.substr(begin, end - begin), value_frame, sink);
    pos = end;
  }
}

void Decoder::ScanElements(std::string_view bytes, size_t array_begin, const Frame& frame,
                           StepKind step, DecodeSink& sink) {
  std::vector<Span> elements;
  size_t fault = 0;
  const size_t end = ScanArray(bytes, array_begin, elements, fault);
  for (size_t i = 0; i < elements.size(); ++i) {
    const std::string_view item = bytes.substr(elements[i].begin, elements[i].size());
    const uint32_t index = static_cast<uint32_t>(i);
    switch (step) {
      case StepKind::kRecords:
        DecodeSpanAsRecord(item, Element(frame, step, index, EnvelopeKind::kRecords), sink);
        break;
      case StepKind::kLogEvent: {
        const Frame inner = Inner(frame, step, index, EnvelopeKind::kCloudWatchLogs);
        std::string message;
        if (!ReadStringMember(item, "message", message)) {
          Reject(inner, RejectReason::kNotCloudTrail, "log event without a string message", item,
                 sink);
          break;
        }
        AddPadding(message);
        DecodeUnit(message, Padded(inner), sink);
        break;
      }
      case StepKind::kFirehoseRecord: {
        const Frame inner =
            Inner(frame, step, index, EnvelopeKind::kBare, event::kFlagFromFirehose);
        std::string data;
        if (!ReadStringMember(item, "data", data)) {
          Reject(inner, RejectReason::kMalformedJson, "Firehose record without a string data", item,
                 sink);
          break;
        }
        DecodeFirehoseData(data, inner, sink);
        break;
      }
      default:
        DecodeUnit(item, Inner(frame, StepKind::kArray, index, EnvelopeKind::kArray), sink);
        break;
    }
  }
  if (end == kScanError) {
    const Frame tail = Element(frame, step, static_cast<uint32_t>(elements.size()), frame.envelope);
    Reject(tail, RejectReason::kMalformedJson,
           "container is cut short or malformed at byte " + std::to_string(fault) + " after " +
               std::to_string(elements.size()) + " complete elements",
           bytes.substr(fault < bytes.size() ? fault : bytes.size()), sink);
  }
}

void Decoder::DecodeSpanAsRecord(std::string_view bytes, const Frame& frame, DecodeSink& sink) {
  if (bytes.size() > limits_.max_event_bytes) {
    Reject(frame, RejectReason::kTooLarge,
           "record of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
               std::to_string(limits_.max_event_bytes),
           bytes, sink);
    return;
  }
  std::shared_ptr<const event::ParsedJson> document;
  const simdjson::error_code error = ParseUnit(bytes, frame.padded, document);
  if (error != simdjson::SUCCESS) {
    Reject(frame, ReasonFor(error), DescribeError(error), bytes, sink);
    return;
  }
  DecodeRecordsElement(document, document->root(), frame, sink);
}

void Decoder::Dispatch(const std::shared_ptr<const event::ParsedJson>& document, element value,
                       const Frame& frame, DecodeSink& sink) {
  switch (value.type()) {
    case element_type::OBJECT:
      DispatchObject(document, value, frame, sink);
      return;
    case element_type::ARRAY: {
      uint32_t index = 0;
      for (element item : event::AsArray(value)) {
        Dispatch(document, item, Inner(frame, StepKind::kArray, index++, EnvelopeKind::kArray),
                 sink);
      }
      return;
    }
    default:
      RejectElement(frame, RejectReason::kNotCloudTrail,
                    "a JSON " + ElementTypeName(value.type()) + " is not a CloudTrail record",
                    value, sink);
      return;
  }
}

void Decoder::DispatchObject(const std::shared_ptr<const event::ParsedJson>& document,
                             element value, const Frame& frame, DecodeSink& sink) {
  if (frame.layer > limits_.max_envelope_layers) {
    RejectElement(frame, RejectReason::kDepthExceeded,
                  "more than " + std::to_string(limits_.max_envelope_layers) + " nested envelopes",
                  value, sink);
    return;
  }
  // One pass over the keys, then the checks in the order FORMATS.md §1 fixes. Values are kept
  // where a branch reads them; for the other keys presence is all that counts.
  std::optional<element> records, message_type, log_events, firehose_records, sns_type, sns_message;
  bool detail_type = false, detail = false, request_id = false, digest_start = false,
       log_files = false, s3_bucket = false, s3_object_key = false, cloudtrail_key = false;
  for (simdjson::dom::key_value_pair field : event::AsObject(value)) {
    const std::string_view key = field.key;
    if (key == "Records") {
      records = field.value;
    } else if (key == "messageType") {
      message_type = field.value;
    } else if (key == "logEvents") {
      log_events = field.value;
    } else if (key == "detail-type") {
      detail_type = true;
    } else if (key == "detail") {
      detail = true;
    } else if (key == "requestId") {
      request_id = true;
    } else if (key == "records") {
      firehose_records = field.value;
    } else if (key == "Type") {
      sns_type = field.value;
    } else if (key == "Message") {
      sns_message = field.value;
    } else if (key == "digestStartTime") {
      digest_start = true;
    } else if (key == "logFiles") {
      log_files = true;
    } else if (key == "s3Bucket") {
      s3_bucket = true;
    } else if (key == "s3ObjectKey") {
      s3_object_key = true;
    } else if (!cloudtrail_key && IsCloudTrailKey(key)) {
      cloudtrail_key = true;
    }
  }
  std::string_view text;
  if (records && records->is_array()) {
    // One frame for all the elements, its last step renumbered in place: a Records batch
    // holds thousands of records, and a fresh Position each would copy the shared source name.
    Frame element_frame = Element(frame, StepKind::kRecords, 0, EnvelopeKind::kRecords);
    const bool stepped = element_frame.position.step_count > frame.position.step_count;
    uint32_t index = 0;
    for (element item : event::AsArray(*records)) {
      if (stepped) {
        element_frame.position.steps[element_frame.position.step_count - 1].index = index;
      }
      ++index;
      DecodeRecordsElement(document, item, element_frame, sink);
    }
  } else if (message_type && log_events) {
    DecodeLogEvents(*message_type, *log_events, frame, sink);
  } else if (detail_type && detail) {
    DecodeEventBridge(document, value, frame, sink);
  } else if (request_id && firehose_records) {
    DecodeFirehose(*firehose_records, frame, sink);
  } else if (sns_type && sns_message && IsString(*sns_type, text) && text == "Notification" &&
             IsString(*sns_message, text)) {
    // A string of a simdjson document: its buffer is padded.
    DecodeUnit(
        text,
        Padded(Inner(frame, StepKind::kSnsMessage, 0, EnvelopeKind::kBare, event::kFlagFromSns)),
        sink);
  } else if (digest_start && log_files) {
    sink.OnSkip(SkipReason::kDigest, frame.position);
  } else if (s3_bucket && s3_object_key) {
    RejectElement(frame, RejectReason::kS3Pointer,
                  "a CloudTrail file notice; trailhound does not fetch objects from S3", value,
                  sink);
  } else if (cloudtrail_key) {
    EmitRecord(document, value, frame, sink);
  } else {
    RejectElement(frame, RejectReason::kNotCloudTrail,
                  "an object with no CloudTrail key and no known envelope", value, sink);
  }
}

void Decoder::DecodeRecordsElement(const std::shared_ptr<const event::ParsedJson>& document,
                                   element value, const Frame& frame, DecodeSink& sink) {
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS) {
    RejectElement(frame, RejectReason::kNotCloudTrail,
                  "a Records element that is a " + ElementTypeName(value.type()), value, sink);
    return;
  }
  // The event's own pass over the keys answers the shape questions; only a record without an
  // exactly spelled CloudTrail key (a lower-case export, or no record at all) is walked again.
  event::Event decoded(document, value, frame.position, frame.envelope);
  if (decoded.LooksLikeS3Notification()) {
    RejectElement(frame, RejectReason::kS3Pointer,
                  "an S3 event notification, not a CloudTrail record", value, sink);
    return;
  }
  if (!decoded.HasExactCloudTrailKey() && !HasCloudTrailKey(object)) {
    RejectElement(frame, RejectReason::kNotCloudTrail, "a Records element with no CloudTrail key",
                  value, sink);
    return;
  }
  decoded.AddFlags(frame.flags);
  sink.OnEvent(std::move(decoded));
}

void Decoder::EmitRecord(const std::shared_ptr<const event::ParsedJson>& document, element record,
                         const Frame& frame, DecodeSink& sink) {
  event::Event decoded(document, record, frame.position, frame.envelope);
  decoded.AddFlags(frame.flags);
  sink.OnEvent(std::move(decoded));
}

void Decoder::DecodeEventBridge(const std::shared_ptr<const event::ParsedJson>& document,
                                element envelope, const Frame& frame, DecodeSink& sink) {
  auto meta = std::make_shared<event::EventBridgeMeta>();
  const auto read = [&envelope](const char* key, std::string& out) {
    std::string_view text;
    if (envelope.at_key(key).get(text) == simdjson::SUCCESS) {
      out = std::string(text);
      return true;
    }
    return false;
  };
  const bool typed = read("detail-type", meta->detail_type);
  read("source", meta->source);
  read("id", meta->id);
  read("time", meta->time);
  read("region", meta->region);
  read("account", meta->account);
  if (!typed || !IsCloudTrailDetailType(meta->detail_type)) {
    RejectElement(frame, RejectReason::kNotCloudTrail,
                  "EventBridge detail-type '" + meta->detail_type + "' is not from CloudTrail",
                  envelope, sink);
    return;
  }
  if (meta->source.substr(0, 4) != "aws.") {
    // Customer events may not use the aws. prefix, so this blocks forged CloudTrail events.
    RejectElement(frame, RejectReason::kNotCloudTrail,
                  "EventBridge source '" + meta->source + "' does not start with 'aws.'", envelope,
                  sink);
    return;
  }
  element detail;
  simdjson::dom::object detail_object;
  if (envelope.at_key("detail").get(detail) != simdjson::SUCCESS ||
      detail.get(detail_object) != simdjson::SUCCESS || !HasCloudTrailKey(detail_object)) {
    RejectElement(frame, RejectReason::kNotCloudTrail,
                  "EventBridge detail is not a CloudTrail record", envelope, sink);
    return;
  }
  event::Event decoded(document, detail, frame.position.With(StepKind::kDetail, 0),
                       EnvelopeKind::kEventBridge);
  decoded.AddFlags(frame.flags);
  decoded.set_eventbridge(std::move(meta));
  sink.OnEvent(std::move(decoded));
}

void Decoder::DecodeLogEvents(element message_type, element log_events, const Frame& frame,
                              DecodeSink& sink) {
  std::string_view type;
  if (IsString(message_type, type) && type == "CONTROL_MESSAGE") {
    sink.OnSkip(SkipReason::kControlMessage, frame.position);
    return;
  }
  simdjson::dom::array items;
  if (log_events.get(items) != simdjson::SUCCESS) {
    RejectElement(frame, RejectReason::kNotCloudTrail, "CloudWatch Logs logEvents is not a list",
                  log_events, sink);
    return;
  }
  uint32_t index = 0;
  for (element item : items) {
    DecodeLogEvent(item, Inner(frame, StepKind::kLogEvent, index++, EnvelopeKind::kCloudWatchLogs),
                   sink);
  }
}

void Decoder::DecodeLogEvent(element log_event, const Frame& frame, DecodeSink& sink) {
  std::string_view message;
  if (log_event.at_key("message").get(message) != simdjson::SUCCESS) {
    RejectElement(frame, RejectReason::kNotCloudTrail, "log event without a string message",
                  log_event, sink);
    return;
  }
  DecodeUnit(message, Padded(frame), sink);  // A document string: its buffer is padded.
}

void Decoder::DecodeFirehose(element records, const Frame& frame, DecodeSink& sink) {
  simdjson::dom::array items;
  if (records.get(items) != simdjson::SUCCESS) {
    RejectElement(frame, RejectReason::kMalformedJson, "Firehose records is not a list", records,
                  sink);
    return;
  }
  uint32_t index = 0;
  for (element item : items) {
    const Frame inner = Inner(frame, StepKind::kFirehoseRecord, index++, EnvelopeKind::kBare,
                              event::kFlagFromFirehose);
    std::string_view data;
    if (item.at_key("data").get(data) != simdjson::SUCCESS) {
      RejectElement(inner, RejectReason::kMalformedJson, "Firehose record without a string data",
                    item, sink);
      continue;
    }
    DecodeFirehoseData(data, inner, sink);
  }
}

void Decoder::DecodeFirehoseData(std::string_view data, const Frame& frame, DecodeSink& sink) {
  if (data.empty()) {
    sink.OnSkip(SkipReason::kEmpty, frame.position);  // Empty records are legal (FORMATS §5).
    return;
  }
  std::string decoded;
  if (!DecodeBase64(data, decoded)) {
    Reject(frame, RejectReason::kMalformedJson, "Firehose record data is not valid base64", data,
           sink);
    return;
  }
  AddPadding(decoded);
  DecodeUnit(decoded, Padded(frame), sink);
}

uint64_t DecodeCounts::total_rejected() const {
  uint64_t total = 0;
  for (uint64_t n : rejected) {
    total += n;
  }
  return total;
}

uint64_t DecodeCounts::total_skipped() const {
  uint64_t total = 0;
  for (uint64_t n : skipped) {
    total += n;
  }
  return total;
}

void DecodeCounts::CountEvent(const event::Event& decoded) {
  ++events;
  ++events_by_envelope[static_cast<size_t>(decoded.envelope())];
  partial += decoded.has_flag(event::kFlagPartial);
  time_unknown += decoded.has_flag(event::kFlagTimeUnknown);
  derived_id += decoded.has_flag(event::kFlagDerivedId);
  content_unknown += decoded.has_flag(event::kFlagContentUnknown);
  insight += decoded.has_flag(event::kFlagInsight);
}

}  // namespace trailhound::pipeline
