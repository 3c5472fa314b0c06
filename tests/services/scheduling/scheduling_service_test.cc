// The scheduling service over real gRPC: placements and follow-ups recorded, deadlines
// listed (per case, due and overdue per municipality/team/caseworker, compliance), with
// dates computed by hand from DESIGN.md section 6.
#include <gtest/gtest.h>

#include <map>

#include "trappe/common/status_grpc.h"
#include "trappe/scheduling/module.h"
#include "trappe/scheduling/v1/service.grpc.pb.h"
#include "trappe/service/convert.h"
#include "trappe/testing/dates.h"
#include "trappe/testing/service_harness.h"
#include "trappe/testing/status_matchers.h"
#include "upstream.h"

namespace trappe::scheduling {
namespace {

using ::trappe::scheduling::testing::Upstream;
using ::trappe::testing::ServiceHarness;

constexpr char kTenant[] = "0657";
constexpr char kCase[] = "c0000000-0000-4000-8000-000000000001";
constexpr char kTwin[] = "c0000000-0000-4000-8000-000000000002";
constexpr char kPlacement[] = "a0000000-0000-4000-8000-000000000001";
constexpr char kTwinPlacement[] = "a0000000-0000-4000-8000-000000000002";
constexpr char kAnna[] = "cw-anna";
constexpr char kBo[] = "cw-bo";

using trappe::testing::D;
common::v1::Date PD(int y, int m, int d) { return service::ToProtoDate(D(y, m, d)); }
std::string S(const common::v1::Date& d) {
  return service::ToCivilDate(d, "date").value().ToString();
}

class SchedulingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start({OpenSchedulingModule}));
    stub_ = v1::SchedulingService::NewStub(harness_.channel());
    upstream_ = std::make_unique<Upstream>(&harness_.log(), &harness_.module(0).engine(), kTenant);
  }

  // A general foster family placement from 5 January 2026, Anna (team Vest) primary.
  void FosterPlacement(const std::string& case_id, const std::string& placement_id) {
    ASSERT_OK(upstream_->OpenCase(case_id, D(2026, 1, 5)));
    ASSERT_OK(upstream_->Assign(case_id, kAnna, cases::v1::CASEWORKER_ROLE_PRIMARY, D(2026, 1, 5)));
    ASSERT_OK(upstream_->StartPlacement(case_id, placement_id,
                                        placements::v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY,
                                        D(2026, 1, 5)));
  }

  void Municipality() {
    ASSERT_OK(upstream_->RegisterMunicipality(D(2025, 1, 1), {"barnets-lov", "sverigesmodel"}));
    ASSERT_OK(upstream_->RegisterCaseworker(kAnna, "team-vest", D(2024, 1, 1)));
    ASSERT_OK(upstream_->RegisterCaseworker(kBo, "team-oest", D(2024, 1, 1)));
  }

  grpc::Status Record(const std::string& case_id, v1::FollowUpKind kind, CivilDate on,
                      const std::string& request_id, v1::RecordFollowUpResponse* out = nullptr) {
    v1::RecordFollowUpRequest r;
    r.set_tenant(kTenant);
    r.set_request_id(request_id);
    r.set_actor(kAnna);
    r.set_case_id(case_id);
    r.set_kind(kind);
    *r.mutable_held_on() = service::ToProtoDate(on);
    v1::RecordFollowUpResponse ignored;
    return stub_->RecordFollowUp(ServiceHarness::Context().get(), r, out ? out : &ignored);
  }

  std::vector<v1::Deadline> Due(CivilDate as_of, bool overdue_only, int window = 0,
                                const std::string& team = "", const std::string& caseworker = "") {
    v1::ListDueDeadlinesRequest r;
    r.set_tenant(kTenant);
    *r.mutable_as_of() = service::ToProtoDate(as_of);
    r.set_overdue_only(overdue_only);
    r.set_window_days(window);
    r.set_team_id(team);
    r.set_caseworker_id(caseworker);
    v1::ListDueDeadlinesResponse out;
    grpc::Status s = stub_->ListDueDeadlines(ServiceHarness::Context().get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.deadlines().begin(), out.deadlines().end()};
  }

  std::vector<v1::Deadline> OfCase(const std::string& case_id, CivilDate as_of) {
    v1::ListCaseDeadlinesRequest r;
    r.set_tenant(kTenant);
    r.set_case_id(case_id);
    *r.mutable_as_of() = service::ToProtoDate(as_of);
    v1::ListCaseDeadlinesResponse out;
    grpc::Status s = stub_->ListCaseDeadlines(ServiceHarness::Context().get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.deadlines().begin(), out.deadlines().end()};
  }

  // "rule/track/due/state/overdue/caseworker" lines, to compare with hand-computed tables.
  static std::vector<std::string> Lines(const std::vector<v1::Deadline>& list) {
    std::vector<std::string> lines;
    for (const v1::Deadline& d : list) {
      lines.push_back(d.rule_id() + " " + d.track() + " #" + std::to_string(d.sequence()) + " " +
                      S(d.due_date()) + " " + v1::DeadlineState_Name(d.state()) +
                      (d.overdue() ? " overdue" : "") + " [" + d.responsible_caseworker_id() + "]");
    }
    return lines;
  }

  ServiceHarness harness_;
  std::unique_ptr<v1::SchedulingService::Stub> stub_;
  std::unique_ptr<Upstream> upstream_;
};

