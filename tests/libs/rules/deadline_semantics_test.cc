// The rules of DeriveDeadlines that hold whatever the preset: back-dating and order,
// as_of, which facts count for which intervention, ending placements, overrides, rule
// versions, validation, views and compliance.
#include <gtest/gtest.h>

#include <algorithm>

#include "deadline_test_support.h"

namespace trappe::rules {
namespace {

using namespace trappe::rules::testing;  // NOLINT(google-build-using-namespace)
using enum DeadlineState;
using enum FollowUpKind;
using enum InterventionKind;

// A foster placement with a little of everything, used to show order independence.
CaseTimeline BusyCase() {
  CaseTimeline t;
  t.reports = {{"r-1", T("2024-01-03T10:00:00Z"), T("2024-01-04T09:00:00Z")}};
  t.investigations = {{"bfu-1", D("2024-01-05"), D("2024-04-20")}};
  t.interventions = {Started("p-1", kGeneralFosterFamily, "2024-03-01"),
                     Started("s-1", kSupportingIntervention, "2024-02-01")};
  t.interventions[1].ended_on = D("2024-03-01");
  t.follow_ups = {Done(kChildConversation, "2024-03-12", "p-1"),
                  Done(kFosterFamilyFollowUp, "2024-03-14"),
                  Done(kChildConversation, "2024-04-10", "p-1"),
                  Done(kSupervisionVisit, "2024-06-01", "p-1", "cw-2"),
                  Done(kChildConversation, "2024-06-01", "p-1", "cw-3")};
  t.plan_approvals = {PlanApproved("2024-03-10", "p-1")};
  t.assignments = {{"cw-1", CaseRole::kPrimary, D("2024-01-03"), std::nullopt},
                   {"cw-2", CaseRole::kCoWorker, D("2024-03-20"), std::nullopt}};
  t.overrides = {{"o-1", D("2024-05-01"), "SE-FOSTER", Track::kFosterFamily, "p-1", D("2024-05-20"),
                  std::nullopt, "foster family on holiday until 19 May"}};
  return t;
}

TEST(BackDatingTest, TheOrderFactsWereRecordedInDoesNotChangeTheDeadlines) {
  const RuleSet rules = PresetRules({"barnets-lov", "sverigesmodel"});
  const CaseTimeline in_order = BusyCase();
  CaseTimeline reversed = in_order;
  std::reverse(reversed.interventions.begin(), reversed.interventions.end());
  std::reverse(reversed.follow_ups.begin(), reversed.follow_ups.end());
  std::reverse(reversed.assignments.begin(), reversed.assignments.end());
  CaseTimeline rotated = in_order;
  std::rotate(rotated.follow_ups.begin(), rotated.follow_ups.begin() + 2, rotated.follow_ups.end());

  const auto expected = Derive(rules, in_order, "2024-07-01");
  // UND-24H 1, BFU-4M 1, FU-FIRST-3M 2 (s-1, p-1), PLAN-3M 1, TILSYN-6M 2 (the visit on
  // 1 June opens the next), SE-FIRST-2W 3, SE-FOSTER 3 on the child's track and 1 on the
  // foster family's, SE-TWO-WORKERS 1.
  ASSERT_EQ(expected.size(), 15u);
  EXPECT_EQ(Derive(rules, reversed, "2024-07-01"), expected);
  EXPECT_EQ(Derive(rules, rotated, "2024-07-01"), expected);
}

TEST(BackDatingTest, ABackDatedFollowUpGivesTheDeadlinesItWouldHaveGivenInOrder) {
  const RuleSet rules = PresetRules({"sverigesmodel"});
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-03-01")};
  timeline.follow_ups = {Done(kChildConversation, "2024-04-20", "p-1")};
  // Before the back-dated conversation is known, the first follow-up looks missed and the
  // conversation on 20 April met it late.
  ExpectSeries(Derive(rules, timeline, "2024-05-01"), "SE-FIRST-2W", Track::kChildConversation,
               "p-1", {{"2024-03-01", "2024-03-15", kMetLate, "2024-04-20"}});

  // Recorded in May, effective 12 March: it meets the first deadline on time, and 20 April
  // meets SE-FOSTER's 12 April deadline late; next is 20 April + 1 month.
  timeline.follow_ups.push_back(Done(kChildConversation, "2024-03-12", "p-1"));
  const auto deadlines = Derive(rules, timeline, "2024-05-01");
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kChildConversation, "p-1",
               {{"2024-03-01", "2024-03-15", kMetOnTime, "2024-03-12"}});
  ExpectSeries(
      deadlines, "SE-FOSTER", Track::kChildConversation, "p-1",
      {{"2024-03-12", "2024-04-12", kMetLate, "2024-04-20"}, {"2024-04-20", "2024-05-20", kOpen}});

