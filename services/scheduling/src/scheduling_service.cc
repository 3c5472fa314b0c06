// The gRPC SchedulingService and the module that hosts it.
#include <algorithm>
#include <set>
#include <unordered_set>

#include "src/projection.h"
#include "trappe/common/status_grpc.h"
#include "trappe/projection/keys.h"
#include "trappe/scheduling/module.h"
#include "trappe/scheduling/v1/service.grpc.pb.h"
#include "trappe/service/command_runner.h"
#include "trappe/service/convert.h"
#include "trappe/service/validate.h"

namespace trappe::scheduling {
namespace {

using events::v1::EventEnvelope;

constexpr char kServiceName[] = "trappe.scheduling.v1.SchedulingService";
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;
constexpr int kMaxWindowDays = 3660;

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> Unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]);
    const int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

Status ValidatePeriod(const common::v1::CalendarPeriod& p, std::string_view field) {
  if (p.days() < 0 || p.weeks() < 0 || p.months() < 0 || p.hours() < 0) {
    return InvalidArgument(field, "must not be negative");
  }
  if (p.hours() != 0) return InvalidArgument(field, "hours are not a follow-up interval");
  const int units = (p.days() != 0) + (p.weeks() != 0) + (p.months() != 0);
  if (units != 1) return InvalidArgument(field, "must be a number of days, weeks or months");
  return Status::Ok();
}

// Which team handles a case: its primary caseworker's team, else the one it was opened in.
class TeamResolver {
 public:
  TeamResolver(const StoreReader& reader, std::string tenant)
      : reader_(reader), prefix_(projection::TenantPrefix(tenant) + "cw/") {}
  std::string TeamOf(const std::string& primary, const std::string& opened_team) {
    const std::string& team = TeamOfWorker(primary);
    return team.empty() ? opened_team : team;
  }
  // Empty when there is no primary caseworker or their team is not known.
  const std::string& TeamOfWorker(const std::string& caseworker) {
    auto it = teams_.find(caseworker);
    if (it == teams_.end()) {
      auto stored = caseworker.empty() ? Result<std::optional<std::string>>(std::nullopt)
                                       : reader_.get(kOrg, prefix_ + caseworker);
      it = teams_.emplace(caseworker, stored.ok() && *stored ? **stored : std::string()).first;
    }
    return it->second;
  }

 private:
  const StoreReader& reader_;
  const std::string prefix_;
  std::map<std::string, std::string> teams_;
};

class SchedulingServiceImpl final : public v1::SchedulingService::Service {
 public:
  SchedulingServiceImpl(const service::ModuleContext& context,
                        std::shared_ptr<const SchedulingProjection> projection,
                        projection::Engine* engine, service::ServiceRuntime* runtime,
                        service::CommandRunner* runner)
      : clock_(context.clock),
        ids_(context.ids),
        projection_(std::move(projection)),
        engine_(engine),
        runtime_(runtime),
        runner_(runner) {}

  grpc::Status RecordFollowUp(grpc::ServerContext*, const v1::RecordFollowUpRequest* request,
                              v1::RecordFollowUpResponse* response) override {
    return ToGrpcStatus(DoRecordFollowUp(*request, response));
  }
  grpc::Status OverrideSchedule(grpc::ServerContext*, const v1::OverrideScheduleRequest* request,
                                v1::OverrideScheduleResponse* response) override {
    return ToGrpcStatus(DoOverrideSchedule(*request, response));
  }
  grpc::Status ConfigureRules(grpc::ServerContext*, const v1::ConfigureRulesRequest* request,
                              v1::ConfigureRulesResponse* response) override {
    return ToGrpcStatus(DoConfigureRules(*request, response));
  }
  grpc::Status GetRules(grpc::ServerContext* context, const v1::GetRulesRequest* request,
                        v1::GetRulesResponse* response) override {
    return ToGrpcStatus(DoGetRules(context, *request, response));
  }
  grpc::Status ListCaseDeadlines(grpc::ServerContext* context,
                                 const v1::ListCaseDeadlinesRequest* request,
                                 v1::ListCaseDeadlinesResponse* response) override {
    return ToGrpcStatus(DoListCaseDeadlines(context, *request, response));
  }
  grpc::Status ListDueDeadlines(grpc::ServerContext* context,
                                const v1::ListDueDeadlinesRequest* request,
                                v1::ListDueDeadlinesResponse* response) override {
    return ToGrpcStatus(DoListDueDeadlines(context, *request, response));
  }
  grpc::Status GetCompliance(grpc::ServerContext* context, const v1::GetComplianceRequest* request,
                             v1::GetComplianceResponse* response) override {
    return ToGrpcStatus(DoGetCompliance(context, *request, response));
  }

