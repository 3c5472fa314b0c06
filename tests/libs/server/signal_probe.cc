// Runs a server until SIGTERM/SIGINT; prints "port <n>" when ready and "stopped <sig>" after
// a clean shutdown. Used by server_test to check graceful shutdown on signals.
#include <cstdio>

#include "echo_service.h"
#include "trappe/server/server.h"

int main() {
  trappe::server::BlockShutdownSignals();
  trappe::testing::EchoService echo;
  auto server = trappe::server::Server::Start({.listen_address = "127.0.0.1:0",
                                               .services = {&echo}});
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("port %d\n", (*server)->port());
  std::fflush(stdout);
  const int sig = trappe::server::WaitForShutdownSignal();
  (*server)->Shutdown();
  (*server)->Wait();
  std::printf("stopped %d\n", sig);
  return 0;
}
