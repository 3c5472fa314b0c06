// Status and Result<T>: how every fallible Trappe function reports failure.
//
// Exceptions never cross a library boundary; a function that can fail returns a
// Status (or a Result<T>, a value or a Status). Both are [[nodiscard]]. The codes are
// the subset of gRPC's that DESIGN.md section 9 uses, so that one mapping
// (status_grpc.h) turns any Status into the wire status a client sees.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace trappe {

enum class StatusCode {
  kOk = 0,
  kCancelled,
  kInvalidArgument,    // bad input; the message names the field and the rule broken
  kDeadlineExceeded,   // a wait (for a log position, for a reply) ran out of time
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kFailedPrecondition, // the request is well formed but the state forbids it
  kAborted,            // optimistic concurrency: expected aggregate version differs
  kOutOfRange,
  kUnimplemented,
  kInternal,           // a broken invariant inside Trappe
  kUnavailable,        // the log is unreachable, or the service is still catching up
  kDataLoss,           // stored data is corrupt or unreadable
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: case_id: must be a UUID"
  std::string ToString() const;

  // Returns a copy whose message is prefixed by `context: `.
  Status WithContext(std::string_view context) const;

  // Explicitly discards a status whose failure is acceptable at this call site.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Constructors for the common codes. For field errors the message reads
// "<field>: <rule>", e.g. InvalidArgument("cpr", "must be 10 digits").
Status InvalidArgument(std::string_view field, std::string_view rule);
Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status FailedPrecondition(std::string message);
Status Aborted(std::string message);
Status Unavailable(std::string message);
Status DeadlineExceeded(std::string message);
Status PermissionDenied(std::string message);
Status Internal(std::string message);
Status DataLoss(std::string message);
Status Unimplemented(std::string message);
Status OutOfRange(std::string message);
Status Cancelled(std::string message);

// A value of type T, or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "a Result built from a Status must carry an error");
    if (status_.ok()) status_ = Internal("Result constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  // By value, so that `for (auto x : F().value())` does not dangle.
  T value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }

  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  std::optional<T> value_;
  Status status_;  // OK when value_ is set
};

}  // namespace trappe

#define TRAPPE_STATUS_CONCAT_INNER(a, b) a##b
#define TRAPPE_STATUS_CONCAT(a, b) TRAPPE_STATUS_CONCAT_INNER(a, b)

// Returns the status from the current function when `expr` is not OK.
#define TRAPPE_RETURN_IF_ERROR(expr)                  \
  do {                                                \
    ::trappe::Status trappe_status_ = (expr);         \
    if (!trappe_status_.ok()) return trappe_status_;  \
  } while (false)

// `TRAPPE_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result's value, or
// returns the Result's status from the current function.
#define TRAPPE_ASSIGN_OR_RETURN(lhs, expr) \
  TRAPPE_ASSIGN_OR_RETURN_IMPL(TRAPPE_STATUS_CONCAT(trappe_result_, __LINE__), lhs, expr)
#define TRAPPE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