 private:
  CivilDate Today() const { return CopenhagenDate(clock_->Now()); }

  template <typename Request>
  static service::CommandMeta MetaOf(const Request& r) {
    return {r.tenant(), r.request_id(), r.actor(), r.correlation_id(), r.expected_version()};
  }

  static uint64_t ScheduleVersion(const StoreReader& reader, const std::string& tenant,
                                  const std::string& case_id) {
    auto stored = reader.get(kCases, projection::TenantPrefix(tenant) + case_id);
    return stored.ok() && *stored ? DecodeMeta(**stored).schedule_version : 0;
  }

  Result<CaseFacts> KnownCase(const StoreReader& reader, const std::string& tenant,
                              const std::string& case_id) const {
    TRAPPE_ASSIGN_OR_RETURN(std::optional<CaseFacts> facts,
                            projection_->LoadFacts(reader, tenant, case_id));
    if (!facts || !facts->opened) return NotFound("case_id: no case " + case_id);
    return std::move(*facts);
  }

  Status DoRecordFollowUp(const v1::RecordFollowUpRequest& r, v1::RecordFollowUpResponse* out) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    const service::CommandMeta meta = MetaOf(r);
    TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
    if (r.kind() < v1::FOLLOW_UP_KIND_CHILD_CONVERSATION ||
        r.kind() > v1::FOLLOW_UP_KIND_PLAN_REVISION) {
      return InvalidArgument("kind", "is required (a known follow-up kind)");
    }
    const CivilDate today = Today();
    TRAPPE_ASSIGN_OR_RETURN(CivilDate held_on,
                            service::ToCivilDateOr(r.held_on(), "held_on", today));
    TRAPPE_RETURN_IF_ERROR(service::ValidateNotFuture(held_on, today, "held_on"));
    const std::string caseworker = r.caseworker_id().empty() ? r.actor() : r.caseworker_id();
    TRAPPE_RETURN_IF_ERROR(service::ValidateText(caseworker, "caseworker_id", 200));
    if (!r.intervention_id().empty()) {
      TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.intervention_id(), "intervention_id"));
    }
    if (!r.note().empty()) TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.note(), "note", 500));
    const std::string follow_up_id = ids_->NewId();
    TRAPPE_ASSIGN_OR_RETURN(
        service::CommandOutcome outcome,
        runner_->Run(
            meta, r.case_id(), [&](const projection::ReadView& view) -> Result<service::Decision> {
              const StoreReader reader = ReaderOf(view);
              TRAPPE_ASSIGN_OR_RETURN(CaseFacts facts, KnownCase(reader, r.tenant(), r.case_id()));
              if (!r.intervention_id().empty()) {
                const auto& list = facts.timeline.interventions;
                auto it = std::find_if(list.begin(), list.end(),
                                       [&](const auto& i) { return i.id == r.intervention_id(); });
                if (it == list.end()) {
                  return NotFound("intervention_id: the case has no intervention " +
                                  r.intervention_id());
                }
                if (held_on < it->started_on) {
                  return FailedPrecondition("held_on: " + held_on.ToString() +
                                            " is before the intervention started on " +
                                            it->started_on.ToString());
                }
              }
              service::Decision decision;
              decision.current_version = ScheduleVersion(reader, r.tenant(), r.case_id());
              EventEnvelope e;
              e.set_aggregate_type(events::v1::AGGREGATE_TYPE_FOLLOW_UP_SCHEDULE);
              e.set_aggregate_id(r.case_id());
              e.set_case_id(r.case_id());
              *e.mutable_effective_date() = service::ToProtoDate(held_on);
              auto& f = *e.mutable_follow_up_recorded();
              f.set_follow_up_id(follow_up_id);
              f.set_case_id(r.case_id());
              f.set_kind(r.kind());
              *f.mutable_held_on() = service::ToProtoDate(held_on);
              f.set_caseworker_id(caseworker);
              f.set_intervention_id(r.intervention_id());
              f.set_note(r.note());
              decision.events.push_back(std::move(e));
              return decision;
            }));
    service::FillWriteResponse(outcome, out);
    if (outcome.replayed) {
      auto stored = engine_->Snapshot()->Get(
          kOrg, projection::TenantPrefix(r.tenant()) + "fu/" + r.request_id());
      if (stored.ok() && *stored) out->set_follow_up_id(**stored);
    } else {
      out->set_follow_up_id(follow_up_id);
    }
    return Status::Ok();
  }

  Status DoOverrideSchedule(const v1::OverrideScheduleRequest& r,
                            v1::OverrideScheduleResponse* out) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    const service::CommandMeta meta = MetaOf(r);
    TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
    TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.rule_set(), "rule_set", 100));
    TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.rule_id(), "rule_id", 100));
    const std::optional<rules::Track> track = rules_proto::ParseTrackName(r.track());
    if (!track) return InvalidArgument("track", "'" + r.track() + "' is not a track");
    if (!r.trigger_id().empty()) {
      TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.trigger_id(), "trigger_id", 128));
    }
    if (r.change_case() == v1::OverrideScheduleRequest::kNewDueDate) {
      TRAPPE_RETURN_IF_ERROR(service::ToCivilDate(r.new_due_date(), "new_due_date").status());
    } else if (r.change_case() == v1::OverrideScheduleRequest::kNewInterval) {
      TRAPPE_RETURN_IF_ERROR(ValidatePeriod(r.new_interval(), "new_interval"));
    } else {
      return InvalidArgument("new_due_date", "a new due date or a new interval is required");
    }
    TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.justification(), "justification", 1000));
    const CivilDate today = Today();
    TRAPPE_ASSIGN_OR_RETURN(CivilDate effective,
                            service::ToCivilDateOr(r.effective_date(), "effective_date", today));
    TRAPPE_RETURN_IF_ERROR(service::ValidateNotFuture(effective, today, "effective_date"));
    TRAPPE_ASSIGN_OR_RETURN(
        service::CommandOutcome outcome,
        runner_->Run(
            meta, r.case_id(), [&](const projection::ReadView& view) -> Result<service::Decision> {
              const StoreReader reader = ReaderOf(view);
              TRAPPE_ASSIGN_OR_RETURN(CaseFacts facts, KnownCase(reader, r.tenant(), r.case_id()));
              TRAPPE_ASSIGN_OR_RETURN(auto rules, projection_->LoadRules(reader, r.tenant()));
              const rules::FollowUpRule* rule =
                  rules ? rules->compiled.rule_set.InForce(r.rule_id(), effective) : nullptr;
              std::string rule_set;
              if (rules) {
                auto set = rules->compiled.set_of_rule.find(r.rule_id());
                if (set != rules->compiled.set_of_rule.end()) rule_set = set->second;
              }
              if (rule == nullptr || rule_set != r.rule_set()) {
                return FailedPrecondition("rule_id: " + r.rule_set() + "/" + r.rule_id() +
                                          " is not a rule in force on " + effective.ToString());
              }
              if (std::none_of(rule->tracks.begin(), rule->tracks.end(),
                               [&](const rules::TrackSpec& s) { return s.track == *track; })) {
                return InvalidArgument("track",
                                       "rule " + r.rule_id() + " keeps no track " + r.track());
              }
              if (!r.trigger_id().empty()) {
                bool known = false;
                for (const auto& x : facts.timeline.reports) known |= x.id == r.trigger_id();
                for (const auto& x : facts.timeline.investigations) known |= x.id == r.trigger_id();
                for (const auto& x : facts.timeline.interventions) known |= x.id == r.trigger_id();
                if (!known) return NotFound("trigger_id: the case has no " + r.trigger_id());
              }
              service::Decision decision;
              decision.current_version = ScheduleVersion(reader, r.tenant(), r.case_id());
              EventEnvelope e;
              e.set_aggregate_type(events::v1::AGGREGATE_TYPE_FOLLOW_UP_SCHEDULE);
              e.set_aggregate_id(r.case_id());
              e.set_case_id(r.case_id());
              *e.mutable_effective_date() = service::ToProtoDate(effective);
              auto& o = *e.mutable_schedule_overridden();
              o.set_case_id(r.case_id());
              o.set_rule_set(r.rule_set());
              o.set_rule_id(r.rule_id());
              o.set_track(std::string(rules::ToString(*track)));
              o.set_trigger_id(r.trigger_id());
              if (r.has_new_due_date()) {
                *o.mutable_new_due_date() = r.new_due_date();
              } else {
                *o.mutable_new_interval() = r.new_interval();
              }
              o.set_justification(r.justification());
              decision.events.push_back(std::move(e));
              return decision;
            }));
    service::FillWriteResponse(outcome, out);
    return Status::Ok();
  }

  Status DoConfigureRules(const v1::ConfigureRulesRequest& r, v1::ConfigureRulesResponse* out) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    const service::CommandMeta meta = MetaOf(r);
    TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
    TRAPPE_ASSIGN_OR_RETURN(CivilDate from,
                            service::ToCivilDateOr(r.effective_from(), "effective_from", Today()));
    std::vector<v1::FollowUpRuleSet> sets;
    std::set<std::string> presets;
    for (int i = 0; i < r.presets_size(); ++i) {
      if (!presets.insert(r.presets(i)).second) continue;
      auto preset = rules_proto::PresetRuleSet(r.presets(i));
      if (!preset.ok()) {
        return Status(preset.status().code(),
                      "presets[" + std::to_string(i) + "]: " + preset.status().message());
      }
      sets.push_back(std::move(*preset));
    }
    std::set<std::string> given;
    for (int i = 0; i < r.rule_sets_size(); ++i) {
      const std::string field = "rule_sets[" + std::to_string(i) + "]";
      const v1::FollowUpRuleSet& set = r.rule_sets(i);
      TRAPPE_RETURN_IF_ERROR(service::ValidateText(set.name(), field + ".name", 100));
      if (!given.insert(set.name()).second) {
        return InvalidArgument(field + ".name", "'" + set.name() + "' is given twice");
      }
      TRAPPE_RETURN_IF_ERROR(rules_proto::RulesFromProto(set, field).status());
      auto same = std::find_if(sets.begin(), sets.end(),
                               [&](const auto& s) { return s.name() == set.name(); });
      if (same != sets.end()) {
        *same = set;  // a set named like a preset replaces it
      } else {
        sets.push_back(set);
      }
    }
    if (sets.empty())
      return InvalidArgument("presets", "at least one preset or rule set is required");
    TRAPPE_RETURN_IF_ERROR(rules_proto::CompileRules({{from, sets}}).status());
    TRAPPE_ASSIGN_OR_RETURN(
        service::CommandOutcome outcome,
        runner_->Run(meta, "rules/" + r.tenant(),
                     [&](const projection::ReadView& view) -> Result<service::Decision> {
                       service::Decision decision;
                       auto stored = view.Get(kOrg, projection::TenantPrefix(r.tenant()) + "rsv");
                       if (stored.ok() && *stored) {
                         decision.current_version =
                             static_cast<uint64_t>(projection::DecodeInt64(**stored).value_or(0));
                       }
                       EventEnvelope e;
                       e.set_aggregate_type(events::v1::AGGREGATE_TYPE_FOLLOW_UP_RULE_SET);
                       e.set_aggregate_id(r.tenant());
                       *e.mutable_effective_date() = service::ToProtoDate(from);
                       auto& c = *e.mutable_follow_up_rules_configured();
                       for (const auto& set : sets) *c.add_rule_sets() = set;
                       *c.mutable_effective_from() = service::ToProtoDate(from);
                       for (const std::string& p : presets) c.add_presets(p);
                       decision.events.push_back(std::move(e));
                       return decision;
                     }));
    service::FillWriteResponse(outcome, out);
    for (const auto& set : sets) *out->add_rule_sets() = set;
    return Status::Ok();
  }

  template <typename Request>
  Status BeginQuery(grpc::ServerContext* context, const Request& r) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(r.tenant()));
    return runtime_->AwaitPositions(r.min_positions(), context);
  }

  Status DoGetRules(grpc::ServerContext* context, const v1::GetRulesRequest& r,
                    v1::GetRulesResponse* out) {
    TRAPPE_RETURN_IF_ERROR(BeginQuery(context, r));
    TRAPPE_ASSIGN_OR_RETURN(CivilDate as_of, service::ToCivilDateOr(r.as_of(), "as_of", Today()));
    auto view = engine_->Snapshot();
    const StoreReader reader = ReaderOf(*view);
    auto stored = view->Get(kOrg, projection::TenantPrefix(r.tenant()) + "rsv");
    if (stored.ok() && *stored) {
      out->set_version(static_cast<uint64_t>(projection::DecodeInt64(**stored).value_or(0)));
    }
    TRAPPE_ASSIGN_OR_RETURN(auto rules, projection_->LoadRules(reader, r.tenant()));
    if (!rules) return Status::Ok();
    const v1::FollowUpRulesConfigured* in_force = nullptr;
    for (const auto& c : rules->configurations) {
      auto from = service::ToCivilDate(c.effective_from(), "effective_from");
      if (from.ok() && *from <= as_of) in_force = &c;
    }
    if (in_force == nullptr) return Status::Ok();
    *out->mutable_rule_sets() = in_force->rule_sets();
    *out->mutable_effective_from() = in_force->effective_from();
    *out->mutable_presets() = in_force->presets();
    return Status::Ok();
  }

  Status DoListCaseDeadlines(grpc::ServerContext* context, const v1::ListCaseDeadlinesRequest& r,
                             v1::ListCaseDeadlinesResponse* out) {
    TRAPPE_RETURN_IF_ERROR(BeginQuery(context, r));
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
    TRAPPE_ASSIGN_OR_RETURN(CivilDate as_of, service::ToCivilDateOr(r.as_of(), "as_of", Today()));
    auto view = engine_->Snapshot();
    const StoreReader reader = ReaderOf(*view);
    TRAPPE_ASSIGN_OR_RETURN(std::optional<CaseFacts> facts,
                            projection_->LoadFacts(reader, r.tenant(), r.case_id()));
    if (!facts) return NotFound("case_id: no case " + r.case_id());
    TRAPPE_ASSIGN_OR_RETURN(auto rules, projection_->LoadRules(reader, r.tenant()));
    if (!rules) return Status::Ok();
    auto deadlines = rules::DeriveDeadlines(rules->compiled.rule_set, facts->timeline, as_of);
    if (!deadlines.ok()) {
      return FailedPrecondition("the case's history cannot be read by the rules: " +
                                deadlines.status().message());
    }
    TeamResolver teams(reader, r.tenant());
    const std::string team = teams.TeamOf(PrimaryOn(*facts, as_of), facts->opened_team_id);
    for (const rules::Deadline& d : *deadlines) {
      if (r.open_only() && !d.IsOpen()) continue;
      v1::Deadline& w = *out->add_deadlines() = ToWire(*rules, *facts, r.case_id(), d, as_of);
      w.set_team_id(team);
    }
    return Status::Ok();
  }

  struct DueItem {
    std::string sort_key;  // <due><case_id>/<deadline_id>
    v1::Deadline deadline;
  };

  Status DoListDueDeadlines(grpc::ServerContext* context, const v1::ListDueDeadlinesRequest& r,
                            v1::ListDueDeadlinesResponse* out) {
    TRAPPE_RETURN_IF_ERROR(BeginQuery(context, r));
    if (!r.team_id().empty())
      TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.team_id(), "team_id", 128));
    if (!r.caseworker_id().empty()) {
      TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.caseworker_id(), "caseworker_id", 128));
    }
    TRAPPE_ASSIGN_OR_RETURN(CivilDate as_of, service::ToCivilDateOr(r.as_of(), "as_of", Today()));
    if (r.window_days() < 0 || r.window_days() > kMaxWindowDays) {
      return InvalidArgument("window_days", "must be 0 to " + std::to_string(kMaxWindowDays));
    }
    if (r.page().page_size() < 0) return InvalidArgument("page.page_size", "must not be negative");
    const size_t page_size =
        r.page().page_size() == 0 ? kDefaultPageSize : std::min(r.page().page_size(), kMaxPageSize);
    std::string token;
    if (!r.page().page_token().empty()) {
      auto decoded = Unhex(r.page().page_token());
      if (!decoded) return InvalidArgument("page.page_token", "is not a token of this query");
      token = std::move(*decoded);
    }
    // Due on or before `last` (so overdue: before as_of).
    const CivilDate last = r.overdue_only() ? as_of.AddDays(-1) : as_of.AddDays(r.window_days());
    const std::string tenant_prefix = projection::TenantPrefix(r.tenant());
    const std::string last_key = DueKeyPrefix(r.tenant(), last).substr(tenant_prefix.size());

    auto view = engine_->Snapshot();
    const StoreReader reader = ReaderOf(*view);
    TRAPPE_ASSIGN_OR_RETURN(auto rules, projection_->LoadRules(reader, r.tenant()));
    if (!rules) return Status::Ok();
    TeamResolver teams(reader, r.tenant());
    auto keep = [&](const std::string& primary, const v1::Deadline& d) {
      if (!r.caseworker_id().empty() && d.responsible_caseworker_id() != r.caseworker_id()) {
        return false;
      }
      return r.team_id().empty() || teams.TeamOf(primary, d.team_id()) == r.team_id();
    };

    // Cases with a fact effective after as_of: the index ("as known now") does not hold
    // for them on as_of, so their deadlines are derived for as_of from their facts.
    std::unordered_set<std::string> stale;
    const std::string as_of_key = DueKeyPrefix(r.tenant(), as_of).substr(tenant_prefix.size());
    TRAPPE_RETURN_IF_ERROR(
        view->Scan(kLatest, tenant_prefix, [&](std::string_view key, std::string_view) {
          std::string_view rest = key.substr(tenant_prefix.size());
          const int64_t latest =
              (int64_t{1} << 40) - projection::DecodeInt64(rest.substr(0, 8)).value_or(0);
          if (projection::EncodeInt64(latest) <= as_of_key) return false;
          stale.emplace(rest.substr(8));
          return true;
        }));

    int64_t total = 0;
    std::vector<DueItem> from_index;  // up to page_size + 1 after the token
    Status decode_error;
    // A caseworker's deadlines have an index of their own; a team's are filtered from the
    // municipality's by the team of each case's primary caseworker. Unfiltered, the total
    // comes from the per-day counts and the scan stops after one page.
    const bool by_worker = !r.caseworker_id().empty();
    const bool by_team = !r.team_id().empty();
    const std::string scan_prefix =
        by_worker ? WorkerDuePrefix(r.tenant(), r.caseworker_id()) : tenant_prefix;
    if (!by_worker && !by_team) {
      TRAPPE_RETURN_IF_ERROR(
          view->Scan(kDueCount, tenant_prefix, [&](std::string_view key, std::string_view value) {
            if (key.substr(tenant_prefix.size()) > last_key) return false;
            total += projection::DecodeInt64(value).value_or(0);
            return true;
          }));
      for (const std::string& case_id : stale) {
        auto stored = view->Get(kCases, tenant_prefix + case_id);
        if (!stored.ok() || !*stored) continue;
        for (const std::string& key : DecodeMeta(**stored).index_keys) {
          if (key.size() > tenant_prefix.size() + 8 && key[0] == 'D' &&
              std::string_view(key).substr(1 + tenant_prefix.size(), 8) <= last_key) {
            --total;
          }
        }
      }
    }
    TRAPPE_RETURN_IF_ERROR(view->Scan(
        by_worker ? kDueByWorker : kDue, scan_prefix,
        [&](std::string_view key, std::string_view value) {
          std::string_view rest = key.substr(scan_prefix.size());
          if (rest.substr(0, 8) > last_key) return false;
          const std::string_view case_id = rest.substr(8, rest.find('/', 8) - 8);
          if (!stale.empty() && stale.contains(std::string(case_id))) return true;
          const bool after_token = token.empty() || rest > token;
          const bool wanted = after_token && from_index.size() <= page_size;
          if (!by_team && !wanted) {
            if (by_worker) {
              ++total;
              return true;
            }
            return !after_token;  // after a page and one more: the total is already known
          }
          DueEntry entry;
          if (!SplitDueEntry(value, &entry)) {
            decode_error = Internal("scheduling: a due-date index entry is corrupt");
            return false;
          }
          DueItem item;
          // The team the case was opened in is needed only when the primary has none.
          std::string team = teams.TeamOfWorker(std::string(entry.primary));
          if (team.empty()) {
            if (!item.deadline.ParseFromArray(entry.deadline.data(),
                                              static_cast<int>(entry.deadline.size()))) {
              decode_error = Internal("scheduling: a due-date index entry is corrupt");
              return false;
            }
            team = item.deadline.team_id();
          }
          if (by_team && team != r.team_id()) return true;
          if (by_team || by_worker) ++total;
          if (!wanted) return true;
          if (!item.deadline.ParseFromArray(entry.deadline.data(),
                                            static_cast<int>(entry.deadline.size()))) {
            decode_error = Internal("scheduling: a due-date index entry is corrupt");
            return false;
          }
          item.deadline.set_team_id(team);
          item.sort_key = std::string(rest);
          from_index.push_back(std::move(item));
          return true;
        }));
    TRAPPE_RETURN_IF_ERROR(decode_error);

    std::vector<DueItem> derived;
    for (const std::string& case_id : std::set<std::string>(stale.begin(), stale.end())) {
      TRAPPE_ASSIGN_OR_RETURN(std::optional<CaseFacts> facts,
                              projection_->LoadFacts(reader, r.tenant(), case_id));
      if (!facts || IsClosedOn(*facts, as_of)) continue;
      auto deadlines = rules::DeriveDeadlines(rules->compiled.rule_set, facts->timeline, as_of);
      if (!deadlines.ok()) continue;  // not derivable: left out, as in the index
      const std::string primary = PrimaryOn(*facts, as_of);
      for (const rules::Deadline& d : rules::EarliestOpenPerTrack(*deadlines)) {
        if (d.due > last) continue;
        DueItem item;
        item.deadline = ToWire(*rules, *facts, case_id, d, as_of);
        if (!keep(primary, item.deadline)) continue;
        item.deadline.set_team_id(teams.TeamOf(primary, item.deadline.team_id()));
        item.sort_key = DueKeyPrefix(r.tenant(), d.due).substr(tenant_prefix.size()) + case_id +
                        "/" + item.deadline.deadline_id();
        ++total;
        if (!token.empty() && item.sort_key <= token) continue;
        derived.push_back(std::move(item));
      }
    }
    std::sort(derived.begin(), derived.end(),
              [](const DueItem& a, const DueItem& b) { return a.sort_key < b.sort_key; });

    std::vector<DueItem> page;
    std::merge(std::make_move_iterator(from_index.begin()),
               std::make_move_iterator(from_index.end()), std::make_move_iterator(derived.begin()),
               std::make_move_iterator(derived.end()), std::back_inserter(page),
               [](const DueItem& a, const DueItem& b) { return a.sort_key < b.sort_key; });
    const bool more = page.size() > page_size;
    if (more) page.resize(page_size);
    for (DueItem& item : page) {
      const auto due = service::ToCivilDate(item.deadline.due_date(), "due_date");
      item.deadline.set_overdue(due.ok() && *due < as_of);
      *out->add_deadlines() = std::move(item.deadline);
    }
    out->mutable_page()->set_total_size(total);
    if (more) out->mutable_page()->set_next_page_token(Hex(page.back().sort_key));
    return Status::Ok();
  }

  Status DoGetCompliance(grpc::ServerContext* context, const v1::GetComplianceRequest& r,
                         v1::GetComplianceResponse* out) {
    TRAPPE_RETURN_IF_ERROR(BeginQuery(context, r));
    TRAPPE_ASSIGN_OR_RETURN(CivilDate first,
                            service::ToCivilDate(r.period().start_date(), "period.start_date"));
    TRAPPE_ASSIGN_OR_RETURN(CivilDate last,
                            service::ToCivilDate(r.period().end_date(), "period.end_date"));
    if (last < first) return InvalidArgument("period.end_date", "must not be before start_date");
    const CivilDate today = Today();
    auto view = engine_->Snapshot();
    const StoreReader reader = ReaderOf(*view);
    TRAPPE_ASSIGN_OR_RETURN(auto rules, projection_->LoadRules(reader, r.tenant()));
    rules::RuleCompliance total;
    total.rule_id = "";
    if (!rules) {
      *out->mutable_total() = v1::RuleCompliance();
      return Status::Ok();
    }
    const std::string tenant_prefix = projection::TenantPrefix(r.tenant());
    std::vector<std::string> case_ids;
    TRAPPE_RETURN_IF_ERROR(
        view->Scan(kCases, tenant_prefix, [&](std::string_view key, std::string_view) {
          case_ids.emplace_back(key.substr(tenant_prefix.size()));
          return true;
        }));
    TeamResolver teams(reader, r.tenant());
    std::map<std::string, rules::RuleCompliance> by_rule;
    std::map<std::string, std::string> sources;
    for (const std::string& case_id : case_ids) {
      TRAPPE_ASSIGN_OR_RETURN(std::optional<CaseFacts> facts,
                              projection_->LoadFacts(reader, r.tenant(), case_id));
      if (!facts) continue;
      if (!r.team_id().empty() &&
          teams.TeamOf(PrimaryOn(*facts, today), facts->opened_team_id) != r.team_id()) {
        continue;
      }
      auto deadlines = rules::DeriveDeadlines(rules->compiled.rule_set, facts->timeline, today);
      if (!deadlines.ok()) continue;
      std::vector<rules::Deadline> counted;
      for (const rules::Deadline& d : *deadlines) {
        sources[d.rule_id] = d.source;
        if (!r.caseworker_id().empty() && Holder(*facts, d.responsible_role, d.track,
                                                 std::min(d.due, today)) != r.caseworker_id()) {
          continue;
        }
        counted.push_back(d);
      }
      for (const rules::RuleCompliance& c : rules::ComplianceByRule(counted, first, last)) {
        by_rule[c.rule_id].rule_id = c.rule_id;
        by_rule[c.rule_id] += c;
        total += c;
      }
    }
    auto to_wire = [&](const rules::RuleCompliance& c, v1::RuleCompliance* w) {
      w->set_due(static_cast<int32_t>(c.due));
      w->set_met_on_time(static_cast<int32_t>(c.met_on_time));
      w->set_met_late(static_cast<int32_t>(c.met_late));
      w->set_missed(static_cast<int32_t>(c.missed));
      w->set_open(static_cast<int32_t>(c.not_yet_due));
      const int64_t decided = c.due - c.not_yet_due;
      w->set_share_met_on_time_bp(
          decided == 0 ? 0 : static_cast<int32_t>(c.met_on_time * 10000 / decided));
    };
    std::vector<std::pair<std::string, std::string>> order;  // (rule set, rule id)
    for (const auto& [id, c] : by_rule) {
      auto set = rules->compiled.set_of_rule.find(id);
      order.emplace_back(set == rules->compiled.set_of_rule.end() ? "" : set->second, id);
    }
    std::sort(order.begin(), order.end());
    for (const auto& [set, id] : order) {
      v1::RuleCompliance& w = *out->add_rules();
      w.set_rule_set(set);
      w.set_rule_id(id);
      w.set_rule_source(sources[id]);
      to_wire(by_rule[id], &w);
    }
    to_wire(total, out->mutable_total());
    return Status::Ok();
  }

  const Clock* const clock_;
  IdGenerator* const ids_;
  const std::shared_ptr<const SchedulingProjection> projection_;
  projection::Engine* const engine_;
  service::ServiceRuntime* const runtime_;
  service::CommandRunner* const runner_;
};