  CaseTimeline in_order;
  in_order.interventions = timeline.interventions;
  in_order.follow_ups = {Done(kChildConversation, "2024-03-12", "p-1"),
                         Done(kChildConversation, "2024-04-20", "p-1")};
  EXPECT_EQ(Derive(rules, in_order, "2024-05-01"), deadlines);
}

TEST(BackDatingTest, ABackDatedPlacementPicksUpTheFollowUpsAlreadyRecorded) {
  const RuleSet rules = PresetRules({"barnets-lov"});
  CaseTimeline timeline;
  // A case-level conversation on 10 April was recorded before anyone registered the
  // placement; the placement is then recorded with its real start, 1 April.
  timeline.follow_ups = {Done(kChildConversation, "2024-04-10")};
  EXPECT_TRUE(Derive(rules, timeline, "2024-05-01").empty());
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-04-01")};
  ExpectSeries(Derive(rules, timeline, "2024-05-01"), "FU-FIRST-3M", Track::kFollowUp, "p-1",
               {{"2024-04-01", "2024-07-01", kMetOnTime, "2024-04-10"}});
}

TEST(AsOfTest, OnlyFactsEffectiveOnOrBeforeAsOfCount) {
  const RuleSet rules = PresetRules({"sverigesmodel"});
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-03-01")};
  timeline.interventions[0].ended_on = D("2024-05-01");
  timeline.follow_ups = {Done(kChildConversation, "2024-03-10", "p-1")};
  // As of 9 March: no conversation yet, the placement has not ended.
  ExpectSeries(Derive(rules, timeline, "2024-03-09"), "SE-FIRST-2W", Track::kChildConversation,
               "p-1", {{"2024-03-01", "2024-03-15", kOpen}});
  EXPECT_TRUE(
      SeriesOf(Derive(rules, timeline, "2024-03-09"), "SE-FOSTER", Track::kChildConversation, "p-1")
          .empty());
  // As of 30 April the SE-FOSTER deadline (10 April) is overdue, not yet missed.
  ExpectSeries(Derive(rules, timeline, "2024-04-30"), "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-03-10", "2024-04-10", kOverdue}});
  ExpectSeries(Derive(rules, timeline, "2024-05-01"), "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-03-10", "2024-04-10", kMissed}});
  // Nothing of a placement that starts after as_of.
  EXPECT_TRUE(Derive(rules, timeline, "2024-02-29").empty());
}

TEST(EndedPlacementTest, DeadlinesDueFromTheEndAreDroppedAndEarlierUnmetOnesMissed) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-01-10")};
  timeline.interventions[0].ended_on = D("2024-03-05");
  timeline.follow_ups = {Done(kChildConversation, "2024-01-20", "p-1"),
                         // On the end date the placement is over: this meets nothing.
                         Done(kChildConversation, "2024-03-05", "p-1")};
  const auto deadlines =
      Derive(PresetRules({"barnets-lov", "sverigesmodel"}), timeline, "2024-04-01");
  // 10 January + 14 days = 24 January.
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kChildConversation, "p-1",
               {{"2024-01-10", "2024-01-24", kMetOnTime, "2024-01-20"}});
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kFosterFamily, "p-1",
               {{"2024-01-10", "2024-01-24", kMissed}});
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kPlan, "p-1",
               {{"2024-01-10", "2024-01-24", kMissed}});
  ExpectSeries(deadlines, "SE-TWO-WORKERS", Track::kCoWorker, "p-1",
               {{"2024-01-10", "2024-01-24", kMissed}});
  // 20 January + 1 month = 20 February, before the end on 5 March: missed.
  ExpectSeries(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-01-20", "2024-02-20", kMissed}});
  // Due 10 April and 10 July, after the end: dropped.
  ExpectSeries(deadlines, "PLAN-3M", Track::kPlan, "p-1", {{"2024-01-10", "2024-04-10", kDropped}});
  ExpectSeries(deadlines, "TILSYN-6M", Track::kSupervision, "p-1",
               {{"2024-01-10", "2024-07-10", kDropped}});
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "p-1",
               {{"2024-01-10", "2024-04-10", kMetOnTime, "2024-01-20"}});
}

