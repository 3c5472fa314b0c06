// The placements service over its real gRPC API, with hand-computed expectations.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "trappe/common/status_grpc.h"
#include "trappe/placements/module.h"
#include "trappe/placements/v1/service.grpc.pb.h"
#include "trappe/service/convert.h"
#include "trappe/testing/dates.h"
#include "trappe/testing/service_harness.h"
#include "trappe/testing/status_matchers.h"
#include "upstream_events.h"

namespace trappe::placements {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::NationalStaircase;
using trappe::testing::ServiceHarness;

using trappe::testing::D;
common::v1::Date PD(std::string_view iso) { return service::ToProtoDate(D(iso)); }

constexpr char kTenant[] = "0657";

class PlacementServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start({OpenPlacementsModule}));
    Connect();
    ASSERT_OK(upstream_->RegisterMunicipality(D("2020-01-01"), NationalStaircase()));
    ASSERT_OK(upstream_->OpenCase(case_, child_, D("2023-06-01")));
  }

  void Connect() {
    stub_ = v1::PlacementService::NewStub(harness_.channel());
    upstream_ =
        std::make_unique<testing::Upstream>(&harness_.log(), &harness_.module(0).engine(), kTenant);
  }

#define TRAPPE_RPC(Name)                                                   \
  Result<v1::Name##Response> Name(const v1::Name##Request& request) {      \
    v1::Name##Response response;                                           \
    const auto context = ServiceHarness::Context();                        \
    const grpc::Status s = stub_->Name(context.get(), request, &response); \
    if (!s.ok()) return FromGrpcStatus(s);                                 \
    return response;                                                       \
  }
  TRAPPE_RPC(ConfigureStaircase)
  TRAPPE_RPC(StartIntervention)
  TRAPPE_RPC(ChangeIntervention)
  TRAPPE_RPC(EndIntervention)
  TRAPPE_RPC(ApproveChildPlan)
  TRAPPE_RPC(GetStaircase)
  TRAPPE_RPC(GetTrajectory)
  TRAPPE_RPC(GetStaircaseDistribution)
  TRAPPE_RPC(GetKeyFigures)
  TRAPPE_RPC(ListActiveInterventions)
#undef TRAPPE_RPC

  template <typename Request>
  Request Command() {
    Request r;
    r.set_tenant(kTenant);
    r.set_request_id("req-" + std::to_string(++requests_));
    r.set_actor("sagsbehandler-1");
    return r;
  }

  v1::StartInterventionRequest Support(const std::string& case_id, int step, std::string_view start,
                                       std::string_view planned_end, int64_t cost) {
    auto r = Command<v1::StartInterventionRequest>();
    r.set_case_id(case_id);
    r.set_step_number(step);
    r.mutable_kind()->set_support(v1::SUPPORT_TYPE_FAMILY_TREATMENT);
    *r.mutable_start_date() = PD(start);
    *r.mutable_planned_end_date() = PD(planned_end);
    r.set_monthly_cost_oere(cost);
    r.set_purpose("støtte i hjemmet");
    return r;
  }

  v1::StartInterventionRequest Placement(const std::string& case_id, v1::PlacementType type,
                                         int step, std::string_view start, int64_t cost) {
    auto r = Command<v1::StartInterventionRequest>();
    r.set_case_id(case_id);
    r.set_step_number(step);
    r.mutable_kind()->set_placement(type);
    *r.mutable_start_date() = PD(start);
    r.set_monthly_cost_oere(cost);
    r.set_consent_basis(v1::CONSENT_BASIS_WITH_CONSENT);
    r.mutable_provider()->set_provider_id("tilbud-42");
    return r;
  }

  v1::EndInterventionRequest Ending(const std::string& id, std::string_view end,
                                    v1::Destination destination, int step = 0) {
    auto r = Command<v1::EndInterventionRequest>();
    r.set_intervention_id(id);
    *r.mutable_end_date() = PD(end);
    r.set_reason(step > 0 ? v1::END_REASON_STEPPED_DOWN : v1::END_REASON_PURPOSE_ACHIEVED);
    r.set_destination(destination);
    r.set_destination_step_number(step);
    return r;
  }

  std::string MustStart(const v1::StartInterventionRequest& r) {
    auto started = StartIntervention(r);
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    return started.ok() ? started->intervention_id() : "";
  }

  void MustEnd(const v1::EndInterventionRequest& r) { EXPECT_OK(EndIntervention(r)); }

  v1::GetKeyFiguresRequest Figures(std::string_view first, std::string_view last) {
    v1::GetKeyFiguresRequest r;
    r.set_tenant(kTenant);
    *r.mutable_period()->mutable_start_date() = PD(first);
    *r.mutable_period()->mutable_end_date() = PD(last);
    return r;
  }

  v1::GetStaircaseDistributionRequest Distribution(std::string_view as_of) {
    v1::GetStaircaseDistributionRequest r;
    r.set_tenant(kTenant);
    *r.mutable_as_of() = PD(as_of);
    return r;
  }

  int64_t RecordsInLog() {
    int64_t total = 0;
    for (const std::string_view topic : {eventlog::kCaseEventsTopic, eventlog::kOrgEventsTopic}) {
      for (const int64_t end : harness_.log().EndOffsets(topic).value()) total += end;
    }
    return total;
  }

  // The 6 -> 5 -> 3 -> 0 course: a children's home, a foster family, family treatment. An
  // end date is the intervention's last day; the next one starts the day after.
  void ChildMovesSixFiveThreeZero() {
    const std::string home =
        MustStart(Placement(case_, v1::PLACEMENT_TYPE_CHILDRENS_HOME, 6, "2024-01-10", 6'000'000));
    MustEnd(Ending(home, "2024-08-31", v1::DESTINATION_STEP, 5));
    const std::string foster = MustStart(
        Placement(case_, v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 5, "2024-09-01", 3'000'000));
    MustEnd(Ending(foster, "2025-05-31", v1::DESTINATION_STEP, 3));
    const std::string treatment =
        MustStart(Support(case_, 3, "2025-06-01", "2026-01-15", 1'200'000));
    MustEnd(Ending(treatment, "2026-01-14", v1::DESTINATION_HOME));
    ids_ = {home, foster, treatment};
  }

  ServiceHarness harness_;
  std::unique_ptr<v1::PlacementService::Stub> stub_;
  std::unique_ptr<testing::Upstream> upstream_;
  const std::string case_ = "11111111-1111-4111-8111-111111111111";
  const std::string child_ = "c0000000-0000-4000-8000-000000000001";
  std::vector<std::string> ids_;
  int requests_ = 0;
};

