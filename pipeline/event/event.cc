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

// What a top-level key of a record is to the extractor. Decided by length first, so most keys
// cost one switch and at most a few compares; this runs for every key of every event.
enum class KeyRole { kOther, kHot, kIdentity, kInsight, kPayload, kVersion, kS3 };

KeyRole ClassifyTopLevelKey(std::string_view key, HotField& hot) {
  const auto is = [&key](std::string_view name, HotField field, HotField& out) {
    if (key == name) {
      out = field;
      return true;
    }
    return false;
  };
  switch (key.size()) {
    case 7:
      return is("eventID", HotField::kEventId, hot) ? KeyRole::kHot : KeyRole::kOther;
    case 8:
      return is("readOnly", HotField::kReadOnly, hot) ? KeyRole::kHot : KeyRole::kOther;
    case 9:
      return is("eventTime", HotField::kEventTime, hot) ||
                     is("eventName", HotField::kEventName, hot) ||
                     is("awsRegion", HotField::kAwsRegion, hot) ||
                     is("errorCode", HotField::kErrorCode, hot) ||
                     is("requestID", HotField::kRequestId, hot) ||
                     is("eventType", HotField::kEventType, hot) ||
                     is("userAgent", HotField::kUserAgent, hot)
                 ? KeyRole::kHot
                 : KeyRole::kOther;
    case 11:
      return is("eventSource", HotField::kEventSource, hot) ? KeyRole::kHot : KeyRole::kOther;
    case 2:
      return key == "s3" ? KeyRole::kS3 : KeyRole::kOther;
    case 12:
      return key == "userIdentity"   ? KeyRole::kIdentity
             : key == "eventVersion" ? KeyRole::kVersion
                                     : KeyRole::kOther;
    case 14:
      return key == "insightDetails" ? KeyRole::kInsight : KeyRole::kOther;
    case 15:
      return is("sourceIPAddress", HotField::kSourceIpAddress, hot) ? KeyRole::kHot
                                                                    : KeyRole::kOther;
    case 16:
      return key == "responseElements" ? KeyRole::kPayload : KeyRole::kOther;
    case 17:
      return key == "requestParameters" ? KeyRole::kPayload : KeyRole::kOther;
    case 18:
      return is("recipientAccountId", HotField::kRecipientAccountId, hot) ? KeyRole::kHot
                                                                          : KeyRole::kOther;
    case 19:
      return key == "additionalEventData" || key == "serviceEventDetails" ? KeyRole::kPayload
                                                                          : KeyRole::kOther;
    default:
      return KeyRole::kOther;
  }
}

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

// CloudTrail replaces oversized sections with {"omitted": true, ...} (or "true"): a small
// object, so larger ones are not searched (size() is O(1) on the DOM tape).
bool IsOmittedMarker(element value) {
  constexpr size_t kMarkerMaxKeys = 4;
  simdjson::dom::object object;
  if (value.get(object) != simdjson::SUCCESS || object.size() > kMarkerMaxKeys) {
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
    HotField hot = HotField::kNone;
    switch (ClassifyTopLevelKey(field.key, hot)) {
      case KeyRole::kHot:
        SetHot(hot, field.value);
        break;
      case KeyRole::kIdentity:
        has_identity = true;
        has_identity_key_ = true;
        ExtractUserIdentity(field.value);
        break;
      case KeyRole::kInsight:
        is_insight = true;
        insight_details = field.value;
        break;
      case KeyRole::kPayload:
        if (IsOmittedMarker(field.value)) {
          flags_ |= kFlagContentUnknown;
        }
        break;
      case KeyRole::kVersion:
        has_version_key_ = true;
        break;
      case KeyRole::kS3:
        // S3 event notifications share the Records shape and carry s3.s3SchemaVersion.
        has_s3_schema_ = field.value.at_key("s3SchemaVersion").error() == simdjson::SUCCESS;
        break;
      case KeyRole::kOther:
        break;
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
  // A required field holding JSON null is as absent as a missing one (FORMATS.md §2); nulls in
  // optional fields (`errorCode: null` in exports) flag nothing.
  uint32_t present = hot_present_ & kExpected;
  for (size_t i = 0; i < kHotFieldCount; ++i) {
    if ((present & (1u << i)) != 0 && hot_value_[i].is_null()) {
      present &= ~(1u << i);
    }
  }
  if (present != kExpected || (!has_identity && !has_flag(kFlagInsight))) {
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

bool Event::HasExactCloudTrailKey() const {
  constexpr uint32_t kRecordKeys = Bit(HotField::kEventTime) | Bit(HotField::kEventName) |
                                   Bit(HotField::kEventSource) | Bit(HotField::kEventId);
  return has_version_key_ || has_identity_key_ || (hot_present_ & kRecordKeys) != 0;
}

bool Event::LooksLikeS3Notification() const {
  return has_s3_schema_ || event_source().substr(0, 4) == "aws:";
}

std::string Event::CanonicalJson() const {
  return simdjson::minify(record_);
}

}  // namespace trailhound::event
