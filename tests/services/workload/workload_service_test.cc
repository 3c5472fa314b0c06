// The workload service over gRPC: loads hand-computed from the default-weights preset
// (SIMPLE 4, COMPLEX 6, VERY_COMPLEX 10, unassessed as COMPLEX; +2 in a placement's first
// 12 months, +2 while a par. 47 placement is active, +2 while an investigation runs;
// primary 100%, co-worker 50%; target 120 x FTE). Loads are in millipoints (1000 = 1 point).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "case_events.h"
#include "trappe/common/status_grpc.h"
#include "trappe/rules/follow_up_rules.h"
#include "trappe/rules_proto/follow_up_rules.h"
#include "trappe/service/convert.h"
#include "trappe/testing/dates.h"
#include "trappe/testing/service_harness.h"
#include "trappe/testing/status_matchers.h"
#include "trappe/workload/module.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::workload {
namespace {

using ::trappe::testing::ServiceHarness;
namespace pv1 = placements::v1;

constexpr char kTenant[] = "0657";

using trappe::testing::D;

class WorkloadServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start({OpenWorkloadModule}));
    stub_ = v1::WorkloadService::NewStub(harness_.channel());
    cases_ = std::make_unique<workload_testing::CaseEventWriter>(&harness_.log(), kTenant);
  }

  // Municipality 0657 from 2024-01-01, team "vest", anna (full time), bo (80%) and cecilie
  // (full time), all from 2024-01-01.
  void RegisterOrganisation() {
    ASSERT_OK(Register());
    ASSERT_OK(CreateTeam("vest"));
    ASSERT_OK(RegisterCaseworker("anna", "vest", 1000, D("2024-01-01")));
    ASSERT_OK(RegisterCaseworker("bo", "vest", 800, D("2024-01-01")));
    ASSERT_OK(RegisterCaseworker("cecilie", "vest", 1000, D("2024-01-01")));
  }

  Status Register() {
    v1::RegisterMunicipalityRequest r;
    r.set_tenant(kTenant);
    r.set_request_id("register-" + std::to_string(++requests_));
    r.set_actor("admin");
    r.set_name("Herning Kommune");
    for (const char* p : {"national-staircase", "barnets-lov", "sverigesmodel", "default-weights"}) r.add_presets(p);
    *r.mutable_effective_from() = service::ToProtoDate(D("2024-01-01"));
    v1::RegisterMunicipalityResponse out;
    return FromGrpcStatus(stub_->RegisterMunicipality(ServiceHarness::Context().get(), r, &out));
  }

  Status CreateTeam(const std::string& id) {
    v1::CreateTeamRequest r;
    r.set_tenant(kTenant);
    r.set_request_id("team-" + std::to_string(++requests_));
    r.set_actor("admin");
    r.set_team_id(id);
    r.set_name("Team " + id);
    v1::CreateTeamResponse out;
    return FromGrpcStatus(stub_->CreateTeam(ServiceHarness::Context().get(), r, &out));
  }

  Status RegisterCaseworker(const std::string& id, const std::string& team, int fte_milli, CivilDate start) {
    v1::RegisterCaseworkerRequest r;
    r.set_tenant(kTenant);
    r.set_request_id("cw-" + std::to_string(++requests_));
    r.set_actor("admin");
    r.set_caseworker_id(id);
    r.set_display_name("Caseworker " + id);
    r.set_team_id(team);
    r.set_fte_milli(fte_milli);
    *r.mutable_start_date() = service::ToProtoDate(start);
    v1::RegisterCaseworkerResponse out;
    return FromGrpcStatus(stub_->RegisterCaseworker(ServiceHarness::Context().get(), r, &out));
  }

  Status Change(v1::ChangeCaseworkerRequest r) {
    r.set_tenant(kTenant);
    r.set_request_id("change-" + std::to_string(++requests_));
    r.set_actor("admin");
    v1::ChangeCaseworkerResponse out;
    return FromGrpcStatus(stub_->ChangeCaseworker(ServiceHarness::Context().get(), r, &out));
  }

  Result<v1::CaseworkerLoad> Load(const std::string& id, CivilDate as_of) {
    v1::GetCaseworkerLoadRequest r;
    r.set_tenant(kTenant);
    r.set_caseworker_id(id);
    *r.mutable_as_of() = service::ToProtoDate(as_of);
    v1::GetCaseworkerLoadResponse out;
    TRAPPE_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetCaseworkerLoad(ServiceHarness::Context().get(), r, &out)));
    return out.load();
  }

  Result<v1::TeamLoad> TeamLoad(const std::string& team, CivilDate as_of, bool with_cases = true) {
    v1::GetTeamLoadRequest r;
    r.set_tenant(kTenant);
    r.set_team_id(team);
    r.set_include_cases(with_cases);
    *r.mutable_as_of() = service::ToProtoDate(as_of);
    v1::GetTeamLoadResponse out;
    TRAPPE_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetTeamLoad(ServiceHarness::Context().get(), r, &out)));
    return out.team_load();
  }

  // A monthly load series of a team (`team`) or a caseworker from `start` to `end`.
  Result<v1::GetLoadSeriesResponse> MonthlySeries(bool team, const std::string& id, CivilDate start,
                                                  CivilDate end) {
    v1::GetLoadSeriesRequest r;
    r.set_tenant(kTenant);
    if (team) {
      r.set_team_id(id);
    } else {
      r.set_caseworker_id(id);
    }
    *r.mutable_period()->mutable_start_date() = service::ToProtoDate(start);
    *r.mutable_period()->mutable_end_date() = service::ToProtoDate(end);
    r.set_interval(v1::SERIES_INTERVAL_MONTHLY);
    v1::GetLoadSeriesResponse out;
    TRAPPE_RETURN_IF_ERROR(FromGrpcStatus(stub_->GetLoadSeries(ServiceHarness::Context().get(), r, &out)));
    return out;
  }
  Result<v1::SuggestAssigneeResponse> Suggest(const std::string& team, cases::v1::CaseGrade grade, CivilDate as_of,
                                              std::vector<std::string> exclude = {}) {
    v1::SuggestAssigneeRequest r;
    r.set_tenant(kTenant);
    r.set_team_id(team);
    r.set_grade(grade);
    *r.mutable_as_of() = service::ToProtoDate(as_of);
    for (auto& id : exclude) r.add_exclude_caseworker_ids(id);
    v1::SuggestAssigneeResponse out;
    TRAPPE_RETURN_IF_ERROR(FromGrpcStatus(stub_->SuggestAssignee(ServiceHarness::Context().get(), r, &out)));
    return out;
  }

  // The mixed history of the hand-computed tests:
  //   c1 (anna): opened 2024-02-01 VERY_COMPLEX; investigation 2024-02-01 .. 2024-06-01.
  //   c2 (anna primary, bo co-worker): opened 2024-03-01 SIMPLE; foster placement with
  //      consent from 2024-04-01.
  //   c3 (anna): opened 2024-05-01, unassessed; children's home par. 47 from 2024-05-01.
  void WriteMixedHistory() {
    ASSERT_OK(cases_->Opened("c1", "vest", D("2024-02-01")));
    ASSERT_OK(cases_->Assigned("c1", "anna", true, D("2024-02-01")));
    ASSERT_OK(cases_->Graded("c1", cases::v1::CASE_GRADE_VERY_COMPLEX, D("2024-02-01")));
    ASSERT_OK(cases_->InvestigationStarted("c1", "bfu-1", D("2024-02-01")));
    ASSERT_OK(cases_->InvestigationCompleted("c1", "bfu-1", D("2024-06-01")));
    ASSERT_OK(cases_->Opened("c2", "vest", D("2024-03-01")));
    ASSERT_OK(cases_->Assigned("c2", "anna", true, D("2024-03-01")));
    ASSERT_OK(cases_->Assigned("c2", "bo", false, D("2024-03-01")));
    ASSERT_OK(cases_->Graded("c2", cases::v1::CASE_GRADE_SIMPLE, D("2024-03-01")));
    ASSERT_OK(cases_->PlacementStarted("c2", "p-2", pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY,
                                       pv1::CONSENT_BASIS_WITH_CONSENT, D("2024-04-01")));
    ASSERT_OK(cases_->Opened("c3", "vest", D("2024-05-01")));
    ASSERT_OK(cases_->Assigned("c3", "anna", true, D("2024-05-01")));
    ASSERT_OK(cases_->PlacementStarted("c3", "p-3", pv1::PLACEMENT_TYPE_CHILDRENS_HOME,
                                       pv1::CONSENT_BASIS_WITHOUT_CONSENT, D("2024-05-01")));
  }

  // Waits until the projection has applied everything appended so far.
  void CatchUp() { ASSERT_OK(active_->module(0).engine().CatchUp()); }

  // Talks to `harness` from now on.
  void Use(ServiceHarness& harness) {
    active_ = &harness;
    stub_ = v1::WorkloadService::NewStub(harness.channel());
    cases_ = std::make_unique<workload_testing::CaseEventWriter>(&harness.log(), kTenant);
  }

  ServiceHarness harness_;
  ServiceHarness* active_ = &harness_;
  std::unique_ptr<v1::WorkloadService::Stub> stub_;
  std::unique_ptr<workload_testing::CaseEventWriter> cases_;
  int requests_ = 0;
};

