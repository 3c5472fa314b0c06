// The statutory floor, preset `barnets-lov`: one table of hand-computed dates per rule.
#include <gtest/gtest.h>

#include "deadline_test_support.h"

namespace trappe::rules {
namespace {

using namespace trappe::rules::testing;  // NOLINT(google-build-using-namespace)
using enum DeadlineState;
using enum FollowUpKind;
using enum InterventionKind;

struct ReportCase {
  const char* name;
  const char* received_at;
  const char* assessed_at;  // null: not assessed
  const char* as_of;
  const char* due_at;  // received + 24 hours, in UTC
  const char* due;     // the Danish date of due_at
  DeadlineState state;
};

void PrintTo(const ReportCase& c, std::ostream* os) { *os << c.name; }

class ReportAssessmentTest : public ::testing::TestWithParam<ReportCase> {};

TEST_P(ReportAssessmentTest, Und24hIsDue24HoursAfterReceiptToTheInstant) {
  const ReportCase& c = GetParam();
  CaseTimeline timeline;
  ReportOfConcern report{"r-1", T(c.received_at), std::nullopt};
  if (c.assessed_at != nullptr) report.assessed_at = T(c.assessed_at);
  timeline.reports.push_back(report);

  const auto deadlines = Derive(PresetRules({"barnets-lov"}), timeline, c.as_of);
  const auto series = SeriesOf(deadlines, "UND-24H", Track::kReportAssessment, "r-1");
  ASSERT_EQ(series.size(), 1u);
  ASSERT_TRUE(series[0].due_at.has_value());
  EXPECT_EQ(FormatTimestamp(*series[0].due_at), c.due_at);
  EXPECT_EQ(series[0].due.ToString(), c.due);
  EXPECT_EQ(ToString(series[0].state), ToString(c.state));
  EXPECT_EQ(series[0].source, "Barnets lov: assessment of a report of concern");
}

INSTANTIATE_TEST_SUITE_P(
    HandComputed, ReportAssessmentTest,
    ::testing::Values(
        // Received 22:30 on 15 January (winter, UTC+1) = 21:30Z; due 21:30Z on the 16th,
        // i.e. 22:30 Danish time on 16 January.
        ReportCase{"across midnight, assessed 22:00 next evening", "2024-01-15T22:30:00+01:00",
                   "2024-01-16T22:00:00+01:00", "2024-01-20", "2024-01-16T21:30:00Z", "2024-01-16",
                   kMetOnTime},
        // Same due date, but 15 minutes past the instant: late although on the due date.
        ReportCase{"across midnight, assessed 22:45 next evening", "2024-01-15T22:30:00+01:00",
                   "2024-01-16T22:45:00+01:00", "2024-01-20", "2024-01-16T21:30:00Z", "2024-01-16",
                   kMetLate},
        // Received 23:30 on 30 March (UTC+1) = 22:30Z. Summer time starts 01:00Z on 31 March,
        // so 22:30Z on the 31st is 00:30 on 1 April in Copenhagen: due date 1 April.
        ReportCase{"across midnight and the spring switch, not assessed, as of the due date",
                   "2024-03-30T23:30:00+01:00", nullptr, "2024-04-01", "2024-03-31T22:30:00Z",
                   "2024-04-01", kOpen},
        ReportCase{"across the spring switch, not assessed, the day after",
                   "2024-03-30T23:30:00+01:00", nullptr, "2024-04-02", "2024-03-31T22:30:00Z",
                   "2024-04-01", kOverdue},
        // 00:20 on 1 April (UTC+2) = 22:20Z on 31 March: ten minutes early.
        ReportCase{"across the spring switch, assessed 00:20", "2024-03-30T23:30:00+01:00",
                   "2024-04-01T00:20:00+02:00", "2024-04-02", "2024-03-31T22:30:00Z", "2024-04-01",
                   kMetOnTime},
        // The assessment is dated 2 April in Denmark, after as_of 1 April: it does not count.
        ReportCase{"assessment effective after as_of", "2024-03-30T23:30:00+01:00",
                   "2024-04-02T09:00:00+02:00", "2024-04-01", "2024-03-31T22:30:00Z", "2024-04-01",
                   kOpen}));

TEST(ReportAssessmentTest, Und24hReportReceivedAfterAsOfHasNoDeadline) {
  CaseTimeline timeline;
  // Received on 30 March: as of 29 March it has not arrived.
  timeline.reports.push_back({"r-1", T("2024-03-30T23:30:00+01:00"), std::nullopt});
  EXPECT_TRUE(Derive(PresetRules({"barnets-lov"}), timeline, "2024-03-29").empty());
  // Received 00:30 Danish time on 1 February = 23:30Z on 31 January: its date is 1 February.
  timeline.reports = {{"r-2", T("2024-01-31T23:30:00Z"), std::nullopt}};
  EXPECT_TRUE(Derive(PresetRules({"barnets-lov"}), timeline, "2024-01-31").empty());
  EXPECT_EQ(Derive(PresetRules({"barnets-lov"}), timeline, "2024-02-01").size(), 1u);
}

struct InvestigationCase {
  const char* started;
  const char* completed;  // null: still running
  const char* as_of;
  const char* due;
  DeadlineState state;
};

TEST(InvestigationTest, Bfu4mIsDueFourCalendarMonthsAfterTheStart) {
  const InvestigationCase cases[] = {
      {"2024-01-31", "2024-05-31", "2024-06-30", "2024-05-31", kMetOnTime},
      // 31 October + 4 months = 29 February 2024 (clamped, leap year); 1 March is late.
      {"2023-10-31", "2024-03-01", "2024-06-30", "2024-02-29", kMetLate},
      // Due 15 July: still open on the due date itself, overdue the day after.
      {"2024-03-15", nullptr, "2024-07-15", "2024-07-15", kOpen},
      {"2024-03-15", nullptr, "2024-07-16", "2024-07-15", kOverdue},
      // Completed 1 August, but as of 20 July that fact is not yet effective.
      {"2024-03-15", "2024-08-01", "2024-07-20", "2024-07-15", kOverdue},
  };
  for (const InvestigationCase& c : cases) {
    SCOPED_TRACE(std::string("started ") + c.started + " as of " + c.as_of);
    CaseTimeline timeline;
    Investigation inv{"bfu-1", D(c.started), std::nullopt};
    if (c.completed != nullptr) inv.completed_on = D(c.completed);
    timeline.investigations.push_back(inv);
    const auto deadlines = Derive(PresetRules({"barnets-lov"}), timeline, c.as_of);
    ExpectSeries(deadlines, "BFU-4M", Track::kInvestigation, "bfu-1",
                 {{c.started, c.due, c.state,
                   c.state == kMetOnTime || c.state == kMetLate ? c.completed : nullptr}});
  }
}

TEST(PlanTest, Plan3mIsDueThreeMonthsAfterAPlacementClampedToMonthEnd) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-11-30"),
                            Started("p-2", kChildrensHome, "2024-01-10")};
  timeline.plan_approvals = {PlanApproved("2025-02-28", "p-1"), PlanApproved("2024-04-11", "p-2")};
  const auto deadlines = Derive(PresetRules({"barnets-lov"}), timeline, "2025-03-31");
  // 30 November 2024 + 3 months = 28 February 2025 (clamped).
  ExpectSeries(deadlines, "PLAN-3M", Track::kPlan, "p-1",
               {{"2024-11-30", "2025-02-28", kMetOnTime, "2025-02-28"}});
  // 10 January + 3 months = 10 April; approved 11 April.
  ExpectSeries(deadlines, "PLAN-3M", Track::kPlan, "p-2",
               {{"2024-01-10", "2024-04-10", kMetLate, "2024-04-11"}});
}

