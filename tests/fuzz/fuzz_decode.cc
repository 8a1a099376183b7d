// tests/fuzz/fuzz_decode.cc: libFuzzer target for the envelope decoder. Any byte string must
// decode without a crash, leak, hang or sanitizer report, and every record must come out as an
// event, a dead letter or a skip. Events are then touched the way later stages touch them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline/dead_letter.h"
#include "pipeline/decode.h"
#include "pipeline/event/field_path.h"

namespace {

using namespace trailhound;

class TouchingSink : public pipeline::DecodeSink {
 public:
  void OnEvent(event::Event&& decoded) override {
    for (size_t i = 0; i < event::kHotFieldCount; ++i) {
      checksum_ += decoded.hot(static_cast<event::HotField>(i)).size();
    }
    checksum_ += decoded.CanonicalJson().size();
    static const event::FieldPath kPaths[] = {
        event::FieldPath::Compile("requestParameters.policy.Statement.Principal"),
        event::FieldPath::Compile("resources.ARN"),
        event::FieldPath::Compile("userIdentity.sessionContext.sessionIssuer.arn"),
    };
    for (const event::FieldPath& path : kPaths) {
      checksum_ += static_cast<size_t>(event::ClassifyField(decoded.record(), path));
      event::VisitValues(decoded.record(), path, [this](simdjson::dom::element value) {
        event::VisitScalarLeaves(value, [this](simdjson::dom::element) {
          ++checksum_;
          return false;
        });
        return false;
      });
    }
  }
  void OnReject(const pipeline::Rejected& rejected) override {
    checksum_ += pipeline::FormatDeadLetter(rejected, 0, pipeline::DeadLetterOptions{4096}).size();
  }
  void OnSkip(pipeline::SkipReason reason, const event::Position&) override {
    checksum_ += static_cast<size_t>(reason);
  }
  size_t checksum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pipeline::DecodeLimits limits;
  limits.max_event_bytes = 64 * 1024;  // small caps keep each run fast and reach the scanner
  limits.max_inflated_bytes = 1 << 20;
  static pipeline::Decoder decoder(limits);
  TouchingSink sink;
  event::Position position;
  static const auto kSource = std::make_shared<const std::string>("fuzz");
  position.source = kSource;
  decoder.Decode(std::string_view(reinterpret_cast<const char*>(data), size), position, sink);
  return 0;
}