int64_t Contribution(const v1::CaseworkerLoad& load, const std::string& case_id) {
  for (const auto& c : load.cases()) {
    if (c.case_id() == case_id) return c.contribution_millipoints();
  }
  return -1;
}

TEST_F(WorkloadServiceTest, AMixOfGradesAndModifiersGivesHandComputedLoadsOnSeveralDates) {
  RegisterOrganisation();
  WriteMixedHistory();
  CatchUp();

  // 2024-04-15: c1 10 + 2 (investigation) = 12; c2 4 + 2 (placement's first year) = 6.
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad anna, Load("anna", D("2024-04-15")));
  EXPECT_EQ(anna.load_millipoints(), 18000);
  EXPECT_EQ(anna.case_count(), 2);
  EXPECT_EQ(anna.target_millipoints(), 120000);
  EXPECT_EQ(anna.headroom_millipoints(), 102000);
  ASSERT_EQ(anna.cases_size(), 2);
  EXPECT_EQ(anna.cases(0).case_id(), "c1");  // largest first
  EXPECT_EQ(anna.cases(0).grade(), cases::v1::CASE_GRADE_VERY_COMPLEX);
  EXPECT_EQ(anna.cases(0).grade_points(), 10);
  ASSERT_EQ(anna.cases(0).modifiers_size(), 1);
  EXPECT_EQ(anna.cases(0).modifiers(0).kind(), v1::WEIGHT_MODIFIER_KIND_INVESTIGATION_RUNNING);
  EXPECT_EQ(anna.cases(0).modifiers(0).points(), 2);
  // The reason names the condition; the points are in their own field, not repeated in it.
  EXPECT_EQ(anna.cases(0).modifiers(0).reason(), "investigation bfu-1 running since 2024-02-01");
  EXPECT_EQ(anna.cases(0).case_points(), 12);
  EXPECT_EQ(anna.cases(0).share_bp(), 10000);

  // 2024-05-15: c3 joins: unassessed counts as COMPLEX 6, + 2 first year + 2 par. 47 = 10.
  ASSERT_OK_AND_ASSIGN(anna, Load("anna", D("2024-05-15")));
  EXPECT_EQ(anna.load_millipoints(), 28000);
  EXPECT_EQ(Contribution(anna, "c3"), 10000);
  ASSERT_EQ(anna.cases_size(), 3);
  EXPECT_EQ(anna.cases(0).case_id(), "c1");  // 12 before 10 and 6
  EXPECT_EQ(anna.cases(1).case_id(), "c3");
  EXPECT_FALSE(anna.cases(1).grade_assessed());
  EXPECT_EQ(anna.cases(1).grade(), cases::v1::CASE_GRADE_COMPLEX);  // unassessed counts as COMPLEX
  ASSERT_EQ(anna.cases(1).modifiers_size(), 2);
  EXPECT_EQ(anna.cases(1).modifiers(0).kind(), v1::WEIGHT_MODIFIER_KIND_EARLY_PLACEMENT);
  EXPECT_EQ(anna.cases(1).modifiers(0).reason(),
            "placement p-3 in its first 12 months (since 2024-05-01, until 2025-05-01)");
  EXPECT_EQ(anna.cases(1).modifiers(1).points(), 2);
  EXPECT_EQ(anna.cases(1).modifiers(1).reason(), "placement p-3 without consent (par. 47)");

  // 2024-07-01: the investigation is over: c1 10 + c2 6 + c3 10.
  ASSERT_OK_AND_ASSIGN(anna, Load("anna", D("2024-07-01")));
  EXPECT_EQ(anna.load_millipoints(), 26000);

  // bo carries half of c2 as co-worker: 3 points; no primary case.
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad bo, Load("bo", D("2024-04-15")));
  EXPECT_EQ(bo.load_millipoints(), 3000);
  EXPECT_EQ(bo.case_count(), 0);
  EXPECT_EQ(bo.co_worker_case_count(), 1);
  ASSERT_EQ(bo.cases_size(), 1);
  EXPECT_EQ(bo.cases(0).share_bp(), 5000);

  // The team on 2024-05-15: 28 + 3 + 0 against 120 + 96 + 120.
  ASSERT_OK_AND_ASSIGN(v1::TeamLoad team, TeamLoad("vest", D("2024-05-15")));
  EXPECT_EQ(team.load_millipoints(), 31000);
  EXPECT_EQ(team.target_millipoints(), 336000);
  EXPECT_EQ(team.headroom_millipoints(), 305000);
  EXPECT_EQ(team.case_count(), 3);
  EXPECT_EQ(team.unassigned_case_count(), 0);
  EXPECT_EQ(team.fte_milli(), 2800);
  ASSERT_EQ(team.caseworkers_size(), 3);
  EXPECT_EQ(team.caseworkers(0).caseworker_id(), "cecilie");  // most headroom first
}

