#include "cluster.h"

#include <fstream>
#include <regex>

#include "trappe/testing/grpc_probe.h"

namespace trappe::fault {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

const std::map<std::string, std::string>& GrpcNames() {
  static const std::map<std::string, std::string> names = {
      {"cases", "trappe.cases.v1.CaseService"},
      {"placements", "trappe.placements.v1.PlacementService"},
      {"scheduling", "trappe.scheduling.v1.SchedulingService"},
      {"workload", "trappe.workload.v1.WorkloadService"},
  };
  return names;
}

std::unique_ptr<grpc::ClientContext> Within(std::chrono::seconds timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  return context;
}

}  // namespace

Result<std::unique_ptr<Cluster>> Cluster::Start(const testing::TempDir& dir) {
  std::unique_ptr<Cluster> cluster(new Cluster());
  cluster->root_ = dir.path();
  TRAPPE_ASSIGN_OR_RETURN(
      cluster->broker_, testing::Process::Start({.argv = {TRAPPE_DEVBROKER_BINARY, "--partitions=4",
                                                          "--log-level=warn"},
                                                 .output_dir = dir.path() / "broker"}));
  TRAPPE_ASSIGN_OR_RETURN(const std::vector<std::string> line,
                          cluster->broker_->WaitForLine(testing::Stream::kStdout,
                                                        std::regex("^(127\\.0\\.0\\.1:\\d+\\S*)"),
                                                        testing::Within(seconds(30))));
  cluster->bootstrap_ = line[1];
  std::ofstream(dir.path() / "master.key") << std::string(64, 'a') << "\n";
  for (const std::string& service : ServiceNames()) {
    TRAPPE_RETURN_IF_ERROR(cluster->StartService(service, "127.0.0.1:0"));
  }
  for (const std::string& service : ServiceNames())
    TRAPPE_RETURN_IF_ERROR(cluster->WaitServing(service));
  return cluster;
}

Cluster::~Cluster() {
  for (auto& [name, server] : servers_) {
    if (server && !server->Terminate(seconds(10)).ok()) continue;  // killed after the grace
  }
  if (broker_ && !broker_->Terminate(seconds(10)).ok()) return;
}

std::string Cluster::log_url() const {
  return "kafka://" + bootstrap_ + "?message.timeout.ms=3000&operation.timeout.ms=3000";
}

std::shared_ptr<grpc::Channel> Cluster::channel(const std::string& service) const {
  return grpc::CreateChannel(addresses_.at(service), grpc::InsecureChannelCredentials());
}

Status Cluster::StartService(const std::string& service, const std::string& listen) {
  std::vector<std::string> argv = {
      TRAPPE_SERVER_BINARY, "--target=" + service,
      "--listen=" + listen, "--data-dir=" + (root_ / service).string(),
      "--log=" + log_url(), "--master-key-file=" + (root_ / "master.key").string()};
  if (service != "workload") argv.push_back("--workload-address=" + addresses_.at("workload"));
  const int start = ++starts_[service];
  TRAPPE_ASSIGN_OR_RETURN(
      servers_[service],
      testing::Process::Start(
          {.argv = argv, .output_dir = root_ / (service + "-run" + std::to_string(start))}));
  TRAPPE_ASSIGN_OR_RETURN(
      const std::vector<std::string> line,
      servers_[service]->WaitForLine(testing::Stream::kStdout, std::regex("listening on (\\S+)"),
                                     testing::Within(seconds(60))));
  addresses_[service] = line[1];
  return Status::Ok();
}

Status Cluster::WaitServing(const std::string& service) {
  Status serving = testing::WaitForServing(addresses_.at(service), {GrpcNames().at(service)},
                                           Clock::now() + seconds(60));
  if (!serving.ok() && !servers_.at(service)->Running()) {
    return Internal(service + " ended while starting: " +
                    servers_.at(service)->Output(testing::Stream::kStderr));
  }
  return serving;
}

Status Cluster::KillAndRestart(const std::string& service) {
  const std::string address = addresses_.at(service);
  servers_.at(service)->Kill();
  TRAPPE_RETURN_IF_ERROR(StartService(service, address));
  return WaitServing(service);
}

bool Cluster::Running(const std::string& service) { return servers_.at(service)->Running(); }

Result<admin::v1::ProjectionStatus> Cluster::ProjectionStatusOf(const std::string& service) {
  auto stub = admin::v1::AdminService::NewStub(channel(service));
  admin::v1::GetProjectionStatusRequest request;
  admin::v1::GetProjectionStatusResponse response;
  const grpc::Status s = stub->GetProjectionStatus(Within(seconds(30)).get(), request, &response);
  if (!s.ok()) return Unavailable(service + " status: " + s.error_message());
  if (response.projections_size() != 1) return Internal(service + " reports no single projection");
  return response.projections(0);
}

Result<admin::v1::ProjectionStatus> Cluster::WaitCaughtUp(const std::string& service) {
  const auto deadline = Clock::now() + seconds(60);
  while (true) {
    TRAPPE_ASSIGN_OR_RETURN(admin::v1::ProjectionStatus status, ProjectionStatusOf(service));
    if (status.ready() && status.total_lag() == 0 && status.lag_error().empty()) return status;
    if (status.failed()) return Internal(service + " projection failed: " + status.error());
    if (Clock::now() >= deadline) return DeadlineExceeded(service + " did not catch up");
  }
}

Result<std::string> Cluster::Rebuild(const std::string& service) {
  auto stub = admin::v1::AdminService::NewStub(channel(service));
  admin::v1::RebuildProjectionsRequest request;
  auto context = Within(seconds(120));
  auto reader = stub->RebuildProjections(context.get(), request);
  admin::v1::RebuildProjectionsResponse progress;
  std::string checksum;
  while (reader->Read(&progress)) {
    if (progress.finished()) checksum = progress.checksum();
  }
  const grpc::Status s = reader->Finish();
  if (!s.ok()) return Internal(service + " rebuild: " + s.error_message());
  if (checksum.empty()) return Internal(service + " rebuild reported no checksum");
  return checksum;
}

}  // namespace trappe::fault
