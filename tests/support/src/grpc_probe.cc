#include "trappe/testing/grpc_probe.h"

#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/sync_stream.h>

#include <string>

namespace trappe::testing {
namespace {

std::chrono::system_clock::time_point InTenSeconds() {
  return std::chrono::system_clock::now() + std::chrono::seconds(10);
}

const char* ServingStatusName(HealthCheckResponse::ServingStatus status) {
  switch (status) {
    case HealthCheckResponse::SERVING: return "SERVING";
    case HealthCheckResponse::NOT_SERVING: return "NOT_SERVING";
    case HealthCheckResponse::SERVICE_UNKNOWN: return "SERVICE_UNKNOWN";
    default: return "UNKNOWN";
  }
}

// Watches one service until it reports SERVING or the deadline passes.
Status WatchUntilServing(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                         std::chrono::system_clock::time_point deadline) {
  const grpc::internal::RpcMethod method("/grpc.health.v1.Health/Watch",
                                         grpc::internal::RpcMethod::SERVER_STREAMING, channel);
  grpc::ClientContext context;
  context.set_deadline(deadline);
  context.set_wait_for_ready(true);
  HealthCheckRequest request;
  request.set_service(service);
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader(
      grpc::internal::ClientReaderFactory<HealthCheckResponse>::Create(channel.get(), method,
                                                                       &context, request));
  HealthCheckResponse response;
  std::string last = "no answer";
  while (reader->Read(&response)) {
    last = ServingStatusName(response.status());
    if (response.status() == HealthCheckResponse::SERVING) {
      context.TryCancel();
      (void)reader->Finish();  // CANCELLED, by us
      return Status::Ok();
    }
  }
  const grpc::Status finished = reader->Finish();
  return DeadlineExceeded("'" + service + "' is not SERVING (last status: " + last +
                          "; the watch ended with code " + std::to_string(finished.error_code()) +
                          ": " + finished.error_message() + ")");
}

}  // namespace

Status WaitForServing(const std::string& address, const std::vector<std::string>& services,
                      std::chrono::steady_clock::time_point deadline) {
  const auto system_deadline = std::chrono::system_clock::now() +
                               std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                   deadline - std::chrono::steady_clock::now());
  const std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  for (const std::string& service : services) {
    TRAPPE_RETURN_IF_ERROR(WatchUntilServing(channel, service, system_deadline));
  }
  return Status::Ok();
}

grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                         HealthCheckResponse* response) {
  const grpc::internal::RpcMethod method("/grpc.health.v1.Health/Check",
                                         grpc::internal::RpcMethod::NORMAL_RPC, channel);
  grpc::ClientContext context;
  context.set_deadline(InTenSeconds());
  HealthCheckRequest request;
  request.set_service(service);
  return grpc::internal::BlockingUnaryCall(channel.get(), method, &context, request, response);
}

std::vector<std::string> ListServicesByReflection(const std::shared_ptr<grpc::Channel>& channel) {
  const grpc::internal::RpcMethod method(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING, channel);
  grpc::ClientContext context;
  context.set_deadline(InTenSeconds());
  std::unique_ptr<grpc::ClientReaderWriter<ServerReflectionRequest, ServerReflectionResponse>>
      stream(grpc::internal::ClientReaderWriterFactory<
             ServerReflectionRequest, ServerReflectionResponse>::Create(channel.get(), method,
                                                                        &context));
  ServerReflectionRequest request;
  request.set_list_services("*");
  std::vector<std::string> names;
  if (!stream->Write(request)) return names;
  stream->WritesDone();
  ServerReflectionResponse response;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names.push_back(service.name());
    }
  }
  if (!stream->Finish().ok()) names.clear();
  return names;
}

}  // namespace trappe::testing
