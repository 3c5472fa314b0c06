// ServiceModule: one Trappe service (cases, placements, scheduling, workload) as a unit the
// server binary can host, alone or with the others in one process (STYLE.md: one binary,
// many targets). Each service folder provides a factory returning one of these.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "trappe/common/clock.h"
#include "trappe/common/ids.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/projection/engine.h"
#include "trappe/service/runtime.h"

namespace trappe::service {

// What the host gives every module.
struct ModuleContext {
  eventlog::EventLog* log = nullptr;  // shared; outlives the module
  const Clock* clock = nullptr;       // outlives the module
  IdGenerator* ids = nullptr;         // outlives the module; thread-safe
  // The module's own directory for its projection store(s); created by the host.
  std::filesystem::path data_dir;
  // A channel to the workload service, for the synchronous questions of DESIGN.md
  // section 1 (cases asks workload whom to assign). A provider, because in one process the
  // server that hosts workload starts after the modules are built: call it when the
  // channel is needed (while serving), never in the factory. Returns null, or the provider
  // is empty, when no workload service is configured.
  std::function<std::shared_ptr<grpc::Channel>()> workload_channel;
};

class ServiceModule {
 public:
  virtual ~ServiceModule() = default;
  // "cases", "placements", "scheduling", "workload".
  virtual std::string name() const = 0;
  // The gRPC service to register; owned by the module.
  virtual grpc::Service* grpc_service() = 0;
  virtual ServiceRuntime& runtime() = 0;
  virtual projection::Engine& engine() = 0;
  // Copies what the module keeps that the event log cannot give back (not its projection)
  // into `directory`, a path that does not exist yet, laid out as the module's data_dir
  // is: a consistent copy taken while the module serves. Most modules keep nothing of the
  // kind (OK, nothing written); the cases service copies its key store.
  [[nodiscard]] virtual Status Backup(const std::filesystem::path& /*directory*/) {
    return Status::Ok();
  }
};

}  // namespace trappe::service