TEST_F(PlacementServiceTest, AChildMovedSixFiveThreeZeroHasThatTrajectoryAndThoseMoves) {
  ChildMovesSixFiveThreeZero();
  v1::GetTrajectoryRequest r;
  r.set_tenant(kTenant);
  r.set_case_id(case_);
  ASSERT_OK_AND_ASSIGN(const v1::GetTrajectoryResponse t, GetTrajectory(r));
  EXPECT_EQ(t.child_id(), child_);
  EXPECT_EQ(t.current_step(), 0);  // today, 2026-03-02: home
  ASSERT_EQ(t.changes_size(), 4);
  struct Move {
    const char* date;
    int from, to;
    v1::StepDirection direction;
    size_t cause;
  };
  const Move expected[] = {{"2024-01-10", 0, 6, v1::STEP_DIRECTION_UP, 0},
                           {"2024-09-01", 6, 5, v1::STEP_DIRECTION_DOWN, 1},
                           {"2025-06-01", 5, 3, v1::STEP_DIRECTION_DOWN, 2},
                           {"2026-01-15", 3, 0, v1::STEP_DIRECTION_DOWN, 2}};
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    const v1::StepChange& c = t.changes(i);
    EXPECT_EQ(service::ToCivilDate(c.date(), "date").value(), D(expected[i].date));
    EXPECT_EQ(c.from_step(), expected[i].from);
    EXPECT_EQ(c.to_step(), expected[i].to);
    EXPECT_EQ(c.direction(), expected[i].direction);
    EXPECT_EQ(c.intervention_id(), ids_[expected[i].cause]);
  }
  ASSERT_EQ(t.interventions_size(), 3);
  EXPECT_EQ(t.interventions(0).step_name(), "Anbringelse på institution");
  EXPECT_EQ(t.interventions(0).state(), v1::INTERVENTION_STATE_ENDED);

  // Half way: on 2024-12-01 the child is in the foster family, after two moves.
  *r.mutable_as_of() = PD("2024-12-01");
  ASSERT_OK_AND_ASSIGN(const v1::GetTrajectoryResponse mid, GetTrajectory(r));
  EXPECT_EQ(mid.current_step(), 5);
  EXPECT_EQ(mid.changes_size(), 2);
  EXPECT_EQ(mid.interventions(1).state(), v1::INTERVENTION_STATE_ACTIVE);
  EXPECT_EQ(mid.interventions(2).state(), v1::INTERVENTION_STATE_PLANNED);

  // The key figures of the whole course: one move up, three down, one of them down from a
  // home-based step; one institution placement of 235 days (10 Jan - 31 Aug 2024, leap year).
  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse f,
                       GetKeyFigures(Figures("2024-01-01", "2026-03-01")));
  const v1::KeyFigures& k = f.key_figures();
  EXPECT_EQ(k.moves_up(), 1);
  EXPECT_EQ(k.moves_down(), 3);
  EXPECT_EQ(k.moves_down_from_home_based(), 1);
  EXPECT_EQ(k.moves_up_from_home_based(), 0);
  EXPECT_EQ(k.institution_placements_started(), 1);
  EXPECT_EQ(k.institution_placements_ended(), 1);
  EXPECT_DOUBLE_EQ(k.institution_average_duration_days(), 235.0);
  EXPECT_DOUBLE_EQ(k.institution_median_duration_days(), 235.0);
  EXPECT_EQ(k.institution_placements_active(), 0);
  EXPECT_EQ(k.children_previously_in_institution(), 0);  // nothing active on 2026-03-01

  // On 2025-01-01 the child is in foster care, earlier in an institution.
  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse y2024,
                       GetKeyFigures(Figures("2024-01-01", "2024-12-31")));
  EXPECT_EQ(y2024.key_figures().foster_placements_active(), 1);
  EXPECT_EQ(y2024.key_figures().children_previously_in_institution(), 1);
  EXPECT_EQ(y2024.key_figures().moves_up(), 1);
  EXPECT_EQ(y2024.key_figures().moves_down(), 1);
}

