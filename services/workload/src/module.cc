#include "trappe/workload/module.h"

#include <algorithm>
#include <set>

#include "loads.h"
#include "presets.h"
#include "projection.h"
#include "trappe/common/status_grpc.h"
#include "trappe/projection/engine.h"
#include "trappe/service/command_runner.h"
#include "trappe/service/convert.h"
#include "trappe/service/validate.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::workload {
namespace {

using events::v1::EventEnvelope;
using grpc::ServerContext;
using service::CommandMeta;
using service::Decision;

constexpr int kMaxSeriesPoints = 1000;

// Team and caseworker ids are chosen by the municipality (e.g. a user name): 1-64 bytes
// of letters, digits and . _ - : @ (so they can be parts of a key).
Status ValidateOrgId(std::string_view id, std::string_view field) {
  if (id.empty()) return InvalidArgument(field, "is required");
  if (id.size() > 64) return InvalidArgument(field, "must be at most 64 bytes");
  for (char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == ':' ||
                    ch == '@';
    if (!ok) return InvalidArgument(field, "may contain only letters, digits and . _ - : @");
  }
  return Status::Ok();
}

Status ValidateFte(int32_t fte_milli, std::string_view field) {
  if (fte_milli < 10 || fte_milli > 1000 || fte_milli % 10 != 0) {
    return InvalidArgument(field,
                           "must be 10 to 1000 thousandths in whole per cent (a multiple of 10)");
  }
  return Status::Ok();
}

Status ValidateTarget(int32_t target, std::string_view field) {
  if (target < 0 || target > 10000) return InvalidArgument(field, "must be 0 to 10000 points");
  return Status::Ok();
}

Result<rules::CaseRole> RoleFromProto(cases::v1::CaseworkerRole role, std::string_view field) {
  switch (role) {
    case cases::v1::CASEWORKER_ROLE_UNSPECIFIED:
    case cases::v1::CASEWORKER_ROLE_PRIMARY: return rules::CaseRole::kPrimary;
    case cases::v1::CASEWORKER_ROLE_CO_WORKER: return rules::CaseRole::kCoWorker;
    default: return InvalidArgument(field, "must be a caseworker role");
  }
}

Result<rules::CaseGrade> GradeOfRequest(cases::v1::CaseGrade grade, std::string_view field) {
  if (!cases::v1::CaseGrade_IsValid(grade)) return InvalidArgument(field, "must be a case grade");
  return GradeFromProto(grade);
}

template <typename Request>
CommandMeta MetaOf(const Request& r, uint64_t expected_version = 0) {
  return {.tenant = r.tenant(),
          .request_id = r.request_id(),
          .actor = r.actor(),
          .correlation_id = r.correlation_id(),
          .expected_version = expected_version};
}

class WorkloadServiceImpl final : public v1::WorkloadService::Service {
 public:
  WorkloadServiceImpl(const service::ModuleContext& context, projection::Engine* engine,
                      service::ServiceRuntime* runtime)
      : clock_(context.clock),
        ids_(context.ids),
        engine_(engine),
        runtime_(runtime),
        runner_(context.log, engine, context.clock, context.ids,
                service::CommandRunnerOptions{.request_family = kRequests}) {}

