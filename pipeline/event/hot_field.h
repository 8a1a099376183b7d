// pipeline/event/hot_field.h: the fields every stage needs, extracted once at decode so nothing
// downstream looks them up by name.
#pragma once

#include <cstdint>
#include <string_view>

namespace trailhound::event {

enum class HotField : uint8_t {
  kEventTime,
  kEventName,
  kEventSource,
  kAwsRegion,
  kRecipientAccountId,
  kSourceIpAddress,
  kUserType,
  kUserArn,
  kPrincipalId,
  kUserAccountId,
  kAccessKeyId,
  kSessionIssuerArn,
  kErrorCode,
  kReadOnly,
  kEventId,
  kRequestId,
  kEventType,
  kUserAgent,
  kCount,
  kNone = kCount,
};

inline constexpr size_t kHotFieldCount = static_cast<size_t>(HotField::kCount);

// The dotted path of a hot field (`userIdentity.arn`).
std::string_view HotFieldPath(HotField field);
// The hot field a dotted path names exactly, or kNone.
HotField HotFieldByPath(std::string_view path);

}  // namespace trailhound::event
