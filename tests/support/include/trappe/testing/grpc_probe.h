// Clients of the two standard gRPC protocols every Trappe server exposes, for tests:
// health (grpc.health.v1) and server reflection (grpc.reflection.v1alpha).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/testing/wire.grpc.pb.h"

namespace trappe::testing {

// grpc.health.v1.Health/Check for `service` ("" for the whole server).
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                         HealthCheckResponse* response);

// Waits until the server at `address` reports SERVING for every one of `services` (full
// names such as "trappe.cases.v1.CaseService"; "" is the whole server), by watching
// grpc.health.v1.Health/Watch: no polling. DEADLINE_EXCEEDED names the service still not
// serving and its last status.
[[nodiscard]] Status WaitForServing(const std::string& address,
                                    const std::vector<std::string>& services,
                                    std::chrono::steady_clock::time_point deadline);

// The full names of the services the server lists through reflection.
std::vector<std::string> ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel);

}  // namespace trappe::testing