// Placement 5 Jan 2026 (foster family), a child conversation on 26 Jan. As of 2 March:
// SE-FIRST-2W (5 Jan + 14 days = 19 Jan) for the foster family, the plan and the second
// caseworker is overdue; the conversation met SE-FIRST-2W late and started SE-FOSTER's
// monthly rhythm: 26 Jan + 1 month = 26 Feb, overdue too.
TEST_F(SchedulingServiceTest, RecordedPlacementAndFollowUpGiveTheOverdueDeadlines) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "r1").ok());

  EXPECT_EQ(Lines(Due(D(2026, 3, 2), /*overdue_only=*/true)),
            (std::vector<std::string>{
                "SE-FIRST-2W FOSTER_FAMILY #1 2026-01-19 DEADLINE_STATE_OPEN overdue [cw-anna]",
                "SE-FIRST-2W PLAN #1 2026-01-19 DEADLINE_STATE_OPEN overdue [cw-anna]",
                "SE-TWO-WORKERS CO_WORKER #1 2026-01-19 DEADLINE_STATE_OPEN overdue []",
                "SE-FOSTER CHILD_CONVERSATION #1 2026-02-26 DEADLINE_STATE_OPEN overdue [cw-anna]",
            }));
  // Looking ahead 34 days (to 5 April) adds the statutory plan (5 Jan + 3 months); the
  // plan track shows only its earliest open deadline, so PLAN-3M stays hidden behind
  // SE-FIRST-2W.
  const auto ahead = Due(D(2026, 3, 2), false, 34);
  ASSERT_EQ(ahead.size(), 4u);
  // By caseworker: the team leader's deadline is nobody's.
  EXPECT_EQ(Due(D(2026, 3, 2), true, 0, "", kAnna).size(), 3u);
  EXPECT_EQ(Due(D(2026, 3, 2), true, 0, "", kBo).size(), 0u);
  // By team: Anna's team.
  EXPECT_EQ(Due(D(2026, 3, 2), true, 0, "team-vest").size(), 4u);
  EXPECT_EQ(Due(D(2026, 3, 2), true, 0, "team-oest").size(), 0u);

  // Every deadline of the case, with the rule and source that set it.
  const auto all = OfCase(kCase, D(2026, 3, 2));
  // By due date, then subject, track (in the rules' order of tracks), rule.
  EXPECT_EQ(Lines(all),
            (std::vector<std::string>{
                "SE-FIRST-2W PLAN #1 2026-01-19 DEADLINE_STATE_OPEN overdue [cw-anna]",
                "SE-FIRST-2W CHILD_CONVERSATION #1 2026-01-19 DEADLINE_STATE_MET_LATE []",
                "SE-FIRST-2W FOSTER_FAMILY #1 2026-01-19 DEADLINE_STATE_OPEN overdue [cw-anna]",
                "SE-TWO-WORKERS CO_WORKER #1 2026-01-19 DEADLINE_STATE_OPEN overdue []",
                "SE-FOSTER CHILD_CONVERSATION #1 2026-02-26 DEADLINE_STATE_OPEN overdue [cw-anna]",
                "PLAN-3M PLAN #1 2026-04-05 DEADLINE_STATE_OPEN [cw-anna]",
                "FU-FIRST-3M FOLLOW_UP #1 2026-04-05 DEADLINE_STATE_MET_ON_TIME []",
                "TILSYN-6M SUPERVISION #1 2026-07-05 DEADLINE_STATE_OPEN [cw-anna]",
            }));
  for (const auto& d : all) {
    if (d.rule_id() == "FU-FIRST-3M") {
      EXPECT_EQ(d.rule_source(), "Barnets lov par. 95");
      EXPECT_EQ(d.rule_set(), "barnets-lov");
      EXPECT_EQ(d.met_by(), kAnna);
    }
    if (d.rule_id() == "SE-FIRST-2W" && d.track() == "FOSTER_FAMILY") {
      // The foster family is the co-worker's in the placement's first year.
      EXPECT_EQ(d.responsible_role(), cases::v1::CASEWORKER_ROLE_CO_WORKER);
      EXPECT_EQ(d.responsible_purpose(), cases::v1::CO_WORKER_PURPOSE_FOSTER_FAMILY);
    }
  }
}