TEST_F(PlacementServiceTest, ThePreventionShareIsProratedByDayOverPartialMonths) {
  // 10,000 kr a month on step 2 (prevention) from 15 January 2025, and 30,000 kr a month in
  // a foster family (step 5) from 10 February; the period ends mid-March.
  MustStart(Support(case_, 2, "2025-01-15", "2025-12-31", 1'000'000));
  MustStart(Placement(case_, v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 5, "2025-02-10", 3'000'000));
  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse f,
                       GetKeyFigures(Figures("2025-01-01", "2025-03-15")));
  // Prevention: 17/31 of January = 548,387.1 -> 548,387; February 1,000,000; 15/31 of March
  // = 483,871.0 -> 483,871. Total 2,032,258.
  EXPECT_EQ(f.key_figures().prevention_spending_oere(), 2'032'258);
  // Foster family: 19/28 of February = 2,035,714.3 -> 2,035,714; 15/31 of March =
  // 1,451,612.9 -> 1,451,613. With prevention: 5,519,585.
  EXPECT_EQ(f.key_figures().total_spending_oere(), 5'519'585);
  // 2,032,258 / 5,519,585 = 36.819...% -> 3682 basis points.
  EXPECT_EQ(f.key_figures().prevention_share_bp(), 3682);
  EXPECT_EQ(f.key_figures().preventive_interventions_active(), 1);
  EXPECT_EQ(f.key_figures().preventive_interventions_started(), 1);
  EXPECT_EQ(f.key_figures().foster_placements_active(), 1);
}

TEST_F(PlacementServiceTest, EndBeforeStartIsInvalidAndWritesNothing) {
  const std::string id = MustStart(Support(case_, 3, "2025-06-01", "2026-01-15", 1'200'000));
  const int64_t before = RecordsInLog();
  EXPECT_STATUS(EndIntervention(Ending(id, "2025-05-31", v1::DESTINATION_HOME)),
                StatusCode::kInvalidArgument,
                "end_date: 2025-05-31 is before the intervention's start 2025-06-01");
  EXPECT_EQ(RecordsInLog(), before);
}

TEST_F(PlacementServiceTest, APlacementTypeOnAStepThatIsNotAPlacementStepIsRefused) {
  const int64_t before = RecordsInLog();
  EXPECT_STATUS(
      StartIntervention(Placement(case_, v1::PLACEMENT_TYPE_CHILDRENS_HOME, 3, "2025-01-10", 1)),
      StatusCode::kFailedPrecondition, "which is not a placement step");
  EXPECT_EQ(RecordsInLog(), before);
}

