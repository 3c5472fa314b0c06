#include "trappe/common/status_grpc.h"

namespace trappe {

grpc::StatusCode ToGrpcCode(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return grpc::StatusCode::OK;
    case StatusCode::kCancelled: return grpc::StatusCode::CANCELLED;
    case StatusCode::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kDeadlineExceeded: return grpc::StatusCode::DEADLINE_EXCEEDED;
    case StatusCode::kNotFound: return grpc::StatusCode::NOT_FOUND;
    case StatusCode::kAlreadyExists: return grpc::StatusCode::ALREADY_EXISTS;
    case StatusCode::kPermissionDenied: return grpc::StatusCode::PERMISSION_DENIED;
    case StatusCode::kFailedPrecondition: return grpc::StatusCode::FAILED_PRECONDITION;
    case StatusCode::kAborted: return grpc::StatusCode::ABORTED;
    case StatusCode::kOutOfRange: return grpc::StatusCode::OUT_OF_RANGE;
    case StatusCode::kUnimplemented: return grpc::StatusCode::UNIMPLEMENTED;
    case StatusCode::kInternal: return grpc::StatusCode::INTERNAL;
    case StatusCode::kUnavailable: return grpc::StatusCode::UNAVAILABLE;
    case StatusCode::kDataLoss: return grpc::StatusCode::DATA_LOSS;
  }
  return grpc::StatusCode::UNKNOWN;
}

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return {ToGrpcCode(status.code()), status.message()};
}

Status FromGrpcStatus(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK: return Status::Ok();
    case grpc::StatusCode::CANCELLED: return Cancelled(status.error_message());
    case grpc::StatusCode::INVALID_ARGUMENT: return InvalidArgument(status.error_message());
    case grpc::StatusCode::DEADLINE_EXCEEDED: return DeadlineExceeded(status.error_message());
    case grpc::StatusCode::NOT_FOUND: return NotFound(status.error_message());
    case grpc::StatusCode::ALREADY_EXISTS: return AlreadyExists(status.error_message());
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED: return PermissionDenied(status.error_message());
    case grpc::StatusCode::FAILED_PRECONDITION: return FailedPrecondition(status.error_message());
    case grpc::StatusCode::ABORTED: return Aborted(status.error_message());
    case grpc::StatusCode::OUT_OF_RANGE: return OutOfRange(status.error_message());
    case grpc::StatusCode::UNIMPLEMENTED: return Unimplemented(status.error_message());
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return Unavailable(status.error_message());
    case grpc::StatusCode::DATA_LOSS: return DataLoss(status.error_message());
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    default: return Internal(status.error_message());
  }
}

}  // namespace trappe