  grpc::Status RegisterMunicipality(ServerContext*, const v1::RegisterMunicipalityRequest* r,
                                    v1::RegisterMunicipalityResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
      TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(MetaOf(*r)));
      TRAPPE_RETURN_IF_ERROR(service::ValidateText(r->name(), "name"));
      TRAPPE_ASSIGN_OR_RETURN(
          const CivilDate from,
          service::ToCivilDateOr(r->effective_from(), "effective_from", Today()));
      const std::vector<std::string> presets(r->presets().begin(), r->presets().end());
      TRAPPE_ASSIGN_OR_RETURN(v1::MunicipalityRegistered event,
                              MunicipalityFromPresets(r->tenant(), r->name(), presets, from));
      const std::string tenant = r->tenant();
      TRAPPE_ASSIGN_OR_RETURN(
          service::CommandOutcome outcome,
          runner_.Run(MetaOf(*r), "municipality",
                      [&](const projection::ReadView& view) -> Result<Decision> {
                        if (ReadMunicipality(view, tenant).ok()) {
                          return AlreadyExists("municipality " + tenant + " is already registered");
                        }
                        Decision d;
                        EventEnvelope& e = d.events.emplace_back();
                        e.set_aggregate_type(events::v1::AGGREGATE_TYPE_MUNICIPALITY);
                        e.set_aggregate_id(tenant);
                        *e.mutable_effective_date() = service::ToProtoDate(from);
                        *e.mutable_municipality_registered() = event;
                        return d;
                      }));
      service::FillWriteResponse(outcome, out);
      return Status::Ok();
    });
  }

  grpc::Status CreateTeam(ServerContext*, const v1::CreateTeamRequest* r,
                          v1::CreateTeamResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
      TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(MetaOf(*r)));
      if (!r->team_id().empty()) TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->team_id(), "team_id"));
      TRAPPE_RETURN_IF_ERROR(service::ValidateText(r->name(), "name"));
      const std::string tenant = r->tenant();
      const std::string team_id = r->team_id().empty() ? ids_->NewId() : r->team_id();
      TRAPPE_ASSIGN_OR_RETURN(
          service::CommandOutcome outcome,
          runner_.Run(MetaOf(*r), "team/" + team_id,
                      [&](const projection::ReadView& view) -> Result<Decision> {
                        TRAPPE_RETURN_IF_ERROR(ReadMunicipality(view, tenant).status());
                        TRAPPE_ASSIGN_OR_RETURN(auto existing, ReadTeam(view, tenant, team_id));
                        if (existing) return AlreadyExists("team " + team_id + " already exists");
                        Decision d;
                        EventEnvelope& e = d.events.emplace_back();
                        e.set_aggregate_type(events::v1::AGGREGATE_TYPE_TEAM);
                        e.set_aggregate_id(team_id);
                        *e.mutable_effective_date() = service::ToProtoDate(Today());
                        e.mutable_team_created()->set_team_id(team_id);
                        e.mutable_team_created()->set_name(r->name());
                        return d;
                      }));
      service::FillWriteResponse(outcome, out);
      out->set_team_id(outcome.aggregate_id);
      return Status::Ok();
    });
  }

  grpc::Status RegisterCaseworker(ServerContext*, const v1::RegisterCaseworkerRequest* r,
                                  v1::RegisterCaseworkerResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
      TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(MetaOf(*r)));
      if (!r->caseworker_id().empty()) {
        TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->caseworker_id(), "caseworker_id"));
      }
      TRAPPE_RETURN_IF_ERROR(service::ValidateText(r->display_name(), "display_name"));
      TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->team_id(), "team_id"));
      TRAPPE_RETURN_IF_ERROR(ValidateFte(r->fte_milli(), "fte_milli"));
      if (r->has_target_points_override()) {
        TRAPPE_RETURN_IF_ERROR(
            ValidateTarget(r->target_points_override(), "target_points_override"));
      }
      TRAPPE_ASSIGN_OR_RETURN(const CivilDate start,
                              service::ToCivilDateOr(r->start_date(), "start_date", Today()));
      const std::string tenant = r->tenant();
      const std::string id = r->caseworker_id().empty() ? ids_->NewId() : r->caseworker_id();
      TRAPPE_ASSIGN_OR_RETURN(
          service::CommandOutcome outcome,
          runner_.Run(MetaOf(*r), "caseworker/" + id,
                      [&](const projection::ReadView& view) -> Result<Decision> {
                        TRAPPE_RETURN_IF_ERROR(ReadMunicipality(view, tenant).status());
                        TRAPPE_ASSIGN_OR_RETURN(auto team, ReadTeam(view, tenant, r->team_id()));
                        if (!team) return NotFound("team " + r->team_id() + " does not exist");
                        TRAPPE_ASSIGN_OR_RETURN(
                            const uint64_t version,
                            ReadVersion(view, CaseworkerVersionKey(tenant, id)));
                        if (version > 0)
                          return AlreadyExists("caseworker " + id + " is already registered");
                        Decision d;
                        EventEnvelope& e = d.events.emplace_back();
                        e.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASEWORKER);
                        e.set_aggregate_id(id);
                        *e.mutable_effective_date() = service::ToProtoDate(start);
                        auto* p = e.mutable_caseworker_registered();
                        p->set_caseworker_id(id);
                        p->set_display_name(r->display_name());
                        p->set_team_id(r->team_id());
                        p->set_fte_milli(r->fte_milli());
                        if (r->has_target_points_override())
                          p->set_target_points_override(r->target_points_override());
                        *p->mutable_start_date() = service::ToProtoDate(start);
                        return d;
                      }));
      service::FillWriteResponse(outcome, out);
      out->set_caseworker_id(outcome.aggregate_id);
      return Status::Ok();
    });
  }

  grpc::Status ChangeCaseworker(ServerContext*, const v1::ChangeCaseworkerRequest* r,
                                v1::ChangeCaseworkerResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
      TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(MetaOf(*r, r->expected_version())));
      TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->caseworker_id(), "caseworker_id"));
      if (r->has_team_id()) TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->team_id(), "team_id"));
      if (r->has_fte_milli()) TRAPPE_RETURN_IF_ERROR(ValidateFte(r->fte_milli(), "fte_milli"));
      if (r->has_target_points_override()) {
        TRAPPE_RETURN_IF_ERROR(
            ValidateTarget(r->target_points_override(), "target_points_override"));
      }
      if (r->has_remove_target_override() && !r->remove_target_override()) {
        return InvalidArgument("remove_target_override", "must be true when given");
      }
      if (r->has_display_name())
        TRAPPE_RETURN_IF_ERROR(service::ValidateText(r->display_name(), "display_name"));
      if (!r->reason().empty())
        TRAPPE_RETURN_IF_ERROR(service::ValidateText(r->reason(), "reason", 500));
      std::optional<CivilDate> leaving;
      if (service::IsSet(r->leaving_date())) {
        TRAPPE_ASSIGN_OR_RETURN(leaving, service::ToCivilDate(r->leaving_date(), "leaving_date"));
      }
      if (!r->has_team_id() && !r->has_fte_milli() &&
          r->target_case() == v1::ChangeCaseworkerRequest::TARGET_NOT_SET && !leaving &&
          !r->has_display_name()) {
        return InvalidArgument("caseworker_id",
                               "a change needs at least one of team_id, fte_milli, "
                               "target_points_override, remove_target_override, "
                               "leaving_date, display_name");
      }
      TRAPPE_ASSIGN_OR_RETURN(
          const CivilDate on,
          service::ToCivilDateOr(r->effective_date(), "effective_date", Today()));
      const std::string tenant = r->tenant();
      const std::string id = r->caseworker_id();
      TRAPPE_ASSIGN_OR_RETURN(
          service::CommandOutcome outcome,
          runner_.Run(
              MetaOf(*r, r->expected_version()), "caseworker/" + id,
              [&](const projection::ReadView& view) -> Result<Decision> {
                TRAPPE_ASSIGN_OR_RETURN(auto record, ReadCaseworker(view, tenant, id));
                if (!record) return NotFound("caseworker " + id + " is not registered");
                if (on < record->facts.joined_on) {
                  return InvalidArgument("effective_date",
                                         on.ToString() + " is before the caseworker's start " +
                                             record->facts.joined_on.ToString());
                }
                if (leaving && *leaving < record->facts.joined_on) {
                  return InvalidArgument("leaving_date", leaving->ToString() +
                                                             " is before the caseworker's start " +
                                                             record->facts.joined_on.ToString());
                }
                if (r->has_team_id()) {
                  TRAPPE_ASSIGN_OR_RETURN(auto team, ReadTeam(view, tenant, r->team_id()));
                  if (!team) return NotFound("team " + r->team_id() + " does not exist");
                }
                Decision d;
                TRAPPE_ASSIGN_OR_RETURN(d.current_version,
                                        ReadVersion(view, CaseworkerVersionKey(tenant, id)));
                EventEnvelope& e = d.events.emplace_back();
                e.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASEWORKER);
                e.set_aggregate_id(id);
                *e.mutable_effective_date() = service::ToProtoDate(on);
                auto* p = e.mutable_caseworker_changed();
                p->set_caseworker_id(id);
                if (r->has_team_id()) p->set_team_id(r->team_id());
                if (r->has_fte_milli()) p->set_fte_milli(r->fte_milli());
                if (r->has_target_points_override())
                  p->set_target_points_override(r->target_points_override());
                if (r->has_remove_target_override()) p->set_target_override_removed(true);
                if (leaving) *p->mutable_leaving_date() = service::ToProtoDate(*leaving);
                *p->mutable_effective_date() = service::ToProtoDate(on);
                p->set_reason(r->reason());
                if (r->has_display_name()) p->set_display_name(r->display_name());
                return d;
              }));
      service::FillWriteResponse(outcome, out);
      return Status::Ok();
    });
  }

  grpc::Status ConfigureWeightTable(ServerContext*, const v1::ConfigureWeightTableRequest* r,
                                    v1::ConfigureWeightTableResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
      TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(MetaOf(*r, r->expected_version())));
      if (!r->has_weight_table()) return InvalidArgument("weight_table", "is required");
      TRAPPE_RETURN_IF_ERROR(WeightTableFromProto(r->weight_table(), "weight_table").status());
      TRAPPE_ASSIGN_OR_RETURN(
          const CivilDate from,
          service::ToCivilDateOr(r->effective_from(), "effective_from", Today()));
      const std::string tenant = r->tenant();
      TRAPPE_ASSIGN_OR_RETURN(
          service::CommandOutcome outcome,
          runner_.Run(MetaOf(*r, r->expected_version()), "weight-table",
                      [&](const projection::ReadView& view) -> Result<Decision> {
                        TRAPPE_RETURN_IF_ERROR(ReadMunicipality(view, tenant).status());
                        Decision d;
                        TRAPPE_ASSIGN_OR_RETURN(d.current_version,
                                                ReadVersion(view, WeightsVersionKey(tenant)));
                        EventEnvelope& e = d.events.emplace_back();
                        e.set_aggregate_type(events::v1::AGGREGATE_TYPE_WEIGHT_TABLE);
                        e.set_aggregate_id(tenant);
                        *e.mutable_effective_date() = service::ToProtoDate(from);
                        *e.mutable_weight_table_configured()->mutable_weight_table() =
                            r->weight_table();
                        *e.mutable_weight_table_configured()->mutable_effective_from() =
                            service::ToProtoDate(from);
                        return d;
                      }));
      service::FillWriteResponse(outcome, out);
      return Status::Ok();
    });
  }

  grpc::Status GetWeightTable(ServerContext* context, const v1::GetWeightTableRequest* r,
                              v1::GetWeightTableResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_ASSIGN_OR_RETURN(auto query, BeginQuery(context, *r, r->as_of()));
      TRAPPE_ASSIGN_OR_RETURN(auto tables, ReadWeightTables(*query.view, r->tenant()));
      const WeightTableInForce& t = TableOn(tables, query.date);
      *out->mutable_weight_table() = WeightTableToProto(t.table);
      *out->mutable_effective_from() = service::ToProtoDate(t.effective_from);
      TRAPPE_ASSIGN_OR_RETURN(const uint64_t version,
                              ReadVersion(*query.view, WeightsVersionKey(r->tenant())));
      out->set_version(version);
      return Status::Ok();
    });
  }

  grpc::Status GetCaseworkerLoad(ServerContext* context, const v1::GetCaseworkerLoadRequest* r,
                                 v1::GetCaseworkerLoadResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->caseworker_id(), "caseworker_id"));
      TRAPPE_ASSIGN_OR_RETURN(auto query, BeginQuery(context, *r, r->as_of()));
      TRAPPE_ASSIGN_OR_RETURN(LoadInputs inputs,
                              ReadLoadInputs(*query.view, r->tenant(), Scope::kCaseworker,
                                             r->caseworker_id(), query.date));
      if (inputs.caseworkers.empty() && inputs.case_facts.empty()) {
        TRAPPE_ASSIGN_OR_RETURN(const bool held,
                                HoldsAnyCase(*query.view, r->tenant(), r->caseworker_id()));
        if (!held) {
          return NotFound("caseworker " + r->caseworker_id() +
                          " is not registered and holds no case");
        }
      }
      TRAPPE_ASSIGN_OR_RETURN(const rules::Workload workload, ComputeWorkload(inputs, query.date));
      *out->mutable_load() = CaseworkerLoadOf(workload, inputs, r->caseworker_id(), true);
      return Status::Ok();
    });
  }

  grpc::Status GetTeamLoad(ServerContext* context, const v1::GetTeamLoadRequest* r,
                           v1::GetTeamLoadResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->team_id(), "team_id"));
      TRAPPE_ASSIGN_OR_RETURN(auto query, BeginQuery(context, *r, r->as_of()));
      TRAPPE_ASSIGN_OR_RETURN(auto team, ReadTeam(*query.view, r->tenant(), r->team_id()));
      if (!team) return NotFound("team " + r->team_id() + " does not exist");
      TRAPPE_ASSIGN_OR_RETURN(
          LoadInputs inputs,
          ReadLoadInputs(*query.view, r->tenant(), Scope::kTeam, r->team_id(), query.date));
      TRAPPE_ASSIGN_OR_RETURN(const rules::Workload workload, ComputeWorkload(inputs, query.date));
      *out->mutable_team_load() = ToProtoTeamLoad(
          workload, inputs, TableOn(inputs.tables, query.date).table, *team, r->include_cases());
      return Status::Ok();
    });
  }

  grpc::Status GetLoadSeries(ServerContext* context, const v1::GetLoadSeriesRequest* r,
                             v1::GetLoadSeriesResponse* out) override {
    return Reply([&]() -> Status {
      const bool team = r->subject_case() == v1::GetLoadSeriesRequest::kTeamId;
      if (r->subject_case() == v1::GetLoadSeriesRequest::SUBJECT_NOT_SET) {
        return InvalidArgument("subject", "give caseworker_id or team_id");
      }
      TRAPPE_RETURN_IF_ERROR(team ? ValidateOrgId(r->team_id(), "team_id")
                                  : ValidateOrgId(r->caseworker_id(), "caseworker_id"));
      TRAPPE_ASSIGN_OR_RETURN(const CivilDate start,
                              service::ToCivilDate(r->period().start_date(), "period.start_date"));
      TRAPPE_ASSIGN_OR_RETURN(const CivilDate end,
                              service::ToCivilDate(r->period().end_date(), "period.end_date"));
      if (end < start)
        return InvalidArgument("period.end_date", "must not be before period.start_date");
      if (r->interval() != v1::SERIES_INTERVAL_WEEKLY &&
          r->interval() != v1::SERIES_INTERVAL_MONTHLY) {
        return InvalidArgument("interval",
                               "must be SERIES_INTERVAL_WEEKLY or SERIES_INTERVAL_MONTHLY");
      }
      std::vector<CivilDate> dates;
      for (int64_t i = 0;; ++i) {
        const CivilDate d =
            r->interval() == v1::SERIES_INTERVAL_WEEKLY ? start.AddWeeks(i) : start.AddMonths(i);
        if (end < d) break;
        if (dates.size() == kMaxSeriesPoints) {
          return InvalidArgument("period",
                                 "gives more than " + std::to_string(kMaxSeriesPoints) + " points");
        }
        dates.push_back(d);
      }
      TRAPPE_ASSIGN_OR_RETURN(auto query, BeginQuery(context, *r, r->period().start_date()));
      const std::string& id = team ? r->team_id() : r->caseworker_id();
      std::optional<v1::TeamCreated> team_record;
      if (team) {
        TRAPPE_ASSIGN_OR_RETURN(team_record, ReadTeam(*query.view, r->tenant(), id));
        if (!team_record) return NotFound("team " + id + " does not exist");
      }
      TRAPPE_ASSIGN_OR_RETURN(
          LoadInputs inputs,
          ReadLoadInputs(*query.view, r->tenant(), team ? Scope::kTeam : Scope::kCaseworker, id));
      for (const CivilDate d : dates) {
        TRAPPE_ASSIGN_OR_RETURN(const rules::Workload workload, ComputeWorkload(inputs, d));
        v1::LoadPoint* point = out->add_points();
        *point->mutable_as_of() = service::ToProtoDate(d);
        if (team) {
          const v1::TeamLoad t = ToProtoTeamLoad(workload, inputs, TableOn(inputs.tables, d).table,
                                                 *team_record, false);
          point->set_load_millipoints(t.load_millipoints());
          point->set_target_millipoints(t.target_millipoints());
          point->set_headroom_millipoints(t.headroom_millipoints());
          point->set_case_count(t.case_count());
        } else {
          const v1::CaseworkerLoad l = CaseworkerLoadOf(workload, inputs, id, false);
          point->set_load_millipoints(l.load_millipoints());
          point->set_target_millipoints(l.target_millipoints());
          point->set_headroom_millipoints(l.headroom_millipoints());
          point->set_case_count(l.case_count());
        }
      }
      return Status::Ok();
    });
  }

  grpc::Status SuggestAssignee(ServerContext* context, const v1::SuggestAssigneeRequest* r,
                               v1::SuggestAssigneeResponse* out) override {
    return Reply([&]() -> Status {
      if (!r->team_id().empty()) TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->team_id(), "team_id"));
      TRAPPE_ASSIGN_OR_RETURN(const rules::CaseGrade grade, GradeOfRequest(r->grade(), "grade"));
      TRAPPE_ASSIGN_OR_RETURN(const rules::CaseRole role, RoleFromProto(r->role(), "role"));
      for (int i = 0; i < r->exclude_caseworker_ids_size(); ++i) {
        TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->exclude_caseworker_ids(i),
                                             "exclude_caseworker_ids[" + std::to_string(i) + "]"));
      }
      TRAPPE_ASSIGN_OR_RETURN(auto query, BeginQuery(context, *r, r->as_of()));
      if (!r->team_id().empty()) {
        TRAPPE_ASSIGN_OR_RETURN(auto team, ReadTeam(*query.view, r->tenant(), r->team_id()));
        if (!team) return NotFound("team " + r->team_id() + " does not exist");
      }
      TRAPPE_ASSIGN_OR_RETURN(
          LoadInputs inputs,
          ReadLoadInputs(*query.view, r->tenant(),
                         r->team_id().empty() ? Scope::kMunicipality : Scope::kTeam, r->team_id(),
                         query.date));
      TRAPPE_ASSIGN_OR_RETURN(rules::Workload workload, ComputeWorkload(inputs, query.date));
      const rules::WeightTable& table = TableOn(inputs.tables, query.date).table;
      const std::set<std::string> excluded(r->exclude_caseworker_ids().begin(),
                                           r->exclude_caseworker_ids().end());
      rules::Workload candidates = workload;
      std::erase_if(candidates.caseworkers,
                    [&](const auto& cw) { return excluded.contains(cw.caseworker_id); });
      const rules::CaseWeight new_case = NewCaseWeight(table, grade, query.date);
      TRAPPE_ASSIGN_OR_RETURN(
          const rules::AssigneeSuggestion suggestion,
          rules::SuggestAssignee(table, candidates, new_case, role, r->team_id()));
      if (suggestion.headroom_after < rules::Points()) {
        return FailedPrecondition(
            "no active caseworker" +
            (r->team_id().empty() ? std::string() : " in team " + r->team_id()) +
            " has headroom for the case: " + suggestion.reason);
      }
      out->set_caseworker_id(suggestion.caseworker_id);
      out->set_reason(suggestion.reason);
      *out->mutable_load() = CaseworkerLoadOf(workload, inputs, suggestion.caseworker_id, false);
      out->set_case_millipoints(ToMillipoints(suggestion.share));
      return Status::Ok();
    });
  }

  grpc::Status CheckCapacity(ServerContext* context, const v1::CheckCapacityRequest* r,
                             v1::CheckCapacityResponse* out) override {
    return Reply([&]() -> Status {
      TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r->caseworker_id(), "caseworker_id"));
      TRAPPE_ASSIGN_OR_RETURN(const rules::CaseGrade grade, GradeOfRequest(r->grade(), "grade"));
      TRAPPE_ASSIGN_OR_RETURN(const rules::CaseRole role, RoleFromProto(r->role(), "role"));
      TRAPPE_ASSIGN_OR_RETURN(auto query, BeginQuery(context, *r, r->as_of()));
      TRAPPE_ASSIGN_OR_RETURN(LoadInputs inputs,
                              ReadLoadInputs(*query.view, r->tenant(), Scope::kCaseworker,
                                             r->caseworker_id(), query.date));
      if (inputs.caseworkers.empty())
        return NotFound("caseworker " + r->caseworker_id() + " is not registered");
      TRAPPE_ASSIGN_OR_RETURN(const rules::Workload workload, ComputeWorkload(inputs, query.date));
      const rules::WeightTable& table = TableOn(inputs.tables, query.date).table;
      const rules::CaseworkerLoad* load = workload.Find(r->caseworker_id());
      if (load == nullptr || !load->employed) {
        return FailedPrecondition("caseworker " + r->caseworker_id() + " is not employed on " +
                                  query.date.ToString());
      }
      const rules::CaseWeight new_case = NewCaseWeight(table, grade, query.date);
      const rules::Points share = new_case.points.Percent(role == rules::CaseRole::kPrimary
                                                              ? table.primary_share_percent
                                                              : table.co_worker_share_percent);
      const rules::Points after = load->points + share;
      const int64_t count_after = load->primary_cases + (role == rules::CaseRole::kPrimary ? 1 : 0);
      const bool within_target = after <= load->target;
      const bool within_count = rules::CountStatus(table, load->fte_percent, count_after) !=
                                rules::CaseCountStatus::kAbove;
      out->set_within_target(within_target);
      out->set_within_case_count_guidance(within_count);
      out->set_load_after_millipoints(ToMillipoints(after));
      out->set_target_millipoints(ToMillipoints(load->target));
      out->set_headroom_after_millipoints(ToMillipoints(load->target - after));
      out->set_case_count_after(static_cast<int32_t>(count_after));
      if (!within_target) {
        out->add_warnings(after.ToString() + " points: above the target of " +
                          load->target.ToString());
      }
      if (!within_count) {
        out->add_warnings(
            std::to_string(count_after) + " cases: above the guidance of " +
            rules::Points::Hundredths(table.guidance_max_cases * load->fte_percent).ToString());
      }
      return Status::Ok();
    });
  }

 private:
  struct Query {
    std::shared_ptr<const projection::ReadView> view;
    CivilDate date;
  };

  CivilDate Today() const { return CopenhagenDate(clock_->Now()); }

  template <typename Request>
  Result<Query> BeginQuery(ServerContext* context, const Request& r,
                           const common::v1::Date& as_of) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(r.tenant()));
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate date, service::ToCivilDateOr(as_of, "as_of", Today()));
    TRAPPE_RETURN_IF_ERROR(runtime_->AwaitPositions(r.min_positions(), context));
    return Query{.view = engine_->Snapshot(), .date = date};
  }

  static v1::CaseworkerLoad CaseworkerLoadOf(const rules::Workload& workload,
                                             const LoadInputs& inputs, const std::string& id,
                                             bool with_cases) {
    const rules::WeightTable& table = TableOn(inputs.tables, workload.date).table;
    if (const rules::CaseworkerLoad* load = workload.Find(id)) {
      return ToProtoLoad(workload, *load, inputs, table, with_cases);
    }
    // Not employed on the date and holding nothing: an empty load.
    rules::CaseworkerLoad empty{.caseworker_id = id};
    for (const auto& r : inputs.caseworkers) {
      if (r.facts.id == id) {
        empty.registered = true;
        empty.team_id = r.TeamOn(workload.date);
      }
    }
    return ToProtoLoad(workload, empty, inputs, table, with_cases);
  }

  template <typename Fn>
  static grpc::Status Reply(Fn&& fn) {
    return ToGrpcStatus(fn());
  }

  const Clock* const clock_;
  IdGenerator* const ids_;
  projection::Engine* const engine_;
  service::ServiceRuntime* const runtime_;
  service::CommandRunner runner_;
};

