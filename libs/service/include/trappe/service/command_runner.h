// CommandRunner: the write path every Trappe service shares (DESIGN.md section 3).
//
//   validate (the handler) -> serialise per aggregate and per request_id -> a repeated
//   request_id returns the original outcome -> load state and decide (the handler's
//   callback, on the service's own projection) -> check the expected version -> stamp
//   the envelopes (ids, versions, time, actor, request) -> append them in one call ->
//   wait until the service's own projection has applied them -> reply with positions.
//
// A rejected command (any error before the append) writes nothing. A command whose append
// failed wrote nothing either: when the log cannot say (a Kafka request that timed out after
// it was sent), the runner reads the log to its end and answers from the request index -
// the command's outcome if it landed, the error if not. If even that is impossible (the
// log is unreachable) it answers UNAVAILABLE, and every later command first settles the
// doubt the same way, so a retry with the same request_id never writes twice.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "trappe/common/clock.h"
#include "trappe/common/ids.h"
#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/projection/engine.h"
#include "trappe/service/convert.h"
#include "trappe/service/request_index.h"

namespace trappe::service {

// The fields every command carries.
struct CommandMeta {
  std::string tenant;
  std::string request_id;
  std::string actor;
  std::string correlation_id;  // optional; defaults to the request_id
  uint64_t expected_version = 0;  // 0: do not check
};

// Validates tenant, request_id (1-128 printable bytes) and actor.
[[nodiscard]] Status ValidateCommandMeta(const CommandMeta& meta);

// Fills the two fields every mutating response has: the log positions written and the
// aggregate's version afterwards.
template <typename WriteResponse>
void FillWriteResponse(const CommandOutcome& outcome, WriteResponse* out) {
  AppendPositions(outcome.positions, out->mutable_positions());
  out->set_version(outcome.version);
}

// What the handler decided: the aggregate's current version (0 if it does not exist yet)
// and the events to append. Each event needs its payload, aggregate_type, aggregate_id,
// case_id (for case events) and effective_date; the runner fills in the rest. All events
// of one decision must have the same record key (one topic, one partition): a command is
// atomic and ordered only within a partition, in Kafka as in the embedded log.
struct Decision {
  uint64_t current_version = 0;
  std::vector<events::v1::EventEnvelope> events;
};

// Decides on a consistent view of the service's projection, taken after every earlier
// command on the same aggregate has been applied.
using DecideFn = std::function<Result<Decision>(const projection::ReadView& view)>;

struct CommandRunnerOptions {
  // The projection column family holding the request index (see request_index.h).
  projection::FamilyId request_family = 0;
  // Upper bound on waiting for the service's own projection after an append.
  std::chrono::milliseconds apply_timeout{10000};
};

class CommandRunner {
 public:
  CommandRunner(eventlog::EventLog* log, projection::Engine* engine, const Clock* clock,
                IdGenerator* ids, CommandRunnerOptions options);

  // Runs one command on the aggregate `aggregate_key` (e.g. the case id). The result's
  // aggregate_id is the one the decided events carry.
  [[nodiscard]] Result<CommandOutcome> Run(const CommandMeta& meta,
                                           const std::string& aggregate_key,
                                           const DecideFn& decide);

 private:
  std::mutex& StripeFor(const std::string& key);
  Result<CommandOutcome> RunLocked(const CommandMeta& meta, const DecideFn& decide);
  // Waits until the projection has applied everything `topic` holds now, so the request
  // index knows whether an append whose outcome is unknown has landed.
  Status SettleTopic(std::string_view topic);
  Status SettleInDoubt();

  eventlog::EventLog* const log_;
  projection::Engine* const engine_;
  const Clock* const clock_;
  IdGenerator* const ids_;
  const CommandRunnerOptions options_;

  // A command holds two stripes (its request's and its aggregate's) from its decision
  // until its events are applied, a few milliseconds. With 64 stripes, 16 commands in
  // flight held half of them, so most unrelated commands waited on a stripe another
  // aggregate happened to share; with 4,096, a command arriving among 63 others in flight
  // finds one of its stripes taken about 6% of the time. 4,096 mutexes take 160 KiB.
  static constexpr size_t kStripes = 4096;
  std::mutex stripes_[kStripes];

  // Outcomes appended by this process whose application is not yet confirmed, by
  // "<tenant>/<request_id>": a retry after a timed-out wait finds them here.
  std::mutex pending_mu_;
  std::unordered_map<std::string, CommandOutcome> pending_;
  // Topics with a failed append that may have stored records (eventlog
  // AppendMayHaveWritten) not yet settled; guarded by pending_mu_.
  std::vector<std::string> in_doubt_;
};

}  // namespace trappe::service
