// pipeline/event/hot_field.cc: names of the hot fields.
#include "pipeline/event/hot_field.h"

#include <array>

namespace trailhound::event {
namespace {

constexpr std::array<std::string_view, kHotFieldCount> kPaths = {
    "eventTime",
    "eventName",
    "eventSource",
    "awsRegion",
    "recipientAccountId",
    "sourceIPAddress",
    "userIdentity.type",
    "userIdentity.arn",
    "userIdentity.principalId",
    "userIdentity.accountId",
    "userIdentity.accessKeyId",
    "userIdentity.sessionContext.sessionIssuer.arn",
    "errorCode",
    "readOnly",
    "eventID",
    "requestID",
    "eventType",
    "userAgent",
};

}  // namespace

std::string_view HotFieldPath(HotField field) {
  const size_t i = static_cast<size_t>(field);
  return i < kHotFieldCount ? kPaths[i] : std::string_view();
}

HotField HotFieldByPath(std::string_view path) {
  for (size_t i = 0; i < kHotFieldCount; ++i) {
    if (kPaths[i] == path) {
      return static_cast<HotField>(i);
    }
  }
  return HotField::kNone;
}

}  // namespace trailhound::event