TEST_F(PlacementServiceTest, TwoSimultaneousPlacementsOfOneChildAreRefused) {
  MustStart(Placement(case_, v1::PLACEMENT_TYPE_CHILDRENS_HOME, 6, "2025-01-10", 6'000'000));
  const int64_t before = RecordsInLog();
  EXPECT_STATUS(StartIntervention(Placement(case_, v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 5,
                                            "2025-03-01", 3'000'000)),
                StatusCode::kFailedPrecondition, "the child already has a placement");
  // Also through another case of the same child.
  const std::string other_case = "22222222-2222-4222-8222-222222222222";
  ASSERT_OK(upstream_->OpenCase(other_case, child_, D("2025-02-01")));
  const int64_t with_case = RecordsInLog();
  EXPECT_EQ(with_case, before + 1);
  EXPECT_STATUS(StartIntervention(Placement(other_case, v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 5,
                                            "2025-03-01", 3'000'000)),
                StatusCode::kFailedPrecondition, "the child already has a placement");
  EXPECT_EQ(RecordsInLog(), with_case);
  // The end date is a placement's last day: the next may start the day after, not on it.
  ASSERT_OK_AND_ASSIGN(const v1::GetTrajectoryResponse t, [&] {
    v1::GetTrajectoryRequest r;
    r.set_tenant(kTenant);
    r.set_case_id(case_);
    return GetTrajectory(r);
  }());
  const std::string home = t.interventions(0).intervention_id();
  MustEnd(Ending(home, "2025-02-28", v1::DESTINATION_STEP, 5));
  EXPECT_STATUS(StartIntervention(Placement(case_, v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 5,
                                            "2025-02-28", 3'000'000)),
                StatusCode::kFailedPrecondition, "the child already has a placement");
  MustStart(Placement(case_, v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 5, "2025-03-01", 3'000'000));
  // A supporting intervention beside the placement is fine.
  MustStart(Support(case_, 3, "2025-03-01", "2025-09-01", 500'000));
}

TEST_F(PlacementServiceTest, AnUnknownCaseIsNotFound) {
  const int64_t before = RecordsInLog();
  EXPECT_STATUS(StartIntervention(Support("33333333-3333-4333-8333-333333333333", 2, "2025-01-01",
                                          "2025-06-01", 1)),
                StatusCode::kNotFound, "case 33333333-3333-4333-8333-333333333333 not found");
  auto end = Ending("44444444-4444-4444-8444-444444444444", "2025-01-01", v1::DESTINATION_HOME);
  EXPECT_STATUS(EndIntervention(end), StatusCode::kNotFound, "intervention");
  v1::GetTrajectoryRequest t;
  t.set_tenant(kTenant);
  t.set_case_id("33333333-3333-4333-8333-333333333333");
  EXPECT_STATUS(GetTrajectory(t), StatusCode::kNotFound, "not found");
  // Another municipality does not see this one's case.
  auto elsewhere = Support(case_, 2, "2025-01-01", "2025-06-01", 1);
  elsewhere.set_tenant("0101");
  EXPECT_STATUS(StartIntervention(elsewhere), StatusCode::kNotFound, "not found");
  EXPECT_EQ(RecordsInLog(), before);
}

TEST_F(PlacementServiceTest, AClosedCaseIsAFailedPrecondition) {
  const std::string id = MustStart(Support(case_, 2, "2025-01-01", "2025-12-01", 100'000));
  ASSERT_OK(upstream_->CloseCase(case_, D("2025-06-01")));
  const int64_t before = RecordsInLog();
  EXPECT_STATUS(StartIntervention(Support(case_, 2, "2025-07-01", "2025-12-01", 1)),
                StatusCode::kFailedPrecondition, "is closed");
  auto plan = Command<v1::ApproveChildPlanRequest>();
  plan.set_case_id(case_);
  EXPECT_STATUS(ApproveChildPlan(plan), StatusCode::kFailedPrecondition, "is closed");
  EXPECT_EQ(RecordsInLog(), before);
  // What the closed case left running can still be ended.
  MustEnd(Ending(id, "2025-06-01", v1::DESTINATION_HOME));
  ASSERT_OK(upstream_->ReopenCase(case_, D("2025-08-01")));
  MustStart(Support(case_, 2, "2025-08-01", "2025-12-01", 1));
}

TEST_F(PlacementServiceTest, EveryInvalidFieldIsNamedAndNothingIsWritten) {
  const int64_t before = RecordsInLog();
  auto r = Support(case_, 3, "2025-01-01", "2025-06-01", 1);
  r.clear_planned_end_date();
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument,
                "planned_end_date: is required for a par. 32 support");
  r = Placement(case_, v1::PLACEMENT_TYPE_CHILDRENS_HOME, 6, "2025-01-01", 1);
  r.set_consent_basis(v1::CONSENT_BASIS_UNSPECIFIED);
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument,
                "consent_basis: is required for a placement");
  r = Placement(case_, v1::PLACEMENT_TYPE_CHILDRENS_HOME, 6, "2025-01-01", 1);
  r.set_intensive(true);
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument,
                "planned_end_date: is required for an intensive");
  r = Support(case_, 3, "2025-01-01", "2025-06-01", -1);
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument,
                "monthly_cost_oere: must not be negative");
  r = Support(case_, 3, "2025-06-01", "2025-06-01", 1);
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument,
                "planned_end_date: 2025-06-01 is not after start_date 2025-06-01");
  r = Support(case_, 3, "2026-03-03", "2026-06-01", 1);
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument, "start_date");
  r = Support(case_, 3, "2025-01-01", "2025-06-01", 1);
  r.clear_kind();
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument, "kind: is required");
  r = Support(case_, 0, "2025-01-01", "2025-06-01", 1);
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument, "step_number");
  r = Support("not-a-uuid", 3, "2025-01-01", "2025-06-01", 1);
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument, "case_id");
  r = Support(case_, 3, "2025-01-01", "2025-06-01", 1);
  r.set_tenant("657");
  EXPECT_STATUS(StartIntervention(r), StatusCode::kInvalidArgument, "tenant");
  // A step the staircase lacks.
  r = Support(case_, 7, "2025-01-01", "2025-06-01", 1);
  EXPECT_STATUS(StartIntervention(r), StatusCode::kFailedPrecondition,
                "the staircase in force on 2025-01-01 has no step 7");
  // Ending needs a reason and a destination; a step destination needs its step.
  const std::string id = MustStart(Support(case_, 3, "2025-01-01", "2025-06-01", 1));
  const int64_t after_start = RecordsInLog();
  EXPECT_EQ(after_start, before + 1);
  auto end = Ending(id, "2025-03-01", v1::DESTINATION_STEP, 0);
  EXPECT_STATUS(EndIntervention(end), StatusCode::kInvalidArgument, "destination_step_number");
  end = Ending(id, "2025-03-01", v1::DESTINATION_UNSPECIFIED);
  EXPECT_STATUS(EndIntervention(end), StatusCode::kInvalidArgument, "destination: is required");
  end = Ending(id, "2025-03-01", v1::DESTINATION_HOME);
  end.set_reason(v1::END_REASON_UNSPECIFIED);
  EXPECT_STATUS(EndIntervention(end), StatusCode::kInvalidArgument, "reason: is required");
  auto change = Command<v1::ChangeInterventionRequest>();
  change.set_intervention_id(id);
  EXPECT_STATUS(ChangeIntervention(change), StatusCode::kInvalidArgument, "at least one of");
  change.set_monthly_cost_oere(5);
  *change.mutable_effective_date() = PD("2024-12-31");
  EXPECT_STATUS(ChangeIntervention(change), StatusCode::kInvalidArgument,
                "effective_date: 2024-12-31 is before the intervention's start 2025-01-01");
  v1::GetKeyFiguresRequest figures = Figures("2025-02-01", "2025-01-01");
  EXPECT_STATUS(GetKeyFigures(figures), StatusCode::kInvalidArgument, "period.end_date");
  EXPECT_EQ(RecordsInLog(), after_start);
  // Ended is final.
  MustEnd(Ending(id, "2025-03-01", v1::DESTINATION_HOME));
  EXPECT_STATUS(EndIntervention(Ending(id, "2025-04-01", v1::DESTINATION_HOME)),
                StatusCode::kFailedPrecondition, "already ended on 2025-03-01");
}

