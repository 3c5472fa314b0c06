// Trappe's binaries as processes: a server (trappe-server or one service) started on
// port 0 and waited for until its services report SERVING, and the Kafka dev broker.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/testing/process.h"

namespace trappe::e2e {

// The gRPC health names of the four services.
inline const std::string kWorkloadService = "trappe.workload.v1.WorkloadService";
inline const std::string kCasesService = "trappe.cases.v1.CaseService";
inline const std::string kPlacementsService = "trappe.placements.v1.PlacementService";
inline const std::string kSchedulingService = "trappe.scheduling.v1.SchedulingService";

// How long a process may take to start, catch up or stop; generous, since the machine
// may be busy. Tests never assert on time: this only bounds a hang.
inline constexpr std::chrono::seconds kPatience{60};

struct RunningServer {
  std::unique_ptr<testing::Process> process;
  std::string address;  // host:port, from "Trappe is listening on ADDR"
};

// Starts `binary` with `args` plus --listen 127.0.0.1:0, reads the address it bound and
// waits until every one of `services` reports SERVING.
[[nodiscard]] Result<RunningServer> StartServer(const std::string& binary,
                                                std::vector<std::string> args,
                                                const std::filesystem::path& output_dir,
                                                const std::vector<std::string>& services);

struct RunningBroker {
  std::unique_ptr<testing::Process> process;
  std::string bootstrap;  // the first line of its stdout
};

// Starts trappe-devbroker with `partitions` per Trappe topic.
[[nodiscard]] Result<RunningBroker> StartDevBroker(int partitions,
                                                   const std::filesystem::path& output_dir);

}  // namespace trappe::e2e