TEST_F(WorkloadServiceTest, APlacementModifierEndsAfterTwelveMonths) {
  RegisterOrganisation();
  WriteMixedHistory();
  CatchUp();
  // c2's placement started 2024-04-01: +2 until 2025-03-31, gone on 2025-04-01.
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad anna, Load("anna", D("2025-03-31")));
  EXPECT_EQ(Contribution(anna, "c2"), 6000);
  EXPECT_EQ(anna.load_millipoints(), 26000);
  ASSERT_OK_AND_ASSIGN(anna, Load("anna", D("2025-04-01")));
  EXPECT_EQ(Contribution(anna, "c2"), 4000);
  EXPECT_EQ(anna.load_millipoints(), 24000);
  // bo's half follows: 3 then 2.
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad bo, Load("bo", D("2025-04-01")));
  EXPECT_EQ(bo.load_millipoints(), 2000);
}

TEST_F(WorkloadServiceTest, APlacementCountsUntilItsLastDayInclusive) {
  RegisterOrganisation();
  ASSERT_OK(cases_->Opened("c6", "vest", D("2024-05-01")));
  ASSERT_OK(cases_->Graded("c6", cases::v1::CASE_GRADE_COMPLEX, D("2024-05-01")));
  ASSERT_OK(cases_->Assigned("c6", "cecilie", true, D("2024-05-01")));
  ASSERT_OK(cases_->PlacementStarted("c6", "p-6", pv1::PLACEMENT_TYPE_CHILDRENS_HOME,
                                     pv1::CONSENT_BASIS_WITHOUT_CONSENT, D("2024-05-01")));
  // end_date is the placement's last day (InterventionEnded in the placements contract).
  ASSERT_OK(cases_->InterventionEnded("c6", "p-6", D("2024-06-30")));
  CatchUp();
  // COMPLEX 6 + first 12 months of a placement 2 + active par. 47 placement 2 = 10 on the
  // last day; from the day after only the grade's 6 remains.
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad cecilie, Load("cecilie", D("2024-06-30")));
  EXPECT_EQ(Contribution(cecilie, "c6"), 10000);
  ASSERT_OK_AND_ASSIGN(cecilie, Load("cecilie", D("2024-07-01")));
  EXPECT_EQ(Contribution(cecilie, "c6"), 6000);
}

TEST_F(WorkloadServiceTest, ACaseMovingBetweenCaseworkersCountsForEachInTurn) {
  RegisterOrganisation();
  ASSERT_OK(cases_->Opened("c4", "vest", D("2024-01-10")));
  ASSERT_OK(cases_->Graded("c4", cases::v1::CASE_GRADE_COMPLEX, D("2024-01-10")));
  ASSERT_OK(cases_->Assigned("c4", "anna", true, D("2024-01-10")));
  ASSERT_OK(cases_->Unassigned("c4", "anna", true, D("2024-09-01")));
  ASSERT_OK(cases_->Assigned("c4", "cecilie", true, D("2024-09-01")));
  CatchUp();
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad anna, Load("anna", D("2024-08-31")));
  EXPECT_EQ(anna.load_millipoints(), 6000);
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad cecilie, Load("cecilie", D("2024-08-31")));
  EXPECT_EQ(cecilie.load_millipoints(), 0);
  ASSERT_OK_AND_ASSIGN(anna, Load("anna", D("2024-09-01")));
  EXPECT_EQ(anna.load_millipoints(), 0);
  EXPECT_EQ(anna.cases_size(), 0);
  ASSERT_OK_AND_ASSIGN(cecilie, Load("cecilie", D("2024-09-01")));
  EXPECT_EQ(cecilie.load_millipoints(), 6000);
  EXPECT_EQ(cecilie.case_count(), 1);
  // Closing the case ends the load.
  ASSERT_OK(cases_->Closed("c4", D("2024-12-01")));
  CatchUp();
  ASSERT_OK_AND_ASSIGN(cecilie, Load("cecilie", D("2024-12-01")));
  EXPECT_EQ(cecilie.load_millipoints(), 0);
}

TEST_F(WorkloadServiceTest, ACoWorkerWithTwoPurposesCarriesHalfOnceUntilBothEnd) {
  RegisterOrganisation();
  ASSERT_OK(cases_->Opened("c5", "vest", D("2024-01-10")));
  ASSERT_OK(cases_->Graded("c5", cases::v1::CASE_GRADE_VERY_COMPLEX, D("2024-01-10")));
  ASSERT_OK(cases_->Assigned("c5", "anna", true, D("2024-01-10")));
  ASSERT_OK(cases_->Assigned("c5", "bo", false, D("2024-01-10")));  // child conversations
  ASSERT_OK(cases_->Assigned("c5", "bo", false, D("2024-02-01")));  // and the foster family
  ASSERT_OK(cases_->Unassigned("c5", "bo", false, D("2024-03-01")));
  ASSERT_OK(cases_->Unassigned("c5", "bo", false, D("2024-04-01")));
  CatchUp();
  // Half of 10 once, whether bo holds one purpose or two.
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad bo, Load("bo", D("2024-02-15")));
  EXPECT_EQ(bo.load_millipoints(), 5000);
  EXPECT_EQ(bo.co_worker_case_count(), 1);
  ASSERT_OK_AND_ASSIGN(bo, Load("bo", D("2024-03-15")));
  EXPECT_EQ(bo.load_millipoints(), 5000);
  ASSERT_OK_AND_ASSIGN(bo, Load("bo", D("2024-04-01")));
  EXPECT_EQ(bo.load_millipoints(), 0);
}

TEST_F(WorkloadServiceTest, APartTimeCaseworkersTargetScalesWithFteUnlessOverridden) {
  RegisterOrganisation();
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad bo, Load("bo", D("2024-06-01")));
  EXPECT_EQ(bo.fte_milli(), 800);
  EXPECT_EQ(bo.target_millipoints(), 96000);  // 120 x 0.8
  v1::ChangeCaseworkerRequest change;
  change.set_caseworker_id("bo");
  change.set_target_points_override(100);
  *change.mutable_effective_date() = service::ToProtoDate(D("2025-01-01"));
  ASSERT_OK(Change(change));
  ASSERT_OK_AND_ASSIGN(bo, Load("bo", D("2024-12-31")));
  EXPECT_EQ(bo.target_millipoints(), 96000);
  ASSERT_OK_AND_ASSIGN(bo, Load("bo", D("2025-01-01")));
  EXPECT_EQ(bo.target_millipoints(), 100000);
  // Down to 50% from 2025-06-01 and the own target removed: 60.
  change = {};
  change.set_caseworker_id("bo");
  change.set_fte_milli(500);
  change.set_remove_target_override(true);
  *change.mutable_effective_date() = service::ToProtoDate(D("2025-06-01"));
  ASSERT_OK(Change(change));
  ASSERT_OK_AND_ASSIGN(bo, Load("bo", D("2025-06-01")));
  EXPECT_EQ(bo.target_millipoints(), 60000);
  EXPECT_EQ(bo.fte_milli(), 500);
}

