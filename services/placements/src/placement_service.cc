// PlacementService over gRPC: validation of every field, the decisions of the write path
// (on the service's own projection), and the queries.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <set>

#include "placements_projection.h"
#include "staircase_figures.h"
#include "trappe/common/log.h"
#include "trappe/common/status_grpc.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/placements/module.h"
#include "trappe/placements/v1/service.grpc.pb.h"
#include "trappe/rules_proto/interventions.h"
#include "trappe/service/command_runner.h"
#include "trappe/service/convert.h"
#include "trappe/service/validate.h"

namespace trappe::placements {
namespace {

using events::v1::EventEnvelope;
using service::Decision;
using service::IsSet;
using service::ToCivilDate;
using service::ToCivilDateOr;
using service::ToProtoDate;

constexpr int kDefaultPageSize = 100;
constexpr std::chrono::seconds kCatchUpBeforeRefusing{5};
constexpr int kMaxPageSize = 1000;

template <typename Request>
service::CommandMeta MetaOf(const Request& request, uint64_t expected_version) {
  return {.tenant = request.tenant(),
          .request_id = request.request_id(),
          .actor = request.actor(),
          .correlation_id = request.correlation_id(),
          .expected_version = expected_version};
}

Status ValidateOptionalText(const std::string& text, std::string_view field) {
  if (text.empty()) return Status::Ok();
  return service::ValidateText(text, field);
}

Status ValidateProvider(const v1::Provider& provider, std::string_view field) {
  TRAPPE_RETURN_IF_ERROR(
      ValidateOptionalText(provider.provider_id(), std::string(field) + ".provider_id"));
  return ValidateOptionalText(provider.name(), std::string(field) + ".name");
}

bool IsPlacementCategory(v1::StepCategory category) {
  return category == v1::STEP_CATEGORY_NETWORK_PLACEMENT ||
         category == v1::STEP_CATEGORY_FOSTER_PLACEMENT ||
         category == v1::STEP_CATEGORY_INSTITUTION_PLACEMENT;
}

// The step `number` of the staircase in force on `date`, or FAILED_PRECONDITION.
Result<v1::StaircaseStep> StepInForce(const std::vector<store::StaircaseVersion>& versions,
                                      int number, CivilDate date) {
  const store::StaircaseVersion* in_force = StaircaseOn(versions, date);
  if (in_force == nullptr) {
    return FailedPrecondition("the municipality has no staircase (it is not registered)");
  }
  for (const v1::StaircaseStep& step : in_force->staircase().steps()) {
    if (step.number() == number) return step;
  }
  return FailedPrecondition("the staircase in force on " + date.ToString() + " has no step " +
                            std::to_string(number));
}

// A placement belongs on a placement step; a step without a category cannot tell.
Status CheckKindFitsStep(bool placement, const v1::StaircaseStep& step) {
  if (placement && step.category() != v1::STEP_CATEGORY_UNSPECIFIED &&
      !IsPlacementCategory(step.category())) {
    return FailedPrecondition("a par. 43 placement cannot sit on step " +
                              std::to_string(step.number()) + " (" + step.name() +
                              "), which is not a placement step");
  }
  return Status::Ok();
}

Result<store::CaseRecord> OpenCase(const projection::ReadView& view, std::string_view tenant,
                                   std::string_view case_id, bool allow_closed = false) {
  TRAPPE_ASSIGN_OR_RETURN(std::optional<store::CaseRecord> record, LoadCase(view, tenant, case_id));
  if (!record || !record->opened()) {
    return NotFound("case " + std::string(case_id) + " not found");
  }
  if (record->closed() && !allow_closed) {
    return FailedPrecondition("case " + std::string(case_id) + " is closed");
  }
  return std::move(*record);
}

EventEnvelope CaseEvent(events::v1::AggregateType type, const std::string& aggregate_id,
                        const std::string& case_id, CivilDate effective) {
  EventEnvelope event;
  event.set_aggregate_type(type);
  event.set_aggregate_id(aggregate_id);
  event.set_case_id(case_id);
  *event.mutable_effective_date() = ToProtoDate(effective);
  return event;
}

class PlacementServiceImpl final : public v1::PlacementService::Service {
 public:
  PlacementServiceImpl(const service::ModuleContext& context, projection::Engine* engine,
                       service::ServiceRuntime* runtime, service::CommandRunner* runner)
      : clock_(context.clock),
        ids_(context.ids),
        engine_(engine),
        runtime_(runtime),
        runner_(runner) {}

