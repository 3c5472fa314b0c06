#include "trappe/common/status.h"

#include <gtest/gtest.h>

#include "trappe/common/status_grpc.h"
#include "trappe/testing/status_matchers.h"

namespace trappe {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgument("count", "must be positive");
  return v;
}

Result<int> Doubled(int v) {
  TRAPPE_ASSIGN_OR_RETURN(const int x, ParsePositive(v));
  return 2 * x;
}

Status Check(int v) {
  TRAPPE_RETURN_IF_ERROR(ParsePositive(v).status());
  return Status::Ok();
}

TEST(StatusTest, InvalidArgumentNamesTheField) {
  const Status s = InvalidArgument("cpr", "must be 10 digits");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "cpr: must be 10 digits");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: cpr: must be 10 digits");
  EXPECT_EQ(s.WithContext("OpenCase").message(), "OpenCase: cpr: must be 10 digits");
}

TEST(StatusTest, MacrosPropagateErrorsAndValues) {
  ASSERT_OK_AND_ASSIGN(const int four, Doubled(2));
  EXPECT_EQ(four, 4);
  EXPECT_STATUS(Doubled(-1), StatusCode::kInvalidArgument, "count: must be positive");
  EXPECT_OK(Check(1));
  EXPECT_STATUS(Check(0), StatusCode::kInvalidArgument, "count");
  EXPECT_EQ(ParsePositive(-3).value_or(7), 7);
}

struct Mapping {
  Status status;
  grpc::StatusCode grpc_code;
};

TEST(StatusGrpcTest, EveryCodeMapsToTheGrpcCodeOfDesignSection9) {
  const Mapping mappings[] = {
      {Status::Ok(), grpc::StatusCode::OK},
      {InvalidArgument("f", "r"), grpc::StatusCode::INVALID_ARGUMENT},
      {NotFound("x"), grpc::StatusCode::NOT_FOUND},
      {AlreadyExists("x"), grpc::StatusCode::ALREADY_EXISTS},
      {FailedPrecondition("x"), grpc::StatusCode::FAILED_PRECONDITION},
      {Aborted("x"), grpc::StatusCode::ABORTED},
      {Unavailable("x"), grpc::StatusCode::UNAVAILABLE},
      {PermissionDenied("x"), grpc::StatusCode::PERMISSION_DENIED},
      {DeadlineExceeded("x"), grpc::StatusCode::DEADLINE_EXCEEDED},
      {Internal("x"), grpc::StatusCode::INTERNAL},
      {DataLoss("x"), grpc::StatusCode::DATA_LOSS},
      {Unimplemented("x"), grpc::StatusCode::UNIMPLEMENTED},
      {OutOfRange("x"), grpc::StatusCode::OUT_OF_RANGE},
      {Cancelled("x"), grpc::StatusCode::CANCELLED},
  };
  for (const Mapping& m : mappings) {
    const grpc::Status g = ToGrpcStatus(m.status);
    EXPECT_EQ(g.error_code(), m.grpc_code) << m.status.ToString();
    EXPECT_EQ(g.error_message(), m.status.message());
    // And back: the round trip keeps code and message.
    EXPECT_EQ(FromGrpcStatus(g), m.status) << m.status.ToString();
  }
}

TEST(StatusGrpcTest, ForeignGrpcCodesMapToTheNearestTrappeCode) {
  EXPECT_EQ(FromGrpcStatus({grpc::StatusCode::UNAUTHENTICATED, "no token"}).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(FromGrpcStatus({grpc::StatusCode::RESOURCE_EXHAUSTED, "busy"}).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(FromGrpcStatus({grpc::StatusCode::UNKNOWN, "?"}).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace trappe
