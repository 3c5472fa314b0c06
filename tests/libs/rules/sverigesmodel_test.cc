// Borås practice, preset `sverigesmodel` (with the statutory floor where a test needs both):
// hand-computed tables per rule.
#include <gtest/gtest.h>

#include "deadline_test_support.h"

namespace trappe::rules {
namespace {

using namespace trappe::rules::testing;  // NOLINT(google-build-using-namespace)
using enum DeadlineState;
using enum FollowUpKind;
using enum InterventionKind;

std::vector<Track> TracksOf(const std::vector<Deadline>& deadlines, std::string_view rule_id,
                            std::string_view subject) {
  std::vector<Track> tracks;
  for (const Deadline& d : deadlines) {
    if (d.rule_id == rule_id && d.subject_id == subject) tracks.push_back(d.track);
  }
  std::sort(tracks.begin(), tracks.end());
  return tracks;
}

TEST(FirstTwoWeeksTest, SeFirst2wOpensEveryTrackOfThePlacementAndThePlan14DaysAfterTheStart) {
  CaseTimeline timeline;
  timeline.interventions = {Started("foster", kGeneralFosterFamily, "2024-03-01"),
                            Started("home", kChildrensHome, "2024-03-20"),
                            Started("school", kBoardingSchool, "2024-08-25"),
                            Started("support", kSupportingIntervention, "2024-03-01")};
  const auto deadlines = Derive(PresetRules({"sverigesmodel"}), timeline, "2024-03-02");

  // Foster family: the child's track, the foster family's track, the plan; 1 + 14 = 15 March.
  EXPECT_EQ(TracksOf(deadlines, "SE-FIRST-2W", "foster"),
            (std::vector<Track>{Track::kPlan, Track::kChildConversation, Track::kFosterFamily}));
  for (const Track t : {Track::kPlan, Track::kChildConversation, Track::kFosterFamily}) {
    ExpectSeries(deadlines, "SE-FIRST-2W", t, "foster", {{"2024-03-01", "2024-03-15", kOpen}});
  }
  // Children's home started 20 March, as of 2 March: not yet started, so nothing.
  EXPECT_TRUE(TracksOf(deadlines, "SE-FIRST-2W", "home").empty());
  EXPECT_TRUE(TracksOf(deadlines, "SE-FIRST-2W", "support").empty());

  const auto later = Derive(PresetRules({"sverigesmodel"}), timeline, "2024-09-01");
  // 20 March + 14 days = 3 April (March has 31 days).
  EXPECT_EQ(TracksOf(later, "SE-FIRST-2W", "home"),
            (std::vector<Track>{Track::kPlan, Track::kInstitution}));
  ExpectSeries(later, "SE-FIRST-2W", Track::kInstitution, "home",
               {{"2024-03-20", "2024-04-03", kOverdue}});
  // A boarding school has no track of its own: one first follow-up of any kind.
  // 25 August + 14 days = 8 September.
  EXPECT_EQ(TracksOf(later, "SE-FIRST-2W", "school"),
            (std::vector<Track>{Track::kPlan, Track::kFollowUp}));
  ExpectSeries(later, "SE-FIRST-2W", Track::kFollowUp, "school",
               {{"2024-08-25", "2024-09-08", kOpen}});
}

TEST(FosterRhythmTest, SeFosterIsMonthlyThenEveryThreeMonthsByAgeOnTheLastFollowUp) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-01-15")};
  for (const char* date : {"2024-01-25", "2024-02-20", "2024-03-20", "2024-04-19", "2024-05-17",
                           "2024-06-14", "2024-07-14", "2024-08-10"}) {
    timeline.follow_ups.push_back(Done(kChildConversation, date, "p-1"));
  }
  const auto deadlines = Derive(PresetRules({"sverigesmodel"}), timeline, "2024-09-01");
  // 15 January + 14 days = 29 January; met on the 25th, which opens the monthly rhythm.
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kChildConversation, "p-1",
               {{"2024-01-15", "2024-01-29", kMetOnTime, "2024-01-25"}});
  // The placement is 6 months old on 15 July. On 14 July it is not: 14 July + 1 month.
  // On 10 August it is: 10 August + 3 months = 10 November.
  ExpectSeries(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-01-25", "2024-02-25", kMetOnTime, "2024-02-20"},
                {"2024-02-20", "2024-03-20", kMetOnTime, "2024-03-20"},
                {"2024-03-20", "2024-04-20", kMetOnTime, "2024-04-19"},
                {"2024-04-19", "2024-05-19", kMetOnTime, "2024-05-17"},
                {"2024-05-17", "2024-06-17", kMetOnTime, "2024-06-14"},
                {"2024-06-14", "2024-07-14", kMetOnTime, "2024-07-14"},
                {"2024-07-14", "2024-08-14", kMetOnTime, "2024-08-10"},
                {"2024-08-10", "2024-11-10", kOpen}});
  // The foster family's track has had no follow-up: only SE-FIRST-2W's deadline, overdue.
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kFosterFamily, "p-1",
               {{"2024-01-15", "2024-01-29", kOverdue}});
  EXPECT_TRUE(SeriesOf(deadlines, "SE-FOSTER", Track::kFosterFamily, "p-1").empty());
}