TEST_F(PlacementServiceTest, ARepeatedRequestIdReturnsTheOriginalOutcomeAndWritesOnce) {
  const auto request = Support(case_, 3, "2025-01-01", "2025-06-01", 1);
  ASSERT_OK_AND_ASSIGN(const v1::StartInterventionResponse first, StartIntervention(request));
  const int64_t after_first = RecordsInLog();
  ASSERT_OK_AND_ASSIGN(const v1::StartInterventionResponse again, StartIntervention(request));
  EXPECT_EQ(again.intervention_id(), first.intervention_id());
  EXPECT_EQ(again.version(), 1u);
  ASSERT_EQ(again.positions_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(again.positions(0), first.positions(0)));
  EXPECT_EQ(RecordsInLog(), after_first);

  auto end = Ending(first.intervention_id(), "2025-03-01", v1::DESTINATION_HOME);
  ASSERT_OK_AND_ASSIGN(const v1::EndInterventionResponse ended, EndIntervention(end));
  EXPECT_EQ(ended.version(), 2u);
  ASSERT_OK_AND_ASSIGN(const v1::EndInterventionResponse ended_again, EndIntervention(end));
  EXPECT_EQ(ended_again.version(), 2u);
  EXPECT_EQ(RecordsInLog(), after_first + 1);

  auto plan = Command<v1::ApproveChildPlanRequest>();
  plan.set_case_id(case_);
  *plan.mutable_approved_on() = PD("2025-02-01");
  ASSERT_OK_AND_ASSIGN(const v1::ApproveChildPlanResponse approved, ApproveChildPlan(plan));
  EXPECT_EQ(approved.version(), 1u);
  ASSERT_OK_AND_ASSIGN(const v1::ApproveChildPlanResponse approved_again, ApproveChildPlan(plan));
  EXPECT_EQ(approved_again.version(), 1u);
  auto revised = Command<v1::ApproveChildPlanRequest>();
  revised.set_case_id(case_);
  revised.set_expected_version(1);
  ASSERT_OK_AND_ASSIGN(const v1::ApproveChildPlanResponse second, ApproveChildPlan(revised));
  EXPECT_EQ(second.version(), 2u);
  auto stale = Command<v1::ApproveChildPlanRequest>();
  stale.set_case_id(case_);
  stale.set_expected_version(1);
  EXPECT_STATUS(ApproveChildPlan(stale), StatusCode::kAborted, "expected_version 1");
  EXPECT_EQ(RecordsInLog(), after_first + 3);
}

TEST_F(PlacementServiceTest, ChangingTheStepMovesTheChildFromItsDate) {
  const std::string id = MustStart(
      Placement(case_, v1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY, 5, "2025-01-01", 3'100'000));
  auto change = Command<v1::ChangeInterventionRequest>();
  change.set_intervention_id(id);
  change.set_step_number(4);
  change.set_monthly_cost_oere(2'000'000);
  *change.mutable_effective_date() = PD("2025-04-01");
  change.set_reason("netværket overtager");
  ASSERT_OK_AND_ASSIGN(const v1::ChangeInterventionResponse changed, ChangeIntervention(change));
  EXPECT_EQ(changed.version(), 2u);
  // A placement cannot move to a step that is not a placement step.
  auto wrong = Command<v1::ChangeInterventionRequest>();
  wrong.set_intervention_id(id);
  wrong.set_step_number(2);
  *wrong.mutable_effective_date() = PD("2025-05-01");
  EXPECT_STATUS(ChangeIntervention(wrong), StatusCode::kFailedPrecondition, "placement step");

  v1::GetTrajectoryRequest r;
  r.set_tenant(kTenant);
  r.set_case_id(case_);
  ASSERT_OK_AND_ASSIGN(const v1::GetTrajectoryResponse t, GetTrajectory(r));
  ASSERT_EQ(t.changes_size(), 2);
  EXPECT_EQ(t.changes(1).from_step(), 5);
  EXPECT_EQ(t.changes(1).to_step(), 4);
  EXPECT_EQ(t.changes(1).intervention_id(), id);
  EXPECT_EQ(t.interventions(0).step_number(), 4);
  EXPECT_EQ(t.interventions(0).monthly_cost_oere(), 2'000'000);
  EXPECT_EQ(t.interventions(0).step_name(), "Anbringelse i slægt eller netværk");

  // The distribution follows the change from its date.
  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseDistributionResponse march,
                       GetStaircaseDistribution(Distribution("2025-03-31")));
  EXPECT_EQ(march.steps(5).children(), 1);
  EXPECT_EQ(march.steps(5).monthly_cost_oere(), 3'100'000);
  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseDistributionResponse april,
                       GetStaircaseDistribution(Distribution("2025-04-01")));
  EXPECT_EQ(april.steps(5).children(), 0);
  EXPECT_EQ(april.steps(4).children(), 1);
  EXPECT_EQ(april.steps(4).monthly_cost_oere(), 2'000'000);

  // Q1 2025 at 31,000 kr, then April at 20,000 kr: 3 x 3,100,000 + 2,000,000.
  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse f,
                       GetKeyFigures(Figures("2025-01-01", "2025-04-30")));
  EXPECT_EQ(f.key_figures().total_spending_oere(), 11'300'000);
  EXPECT_EQ(f.key_figures().prevention_spending_oere(), 0);
  EXPECT_EQ(f.key_figures().moves_down(), 1);
  EXPECT_EQ(f.key_figures().network_placements_active(), 0);  // counted by placement type
  EXPECT_EQ(f.key_figures().foster_placements_active(), 1);
}