// A co-worker for the foster family takes over that track's deadlines.
TEST_F(SchedulingServiceTest, FosterFamilyCoWorkerIsResponsibleInTheFirstYear) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  ASSERT_OK(upstream_->Assign(kCase, kBo, cases::v1::CASEWORKER_ROLE_CO_WORKER, D(2026, 1, 12),
                              cases::v1::CO_WORKER_PURPOSE_FOSTER_FAMILY));
  // SE-TWO-WORKERS met on 12 Jan (on time); Bo now owns the foster family track.
  EXPECT_EQ(Lines(Due(D(2026, 3, 2), true, 0, "", kBo)),
            (std::vector<std::string>{
                "SE-FIRST-2W FOSTER_FAMILY #1 2026-01-19 DEADLINE_STATE_OPEN overdue [cw-bo]"}));
  // Bo is in team Oest, but the case is handled by its primary caseworker's team.
  EXPECT_EQ(Due(D(2026, 3, 2), true, 0, "team-oest").size(), 0u);
}

// A follow-up recorded late with an earlier held_on date gives exactly the deadlines of
// the same facts recorded in order.
TEST_F(SchedulingServiceTest, BackDatedFollowUpGivesTheDeadlinesOfTheOrderedHistory) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  FosterPlacement(kTwin, kTwinPlacement);
  // In order on the twin: 15 Jan, then 26 Jan.
  ASSERT_TRUE(Record(kTwin, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 15), "t1").ok());
  ASSERT_TRUE(Record(kTwin, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "t2").ok());
  // Out of order on the case: 26 Jan, then (back-dated) 15 Jan.
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "c1").ok());
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 15), "c2").ok());

  const auto ordered = Lines(OfCase(kTwin, D(2026, 3, 2)));
  EXPECT_EQ(Lines(OfCase(kCase, D(2026, 3, 2))), ordered);
  // 15 Jan met SE-FIRST-2W on time and opened SE-FOSTER at 15 Feb; 26 Jan met that on
  // time and opened the next at 26 Feb.
  EXPECT_NE(std::find(ordered.begin(), ordered.end(),
                      "SE-FIRST-2W CHILD_CONVERSATION #1 2026-01-19 DEADLINE_STATE_MET_ON_TIME []"),
            ordered.end());
  EXPECT_NE(std::find(ordered.begin(), ordered.end(),
                      "SE-FOSTER CHILD_CONVERSATION #1 2026-02-15 DEADLINE_STATE_MET_ON_TIME []"),
            ordered.end());
  EXPECT_NE(
      std::find(ordered.begin(), ordered.end(),
                "SE-FOSTER CHILD_CONVERSATION #2 2026-02-26 DEADLINE_STATE_OPEN overdue [cw-anna]"),
      ordered.end());

  // The due view agrees, case for case.
  const auto due = Due(D(2026, 3, 2), true);
  ASSERT_EQ(due.size(), 8u);
  std::map<std::string, std::vector<v1::Deadline>> by_case;
  for (const auto& d : due) by_case[d.case_id()].push_back(d);
  EXPECT_EQ(Lines(by_case[kCase]), Lines(by_case[kTwin]));
}