struct RhythmCase {
  const char* started;
  const char* follow_up;
  const char* next_due;
};

TEST(FosterRhythmTest, SeFosterPhaseBoundaryIsTheSixMonthBirthdayOfThePlacement) {
  const RhythmCase cases[] = {
      {"2024-01-15", "2024-01-20", "2024-02-20"},
      {"2024-01-15", "2024-07-14", "2024-08-14"},  // one day short of 6 months: monthly
      {"2024-01-15", "2024-07-15", "2024-10-15"},  // 6 months old: every 3 months
      {"2024-01-15", "2024-12-31", "2025-03-31"},
      // 31 August 2023 + 6 months = 29 February 2024 (clamped, leap year).
      {"2023-08-31", "2024-02-28", "2024-03-28"},
      {"2023-08-31", "2024-02-29", "2024-05-29"},
  };
  for (const RhythmCase& c : cases) {
    SCOPED_TRACE(std::string("started ") + c.started + ", follow-up " + c.follow_up);
    CaseTimeline timeline;
    timeline.interventions = {Started("p-1", kNetworkFosterFamily, c.started)};
    timeline.follow_ups = {Done(kFosterFamilyFollowUp, c.follow_up, "p-1")};
    const auto deadlines = Derive(PresetRules({"sverigesmodel"}), timeline, c.follow_up);
    const auto series = SeriesOf(deadlines, "SE-FOSTER", Track::kFosterFamily, "p-1");
    ASSERT_EQ(series.size(), 1u);
    EXPECT_EQ(series[0].opened_on.ToString(), c.follow_up);
    EXPECT_EQ(series[0].due.ToString(), c.next_due);
  }
}

TEST(InstitutionRhythmTest, SeInstIsMonthlyForTwelveMonthsThenEverySixWeeks) {
  CaseTimeline timeline;
  timeline.interventions = {Started("home", kChildrensHome, "2023-03-01")};
  for (const char* date : {"2023-03-10", "2024-02-28", "2024-03-28", "2024-05-09"}) {
    timeline.follow_ups.push_back(Done(kInstitutionFollowUp, date, "home"));
  }
  const auto deadlines = Derive(PresetRules({"sverigesmodel"}), timeline, "2024-05-10");
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kInstitution, "home",
               {{"2023-03-01", "2023-03-15", kMetOnTime, "2023-03-10"}});
  // 28 February 2024 is the last day before the first birthday (1 March): + 1 month.
  // From 1 March on: + 6 weeks. 28 March + 42 days = 9 May; 9 May + 42 days = 20 June.
  ExpectSeries(deadlines, "SE-INST", Track::kInstitution, "home",
               {{"2023-03-10", "2023-04-10", kMetLate, "2024-02-28"},
                {"2024-02-28", "2024-03-28", kMetOnTime, "2024-03-28"},
                {"2024-03-28", "2024-05-09", kMetOnTime, "2024-05-09"},
                {"2024-05-09", "2024-06-20", kOpen}});
}

TEST(InstitutionRhythmTest, SeInstMonthEndArithmetic) {
  const RhythmCase cases[] = {
      {"2024-01-20", "2024-01-31", "2024-02-29"},  // 31 January + 1 month = 29 February (leap)
      {"2025-01-20", "2025-01-31", "2025-02-28"},  // ... = 28 February in a common year
      {"2024-01-20", "2024-02-29", "2024-03-29"},
      {"2023-03-01", "2024-02-29", "2024-03-29"},  // 29 February: still in the first year
      {"2023-03-01", "2024-03-01", "2024-04-12"},  // first birthday: 1 March + 42 days
  };
  for (const RhythmCase& c : cases) {
    SCOPED_TRACE(std::string("started ") + c.started + ", follow-up " + c.follow_up);
    CaseTimeline timeline;
    timeline.interventions = {Started("home", kChildrensHome, c.started)};
    timeline.follow_ups = {Done(kInstitutionFollowUp, c.follow_up, "home")};
    const auto series = SeriesOf(Derive(PresetRules({"sverigesmodel"}), timeline, c.follow_up),
                                 "SE-INST", Track::kInstitution, "home");
    ASSERT_EQ(series.size(), 1u);
    EXPECT_EQ(series[0].due.ToString(), c.next_due);
  }
}