TEST(EndedPlacementTest, ADeadlineDueOnTheEndDateIsDroppedTheDayBeforeMissed) {
  struct Case {
    const char* ended;
    DeadlineState plan_state;
  };
  // PLAN-3M for a placement from 10 January is due 10 April.
  for (const Case& c : {Case{"2024-04-10", kDropped}, Case{"2024-04-11", kMissed}}) {
    SCOPED_TRACE(c.ended);
    CaseTimeline timeline;
    timeline.interventions = {Started("p-1", kChildrensHome, "2024-01-10")};
    timeline.interventions[0].ended_on = D(c.ended);
    ExpectSeries(Derive(PresetRules({"barnets-lov"}), timeline, "2024-05-01"), "PLAN-3M",
                 Track::kPlan, "p-1", {{"2024-01-10", "2024-04-10", c.plan_state}});
  }
}

TEST(EvidenceTest, AnUnnamedFollowUpCountsForEveryActiveInterventionANamedOneForItsOwn) {
  const RuleSet rules = PresetRules({"barnets-lov"});
  CaseTimeline timeline;
  timeline.interventions = {Started("s-1", kSupportingIntervention, "2024-01-01"),
                            Started("p-1", kGeneralFosterFamily, "2024-02-01")};
  timeline.follow_ups = {Done(kChildConversation, "2024-02-10")};
  auto deadlines = Derive(rules, timeline, "2024-02-20");
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "s-1",
               {{"2024-01-01", "2024-04-01", kMetOnTime, "2024-02-10"}});
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "p-1",
               {{"2024-02-01", "2024-05-01", kMetOnTime, "2024-02-10"}});

  timeline.follow_ups = {Done(kChildConversation, "2024-02-10", "p-1")};
  deadlines = Derive(rules, timeline, "2024-02-20");
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "s-1",
               {{"2024-01-01", "2024-04-01", kOpen}});
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "p-1",
               {{"2024-02-01", "2024-05-01", kMetOnTime, "2024-02-10"}});
}

TEST(EvidenceTest, TwoFollowUpsOfOneTrackOnOneDayCountOnce) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-03-01")};
  FollowUp by_nine = Done(kChildConversation, "2024-03-12", "p-1", "cw-9");
  by_nine.id = "f-a";
  FollowUp by_one = Done(kChildConversation, "2024-03-12", "p-1", "cw-1");
  by_one.id = "f-b";
  timeline.follow_ups = {by_one, by_nine};
  const auto deadlines = Derive(PresetRules({"sverigesmodel"}), timeline, "2024-03-20");
  // The second conversation neither meets SE-FOSTER's new deadline nor opens another.
  ExpectSeries(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-03-12", "2024-04-12", kOpen}});
  // Same date and kind: the tie is broken by content (id "f-a" before "f-b"), whatever
  // the order the two were recorded in.
  const auto first = SeriesOf(deadlines, "SE-FIRST-2W", Track::kChildConversation, "p-1");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].met_by, "cw-9");
}

TEST(OverrideTest, ADueOverrideRedatesTheOpenDeadlineWithItsJustification) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-01-15")};
  timeline.follow_ups = {Done(kChildConversation, "2024-01-25", "p-1"),
                         Done(kChildConversation, "2024-03-05", "p-1")};
  timeline.overrides = {{"o-1", D("2024-02-20"), "SE-FOSTER", Track::kChildConversation, "p-1",
                         D("2024-03-08"), std::nullopt, "child in hospital until March"}};
  const auto deadlines = Derive(PresetRules({"sverigesmodel"}), timeline, "2024-03-10");
  // 25 January + 1 month = 25 February, moved to 8 March; met 5 March; next 5 April.
  ExpectSeries(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-01-25", "2024-03-08", kMetOnTime, "2024-03-05"},
                {"2024-03-05", "2024-04-05", kOpen}});
  const auto series = SeriesOf(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1");
  EXPECT_EQ(series[0].override_id, "o-1");
  EXPECT_EQ(series[0].justification, "child in hospital until March");
  EXPECT_EQ(series[1].override_id, "");
}

