#include "trappe/service/command_runner.h"

#include <functional>

#include "trappe/common/log.h"
#include "trappe/events/headers.h"
#include "trappe/service/convert.h"
#include "trappe/service/validate.h"

namespace trappe::service {
namespace {

bool SameAggregate(const events::v1::EventEnvelope& a, const events::v1::EventEnvelope& b) {
  return a.aggregate_type() == b.aggregate_type() && a.aggregate_id() == b.aggregate_id();
}

std::chrono::steady_clock::time_point After(std::chrono::milliseconds timeout) {
  return std::chrono::steady_clock::now() + timeout;
}

}  // namespace

Status ValidateCommandMeta(const CommandMeta& meta) {
  TRAPPE_RETURN_IF_ERROR(ValidateTenant(meta.tenant));
  TRAPPE_RETURN_IF_ERROR(ValidateText(meta.request_id, "request_id", 128));
  TRAPPE_RETURN_IF_ERROR(ValidateText(meta.actor, "actor", 200));
  if (!meta.correlation_id.empty()) {
    TRAPPE_RETURN_IF_ERROR(ValidateText(meta.correlation_id, "correlation_id", 128));
  }
  return Status::Ok();
}

CommandRunner::CommandRunner(eventlog::EventLog* log, projection::Engine* engine,
                             const Clock* clock, IdGenerator* ids, CommandRunnerOptions options)
    : log_(log), engine_(engine), clock_(clock), ids_(ids), options_(options) {}

std::mutex& CommandRunner::StripeFor(const std::string& key) {
  return stripes_[std::hash<std::string>{}(key) % kStripes];
}

Result<CommandOutcome> CommandRunner::Run(const CommandMeta& meta, const std::string& aggregate_key,
                                          const DecideFn& decide) {
  TRAPPE_RETURN_IF_ERROR(ValidateCommandMeta(meta));
  // Commands on one aggregate, and retries of one request, run one at a time.
  std::mutex& by_request = StripeFor("request:" + meta.tenant + "/" + meta.request_id);
  std::mutex& by_aggregate = StripeFor("aggregate:" + meta.tenant + "/" + aggregate_key);
  if (&by_request == &by_aggregate) {
    std::lock_guard lock(by_request);
    return RunLocked(meta, decide);
  }
  std::scoped_lock lock(by_request, by_aggregate);
  return RunLocked(meta, decide);
}

Status CommandRunner::SettleTopic(std::string_view topic) {
  TRAPPE_ASSIGN_OR_RETURN(const std::vector<int64_t> ends, log_->EndOffsets(topic));
  std::vector<eventlog::Position> positions;
  for (size_t p = 0; p < ends.size(); ++p) {
    if (ends[p] > 0) positions.push_back({std::string(topic), static_cast<int32_t>(p), ends[p] - 1});
  }
  return engine_->WaitFor(positions, After(options_.apply_timeout));
}

Status CommandRunner::SettleInDoubt() {
  std::lock_guard lock(pending_mu_);
  while (!in_doubt_.empty()) {
    if (Status settled = SettleTopic(in_doubt_.back()); !settled.ok()) {
      return Unavailable("an earlier append's outcome is not known yet (" + settled.message() +
                         "); try again");
    }
    in_doubt_.pop_back();
  }
  return Status::Ok();
}

Result<CommandOutcome> CommandRunner::RunLocked(const CommandMeta& meta, const DecideFn& decide) {
  const std::string request_key = meta.tenant + "/" + meta.request_id;
  TRAPPE_RETURN_IF_ERROR(SettleInDoubt());

  // Writes whose application an earlier call stopped waiting for: decide only once they
  // are in the projection, or a retry could decide on stale state and write twice.
  {
    std::lock_guard lock(pending_mu_);
    if (!pending_.empty()) {
      std::vector<eventlog::Position> positions;
      for (const auto& [key, outcome] : pending_) {
        positions.insert(positions.end(), outcome.positions.begin(), outcome.positions.end());
      }
      if (!engine_->WaitFor(positions, After(options_.apply_timeout)).ok()) {
        return Unavailable("the service's projection is behind the log; try again");
      }
      pending_.clear();
    }
  }

  const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
  TRAPPE_ASSIGN_OR_RETURN(
      const std::optional<CommandOutcome> earlier,
      LookupRequest(*view, options_.request_family, meta.tenant, meta.request_id));
  if (earlier) return *earlier;

  TRAPPE_ASSIGN_OR_RETURN(Decision decision, decide(*view));
  if (meta.expected_version != 0 && meta.expected_version != decision.current_version) {
    return Aborted("expected_version " + std::to_string(meta.expected_version) +
                   " does not match the current version " +
                   std::to_string(decision.current_version));
  }
  if (decision.events.empty()) {
    return CommandOutcome{.aggregate_id = "", .version = decision.current_version};
  }

  const events::v1::EventEnvelope& primary = decision.events.front();
  const std::string_view topic = events::TopicFor(primary.aggregate_type());
  // One command, one record key: its events then share a partition, so they are applied
  // in append order everywhere, and what projections derive from them (the request index
  // among them) cannot depend on how partitions interleave. A command that must touch
  // several keys is several commands.
  std::string record_key;  // the first event's, once stamped with the tenant
  const google::protobuf::Timestamp now = ToProtoTimestamp(clock_->Now());
  uint64_t version = decision.current_version;
  std::vector<eventlog::Record> records;
  records.reserve(decision.events.size());
  for (events::v1::EventEnvelope& event : decision.events) {
    if (events::TopicFor(event.aggregate_type()) != topic || topic.empty()) {
      return Internal("a command's events must all go to one topic");
    }
    if (SameAggregate(event, primary)) {
      event.set_aggregate_version(++version);
    } else if (event.aggregate_version() == 0) {
      return Internal("an event of a secondary aggregate needs its version set by the handler");
    }
    event.set_event_id(ids_->NewId());
    event.set_tenant(meta.tenant);
    *event.mutable_recorded_at() = now;
    event.set_actor(meta.actor);
    event.set_request_id(meta.request_id);
    event.set_correlation_id(meta.correlation_id.empty() ? meta.request_id : meta.correlation_id);
    event.set_causation_id(meta.request_id);
    event.set_schema_version(events::kSchemaVersion);

    eventlog::Record record;
    record.key = events::RecordKey(event);
    if (record_key.empty()) record_key = record.key;
    if (record.key != record_key) {
      return Internal("a command's events must share one record key ('" + record_key +
                      "' and '" + record.key + "')");
    }
    record.value = event.SerializeAsString();
    for (const events::KafkaHeader& header : events::KafkaHeaders(event)) {
      record.headers.push_back({std::string(header.key), header.value});
    }
    records.push_back(std::move(record));
  }

  Result<std::vector<eventlog::Position>> appended = log_->Append(topic, std::move(records));
  if (!appended.ok() && eventlog::AppendMayHaveWritten(appended.status())) {
    // The log cannot say whether the records landed: the log itself must.
    log::Warn("command.append_in_doubt",
              {{"request_id", meta.request_id}, {"error", appended.status().ToString()}});
    if (Status settled = SettleTopic(topic); !settled.ok()) {
      std::lock_guard lock(pending_mu_);
      in_doubt_.emplace_back(topic);
      return Unavailable("the log did not confirm the command's events and cannot be read now (" +
                         settled.message() + "); retry with the same request_id");
    }
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<CommandOutcome> landed,
                            LookupRequest(*engine_->Snapshot(), options_.request_family,
                                          meta.tenant, meta.request_id));
    if (landed) return *landed;
    return Unavailable(appended.status().message() + "; nothing was written");
  }
  if (!appended.ok()) return appended.status();
  std::vector<eventlog::Position> positions = std::move(appended).value();
  CommandOutcome outcome{
      .aggregate_id = primary.aggregate_id(), .version = version, .positions = positions};
  if (Status applied = engine_->WaitFor(positions, After(options_.apply_timeout)); !applied.ok()) {
    log::Warn("command.apply_wait_failed",
              {{"request_id", meta.request_id}, {"error", applied.ToString()}});
    std::lock_guard lock(pending_mu_);
    pending_[request_key] = outcome;
    return Unavailable("the command was written but is not yet visible (" + applied.message() +
                       "); retry with the same request_id");
  }
  return outcome;
}

}  // namespace trappe::service