  grpc::Status ConfigureStaircase(grpc::ServerContext*, const v1::ConfigureStaircaseRequest* r,
                                  v1::ConfigureStaircaseResponse* out) override {
    return ToGrpcStatus(DoConfigureStaircase(*r, out));
  }
  grpc::Status StartIntervention(grpc::ServerContext*, const v1::StartInterventionRequest* r,
                                 v1::StartInterventionResponse* out) override {
    return ToGrpcStatus(DoStartIntervention(*r, out));
  }
  grpc::Status ChangeIntervention(grpc::ServerContext*, const v1::ChangeInterventionRequest* r,
                                  v1::ChangeInterventionResponse* out) override {
    return ToGrpcStatus(DoChangeIntervention(*r, out));
  }
  grpc::Status EndIntervention(grpc::ServerContext*, const v1::EndInterventionRequest* r,
                               v1::EndInterventionResponse* out) override {
    return ToGrpcStatus(DoEndIntervention(*r, out));
  }
  grpc::Status ApproveChildPlan(grpc::ServerContext*, const v1::ApproveChildPlanRequest* r,
                                v1::ApproveChildPlanResponse* out) override {
    return ToGrpcStatus(DoApproveChildPlan(*r, out));
  }
  grpc::Status GetStaircase(grpc::ServerContext* c, const v1::GetStaircaseRequest* r,
                            v1::GetStaircaseResponse* out) override {
    return ToGrpcStatus(DoGetStaircase(c, *r, out));
  }
  grpc::Status GetTrajectory(grpc::ServerContext* c, const v1::GetTrajectoryRequest* r,
                             v1::GetTrajectoryResponse* out) override {
    return ToGrpcStatus(DoGetTrajectory(c, *r, out));
  }
  grpc::Status GetStaircaseDistribution(grpc::ServerContext* c,
                                        const v1::GetStaircaseDistributionRequest* r,
                                        v1::GetStaircaseDistributionResponse* out) override {
    return ToGrpcStatus(DoGetStaircaseDistribution(c, *r, out));
  }
  grpc::Status GetKeyFigures(grpc::ServerContext* c, const v1::GetKeyFiguresRequest* r,
                             v1::GetKeyFiguresResponse* out) override {
    return ToGrpcStatus(DoGetKeyFigures(c, *r, out));
  }
  grpc::Status ListActiveInterventions(grpc::ServerContext* c,
                                       const v1::ListActiveInterventionsRequest* r,
                                       v1::ListActiveInterventionsResponse* out) override {
    return ToGrpcStatus(DoListActiveInterventions(c, *r, out));
  }

 private:
  CivilDate Today() const { return CopenhagenDate(clock_->Now()); }

  template <typename Request>
  Result<std::shared_ptr<const projection::ReadView>> QueryView(grpc::ServerContext* context,
                                                                const Request& r) const {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(r.tenant()));
    TRAPPE_RETURN_IF_ERROR(runtime_->AwaitPositions(r.min_positions(), context));
    return engine_->Snapshot();
  }

  // ---- commands ----

