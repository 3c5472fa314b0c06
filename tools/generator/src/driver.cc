#include "trappe/generator/driver.h"

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <thread>
#include <vector>

#include "trappe/cases/v1/service.grpc.pb.h"
#include "trappe/common/status_grpc.h"
#include "trappe/placements/v1/service.grpc.pb.h"
#include "trappe/scheduling/v1/service.grpc.pb.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::generator {
namespace {

namespace cv1 = cases::v1;
namespace pv1 = placements::v1;
namespace sv1 = scheduling::v1;
namespace wv1 = workload::v1;
using Positions = google::protobuf::RepeatedPtrField<common::v1::LogPosition>;

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : cases(cv1::CaseService::NewStub(channel)),
        placements(pv1::PlacementService::NewStub(channel)),
        scheduling(sv1::SchedulingService::NewStub(channel)),
        workload(wv1::WorkloadService::NewStub(channel)) {}
  std::unique_ptr<cv1::CaseService::Stub> cases;
  std::unique_ptr<pv1::PlacementService::Stub> placements;
  std::unique_ptr<sv1::SchedulingService::Stub> scheduling;
  std::unique_ptr<wv1::WorkloadService::Stub> workload;
};

// What a command returned: the positions it wrote and the new id it made, if any.
struct Outcome {
  Positions positions;
  std::string new_id;
};