TEST_F(WorkloadServiceTest, SuggestAssigneePicksTheMostHeadroomAndNeverSomeoneWhoHasLeft) {
  RegisterOrganisation();
  WriteMixedHistory();
  CatchUp();
  // 2024-04-15, a COMPLEX case (6): anna 120-18-6 = 96, bo 96-3-6 = 87, cecilie 120-6 = 114.
  ASSERT_OK_AND_ASSIGN(auto s, Suggest("vest", cases::v1::CASE_GRADE_COMPLEX, D("2024-04-15")));
  EXPECT_EQ(s.caseworker_id(), "cecilie");
  EXPECT_EQ(s.case_millipoints(), 6000);
  EXPECT_NE(s.reason().find("cecilie"), std::string::npos) << s.reason();
  ASSERT_OK_AND_ASSIGN(s, Suggest("vest", cases::v1::CASE_GRADE_COMPLEX, D("2024-04-15"), {"cecilie"}));
  EXPECT_EQ(s.caseworker_id(), "anna");
  EXPECT_EQ(s.load().load_millipoints(), 18000);

  // cecilie's last day is 2025-06-30.
  v1::ChangeCaseworkerRequest leave;
  leave.set_caseworker_id("cecilie");
  *leave.mutable_leaving_date() = service::ToProtoDate(D("2025-06-30"));
  *leave.mutable_effective_date() = service::ToProtoDate(D("2025-06-30"));
  ASSERT_OK(Change(leave));
  ASSERT_OK_AND_ASSIGN(s, Suggest("vest", cases::v1::CASE_GRADE_SIMPLE, D("2025-06-30")));
  EXPECT_EQ(s.caseworker_id(), "cecilie");
  // 2025-07-01: anna 10+4+10 = 24 -> 92 after a SIMPLE case, bo 2 -> 90.
  ASSERT_OK_AND_ASSIGN(s, Suggest("vest", cases::v1::CASE_GRADE_SIMPLE, D("2025-07-01")));
  EXPECT_EQ(s.caseworker_id(), "anna");
  ASSERT_OK_AND_ASSIGN(v1::TeamLoad team, TeamLoad("vest", D("2025-07-01")));
  EXPECT_EQ(team.caseworkers_size(), 2);  // cecilie holds nothing and has left
  EXPECT_EQ(team.target_millipoints(), 216000);
}

TEST_F(WorkloadServiceTest, ACaseworkerWhoMovesTeamCountsInEachTeamInTurn) {
  RegisterOrganisation();
  ASSERT_OK(CreateTeam("nord"));
  WriteMixedHistory();
  v1::ChangeCaseworkerRequest move;
  move.set_caseworker_id("bo");
  move.set_team_id("nord");
  *move.mutable_effective_date() = service::ToProtoDate(D("2024-09-01"));
  ASSERT_OK(Change(move));
  CatchUp();
  // vest on 2024-08-31: anna 26 + bo 3 against 120 + 96 + 120; nord empty.
  ASSERT_OK_AND_ASSIGN(v1::TeamLoad vest, TeamLoad("vest", D("2024-08-31")));
  EXPECT_EQ(vest.load_millipoints(), 29000);
  EXPECT_EQ(vest.caseworkers_size(), 3);
  ASSERT_OK_AND_ASSIGN(v1::TeamLoad nord, TeamLoad("nord", D("2024-08-31")));
  EXPECT_EQ(nord.caseworkers_size(), 0);
  // From 2024-09-01 bo and his 3 points are in nord; the cases stay vest's.
  ASSERT_OK_AND_ASSIGN(vest, TeamLoad("vest", D("2024-09-01")));
  EXPECT_EQ(vest.load_millipoints(), 26000);
  EXPECT_EQ(vest.target_millipoints(), 240000);
  EXPECT_EQ(vest.case_count(), 3);
  ASSERT_OK_AND_ASSIGN(nord, TeamLoad("nord", D("2024-09-01")));
  ASSERT_EQ(nord.caseworkers_size(), 1);
  EXPECT_EQ(nord.caseworkers(0).caseworker_id(), "bo");
  EXPECT_EQ(nord.load_millipoints(), 3000);
  EXPECT_EQ(nord.case_count(), 0);
  ASSERT_OK_AND_ASSIGN(auto s, Suggest("nord", cases::v1::CASE_GRADE_SIMPLE, D("2024-09-01")));
  EXPECT_EQ(s.caseworker_id(), "bo");
}

TEST_F(WorkloadServiceTest, RejectsBadInputNamingTheField) {
  RegisterOrganisation();
  EXPECT_STATUS(RegisterCaseworker("dan", "vest", 1200, D("2024-01-01")), StatusCode::kInvalidArgument, "fte_milli");
  EXPECT_STATUS(RegisterCaseworker("dan", "nord", 1000, D("2024-01-01")), StatusCode::kNotFound, "team nord");
  EXPECT_STATUS(RegisterCaseworker("d/n", "vest", 1000, D("2024-01-01")), StatusCode::kInvalidArgument,
                "caseworker_id");
  EXPECT_STATUS(RegisterCaseworker("anna", "vest", 1000, D("2024-01-01")), StatusCode::kAlreadyExists, "anna");
  EXPECT_STATUS(Register(), StatusCode::kAlreadyExists, "0657");
  EXPECT_STATUS(Suggest("vest", static_cast<cases::v1::CaseGrade>(42), D("2024-04-15")),
                StatusCode::kInvalidArgument, "grade");
  EXPECT_STATUS(Suggest("nord", cases::v1::CASE_GRADE_SIMPLE, D("2024-04-15")), StatusCode::kNotFound, "nord");
}

TEST_F(WorkloadServiceTest, CaseAndOrgEventsInEitherOrderGiveTheSameLoads) {
  // Here the case events come first: they name caseworkers not registered yet.
  WriteMixedHistory();
  CatchUp();
  RegisterOrganisation();
  std::vector<std::string> case_first;
  const CivilDate dates[] = {D("2024-04-15"), D("2024-05-15"), D("2025-04-01")};
  for (const CivilDate d : dates) {
    ASSERT_OK_AND_ASSIGN(v1::TeamLoad team, TeamLoad("vest", d));
    case_first.push_back(team.SerializeAsString());
  }
  EXPECT_EQ(TeamLoad("vest", D("2024-05-15"))->load_millipoints(), 31000);

  // A second service with the same facts, the organisation first.
  ServiceHarness other;
  ASSERT_OK(other.Start({OpenWorkloadModule}));
  Use(other);
  RegisterOrganisation();
  WriteMixedHistory();
  CatchUp();
  for (size_t i = 0; i < std::size(dates); ++i) {
    ASSERT_OK_AND_ASSIGN(v1::TeamLoad team, TeamLoad("vest", dates[i]));
    EXPECT_EQ(team.SerializeAsString(), case_first[i]) << dates[i].ToString();
  }
}