class SchedulingModule final : public service::ServiceModule {
 public:
  std::string name() const override { return "scheduling"; }
  grpc::Service* grpc_service() override { return service_.get(); }
  service::ServiceRuntime& runtime() override { return *runtime_; }
  projection::Engine& engine() override { return *engine_; }

  std::shared_ptr<const SchedulingProjection> projection_;
  std::unique_ptr<projection::Engine> engine_;
  std::unique_ptr<service::ServiceRuntime> runtime_;
  std::unique_ptr<service::CommandRunner> runner_;
  std::unique_ptr<SchedulingServiceImpl> service_;
};

}  // namespace

Result<std::unique_ptr<service::ServiceModule>> OpenSchedulingModule(
    const service::ModuleContext& context) {
  if (context.log == nullptr || context.clock == nullptr || context.ids == nullptr) {
    return InvalidArgument("scheduling: the module needs a log, a clock and ids");
  }
  auto module = std::make_unique<SchedulingModule>();
  module->projection_ = std::make_shared<SchedulingProjection>();
  projection::EngineOptions options;
  options.directory = (context.data_dir / "projection").string();
  TRAPPE_ASSIGN_OR_RETURN(module->engine_,
                          projection::Engine::Open(context.log, module->projection_, options));
  module->runtime_ = std::make_unique<service::ServiceRuntime>(kServiceName, module->engine_.get());
  module->runner_ = std::make_unique<service::CommandRunner>(
      context.log, module->engine_.get(), context.clock, context.ids,
      service::CommandRunnerOptions{.request_family = kRequests});
  module->service_ =
      std::make_unique<SchedulingServiceImpl>(context, module->projection_, module->engine_.get(),
                                              module->runtime_.get(), module->runner_.get());
  return std::unique_ptr<service::ServiceModule>(std::move(module));
}

}  // namespace trappe::scheduling
