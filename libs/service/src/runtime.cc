#include "trappe/service/runtime.h"

#include "trappe/common/log.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/service/convert.h"

namespace trappe::service {

ServiceRuntime::ServiceRuntime(std::string service_name, projection::Engine* engine)
    : service_name_(std::move(service_name)), engine_(engine) {}

ServiceRuntime::~ServiceRuntime() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (catch_up_.joinable()) catch_up_.join();
}

void ServiceRuntime::StartCatchUp(server::Server* server) {
  if (server != nullptr) server->SetServing(service_name_, false);
  catch_up_ = std::thread([this, server] {
    // An unreachable log (a broker outage at start) delays readiness; it is not fatal.
    std::chrono::milliseconds retry{100};
    Status status;
    while (true) {
      status = engine_->CatchUp();
      if (status.ok()) status = engine_->Start();
      if (status.code() != StatusCode::kUnavailable) break;
      log::Warn("service.catch_up_retry", {{"service", service_name_}, {"error", status.ToString()}});
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, retry, [&] { return stopping_; })) return;
      retry = std::min(retry * 2, std::chrono::milliseconds(5000));
    }
    {
      std::lock_guard lock(mu_);
      catch_up_error_ = status;
      ready_ = status.ok();
    }
    cv_.notify_all();
    if (!status.ok()) {
      log::Error("service.catch_up_failed",
                 {{"service", service_name_}, {"error", status.ToString()}});
      return;
    }
    log::Info("service.ready", {{"service", service_name_}});
    if (server != nullptr) server->SetServing(service_name_, true);
  });
}

Status ServiceRuntime::WaitUntilReady(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [&] { return ready_ || !catch_up_error_.ok(); })) {
    return DeadlineExceeded(service_name_ + " did not catch up with the log in time");
  }
  return catch_up_error_;
}

Status ServiceRuntime::CheckReady() const {
  if (!ready_) {
    std::lock_guard lock(mu_);
    if (!catch_up_error_.ok()) {
      return Unavailable(service_name_ + " stopped: " + catch_up_error_.message());
    }
    return Unavailable(service_name_ + " is still catching up with the event log");
  }
  if (Status health = engine_->Health(); !health.ok()) {
    return Unavailable(service_name_ + " projection stopped: " + health.message());
  }
  return Status::Ok();
}

Status ServiceRuntime::AwaitPositionList(const std::vector<common::v1::LogPosition>& positions,
                                         const grpc::ServerContext* context) const {
  TRAPPE_RETURN_IF_ERROR(CheckReady());
  const std::vector<std::string> consumed = engine_->projection().Topics();
  std::vector<eventlog::Position> wanted;
  for (size_t i = 0; i < positions.size(); ++i) {
    const common::v1::LogPosition& p = positions[i];
    const std::string field = "min_positions[" + std::to_string(i) + "]";
    if (p.topic() != eventlog::kCaseEventsTopic && p.topic() != eventlog::kOrgEventsTopic) {
      return InvalidArgument(field + ".topic", "unknown topic '" + p.topic() + "'");
    }
    if (p.partition() < 0 || p.offset() < 0) {
      return InvalidArgument(field, "partition and offset must not be negative");
    }
    if (std::find(consumed.begin(), consumed.end(), p.topic()) == consumed.end()) continue;
    wanted.push_back(FromProtoPosition(p));
  }
  if (wanted.empty()) return Status::Ok();

  auto deadline = std::chrono::steady_clock::now() + kMaxWait;
  if (context != nullptr) {
    const auto remaining = context->deadline() - std::chrono::system_clock::now();
    if (remaining < kMaxWait) deadline = std::chrono::steady_clock::now() + remaining;
  }
  Status status = engine_->WaitFor(wanted, deadline);
  if (status.code() == StatusCode::kDeadlineExceeded) {
    return DeadlineExceeded("min_positions: not applied within the call's deadline");
  }
  return status;
}

}  // namespace trappe::service