// A placement recorded after follow-ups already held in it (back-dated) picks them up:
// the same deadlines as when the placement was recorded first.
TEST_F(SchedulingServiceTest, BackDatedPlacementPicksUpTheFollowUpsAlreadyRecorded) {
  Municipality();
  FosterPlacement(kTwin, kTwinPlacement);
  ASSERT_TRUE(Record(kTwin, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 15), "t1").ok());
  ASSERT_OK(upstream_->OpenCase(kCase, D(2026, 1, 5)));
  ASSERT_OK(upstream_->Assign(kCase, kAnna, cases::v1::CASEWORKER_ROLE_PRIMARY, D(2026, 1, 5)));
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 15), "c1").ok());
  EXPECT_TRUE(OfCase(kCase, D(2026, 3, 2)).empty());
  ASSERT_OK(upstream_->StartPlacement(
      kCase, kPlacement, placements::v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, D(2026, 1, 5)));
  EXPECT_EQ(Lines(OfCase(kCase, D(2026, 3, 2))), Lines(OfCase(kTwin, D(2026, 3, 2))));
  EXPECT_EQ(Due(D(2026, 3, 2), true).size(), 8u);
}

// An as_of before a fact only counts the facts effective by then: on 20 January the child
// conversation of 26 January has not happened, so SE-FIRST-2W's conversation is overdue.
TEST_F(SchedulingServiceTest, AsOfBeforeAFactCountsOnlyTheFactsEffectiveThen) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "r1").ok());
  EXPECT_EQ(
      Lines(Due(D(2026, 1, 20), true)),
      (std::vector<std::string>{
          "SE-FIRST-2W CHILD_CONVERSATION #1 2026-01-19 DEADLINE_STATE_OPEN overdue [cw-anna]",
          "SE-FIRST-2W FOSTER_FAMILY #1 2026-01-19 DEADLINE_STATE_OPEN overdue [cw-anna]",
          "SE-FIRST-2W PLAN #1 2026-01-19 DEADLINE_STATE_OPEN overdue [cw-anna]",
          "SE-TWO-WORKERS CO_WORKER #1 2026-01-19 DEADLINE_STATE_OPEN overdue []",
      }));
  // Before the placement: nothing.
  EXPECT_TRUE(Due(D(2026, 1, 4), true, 30).empty());
}

// A placement that ends (last day 9 Feb) with open deadlines: those due before its end
// are missed, the rest dropped; nothing is overdue afterwards.
TEST_F(SchedulingServiceTest, PlacementEndingMissesAndDropsItsOpenDeadlines) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  ASSERT_OK(upstream_->EndIntervention(kCase, kPlacement, D(2026, 2, 9)));
  EXPECT_TRUE(Due(D(2026, 3, 2), true, 60).empty());
  EXPECT_EQ(Lines(OfCase(kCase, D(2026, 3, 2))),
            (std::vector<std::string>{
                "SE-FIRST-2W PLAN #1 2026-01-19 DEADLINE_STATE_MISSED []",
                "SE-FIRST-2W CHILD_CONVERSATION #1 2026-01-19 DEADLINE_STATE_MISSED []",
                "SE-FIRST-2W FOSTER_FAMILY #1 2026-01-19 DEADLINE_STATE_MISSED []",
                "SE-TWO-WORKERS CO_WORKER #1 2026-01-19 DEADLINE_STATE_MISSED []",
                "PLAN-3M PLAN #1 2026-04-05 DEADLINE_STATE_DROPPED []",
                "FU-FIRST-3M FOLLOW_UP #1 2026-04-05 DEADLINE_STATE_DROPPED []",
                "TILSYN-6M SUPERVISION #1 2026-07-05 DEADLINE_STATE_DROPPED []",
            }));
  // On its last day the placement was still active: the first-fortnight deadlines were
  // overdue then.
  EXPECT_EQ(Due(D(2026, 2, 9), true).size(), 4u);
}

