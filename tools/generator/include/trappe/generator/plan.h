// The plan of a synthetic municipality: every command, in order, that builds the history of
// N children over Y years (see docs/generator.md).
//
// MakePlan is a pure function of its options: the same options give the same commands,
// byte for byte, on every platform (the random numbers come from std::mt19937_64, whose
// output the C++ standard fixes, through this library's own distribution code). Ids the
// server assigns (case, report, investigation and intervention ids) are references in the
// plan ("@case", "@r1", "@i2"...) that the driver replaces with the server's ids.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "trappe/cases/v1/service.pb.h"
#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/placements/v1/service.pb.h"
#include "trappe/scheduling/v1/service.pb.h"
#include "trappe/workload/v1/service.pb.h"

namespace trappe::generator {

struct PlanOptions {
  uint64_t seed = 1;
  // The municipality code and name; the municipality is registered with the presets
  // national-staircase, barnets-lov, sverigesmodel and default-weights.
  std::string tenant = "0657";
  std::string municipality_name = "Herning";
  int children = 1000;
  int years = 10;
  // The last day of the history (usually today: the server refuses future dates). The
  // history starts `years` years before it.
  CivilDate end_date;
  // Caseworkers employed at any one time; 0: one per 85 children, at least 3.
  int caseworkers = 0;
  // The actor of the organisation's commands (case commands name a caseworker).
  std::string actor = "trappe-generate";
};

// INVALID_ARGUMENT naming the option.
[[nodiscard]] Status ValidatePlanOptions(const PlanOptions& options);

using Request =
    std::variant<workload::v1::RegisterMunicipalityRequest, workload::v1::CreateTeamRequest,
                 workload::v1::RegisterCaseworkerRequest, workload::v1::ChangeCaseworkerRequest,
                 cases::v1::OpenCaseRequest, cases::v1::RecordReportOfConcernRequest,
                 cases::v1::AssessReportOfConcernRequest, cases::v1::StartInvestigationRequest,
                 cases::v1::CompleteInvestigationRequest, cases::v1::AssignCaseworkerRequest,
                 cases::v1::UnassignCaseworkerRequest, cases::v1::AssessWeightRequest,
                 cases::v1::CloseCaseRequest, cases::v1::ReopenCaseRequest,
                 placements::v1::StartInterventionRequest,
                 placements::v1::ChangeInterventionRequest, placements::v1::EndInterventionRequest,
                 placements::v1::ApproveChildPlanRequest, scheduling::v1::RecordFollowUpRequest>;

// One command: a complete request (tenant, request id and actor set), possibly naming
// references that an earlier command of the same stream bound.
struct Command {
  CivilDate effective;  // the day it takes effect (for ordering and progress)
  Request request;
  // The reference the response's new id binds ("@case", "@r1", "@v1", "@i1"), or empty.
  std::string binds;
};

// The RPC's name, e.g. "CaseService.OpenCase".
std::string_view RpcName(const Request& request);
const std::string& RequestIdOf(const Request& request);

// A child's commands, to be executed in order.
struct ChildPlan {
  int index = 0;
  std::vector<Command> commands;
};

// What the plan holds, counted while it was made. Deadline figures are derived with the
// real follow-up rules (libs/rules, presets barnets-lov and sverigesmodel) as of end_date.
struct PlanStats {
  int64_t commands = 0;
  std::map<std::string, int64_t> commands_by_rpc;
  int64_t caseworkers_registered = 0;
  int64_t caseworkers_left = 0;
  int64_t cases_closed = 0;  // closed on end_date
  int64_t cases_reopened = 0;
  int64_t reports_of_concern = 0;
  int64_t investigations = 0;
  int64_t supports_started = 0;
  // Placements started, by par. 43 type (the PlacementType enum's name).
  std::map<std::string, int64_t> placements_by_type;
  int64_t moves_up = 0;
  int64_t moves_down = 0;
  // Deadlines as of end_date, by state.
  int64_t deadlines_met_on_time = 0;
  int64_t deadlines_met_late = 0;
  int64_t deadlines_overdue = 0;  // open, due before end_date
  int64_t deadlines_open = 0;     // open, due on or after end_date
  int64_t deadlines_missed = 0;
  // Follow-ups recorded (RecordFollowUp) and child's plans approved (ApproveChildPlan).
  int64_t follow_ups = 0;
  int64_t plan_approvals = 0;
  // Deadlines of the tracks that follow-ups and plans meet (first follow-up, child
  // conversation, foster family, institution, supervision, plan), by how they were met.
  int64_t follow_up_deadlines_met_on_time = 0;
  int64_t follow_up_deadlines_met_late = 0;
};

struct Plan {
  PlanOptions options;
  CivilDate start_date;  // the first day of the history (the municipality's registration)
  std::vector<std::string> team_ids;
  // Caseworkers employed on end_date (ids).
  std::vector<std::string> caseworkers_at_end;
  // The organisation's commands, executed before any child's.
  std::vector<Command> organisation;
  std::vector<ChildPlan> children;
  // Children whose case, on end_date, is open with an active placement and an overdue
  // deadline: good examples to show (indexes into `children`).
  std::vector<int> showcase_children;
  PlanStats stats;
};

[[nodiscard]] Result<Plan> MakePlan(const PlanOptions& options);

// The references ("@case", "@i1"...) a request names in its id fields (case, report,
// investigation and intervention ids): the fields the driver replaces.
std::vector<std::string> ReferencesOf(const Request& request);

// OK if every reference a command names was bound by an earlier command of its stream (a
// child's commands; the organisation's bind none) and none is bound twice. Otherwise
// INTERNAL naming the child, the command's position, RPC and effective date, and the
// reference: the plan cannot be run.
[[nodiscard]] Status CheckReferences(const Plan& plan);

// A stable digest of every command of the plan (its deterministic serialisation), for
// comparing plans.
std::string PlanDigest(const Plan& plan);

}  // namespace trappe::generator