TEST_F(PlacementServiceTest, TheDistributionCountsChildrenPerStepOnADate) {
  // Child 1 (case_): home-based measure on step 3 from 2025-01-01, and a preventive offer on
  // step 2 beside it: stands on step 3. Child 2: foster family from 2025-02-01. Child 3:
  // open case, nothing active: step 0. Child 4: case closed before the date: not counted.
  MustStart(Support(case_, 3, "2025-01-01", "2025-12-31", 1'000'000));
  MustStart(Support(case_, 2, "2025-01-01", "2025-12-31", 200'000));
  const std::string c2 = "22222222-2222-4222-8222-222222222222";
  const std::string c3 = "33333333-3333-4333-8333-333333333333";
  const std::string c4 = "44444444-4444-4444-8444-444444444444";
  ASSERT_OK(upstream_->OpenCase(c2, "c0000000-0000-4000-8000-000000000002", D("2025-01-01")));
  ASSERT_OK(upstream_->OpenCase(c3, "c0000000-0000-4000-8000-000000000003", D("2025-01-01"),
                                "team-oest"));
  ASSERT_OK(upstream_->OpenCase(c4, "c0000000-0000-4000-8000-000000000004", D("2025-01-01")));
  ASSERT_OK(upstream_->CloseCase(c4, D("2025-02-01")));
  MustStart(Placement(c2, v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 5, "2025-02-01", 3'000'000));

  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseDistributionResponse d,
                       GetStaircaseDistribution(Distribution("2025-03-01")));
  ASSERT_EQ(d.steps_size(), 7);
  const int children[] = {1, 0, 0, 1, 0, 1, 0};
  const int64_t cost[] = {0, 0, 200'000, 1'000'000, 0, 3'000'000, 0};
  for (int i = 0; i < 7; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(d.steps(i).step_number(), i);
    EXPECT_EQ(d.steps(i).children(), children[i]);
    EXPECT_EQ(d.steps(i).monthly_cost_oere(), cost[i]);
  }
  EXPECT_TRUE(d.steps(3).prevention());
  EXPECT_EQ(d.steps(3).category(), v1::STEP_CATEGORY_HOME_BASED);
  // Before the foster placement started, child 2 stood on step 0 and child 4 was open.
  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseDistributionResponse early,
                       GetStaircaseDistribution(Distribution("2025-01-15")));
  EXPECT_EQ(early.steps(0).children(), 3);
  EXPECT_EQ(early.steps(5).children(), 0);
  // One team only.
  auto team = Distribution("2025-03-01");
  team.set_team_id("team-oest");
  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseDistributionResponse oest,
                       GetStaircaseDistribution(team));
  EXPECT_EQ(oest.steps(0).children(), 1);
  EXPECT_EQ(oest.steps(3).children(), 0);
}

TEST_F(PlacementServiceTest, IntensivePlacementsEndedLowerBeforeTheirPlannedEndAreCounted) {
  // Intensive children's home 2025-01-01 planned to 2025-07-01, last day 2025-04-30, then a
  // home-based measure (lower, early). A second intensive one in another child's case ran
  // to its planned end, 2025-07-31.
  auto intensive = Placement(case_, v1::PLACEMENT_TYPE_OPHOLDSSTED, 6, "2025-01-01", 7'000'000);
  intensive.set_intensive(true);
  *intensive.mutable_planned_end_date() = PD("2025-07-01");
  const std::string first = MustStart(intensive);
  MustEnd(Ending(first, "2025-04-30", v1::DESTINATION_STEP, 3));
  MustStart(Support(case_, 3, "2025-05-01", "2025-12-31", 1'000'000));

  const std::string c2 = "22222222-2222-4222-8222-222222222222";
  ASSERT_OK(upstream_->OpenCase(c2, "c0000000-0000-4000-8000-000000000002", D("2025-01-01")));
  auto second = Placement(c2, v1::PLACEMENT_TYPE_CHILDRENS_HOME, 6, "2025-02-01", 7'000'000);
  second.set_intensive(true);
  *second.mutable_planned_end_date() = PD("2025-07-31");
  const std::string second_id = MustStart(second);
  MustEnd(Ending(second_id, "2025-07-31", v1::DESTINATION_STEP, 5));
  MustStart(Placement(c2, v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 5, "2025-08-01", 3'000'000));

  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse f,
                       GetKeyFigures(Figures("2025-01-01", "2025-12-31")));
  const v1::KeyFigures& k = f.key_figures();
  EXPECT_EQ(k.intensive_placements_ended(), 2);
  EXPECT_EQ(k.intensive_placements_ended_lower_early(), 1);
  EXPECT_EQ(k.intensive_placements_active(), 0);
  EXPECT_EQ(k.institution_placements_ended(), 2);
  // 120 days (1 Jan - 30 Apr 2025) and 181 days (1 Feb - 31 Jul 2025).
  EXPECT_DOUBLE_EQ(k.institution_average_duration_days(), 150.5);
  EXPECT_DOUBLE_EQ(k.institution_median_duration_days(), 150.5);
  EXPECT_EQ(k.children_previously_in_institution(), 2);
  EXPECT_EQ(k.home_based_measures_active(), 1);
  EXPECT_EQ(k.moves_down(), 2);
  EXPECT_EQ(k.moves_up(), 2);

  // Mid-period: both active, the first one not yet 12 months old.
  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse march,
                       GetKeyFigures(Figures("2025-03-01", "2025-03-31")));
  EXPECT_EQ(march.key_figures().intensive_placements_active(), 2);
  EXPECT_EQ(march.key_figures().institution_placements_active(), 2);
  EXPECT_EQ(march.key_figures().institution_placements_over_12_months(), 0);
}

