// pipeline/event/event.cc: hot-field extraction, one pass over the record's top-level keys.
#include "pipeline/event/event.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>

#include "pipeline/event/digest.h"
#include "pipeline/event/event_time.h"
#include "pipeline/event/tape.h"

namespace trailhound::event {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// What a top-level key of a record is to the extractor.
enum class KeyRole : uint8_t { kOther, kHot, kIdentity, kInsight, kPayload, kVersion, kS3 };

// Top-level keys are classified for every key of every event, so the lookup avoids a switch
// (an indirect branch the predictor misses as key lengths vary) and memcmp: the key's first
// 8 bytes pick a slot by a multiplicative hash, and up to three 8-byte words confirm it.
struct KnownKey {
  std::string_view name;
  KeyRole role;
  HotField field;
};

constexpr KnownKey kKnownKeys[] = {
    {"eventTime", KeyRole::kHot, HotField::kEventTime},
    {"eventName", KeyRole::kHot, HotField::kEventName},
    {"eventSource", KeyRole::kHot, HotField::kEventSource},
    {"awsRegion", KeyRole::kHot, HotField::kAwsRegion},
    {"recipientAccountId", KeyRole::kHot, HotField::kRecipientAccountId},
    {"sourceIPAddress", KeyRole::kHot, HotField::kSourceIpAddress},
    {"errorCode", KeyRole::kHot, HotField::kErrorCode},
    {"readOnly", KeyRole::kHot, HotField::kReadOnly},
    {"eventID", KeyRole::kHot, HotField::kEventId},
    {"requestID", KeyRole::kHot, HotField::kRequestId},
    {"eventType", KeyRole::kHot, HotField::kEventType},
    {"userAgent", KeyRole::kHot, HotField::kUserAgent},
    {"userIdentity", KeyRole::kIdentity, HotField::kNone},
    {"eventVersion", KeyRole::kVersion, HotField::kNone},
    {"insightDetails", KeyRole::kInsight, HotField::kNone},
    {"requestParameters", KeyRole::kPayload, HotField::kNone},
    {"responseElements", KeyRole::kPayload, HotField::kNone},
    {"additionalEventData", KeyRole::kPayload, HotField::kNone},
    {"serviceEventDetails", KeyRole::kPayload, HotField::kNone},
    {"s3", KeyRole::kS3, HotField::kNone},
};

static_assert(std::endian::native == std::endian::little, "key words are little-endian");

// Bytes [offset, offset + 8) of `text` as a little-endian word, zero past the end.
constexpr uint64_t Word(std::string_view text, size_t offset) {
  uint64_t word = 0;
  for (size_t i = 0; i < 8 && offset + i < text.size(); ++i) {
    word |= static_cast<uint64_t>(static_cast<uint8_t>(text[offset + i])) << (8 * i);
  }
  return word;
}

constexpr uint64_t kKeyHash = 0x9b810e766ec9d287;  // no two known keys share a slot
constexpr size_t KeySlot(uint64_t first_word) {
  return (first_word * kKeyHash) >> 58;
}

struct KeyTable {
  std::array<int8_t, 64> slot_to_key{};
  std::array<uint64_t, std::size(kKnownKeys)> words[3]{};
};

constexpr KeyTable MakeKeyTable() {
  KeyTable table;
  for (int8_t& entry : table.slot_to_key) {
    entry = -1;
  }
  for (size_t i = 0; i < std::size(kKnownKeys); ++i) {
    const std::string_view name = kKnownKeys[i].name;
    const size_t slot = KeySlot(Word(name, 0));
    if (table.slot_to_key[slot] != -1) {
      throw "two known keys share a slot: choose another kKeyHash";  // fails compilation
    }
    table.slot_to_key[slot] = static_cast<int8_t>(i);
    table.words[0][i] = Word(name, 0);
    table.words[1][i] = Word(name, 8);
    table.words[2][i] = name.size() > 16 ? Word(name, name.size() - 8) : 0;
  }
  return table;
}

constexpr KeyTable kKeyTable = MakeKeyTable();

// REQUIRES: 8 readable bytes from key.data() + 8 (a simdjson string buffer is padded).
uint64_t LoadWord(std::string_view key, size_t offset) {
  uint64_t word = 0;
  std::memcpy(&word, key.data() + offset, sizeof word);
  const size_t valid = key.size() > offset ? key.size() - offset : 0;
  return valid >= 8 ? word : word & ((uint64_t{1} << (8 * valid)) - 1);
}

KeyRole ClassifyTopLevelKey(std::string_view key, HotField& hot) {
  if (key.size() > 24) {
    return KeyRole::kOther;  // longer than any known key; three words cover 24 bytes
  }
  const uint64_t first = LoadWord(key, 0);
  const int8_t index = kKeyTable.slot_to_key[KeySlot(first)];
  if (index < 0) {
    return KeyRole::kOther;
  }
  const KnownKey& known = kKnownKeys[index];
  if (known.name.size() != key.size() || kKeyTable.words[0][index] != first ||
      (key.size() > 8 && kKeyTable.words[1][index] != LoadWord(key, 8)) ||
      (key.size() > 16 && kKeyTable.words[2][index] != LoadWord(key, key.size() - 8))) {
    return KeyRole::kOther;
  }
  hot = known.field;
  return known.role;
}

// What a key of userIdentity is to the extractor. Every event has userIdentity, so its keys
// are compared as words by length, as the top-level keys are, not with memcmp per candidate.
enum class IdentityRole : uint8_t { kOther, kHot, kSessionContext };

// The words of the identity keys, computed at compile time.
constexpr uint64_t kArn = Word("arn", 0);
constexpr uint64_t kType = Word("type", 0);
constexpr uint64_t kAccountId[2] = {Word("accountId", 0), Word("accountId", 8)};
constexpr uint64_t kPrincipalId[2] = {Word("principalId", 0), Word("principalId", 8)};
constexpr uint64_t kAccessKeyId[2] = {Word("accessKeyId", 0), Word("accessKeyId", 8)};
constexpr uint64_t kSessionContext[2] = {Word("sessionContext", 0), Word("sessionContext", 8)};

IdentityRole ClassifyIdentityKey(std::string_view key, HotField& hot) {
  const uint64_t first = LoadWord(key, 0);
  switch (key.size()) {
    case 3:
      hot = HotField::kUserArn;
      return first == kArn ? IdentityRole::kHot : IdentityRole::kOther;
    case 4:
      hot = HotField::kUserType;
      return first == kType ? IdentityRole::kHot : IdentityRole::kOther;
    case 9:
      hot = HotField::kUserAccountId;
      return first == kAccountId[0] && LoadWord(key, 8) == kAccountId[1] ? IdentityRole::kHot
                                                                         : IdentityRole::kOther;
    case 11: {
      const uint64_t second = LoadWord(key, 8);
      if (first == kPrincipalId[0] && second == kPrincipalId[1]) {
        hot = HotField::kPrincipalId;
        return IdentityRole::kHot;
      }
      hot = HotField::kAccessKeyId;
      return first == kAccessKeyId[0] && second == kAccessKeyId[1] ? IdentityRole::kHot
                                                                   : IdentityRole::kOther;
    }
    case 14:
      return first == kSessionContext[0] && LoadWord(key, 8) == kSessionContext[1]
                 ? IdentityRole::kSessionContext
                 : IdentityRole::kOther;
    default:
      return IdentityRole::kOther;
  }
}

// CloudTrail replaces oversized sections with {"omitted": true, ...} (or "true"): a small
// object, so larger ones are not searched.
bool IsOmittedMarker(const TapeView& tape, size_t value) {
  constexpr uint32_t kMarkerMaxKeys = 4;
  if (tape.type(value) != '{' || tape.Count(value) > kMarkerMaxKeys) {
    return false;
  }
  const size_t omitted = tape.Field(value, "omitted");
  return omitted != 0 && (tape.type(omitted) == 't' ||
                          (tape.type(omitted) == '"' && tape.String(omitted) == "true"));
}

constexpr uint32_t Bit(HotField field) {
  return 1u << static_cast<uint32_t>(field);
}

// The hot fields under userIdentity whose paths have two segments (`userIdentity.arn`).
constexpr uint32_t kIdentityFields = Bit(HotField::kUserType) | Bit(HotField::kUserArn) |
                                     Bit(HotField::kPrincipalId) | Bit(HotField::kUserAccountId) |
                                     Bit(HotField::kAccessKeyId);

// A top-level key such as "userIdentity.arn": by SIGMA.md §6 it would answer that path in place
// of userIdentity's own `arn`. Such keys are never written by CloudTrail, so only their presence
// is noted. Keys are padded (LoadWord).
bool IsDottedIdentityKey(std::string_view key) {
  constexpr uint64_t kUserIden = Word("userIden", 0);
  return key.size() > 13 && LoadWord(key, 0) == kUserIden && key.substr(8, 5) == "tity.";
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

Event::HotLookup Event::LookUpHot(HotField field) const {
  const uint32_t bit = Bit(field);
  if ((hot_unproven_ & bit) != 0) {
    return HotLookup::kUnknown;
  }
  if ((hot_present_ & bit) == 0) {
    return HotLookup::kMissing;
  }
  return (hot_string_ & bit) != 0 ? HotLookup::kString : HotLookup::kUnknown;
}

bool Event::hot_element(HotField field, element& out) const {
  if ((hot_present_ & Bit(field)) == 0) {
    return false;
  }
  // The JSON pointer of the field's path (`userIdentity.arn` → `/userIdentity/arn`); built
  // here because only the rare caller that wants the element itself pays for it.
  std::string pointer = "/";
  pointer += (from_insight_ & Bit(field)) != 0
                 ? (field == HotField::kEventName ? "insightDetails.eventName"
                                                  : "insightDetails.eventSource")
                 : HotFieldPath(field);
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  return record_.at_pointer(pointer).get(out) == simdjson::SUCCESS;
}

void Event::SetHot(const TapeView& tape, HotField field, size_t value) {
  const size_t i = static_cast<size_t>(field);
  hot_repeated_ |= hot_present_ & Bit(field);
  hot_present_ |= Bit(field);
  hot_string_ &= ~Bit(field);
  switch (tape.type(value)) {
    case '"': {
      const std::string_view text = tape.String(value);
      hot_text_[i] = text;
      hot_string_ |= Bit(field);
      if (field == HotField::kReadOnly) {
        read_only_ = text == "true"    ? ReadOnly::kTrue
                     : text == "false" ? ReadOnly::kFalse
                                       : ReadOnly::kUnknown;
      }
      return;
    }
    case 't':
    case 'f':
      if (field == HotField::kReadOnly) {
        const bool flag = tape.type(value) == 't';
        hot_text_[i] = flag ? "true" : "false";
        read_only_ = flag ? ReadOnly::kTrue : ReadOnly::kFalse;
        return;
      }
      break;
    case 'n':
      hot_null_ |= Bit(field);
      return;
    default:
      break;
  }
  flags_ |= kFlagPartial;  // Present with the wrong type: matches nothing that needs it.
}

// Most hot values are strings; they take this inline path, the rest SetHot's.
inline void Event::SetHotFast(const TapeView& tape, HotField field, size_t value) {
  if (tape.type(value) == '"' && field != HotField::kReadOnly) {
    hot_repeated_ |= hot_present_ & Bit(field);
    hot_present_ |= Bit(field);
    hot_string_ |= Bit(field);
    hot_text_[static_cast<size_t>(field)] = tape.String(value);
  } else {
    SetHot(tape, field, value);
  }
}

void Event::ExtractUserIdentity(const TapeView& tape, size_t identity) {
  if (tape.type(identity) != '{') {
    flags_ |= kFlagPartial;  // null included: who made the call is unknown
    identity_unproven_ = true;
    return;
  }
  tape.ForEachField(identity, [&](std::string_view key, size_t value) {
    HotField hot = HotField::kNone;
    const IdentityRole role = ClassifyIdentityKey(key, hot);
    if (role == IdentityRole::kHot) {
      SetHotFast(tape, hot, value);
    } else if (role == IdentityRole::kSessionContext && tape.type(value) == '{') {
      const size_t issuer = tape.Field(value, "sessionIssuer");
      if (issuer != 0 && tape.type(issuer) == '{') {
        const size_t arn = tape.Field(issuer, "arn");
        if (arn != 0) {
          SetHot(tape, HotField::kSessionIssuerArn, arn);
        }
      }
    }
    return false;
  });
}

void Event::ExtractInsightFields(const TapeView& tape, size_t details) {
  // Insights keep the API they describe under insightDetails (FORMATS.md §2).
  flags_ |= kFlagInsight;
  if (details == 0 || tape.type(details) != '{') {
    return;
  }
  for (const HotField field : {HotField::kEventName, HotField::kEventSource}) {
    const size_t value =
        tape.Field(details, field == HotField::kEventName ? "eventName" : "eventSource");
    if ((hot_present_ & Bit(field)) == 0 && value != 0) {
      SetHot(tape, field, value);
      from_insight_ |= Bit(field);
    }
  }
}

void Event::ExtractHotFields() {
  if (!record_.is_object()) {
    flags_ |= kFlagPartial | kFlagTimeUnknown;
    hot_unproven_ = ~0u;
    return;
  }
  const TapeView tape(document_->document());
  size_t insight_details = 0;
  tape.ForEachField(
      TapeIndexOf(document_->document(), record_), [&](std::string_view key, size_t value) {
        HotField hot = HotField::kNone;
        // An if chain, hot fields first: a switch here compiles to an indirect jump that the
        // predictor misses on almost every record.
        const KeyRole role = ClassifyTopLevelKey(key, hot);
        if (role == KeyRole::kHot) {
          SetHotFast(tape, hot, value);
        } else if (role == KeyRole::kIdentity) {
          identity_unproven_ = identity_unproven_ || has_identity_key_;  // a repeated key
          has_identity_key_ = true;
          ExtractUserIdentity(tape, value);
        } else if (role == KeyRole::kPayload) {
          if (IsOmittedMarker(tape, value)) {
            flags_ |= kFlagContentUnknown;
          }
        } else if (role == KeyRole::kVersion) {
          has_version_key_ = true;
        } else if (role == KeyRole::kInsight) {
          insight_details = value;
        } else if (role == KeyRole::kS3) {
          // S3 event notifications share the Records shape.
          has_s3_schema_ = tape.type(value) == '{' && tape.Field(value, "s3SchemaVersion") != 0;
        } else if (IsDottedIdentityKey(key)) {
          identity_unproven_ = true;
        }
        return false;
      });
  if (insight_details != 0 || hot(HotField::kEventType) == "AwsCloudTrailInsight") {
    ExtractInsightFields(tape, insight_details);
  }
  constexpr uint32_t kExpected = Bit(HotField::kEventTime) | Bit(HotField::kEventName) |
                                 Bit(HotField::kEventSource) | Bit(HotField::kEventId) |
                                 Bit(HotField::kAwsRegion);
  // A required field holding JSON null is as absent as a missing one (FORMATS.md §2); nulls in
  // optional fields (`errorCode: null` in exports) flag nothing.
  const uint32_t present = hot_present_ & ~hot_null_ & kExpected;
  if (present != kExpected || (!has_identity_key_ && !has_flag(kFlagInsight))) {
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
  // sessionIssuer.arn is four segments deep, with a dotted key possible at each; not tracked.
  hot_unproven_ = hot_repeated_ | from_insight_ | Bit(HotField::kSessionIssuerArn) |
                  (identity_unproven_ ? kIdentityFields : 0) |
                  (has_flag(kFlagDerivedId) ? Bit(HotField::kEventId) : 0);
}

void Event::DeriveEventId() {
  const std::string digest = Sha256Prefix128Hex(CanonicalJson());
  if (digest.empty()) {
    return;  // Leaves the id empty; the event still decodes.
  }
  derived_id_ = std::make_unique<std::string>("th-" + digest);
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