// A team counts what its members hold from other teams: nils (team nord) is co-worker on
// vest's v1, which closes and reopens, and primary on x1, assigned to him before the event
// that opens it in vest arrives; anna (vest) is primary on v2, also assigned before its
// opening in vest. The same loads whether the organisation or the cases are applied first.
TEST_F(WorkloadServiceTest, CasesHeldFromAnotherTeamCountForTheHoldersTeamInEitherOrder) {
  const auto organisation = [this] {
    RegisterOrganisation();
    ASSERT_OK(CreateTeam("nord"));
    ASSERT_OK(RegisterCaseworker("nils", "nord", 1000, D("2024-01-01")));
  };
  const auto cases = [this] {
    ASSERT_OK(cases_->Opened("n1", "nord", D("2024-02-01")));
    ASSERT_OK(cases_->Assigned("n1", "nils", true, D("2024-02-01")));
    ASSERT_OK(cases_->Graded("n1", cases::v1::CASE_GRADE_SIMPLE, D("2024-02-01")));
    ASSERT_OK(cases_->Opened("v1", "vest", D("2024-02-01")));
    ASSERT_OK(cases_->Assigned("v1", "anna", true, D("2024-02-01")));
    ASSERT_OK(cases_->Graded("v1", cases::v1::CASE_GRADE_COMPLEX, D("2024-02-01")));
    ASSERT_OK(cases_->Assigned("v1", "nils", false, D("2024-03-01")));
    ASSERT_OK(cases_->Closed("v1", D("2024-05-01")));
    ASSERT_OK(cases_->Reopened("v1", D("2024-06-01")));
    ASSERT_OK(cases_->Assigned("x1", "nils", true, D("2024-03-01")));
    ASSERT_OK(cases_->Opened("x1", "vest", D("2024-03-01")));
    ASSERT_OK(cases_->Graded("x1", cases::v1::CASE_GRADE_VERY_COMPLEX, D("2024-03-01")));
    ASSERT_OK(cases_->Assigned("v2", "anna", true, D("2024-03-01")));
    ASSERT_OK(cases_->Opened("v2", "vest", D("2024-03-01")));
    ASSERT_OK(cases_->Graded("v2", cases::v1::CASE_GRADE_SIMPLE, D("2024-03-01")));
  };
  const CivilDate dates[] = {D("2024-04-01"), D("2024-05-15"), D("2024-07-01")};
  const auto loads = [&](std::vector<std::string>* out) {
    for (const char* team : {"nord", "vest"}) {
      for (const CivilDate d : dates) {
        ASSERT_OK_AND_ASSIGN(v1::TeamLoad load, TeamLoad(team, d));
        out->push_back(load.SerializeAsString());
      }
    }
  };

  organisation();
  cases();
  CatchUp();
  // nord: nils n1 4 + half of v1's 6 + x1 10 = 17; with v1 closed (2024-05-15) 14; v1
  // reopened (2024-07-01) 17 again. Only n1 is nord's own case.
  const int64_t nord_expected[] = {17000, 14000, 17000};
  for (size_t i = 0; i < std::size(dates); ++i) {
    ASSERT_OK_AND_ASSIGN(v1::TeamLoad nord, TeamLoad("nord", dates[i]));
    EXPECT_EQ(nord.load_millipoints(), nord_expected[i]) << dates[i].ToString();
    ASSERT_EQ(nord.caseworkers_size(), 1);
    EXPECT_EQ(nord.caseworkers(0).caseworker_id(), "nils");
    EXPECT_EQ(nord.case_count(), 1) << dates[i].ToString();
  }
  ASSERT_OK_AND_ASSIGN(v1::TeamLoad nord, TeamLoad("nord", D("2024-04-01")));
  std::set<std::string> held;
  for (const auto& c : nord.caseworkers(0).cases()) held.insert(c.case_id());
  EXPECT_EQ(held, (std::set<std::string>{"n1", "v1", "x1"}));
  // vest: anna v1 6 + v2 4 = 10 (her share of nothing else); v1 closed: 4. Its own cases
  // with a primary: v1, x1 (nils), v2; v1 closed on 2024-05-15.
  const int64_t vest_expected[] = {10000, 4000, 10000};
  const int32_t vest_cases[] = {3, 2, 3};
  for (size_t i = 0; i < std::size(dates); ++i) {
    ASSERT_OK_AND_ASSIGN(v1::TeamLoad vest, TeamLoad("vest", dates[i]));
    EXPECT_EQ(vest.load_millipoints(), vest_expected[i]) << dates[i].ToString();
    EXPECT_EQ(vest.case_count(), vest_cases[i]) << dates[i].ToString();
  }
  std::vector<std::string> organisation_first;
  loads(&organisation_first);

  // A second service with the same facts, the cases first: they name nils before his
  // registration puts him in nord.
  ServiceHarness other;
  ASSERT_OK(other.Start({OpenWorkloadModule}));
  Use(other);
  cases();
  CatchUp();
  organisation();
  CatchUp();
  std::vector<std::string> cases_first;
  loads(&cases_first);
  EXPECT_EQ(cases_first, organisation_first);
}

TEST_F(WorkloadServiceTest, RebuildGivesTheLiveChecksum) {
  RegisterOrganisation();
  WriteMixedHistory();
  // Back-dated facts: bo's own target from his first day, c2 closed before today.
  v1::ChangeCaseworkerRequest change;
  change.set_caseworker_id("bo");
  change.set_target_points_override(90);
  *change.mutable_effective_date() = service::ToProtoDate(D("2024-01-01"));
  ASSERT_OK(Change(change));
  ASSERT_OK(cases_->Closed("c2", D("2024-10-01")));
  ASSERT_OK(cases_->Assigned("c3", "bo", false, D("2024-06-01")));
  CatchUp();
  auto& engine = harness_.module(0).engine();
  ASSERT_OK_AND_ASSIGN(const std::string live, engine.Checksum());
  ASSERT_OK_AND_ASSIGN(const v1::TeamLoad before, TeamLoad("vest", D("2024-11-01")));
  ASSERT_OK(engine.Rebuild());
  ASSERT_OK_AND_ASSIGN(const std::string rebuilt, engine.Checksum());
  EXPECT_EQ(live, rebuilt);
  ASSERT_OK_AND_ASSIGN(const v1::TeamLoad after, TeamLoad("vest", D("2024-11-01")));
  EXPECT_EQ(before.SerializeAsString(), after.SerializeAsString());
  // 2024-11-01: anna c1 10 + c3 10 = 20; bo half of c3 = 5 against his own 90.
  EXPECT_EQ(after.load_millipoints(), 25000);
}

TEST_F(WorkloadServiceTest, LoadSeriesGivesAPointPerMonth) {
  RegisterOrganisation();
  WriteMixedHistory();
  CatchUp();
  ASSERT_OK_AND_ASSIGN(const v1::GetLoadSeriesResponse out,
                       MonthlySeries(false, "anna", D("2024-01-15"), D("2024-07-15")));
  // Jan 0; Feb 12 (c1 + investigation); Mar 12 + 4; Apr 12 + 6; May 12 + 6 + 10; Jun 10 + 6 + 10;
  // Jul 26.
  const int64_t expected[] = {0, 12000, 16000, 18000, 28000, 26000, 26000};
  ASSERT_EQ(out.points_size(), 7);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(out.points(i).load_millipoints(), expected[i]) << i;
  EXPECT_EQ(out.points(6).as_of().month(), 7);
}