// The 24-hour assessment of a report received at 23:30 falls due at 23:30 the next day.
TEST_F(SchedulingServiceTest, ReportAssessmentIsDueTwentyFourHoursAfterReceipt) {
  Municipality();
  ASSERT_OK(upstream_->OpenCase(kCase, D(2026, 2, 10)));
  ASSERT_OK(upstream_->ReceiveReport(kCase, "b0000000-0000-4000-8000-000000000001",
                                     ParseTimestamp("2026-02-10T23:30:00+01:00").value()));
  auto open = OfCase(kCase, D(2026, 2, 11));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].rule_id(), "UND-24H");
  EXPECT_EQ(S(open[0].due_date()), "2026-02-11");
  EXPECT_EQ(FormatTimestamp(service::FromProtoTimestamp(open[0].due_at())),
            FormatTimestamp(ParseTimestamp("2026-02-11T23:30:00+01:00").value()));
  EXPECT_EQ(Due(D(2026, 2, 12), true).size(), 1u);
  ASSERT_OK(upstream_->AssessReport(kCase, "b0000000-0000-4000-8000-000000000001",
                                    ParseTimestamp("2026-02-11T23:00:00+01:00").value()));
  auto met = OfCase(kCase, D(2026, 2, 12));
  ASSERT_EQ(met.size(), 1u);
  EXPECT_EQ(met[0].state(), v1::DEADLINE_STATE_MET_ON_TIME);
  EXPECT_TRUE(Due(D(2026, 2, 12), true).empty());
}

TEST_F(SchedulingServiceTest, ComplianceCountsTheShareMetOnTimePerRule) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "r1").ok());
  v1::GetComplianceRequest r;
  r.set_tenant(kTenant);
  *r.mutable_period()->mutable_start_date() = PD(2026, 1, 1);
  *r.mutable_period()->mutable_end_date() = PD(2026, 2, 28);
  v1::GetComplianceResponse out;
  ASSERT_TRUE(stub_->GetCompliance(ServiceHarness::Context().get(), r, &out).ok());
  // Due in January-February: SE-FIRST-2W x3 (one met late, two not met), SE-FOSTER x1 (not
  // met), SE-TWO-WORKERS x1 (not met).
  ASSERT_EQ(out.rules_size(), 3);
  EXPECT_EQ(out.rules(0).rule_id(), "SE-FIRST-2W");
  EXPECT_EQ(out.rules(0).due(), 3);
  EXPECT_EQ(out.rules(0).met_late(), 1);
  EXPECT_EQ(out.rules(0).missed(), 2);
  EXPECT_EQ(out.rules(0).share_met_on_time_bp(), 0);
  EXPECT_EQ(out.total().due(), 5);
  // Met on time by a back-dated conversation on 15 Jan, SE-FIRST-2W is 1 of 3 on time.
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 15), "r2").ok());
  ASSERT_TRUE(stub_->GetCompliance(ServiceHarness::Context().get(), r, &out).ok());
  EXPECT_EQ(out.rules(0).met_on_time(), 1);
  EXPECT_EQ(out.rules(0).share_met_on_time_bp(), 3333);
}