TEST(PlanTest, Plan3mForAPlacementWithoutConsentIsDueOnTheStart) {
  CaseTimeline timeline;
  timeline.interventions = {
      Started("p-47", kChildrensHome, "2024-05-02", ConsentBasis::kWithoutConsent)};
  // The committee needs the plan before its decision: approved three days before the start.
  timeline.plan_approvals = {PlanApproved("2024-04-29", "p-47")};
  ExpectSeries(Derive(PresetRules({"barnets-lov"}), timeline, "2024-06-01"), "PLAN-3M",
               Track::kPlan, "p-47", {{"2024-05-02", "2024-05-02", kMetOnTime, "2024-04-29"}});

  // An approval that names no placement counts only for placements active on its date.
  timeline.plan_approvals = {PlanApproved("2024-04-29")};
  ExpectSeries(Derive(PresetRules({"barnets-lov"}), timeline, "2024-05-03"), "PLAN-3M",
               Track::kPlan, "p-47", {{"2024-05-02", "2024-05-02", kOverdue}});
}

TEST(PlanTest, Plan3mDoesNotApplyToASupportingIntervention) {
  CaseTimeline timeline;
  timeline.interventions = {Started("s-1", kSupportingIntervention, "2024-01-10")};
  EXPECT_TRUE(SeriesOf(Derive(PresetRules({"barnets-lov"}), timeline, "2024-06-01"), "PLAN-3M",
                       Track::kPlan, "s-1")
                  .empty());
}