  Status DoConfigureStaircase(const v1::ConfigureStaircaseRequest& r,
                              v1::ConfigureStaircaseResponse* out) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    const service::CommandMeta meta = MetaOf(r, r.expected_version());
    TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
    if (!r.has_staircase()) return InvalidArgument("staircase", "is required");
    if (Status s = rules::ValidateStaircase(ToRulesStaircase(r.staircase())); !s.ok()) {
      return InvalidArgument("staircase." + s.message());
    }
    for (int i = 0; i < r.staircase().steps_size(); ++i) {
      const v1::StaircaseStep& step = r.staircase().steps(i);
      const std::string field = "staircase.steps[" + std::to_string(i) + "]";
      TRAPPE_RETURN_IF_ERROR(service::ValidateText(step.name(), field + ".name"));
      if (!v1::StepCategory_IsValid(step.category())) {
        return InvalidArgument(field + ".category", "is not a known category");
      }
    }
    // A staircase may be configured ahead of the date it takes effect.
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate from,
                            ToCivilDateOr(r.effective_from(), "effective_from", Today()));
    const std::string tenant = r.tenant();
    TRAPPE_ASSIGN_OR_RETURN(
        const service::CommandOutcome outcome,
        runner_->Run(meta, "staircase", [&](const projection::ReadView& view) -> Result<Decision> {
          TRAPPE_ASSIGN_OR_RETURN(const auto versions, LoadStaircases(view, tenant));
          if (versions.empty()) {
            return NotFound("municipality " + tenant + " is not registered");
          }
          TRAPPE_ASSIGN_OR_RETURN(const uint64_t version, StaircaseAggregateVersion(view, tenant));
          Decision decision{.current_version = version};
          EventEnvelope& event = decision.events.emplace_back();
          event.set_aggregate_type(events::v1::AGGREGATE_TYPE_STAIRCASE);
          event.set_aggregate_id(tenant);
          *event.mutable_effective_date() = ToProtoDate(from);
          auto* p = event.mutable_staircase_configured();
          *p->mutable_staircase() = r.staircase();
          *p->mutable_effective_from() = ToProtoDate(from);
          return decision;
        }));
    service::FillWriteResponse(outcome, out);
    return Status::Ok();
  }

  Status DoStartIntervention(const v1::StartInterventionRequest& r,
                             v1::StartInterventionResponse* out) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    const service::CommandMeta meta = MetaOf(r, 0);
    TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
    if (r.step_number() < 1) return InvalidArgument("step_number", "must be 1 or more");
    const std::optional<rules::InterventionKind> kind = rules_proto::InterventionKindOf(r.kind());
    if (!kind) {
      return InvalidArgument("kind",
                             "is required: a par. 32 support type or a par. 43 placement type");
    }
    const bool placement = r.kind().kind_case() == v1::InterventionKind::kPlacement;
    TRAPPE_RETURN_IF_ERROR(ValidateProvider(r.provider(), "provider"));
    const CivilDate today = Today();
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate start,
                            ToCivilDateOr(r.start_date(), "start_date", today));
    TRAPPE_RETURN_IF_ERROR(service::ValidateNotFuture(start, today, "start_date"));
    std::optional<CivilDate> planned_end;
    if (IsSet(r.planned_end_date())) {
      TRAPPE_ASSIGN_OR_RETURN(planned_end, ToCivilDate(r.planned_end_date(), "planned_end_date"));
      if (*planned_end <= start) {
        return InvalidArgument(
            "planned_end_date",
            planned_end->ToString() + " is not after start_date " + start.ToString());
      }
    } else if (!placement) {
      return InvalidArgument("planned_end_date",
                             "is required for a par. 32 support (the decision states its "
                             "expected duration)");
    } else if (r.intensive()) {
      return InvalidArgument("planned_end_date",
                             "is required for an intensive, time-limited placement");
    }
    if (r.monthly_cost_oere() < 0) {
      return InvalidArgument("monthly_cost_oere", "must not be negative");
    }
    if (!v1::ConsentBasis_IsValid(r.consent_basis())) {
      return InvalidArgument("consent_basis", "is not a known consent basis");
    }
    if (placement && r.consent_basis() == v1::CONSENT_BASIS_UNSPECIFIED) {
      return InvalidArgument("consent_basis",
                             "is required for a placement (par. 46 with consent or par. 47 "
                             "without)");
    }
    TRAPPE_RETURN_IF_ERROR(ValidateOptionalText(r.purpose(), "purpose"));

    const std::string tenant = r.tenant();
    const std::string case_id = r.case_id();
    CatchUpUnlessCaseOpen(tenant, case_id);
    TRAPPE_ASSIGN_OR_RETURN(
        const service::CommandOutcome outcome,
        runner_->Run(meta, "case:" + case_id,
                     [&](const projection::ReadView& view) -> Result<Decision> {
                       TRAPPE_ASSIGN_OR_RETURN(const store::CaseRecord record,
                                               OpenCase(view, tenant, case_id));
                       TRAPPE_ASSIGN_OR_RETURN(const auto versions, LoadStaircases(view, tenant));
                       TRAPPE_ASSIGN_OR_RETURN(const v1::StaircaseStep step,
                                               StepInForce(versions, r.step_number(), start));
                       TRAPPE_RETURN_IF_ERROR(CheckKindFitsStep(placement, step));
                       if (placement)
                         TRAPPE_RETURN_IF_ERROR(CheckNoOtherPlacement(view, tenant, record, start));

                       const std::string id = ids_->NewId();
                       Decision decision{.current_version = 0};
                       EventEnvelope& event = decision.events.emplace_back(
                           CaseEvent(events::v1::AGGREGATE_TYPE_INTERVENTION, id, case_id, start));
                       auto* p = event.mutable_intervention_started();
                       p->set_intervention_id(id);
                       p->set_case_id(case_id);
                       p->set_child_id(record.child_id());
                       p->set_step_number(r.step_number());
                       *p->mutable_kind() = r.kind();
                       *p->mutable_provider() = r.provider();
                       *p->mutable_start_date() = ToProtoDate(start);
                       if (planned_end) *p->mutable_planned_end_date() = ToProtoDate(*planned_end);
                       p->set_intensive(r.intensive());
                       p->set_monthly_cost_oere(r.monthly_cost_oere());
                       p->set_consent_basis(r.consent_basis());
                       p->set_purpose(r.purpose());
                       *p->mutable_step() = step;
                       return decision;
                     }));
    service::FillWriteResponse(outcome, out);
    out->set_intervention_id(outcome.aggregate_id);
    return Status::Ok();
  }

  // One child, one placement at a time: a new placement (open-ended when it starts) may not
  // overlap another placement of the child, in any of the child's cases.
  Status CheckNoOtherPlacement(const projection::ReadView& view, const std::string& tenant,
                               const store::CaseRecord& record, CivilDate start) const {
    std::vector<std::string> cases = {record.case_id()};
    if (!record.child_id().empty()) {
      TRAPPE_ASSIGN_OR_RETURN(cases, CasesOfChild(view, tenant, record.child_id()));
    }
    for (const std::string& case_id : cases) {
      store::CaseRecord other;
      if (case_id == record.case_id()) {
        other = record;
      } else {
        TRAPPE_ASSIGN_OR_RETURN(std::optional<store::CaseRecord> loaded,
                                LoadCase(view, tenant, case_id));
        if (!loaded) continue;
        other = std::move(*loaded);
      }
      for (const store::InterventionRecord& iv : other.interventions()) {
        if (iv.started().kind().kind_case() != v1::InterventionKind::kPlacement) continue;
        if (iv.has_ended() && DateOf(iv.ended().end_date()) < start) continue;  // its last day
        return FailedPrecondition("the child already has a placement (" +
                                  iv.started().intervention_id() + ", from " +
                                  DateOf(iv.started().start_date()).ToString() + ") on " +
                                  start.ToString() + "; end it first");
      }
    }
    return Status::Ok();
  }

  // A case opened or reopened through the cases service a moment ago (or an intervention
  // written by another instance) may not have reached this projection yet: commands carry
  // no min_positions, so before refusing, catch up with the log's end as of now.
  void CatchUpBeforeRefusing() const {
    const Status caught_up =
        engine_->CatchUp(std::chrono::steady_clock::now() + kCatchUpBeforeRefusing);
    if (!caught_up.ok()) {
      log::Warn("placements.catch_up_before_refusing", {{"error", caught_up.ToString()}});
    }
  }

  void CatchUpUnlessCaseOpen(const std::string& tenant, const std::string& case_id) const {
    const auto record = LoadCase(*engine_->Snapshot(), tenant, case_id);
    if (record.ok() && record->has_value() && (*record)->opened() && !(*record)->closed()) return;
    CatchUpBeforeRefusing();
  }

  // The case an intervention belongs to (NOT_FOUND when unknown).
  Result<std::string> CaseOf(const std::string& tenant, const std::string& intervention_id) {
    TRAPPE_ASSIGN_OR_RETURN(std::optional<std::string> case_id,
                            CaseOfIntervention(*engine_->Snapshot(), tenant, intervention_id));
    if (!case_id) {
      CatchUpBeforeRefusing();
      TRAPPE_ASSIGN_OR_RETURN(case_id,
                              CaseOfIntervention(*engine_->Snapshot(), tenant, intervention_id));
    }
    if (!case_id) return NotFound("intervention " + intervention_id + " not found");
    return *case_id;
  }

  Status DoChangeIntervention(const v1::ChangeInterventionRequest& r,
                              v1::ChangeInterventionResponse* out) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    const service::CommandMeta meta = MetaOf(r, r.expected_version());
    TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.intervention_id(), "intervention_id"));
    if (!r.has_step_number() && !r.has_provider() && !r.has_monthly_cost_oere() &&
        !IsSet(r.planned_end_date()) && !r.has_intensive() &&
        r.consent_basis() == v1::CONSENT_BASIS_UNSPECIFIED) {
      return InvalidArgument("intervention_id",
                             "a change needs at least one of step_number, provider, "
                             "monthly_cost_oere, planned_end_date, intensive, consent_basis");
    }
    if (r.has_step_number() && r.step_number() < 1) {
      return InvalidArgument("step_number", "must be 1 or more");
    }
    if (r.has_provider()) TRAPPE_RETURN_IF_ERROR(ValidateProvider(r.provider(), "provider"));
    if (r.has_monthly_cost_oere() && r.monthly_cost_oere() < 0) {
      return InvalidArgument("monthly_cost_oere", "must not be negative");
    }
    if (!v1::ConsentBasis_IsValid(r.consent_basis())) {
      return InvalidArgument("consent_basis", "is not a known consent basis");
    }
    std::optional<CivilDate> planned_end;
    if (IsSet(r.planned_end_date())) {
      TRAPPE_ASSIGN_OR_RETURN(planned_end, ToCivilDate(r.planned_end_date(), "planned_end_date"));
    }
    const CivilDate today = Today();
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate effective,
                            ToCivilDateOr(r.effective_date(), "effective_date", today));
    TRAPPE_RETURN_IF_ERROR(service::ValidateNotFuture(effective, today, "effective_date"));
    TRAPPE_RETURN_IF_ERROR(ValidateOptionalText(r.reason(), "reason"));
    const std::string tenant = r.tenant();
    TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(tenant));
    TRAPPE_ASSIGN_OR_RETURN(const std::string case_id, CaseOf(tenant, r.intervention_id()));

    TRAPPE_ASSIGN_OR_RETURN(
        const service::CommandOutcome outcome,
        runner_->Run(
            meta, "case:" + case_id, [&](const projection::ReadView& view) -> Result<Decision> {
              TRAPPE_ASSIGN_OR_RETURN(store::CaseRecord record, OpenCase(view, tenant, case_id));
              store::InterventionRecord* iv = FindIntervention(record, r.intervention_id());
              if (iv == nullptr)
                return NotFound("intervention " + r.intervention_id() + " not found");
              if (iv->has_ended()) {
                return FailedPrecondition("intervention " + r.intervention_id() + " ended on " +
                                          DateOf(iv->ended().end_date()).ToString());
              }
              const CivilDate start = DateOf(iv->started().start_date());
              if (effective < start) {
                return InvalidArgument("effective_date",
                                       effective.ToString() +
                                           " is before the intervention's start " +
                                           start.ToString());
              }
              if (planned_end && *planned_end <= start) {
                return InvalidArgument(
                    "planned_end_date",
                    planned_end->ToString() + " is not after the start " + start.ToString());
              }
              const bool has_planned_end =
                  planned_end || IsSet(iv->started().planned_end_date()) ||
                  std::any_of(iv->changes().begin(), iv->changes().end(),
                              [](const auto& c) { return IsSet(c.planned_end_date()); });
              if (r.has_intensive() && r.intensive() && !has_planned_end) {
                return InvalidArgument("planned_end_date",
                                       "is required for an intensive, time-limited placement");
              }
              Decision decision{.current_version = iv->version()};
              EventEnvelope& event =
                  decision.events.emplace_back(CaseEvent(events::v1::AGGREGATE_TYPE_INTERVENTION,
                                                         r.intervention_id(), case_id, effective));
              auto* p = event.mutable_intervention_changed();
              p->set_intervention_id(r.intervention_id());
              p->set_case_id(case_id);
              if (r.has_step_number()) {
                TRAPPE_ASSIGN_OR_RETURN(const auto versions, LoadStaircases(view, tenant));
                TRAPPE_ASSIGN_OR_RETURN(const v1::StaircaseStep step,
                                        StepInForce(versions, r.step_number(), effective));
                TRAPPE_RETURN_IF_ERROR(CheckKindFitsStep(
                    iv->started().kind().kind_case() == v1::InterventionKind::kPlacement, step));
                p->set_step_number(r.step_number());
                *p->mutable_step() = step;
              }
              if (r.has_provider()) *p->mutable_provider() = r.provider();
              if (r.has_monthly_cost_oere()) p->set_monthly_cost_oere(r.monthly_cost_oere());
              if (planned_end) *p->mutable_planned_end_date() = ToProtoDate(*planned_end);
              if (r.has_intensive()) p->set_intensive(r.intensive());
              p->set_consent_basis(r.consent_basis());
              *p->mutable_effective_date() = ToProtoDate(effective);
              p->set_reason(r.reason());
              return decision;
            }));
    service::FillWriteResponse(outcome, out);
    return Status::Ok();
  }

  Status DoEndIntervention(const v1::EndInterventionRequest& r, v1::EndInterventionResponse* out) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    const service::CommandMeta meta = MetaOf(r, r.expected_version());
    TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.intervention_id(), "intervention_id"));
    const CivilDate today = Today();
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate end, ToCivilDateOr(r.end_date(), "end_date", today));
    TRAPPE_RETURN_IF_ERROR(service::ValidateNotFuture(end, today, "end_date"));
    if (r.reason() == v1::END_REASON_UNSPECIFIED || !v1::EndReason_IsValid(r.reason())) {
      return InvalidArgument("reason", "is required");
    }
    TRAPPE_RETURN_IF_ERROR(ValidateOptionalText(r.reason_text(), "reason_text"));
    if (r.destination() == v1::DESTINATION_UNSPECIFIED ||
        !v1::Destination_IsValid(r.destination())) {
      return InvalidArgument("destination", "is required");
    }
    if (r.destination() == v1::DESTINATION_STEP && r.destination_step_number() < 1) {
      return InvalidArgument("destination_step_number",
                             "is required (1 or more) with DESTINATION_STEP");
    }
    if (r.destination() != v1::DESTINATION_STEP && r.destination_step_number() != 0) {
      return InvalidArgument("destination_step_number", "is only given with DESTINATION_STEP");
    }
    const std::string tenant = r.tenant();
    TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(tenant));
    TRAPPE_ASSIGN_OR_RETURN(const std::string case_id, CaseOf(tenant, r.intervention_id()));

    TRAPPE_ASSIGN_OR_RETURN(
        const service::CommandOutcome outcome,
        runner_->Run(
            meta, "case:" + case_id, [&](const projection::ReadView& view) -> Result<Decision> {
              // Ending what a closed case left running is allowed: it tidies the record.
              TRAPPE_ASSIGN_OR_RETURN(store::CaseRecord record,
                                      OpenCase(view, tenant, case_id, /*allow_closed=*/true));
              store::InterventionRecord* iv = FindIntervention(record, r.intervention_id());
              if (iv == nullptr)
                return NotFound("intervention " + r.intervention_id() + " not found");
              if (iv->has_ended()) {
                return FailedPrecondition("intervention " + r.intervention_id() +
                                          " already ended on " +
                                          DateOf(iv->ended().end_date()).ToString());
              }
              const CivilDate start = DateOf(iv->started().start_date());
              if (end < start) {
                return InvalidArgument(
                    "end_date",
                    end.ToString() + " is before the intervention's start " + start.ToString());
              }
              Decision decision{.current_version = iv->version()};
              EventEnvelope& event = decision.events.emplace_back(CaseEvent(
                  events::v1::AGGREGATE_TYPE_INTERVENTION, r.intervention_id(), case_id, end));
              auto* p = event.mutable_intervention_ended();
              p->set_intervention_id(r.intervention_id());
              p->set_case_id(case_id);
              *p->mutable_end_date() = ToProtoDate(end);
              p->set_reason(r.reason());
              p->set_reason_text(r.reason_text());
              p->set_destination(r.destination());
              p->set_destination_step_number(r.destination_step_number());
              return decision;
            }));
    service::FillWriteResponse(outcome, out);
    return Status::Ok();
  }

  Status DoApproveChildPlan(const v1::ApproveChildPlanRequest& r,
                            v1::ApproveChildPlanResponse* out) {
    TRAPPE_RETURN_IF_ERROR(runtime_->CheckReady());
    const service::CommandMeta meta = MetaOf(r, r.expected_version());
    TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
    const CivilDate today = Today();
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate approved,
                            ToCivilDateOr(r.approved_on(), "approved_on", today));
    TRAPPE_RETURN_IF_ERROR(service::ValidateNotFuture(approved, today, "approved_on"));
    for (int i = 0; i < r.intervention_ids_size(); ++i) {
      TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.intervention_ids(i),
                                                 "intervention_ids[" + std::to_string(i) + "]"));
    }
    TRAPPE_RETURN_IF_ERROR(ValidateOptionalText(r.note(), "note"));
    const std::string tenant = r.tenant();
    const std::string case_id = r.case_id();
    CatchUpUnlessCaseOpen(tenant, case_id);
    TRAPPE_ASSIGN_OR_RETURN(
        const service::CommandOutcome outcome,
        runner_->Run(
            meta, "case:" + case_id, [&](const projection::ReadView& view) -> Result<Decision> {
              TRAPPE_ASSIGN_OR_RETURN(store::CaseRecord record, OpenCase(view, tenant, case_id));
              for (const std::string& id : r.intervention_ids()) {
                if (FindIntervention(record, id) == nullptr) {
                  return NotFound("intervention " + id + " is not an intervention of case " +
                                  case_id);
                }
              }
              Decision decision{.current_version = record.plan_version()};
              EventEnvelope& event = decision.events.emplace_back(
                  CaseEvent(events::v1::AGGREGATE_TYPE_CHILD_PLAN, case_id, case_id, approved));
              auto* p = event.mutable_child_plan_approved();
              p->set_case_id(case_id);
              *p->mutable_approved_on() = ToProtoDate(approved);
              *p->mutable_intervention_ids() = r.intervention_ids();
              p->set_note(r.note());
              return decision;
            }));
    service::FillWriteResponse(outcome, out);
    return Status::Ok();
  }

  // ---- queries ----

  Status DoGetStaircase(grpc::ServerContext* c, const v1::GetStaircaseRequest& r,
                        v1::GetStaircaseResponse* out) {
    TRAPPE_ASSIGN_OR_RETURN(const auto view, QueryView(c, r));
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate as_of, ToCivilDateOr(r.as_of(), "as_of", Today()));
    TRAPPE_ASSIGN_OR_RETURN(const auto versions, LoadStaircases(*view, r.tenant()));
    const store::StaircaseVersion* in_force = StaircaseOn(versions, as_of);
    if (in_force == nullptr) return NotFound("municipality " + r.tenant() + " is not registered");
    *out->mutable_staircase() = in_force->staircase();
    *out->mutable_effective_from() = in_force->effective_from();
    TRAPPE_ASSIGN_OR_RETURN(const uint64_t version, StaircaseAggregateVersion(*view, r.tenant()));
    out->set_version(version);
    return Status::Ok();
  }

  Status DoGetTrajectory(grpc::ServerContext* c, const v1::GetTrajectoryRequest& r,
                         v1::GetTrajectoryResponse* out) {
    TRAPPE_ASSIGN_OR_RETURN(const auto view, QueryView(c, r));
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate as_of, ToCivilDateOr(r.as_of(), "as_of", Today()));
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<store::CaseRecord> record,
                            LoadCase(*view, r.tenant(), r.case_id()));
    if (!record) return NotFound("case " + r.case_id() + " not found");
    const CaseFacts case_facts = FactsOf(*record);
    out->set_case_id(r.case_id());
    out->set_child_id(record->child_id());
    out->set_current_step(rules::CurrentStep(case_facts.rules, as_of));
    for (v1::StepChange& change : CaseTrajectory(case_facts, as_of)) {
      *out->add_changes() = std::move(change);
    }
    std::vector<InterventionFacts> facts = case_facts.facts;
    std::sort(facts.begin(), facts.end(), [](const auto& a, const auto& b) {
      return std::tie(a.rules().started_on, a.rules().id) <
             std::tie(b.rules().started_on, b.rules().id);
    });
    for (const InterventionFacts& f : facts)
      *out->add_interventions() = ToApiIntervention(f, as_of);
    return Status::Ok();
  }

  Status DoGetStaircaseDistribution(grpc::ServerContext* c,
                                    const v1::GetStaircaseDistributionRequest& r,
                                    v1::GetStaircaseDistributionResponse* out) {
    TRAPPE_ASSIGN_OR_RETURN(const auto view, QueryView(c, r));
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate as_of, ToCivilDateOr(r.as_of(), "as_of", Today()));
    if (!r.team_id().empty()) TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.team_id(), "team_id"));
    TRAPPE_ASSIGN_OR_RETURN(const auto versions, LoadStaircases(*view, r.tenant()));
    const store::StaircaseVersion* in_force = StaircaseOn(versions, as_of);
    if (in_force == nullptr) return NotFound("municipality " + r.tenant() + " is not registered");
    DistributionBuilder builder(as_of, r.team_id());
    TRAPPE_RETURN_IF_ERROR(ForEachTimeline(*view, r.tenant(), [&](std::string_view timeline) {
      return builder.AddTimeline(timeline);
    }));
    *out->mutable_as_of() = ToProtoDate(as_of);
    for (v1::StepCount& step : builder.Finish(in_force->staircase())) {
      *out->add_steps() = std::move(step);
    }
    return Status::Ok();
  }

  Status DoGetKeyFigures(grpc::ServerContext* c, const v1::GetKeyFiguresRequest& r,
                         v1::GetKeyFiguresResponse* out) {
    TRAPPE_ASSIGN_OR_RETURN(const auto view, QueryView(c, r));
    if (!r.has_period()) return InvalidArgument("period", "is required");
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate first,
                            ToCivilDate(r.period().start_date(), "period.start_date"));
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate last,
                            ToCivilDate(r.period().end_date(), "period.end_date"));
    if (last < first) {
      return InvalidArgument("period.end_date",
                             last.ToString() + " is before period.start_date " + first.ToString());
    }
    if (!r.team_id().empty()) TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.team_id(), "team_id"));
    KeyFiguresBuilder builder(first, last, r.team_id());
    Status added;
    TRAPPE_RETURN_IF_ERROR(ForEachCase(*view, r.tenant(), [&](const store::CaseRecord& record) {
      if (added.ok()) added = builder.Add(record);
    }));
    TRAPPE_RETURN_IF_ERROR(added);
    *out->mutable_key_figures() = builder.Finish();
    return Status::Ok();
  }

  Status DoListActiveInterventions(grpc::ServerContext* c,
                                   const v1::ListActiveInterventionsRequest& r,
                                   v1::ListActiveInterventionsResponse* out) {
    TRAPPE_ASSIGN_OR_RETURN(const auto view, QueryView(c, r));
    TRAPPE_ASSIGN_OR_RETURN(const CivilDate as_of, ToCivilDateOr(r.as_of(), "as_of", Today()));
    if (!r.case_id().empty()) TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
    if (r.step_number() < 0) return InvalidArgument("step_number", "must not be negative");
    int page_size = r.page().page_size();
    if (page_size < 0) return InvalidArgument("page.page_size", "must not be negative");
    if (page_size == 0) page_size = kDefaultPageSize;
    page_size = std::min(page_size, kMaxPageSize);
    int64_t offset = 0;
    if (!r.page().page_token().empty()) {
      const std::string& token = r.page().page_token();
      if (token.size() > 12 || !std::all_of(token.begin(), token.end(), [](unsigned char ch) {
            return ch >= '0' && ch <= '9';
          })) {
        return InvalidArgument("page.page_token", "is not a token this service returned");
      }
      offset = std::stoll(token);
    }

    std::vector<v1::Intervention> found;
    auto collect = [&](const store::CaseRecord& record) {
      const CaseFacts case_facts = FactsOf(record);
      for (const InterventionFacts& f : case_facts.facts) {
        if (!rules::IsActiveOn(f.rules(), as_of)) continue;
        if (r.placements_only() && !f.IsPlacement()) continue;
        if (r.step_number() != 0 && rules::TermsOn(f.rules(), as_of).step != r.step_number()) {
          continue;
        }
        found.push_back(ToApiIntervention(f, as_of));
      }
    };
    if (!r.case_id().empty()) {
      TRAPPE_ASSIGN_OR_RETURN(const std::optional<store::CaseRecord> record,
                              LoadCase(*view, r.tenant(), r.case_id()));
      if (!record) return NotFound("case " + r.case_id() + " not found");
      collect(*record);
    } else {
      TRAPPE_RETURN_IF_ERROR(ForEachCase(*view, r.tenant(), collect));
    }
    std::sort(found.begin(), found.end(), [](const v1::Intervention& a, const v1::Intervention& b) {
      const CivilDate da = DateOf(a.start_date());
      const CivilDate db = DateOf(b.start_date());
      return da != db ? da < db : a.intervention_id() < b.intervention_id();
    });
    const int64_t total = static_cast<int64_t>(found.size());
    for (int64_t i = offset; i < total && i < offset + page_size; ++i) {
      *out->add_interventions() = std::move(found[static_cast<size_t>(i)]);
    }
    out->mutable_page()->set_total_size(total);
    if (offset + page_size < total) {
      out->mutable_page()->set_next_page_token(std::to_string(offset + page_size));
    }
    return Status::Ok();
  }

  const Clock* const clock_;
  IdGenerator* const ids_;
  projection::Engine* const engine_;
  service::ServiceRuntime* const runtime_;
  service::CommandRunner* const runner_;
};