TEST(OverrideTest, Par95IntervalOverrideMakesTheFirstFollowUpRecurOnTheJustifiedSchedule) {
  CaseTimeline timeline;
  timeline.interventions = {Started("s-1", kSupportingIntervention, "2024-01-10")};
  timeline.follow_ups = {Done(kChildConversation, "2024-04-05", "s-1"),
                         Done(kPlanRevision, "2024-06-10", "s-1")};
  timeline.overrides = {{"o-1", D("2024-04-01"), "FU-FIRST-3M", Track::kFollowUp, "s-1",
                         std::nullopt, Months(2), "stable family: every second month"}};
  // 10 January + 3 months = 10 April, met 5 April; then every 2 months from the last
  // follow-up: 5 June (met late on the 10th), then 10 August.
  const auto deadlines = Derive(PresetRules({"barnets-lov"}), timeline, "2024-07-01");
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "s-1",
               {{"2024-01-10", "2024-04-10", kMetOnTime, "2024-04-05"},
                {"2024-04-05", "2024-06-05", kMetLate, "2024-06-10"},
                {"2024-06-10", "2024-08-10", kOpen}});
  EXPECT_EQ(SeriesOf(deadlines, "FU-FIRST-3M", Track::kFollowUp, "s-1")[2].override_id, "o-1");
}

TEST(OverrideTest, ADueOverrideWithNothingOpenSchedulesTheNextFollowUp) {
  CaseTimeline timeline;
  timeline.interventions = {Started("s-1", kSupportingIntervention, "2024-01-10")};
  timeline.follow_ups = {Done(kChildConversation, "2024-02-01", "s-1")};
  timeline.overrides = {{"o-1", D("2024-05-01"), "FU-FIRST-3M", Track::kFollowUp, "s-1",
                         D("2024-07-01"), std::nullopt, "next follow-up after the summer"}};
  ExpectSeries(Derive(PresetRules({"barnets-lov"}), timeline, "2024-07-02"), "FU-FIRST-3M",
               Track::kFollowUp, "s-1",
               {{"2024-01-10", "2024-04-10", kMetOnTime, "2024-02-01"},
                {"2024-05-01", "2024-07-01", kOverdue}});
}

TEST(RuleVersionTest, AnAdjustedRuleGovernsOnlyDeadlinesOpenedFromItsEffectiveDate) {
  RuleSet rules = PresetRules({"sverigesmodel"});
  FollowUpRule faster = *rules.InForce("SE-FOSTER", D("2024-01-01"));
  faster.recurrence = {{Months(6), Weeks(2)}, {std::nullopt, Months(2)}};
  ASSERT_OK(rules.Put(faster, D("2024-06-01")));
  ASSERT_OK(rules.Retire("SE-INST", D("2024-06-01")));

  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-05-01"),
                            Started("home", kChildrensHome, "2024-05-01")};
  timeline.follow_ups = {Done(kChildConversation, "2024-05-10", "p-1"),
                         Done(kChildConversation, "2024-06-05", "p-1"),
                         Done(kInstitutionFollowUp, "2024-05-10", "home"),
                         Done(kInstitutionFollowUp, "2024-06-05", "home")};
  const auto deadlines = Derive(rules, timeline, "2024-06-10");
  // Opened 10 May under the monthly rule: due 10 June. Opened 5 June under the adjusted
  // rule: 5 June + 2 weeks = 19 June.
  ExpectSeries(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-05-10", "2024-06-10", kMetOnTime, "2024-06-05"},
                {"2024-06-05", "2024-06-19", kOpen}});
  // SE-INST retired on 1 June: its last deadline is still met, but opens nothing.
  ExpectSeries(deadlines, "SE-INST", Track::kInstitution, "home",
               {{"2024-05-10", "2024-06-10", kMetOnTime, "2024-06-05"}});
}

