// deploy/run-local.sh against the built binaries: start brings up the dev broker and the
// four services on the ports it is given (the test picks free ones), each SERVING and
// talking to the others through the broker; status reports them; stop ends them all.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "servers.h"
#include "story.h"
#include "trappe/testing/grpc_probe.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::e2e {
namespace {

using ::testing::HasSubstr;

// A loopback port nobody listens on right now (the kernel's pick for port 0). Another
// process could take it before the script binds it; then start fails and says so.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = -1;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

class RunLocalE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* service : {"cases", "placements", "scheduling", "workload"}) {
      const int port = FreePort();
      ASSERT_GT(port, 0);
      ports_[service] = port;
    }
  }
  // Whatever happens in the test, nothing it started keeps running.
  void TearDown() override { Script({"stop"}); }

  testing::RunResult Script(const std::vector<std::string>& command) {
    testing::ProcessOptions options;
    options.argv = {"bash",        TRAPPE_RUN_LOCAL_SCRIPT, "--build-dir", TRAPPE_BUILD_DIR,
                    "--state-dir", dir_.Sub("state"),       "--timeout",   "60"};
    for (const auto& [service, port] : ports_) {
      options.argv.insert(options.argv.end(), {"--" + service + "-port", std::to_string(port)});
    }
    options.argv.insert(options.argv.end(), command.begin(), command.end());
    options.output_dir = dir_.path() / ("script-" + std::to_string(runs_++));
    Result<testing::RunResult> run =
        testing::RunToCompletion(std::move(options), testing::Within(std::chrono::minutes(3)));
    if (!run.ok()) return {.exit = {}, .out = "", .err = run.status().ToString()};
    return *std::move(run);
  }

  std::string Address(const std::string& service) {
    return "127.0.0.1:" + std::to_string(ports_[service]);
  }

  testing::TempDir dir_;
  std::map<std::string, int> ports_;
  int runs_ = 0;
};

TEST_F(RunLocalE2E, StartServesTheFourServicesOnTheGivenPortsAndStopEndsThem) {
  const testing::RunResult started = Script({"start"});
  ASSERT_TRUE(started.exit.ExitedWith(0)) << started.exit << "\n" << started.err << started.out;
  std::smatch broker;
  ASSERT_TRUE(
      std::regex_search(started.out, broker, std::regex("dev broker +(127\\.0\\.0\\.1:\\d+)")))
      << started.out;
  for (const auto& [service, port] : ports_) {
    EXPECT_THAT(started.out, HasSubstr(service + " ")) << started.out;
    EXPECT_THAT(started.out, HasSubstr("127.0.0.1:" + std::to_string(port))) << started.out;
  }
  EXPECT_OK(
      testing::WaitForServing(Address("workload"), {kWorkloadService}, testing::Within(kPatience)));
  EXPECT_OK(testing::WaitForServing(Address("cases"), {kCasesService}, testing::Within(kPatience)));
  EXPECT_OK(testing::WaitForServing(Address("placements"), {kPlacementsService},
                                    testing::Within(kPatience)));
  EXPECT_OK(testing::WaitForServing(Address("scheduling"), {kSchedulingService},
                                    testing::Within(kPatience)));

  // They share one log: what workload writes, cases and scheduling read.
  Cli cli(dir_.path() / "cli");
  cli.MustRun(Address("workload"), {"municipality", "add", "0657", "--name", "Herning"});
  const testing::RunResult team =
      cli.MustRun(Address("workload"), {"team", "add", "--name", "Vest", "--id", "vest"});
  const std::vector<std::string> written = WrittenPositions(team.out);
  ASSERT_EQ(written.size(), 1u) << team.out;
  cli.MustRun(Address("cases"), {"case", "list", "--min-position", written[0]});
  cli.MustRun(Address("scheduling"), {"deadlines", "--team", "vest", "--as-of", "2026-03-02",
                                      "--min-position", written[0]});

  const testing::RunResult status = Script({"status"});
  EXPECT_TRUE(status.exit.ExitedWith(0)) << status.exit << "\n" << status.out;
  EXPECT_EQ(std::count(status.out.begin(), status.out.end(), '\n'), 5) << status.out;
  EXPECT_THAT(status.out, HasSubstr(broker[1].str()));
  for (const auto& [service, port] : ports_) {
    EXPECT_THAT(status.out,
                ::testing::ContainsRegex(
                    service + " +running +pid [0-9]+ +127\\.0\\.0\\.1:" + std::to_string(port)));
  }

  const testing::RunResult stopped = Script({"stop"});
  EXPECT_TRUE(stopped.exit.ExitedWith(0)) << stopped.exit << "\n" << stopped.err;
  EXPECT_EQ(std::count(stopped.out.begin(), stopped.out.end(), '\n'), 5) << stopped.out;
  EXPECT_THAT(stopped.out, Not(HasSubstr("killed"))) << "a process ignored SIGTERM";
  const testing::RunResult after = Script({"status"});
  EXPECT_TRUE(after.exit.ExitedWith(3)) << after.exit << "\n" << after.out;
  EXPECT_THAT(after.out, Not(HasSubstr("running")));
  // Nothing answers on the services' ports any more.
  const testing::RunResult refused =
      cli.Run(Address("workload"), {"--timeout", "2", "team", "add", "--name", "Nord"});
  EXPECT_TRUE(refused.exit.ExitedWith(1)) << refused.exit << refused.out;
  EXPECT_THAT(refused.err, HasSubstr("UNAVAILABLE"));
}

TEST_F(RunLocalE2E, StartRefusesWhileAProcessOfTheLastStartStillRuns) {
  const testing::RunResult started = Script({"start"});
  ASSERT_TRUE(started.exit.ExitedWith(0)) << started.exit << "\n" << started.err;
  const testing::RunResult again = Script({"start"});
  EXPECT_TRUE(again.exit.ExitedWith(1)) << again.exit;
  EXPECT_THAT(again.err, HasSubstr("is already running"));
  const testing::RunResult status = Script({"status"});
  EXPECT_TRUE(status.exit.ExitedWith(0)) << status.out;  // the first start's are untouched
}

}  // namespace
}  // namespace trappe::e2e
