// pipeline/event/position.cc: rendering positions for dead letters, alerts and logs.
#include "pipeline/event/position.h"

namespace trailhound::event {

Position Position::With(StepKind kind, uint32_t index) const {
  Position next = *this;
  if (next.step_count < kMaxSteps) {
    next.steps[next.step_count++] = PositionStep{kind, index};
  }
  return next;
}

Position Position::WithOffset(uint64_t offset) const {
  Position next = *this;
  next.byte_offset = offset;
  return next;
}

std::string Position::ToString() const {
  std::string out = source ? *source : std::string("<unknown>");
  out += " @";
  out += std::to_string(byte_offset);
  for (uint8_t i = 0; i < step_count; ++i) {
    const PositionStep& step = steps[i];
    out += i == 0 ? " " : " > ";
    const std::string index = std::to_string(step.index);
    switch (step.kind) {
      case StepKind::kGzip:
        out += "gzip";
        break;
      case StepKind::kRecords:
        out += "Records[" + index + "]";
        break;
      case StepKind::kArray:
        out += "[" + index + "]";
        break;
      case StepKind::kLine:
        out += "line " + index;
        break;
      case StepKind::kValue:
        out += "value " + index;
        break;
      case StepKind::kDetail:
        out += "detail";
        break;
      case StepKind::kFirehoseRecord:
        out += "records[" + index + "]";
        break;
      case StepKind::kLogEvent:
        out += "logEvents[" + index + "]";
        break;
      case StepKind::kSnsMessage:
        out += "Message";
        break;
    }
  }
  return out;
}

}  // namespace trailhound::event
