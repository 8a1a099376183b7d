// pipeline/base/status.h: the error value every module returns instead of throwing. An OK status
// allocates nothing; an error carries a code and a message for a human. Thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace trailhound::base {

enum class StatusCode {
  kOk = 0,
  kInvalidInput,  // the caller's data is wrong (bad JSON, bad rule, bad flag)
  kNotFound,
  kUnavailable,  // the environment failed (disk, network); retrying may help
  kResourceExhausted,
  kInternal,  // a bug
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : ""; }
  // "invalid-input: message", or "ok".
  std::string ToString() const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;
};

inline Status InvalidInput(std::string message) {
  return Status(StatusCode::kInvalidInput, std::move(message));
}
inline Status NotFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}
inline Status Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

}  // namespace trailhound::base