class PlacementsModule final : public service::ServiceModule {
 public:
  PlacementsModule(const service::ModuleContext& context,
                   std::unique_ptr<projection::Engine> engine)
      : engine_(std::move(engine)),
        runner_(context.log, engine_.get(), context.clock, context.ids,
                service::CommandRunnerOptions{.request_family = kRequestsFamily}),
        runtime_(kPlacementServiceName, engine_.get()),
        service_(context, engine_.get(), &runtime_, &runner_) {}

  std::string name() const override { return "placements"; }
  grpc::Service* grpc_service() override { return &service_; }
  service::ServiceRuntime& runtime() override { return runtime_; }
  projection::Engine& engine() override { return *engine_; }

 private:
  // Destroyed in reverse: the service and runtime stop before the engine goes.
  std::unique_ptr<projection::Engine> engine_;
  service::CommandRunner runner_;
  service::ServiceRuntime runtime_;
  PlacementServiceImpl service_;
};

}  // namespace

Result<std::unique_ptr<service::ServiceModule>> OpenPlacementsModule(
    const service::ModuleContext& context) {
  if (context.log == nullptr || context.clock == nullptr || context.ids == nullptr) {
    return InvalidArgument("placements: the module context needs a log, a clock and ids");
  }
  TRAPPE_ASSIGN_OR_RETURN(
      std::unique_ptr<projection::Engine> engine,
      projection::Engine::Open(context.log, std::make_shared<PlacementsProjection>(),
                               {.directory = (context.data_dir / "projection").string()}));
  return std::unique_ptr<service::ServiceModule>(new PlacementsModule(context, std::move(engine)));
}

}  // namespace trappe::placements