TEST(LateFollowUpTest, SeFosterCountsTheNextDeadlineFromTheLateFollowUp) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-03-01")};
  timeline.follow_ups = {Done(kChildConversation, "2024-03-20", "p-1")};
  const auto deadlines =
      Derive(PresetRules({"barnets-lov", "sverigesmodel"}), timeline, "2024-04-01");
  // Due 15 March, met 20 March: late. The rhythm restarts from the 20th: due 20 April.
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kChildConversation, "p-1",
               {{"2024-03-01", "2024-03-15", kMetLate, "2024-03-20"}});
  ExpectSeries(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1",
               {{"2024-03-20", "2024-04-20", kOpen}});
  // The same conversation is on time for the statutory first follow-up (due 1 June).
  ExpectSeries(deadlines, "FU-FIRST-3M", Track::kFollowUp, "p-1",
               {{"2024-03-01", "2024-06-01", kMetOnTime, "2024-03-20"}});
}

TEST(TwoWorkersTest, SeTwoWorkersNeedsACoWorkerWithinTwoWeeksOfAFosterPlacement) {
  struct Case {
    const char* name;
    const char* assigned;
    const char* unassigned;  // null: still assigned
    CaseRole role;
    DeadlineState state;
    const char* met_on;
  };
  const Case cases[] = {
      {"assigned after the due date", "2024-03-18", nullptr, CaseRole::kCoWorker, kMetLate,
       "2024-03-18"},
      // Already the co-worker when the placement starts: met on the first day.
      {"assigned before the placement", "2024-02-01", nullptr, CaseRole::kCoWorker, kMetOnTime,
       "2024-03-01"},
      {"co-worker left before the placement", "2024-02-01", "2024-02-20", CaseRole::kCoWorker,
       kOverdue, nullptr},
      {"a second primary is not a co-worker", "2024-03-05", nullptr, CaseRole::kPrimary, kOverdue,
       nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CaseTimeline timeline;
    timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-03-01"),
                              Started("home", kChildrensHome, "2024-03-01")};
    CaseAssignment a{"cw-2", c.role, D(c.assigned), std::nullopt};
    if (c.unassigned != nullptr) a.unassigned_on = D(c.unassigned);
    timeline.assignments = {{"cw-1", CaseRole::kPrimary, D("2024-01-01"), std::nullopt}, a};
    const auto deadlines = Derive(PresetRules({"sverigesmodel"}), timeline, "2024-03-20");
    ExpectSeries(deadlines, "SE-TWO-WORKERS", Track::kCoWorker, "p-1",
                 {{"2024-03-01", "2024-03-15", c.state, c.met_on}});
    EXPECT_EQ(SeriesOf(deadlines, "SE-TWO-WORKERS", Track::kCoWorker, "p-1")[0].responsible_role,
              ResponsibleRole::kTeamLeader);
    // Only foster placements need two caseworkers.
    EXPECT_TRUE(SeriesOf(deadlines, "SE-TWO-WORKERS", Track::kCoWorker, "home").empty());
  }
}