// Calls the RPC of `request` and fills `out`.
grpc::Status Dispatch(Stubs& stubs, grpc::ClientContext* context, const Request& request,
                      Outcome* out) {
  return std::visit(
      [&](const auto& r) -> grpc::Status {
        using R = std::decay_t<decltype(r)>;
        const auto finish = [&](const grpc::Status& status, const auto& response) {
          if (status.ok()) out->positions = response.positions();
          return status;
        };
        if constexpr (std::is_same_v<R, wv1::RegisterMunicipalityRequest>) {
          wv1::RegisterMunicipalityResponse response;
          return finish(stubs.workload->RegisterMunicipality(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, wv1::CreateTeamRequest>) {
          wv1::CreateTeamResponse response;
          return finish(stubs.workload->CreateTeam(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, wv1::RegisterCaseworkerRequest>) {
          wv1::RegisterCaseworkerResponse response;
          return finish(stubs.workload->RegisterCaseworker(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, wv1::ChangeCaseworkerRequest>) {
          wv1::ChangeCaseworkerResponse response;
          return finish(stubs.workload->ChangeCaseworker(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, cv1::OpenCaseRequest>) {
          cv1::OpenCaseResponse response;
          const grpc::Status status = stubs.cases->OpenCase(context, r, &response);
          out->new_id = response.case_id();
          return finish(status, response);
        } else if constexpr (std::is_same_v<R, cv1::RecordReportOfConcernRequest>) {
          cv1::RecordReportOfConcernResponse response;
          const grpc::Status status = stubs.cases->RecordReportOfConcern(context, r, &response);
          out->new_id = response.report_id();
          return finish(status, response);
        } else if constexpr (std::is_same_v<R, cv1::AssessReportOfConcernRequest>) {
          cv1::AssessReportOfConcernResponse response;
          return finish(stubs.cases->AssessReportOfConcern(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, cv1::StartInvestigationRequest>) {
          cv1::StartInvestigationResponse response;
          const grpc::Status status = stubs.cases->StartInvestigation(context, r, &response);
          out->new_id = response.investigation_id();
          return finish(status, response);
        } else if constexpr (std::is_same_v<R, cv1::CompleteInvestigationRequest>) {
          cv1::CompleteInvestigationResponse response;
          return finish(stubs.cases->CompleteInvestigation(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, cv1::AssignCaseworkerRequest>) {
          cv1::AssignCaseworkerResponse response;
          return finish(stubs.cases->AssignCaseworker(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, cv1::UnassignCaseworkerRequest>) {
          cv1::UnassignCaseworkerResponse response;
          return finish(stubs.cases->UnassignCaseworker(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, cv1::AssessWeightRequest>) {
          cv1::AssessWeightResponse response;
          return finish(stubs.cases->AssessWeight(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, cv1::CloseCaseRequest>) {
          cv1::CloseCaseResponse response;
          return finish(stubs.cases->CloseCase(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, cv1::ReopenCaseRequest>) {
          cv1::ReopenCaseResponse response;
          return finish(stubs.cases->ReopenCase(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, pv1::StartInterventionRequest>) {
          pv1::StartInterventionResponse response;
          const grpc::Status status = stubs.placements->StartIntervention(context, r, &response);
          out->new_id = response.intervention_id();
          return finish(status, response);
        } else if constexpr (std::is_same_v<R, pv1::ChangeInterventionRequest>) {
          pv1::ChangeInterventionResponse response;
          return finish(stubs.placements->ChangeIntervention(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, pv1::EndInterventionRequest>) {
          pv1::EndInterventionResponse response;
          return finish(stubs.placements->EndIntervention(context, r, &response), response);
        } else if constexpr (std::is_same_v<R, pv1::ApproveChildPlanRequest>) {
          pv1::ApproveChildPlanResponse response;
          return finish(stubs.placements->ApproveChildPlan(context, r, &response), response);
        } else {
          static_assert(std::is_same_v<R, sv1::RecordFollowUpRequest>);
          sv1::RecordFollowUpResponse response;
          return finish(stubs.scheduling->RecordFollowUp(context, r, &response), response);
        }
      },
      request);
}

using Refs = std::map<std::string, std::string, std::less<>>;

Status ResolveField(std::string* field, const Refs& refs) {
  if (field->empty() || (*field)[0] != '@') return Status::Ok();
  const auto it = refs.find(*field);
  if (it == refs.end()) return Internal("the plan names " + *field + " before a command bound it");
  *field = it->second;
  return Status::Ok();
}

// Replaces the plan's references in a copy of the request by the server's ids.
Status Resolve(Request& request, const Refs& refs) {
  return std::visit(
      [&](auto& r) -> Status {
        using R = std::decay_t<decltype(r)>;
        if constexpr (requires { r.mutable_case_id(); }) {
          TRAPPE_RETURN_IF_ERROR(ResolveField(r.mutable_case_id(), refs));
        }
        if constexpr (requires { r.mutable_report_id(); }) {
          TRAPPE_RETURN_IF_ERROR(ResolveField(r.mutable_report_id(), refs));
        }
        if constexpr (requires { r.mutable_investigation_id(); }) {
          TRAPPE_RETURN_IF_ERROR(ResolveField(r.mutable_investigation_id(), refs));
        }
        if constexpr (requires { r.mutable_intervention_id(); }) {
          TRAPPE_RETURN_IF_ERROR(ResolveField(r.mutable_intervention_id(), refs));
        }
        if constexpr (std::is_same_v<R, pv1::ApproveChildPlanRequest>) {
          for (std::string& id : *r.mutable_intervention_ids()) {
            TRAPPE_RETURN_IF_ERROR(ResolveField(&id, refs));
          }
        }
        return Status::Ok();
      },
      request);
}

bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

class Run {
 public:
  Run(const Plan& plan, const std::shared_ptr<grpc::Channel>& channel, const DriverOptions& options)
      : plan_(plan),
        channel_(channel),
        options_(options),
        started_(std::chrono::steady_clock::now()) {
    for (const ChildPlan& child : plan.children)
      total_ += static_cast<int64_t>(child.commands.size());
    total_ += static_cast<int64_t>(plan.organisation.size());
  }

  Result<RunResult> Execute() {
    Stubs stubs(channel_);
    Refs refs;
    Positions written;
    for (size_t i = 0; i < plan_.organisation.size(); ++i) {
      Outcome outcome;
      Status done = Execute(stubs, plan_.organisation[i], refs, &outcome);
      if (!done.ok()) {
        return done.WithContext(
            Where("the organisation", i, plan_.organisation.size(), plan_.organisation[i]));
      }
      written.MergeFrom(outcome.positions);
    }
    done_ += static_cast<int64_t>(plan_.organisation.size());
    // Every service must have seen the municipality, its teams and caseworkers before the
    // cases start (the staircase and the rules come with the registration).
    TRAPPE_RETURN_IF_ERROR(AwaitEverywhere(stubs, written));
    Report();

    std::vector<std::thread> workers;
    const int n =
        std::max(1, std::min<int>(options_.concurrency, static_cast<int>(plan_.children.size())));
    for (int w = 0; w < n; ++w) workers.emplace_back([this] { Work(); });
    for (std::thread& t : workers) t.join();
    if (!error_.ok()) return error_;
    RunResult result;
    result.commands = done_.load();
    result.children = static_cast<int>(plan_.children.size());
    result.seconds = Seconds();
    result.case_ids = std::move(case_ids_);
    return result;
  }

 private:
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  static std::string Where(const std::string& stream, size_t i, size_t n, const Command& command) {
    return stream + ", command " + std::to_string(i + 1) + " of " + std::to_string(n) + " (" +
           std::string(RpcName(command.request)) + ", request id " + RequestIdOf(command.request) +
           ", effective " + command.effective.ToString() + ")";
  }

  bool IsCancelled() const { return options_.cancel != nullptr && options_.cancel->load(); }

  Status Execute(Stubs& stubs, const Command& command, Refs& refs, Outcome* outcome) {
    Request request = command.request;
    TRAPPE_RETURN_IF_ERROR(Resolve(request, refs));
    grpc::Status status;
    for (int attempt = 0;; ++attempt) {
      if (IsCancelled()) return Cancelled("the run was cancelled");
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
      *outcome = Outcome{};
      status = Dispatch(stubs, &context, request, outcome);
      if (status.ok() || !Retryable(status.error_code()) || attempt >= 4) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200) * (1 << attempt));
    }
    if (!status.ok()) return FromGrpcStatus(status);
    if (!command.binds.empty()) refs[command.binds] = outcome->new_id;
    return Status::Ok();
  }

  // Waits until each service has applied `positions` (read-your-writes across services).
  Status AwaitEverywhere(Stubs& stubs, const Positions& positions) {
    TRAPPE_RETURN_IF_ERROR(AwaitScheduling(stubs, positions));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
    pv1::GetStaircaseRequest staircase;
    staircase.set_tenant(plan_.options.tenant);
    *staircase.mutable_min_positions() = positions;
    pv1::GetStaircaseResponse response;
    const grpc::Status status = stubs.placements->GetStaircase(&context, staircase, &response);
    if (!status.ok())
      return FromGrpcStatus(status).WithContext("waiting for the placements service");
    grpc::ClientContext cases_context;
    cases_context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
    wv1::GetWeightTableRequest weights;
    weights.set_tenant(plan_.options.tenant);
    *weights.mutable_min_positions() = positions;
    wv1::GetWeightTableResponse table;
    const grpc::Status loaded = stubs.workload->GetWeightTable(&cases_context, weights, &table);
    if (!loaded.ok()) return FromGrpcStatus(loaded).WithContext("waiting for the workload service");
    return Status::Ok();
  }

  // The scheduling service learns of a case and its interventions from the log; a follow-up
  // right after them waits until it has (GetRules is its cheapest query).
  Status AwaitScheduling(Stubs& stubs, const Positions& positions) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
    sv1::GetRulesRequest request;
    request.set_tenant(plan_.options.tenant);
    *request.mutable_min_positions() = positions;
    *request.mutable_as_of() = [&] {
      common::v1::Date d;
      d.set_year(plan_.start_date.year());
      d.set_month(plan_.start_date.month());
      d.set_day(plan_.start_date.day());
      return d;
    }();
    sv1::GetRulesResponse response;
    const grpc::Status status = stubs.scheduling->GetRules(&context, request, &response);
    if (!status.ok())
      return FromGrpcStatus(status).WithContext("waiting for the scheduling service");
    return Status::Ok();
  }

  Status RunChild(Stubs& stubs, const ChildPlan& child) {
    Refs refs;
    Positions unseen_by_scheduling;  // case opened, interventions started
    for (size_t i = 0; i < child.commands.size(); ++i) {
      const Command& command = child.commands[i];
      const bool follow_up = std::holds_alternative<sv1::RecordFollowUpRequest>(command.request);
      Status done = Status::Ok();
      if (follow_up && !unseen_by_scheduling.empty()) {
        done = AwaitScheduling(stubs, unseen_by_scheduling);
        unseen_by_scheduling.Clear();
      }
      Outcome outcome;
      if (done.ok()) done = Execute(stubs, command, refs, &outcome);
      if (!done.ok()) {
        return done.WithContext(
            Where("child " + std::to_string(child.index), i, child.commands.size(), command));
      }
      if (std::holds_alternative<cv1::OpenCaseRequest>(command.request) ||
          std::holds_alternative<pv1::StartInterventionRequest>(command.request)) {
        unseen_by_scheduling.MergeFrom(outcome.positions);
      }
      ++done_;
    }
    std::lock_guard lock(mu_);
    case_ids_[child.index] = refs["@case"];
    return Status::Ok();
  }

  void Work() {
    Stubs stubs(channel_);
    for (;;) {
      if (failed_.load() || IsCancelled()) return;
      const size_t i = next_.fetch_add(1);
      if (i >= plan_.children.size()) return;
      Status done = RunChild(stubs, plan_.children[i]);
      if (!done.ok()) {
        std::lock_guard lock(mu_);
        if (error_.ok()) error_ = std::move(done);
        failed_.store(true);
        return;
      }
      ++children_done_;
      Report();
    }
  }

  void Report() {
    if (!options_.on_progress) return;
    std::lock_guard lock(progress_mu_);
    options_.on_progress(Progress{done_.load(), total_, children_done_.load(),
                                  static_cast<int>(plan_.children.size()), Seconds()});
  }

  const Plan& plan_;
  std::shared_ptr<grpc::Channel> channel_;
  const DriverOptions& options_;
  std::chrono::steady_clock::time_point started_;
  int64_t total_ = 0;
  std::atomic<int64_t> done_{0};
  std::atomic<int> children_done_{0};
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;  // guards error_, case_ids_
  Status error_ = Status::Ok();
  std::map<int, std::string> case_ids_;
  std::mutex progress_mu_;
};

}  // namespace

Result<RunResult> RunPlan(const Plan& plan, const std::shared_ptr<grpc::Channel>& channel,
                          const DriverOptions& options) {
  if (!channel) return InvalidArgument("channel", "is required");
  // A plan that names a reference before binding it would stop half-way, after writing
  // the children before; refuse it before the first write.
  TRAPPE_RETURN_IF_ERROR(CheckReferences(plan));
  return Run(plan, channel, options).Execute();
}

}  // namespace trappe::generator
