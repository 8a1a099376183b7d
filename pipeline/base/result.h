// pipeline/base/result.h: a value or the Status explaining why there is none. Shaped like
// std::expected<T, Status> (has_value, value, error, operator*) so it can become an alias for it.
#pragma once

#include <utility>
#include <variant>

#include "pipeline/base/check.h"
#include "pipeline/base/status.h"

namespace trailhound::base {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  // REQUIRES: !status.ok(); an OK status is not an error.
  Result(Status status) : data_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    TH_CHECK(!std::get<1>(data_).ok());
  }

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    TH_CHECK(has_value());
    return std::get<0>(data_);
  }
  const T& value() const& {
    TH_CHECK(has_value());
    return std::get<0>(data_);
  }
  T&& value() && {
    TH_CHECK(has_value());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Status& error() const {
    TH_CHECK(!has_value());
    return std::get<1>(data_);
  }

 private:
  std::variant<T, Status> data_;
};

}  // namespace trailhound::base