TEST_F(PlacementServiceTest, AStaircaseChangeMidHistoryLeavesPastFiguresAsTheyWere) {
  ChildMovesSixFiveThreeZero();
  const std::string c2 = "22222222-2222-4222-8222-222222222222";
  ASSERT_OK(upstream_->OpenCase(c2, "c0000000-0000-4000-8000-000000000002", D("2024-01-01")));
  MustStart(Support(c2, 3, "2024-03-15", "2026-12-31", 1'500'000));
  MustStart(Support(c2, 1, "2024-02-01", "2026-12-31", 100'000));

  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse before,
                       GetKeyFigures(Figures("2024-01-01", "2025-12-31")));
  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseDistributionResponse dist_before,
                       GetStaircaseDistribution(Distribution("2025-03-01")));

  // From 2026-01-01 the municipality renames step 3, stops counting it as prevention and
  // drops the institution step.
  v1::Staircase changed = NationalStaircase();
  changed.mutable_steps(2)->set_name("Familiebehandling");
  changed.mutable_steps(2)->set_prevention(false);
  changed.mutable_steps()->RemoveLast();
  auto configure = Command<v1::ConfigureStaircaseRequest>();
  *configure.mutable_staircase() = changed;
  *configure.mutable_effective_from() = PD("2026-01-01");
  ASSERT_OK_AND_ASSIGN(const v1::ConfigureStaircaseResponse configured,
                       ConfigureStaircase(configure));
  EXPECT_EQ(configured.version(), 1u);

  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse after,
                       GetKeyFigures(Figures("2024-01-01", "2025-12-31")));
  EXPECT_TRUE(MessageDifferencer::Equals(before, after)) << after.DebugString();
  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseDistributionResponse dist_after,
                       GetStaircaseDistribution(Distribution("2025-03-01")));
  EXPECT_TRUE(MessageDifferencer::Equals(dist_before, dist_after)) << dist_after.DebugString();

  // The staircase in force: the old one before 2026, the new one after.
  v1::GetStaircaseRequest get;
  get.set_tenant(kTenant);
  *get.mutable_as_of() = PD("2025-12-31");
  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseResponse old_one, GetStaircase(get));
  EXPECT_EQ(old_one.staircase().steps_size(), 6);
  *get.mutable_as_of() = PD("2026-02-01");
  ASSERT_OK_AND_ASSIGN(const v1::GetStaircaseResponse new_one, GetStaircase(get));
  EXPECT_EQ(new_one.staircase().steps_size(), 5);
  EXPECT_EQ(new_one.version(), 1u);

  // Past interventions keep the step they had: the treatment started on "Hjemmebaserede
  // foranstaltninger" and stays there; a new one on step 3 gets the new name and is no
  // longer prevention spending.
  v1::GetTrajectoryRequest t;
  t.set_tenant(kTenant);
  t.set_case_id(c2);
  ASSERT_OK_AND_ASSIGN(const v1::GetTrajectoryResponse trajectory, GetTrajectory(t));
  EXPECT_EQ(trajectory.interventions(1).step_name(), "Hjemmebaserede foranstaltninger");
  EXPECT_STATUS(
      StartIntervention(Placement(case_, v1::PLACEMENT_TYPE_CHILDRENS_HOME, 6, "2026-02-01", 1)),
      StatusCode::kFailedPrecondition, "the staircase in force on 2026-02-01 has no step 6");
  MustStart(Support(case_, 3, "2026-02-01", "2026-08-01", 1'000'000));
  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse feb,
                       GetKeyFigures(Figures("2026-02-01", "2026-02-28")));
  // February 2026: c2's old step-3 (15,000 kr) and step-1 (1,000 kr) keep counting as
  // prevention; the new step-3 measure (10,000 kr) does not.
  EXPECT_EQ(feb.key_figures().prevention_spending_oere(), 1'600'000);
  EXPECT_EQ(feb.key_figures().total_spending_oere(), 2'600'000);
  EXPECT_EQ(feb.key_figures().prevention_share_bp(), 6154);

  // Expected versions protect the staircase from lost updates.
  auto stale = Command<v1::ConfigureStaircaseRequest>();
  *stale.mutable_staircase() = NationalStaircase();
  stale.set_expected_version(7);
  EXPECT_STATUS(ConfigureStaircase(stale), StatusCode::kAborted, "expected_version 7");
  auto bad = Command<v1::ConfigureStaircaseRequest>();
  *bad.mutable_staircase() = NationalStaircase();
  bad.mutable_staircase()->mutable_steps(1)->set_number(5);
  EXPECT_STATUS(ConfigureStaircase(bad), StatusCode::kInvalidArgument, "staircase.steps[1].number");
}

