// pipeline/event/event.h: one CloudTrail record, decoded. An Event shares ownership of the
// parsed document it lives in (a record of a `Records` batch shares its batch's document) and
// exposes the hot fields without lookups. Events are move-only and immutable after decode; any
// thread may read one, and string views it returns live as long as the Event.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "pipeline/event/hot_field.h"
#include "pipeline/event/parsed_json.h"
#include "pipeline/event/position.h"

namespace trailhound::event {

class TapeView;

// Metadata of the envelope an event arrived in, kept beside the record.
enum class EnvelopeKind : uint8_t {
  kBare,            // a record on its own (a file, a line, a message)
  kRecords,         // CloudTrail `{"Records": [...]}`
  kArray,           // a top-level JSON array of records
  kEventBridge,     // EventBridge event, record in `detail`
  kCloudWatchLogs,  // CloudWatch Logs subscription, record in `logEvents[].message`
};

std::string_view EnvelopeKindName(EnvelopeKind kind);

struct EventBridgeMeta {
  std::string id;
  std::string time;
  std::string region;
  std::string account;
  std::string source;
  std::string detail_type;
};

enum EventFlag : uint32_t {
  kFlagPartial = 1u << 0,         // a hot field is missing or has the wrong JSON type
  kFlagTimeUnknown = 1u << 1,     // eventTime missing or unparseable
  kFlagDerivedId = 1u << 2,       // eventID missing; derived from SHA-256 of the record
  kFlagContentUnknown = 1u << 3,  // a payload section was replaced by `{"omitted": true}`
  kFlagInsight = 1u << 4,         // a CloudTrail Insights record
  kFlagFromFirehose = 1u << 5,    // arrived inside a Firehose delivery request
  kFlagFromSns = 1u << 6,         // arrived inside an SNS notification
};

enum class ReadOnly : uint8_t { kUnknown, kTrue, kFalse };

class Event {
 public:
  // REQUIRES: `record` is an object inside `document`. Extracts the hot fields.
  Event(std::shared_ptr<const ParsedJson> document, simdjson::dom::element record,
        Position position, EnvelopeKind envelope);
  Event(Event&&) noexcept = default;
  Event& operator=(Event&&) noexcept = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  simdjson::dom::element record() const { return record_; }
  const Position& position() const { return position_; }
  EnvelopeKind envelope() const { return envelope_; }
  uint32_t flags() const { return flags_; }
  bool has_flag(EventFlag flag) const { return (flags_ & flag) != 0; }
  void AddFlags(uint32_t flags) { flags_ |= flags; }

  // A hot field's text; empty when missing or not a string. kReadOnly reads "true"/"false".
  std::string_view hot(HotField field) const { return hot_text_[static_cast<size_t>(field)]; }
  // The element a hot field holds, whatever its type; false when the record lacks it.
  bool hot_element(HotField field, simdjson::dom::element& out) const;

  // What walking a hot field's own dotted path (`eventName`, `userIdentity.arn`) over record()
  // by SIGMA.md §6 reaches, when the decode pass proved it: one string, hot(field)
  // (kString), or nothing (kMissing). kUnknown when the walk must be made: the value is not a
  // string, a key on the way is repeated, a literal dotted key such as "userIdentity.arn" could
  // win, userIdentity is not one object, the text came from insightDetails or was derived.
  enum class HotLookup : uint8_t { kUnknown, kString, kMissing };
  HotLookup LookUpHot(HotField field) const;

  std::string_view event_name() const { return hot(HotField::kEventName); }
  std::string_view event_source() const { return hot(HotField::kEventSource); }
  std::string_view event_id() const { return hot(HotField::kEventId); }
  std::string_view aws_region() const { return hot(HotField::kAwsRegion); }
  std::string_view recipient_account_id() const { return hot(HotField::kRecipientAccountId); }
  std::string_view source_ip() const { return hot(HotField::kSourceIpAddress); }
  std::string_view user_arn() const { return hot(HotField::kUserArn); }
  std::string_view access_key_id() const { return hot(HotField::kAccessKeyId); }
  std::string_view error_code() const { return hot(HotField::kErrorCode); }
  ReadOnly read_only() const { return read_only_; }
  // Epoch nanoseconds; meaningful only when time_known().
  int64_t event_time_ns() const { return event_time_ns_; }
  bool time_known() const { return !has_flag(kFlagTimeUnknown); }

  const EventBridgeMeta* eventbridge() const { return eventbridge_.get(); }
  void set_eventbridge(std::shared_ptr<const EventBridgeMeta> meta) {
    eventbridge_ = std::move(meta);
  }

  // Shape facts the decoder needs, noted during the one pass over the record's keys so it
  // need not walk them again. True when a CloudTrail key (eventVersion, eventID, eventTime,
  // eventName, eventSource, userIdentity) is present in its exact spelling; lower-case exports
  // need the decoder's case-insensitive check.
  bool HasExactCloudTrailKey() const;
  // An S3 event notification (eventSource `aws:s3`, or `s3.s3SchemaVersion`), not CloudTrail.
  bool LooksLikeS3Notification() const;

  // The record as compact JSON, envelopes removed: what `--dump-events` and the store keep.
  std::string CanonicalJson() const;

 private:
  void ExtractHotFields();
  void ExtractUserIdentity(const TapeView& tape, size_t identity);
  void ExtractInsightFields(const TapeView& tape, size_t details);
  void SetHot(const TapeView& tape, HotField field, size_t value);
  void SetHotFast(const TapeView& tape, HotField field, size_t value);
  void DeriveEventId();

  std::shared_ptr<const ParsedJson> document_;
  simdjson::dom::element record_;
  Position position_;
  std::shared_ptr<const EventBridgeMeta> eventbridge_;
  std::unique_ptr<std::string> derived_id_;  // heap, so hot_text_ survives moves
  std::array<std::string_view, kHotFieldCount> hot_text_{};
  uint32_t hot_present_ = 0;   // bit per HotField: the record has it, whatever its type
  uint32_t hot_null_ = 0;      // bit per HotField: present as JSON null
  uint32_t from_insight_ = 0;  // bit per HotField: taken from insightDetails
  uint32_t hot_string_ = 0;    // bit per HotField: hot_text_ is the record's JSON string
  uint32_t hot_repeated_ = 0;  // bit per HotField: its key occurred twice in its object
  uint32_t hot_unproven_ = 0;  // bit per HotField: LookUpHot answers kUnknown
  int64_t event_time_ns_ = 0;
  uint32_t flags_ = 0;
  EnvelopeKind envelope_ = EnvelopeKind::kBare;
  ReadOnly read_only_ = ReadOnly::kUnknown;
  bool has_version_key_ = false;
  bool has_identity_key_ = false;
  bool identity_unproven_ = false;  // userIdentity repeated, not an object, or a dotted key
  bool has_s3_schema_ = false;
};

}  // namespace trailhound::event
