// A distributed Trappe for process-level fault tests: the Kafka dev broker and the four
// services, each a trappe-server process of its own, which a test can kill with SIGKILL
// and start again (on the same port and data directory, as a restarted pod would be).
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "trappe/admin/v1/admin.grpc.pb.h"
#include "trappe/common/status.h"
#include "trappe/testing/process.h"
#include "trappe/testing/temp_dir.h"

namespace trappe::fault {

inline const std::vector<std::string>& ServiceNames() {
  static const std::vector<std::string> names = {"workload", "cases", "placements", "scheduling"};
  return names;
}

class Cluster {
 public:
  // Starts the broker and the four services and waits until every service is SERVING.
  [[nodiscard]] static Result<std::unique_ptr<Cluster>> Start(const testing::TempDir& dir);
  ~Cluster();

  const std::string& bootstrap_servers() const { return bootstrap_; }
  std::string log_url() const;
  std::shared_ptr<grpc::Channel> channel(const std::string& service) const;

  // SIGKILL, then a new process on the same port and data directory; waits until it is
  // SERVING again (it catches up from its checkpoints first).
  [[nodiscard]] Status KillAndRestart(const std::string& service);
  // True while the service's process runs.
  bool Running(const std::string& service);

  // The service's projection status through the admin API.
  [[nodiscard]] Result<admin::v1::ProjectionStatus> ProjectionStatusOf(const std::string& service);
  // Waits until the service has applied everything the log held when the call began.
  [[nodiscard]] Result<admin::v1::ProjectionStatus> WaitCaughtUp(const std::string& service);
  // Rebuilds the service's projection from the log: the rebuilt checksum.
  [[nodiscard]] Result<std::string> Rebuild(const std::string& service);

 private:
  Cluster() = default;
  [[nodiscard]] Status StartService(const std::string& service, const std::string& listen);
  [[nodiscard]] Status WaitServing(const std::string& service);

  std::filesystem::path root_;
  std::unique_ptr<testing::Process> broker_;
  std::string bootstrap_;
  std::map<std::string, std::unique_ptr<testing::Process>> servers_;
  std::map<std::string, std::string> addresses_;
  std::map<std::string, int> starts_;
};

}  // namespace trappe::fault
