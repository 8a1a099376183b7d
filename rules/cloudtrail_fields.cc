// rules/cloudtrail_fields.cc: the CloudTrail record field list.
#include "rules/cloudtrail_fields.h"

#include <algorithm>
#include <array>

namespace trailhound::rules {
namespace {

// CloudTrail record contents (AWS CloudTrail User Guide, "CloudTrail record contents for
// management, data, and network activity events" and "... for Insights events").
constexpr std::array<std::string_view, 32> kRecordFields = {
    "additionalEventData",
    "addendum",
    "apiVersion",
    "awsRegion",
    "edgeDeviceDetails",
    "errorCode",
    "errorMessage",
    "eventCategory",
    "eventID",
    "eventName",
    "eventSource",
    "eventTime",
    "eventType",
    "eventVersion",
    "insightDetails",
    "managementEvent",
    "readOnly",
    "recipientAccountId",
    "requestID",
    "requestParameters",
    "resources",
    "responseElements",
    "serviceEventDetails",
    "sessionCredentialFromConsole",
    "sharedEventID",
    "sourceIPAddress",
    "tlsDetails",
    "userAgent",
    "userIdentity",
    "vpcEndpointAccountId",
    "vpcEndpointId",
    "trailhound",  // the virtual fields' root (DETECTIONS.md §1)
};

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool IsCloudTrailRecordField(std::string_view name) {
  return std::find(kRecordFields.begin(), kRecordFields.end(), name) != kRecordFields.end();
}

std::string_view FirstSegment(std::string_view path) {
  return path.substr(0, path.find('.'));
}

bool LooksLikeFieldPath(std::string_view value) {
  if (value.find('.') == std::string_view::npos || !IsCloudTrailRecordField(FirstSegment(value))) {
    return false;
  }
  bool segment_empty = true;
  for (const char c : value) {
    if (c == '.') {
      if (segment_empty) {
        return false;
      }
      segment_empty = true;
    } else if (IsAlnum(c)) {
      segment_empty = false;
    } else {
      return false;
    }
  }
  return !segment_empty;
}

}  // namespace trailhound::rules
