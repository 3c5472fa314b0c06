#include "trappe/admin/admin_service.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <tuple>
#include <utility>

#include "trappe/common/log.h"
#include "trappe/common/status_grpc.h"

namespace trappe::admin {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The partitions of what `view` reflects (the view the status's checksum is taken from).
void FillPartitions(const projection::Engine& engine, const projection::ReadView& view,
                    v1::ProjectionStatus* status) {
  std::vector<projection::PartitionLag> partitions;
  if (Result<projection::CatchUpState> lag = engine.LagAt(view); lag.ok()) {
    partitions = std::move(lag->partitions);
  } else {
    // The log cannot be asked: the checkpoints are still worth showing.
    status->set_lag_error(lag.status().ToString());
    for (const eventlog::TopicPartitionOffset& checkpoint : engine.Checkpoints()) {
      partitions.push_back({.topic = checkpoint.topic,
                            .partition = checkpoint.partition,
                            .next_offset = checkpoint.offset,
                            .end_offset = 0});
    }
  }
  std::sort(partitions.begin(), partitions.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  int64_t total = 0;
  for (const projection::PartitionLag& p : partitions) {
    v1::PartitionStatus* out = status->add_partitions();
    out->set_topic(p.topic);
    out->set_partition(p.partition);
    out->set_next_offset(p.next_offset);
    out->set_end_offset(p.end_offset);
    const int64_t lag = status->lag_error().empty() ? p.lag() : 0;
    out->set_lag(lag);
    total += lag;
  }
  status->set_total_lag(total);
}

v1::RebuildProjectionsResponse ProgressMessage(const std::string& service,
                                               const projection::RebuildProgress& progress,
                                               std::chrono::steady_clock::time_point started) {
  v1::RebuildProjectionsResponse out;
  out.set_service(service);
  out.set_events_done(progress.events_done);
  out.set_events_total(progress.events_total);
  out.set_events_per_second(progress.events_per_second);
  out.set_eta_seconds(progress.eta_seconds);
  out.set_elapsed_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return out;
}

}  // namespace

const std::vector<std::string>& KnownServices() {
  static const std::vector<std::string> services = {"workload", "cases", "placements",
                                                    "scheduling"};
  return services;
}

AdminService::AdminService(std::vector<service::ServiceModule*> modules, eventlog::EventLog* log,
                           AdminOptions options)
    : modules_(std::move(modules)), log_(log), options_(std::move(options)) {}

Result<std::vector<service::ServiceModule*>> AdminService::Select(
    const google::protobuf::RepeatedPtrField<std::string>& names) const {
  if (names.empty()) return modules_;
  std::vector<std::string> hosted;
  for (const service::ServiceModule* module : modules_) hosted.push_back(module->name());
  for (int i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    const std::string field = "services[" + std::to_string(i) + "]";
    if (std::find(KnownServices().begin(), KnownServices().end(), name) == KnownServices().end()) {
      return InvalidArgument(
          field, "unknown service '" + name + "' (one of: " + JoinNames(KnownServices()) + ")");
    }
    if (std::find(hosted.begin(), hosted.end(), name) == hosted.end()) {
      return NotFound(field + ": this process does not host the " + name +
                      " service (it hosts: " + JoinNames(hosted) + ")");
    }
  }
  std::vector<service::ServiceModule*> selected;
  for (service::ServiceModule* module : modules_) {
    if (std::find(names.begin(), names.end(), module->name()) != names.end()) {
      selected.push_back(module);
    }
  }
  return selected;
}

bool AdminService::Rebuilding(const std::string& service) const {
  std::lock_guard lock(mu_);
  return rebuilding_.count(service) > 0;
}

Status AdminService::Claim(const std::vector<service::ServiceModule*>& modules) {
  std::lock_guard lock(mu_);
  for (const service::ServiceModule* module : modules) {
    if (rebuilding_.count(module->name()) > 0) {
      return FailedPrecondition("a rebuild of the " + module->name() +
                                " projection is already running");
    }
  }
  for (const service::ServiceModule* module : modules) rebuilding_.insert(module->name());
  return Status::Ok();
}

void AdminService::Release(const std::vector<service::ServiceModule*>& modules) {
  std::lock_guard lock(mu_);
  for (const service::ServiceModule* module : modules) rebuilding_.erase(module->name());
}

v1::ProjectionStatus AdminService::StatusOf(service::ServiceModule& module) const {
  projection::Engine& engine = module.engine();
  v1::ProjectionStatus status;
  status.set_service(module.name());
  status.set_projection(engine.projection().Name());
  status.set_ready(module.runtime().CheckReady().ok());
  const projection::EngineMetrics metrics = engine.Metrics();
  status.set_events_applied(metrics.events_applied);
  status.set_undecodable_skipped(metrics.undecodable_skipped);
  status.set_unknown_skipped(metrics.unknown_skipped);
  status.set_rebuilds_completed(metrics.rebuilds_completed);
  const Status health = engine.Health();
  status.set_failed(metrics.failed || !health.ok());
  if (!health.ok()) status.set_error(health.ToString());
  // The checksum and the partitions' offsets from one view of the store, so that a status
  // with no lag has the checksum of everything the log held (two reads could straddle a
  // batch: an older checksum beside newer offsets).
  const std::shared_ptr<const projection::ReadView> view = engine.Snapshot();
  if (Result<std::string> checksum = view->Checksum(); checksum.ok()) {
    status.set_checksum(*checksum);
  } else if (status.error().empty()) {
    status.set_error("checksum: " + checksum.status().ToString());
  }
  FillPartitions(engine, *view, &status);
  const std::optional<projection::RebuildProgress> rebuild = engine.CurrentRebuild();
  status.set_rebuild_in_progress(rebuild.has_value() || Rebuilding(module.name()));
  if (rebuild.has_value()) {
    v1::RebuildStatus* out = status.mutable_rebuild();
    out->set_events_done(rebuild->events_done);
    out->set_events_total(rebuild->events_total);
    out->set_events_per_second(rebuild->events_per_second);
    out->set_eta_seconds(rebuild->eta_seconds);
  }
  return status;
}

grpc::Status AdminService::GetProjectionStatus(grpc::ServerContext* /*context*/,
                                               const v1::GetProjectionStatusRequest* request,
                                               v1::GetProjectionStatusResponse* response) {
  Result<std::vector<service::ServiceModule*>> selected = Select(request->services());
  if (!selected.ok()) return ToGrpcStatus(selected.status());
  for (service::ServiceModule* module : *selected) {
    *response->add_projections() = StatusOf(*module);
  }
  return grpc::Status::OK;
}

grpc::Status AdminService::RebuildProjections(
    grpc::ServerContext* context, const v1::RebuildProjectionsRequest* request,
    grpc::ServerWriter<v1::RebuildProjectionsResponse>* writer) {
  Result<std::vector<service::ServiceModule*>> selected = Select(request->services());
  if (!selected.ok()) return ToGrpcStatus(selected.status());
  if (shutting_down_.load()) return {grpc::StatusCode::UNAVAILABLE, "the server is shutting down"};
  if (Status claimed = Claim(*selected); !claimed.ok()) return ToGrpcStatus(claimed);
  struct Releaser {
    AdminService* admin;
    const std::vector<service::ServiceModule*>& modules;
    ~Releaser() { admin->Release(modules); }
  } releaser{this, *selected};

  for (service::ServiceModule* module : *selected) {
    if (context->IsCancelled()) return {grpc::StatusCode::CANCELLED, "the client cancelled"};
    if (shutting_down_.load()) {
      return {grpc::StatusCode::UNAVAILABLE, "the server is shutting down"};
    }
    if (Status rebuilt = RebuildOne(context, *module, writer); !rebuilt.ok()) {
      return ToGrpcStatus(rebuilt);
    }
  }
  return grpc::Status::OK;
}

void AdminService::Shutdown() { shutting_down_.store(true); }

grpc::Status AdminService::Backup(grpc::ServerContext* context, const v1::BackupRequest* request,
                                  v1::BackupResponse* response) {
  const std::filesystem::path directory(request->directory());
  if (request->directory().empty() || !directory.is_absolute()) {
    return ToGrpcStatus(
        InvalidArgument("directory", "must be an absolute path on the server's host"));
  }
  if (shutting_down_.load()) return {grpc::StatusCode::UNAVAILABLE, "the server is shutting down"};
  std::lock_guard lock(backup_mu_);
  std::error_code ec;
  const bool exists = std::filesystem::exists(directory, ec);
  if (ec) {
    return ToGrpcStatus(Unavailable("cannot look at " + directory.string() + ": " + ec.message()));
  }
  if (exists) {
    return ToGrpcStatus(AlreadyExists("directory " + directory.string() + " already exists"));
  }
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return ToGrpcStatus(
        Unavailable("cannot create the directory " + directory.string() + ": " + ec.message()));
  }
  log::Info("admin.backup_requested",
            {{"directory", directory.string()}, {"peer", context->peer()}});
  const auto started = std::chrono::steady_clock::now();
  if (Status written = BackupInto(directory, response); !written.ok()) {
    response->Clear();
    std::filesystem::remove_all(directory, ec);  // never a half backup
    log::Error("admin.backup_failed",
               {{"directory", directory.string()}, {"error", written.ToString()}});
    return ToGrpcStatus(written);
  }
  log::Info("admin.backed_up",
            {{"directory", directory.string()},
             {"seconds",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
  return grpc::Status::OK;
}

Status AdminService::BackupInto(const std::filesystem::path& directory,
                                v1::BackupResponse* response) {
  response->set_directory(directory.string());
  // The log first: a key is stored before the first event that uses it is appended, so
  // every event in the log's copy has its key in the key store's later copy.
  if (log_ != nullptr) {
    v1::BackupPart* part = response->add_parts();
    part->set_name("log");
    if (Status copied = log_->Backup((directory / "log").string()); copied.ok()) {
      part->set_path("log");
    } else if (copied.code() == StatusCode::kUnimplemented) {
      part->set_skipped_reason(copied.message());
    } else {
      return copied.WithContext("copying the event log");
    }
  }
  for (service::ServiceModule* module : modules_) {
    if (shutting_down_.load()) return Unavailable("the server is shutting down");
    const std::filesystem::path target = directory / module->name();
    TRAPPE_RETURN_IF_ERROR(
        module->Backup(target).WithContext("copying the " + module->name() + " service's data"));
    std::error_code ec;
    if (std::filesystem::exists(target, ec)) {
      v1::BackupPart* part = response->add_parts();
      part->set_name(module->name());
      part->set_path(module->name());
    }
  }
  return Status::Ok();
}

Status AdminService::RebuildOne(grpc::ServerContext* context, service::ServiceModule& module,
                                grpc::ServerWriter<v1::RebuildProjectionsResponse>* writer) {
  const std::string name = module.name();
  const auto started = std::chrono::steady_clock::now();
  log::Info("admin.rebuild_requested", {{"service", name}, {"peer", context->peer()}});
  bool client_gone = false;
  projection::RebuildProgress last;
  const auto progress = [&](const projection::RebuildProgress& report) {
    last = report;
    if (options_.on_rebuild_progress) options_.on_rebuild_progress(name, report);
    // The last message waits for the rebuilt projection's checksum.
    if (report.finished || client_gone) return;
    if (!writer->Write(ProgressMessage(name, report, started))) client_gone = true;
  };
  const auto cancelled = [&] {
    return client_gone || shutting_down_.load() || context->IsCancelled();
  };
  if (Status rebuilt = module.engine().Rebuild(progress, cancelled); !rebuilt.ok()) {
    if (shutting_down_.load()) {
      return Unavailable("the server is shutting down; the rebuild of " + name +
                         " stopped and its current projection stays");
    }
    return rebuilt;
  }

  v1::RebuildProjectionsResponse done = ProgressMessage(name, last, started);
  done.set_finished(true);
  done.set_eta_seconds(0);
  TRAPPE_ASSIGN_OR_RETURN(const std::string checksum, module.engine().Checksum());
  done.set_checksum(checksum);
  log::Info("admin.rebuilt", {{"service", name},
                              {"events", last.events_done},
                              {"seconds", done.elapsed_seconds()},
                              {"checksum", checksum}});
  if (!writer->Write(done)) return Cancelled("the client went away after the rebuild");
  return Status::Ok();
}

}  // namespace trappe::admin