TEST_F(SchedulingServiceTest, CommandsRejectBadInputAndWriteNothing) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  EXPECT_EQ(Record("not-a-uuid", v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "x1")
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status future = Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 3, 3), "x2");
  EXPECT_EQ(future.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(future.error_message().find("held_on"), std::string::npos);
  EXPECT_EQ(Record(kCase, v1::FOLLOW_UP_KIND_UNSPECIFIED, D(2026, 1, 26), "x3").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Record(kTwin, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "x4").error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::OverrideScheduleRequest o;
  o.set_tenant(kTenant);
  o.set_request_id("o1");
  o.set_actor(kAnna);
  o.set_case_id(kCase);
  o.set_rule_set("sverigesmodel");
  o.set_rule_id("SE-FOSTER");
  o.set_track("CHILD_CONVERSATION");
  *o.mutable_new_interval() = common::v1::CalendarPeriod();
  o.mutable_new_interval()->set_months(2);
  v1::OverrideScheduleResponse oo;
  grpc::Status no_reason = stub_->OverrideSchedule(ServiceHarness::Context().get(), o, &oo);
  EXPECT_EQ(no_reason.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(no_reason.error_message().find("justification"), std::string::npos);
  o.set_justification("Stable placement; par. 95 schedule set by the municipality");
  o.set_rule_id("NO-SUCH-RULE");
  EXPECT_EQ(stub_->OverrideSchedule(ServiceHarness::Context().get(), o, &oo).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // Nothing was written: the case still has its original deadlines.
  EXPECT_EQ(Due(D(2026, 3, 2), true).size(), 4u);
}

TEST_F(SchedulingServiceTest, QueriesRejectBadInputNamingTheField) {
  Municipality();
  v1::ListDueDeadlinesRequest due;
  due.set_tenant(kTenant);
  due.set_window_days(-1);
  v1::ListDueDeadlinesResponse due_out;
  grpc::Status s = stub_->ListDueDeadlines(ServiceHarness::Context().get(), due, &due_out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("window_days"), std::string::npos);
  due.set_window_days(0);
  due.mutable_page()->set_page_token("not a token");
  s = stub_->ListDueDeadlines(ServiceHarness::Context().get(), due, &due_out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("page.page_token"), std::string::npos);
  due.set_tenant("Herning");
  EXPECT_EQ(stub_->ListDueDeadlines(ServiceHarness::Context().get(), due, &due_out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::GetComplianceRequest compliance;
  compliance.set_tenant(kTenant);
  v1::GetComplianceResponse compliance_out;
  s = stub_->GetCompliance(ServiceHarness::Context().get(), compliance, &compliance_out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("period.start_date"), std::string::npos);
  *compliance.mutable_period()->mutable_start_date() = PD(2026, 2, 1);
  *compliance.mutable_period()->mutable_end_date() = PD(2026, 1, 1);
  s = stub_->GetCompliance(ServiceHarness::Context().get(), compliance, &compliance_out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("period.end_date"), std::string::npos);

  v1::ListCaseDeadlinesRequest of_case;
  of_case.set_tenant(kTenant);
  of_case.set_case_id(kCase);
  v1::ListCaseDeadlinesResponse of_case_out;
  EXPECT_EQ(
      stub_->ListCaseDeadlines(ServiceHarness::Context().get(), of_case, &of_case_out).error_code(),
      grpc::StatusCode::NOT_FOUND);
  *of_case.mutable_as_of() = common::v1::Date();
  of_case.mutable_as_of()->set_year(2026);
  of_case.mutable_as_of()->set_month(2);
  of_case.mutable_as_of()->set_day(30);
  s = stub_->ListCaseDeadlines(ServiceHarness::Context().get(), of_case, &of_case_out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("as_of"), std::string::npos);
}

// A repeated request_id returns the original follow-up and writes nothing.
TEST_F(SchedulingServiceTest, RepeatedRequestReturnsTheOriginalFollowUp) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  v1::RecordFollowUpResponse first, second;
  ASSERT_TRUE(
      Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "same", &first).ok());
  ASSERT_TRUE(
      Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "same", &second).ok());
  EXPECT_FALSE(first.follow_up_id().empty());
  EXPECT_EQ(first.follow_up_id(), second.follow_up_id());
  EXPECT_EQ(first.version(), 1u);
  EXPECT_EQ(second.version(), 1u);
}

// A par. 95 override: SE-FOSTER's child conversations every 2 months from 1 Feb.
TEST_F(SchedulingServiceTest, OverrideSetsTheScheduleWithAJustification) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 15), "r1").ok());
  v1::OverrideScheduleRequest o;
  o.set_tenant(kTenant);
  o.set_request_id("o1");
  o.set_actor(kAnna);
  o.set_case_id(kCase);
  o.set_rule_set("sverigesmodel");
  o.set_rule_id("SE-FOSTER");
  o.set_track("CHILD_CONVERSATION");
  o.set_trigger_id(kPlacement);
  *o.mutable_new_due_date() = PD(2026, 3, 20);
  o.set_justification("The child is abroad until mid-March");
  *o.mutable_effective_date() = PD(2026, 2, 1);
  v1::OverrideScheduleResponse oo;
  grpc::Status s = stub_->OverrideSchedule(ServiceHarness::Context().get(), o, &oo);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // SE-FOSTER #1 was due 15 Feb; the override moved it to 20 March.
  bool found = false;
  for (const auto& d : OfCase(kCase, D(2026, 3, 2))) {
    if (d.rule_id() != "SE-FOSTER") continue;
    found = true;
    EXPECT_EQ(S(d.due_date()), "2026-03-20");
    EXPECT_TRUE(d.overridden());
  }
  EXPECT_TRUE(found);
}