TEST(RuleVersionTest, ARuleEnabledLaterDoesNotReachBackToEarlierTriggers) {
  RuleSet rules;
  ASSERT_OK(rules.Enable(SverigesmodelRules(), D("2024-06-01")));
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-05-01")};
  timeline.follow_ups = {Done(kChildConversation, "2024-06-05", "p-1")};
  const auto deadlines = Derive(rules, timeline, "2024-06-10");
  // No SE-FIRST-2W (the placement started before the rule); SE-FOSTER starts with the
  // first conversation under it: 5 June + 1 month.
  EXPECT_TRUE(SeriesOf(deadlines, "SE-FIRST-2W", Track::kChildConversation, "p-1").empty());
  ExpectSeries(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-06-05", "2024-07-05", kOpen}});
}

TEST(ValidationTest, InvalidTimelinesAreRejectedNamingTheField) {
  const RuleSet rules = PresetRules({"barnets-lov"});
  const auto expect_invalid = [&](const CaseTimeline& t, const char* field) {
    EXPECT_STATUS(DeriveDeadlines(rules, t, D("2024-06-01")), StatusCode::kInvalidArgument, field);
  };
  CaseTimeline t;
  t.interventions = {Started("p-1", kChildrensHome, "2024-03-01"),
                     Started("p-1", kChildrensHome, "2024-04-01")};
  expect_invalid(t, "interventions[1].id");

  t.interventions = {Started("p-1", kChildrensHome, "2024-03-01")};
  t.interventions[0].ended_on = D("2024-02-01");
  expect_invalid(t, "interventions[0].ended_on");

  t.interventions[0].ended_on.reset();
  t.follow_ups = {Done(kChildConversation, "2024-03-05", "p-404")};
  expect_invalid(t, "follow_ups[0].intervention_id");

  t.follow_ups.clear();
  t.overrides = {
      {"o-1", D("2024-03-02"), "PLAN-3M", Track::kPlan, "p-1", D("2024-03-10"), std::nullopt, ""}};
  expect_invalid(t, "overrides[0].justification");
  t.overrides[0].justification = "why";
  t.overrides[0].subject_id = "p-2";
  expect_invalid(t, "overrides[0].subject_id");
  t.overrides[0].subject_id = "p-1";
  t.overrides[0].due.reset();
  expect_invalid(t, "overrides[0].due");

  t.overrides.clear();
  t.reports = {{"r-1", T("2024-03-02T10:00:00Z"), T("2024-03-02T09:00:00Z")}};
  expect_invalid(t, "reports[0].assessed_at");
}

TEST(ComplianceTest, CountsPerRuleOverAPeriodAndTheShareOnTime) {
  // The ended placement of EndedPlacementTest, as of 1 April.
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-01-10")};
  timeline.interventions[0].ended_on = D("2024-03-05");
  timeline.follow_ups = {Done(kChildConversation, "2024-01-20", "p-1")};
  const auto deadlines =
      Derive(PresetRules({"barnets-lov", "sverigesmodel"}), timeline, "2024-04-01");
  const auto compliance = ComplianceByRule(deadlines, D("2024-01-01"), D("2024-06-30"));
  // PLAN-3M and TILSYN-6M were dropped: not counted, so absent.
  // SE-FIRST-2W: child on time; foster family and plan missed. FU-FIRST-3M on time.
  const std::vector<RuleCompliance> expected = {
      {"FU-FIRST-3M", 1, 1, 0, 0, 0},
      {"SE-FIRST-2W", 3, 1, 0, 2, 0},
      {"SE-FOSTER", 1, 0, 0, 1, 0},
      {"SE-TWO-WORKERS", 1, 0, 0, 1, 0},
  };
  EXPECT_EQ(compliance, expected);
  EXPECT_DOUBLE_EQ(*compliance[1].ShareOnTime(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(*compliance[2].ShareOnTime(), 0.0);

  // A period that ends before SE-FIRST-2W's due date (24 January) counts nothing of it.
  EXPECT_TRUE(ComplianceByRule(deadlines, D("2024-01-01"), D("2024-01-23")).empty());
}

TEST(ComplianceTest, DeadlinesNotYetDueAreCountedApartAndSumAcrossCases) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kChildrensHome, "2024-03-01")};
  const auto open = Derive(PresetRules({"sverigesmodel"}), timeline, "2024-03-10");
  auto month = ComplianceByRule(open, D("2024-03-01"), D("2024-03-31"));
  // Institution and plan, both due 15 March, open on 10 March.
  ASSERT_EQ(month.size(), 1u);
  EXPECT_EQ(month[0], (RuleCompliance{"SE-FIRST-2W", 2, 0, 0, 0, 2}));
  EXPECT_FALSE(month[0].ShareOnTime().has_value());

  timeline.follow_ups = {Done(kInstitutionFollowUp, "2024-03-14", "p-1")};
  const auto later =
      ComplianceByRule(Derive(PresetRules({"sverigesmodel"}), timeline, "2024-04-01"),
                       D("2024-03-01"), D("2024-03-31"));
  month[0] += later[0];
  // Second case: institution on time, plan missed (overdue).
  EXPECT_EQ(month[0], (RuleCompliance{"SE-FIRST-2W", 4, 1, 0, 1, 2}));
  EXPECT_DOUBLE_EQ(*month[0].ShareOnTime(), 0.5);
}

}  // namespace
}  // namespace trappe::rules
