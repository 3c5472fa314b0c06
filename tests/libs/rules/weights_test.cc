// Case points and caseworker loads under the `default-weights` preset, with hand-computed
// loads.
#include "trappe/rules/weights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "trappe/rules/workload.h"
#include "trappe/testing/dates.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::rules {
namespace {

using enum CaseGrade;
using enum InterventionKind;

using trappe::testing::D;
Points P(int64_t whole) { return Points::Whole(whole); }

CaseWeightFacts OpenCase(std::string id, CaseGrade grade, std::string_view opened = "2024-01-01") {
  CaseWeightFacts c;
  c.case_id = std::move(id);
  c.open_periods = {{D(opened), std::nullopt}};
  if (grade != kUnassessed) c.grades = {{D(opened), grade}};
  return c;
}

Intervention Placement(std::string id, InterventionKind kind, std::string_view start,
                       ConsentBasis consent = ConsentBasis::kWithConsent) {
  Intervention iv;
  iv.id = std::move(id);
  iv.kind = kind;
  iv.consent = consent;
  iv.step = 5;
  iv.started_on = D(start);
  return iv;
}

CaseAssignment Assigned(std::string caseworker, CaseRole role, std::string_view from,
                        const char* until = nullptr) {
  CaseAssignment a{std::move(caseworker), role, D(from), std::nullopt};
  if (until != nullptr) a.unassigned_on = D(until);
  return a;
}

CaseworkerFacts Caseworker(std::string id, std::string team, int64_t fte_percent,
                           std::string_view joined = "2020-01-01", const char* left = nullptr) {
  CaseworkerFacts cw;
  cw.id = std::move(id);
  cw.team_id = std::move(team);
  cw.joined_on = D(joined);
  if (left != nullptr) cw.left_on = D(left);
  cw.terms = {{D(joined), fte_percent, std::nullopt}};
  return cw;
}

TEST(PointsTest, HundredthsPrintAndShareExactly) {
  EXPECT_EQ(P(130).ToString(), "130");
  EXPECT_EQ(Points::Hundredths(650).ToString(), "6.5");
  EXPECT_EQ(Points::Hundredths(625).ToString(), "6.25");
  EXPECT_EQ(Points::Hundredths(-450).ToString(), "-4.5");
  EXPECT_EQ(Points::Hundredths(5).ToString(), "0.05");
  EXPECT_EQ(P(6).Percent(50), P(3));
  // 4.5 x 33% = 1.485, rounded toward zero to 1.48.
  EXPECT_EQ(Points::Hundredths(450).Percent(33), Points::Hundredths(148));
}

TEST(DefaultWeightsTest, PresetIsTheTableOfTheDesign) {
  const WeightTable t = DefaultWeights();
  ASSERT_OK(ValidateWeightTable(t));
  EXPECT_EQ(t.simple, P(4));
  EXPECT_EQ(t.complex, P(6));
  EXPECT_EQ(t.very_complex, P(10));
  EXPECT_EQ(t.unassessed_counts_as, kComplex);
  EXPECT_EQ(t.placement_first_period_points, P(2));
  EXPECT_EQ(t.placement_first_period, Months(12));
  EXPECT_EQ(t.placement_without_consent_points, P(2));
  EXPECT_EQ(t.investigation_running_points, P(2));
  EXPECT_EQ(t.primary_share_percent, 100);
  EXPECT_EQ(t.co_worker_share_percent, 50);
  EXPECT_EQ(t.target_per_full_time, P(120));
  EXPECT_EQ(t.guidance_min_cases, 15);
  EXPECT_EQ(t.guidance_max_cases, 20);
  EXPECT_EQ(WeightPreset("default-weights").value(), t);
  EXPECT_STATUS(WeightPreset("boras"), StatusCode::kNotFound, "boras");
}

TEST(CasePointsTest, GradeAndEachModifierWhileItsConditionHolds) {
  CaseWeightFacts c = OpenCase("c-1", kUnassessed);
  c.open_periods = {{D("2024-01-01"), D("2025-09-01")}};
  c.grades = {{D("2024-02-01"), kSimple}, {D("2024-06-01"), kVeryComplex}};
  c.investigations = {{"bfu-1", D("2024-01-05"), D("2024-03-10")}};
  c.interventions = {Placement("p-1", kGeneralFosterFamily, "2024-03-01")};
  c.interventions[0].ended_on = D("2025-06-01");
  // Consent withdrawn: from 15 May the placement continues under par. 47.
  c.interventions[0].changes = {
      {D("2024-05-15"), std::nullopt, std::nullopt, ConsentBasis::kWithoutConsent, std::nullopt}};
  struct Row {
    const char* date;
    int64_t points;
    const char* why;
  };
  const Row rows[] = {
      {"2024-01-02", 6, "unassessed counts as COMPLEX 6"},
      {"2024-01-10", 8, "6 + investigation 2"},
      {"2024-02-01", 6, "SIMPLE 4 + investigation 2"},
      {"2024-03-05", 8, "4 + first 12 months 2 + investigation 2"},
      {"2024-03-10", 6, "investigation completed on 10 March: 4 + 2"},
      {"2024-05-15", 8, "4 + first 12 months 2 + par. 47 2"},
      {"2024-06-01", 14, "VERY_COMPLEX 10 + 2 + 2"},
      {"2025-02-28", 14, "last day of the first 12 months (until 1 March 2025)"},
      {"2025-03-01", 12, "10 + par. 47 2"},
      {"2025-06-01", 10, "placement ended"},
      {"2025-09-01", 0, "case closed"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(row.date) + ": " + row.why);
    const CaseWeight w = CasePoints(DefaultWeights(), c, D(row.date));
    EXPECT_EQ(w.points, P(row.points));
    Points sum;
    for (const PointsReason& r : w.reasons) sum += r.points;
    EXPECT_EQ(sum, w.points);  // the reasons add up to the points
  }
  const CaseWeight june = CasePoints(DefaultWeights(), c, D("2024-06-01"));
  const std::vector<PointsReason> why = {
      {PointsReasonKind::kGrade, P(10), "VERY_COMPLEX"},
      {PointsReasonKind::kPlacementFirstPeriod, P(2),
       "placement p-1 in its first 12 months (since 2024-03-01, until 2025-03-01)"},
      {PointsReasonKind::kPlacementWithoutConsent, P(2),
       "placement p-1 without consent (par. 47)"}};
  EXPECT_EQ(june.reasons, why);
  EXPECT_EQ(june.reasons[0].Line(), "VERY_COMPLEX: 10");
  EXPECT_EQ(june.reasons[2].Line(), "+2: placement p-1 without consent (par. 47)");
  EXPECT_EQ(CasePoints(DefaultWeights(), c, D("2024-01-02")).reasons[0].Line(),
            "unassessed, counts as COMPLEX: 6");
  EXPECT_FALSE(CasePoints(DefaultWeights(), c, D("2025-09-01")).open);
}

TEST(CasePointsTest, AModifierCountsOnceHoweverManyPlacementsMeetIt) {
  CaseWeightFacts c = OpenCase("c-1", kComplex);
  // A move from a children's home to a foster family: both in their first year, both par. 47.
  c.interventions = {
      Placement("home", kChildrensHome, "2024-01-10", ConsentBasis::kWithoutConsent),
      Placement("foster", kGeneralFosterFamily, "2024-06-01", ConsentBasis::kWithoutConsent)};
  c.interventions[0].ended_on = D("2024-06-02");
  // On 1 June both are active: 6 + 2 + 2, not 6 + 4 + 4. The reason names the earlier.
  const CaseWeight w = CasePoints(DefaultWeights(), c, D("2024-06-01"));
  EXPECT_EQ(w.points, P(10));
  EXPECT_EQ(w.reasons[1].detail,
            "placement home in its first 12 months (since 2024-01-10, until 2025-01-10)");
  // A supporting intervention is not a placement: no placement modifier.
  CaseWeightFacts support = OpenCase("c-2", kSimple);
  support.interventions = {Placement("s-1", kSupportingIntervention, "2024-01-10")};
  EXPECT_EQ(CasePoints(DefaultWeights(), support, D("2024-02-01")).points, P(4));
}

// A team used by the load tests below.
struct Team {
  std::vector<CaseworkerFacts> caseworkers;
  std::vector<CaseWeightFacts> cases;
};

Team TwoTeams(bool reassign_on_leaving = true) {
  Team t;
  t.caseworkers = {Caseworker("cw-a", "T1", 100), Caseworker("cw-b", "T1", 80),
                   Caseworker("cw-c", "T1", 100, "2024-01-01", "2024-09-01"),
                   Caseworker("cw-d", "T2", 100),
                   Caseworker("cw-e", "T1", 100, "2024-10-01")};  // not yet started
  CaseWeightFacts c1 = OpenCase("c-1", kSimple);
  c1.assignments = {Assigned("cw-a", CaseRole::kPrimary, "2024-01-01")};
  CaseWeightFacts c2 = OpenCase("c-2", kVeryComplex);
  c2.investigations = {{"bfu-2", D("2024-02-01"), D("2024-05-01")}};
  c2.assignments = {Assigned("cw-a", CaseRole::kPrimary, "2024-01-01"),
                    Assigned("cw-b", CaseRole::kCoWorker, "2024-03-01")};
  CaseWeightFacts c3 = OpenCase("c-3", kUnassessed);
  c3.interventions = {
      Placement("p-3", kChildrensHome, "2024-04-15", ConsentBasis::kWithoutConsent)};
  c3.assignments = {Assigned("cw-b", CaseRole::kPrimary, "2024-01-01")};
  CaseWeightFacts c4 = OpenCase("c-4", kComplex);
  c4.interventions = {Placement("p-4", kGeneralFosterFamily, "2023-10-01")};
  if (reassign_on_leaving) {
    c4.assignments = {Assigned("cw-c", CaseRole::kPrimary, "2024-01-01", "2024-09-01"),
                      Assigned("cw-b", CaseRole::kPrimary, "2024-09-01")};
  } else {
    c4.assignments = {Assigned("cw-c", CaseRole::kPrimary, "2024-01-01")};
  }
  CaseWeightFacts c5 = OpenCase("c-5", kSimple);
  c5.open_periods = {{D("2024-01-01"), D("2024-06-01")}};
  c5.assignments = {Assigned("cw-d", CaseRole::kPrimary, "2024-01-01")};
  t.cases = {c1, c2, c3, c4, c5};
  return t;
}

struct LoadRow {
  const char* caseworker;
  int64_t points;
  int64_t target;
  int64_t headroom;
  int64_t primary;
  int64_t co_worker;
};

void ExpectLoads(const Workload& w, const std::vector<LoadRow>& rows) {
  ASSERT_EQ(w.caseworkers.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const CaseworkerLoad& l = w.caseworkers[i];
    SCOPED_TRACE(rows[i].caseworker);
    EXPECT_EQ(l.caseworker_id, rows[i].caseworker);
    EXPECT_EQ(l.points, P(rows[i].points));
    EXPECT_EQ(l.target, P(rows[i].target));
    EXPECT_EQ(l.headroom, P(rows[i].headroom));
    EXPECT_EQ(l.primary_cases, rows[i].primary);
    EXPECT_EQ(l.co_worker_cases, rows[i].co_worker);
  }
}

TEST(WorkloadTest, LoadsOfAMixOfGradesAndModifiersOnSeveralDates) {
  const Team t = TwoTeams();
  // 15 March 2024. c-1 SIMPLE 4 (cw-a). c-2 VERY_COMPLEX 10 + investigation 2 = 12: cw-a 12,
  // co-worker cw-b 6. c-3 unassessed: COMPLEX 6 (placement not started) to cw-b. c-4 COMPLEX
  // 6 + 2 (placement from 1 October 2023, first year until 1 October 2024) = 8 to cw-c.
  // c-5 SIMPLE 4 to cw-d. Targets: 120, 120 x 80% = 96, 120, 120. cw-e has not started.
  ASSERT_OK_AND_ASSIGN(const Workload march,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-03-15")));
  ExpectLoads(march, {{"cw-a", 16, 120, 104, 2, 0},
                      {"cw-b", 12, 96, 84, 1, 1},
                      {"cw-c", 8, 120, 112, 1, 0},
                      {"cw-d", 4, 120, 116, 1, 0}});
  ASSERT_EQ(march.teams.size(), 2u);
  EXPECT_EQ(march.teams[0].team_id, "T1");
  EXPECT_EQ(march.teams[0].caseworkers, 3);
  EXPECT_EQ(march.teams[0].fte_percent, 280);
  EXPECT_EQ(march.teams[0].points, P(36));
  EXPECT_EQ(march.teams[0].target, P(336));
  EXPECT_EQ(march.teams[0].headroom, P(300));
  EXPECT_EQ(march.teams[0].primary_cases, 4);
  EXPECT_EQ(march.teams[1].points, P(4));

  // 1 September 2024. c-2's investigation ended 1 May: 10, cw-b's half is 5. c-3's
  // children's home (15 April, par. 47): 6 + 2 + 2 = 10. c-4 moved from cw-c (left today)
  // to cw-b: 8. c-5 closed on 1 June. cw-b: 5 + 10 + 8 = 23 of 96.
  ASSERT_OK_AND_ASSIGN(const Workload september,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-09-01")));
  ExpectLoads(
      september,
      {{"cw-a", 14, 120, 106, 2, 0}, {"cw-b", 23, 96, 73, 2, 1}, {"cw-d", 0, 120, 120, 0, 0}});
  EXPECT_EQ(september.teams[0].caseworkers, 2);
  EXPECT_EQ(september.teams[0].points, P(37));
  EXPECT_EQ(september.teams[0].target, P(216));

  // 1 October 2024: p-4's first year is over, c-4 drops to 6; cw-e starts with nothing.
  ASSERT_OK_AND_ASSIGN(const Workload october,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-10-01")));
  ExpectLoads(october, {{"cw-a", 14, 120, 106, 2, 0},
                        {"cw-b", 21, 96, 75, 2, 1},
                        {"cw-d", 0, 120, 120, 0, 0},
                        {"cw-e", 0, 120, 120, 0, 0}});
}

TEST(WorkloadTest, EachShareNamesItsCaseAmongTheCasesSortedById) {
  Team t = TwoTeams();
  // Given in reverse: the answer lists the cases by id, and each share must follow its case.
  std::reverse(t.cases.begin(), t.cases.end());
  ASSERT_OK_AND_ASSIGN(const Workload w,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-03-15")));
  std::vector<std::string> ids;
  for (const CaseWeight& c : w.cases) ids.push_back(c.case_id);
  EXPECT_THAT(ids, ::testing::ElementsAre("c-1", "c-2", "c-3", "c-4", "c-5"));
  size_t shares = 0;
  for (const CaseworkerLoad& l : w.caseworkers) {
    EXPECT_TRUE(std::is_sorted(l.cases.begin(), l.cases.end(),
                               [](const CaseShare& a, const CaseShare& b) {
                                 return a.case_id < b.case_id;
                               }))
        << l.caseworker_id << "'s shares are not in case id order";
    for (const CaseShare& s : l.cases) {
      SCOPED_TRACE(l.caseworker_id + " " + s.case_id);
      ASSERT_LT(s.case_index, w.cases.size());
      EXPECT_EQ(w.cases[s.case_index].case_id, s.case_id);
      EXPECT_EQ(w.cases[s.case_index].points, s.case_points);
      ++shares;
    }
  }
  EXPECT_EQ(shares, 6u);  // c-2 has a primary and a co-worker
}

TEST(WorkloadTest, ACaseMovingBetweenCaseworkersCountsForWhoeverHoldsItThatDay) {
  const std::vector<CaseworkerFacts> cws = {
      Caseworker("cw-a", "T1", 100), Caseworker("cw-b", "T1", 100), Caseworker("cw-c", "T1", 100)};
  CaseWeightFacts c = OpenCase("c-1", kVeryComplex);
  c.assignments = {Assigned("cw-a", CaseRole::kPrimary, "2024-01-01", "2024-04-01"),
                   Assigned("cw-b", CaseRole::kPrimary, "2024-04-01"),
                   Assigned("cw-c", CaseRole::kCoWorker, "2024-02-01", "2024-06-01")};
  const std::vector<CaseWeightFacts> cases = {c};
  struct Row {
    const char* date;
    int64_t a, b, c;
  };
  // VERY_COMPLEX 10: primary 10, co-worker 5. Handed over on 1 April.
  for (const Row& row : {Row{"2024-01-15", 10, 0, 0}, Row{"2024-03-31", 10, 0, 5},
                         Row{"2024-04-01", 0, 10, 5}, Row{"2024-06-01", 0, 10, 0}}) {
    SCOPED_TRACE(row.date);
    ASSERT_OK_AND_ASSIGN(const Workload w, WorkloadOn(DefaultWeights(), cws, cases, D(row.date)));
    EXPECT_EQ(w.Find("cw-a")->points, P(row.a));
    EXPECT_EQ(w.Find("cw-b")->points, P(row.b));
    EXPECT_EQ(w.Find("cw-c")->points, P(row.c));
  }
}

TEST(WorkloadTest, APartTimeCaseworkersTargetAndCaseGuidanceScaleWithFte) {
  CaseworkerFacts part = Caseworker("cw-p", "T1", 80, "2024-01-01");
  part.terms.push_back({D("2024-07-01"), 60, std::nullopt});
  part.terms.push_back({D("2024-10-01"), 100, P(100)});  // new role: target set by hand
  const WeightTable t = DefaultWeights();
  // 120 x 80% = 96; from July 120 x 60% = 72; from October the override, 100.
  EXPECT_EQ(TargetOn(t, part, D("2024-03-01")), P(96));
  EXPECT_EQ(TargetOn(t, part, D("2024-07-01")), P(72));
  EXPECT_EQ(TargetOn(t, part, D("2024-10-01")), P(100));
  EXPECT_EQ(TargetOn(t, part, D("2023-12-31")), P(0));  // before joining
  // 75% FTE: 120 x 75% = 90.
  EXPECT_EQ(TargetOn(t, Caseworker("cw-q", "T1", 75), D("2024-03-01")), P(90));

  // Guidance 15-20 per full-time caseworker: 12-16 at 80%, warn above 16.
  EXPECT_EQ(CountStatus(t, 80, 11), CaseCountStatus::kUnder);
  EXPECT_EQ(CountStatus(t, 80, 12), CaseCountStatus::kWithin);
  EXPECT_EQ(CountStatus(t, 80, 16), CaseCountStatus::kWithin);
  EXPECT_EQ(CountStatus(t, 80, 17), CaseCountStatus::kAbove);
  EXPECT_EQ(CountStatus(t, 100, 20), CaseCountStatus::kWithin);
  EXPECT_EQ(CountStatus(t, 100, 21), CaseCountStatus::kAbove);

  // 17 simple cases on an 80% caseworker: 68 of 96 points, but above the case guidance.
  std::vector<CaseWeightFacts> cases;
  for (int i = 0; i < 17; ++i) {
    CaseWeightFacts c = OpenCase("c-" + std::to_string(100 + i), kSimple);
    c.assignments = {Assigned("cw-p", CaseRole::kPrimary, "2024-01-01")};
    cases.push_back(c);
  }
  const std::vector<CaseworkerFacts> cws = {part};
  ASSERT_OK_AND_ASSIGN(const Workload w, WorkloadOn(t, cws, cases, D("2024-03-01")));
  EXPECT_EQ(w.caseworkers[0].points, P(68));
  EXPECT_EQ(w.caseworkers[0].headroom, P(28));
  EXPECT_EQ(w.caseworkers[0].count_status, CaseCountStatus::kAbove);
  EXPECT_TRUE(w.caseworkers[0].count_warning);
}

TEST(WorkloadTest, AModifierEndsOnTheFirstAnniversaryOfThePlacement) {
  const std::vector<CaseworkerFacts> cws = {Caseworker("cw-a", "T1", 100)};
  CaseWeightFacts c = OpenCase("c-1", kComplex);
  c.interventions = {Placement("p-1", kSpecialisedFosterFamily, "2024-01-31")};
  c.assignments = {Assigned("cw-a", CaseRole::kPrimary, "2024-01-01")};
  const std::vector<CaseWeightFacts> cases = {c};
  // 31 January 2024 + 12 months = 31 January 2025: 8 points the day before, 6 from then.
  ASSERT_OK_AND_ASSIGN(const Workload before,
                       WorkloadOn(DefaultWeights(), cws, cases, D("2025-01-30")));
  ASSERT_OK_AND_ASSIGN(const Workload after,
                       WorkloadOn(DefaultWeights(), cws, cases, D("2025-01-31")));
  EXPECT_EQ(before.caseworkers[0].points, P(8));
  EXPECT_EQ(after.caseworkers[0].points, P(6));
}

TEST(WorkloadTest, ACaseworkerWhoLeftWithoutHandingOverStillShowsTheCasesAtNoTarget) {
  const Team t = TwoTeams(/*reassign_on_leaving=*/false);
  ASSERT_OK_AND_ASSIGN(const Workload w,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-09-01")));
  const CaseworkerLoad* gone = w.Find("cw-c");
  ASSERT_NE(gone, nullptr);
  EXPECT_TRUE(gone->registered);
  EXPECT_FALSE(gone->employed);
  EXPECT_EQ(gone->points, P(8));  // c-4: COMPLEX 6 + first year 2
  EXPECT_EQ(gone->target, P(0));
  EXPECT_EQ(gone->headroom, P(-8));
  // The team still carries the points, but not the target of someone who has left.
  EXPECT_EQ(w.teams[0].caseworkers, 2);
  EXPECT_EQ(w.teams[0].points, P(14 + 15 + 8));  // cw-a 14, cw-b 5 + 10, cw-c 8
  EXPECT_EQ(w.teams[0].target, P(216));
}

TEST(WorkloadTest, ACaseNamingAnUnregisteredCaseworkerIsNotLost) {
  CaseWeightFacts c = OpenCase("c-1", kSimple);
  c.assignments = {Assigned("cw-new", CaseRole::kPrimary, "2024-01-01")};
  const std::vector<CaseWeightFacts> cases = {c};
  ASSERT_OK_AND_ASSIGN(const Workload w, WorkloadOn(DefaultWeights(), {}, cases, D("2024-02-01")));
  ASSERT_EQ(w.caseworkers.size(), 1u);
  EXPECT_FALSE(w.caseworkers[0].registered);
  EXPECT_EQ(w.caseworkers[0].points, P(4));
  EXPECT_EQ(w.teams[0].team_id, "");
}

TEST(WorkloadTest, TheInputOrderDoesNotChangeAnyLoad) {
  Team t = TwoTeams();
  ASSERT_OK_AND_ASSIGN(const Workload a,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-09-01")));
  std::reverse(t.caseworkers.begin(), t.caseworkers.end());
  std::reverse(t.cases.begin(), t.cases.end());
  for (CaseWeightFacts& c : t.cases) std::reverse(c.assignments.begin(), c.assignments.end());
  ASSERT_OK_AND_ASSIGN(const Workload b,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-09-01")));
  ASSERT_EQ(a.caseworkers.size(), b.caseworkers.size());
  for (size_t i = 0; i < a.caseworkers.size(); ++i) {
    EXPECT_EQ(a.caseworkers[i].caseworker_id, b.caseworkers[i].caseworker_id);
    EXPECT_EQ(a.caseworkers[i].points, b.caseworkers[i].points);
    EXPECT_EQ(a.caseworkers[i].cases.size(), b.caseworkers[i].cases.size());
  }
  EXPECT_EQ(a.teams[0].points, b.teams[0].points);
}

TEST(SuggestAssigneeTest, TheMostHeadroomAfterTheCaseAmongThoseEmployed) {
  const Team t = TwoTeams(/*reassign_on_leaving=*/false);
  ASSERT_OK_AND_ASSIGN(const Workload w,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-09-01")));
  // A new, unassessed case: COMPLEX 6.
  const CaseWeight fresh =
      CasePoints(DefaultWeights(), OpenCase("c-new", kUnassessed), D("2024-09-01"));
  ASSERT_EQ(fresh.points, P(6));

  // Team T1 on 1 September: cw-a 14 of 120 (106 left), cw-b 15 of 96 (81 left); cw-c has
  // left and cw-e has not started, whatever their headroom.
  ASSERT_OK_AND_ASSIGN(const AssigneeSuggestion s,
                       SuggestAssignee(DefaultWeights(), w, fresh, CaseRole::kPrimary, "T1"));
  EXPECT_EQ(s.caseworker_id, "cw-a");
  EXPECT_EQ(s.share, P(6));
  EXPECT_EQ(s.points_after, P(20));
  EXPECT_EQ(s.headroom_after, P(100));
  EXPECT_EQ(s.reason,
            "cw-a has the most headroom in team T1: carries 14 of 120 points, 6 more as PRIMARY "
            "leaves 100; 2 primary cases (guidance 15-20)");

  // Any team: cw-d has 120 left. As co-worker the case adds 3.
  ASSERT_OK_AND_ASSIGN(const AssigneeSuggestion any,
                       SuggestAssignee(DefaultWeights(), w, fresh, CaseRole::kCoWorker, ""));
  EXPECT_EQ(any.caseworker_id, "cw-d");
  EXPECT_EQ(any.share, P(3));
  EXPECT_EQ(any.headroom_after, P(117));
}

TEST(SuggestAssigneeTest, NeverSomeoneWhoHoldsTheCaseHasLeftOrHasNotStarted) {
  const Team t = TwoTeams();
  ASSERT_OK_AND_ASSIGN(const Workload w,
                       WorkloadOn(DefaultWeights(), t.caseworkers, t.cases, D("2024-09-01")));
  // c-2 is held by cw-a and cw-b, the only caseworkers employed in T1 on 1 September.
  const CaseWeight c2 = CasePoints(DefaultWeights(), t.cases[1], D("2024-09-01"));
  EXPECT_STATUS(SuggestAssignee(DefaultWeights(), w, c2, CaseRole::kCoWorker, "T1"),
                StatusCode::kFailedPrecondition, "no caseworker in team T1");
  EXPECT_STATUS(SuggestAssignee(DefaultWeights(), w, c2, CaseRole::kCoWorker, "T9"),
                StatusCode::kFailedPrecondition, "team T9");
}

TEST(SuggestAssigneeTest, TiesGoToFewerPrimaryCasesThenTheSmallerId) {
  const std::vector<CaseworkerFacts> cws = {
      Caseworker("cw-x", "T1", 100), Caseworker("cw-y", "T1", 100), Caseworker("cw-z", "T1", 100)};
  // cw-x: one VERY_COMPLEX case (10). cw-y: two SIMPLE cases (4 + 4) and one co-worker
  // share of a SIMPLE case (2) = 10. cw-z: the same as cw-x. Equal headroom 110 each;
  // cw-x and cw-z have one primary case, cw-y two; cw-x < cw-z.
  CaseWeightFacts c1 = OpenCase("c-1", kVeryComplex);
  c1.assignments = {Assigned("cw-x", CaseRole::kPrimary, "2024-01-01")};
  CaseWeightFacts c2 = OpenCase("c-2", kSimple);
  c2.assignments = {Assigned("cw-y", CaseRole::kPrimary, "2024-01-01")};
  CaseWeightFacts c3 = OpenCase("c-3", kSimple);
  c3.assignments = {Assigned("cw-y", CaseRole::kPrimary, "2024-01-01")};
  CaseWeightFacts c4 = OpenCase("c-4", kVeryComplex);
  c4.assignments = {Assigned("cw-z", CaseRole::kPrimary, "2024-01-01")};
  CaseWeightFacts c5 = OpenCase("c-5", kSimple);
  c5.assignments = {Assigned("cw-y", CaseRole::kCoWorker, "2024-01-01"),
                    Assigned("cw-x", CaseRole::kPrimary, "2023-01-01", "2023-06-01")};
  const std::vector<CaseWeightFacts> cases = {c5, c4, c3, c2, c1};
  ASSERT_OK_AND_ASSIGN(const Workload w, WorkloadOn(DefaultWeights(), cws, cases, D("2024-02-01")));
  for (const char* id : {"cw-x", "cw-y", "cw-z"}) EXPECT_EQ(w.Find(id)->headroom, P(110)) << id;
  const CaseWeight fresh =
      CasePoints(DefaultWeights(), OpenCase("c-new", kSimple), D("2024-02-01"));
  ASSERT_OK_AND_ASSIGN(const AssigneeSuggestion s,
                       SuggestAssignee(DefaultWeights(), w, fresh, CaseRole::kPrimary, "T1"));
  EXPECT_EQ(s.caseworker_id, "cw-x");
}

TEST(WorkloadValidationTest, InvalidInputsAreRejectedNamingTheField) {
  WeightTable bad = DefaultWeights();
  bad.simple = P(-1);
  EXPECT_STATUS(ValidateWeightTable(bad), StatusCode::kInvalidArgument, "simple");
  bad = DefaultWeights();
  bad.guidance_max_cases = 10;
  EXPECT_STATUS(ValidateWeightTable(bad), StatusCode::kInvalidArgument, "guidance_max_cases");

  std::vector<CaseworkerFacts> cws = {Caseworker("cw-a", "T1", 100), Caseworker("cw-a", "T2", 50)};
  EXPECT_STATUS(WorkloadOn(DefaultWeights(), cws, {}, D("2024-01-01")),
                StatusCode::kInvalidArgument, "caseworkers[1].id");
  cws = {Caseworker("cw-a", "T1", 120)};
  EXPECT_STATUS(WorkloadOn(DefaultWeights(), cws, {}, D("2024-01-01")),
                StatusCode::kInvalidArgument, "caseworkers[0].terms[0].fte_percent");
  cws = {Caseworker("cw-a", "T1", 100)};
  cws[0].terms.clear();
  EXPECT_STATUS(WorkloadOn(DefaultWeights(), cws, {}, D("2024-01-01")),
                StatusCode::kInvalidArgument, "caseworkers[0].terms");
  std::vector<CaseWeightFacts> cases = {OpenCase("c-1", kSimple), OpenCase("c-1", kSimple)};
  EXPECT_STATUS(WorkloadOn(DefaultWeights(), {}, cases, D("2024-01-01")),
                StatusCode::kInvalidArgument, "cases[1].case_id");
}

}  // namespace
}  // namespace trappe::rules