// Rules are events: from 1 Feb only the statutory floor. A placement from 2 Feb gets no
// Swedish-model deadlines; GetRules tells what was in force when.
TEST_F(SchedulingServiceTest, ConfiguredRulesApplyFromTheirEffectiveDate) {
  Municipality();
  v1::ConfigureRulesRequest c;
  c.set_tenant(kTenant);
  c.set_request_id("rules-1");
  c.set_actor("leader");
  *c.mutable_effective_from() = PD(2026, 2, 1);
  c.add_presets("barnets-lov");
  v1::ConfigureRulesResponse co;
  grpc::Status s = stub_->ConfigureRules(ServiceHarness::Context().get(), c, &co);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(co.version(), 1u);
  ASSERT_OK(upstream_->OpenCase(kCase, D(2026, 2, 2)));
  ASSERT_OK(upstream_->Assign(kCase, kAnna, cases::v1::CASEWORKER_ROLE_PRIMARY, D(2026, 2, 2)));
  ASSERT_OK(upstream_->StartPlacement(
      kCase, kPlacement, placements::v1::PLACEMENT_TYPE_CHILDRENS_HOME, D(2026, 2, 2)));
  EXPECT_EQ(Lines(OfCase(kCase, D(2026, 3, 2))),
            (std::vector<std::string>{
                "PLAN-3M PLAN #1 2026-05-02 DEADLINE_STATE_OPEN [cw-anna]",
                "FU-FIRST-3M FOLLOW_UP #1 2026-05-02 DEADLINE_STATE_OPEN [cw-anna]",
                "TILSYN-6M SUPERVISION #1 2026-08-02 DEADLINE_STATE_OPEN [cw-anna]",
            }));
  v1::GetRulesRequest g;
  g.set_tenant(kTenant);
  *g.mutable_as_of() = PD(2026, 1, 31);
  v1::GetRulesResponse go;
  ASSERT_TRUE(stub_->GetRules(ServiceHarness::Context().get(), g, &go).ok());
  EXPECT_EQ(go.rule_sets_size(), 2);
  *g.mutable_as_of() = PD(2026, 2, 1);
  ASSERT_TRUE(stub_->GetRules(ServiceHarness::Context().get(), g, &go).ok());
  ASSERT_EQ(go.rule_sets_size(), 1);
  EXPECT_EQ(go.rule_sets(0).name(), "barnets-lov");
  EXPECT_EQ(go.version(), 1u);
  // An unknown preset is NOT_FOUND and writes nothing.
  c.set_request_id("rules-2");
  c.add_presets("no-such-preset");
  EXPECT_EQ(stub_->ConfigureRules(ServiceHarness::Context().get(), c, &co).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(SchedulingServiceTest, DueListIsPagedByDueDate) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  FosterPlacement(kTwin, kTwinPlacement);
  v1::ListDueDeadlinesRequest r;
  r.set_tenant(kTenant);
  *r.mutable_as_of() = PD(2026, 3, 2);
  r.set_overdue_only(true);
  r.mutable_page()->set_page_size(3);
  std::vector<std::string> ids;
  for (int page = 0; page < 5; ++page) {
    v1::ListDueDeadlinesResponse out;
    ASSERT_TRUE(stub_->ListDueDeadlines(ServiceHarness::Context().get(), r, &out).ok());
    EXPECT_EQ(out.page().total_size(), 8);
    for (const auto& d : out.deadlines()) ids.push_back(d.case_id() + d.deadline_id());
    if (out.page().next_page_token().empty()) break;
    r.mutable_page()->set_page_token(out.page().next_page_token());
  }
  ASSERT_EQ(ids.size(), 8u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));  // all due 19 Jan: by case, then id
}