class WorkloadModule final : public service::ServiceModule {
 public:
  WorkloadModule(std::unique_ptr<projection::Engine> engine, const service::ModuleContext& context)
      : engine_(std::move(engine)),
        runtime_(v1::WorkloadService::service_full_name(), engine_.get()),
        service_(context, engine_.get(), &runtime_) {}

  std::string name() const override { return "workload"; }
  grpc::Service* grpc_service() override { return &service_; }
  service::ServiceRuntime& runtime() override { return runtime_; }
  projection::Engine& engine() override { return *engine_; }

 private:
  std::unique_ptr<projection::Engine> engine_;
  service::ServiceRuntime runtime_;
  WorkloadServiceImpl service_;
};

}  // namespace

Result<std::unique_ptr<service::ServiceModule>> OpenWorkloadModule(
    const service::ModuleContext& context) {
  if (context.log == nullptr || context.clock == nullptr || context.ids == nullptr) {
    return InvalidArgument("context", "needs a log, a clock and an id generator");
  }
  TRAPPE_ASSIGN_OR_RETURN(
      auto engine,
      projection::Engine::Open(context.log, std::make_shared<WorkloadProjection>(),
                               {.directory = (context.data_dir / "workload").string()}));
  return std::unique_ptr<service::ServiceModule>(new WorkloadModule(std::move(engine), context));
}

}  // namespace trappe::workload
