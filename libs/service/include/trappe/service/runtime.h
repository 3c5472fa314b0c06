// ServiceRuntime: what a service needs around its projection engine to answer over gRPC.
//
// It keeps the service NOT_SERVING until the projection has caught up with the log
// (DESIGN.md section 3), rejects commands with UNAVAILABLE meanwhile, and turns a query's
// min_positions into a bounded wait (read-your-writes across services).
#pragma once

#include <grpcpp/server_context.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "trappe/common/status.h"
#include "trappe/common/v1/common.pb.h"
#include "trappe/projection/engine.h"
#include "trappe/server/server.h"

namespace trappe::service {

class ServiceRuntime {
 public:
  // `service_name` is the full gRPC name reported by the health service.
  ServiceRuntime(std::string service_name, projection::Engine* engine);
  ~ServiceRuntime();

  // Reports NOT_SERVING, catches the projection up with the log in the background, then
  // starts the live engine thread and reports SERVING. `server` may be null (tests).
  void StartCatchUp(server::Server* server);
  // Blocks until ready or the deadline; OK when ready.
  [[nodiscard]] Status WaitUntilReady(std::chrono::steady_clock::time_point deadline);

  // UNAVAILABLE while catching up or after the projection stopped on an error.
  [[nodiscard]] Status CheckReady() const;

  // Waits until the projection has applied every position in `min_positions` (skipping
  // topics it does not consume), bounded by the call's deadline and `max_wait`.
  template <typename RepeatedPositions>
  [[nodiscard]] Status AwaitPositions(const RepeatedPositions& min_positions,
                                      const grpc::ServerContext* context) const {
    std::vector<common::v1::LogPosition> positions(min_positions.begin(), min_positions.end());
    return AwaitPositionList(positions, context);
  }

  const std::string& service_name() const { return service_name_; }
  projection::Engine* engine() const { return engine_; }

  static constexpr std::chrono::milliseconds kMaxWait{10000};

 private:
  Status AwaitPositionList(const std::vector<common::v1::LogPosition>& positions,
                           const grpc::ServerContext* context) const;

  const std::string service_name_;
  projection::Engine* const engine_;
  std::atomic<bool> ready_{false};
  std::thread catch_up_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  Status catch_up_error_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace trappe::service
