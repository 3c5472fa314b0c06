// The driver: executes a plan through the four gRPC APIs.
//
// The organisation's commands run first, one after the other; then the children's, each
// child's in order and up to `concurrency` children at a time. References in the plan
// ("@case", "@i1"...) are replaced by the ids the server returned for the command that
// bound them. Every command carries the plan's request id, so running the same plan again
// writes nothing new: the server answers each command with its first outcome.
#pragma once

#include <grpcpp/channel.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "trappe/common/status.h"
#include "trappe/generator/plan.h"

namespace trappe::generator {

struct Progress {
  int64_t commands_done = 0;
  int64_t commands_total = 0;
  int children_done = 0;
  int children_total = 0;
  double seconds = 0;  // since the run started
};

struct DriverOptions {
  // Children in flight at once.
  int concurrency = 8;
  // The deadline of each call.
  std::chrono::milliseconds call_timeout{std::chrono::seconds(60)};
  // Called (never concurrently) after the organisation and after each child.
  std::function<void(const Progress&)> on_progress;
  // When set and true, the run stops after the calls in flight (CANCELLED).
  const std::atomic<bool>* cancel = nullptr;
};

struct RunResult {
  int64_t commands = 0;
  int children = 0;
  double seconds = 0;
  // The server's case id of each child (by plan index).
  std::map<int, std::string> case_ids;
};

// A plan that names a reference before a command of its stream binds it (CheckReferences)
// is refused with INTERNAL before anything is sent. The first refusal stops the run: the error
// names the child, the command's position, its RPC, request id and effective date, and carries the
// server's code and message. UNAVAILABLE and DEADLINE_EXCEEDED are retried a few times with the
// same request id.
[[nodiscard]] Result<RunResult> RunPlan(const Plan& plan,
                                        const std::shared_ptr<grpc::Channel>& channel,
                                        const DriverOptions& options = {});

}  // namespace trappe::generator
