// Clients of the two standard gRPC protocols every Trappe server exposes, for tests:
// health (grpc.health.v1) and server reflection (grpc.reflection.v1alpha).
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "trappe/testing/wire.grpc.pb.h"

namespace trappe::testing {

// grpc.health.v1.Health/Check for `service` ("" for the whole server).
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                         HealthCheckResponse* response);

// The full names of the services the server lists through reflection.
std::vector<std::string> ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel);

}  // namespace trappe::testing
