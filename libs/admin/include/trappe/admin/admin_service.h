// AdminService: the operators' API of one trappe-server process (trappe.admin.v1): the
// status of each hosted service's projection (readiness, checksum, events applied,
// malformed records skipped, per-partition checkpoint and lag), rebuilds with progress,
// and backups of what no rebuild can give back (the embedded log, the key store).
//
// It answers for the modules it is given, so it works alike in the all-in-one process and
// in a process that hosts one service. Rebuilds run on the calling gRPC thread, one
// service after another; a client that cancels (or a server shutting down) stops the
// running rebuild after its current batch, and the current store stays in place.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "trappe/admin/v1/admin.grpc.pb.h"
#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/projection/engine.h"
#include "trappe/service/module.h"

namespace trappe::admin {

// The services a Trappe process can host, as named by trappe-server's --target flag.
const std::vector<std::string>& KnownServices();

struct AdminOptions {
  // Called on the rebuilding thread with each progress report of each service, before the
  // report is streamed (tests use it to hold a rebuild at a known point).
  std::function<void(const std::string& service, const projection::RebuildProgress&)>
      on_rebuild_progress;
};

class AdminService final : public v1::AdminService::Service {
 public:
  // `modules`: the services this process hosts, in start order; `log`: the event log they
  // share (null: backups copy no log). Both must outlive this.
  AdminService(std::vector<service::ServiceModule*> modules, eventlog::EventLog* log,
               AdminOptions options = {});

  grpc::Status GetProjectionStatus(grpc::ServerContext* context,
                                   const v1::GetProjectionStatusRequest* request,
                                   v1::GetProjectionStatusResponse* response) override;

  grpc::Status RebuildProjections(
      grpc::ServerContext* context, const v1::RebuildProjectionsRequest* request,
      grpc::ServerWriter<v1::RebuildProjectionsResponse>* writer) override;

  grpc::Status Backup(grpc::ServerContext* context, const v1::BackupRequest* request,
                      v1::BackupResponse* response) override;

  // Cancels the running rebuilds (each stops after its current batch; the current stores
  // stay) and refuses new ones with UNAVAILABLE: call before shutting the server down, so
  // that a rebuild does not hold the shutdown for the server's whole grace period.
  void Shutdown();

  // The status of one module's projection (also for in-process callers).
  v1::ProjectionStatus StatusOf(service::ServiceModule& module) const;

 private:
  // The hosted modules named in `names` (all when empty), in start order: INVALID_ARGUMENT
  // for a name that is no Trappe service, NOT_FOUND for one this process does not host.
  Result<std::vector<service::ServiceModule*>> Select(
      const google::protobuf::RepeatedPtrField<std::string>& names) const;
  // Marks the services as being rebuilt; FAILED_PRECONDITION if one of them already is.
  Status Claim(const std::vector<service::ServiceModule*>& modules);
  void Release(const std::vector<service::ServiceModule*>& modules);
  bool Rebuilding(const std::string& service) const;
  // Rebuilds one module's projection, streaming its progress.
  Status RebuildOne(grpc::ServerContext* context, service::ServiceModule& module,
                    grpc::ServerWriter<v1::RebuildProjectionsResponse>* writer);

  // Writes the parts of a backup into `directory` (created by the caller).
  Status BackupInto(const std::filesystem::path& directory, v1::BackupResponse* response);

  const std::vector<service::ServiceModule*> modules_;
  eventlog::EventLog* const log_;
  const AdminOptions options_;
  std::mutex backup_mu_;  // one backup at a time
  mutable std::mutex mu_;
  std::set<std::string> rebuilding_;  // guarded by mu_
  std::atomic<bool> shutting_down_{false};
};

}  // namespace trappe::admin