TEST_F(PlacementServiceTest, ARebuildGivesTheLiveChecksumAndTheServiceSurvivesARestart) {
  ChildMovesSixFiveThreeZero();
  const std::string c2 = "22222222-2222-4222-8222-222222222222";
  ASSERT_OK(upstream_->OpenCase(c2, "c0000000-0000-4000-8000-000000000002", D("2024-01-01")));
  // Back-dated facts: written today, effective years ago.
  const std::string id = MustStart(Support(c2, 2, "2022-05-01", "2023-05-01", 400'000));
  auto change = Command<v1::ChangeInterventionRequest>();
  change.set_intervention_id(id);
  change.set_monthly_cost_oere(450'000);
  *change.mutable_effective_date() = PD("2022-09-01");
  ASSERT_OK(ChangeIntervention(change));
  auto configure = Command<v1::ConfigureStaircaseRequest>();
  *configure.mutable_staircase() = NationalStaircase();
  *configure.mutable_effective_from() = PD("2021-01-01");
  ASSERT_OK(ConfigureStaircase(configure));
  auto plan = Command<v1::ApproveChildPlanRequest>();
  plan.set_case_id(case_);
  *plan.mutable_approved_on() = PD("2024-03-01");
  ASSERT_OK(ApproveChildPlan(plan));
  ASSERT_OK(upstream_->CloseCase(c2, D("2024-06-01")));

  projection::Engine& engine = harness_.module(0).engine();
  ASSERT_OK_AND_ASSIGN(const std::string live, engine.Checksum());
  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse figures,
                       GetKeyFigures(Figures("2022-01-01", "2026-03-01")));
  ASSERT_OK(engine.Rebuild());
  ASSERT_OK_AND_ASSIGN(const std::string rebuilt, engine.Checksum());
  EXPECT_EQ(rebuilt, live);

  ASSERT_OK(harness_.Restart());
  Connect();
  ASSERT_OK_AND_ASSIGN(const std::string restarted, harness_.module(0).engine().Checksum());
  EXPECT_EQ(restarted, live);
  ASSERT_OK_AND_ASSIGN(const v1::GetKeyFiguresResponse again,
                       GetKeyFigures(Figures("2022-01-01", "2026-03-01")));
  EXPECT_TRUE(MessageDifferencer::Equals(figures, again));
}

// A record this service cannot read: skipped when it is of a type the service does not
// need, a stop (with the error visible) when it is one of its own.
Result<std::vector<eventlog::Position>> AppendGarbage(eventlog::EventLog& log,
                                                      const std::string& case_id,
                                                      const std::string& type) {
  eventlog::Record record;
  record.key = std::string(kTenant) + "/" + case_id;
  record.value = "\xff\xff not an envelope";
  record.headers.push_back({"trappe-event-type", type});
  std::vector<eventlog::Record> records;
  records.push_back(std::move(record));
  return log.Append(eventlog::kCaseEventsTopic, std::move(records));
}

TEST_F(PlacementServiceTest, AnUnreadableRecordOfAnotherAreaIsSkipped) {
  ASSERT_OK_AND_ASSIGN(
      const auto positions,
      AppendGarbage(harness_.log(), case_, "trappe.scheduling.v1.FollowUpRecorded"));
  projection::Engine& engine = harness_.module(0).engine();
  ASSERT_OK(engine.WaitFor(positions, std::chrono::steady_clock::now() + std::chrono::seconds(30)));
  EXPECT_OK(engine.Health());
  EXPECT_EQ(engine.Metrics().undecodable_skipped, 1u);
  MustStart(Support(case_, 2, "2025-01-01", "2025-06-30", 1));
}

TEST_F(PlacementServiceTest, AnUnreadableRecordOfItsOwnStopsTheProjection) {
  ASSERT_OK_AND_ASSIGN(
      const auto positions,
      AppendGarbage(harness_.log(), case_, "trappe.placements.v1.InterventionStarted"));
  projection::Engine& engine = harness_.module(0).engine();
  EXPECT_FALSE(
      engine.WaitFor(positions, std::chrono::steady_clock::now() + std::chrono::seconds(30)).ok());
  EXPECT_FALSE(engine.Health().ok());
  EXPECT_STATUS(StartIntervention(Support(case_, 2, "2025-01-01", "2025-06-30", 1)),
                StatusCode::kUnavailable, "");
}

TEST_F(PlacementServiceTest, ACaseOpenedAMomentAgoIsFoundWithoutMinPositions) {
  // The cases service has just written CaseOpened; the client starts an intervention at
  // once (commands carry no min_positions): the service catches up before refusing.
  const std::string fresh = "55555555-5555-4555-8555-555555555555";
  upstream_->set_wait(false);
  ASSERT_OK(upstream_->OpenCase(fresh, "c0000000-0000-4000-8000-000000000005", D("2026-03-02")));
  MustStart(Support(fresh, 2, "2026-03-02", "2026-09-01", 100'000));
}

TEST_F(PlacementServiceTest, ListsTheInterventionsActiveOnADate) {
  ChildMovesSixFiveThreeZero();
  v1::ListActiveInterventionsRequest r;
  r.set_tenant(kTenant);
  *r.mutable_as_of() = PD("2024-10-01");
  ASSERT_OK_AND_ASSIGN(const v1::ListActiveInterventionsResponse on_oct,
                       ListActiveInterventions(r));
  ASSERT_EQ(on_oct.interventions_size(), 1);
  EXPECT_EQ(on_oct.interventions(0).intervention_id(), ids_[1]);
  EXPECT_EQ(on_oct.interventions(0).state(), v1::INTERVENTION_STATE_ACTIVE);
  r.set_placements_only(true);
  *r.mutable_as_of() = PD("2025-07-01");
  ASSERT_OK_AND_ASSIGN(const v1::ListActiveInterventionsResponse placements,
                       ListActiveInterventions(r));
  EXPECT_EQ(placements.interventions_size(), 0);
}

}  // namespace
}  // namespace trappe::placements