TEST(ResponsibleRoleTest, FosterFamilyTrackIsTheCoWorkersInThePlacementsFirstYear) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-01-15")};
  timeline.follow_ups = {Done(kFosterFamilyFollowUp, "2024-01-20", "p-1"),
                         Done(kFosterFamilyFollowUp, "2024-10-10", "p-1"),
                         Done(kFosterFamilyFollowUp, "2025-01-12", "p-1"),
                         Done(kChildConversation, "2024-01-20", "p-1")};
  const auto deadlines = Derive(PresetRules({"sverigesmodel"}), timeline, "2025-02-01");
  // The first year ends on 15 January 2025. 10 October + 3 months = 10 January: still the
  // co-worker's; 12 January + 3 months = 12 April: the primary caseworker's.
  const auto family = SeriesOf(deadlines, "SE-FOSTER", Track::kFosterFamily, "p-1");
  ASSERT_EQ(family.size(), 3u);
  EXPECT_EQ(family[0].due.ToString(), "2024-02-20");
  EXPECT_EQ(family[0].responsible_role, ResponsibleRole::kCoWorker);
  EXPECT_EQ(family[1].due.ToString(), "2025-01-10");
  EXPECT_EQ(family[1].responsible_role, ResponsibleRole::kCoWorker);
  EXPECT_EQ(family[2].due.ToString(), "2025-04-12");
  EXPECT_EQ(family[2].responsible_role, ResponsibleRole::kPrimaryCaseworker);
  const auto child = SeriesOf(deadlines, "SE-FOSTER", Track::kChildConversation, "p-1");
  ASSERT_EQ(child.size(), 1u);
  EXPECT_EQ(child[0].responsible_role, ResponsibleRole::kPrimaryCaseworker);
  EXPECT_EQ(SeriesOf(deadlines, "SE-FIRST-2W", Track::kFosterFamily, "p-1")[0].responsible_role,
            ResponsibleRole::kCoWorker);
}

TEST(BothPresetsTest, ViewsShowTheEarliestOpenDeadlinePerTrack) {
  CaseTimeline timeline;
  timeline.interventions = {Started("p-1", kGeneralFosterFamily, "2024-03-01")};
  const RuleSet both = PresetRules({"barnets-lov", "sverigesmodel"});

  struct Shown {
    Track track;
    const char* rule_id;
    const char* due;
  };
  const auto expect_view = [](const std::vector<Deadline>& view, const std::vector<Shown>& rows) {
    ASSERT_EQ(view.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(ToString(view[i].track), ToString(rows[i].track));
      EXPECT_EQ(view[i].rule_id, rows[i].rule_id);
      EXPECT_EQ(view[i].due.ToString(), rows[i].due);
    }
  };
  // The plan: SE-FIRST-2W (15 March) hides PLAN-3M (1 June). The statutory follow-up,
  // supervision and the co-worker have tracks of their own.
  expect_view(EarliestOpenPerTrack(Derive(both, timeline, "2024-03-05")),
              {{Track::kPlan, "SE-FIRST-2W", "2024-03-15"},
               {Track::kChildConversation, "SE-FIRST-2W", "2024-03-15"},
               {Track::kFosterFamily, "SE-FIRST-2W", "2024-03-15"},
               {Track::kCoWorker, "SE-TWO-WORKERS", "2024-03-15"},
               {Track::kFollowUp, "FU-FIRST-3M", "2024-06-01"},
               {Track::kSupervision, "TILSYN-6M", "2024-09-01"}});

  // One approval meets the plan deadline of both rule sets; one conversation meets both
  // the child's first follow-up and the statutory one, and opens SE-FOSTER (12 April).
  timeline.plan_approvals = {PlanApproved("2024-03-10", "p-1")};
  timeline.follow_ups = {Done(kChildConversation, "2024-03-12", "p-1")};
  const auto deadlines = Derive(both, timeline, "2024-03-20");
  ExpectSeries(deadlines, "PLAN-3M", Track::kPlan, "p-1",
               {{"2024-03-01", "2024-06-01", kMetOnTime, "2024-03-10"}});
  ExpectSeries(deadlines, "SE-FIRST-2W", Track::kPlan, "p-1",
               {{"2024-03-01", "2024-03-15", kMetOnTime, "2024-03-10"}});
  expect_view(EarliestOpenPerTrack(deadlines),
              {{Track::kFosterFamily, "SE-FIRST-2W", "2024-03-15"},
               {Track::kCoWorker, "SE-TWO-WORKERS", "2024-03-15"},
               {Track::kChildConversation, "SE-FOSTER", "2024-04-12"},
               {Track::kSupervision, "TILSYN-6M", "2024-09-01"}});
}

TEST(SverigesmodelTest, PresetHasTheFourBorasRules) {
  std::vector<std::string> ids;
  for (const FollowUpRule& rule : SverigesmodelRules()) {
    EXPECT_OK(ValidateRule(rule));
    EXPECT_EQ(rule.source, "Borås practice (Sverigesmodellen)");
    ids.push_back(rule.id);
  }
  EXPECT_EQ(ids,
            (std::vector<std::string>{"SE-FIRST-2W", "SE-FOSTER", "SE-INST", "SE-TWO-WORKERS"}));
}

}  // namespace
}  // namespace trappe::rules
