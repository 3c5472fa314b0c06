#include "trappe/host/host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "trappe/testing/grpc_probe.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::host {
namespace {

using trappe::testing::HealthCheckResponse;

// The full gRPC name of each service target.
const std::map<std::string, std::string> kServiceNames = {
    {"cases", "trappe.cases.v1.CaseService"},
    {"placements", "trappe.placements.v1.PlacementService"},
    {"scheduling", "trappe.scheduling.v1.SchedulingService"},
    {"workload", "trappe.workload.v1.WorkloadService"},
};

auto InAMinute() { return std::chrono::steady_clock::now() + std::chrono::minutes(1); }

class HostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (AvailableTargets().empty()) GTEST_SKIP() << "this build has no services";
  }

  HostOptions Options() {
    HostOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_.path() / "data";
    return options;
  }

  std::shared_ptr<grpc::Channel> Dial(const Host& host) {
    return grpc::CreateChannel(host.address(), grpc::InsecureChannelCredentials());
  }

  trappe::testing::TempDir dir_;
  FixedClock clock_{ParseTimestamp("2026-03-02T09:00:00Z").value()};
};

TEST_F(HostTest, AllTargetsServeTheirApisWithHealthAndReflection) {
  ASSERT_OK_AND_ASSIGN(auto host, Host::Start(Options(), &clock_));
  EXPECT_EQ(host->targets(), AvailableTargets());
  ASSERT_OK(host->WaitUntilReady(InAMinute()));

  const auto channel = Dial(*host);
  const std::vector<std::string> listed = trappe::testing::ListServicesByReflection(channel);
  for (const std::string& target : host->targets()) {
    const std::string& name = kServiceNames.at(target);
    EXPECT_THAT(listed, ::testing::Contains(name));
    HealthCheckResponse health;
    ASSERT_TRUE(trappe::testing::CheckHealth(channel, name, &health).ok()) << name;
    EXPECT_EQ(health.status(), HealthCheckResponse::SERVING) << name;
  }
}

TEST_F(HostTest, OneTargetHostsOnlyThatService) {
  HostOptions options = Options();
  const std::string target = AvailableTargets().front();
  options.targets = {target};
  ASSERT_OK_AND_ASSIGN(auto host, Host::Start(options, &clock_));
  ASSERT_OK(host->WaitUntilReady(InAMinute()));
  const std::vector<std::string> listed = trappe::testing::ListServicesByReflection(Dial(*host));
  for (const auto& [other, name] : kServiceNames) {
    if (other == target) {
      EXPECT_THAT(listed, ::testing::Contains(name));
    } else {
      EXPECT_THAT(listed, ::testing::Not(::testing::Contains(name)));
    }
  }
}

TEST_F(HostTest, DataSurvivesARestartOnTheSameDirectory) {
  {
    ASSERT_OK_AND_ASSIGN(auto host, Host::Start(Options(), &clock_));
    ASSERT_OK(host->WaitUntilReady(InAMinute()));
  }
  // The embedded log and each service's projection are on disk under the data directory.
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / "log"));
  for (const std::string& target : AvailableTargets()) {
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / target)) << target;
  }
  ASSERT_OK_AND_ASSIGN(auto again, Host::Start(Options(), &clock_));
  EXPECT_OK(again->WaitUntilReady(InAMinute()));
}

TEST(HostOptionsTest, UnknownTargetsAndBadAddressesAreRejectedClearly) {
  trappe::testing::TempDir dir;
  HostOptions options;
  options.data_dir = dir.path();
  options.targets = {"invoices"};
  EXPECT_STATUS(Host::Start(options), StatusCode::kInvalidArgument,
                "target: unknown service 'invoices'");
  if (AvailableTargets().empty()) return;
  options.targets = {"all"};
  options.listen_address = "nonsense";
  EXPECT_STATUS(Host::Start(options), StatusCode::kInvalidArgument, "listen_address");
}

}  // namespace
}  // namespace trappe::host