// Paging and totals hold for a team filter and for an as_of before the latest facts
// (where cases are derived from their facts rather than read from the index).
TEST_F(SchedulingServiceTest, DueListPagesAreConsistentAcrossFiltersAndDates) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  FosterPlacement(kTwin, kTwinPlacement);
  ASSERT_TRUE(Record(kTwin, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "t1").ok());
  struct Query {
    std::string team;
    CivilDate as_of;
    size_t expected;
  };
  // 2 March: the case has 4 overdue (SE-FIRST-2W's conversation, foster family and plan,
  // SE-TWO-WORKERS); so has the twin (its conversation met late, SE-FOSTER due 26 Feb
  // overdue instead). 20 January: 4 each (the twin's conversation not yet held).
  for (const Query& q : {Query{"", D(2026, 3, 2), 8}, Query{"team-vest", D(2026, 3, 2), 8},
                         Query{"", D(2026, 1, 20), 8}, Query{"team-vest", D(2026, 1, 20), 8},
                         Query{"team-oest", D(2026, 1, 20), 0}}) {
    v1::ListDueDeadlinesRequest r;
    r.set_tenant(kTenant);
    *r.mutable_as_of() = service::ToProtoDate(q.as_of);
    r.set_overdue_only(true);
    r.set_team_id(q.team);
    r.mutable_page()->set_page_size(3);
    std::vector<std::string> keys;
    for (int page = 0; page < 5; ++page) {
      v1::ListDueDeadlinesResponse out;
      ASSERT_TRUE(stub_->ListDueDeadlines(ServiceHarness::Context().get(), r, &out).ok());
      EXPECT_EQ(out.page().total_size(), static_cast<int64_t>(q.expected)) << q.as_of.ToString();
      for (const auto& d : out.deadlines()) {
        keys.push_back(S(d.due_date()) + d.case_id() + d.deadline_id());
      }
      if (out.page().next_page_token().empty()) break;
      r.mutable_page()->set_page_token(out.page().next_page_token());
    }
    EXPECT_EQ(keys.size(), q.expected) << q.team << " " << q.as_of.ToString();
    EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  }
}

// A closed case leaves the due view from its closing date; before it, it is there.
TEST_F(SchedulingServiceTest, ClosedCaseLeavesTheDueView) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  ASSERT_OK(upstream_->CloseCase(kCase, D(2026, 2, 1)));
  EXPECT_TRUE(Due(D(2026, 3, 2), true).empty());
  EXPECT_EQ(Due(D(2026, 1, 31), true).size(), 4u);
}

// Rebuilding the projection from the log gives the same content as live processing,
// with back-dated follow-ups and a rule change arriving after the cases.
TEST_F(SchedulingServiceTest, RebuildChecksumEqualsLiveWithBackDatedEvents) {
  Municipality();
  FosterPlacement(kCase, kPlacement);
  FosterPlacement(kTwin, kTwinPlacement);
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 26), "c1").ok());
  ASSERT_TRUE(Record(kCase, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, D(2026, 1, 15), "c2").ok());
  ASSERT_TRUE(Record(kTwin, v1::FOLLOW_UP_KIND_FOSTER_FAMILY_FOLLOW_UP, D(2026, 2, 20), "t1").ok());
  ASSERT_OK(upstream_->EndIntervention(kTwin, kTwinPlacement, D(2026, 2, 27)));
  v1::ConfigureRulesRequest c;
  c.set_tenant(kTenant);
  c.set_request_id("rules-1");
  c.set_actor("leader");
  *c.mutable_effective_from() = PD(2026, 1, 10);
  c.add_presets("barnets-lov");
  v1::ConfigureRulesResponse co;
  ASSERT_TRUE(stub_->ConfigureRules(ServiceHarness::Context().get(), c, &co).ok());
  const auto before = Lines(Due(D(2026, 3, 2), false, 200));
  ASSERT_OK_AND_ASSIGN(std::string live, harness_.module(0).engine().Checksum());
  ASSERT_OK(harness_.module(0).engine().Rebuild());
  ASSERT_OK_AND_ASSIGN(std::string rebuilt, harness_.module(0).engine().Checksum());
  EXPECT_EQ(live, rebuilt);
  EXPECT_EQ(Lines(Due(D(2026, 3, 2), false, 200)), before);
  ASSERT_OK(harness_.Restart());
  stub_ = v1::SchedulingService::NewStub(harness_.channel());
  ASSERT_OK_AND_ASSIGN(std::string restarted, harness_.module(0).engine().Checksum());
  EXPECT_EQ(live, restarted);
}

}  // namespace
}  // namespace trappe::scheduling
