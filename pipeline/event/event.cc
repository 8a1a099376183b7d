// pipeline/event/event.cc: hot-field extraction, one pass over the record's top-level keys.
#include "pipeline/event/event.h"

#include <openssl/evp.h>

#include "pipeline/event/event_time.h"

namespace trailhound::event {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

struct TopLevelKey {
  std::string_view name;
  HotField field;
};

constexpr TopLevelKey kTopLevel[] = {
    {"eventTime", HotField::kEventTime},
    {"eventName", HotField::kEventName},
    {"eventSource", HotField::kEventSource},
    {"awsRegion", HotField::kAwsRegion},
    {"recipientAccountId", HotField::kRecipientAccountId},
    {"sourceIPAddress", HotField::kSourceIpAddress},
    {"errorCode", HotField::kErrorCode},
    {"readOnly", HotField::kReadOnly},
    {"eventID", HotField::kEventId},
    {"requestID", HotField::kRequestId},
    {"eventType", HotField::kEventType},
    {"userAgent", HotField::kUserAgent},
};

constexpr TopLevelKey kIdentityKeys[] = {
    {"type", HotField::kUserType},           {"arn", HotField::kUserArn},
    {"principalId", HotField::kPrincipalId}, {"accountId", HotField::kUserAccountId},
    {"accessKeyId", HotField::kAccessKeyId},
};

template <size_t N>
HotField FindKey(const TopLevelKey (&table)[N], std::string_view key) {
  for (const TopLevelKey& entry : table) {
    if (entry.name.size() == key.size() && entry.name == key) {
      return entry.field;
    }
  }
  return HotField::kNone;
}

// CloudTrail replaces oversized sections with {"omitted": true, ...} (or "true").
bool IsOmittedMarker(element value) {
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS) {
    return false;
  }
  element omitted;
  if (object.at_key("omitted").get(omitted) != simdjson::SUCCESS) {
    return false;
  }
  bool flag = false;
  std::string_view text;
  return (omitted.get(flag) == simdjson::SUCCESS && flag) ||
         (omitted.get(text) == simdjson::SUCCESS && text == "true");
}

bool IsPayloadSection(std::string_view key) {
  return key == "requestParameters" || key == "responseElements" || key == "additionalEventData" ||
         key == "serviceEventDetails";
}

constexpr uint32_t Bit(HotField field) {
  return 1u << static_cast<uint32_t>(field);
}

}  // namespace

std::string_view EnvelopeKindName(EnvelopeKind kind) {
  switch (kind) {
    case EnvelopeKind::kBare:
      return "bare";
    case EnvelopeKind::kRecords:
      return "records";
    case EnvelopeKind::kArray:
      return "array";
    case EnvelopeKind::kEventBridge:
      return "eventbridge";
    case EnvelopeKind::kCloudWatchLogs:
      return "cloudwatch-logs";
  }
  return "unknown";
}

simdjson::error_code ParsedJson::Parse(simdjson::dom::parser& parser, std::string_view bytes,
                                       std::shared_ptr<const ParsedJson>& out) {
  auto parsed = std::make_shared<ParsedJson>();
  parsed->bytes_ = simdjson::padded_string(bytes);
  simdjson::error_code error =
      parser.parse_into_document(parsed->document_, parsed->bytes_.data(), parsed->bytes_.size())
          .get(parsed->root_);
  if (error != simdjson::SUCCESS) {
    return error;
  }
  out = std::move(parsed);
  return simdjson::SUCCESS;
}

Event::Event(std::shared_ptr<const ParsedJson> document, element record, Position position,
             EnvelopeKind envelope)
    : document_(std::move(document)),
      record_(record),
      position_(std::move(position)),
      envelope_(envelope) {
  ExtractHotFields();
}

bool Event::hot_element(HotField field, element& out) const {
  if ((hot_present_ & Bit(field)) == 0) {
    return false;
  }
  out = hot_value_[static_cast<size_t>(field)];
  return true;
}

