// The one mapping between trappe::Status and grpc::Status (DESIGN.md section 9).
#pragma once

#include <grpcpp/support/status.h>

#include "trappe/common/status.h"

namespace trappe {

grpc::Status ToGrpcStatus(const Status& status);
Status FromGrpcStatus(const grpc::Status& status);
grpc::StatusCode ToGrpcCode(StatusCode code);

}  // namespace trappe