TEST(FirstFollowUpTest, FuFirst3mIsOneDeadlineMetByAnyFollowUpKind) {
  CaseTimeline timeline;
  timeline.interventions = {Started("s-1", kSupportingIntervention, "2024-02-15"),
                            Started("p-1", kGeneralFosterFamily, "2024-08-31")};
  timeline.follow_ups = {
      // Before s-1 started and naming nothing: does not count for s-1.
      Done(kChildConversation, "2024-02-10"),
      // 15 February + 3 months = 15 May; a plan revision the day after is late.
      Done(kPlanRevision, "2024-05-16", "s-1"),
      // A one-off rule: a later follow-up opens nothing new.
      Done(kChildConversation, "2024-06-01", "s-1"),
      // 31 August + 3 months = 30 November (clamped); a supervision visit counts too.
      Done(kSupervisionVisit, "2024-09-05", "p-1"),
  };
  const auto deadlines = Derive(PresetRules({"barnets-lov"}), timeline, "2024-12-31");
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "s-1",
               {{"2024-02-15", "2024-05-15", kMetLate, "2024-05-16"}});
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "p-1",
               {{"2024-08-31", "2024-11-30", kMetOnTime, "2024-09-05"}});
}

TEST(SupervisionTest, Tilsyn6mRecursSixMonthsAfterTheLastVisit) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-02-29")};
  timeline.follow_ups = {
      Done(kChildConversation, "2024-07-01", "p-1"),  // not a supervision visit
      Done(kSupervisionVisit, "2024-08-01", "p-1"),
      Done(kSupervisionVisit, "2025-03-10", "p-1"),
  };
  // 29 February + 6 months = 29 August. The visit on 1 August meets it and opens the next at
  // 1 August + 6 months = 1 February 2025; the visit on 10 March 2025 is late and opens
  // 10 September 2025.
  ExpectSeries(Derive(PresetRules({"barnets-lov"}), timeline, "2025-04-01"), "TILSYN-6M",
               Track::kSupervision, "p-1",
               {{"2024-02-29", "2024-08-29", kMetOnTime, "2024-08-01"},
                {"2024-08-01", "2025-02-01", kMetLate, "2025-03-10"},
                {"2025-03-10", "2025-09-10", kOpen}});
}

TEST(BarnetsLovTest, PresetHasTheFiveStatutoryRulesWithTheirSources) {
  std::vector<std::pair<std::string, std::string>> ids;
  for (const FollowUpRule& rule : BarnetsLovRules()) {
    EXPECT_OK(ValidateRule(rule));
    ids.emplace_back(rule.id, rule.source);
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"UND-24H", "Barnets lov: assessment of a report of concern"},
      {"BFU-4M", "Barnets lov par. 20"},
      {"PLAN-3M", "Barnets lov par. 91"},
      {"FU-FIRST-3M", "Barnets lov par. 95"},
      {"TILSYN-6M", "Barnets lov par. 156.5"}};
  EXPECT_EQ(ids, expected);
}

}  // namespace
}  // namespace trappe::rules