// A team's query for one date reads only the cases that can be open on it: the indexes
// sort cases by the day they were last closed, and a case's keys move when it closes or
// reopens. c1 is closed, reopened, and then given a grade back-dated to before its
// closing; c2 closes for good. Each counts on the dates it was open, with the grade in
// force then, and a series (which reads every case) gives the same team loads.
TEST_F(WorkloadServiceTest, AClosedAndReopenedCaseCountsOnTheDatesItWasOpen) {
  RegisterOrganisation();
  // c1 (anna): opened 2024-02-01 COMPLEX (6), closed 2024-04-01, reopened 2024-06-01;
  //    VERY_COMPLEX (10) from 2024-03-15, recorded after the reopening.
  // c2 (bo): opened 2024-02-01 SIMPLE (4), closed 2024-03-01.
  ASSERT_OK(cases_->Opened("c1", "vest", D("2024-02-01")));
  ASSERT_OK(cases_->Assigned("c1", "anna", true, D("2024-02-01")));
  ASSERT_OK(cases_->Graded("c1", cases::v1::CASE_GRADE_COMPLEX, D("2024-02-01")));
  ASSERT_OK(cases_->Opened("c2", "vest", D("2024-02-01")));
  ASSERT_OK(cases_->Assigned("c2", "bo", true, D("2024-02-01")));
  ASSERT_OK(cases_->Graded("c2", cases::v1::CASE_GRADE_SIMPLE, D("2024-02-01")));
  ASSERT_OK(cases_->Closed("c2", D("2024-03-01")));
  ASSERT_OK(cases_->Closed("c1", D("2024-04-01")));
  ASSERT_OK(cases_->Reopened("c1", D("2024-06-01")));
  ASSERT_OK(cases_->Graded("c1", cases::v1::CASE_GRADE_VERY_COMPLEX, D("2024-03-15")));
  CatchUp();

  struct Expected {
    const char* date;
    int64_t anna;
    int64_t bo;
  };
  // A case closed on a date no longer counts on it.
  for (const Expected& e : {Expected{"2024-02-15", 6000, 4000}, Expected{"2024-02-29", 6000, 4000},
                            Expected{"2024-03-01", 6000, 0}, Expected{"2024-03-20", 10000, 0},
                            Expected{"2024-03-31", 10000, 0}, Expected{"2024-04-01", 0, 0},
                            Expected{"2024-05-31", 0, 0}, Expected{"2024-06-01", 10000, 0}}) {
    ASSERT_OK_AND_ASSIGN(const v1::TeamLoad team, TeamLoad("vest", D(e.date)));
    EXPECT_EQ(team.load_millipoints(), e.anna + e.bo) << e.date;
    std::map<std::string, int64_t> members;
    for (const auto& cw : team.caseworkers()) members[cw.caseworker_id()] = cw.load_millipoints();
    EXPECT_EQ(members["anna"], e.anna) << e.date;
    EXPECT_EQ(members["bo"], e.bo) << e.date;
    EXPECT_EQ(team.case_count(), (e.anna > 0 ? 1 : 0) + (e.bo > 0 ? 1 : 0)) << e.date;
    ASSERT_OK_AND_ASSIGN(const v1::CaseworkerLoad anna, Load("anna", D(e.date)));
    EXPECT_EQ(anna.load_millipoints(), e.anna) << e.date;
  }

  ASSERT_OK_AND_ASSIGN(const v1::GetLoadSeriesResponse series,
                       MonthlySeries(true, "vest", D("2024-02-01"), D("2024-07-01")));
  // Feb 6 + 4; Mar 6 (c2 closed, c1 still COMPLEX); Apr and May 0; Jun and Jul 10.
  const int64_t expected[] = {10000, 6000, 0, 0, 10000, 10000};
  ASSERT_EQ(series.points_size(), 6);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(series.points(i).load_millipoints(), expected[i]) << i;
    const CivilDate on = service::ToCivilDate(series.points(i).as_of(), "as_of").value();
    ASSERT_OK_AND_ASSIGN(const v1::TeamLoad team, TeamLoad("vest", on));
    EXPECT_EQ(team.load_millipoints(), series.points(i).load_millipoints()) << on.ToString();
  }
}

TEST_F(WorkloadServiceTest, ASuggestionAnywhereCountsEveryCaseOpenOnTheDate) {
  RegisterOrganisation();
  ASSERT_OK(CreateTeam("nord"));
  ASSERT_OK(RegisterCaseworker("dina", "nord", 1000, D("2024-01-01")));
  // n1 (dina): opened in nord 2024-02-01 VERY_COMPLEX (10), closed 2024-03-01, reopened
  //    2024-05-01.
  // g1 (dina): opened 2024-02-01 SIMPLE (4) in team "syd", which was never created.
  // v1 (cecilie): opened in vest 2024-02-01 COMPLEX (6).
  ASSERT_OK(cases_->Opened("n1", "nord", D("2024-02-01")));
  ASSERT_OK(cases_->Assigned("n1", "dina", true, D("2024-02-01")));
  ASSERT_OK(cases_->Graded("n1", cases::v1::CASE_GRADE_VERY_COMPLEX, D("2024-02-01")));
  ASSERT_OK(cases_->Closed("n1", D("2024-03-01")));
  ASSERT_OK(cases_->Reopened("n1", D("2024-05-01")));
  ASSERT_OK(cases_->Opened("g1", "syd", D("2024-02-01")));
  ASSERT_OK(cases_->Assigned("g1", "dina", true, D("2024-02-01")));
  ASSERT_OK(cases_->Graded("g1", cases::v1::CASE_GRADE_SIMPLE, D("2024-02-01")));
  ASSERT_OK(cases_->Opened("v1", "vest", D("2024-02-01")));
  ASSERT_OK(cases_->Assigned("v1", "cecilie", true, D("2024-02-01")));
  ASSERT_OK(cases_->Graded("v1", cases::v1::CASE_GRADE_COMPLEX, D("2024-02-01")));
  CatchUp();

  // Dina's load as the municipality-wide suggestion reads it (everyone else excluded).
  for (const auto& [date, dina] :
       std::vector<std::pair<const char*, int64_t>>{{"2024-02-15", 14000},
                                                    {"2024-02-29", 14000},
                                                    {"2024-03-01", 4000},
                                                    {"2024-04-30", 4000},
                                                    {"2024-05-01", 14000}}) {
    ASSERT_OK_AND_ASSIGN(const auto s, Suggest("", cases::v1::CASE_GRADE_SIMPLE, D(date),
                                               {"anna", "bo", "cecilie"}));
    EXPECT_EQ(s.caseworker_id(), "dina") << date;
    EXPECT_EQ(s.load().load_millipoints(), dina) << date;
  }
  // 2024-03-15 without anna: bo 96, cecilie 120 - 6 = 114, dina 120 - 4 = 116.
  ASSERT_OK_AND_ASSIGN(auto s,
                       Suggest("", cases::v1::CASE_GRADE_SIMPLE, D("2024-03-15"), {"anna"}));
  EXPECT_EQ(s.caseworker_id(), "dina");
  // 2024-05-15: dina 120 - 14 = 106 against cecilie's 114.
  ASSERT_OK_AND_ASSIGN(s, Suggest("", cases::v1::CASE_GRADE_SIMPLE, D("2024-05-15"), {"anna"}));
  EXPECT_EQ(s.caseworker_id(), "cecilie");
  EXPECT_EQ(s.load().load_millipoints(), 6000);
}

