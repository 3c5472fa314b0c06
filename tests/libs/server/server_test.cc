#include "trappe/server/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "echo_service.h"
#include "trappe/testing/grpc_probe.h"
#include "trappe/testing/status_matchers.h"

extern char** environ;

namespace trappe::server {
namespace {

using ::testing::IsSupersetOf;
using trappe::testing::CheckHealth;
using trappe::testing::EchoService;
using trappe::testing::ListServicesByReflection;
using trappe::testing::HealthCheckRequest;
using trappe::testing::HealthCheckResponse;

std::shared_ptr<grpc::Channel> Dial(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

std::chrono::system_clock::time_point In(std::chrono::seconds s) {
  return std::chrono::system_clock::now() + s;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(server_, Server::Start({.listen_address = "127.0.0.1:0",
                                                 .services = {&echo_}}));
  }

  EchoService echo_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, BindsAFreePortAndReportsIt) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(server_->port()));

  trappe::testing::Echo::Stub stub(Dial(server_->address()));
  grpc::ClientContext context;
  trappe::testing::EchoRequest request;
  request.set_text("hej");
  trappe::testing::EchoResponse response;
  ASSERT_TRUE(stub.Say(&context, request, &response).ok());
  EXPECT_EQ(response.text(), "hej");
}

TEST_F(ServerTest, ReflectionListsTheHostedServices) {
  const std::vector<std::string> names = ListServicesByReflection(Dial(server_->address()));
  EXPECT_THAT(names, IsSupersetOf({"trappe.testing.Echo", "grpc.health.v1.Health",
                                   "grpc.reflection.v1alpha.ServerReflection"}));
}

TEST_F(ServerTest, HealthIsServingAndFollowsSetServing) {
  const auto channel = Dial(server_->address());
  HealthCheckResponse response;
  ASSERT_TRUE(CheckHealth(channel, "", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  server_->SetServing("trappe.testing.Echo", false);
  ASSERT_TRUE(CheckHealth(channel, "trappe.testing.Echo", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);

  server_->SetServing("trappe.testing.Echo", true);
  ASSERT_TRUE(CheckHealth(channel, "trappe.testing.Echo", &response).ok());
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  EXPECT_EQ(CheckHealth(channel, "no.such.Service", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, InProcessChannelReachesTheServices) {
  trappe::testing::Echo::Stub stub(server_->InProcessChannel());
  grpc::ClientContext context;
  trappe::testing::EchoRequest request;
  request.set_text("in-process");
  trappe::testing::EchoResponse response;
  ASSERT_TRUE(stub.Say(&context, request, &response).ok());
  EXPECT_EQ(response.text(), "in-process");
}

TEST_F(ServerTest, ShutdownStopsServingCalls) {
  const auto channel = Dial(server_->address());
  HealthCheckResponse response;
  ASSERT_TRUE(CheckHealth(channel, "", &response).ok());
  server_->Shutdown(std::chrono::milliseconds(100));
  server_->Wait();
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(2)));
  trappe::testing::Echo::Stub stub(channel);
  trappe::testing::EchoResponse echo_response;
  EXPECT_FALSE(stub.Say(&context, {}, &echo_response).ok());
}

TEST(ServerStartTest, RejectsAMalformedAddress) {
  EXPECT_STATUS(Server::Start({.listen_address = "localhost"}), StatusCode::kInvalidArgument,
                "listen_address");
  EXPECT_STATUS(Server::Start({.listen_address = "127.0.0.1:http"}),
                StatusCode::kInvalidArgument, "listen_address");
}

TEST(ServerStartTest, APortInUseIsUnavailable) {
  ASSERT_OK_AND_ASSIGN(auto first, Server::Start({.listen_address = "127.0.0.1:0"}));
  EXPECT_STATUS(Server::Start({.listen_address = first->address()}), StatusCode::kUnavailable,
                first->address());
}

TEST(ServerStartTest, RejectsInvalidPollerCounts) {
  EXPECT_STATUS(Server::Start({.listen_address = "127.0.0.1:0", .min_pollers = 0}),
                StatusCode::kInvalidArgument, "min_pollers");
  EXPECT_STATUS(
      Server::Start({.listen_address = "127.0.0.1:0", .min_pollers = 4, .max_pollers = 2}),
      StatusCode::kInvalidArgument, "min_pollers");
}

// Each call blocks until `expected` calls are in the handler at once (or a deadline passes):
// like commands that wait for their events to be applied.
class BarrierEcho final : public trappe::testing::Echo::Service {
 public:
  explicit BarrierEcho(int expected) : expected_(expected) {}

  grpc::Status Say(grpc::ServerContext*, const trappe::testing::EchoRequest* request,
                   trappe::testing::EchoResponse* response) override {
    std::unique_lock lock(mu_);
    ++arrived_;
    cv_.notify_all();
    if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return arrived_ >= expected_; })) {
      return {grpc::StatusCode::DEADLINE_EXCEEDED, "the other calls did not arrive"};
    }
    response->set_text(request->text());
    return grpc::Status::OK;
  }

 private:
  const int expected_;
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
};

TEST(ServerThreadsTest, ServesMoreBlockingCallsAtOnceThanItKeepsThreadsFor) {
  constexpr int kCalls = 12;
  BarrierEcho barrier(kCalls);
  ASSERT_OK_AND_ASSIGN(auto server, Server::Start({.listen_address = "127.0.0.1:0",
                                                   .services = {&barrier},
                                                   .min_pollers = 1,
                                                   .max_pollers = 3}));
  std::vector<grpc::Status> results(kCalls);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      trappe::testing::Echo::Stub stub(Dial(server->address()));
      grpc::ClientContext context;
      context.set_deadline(In(std::chrono::seconds(30)));
      trappe::testing::EchoRequest request;
      request.set_text("call " + std::to_string(i));
      trappe::testing::EchoResponse response;
      results[static_cast<size_t>(i)] = stub.Say(&context, request, &response);
    });
  }
  for (std::thread& t : callers) t.join();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(results[static_cast<size_t>(i)].ok())
        << "call " << i << ": " << results[static_cast<size_t>(i)].error_message();
  }
}

// Starts the probe server as a process, then stops it with SIGTERM: it must shut down
// cleanly (exit code 0) after serving a call.
TEST(ServerSignalTest, SigtermShutsDownGracefully) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  char* argv[] = {const_cast<char*>(TRAPPE_SIGNAL_PROBE), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, TRAPPE_SIGNAL_PROBE, &actions, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  FILE* from_child = fdopen(out[0], "r");
  ASSERT_NE(from_child, nullptr);

  int port = 0;
  ASSERT_EQ(std::fscanf(from_child, "port %d", &port), 1);
  {
    trappe::testing::Echo::Stub stub(Dial("127.0.0.1:" + std::to_string(port)));
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::seconds(10)));
    trappe::testing::EchoRequest request;
    request.set_text("før signal");
    trappe::testing::EchoResponse response;
    ASSERT_TRUE(stub.Say(&context, request, &response).ok());
  }
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int signal_number = 0;
  EXPECT_EQ(std::fscanf(from_child, " stopped %d", &signal_number), 1);
  EXPECT_EQ(signal_number, SIGTERM);
  std::fclose(from_child);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace trappe::server