void Event::SetHot(HotField field, element value) {
  const size_t i = static_cast<size_t>(field);
  hot_present_ |= Bit(field);
  hot_value_[i] = value;
  std::string_view text;
  if (value.get(text) == simdjson::SUCCESS) {
    hot_text_[i] = text;
    if (field == HotField::kReadOnly) {
      read_only_ = text == "true"    ? ReadOnly::kTrue
                   : text == "false" ? ReadOnly::kFalse
                                     : ReadOnly::kUnknown;
    }
    return;
  }
  bool flag = false;
  if (field == HotField::kReadOnly && value.get(flag) == simdjson::SUCCESS) {
    hot_text_[i] = flag ? "true" : "false";
    read_only_ = flag ? ReadOnly::kTrue : ReadOnly::kFalse;
    return;
  }
  if (!value.is_null()) {
    flags_ |= kFlagPartial;  // Present with the wrong type: matches nothing that needs it.
  }
}

void Event::ExtractUserIdentity(element identity) {
  simdjson::dom::object object;
  if (identity.get(object) != simdjson::SUCCESS) {
    flags_ |= kFlagPartial;
    return;
  }
  for (simdjson::dom::key_value_pair field : object) {
    const HotField hot = FindKey(kIdentityKeys, field.key);
    if (hot != HotField::kNone) {
      SetHot(hot, field.value);
    } else if (field.key == "sessionContext") {
      element issuer_arn;
      if (field.value.at_pointer("/sessionIssuer/arn").get(issuer_arn) == simdjson::SUCCESS) {
        SetHot(HotField::kSessionIssuerArn, issuer_arn);
      }
    }
  }
}

void Event::ExtractHotFields() {
  simdjson::dom::object object;
  if (record_.get(object) != simdjson::SUCCESS) {
    flags_ |= kFlagPartial | kFlagTimeUnknown;
    return;
  }
  element insight_details;
  bool has_identity = false;
  bool is_insight = false;
  for (simdjson::dom::key_value_pair field : object) {
    const HotField hot = FindKey(kTopLevel, field.key);
    if (hot != HotField::kNone) {
      SetHot(hot, field.value);
    } else if (field.key == "userIdentity") {
      has_identity = true;
      ExtractUserIdentity(field.value);
    } else if (field.key == "insightDetails") {
      is_insight = true;
      insight_details = field.value;
    } else if (IsPayloadSection(field.key) && IsOmittedMarker(field.value)) {
      flags_ |= kFlagContentUnknown;
    }
  }
  if (hot(HotField::kEventType) == "AwsCloudTrailInsight" || is_insight) {
    // Insights keep the API they describe under insightDetails (FORMATS.md §2).
    flags_ |= kFlagInsight;
    element value;
    if (is_insight && (hot_present_ & Bit(HotField::kEventName)) == 0 &&
        insight_details.at_key("eventName").get(value) == simdjson::SUCCESS) {
      SetHot(HotField::kEventName, value);
    }
    if (is_insight && (hot_present_ & Bit(HotField::kEventSource)) == 0 &&
        insight_details.at_key("eventSource").get(value) == simdjson::SUCCESS) {
      SetHot(HotField::kEventSource, value);
    }
  }
  constexpr uint32_t kExpected = Bit(HotField::kEventTime) | Bit(HotField::kEventName) |
                                 Bit(HotField::kEventSource) | Bit(HotField::kEventId) |
                                 Bit(HotField::kAwsRegion);
  if ((hot_present_ & kExpected) != kExpected || (!has_identity && !has_flag(kFlagInsight))) {
    flags_ |= kFlagPartial;
  }
  const std::optional<int64_t> time = ParseEventTime(hot(HotField::kEventTime));
  if (time.has_value()) {
    event_time_ns_ = *time;
  } else {
    flags_ |= kFlagTimeUnknown;
  }
  if (hot(HotField::kEventId).empty()) {
    DeriveEventId();
  }
}

void Event::DeriveEventId() {
  const std::string canonical = CanonicalJson();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest, &digest_size, EVP_sha256(), nullptr) !=
      1) {
    return;  // Leaves the id empty; the event still decodes.
  }
  static constexpr char kHex[] = "0123456789abcdef";
  auto id = std::make_unique<std::string>("th-");
  for (unsigned i = 0; i < 16 && i < digest_size; ++i) {
    id->push_back(kHex[digest[i] >> 4]);
    id->push_back(kHex[digest[i] & 0xf]);
  }
  derived_id_ = std::move(id);
  hot_text_[static_cast<size_t>(HotField::kEventId)] = *derived_id_;
  flags_ |= kFlagDerivedId;
}

std::string Event::CanonicalJson() const {
  return simdjson::minify(record_);
}

}  // namespace trailhound::event
