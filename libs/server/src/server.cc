#include "trappe/server/server.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <cstdio>

#include "trappe/common/log.h"

namespace trappe::server {
namespace {

// Splits "host:port" (IPv6 as "[::1]:port") and returns the host part, or an error.
Result<std::string> HostOf(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    return InvalidArgument("listen_address", "must be host:port, e.g. 127.0.0.1:50051");
  }
  for (const char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return InvalidArgument("listen_address", "port must be a number");
    }
  }
  return std::string(address.substr(0, colon));
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  TRAPPE_ASSIGN_OR_RETURN(const std::string host, HostOf(options.listen_address));

  // Both are process-wide switches that must be set before a server is built.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // gRPC's mutexes (absl::Mutex) otherwise keep a global lock-order graph when the
  // library was built with assertions: a graph lookup on every lock, measured at about 3%
  // of a command's CPU. It diagnoses gRPC's own lock ordering, not Trappe's.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(),
                           &bound_port);
  // Never share a port silently with another process (gRPC allows SO_REUSEPORT by default).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  if (options.min_pollers < 1 || options.max_pollers < options.min_pollers) {
    return InvalidArgument("min_pollers", "must be at least 1 and at most max_pollers");
  }
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS,
                              options.min_pollers);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              options.max_pollers);
  for (grpc::Service* service : options.services) builder.RegisterService(service);

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return Unavailable("cannot listen on " + options.listen_address +
                       " (address in use or not local?)");
  }
  const std::string address = host + ":" + std::to_string(bound_port);
  log::Info("server.started", {{"address", address}});
  return std::unique_ptr<Server>(new Server(std::move(server), address, bound_port));
}

Server::Server(std::unique_ptr<grpc::Server> server, std::string address, int port)
    : server_(std::move(server)), address_(std::move(address)), port_(port) {}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

void Server::SetServing(std::string_view service_name, bool serving) {
  if (auto* health = server_->GetHealthCheckService(); health != nullptr) {
    health->SetServingStatus(std::string(service_name), serving);
  }
}

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (auto* health = server_->GetHealthCheckService(); health != nullptr) {
    health->Shutdown();  // every service reports NOT_SERVING from here on
  }
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  log::Info("server.stopped", {{"address", address_}});
}

void Server::Wait() { server_->Wait(); }

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

}  // namespace trappe::server
