// The gRPC server bootstrap every Trappe service uses.
//
// One listening address (port 0 picks a free port; the bound port is reported), the
// standard gRPC health service (grpc.health.v1.Health) and server reflection on every
// server, an in-process channel for services hosted in the same process, and a graceful
// shutdown that first reports NOT_SERVING so load balancers drain the server.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/status.h"

namespace trappe::server {

struct ServerOptions {
  // "host:port"; port 0 binds a free port (tests), e.g. "127.0.0.1:0".
  std::string listen_address = "127.0.0.1:0";
  // The services to host; not owned, must outlive the Server.
  std::vector<grpc::Service*> services;
  // Largest request or response accepted, in bytes.
  int max_message_bytes = 16 * 1024 * 1024;
  // Threads of the synchronous server waiting for calls. With gRPC's defaults (at most 2
  // waiting) every call beyond the second in flight starts a thread that ends when the
  // call returns; commands block until their events are applied, so many are in flight at
  // once. Up to `max_pollers` threads stay between calls instead (an idle one costs only
  // its stack); calls beyond that many in flight still get a thread of their own.
  int min_pollers = 2;
  int max_pollers = 64;
};

class Server {
 public:
  // Builds and starts the server. INVALID_ARGUMENT for an unparsable address,
  // UNAVAILABLE when the address cannot be bound (e.g. the port is taken).
  [[nodiscard]] static Result<std::unique_ptr<Server>> Start(ServerOptions options);

  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  // The address clients dial, e.g. "127.0.0.1:50051".
  const std::string& address() const { return address_; }

  // Health status of one service by its full name (e.g. "trappe.cases.v1.CaseService"),
  // or of the whole server with the empty name. A service reports NOT_SERVING until it has
  // caught up with the log (DESIGN.md section 3).
  void SetServing(std::string_view service_name, bool serving);

  // A channel to this server that never leaves the process.
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Reports NOT_SERVING, stops accepting calls, lets calls in flight finish for up to
  // `grace`, then cancels the rest. Safe to call more than once.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));

  // Blocks until Shutdown has completed.
  void Wait();

 private:
  Server(std::unique_ptr<grpc::Server> server, std::string address, int port);

  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  int port_;
  bool shut_down_ = false;
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards, so
// that WaitForShutdownSignal can take them. Call first thing in main().
void BlockShutdownSignals();

// Waits until SIGTERM or SIGINT arrives and returns which. Requires BlockShutdownSignals.
int WaitForShutdownSignal();

}  // namespace trappe::server