// The API registers a caseworker only into a team that exists, but the log is the contract:
// olga's registration, written straight to the log, names team "oest", never created.
// Her cases have no team index to be found through, and still count in a suggestion
// anywhere (her own index is read instead).
TEST_F(WorkloadServiceTest, ASuggestionAnywhereCountsTheCasesOfACaseworkerInATeamNeverCreated) {
  RegisterOrganisation();
  events::v1::EventEnvelope e;
  auto* registered = e.mutable_caseworker_registered();
  registered->set_caseworker_id("olga");
  registered->set_display_name("Caseworker olga");
  registered->set_team_id("oest");
  registered->set_fte_milli(1000);
  *registered->mutable_start_date() = service::ToProtoDate(D("2024-01-01"));
  ASSERT_OK(cases_->AppendOrg(events::v1::AGGREGATE_TYPE_CASEWORKER, "olga", D("2024-01-01"),
                              std::move(e)));
  // o1: opened in "syd" (never created either) 2024-02-01, VERY_COMPLEX (10), olga primary.
  ASSERT_OK(cases_->Opened("o1", "syd", D("2024-02-01")));
  ASSERT_OK(cases_->Assigned("o1", "olga", true, D("2024-02-01")));
  ASSERT_OK(cases_->Graded("o1", cases::v1::CASE_GRADE_VERY_COMPLEX, D("2024-02-01")));
  CatchUp();
  ASSERT_OK_AND_ASSIGN(const auto s, Suggest("", cases::v1::CASE_GRADE_SIMPLE, D("2024-03-01"),
                                             {"anna", "bo", "cecilie"}));
  EXPECT_EQ(s.caseworker_id(), "olga");
  EXPECT_EQ(s.load().load_millipoints(), 10000);
}

TEST_F(WorkloadServiceTest, ACaseworkerKnownOnlyFromClosedCasesHasAZeroLoad) {
  RegisterOrganisation();
  // erik is named by a case but never registered; the case closed on 2024-03-01.
  ASSERT_OK(cases_->Opened("e1", "vest", D("2024-02-01")));
  ASSERT_OK(cases_->Assigned("e1", "erik", true, D("2024-02-01")));
  ASSERT_OK(cases_->Closed("e1", D("2024-03-01")));
  CatchUp();
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad erik, Load("erik", D("2024-02-15")));
  EXPECT_EQ(erik.load_millipoints(), 6000);  // unassessed counts as COMPLEX
  ASSERT_OK_AND_ASSIGN(erik, Load("erik", D("2024-06-01")));
  EXPECT_EQ(erik.load_millipoints(), 0);
  EXPECT_EQ(erik.cases_size(), 0);
  EXPECT_STATUS(Load("frida", D("2024-06-01")), StatusCode::kNotFound, "frida");
}

TEST_F(WorkloadServiceTest, CheckCapacityWarnsAboveTheTarget) {
  RegisterOrganisation();
  WriteMixedHistory();
  CatchUp();
  v1::CheckCapacityRequest r;
  r.set_tenant(kTenant);
  r.set_caseworker_id("bo");
  r.set_grade(cases::v1::CASE_GRADE_VERY_COMPLEX);
  *r.mutable_as_of() = service::ToProtoDate(D("2024-04-15"));
  v1::CheckCapacityResponse out;
  ASSERT_OK(FromGrpcStatus(stub_->CheckCapacity(ServiceHarness::Context().get(), r, &out)));
  EXPECT_TRUE(out.within_target());
  EXPECT_EQ(out.load_after_millipoints(), 13000);  // 3 + 10
  EXPECT_EQ(out.headroom_after_millipoints(), 83000);
  EXPECT_EQ(out.case_count_after(), 1);
}

// Every event of the org topic, in partition then offset order.
std::vector<events::v1::EventEnvelope> OrgEvents(eventlog::EventLog& log) {
  std::vector<events::v1::EventEnvelope> out;
  const auto ends = log.EndOffsets(eventlog::kOrgEventsTopic).value();
  for (size_t p = 0; p < ends.size(); ++p) {
    if (ends[p] == 0) continue;
    auto subscription =
        log.Subscribe({{std::string(eventlog::kOrgEventsTopic), static_cast<int32_t>(p), 0}}).value();
    int64_t read = 0;
    while (read < ends[p]) {
      auto records = subscription->Poll(1000, std::chrono::seconds(5)).value();
      for (const auto& r : records) {
        events::v1::EventEnvelope e;
        EXPECT_TRUE(e.ParseFromString(r.value));
        out.push_back(std::move(e));
      }
      read += static_cast<int64_t>(records.size());
    }
  }
  return out;
}

TEST_F(WorkloadServiceTest, RegisteringAMunicipalityWritesThePresetsInFull) {
  ASSERT_OK(Register());
  std::vector<events::v1::EventEnvelope> events = OrgEvents(harness_.log());
  ASSERT_EQ(events.size(), 1u);
  const events::v1::EventEnvelope& e = events[0];
  EXPECT_EQ(e.aggregate_type(), events::v1::AGGREGATE_TYPE_MUNICIPALITY);
  EXPECT_EQ(e.aggregate_id(), kTenant);
  ASSERT_TRUE(e.has_municipality_registered());
  const v1::MunicipalityRegistered& m = e.municipality_registered();
  EXPECT_EQ(m.municipality_code(), kTenant);
  EXPECT_EQ(m.presets_size(), 4);
  EXPECT_EQ(m.effective_from().year(), 2024);
  // national-staircase: six steps, 1-3 prevention.
  ASSERT_EQ(m.staircase().steps_size(), 6);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(m.staircase().steps(i).number(), i + 1);
    EXPECT_EQ(m.staircase().steps(i).prevention(), i < 3);
    EXPECT_FALSE(m.staircase().steps(i).name().empty());
  }
  EXPECT_EQ(m.staircase().steps(5).category(), pv1::STEP_CATEGORY_INSTITUTION_PLACEMENT);
  // barnets-lov and sverigesmodel, rule by rule.
  ASSERT_EQ(m.follow_up_rule_sets_size(), 2);
  EXPECT_EQ(m.follow_up_rule_sets(0).name(), "barnets-lov");
  EXPECT_EQ(m.follow_up_rule_sets(1).name(), "sverigesmodel");
  std::set<std::string> ids;
  for (const auto& r : m.follow_up_rule_sets(0).rules()) ids.insert(r.id());
  EXPECT_EQ(ids, (std::set<std::string>{"UND-24H", "BFU-4M", "PLAN-3M", "FU-FIRST-3M", "TILSYN-6M"}));
  for (const auto& r : m.follow_up_rule_sets(0).rules()) {
    if (r.id() == "BFU-4M") {
      EXPECT_EQ(r.trigger(), scheduling::v1::RULE_TRIGGER_INVESTIGATION_STARTED);
      EXPECT_EQ(r.first_due().months(), 4);
      EXPECT_EQ(r.track(), "INVESTIGATION");
    }
    if (r.id() == "PLAN-3M") {
      EXPECT_EQ(r.first_due().months(), 3);
      EXPECT_TRUE(r.has_first_due_without_consent());  // par. 47: due on the start date
    }
  }
  // default-weights.
  const v1::WeightTable& w = m.weight_table();
  ASSERT_EQ(w.grade_points_size(), 3);
  EXPECT_EQ(w.grade_points(0).points(), 4);
  EXPECT_EQ(w.grade_points(1).points(), 6);
  EXPECT_EQ(w.grade_points(2).points(), 10);
  EXPECT_EQ(w.unassessed_grade(), cases::v1::CASE_GRADE_COMPLEX);
  ASSERT_EQ(w.modifiers_size(), 3);
  EXPECT_EQ(w.modifiers(0).kind(), v1::WEIGHT_MODIFIER_KIND_EARLY_PLACEMENT);
  EXPECT_EQ(w.modifiers(0).period().months(), 12);
  EXPECT_EQ(w.primary_share_bp(), 10000);
  EXPECT_EQ(w.co_worker_share_bp(), 5000);
  EXPECT_EQ(w.target_points_per_fte(), 120);
  EXPECT_EQ(w.case_count_guidance_min(), 15);
  EXPECT_EQ(w.case_count_warn_above(), 20);
}

