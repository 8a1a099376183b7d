// rules/cloudtrail_fields.h: the top-level fields of a CloudTrail record, for the lint warnings
// `unknown-field` (a rule tests a field no CloudTrail record has, e.g. `status`, `src_ip`) and
// `value-looks-like-field` (a value that is a field path, probably meant with `fieldref`).
#pragma once

#include <string_view>

namespace trailhound::rules {

// True when `name` is a top-level key of CloudTrail records (management, data, Insights and
// network activity events, CloudTrail record contents reference) or `trailhound`, the root of
// the virtual fields (DETECTIONS.md §1). Case-sensitive, as field lookup is.
bool IsCloudTrailRecordField(std::string_view name);

// The first segment of a dotted field path.
std::string_view FirstSegment(std::string_view path);

// True when `value` reads as a dotted path into a record (`responseElements.accessKey.userName`):
// two or more segments of letters and digits, the first a CloudTrail record field. Host names
// such as `iam.amazonaws.com` are not: their first segment is no record field.
bool LooksLikeFieldPath(std::string_view value);

}  // namespace trailhound::rules