// The rule sets written at registration are the presets' wire form, as the scheduling
// service reads them back.
TEST_F(WorkloadServiceTest, TheRegisteredFollowUpRulesAreThePresetsWireForm) {
  ASSERT_OK(Register());
  const std::vector<events::v1::EventEnvelope> events = OrgEvents(harness_.log());
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].municipality_registered().follow_up_rule_sets_size(), 2);
  for (const auto& set : events[0].municipality_registered().follow_up_rule_sets()) {
    ASSERT_OK_AND_ASSIGN(const auto rules, rules_proto::RulesFromProto(set, "follow_up_rule_sets"));
    ASSERT_OK_AND_ASSIGN(const auto preset, rules::FollowUpPreset(set.name()));
    EXPECT_EQ(rules.size(), preset.size()) << set.name();
    ASSERT_OK_AND_ASSIGN(const scheduling::v1::FollowUpRuleSet expected,
                         rules_proto::PresetRuleSet(set.name()));
    EXPECT_EQ(set.SerializeAsString(), expected.SerializeAsString()) << set.name();
    for (const auto& rule : set.rules()) EXPECT_FALSE(rule.description().empty()) << rule.id();
  }
}

TEST_F(WorkloadServiceTest, UnknownOrIncompletePresetsAreRejectedAndWriteNothing) {
  v1::RegisterMunicipalityRequest r;
  r.set_tenant(kTenant);
  r.set_request_id("register-bad");
  r.set_actor("admin");
  r.set_name("Herning Kommune");
  r.add_presets("national-staircase");
  r.add_presets("barnets-lov");
  v1::RegisterMunicipalityResponse out;
  EXPECT_STATUS(FromGrpcStatus(stub_->RegisterMunicipality(ServiceHarness::Context().get(), r, &out)),
                StatusCode::kInvalidArgument, "weight table preset");
  r.add_presets("heavy-weights");
  EXPECT_STATUS(FromGrpcStatus(stub_->RegisterMunicipality(ServiceHarness::Context().get(), r, &out)),
                StatusCode::kNotFound, "heavy-weights");
  r.set_tenant("657");
  EXPECT_STATUS(FromGrpcStatus(stub_->RegisterMunicipality(ServiceHarness::Context().get(), r, &out)),
                StatusCode::kInvalidArgument, "tenant");
  EXPECT_TRUE(OrgEvents(harness_.log()).empty());
  // Nothing of an unregistered municipality can be created.
  EXPECT_STATUS(CreateTeam("vest"), StatusCode::kNotFound, "not registered");
}

TEST_F(WorkloadServiceTest, ARepeatedRequestIdReturnsTheOriginalOutcomeAndWritesOnce) {
  ASSERT_OK(Register());
  v1::CreateTeamRequest r;
  r.set_tenant(kTenant);
  r.set_request_id("team-once");
  r.set_actor("admin");
  r.set_name("Team Nord");  // no id: the service assigns one
  v1::CreateTeamResponse first, again;
  ASSERT_OK(FromGrpcStatus(stub_->CreateTeam(ServiceHarness::Context().get(), r, &first)));
  ASSERT_OK(FromGrpcStatus(stub_->CreateTeam(ServiceHarness::Context().get(), r, &again)));
  EXPECT_FALSE(first.team_id().empty());
  EXPECT_EQ(again.team_id(), first.team_id());
  EXPECT_EQ(again.positions(0).offset(), first.positions(0).offset());
  EXPECT_EQ(OrgEvents(harness_.log()).size(), 2u);
}

TEST_F(WorkloadServiceTest, ANewWeightTableAppliesFromItsDateOnly) {
  RegisterOrganisation();
  WriteMixedHistory();
  CatchUp();
  // From 2025-01-01 SIMPLE weighs 5 and investigations 3.
  v1::GetWeightTableRequest get;
  get.set_tenant(kTenant);
  *get.mutable_as_of() = service::ToProtoDate(D("2024-06-01"));
  v1::GetWeightTableResponse current;
  ASSERT_OK(FromGrpcStatus(stub_->GetWeightTable(ServiceHarness::Context().get(), get, &current)));
  EXPECT_EQ(current.version(), 0u);
  v1::WeightTable table = current.weight_table();
  table.mutable_grade_points(0)->set_points(5);
  table.mutable_modifiers(2)->set_points(3);
  v1::ConfigureWeightTableRequest configure;
  configure.set_tenant(kTenant);
  configure.set_request_id("weights-2025");
  configure.set_actor("admin");
  *configure.mutable_weight_table() = table;
  *configure.mutable_effective_from() = service::ToProtoDate(D("2025-01-01"));
  v1::ConfigureWeightTableResponse configured;
  ASSERT_OK(FromGrpcStatus(stub_->ConfigureWeightTable(ServiceHarness::Context().get(), configure, &configured)));
  EXPECT_EQ(configured.version(), 1u);
  // bo's half of c2 (SIMPLE + first year): 3 in 2024, (5 + 2) / 2 = 3.5 in 2025.
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad bo, Load("bo", D("2024-12-31")));
  EXPECT_EQ(bo.load_millipoints(), 3000);
  ASSERT_OK_AND_ASSIGN(bo, Load("bo", D("2025-01-01")));
  EXPECT_EQ(bo.load_millipoints(), 3500);
  *get.mutable_as_of() = service::ToProtoDate(D("2025-02-01"));
  ASSERT_OK(FromGrpcStatus(stub_->GetWeightTable(ServiceHarness::Context().get(), get, &current)));
  EXPECT_EQ(current.version(), 1u);
  EXPECT_EQ(current.effective_from().year(), 2025);
  EXPECT_EQ(current.weight_table().grade_points(0).points(), 5);
  // A table that names a grade twice is refused, naming the field.
  table.mutable_grade_points(1)->set_grade(cases::v1::CASE_GRADE_SIMPLE);
  *configure.mutable_weight_table() = table;
  configure.set_request_id("weights-bad");
  EXPECT_STATUS(FromGrpcStatus(stub_->ConfigureWeightTable(ServiceHarness::Context().get(), configure, &configured)),
                StatusCode::kInvalidArgument, "weight_table.grade_points[1].grade");
}

TEST_F(WorkloadServiceTest, LoadsSurviveARestart) {
  RegisterOrganisation();
  WriteMixedHistory();
  CatchUp();
  ASSERT_OK(harness_.Restart());
  Use(harness_);
  ASSERT_OK_AND_ASSIGN(v1::CaseworkerLoad anna, Load("anna", D("2024-05-15")));
  EXPECT_EQ(anna.load_millipoints(), 28000);
}

}  // namespace
}  // namespace trappe::workload
