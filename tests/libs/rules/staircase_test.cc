// The staircase: a child's step, trajectory and moves, and the prevention share of
// spending, with hand-computed figures.
#include "trappe/rules/staircase.h"

#include <gtest/gtest.h>

#include "trappe/testing/dates.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::rules {
namespace {

using enum StepDirection;

using trappe::testing::D;

Intervention OnStep(std::string id, int step, std::string_view start, const char* end,
                    int64_t monthly_cost_ore = 0) {
  Intervention iv;
  iv.id = std::move(id);
  iv.step = step;
  iv.kind = step >= 4 ? InterventionKind::kGeneralFosterFamily
                      : InterventionKind::kSupportingIntervention;
  iv.started_on = D(start);
  if (end != nullptr) iv.ended_on = D(end);
  iv.monthly_cost_ore = monthly_cost_ore;
  return iv;
}

InterventionChange StepFrom(std::string_view date, int step) {
  return {D(date), step, std::nullopt, std::nullopt, std::nullopt};
}

TEST(NationalStaircaseTest, SixStepsOfWhichTheFirstThreeArePrevention) {
  const Staircase s = NationalStaircase();
  ASSERT_OK(ValidateStaircase(s));
  ASSERT_EQ(s.steps.size(), 6u);
  const char* danish[] = {"Tidlig indsats i almenområdet",   "Forebyggende indsatser",
                          "Hjemmebaserede foranstaltninger", "Anbringelse i slægt eller netværk",
                          "Anbringelse i plejefamilie",      "Anbringelse på institution"};
  for (int n = 1; n <= 6; ++n) {
    SCOPED_TRACE(n);
    ASSERT_NE(s.Find(n), nullptr);
    EXPECT_EQ(s.Find(n)->danish_name, danish[n - 1]);
    EXPECT_EQ(s.Find(n)->prevention, n <= 3);
  }
  EXPECT_EQ(s.Find(0), nullptr);
  EXPECT_EQ(StaircasePreset("national-staircase").value(), s);
  EXPECT_STATUS(StaircasePreset("norway-12"), StatusCode::kNotFound, "norway-12");
}

TEST(StaircaseValidationTest, StepsAreNumberedFromOneInOrder) {
  Staircase s = NationalStaircase();
  s.steps.erase(s.steps.begin() + 2);
  EXPECT_STATUS(ValidateStaircase(s), StatusCode::kInvalidArgument, "steps[2].number");
  s = NationalStaircase();
  s.steps[0].name.clear();
  EXPECT_STATUS(ValidateStaircase(s), StatusCode::kInvalidArgument, "steps[0].name");
  // A municipality may use more steps.
  s = NationalStaircase();
  s.steps.push_back({7, "Secure unit", "Sikret afdeling", false});
  EXPECT_OK(ValidateStaircase(s));
  const Intervention secure = OnStep("x", 7, "2024-01-01", nullptr);
  EXPECT_OK(CheckInterventions(s, std::span(&secure, 1)));
  EXPECT_STATUS(CheckInterventions(NationalStaircase(), std::span(&secure, 1)),
                StatusCode::kFailedPrecondition, "no step 7");
}

// A child moved down the staircase: children's home, foster family, family treatment,
// then nothing. Early help alongside the foster placement never sets the step.
std::vector<Intervention> MovedDown() {
  return {OnStep("home", 6, "2022-01-10", "2022-09-01"),
          OnStep("foster", 5, "2022-09-01", "2023-06-01"),
          OnStep("treatment", 3, "2023-06-01", "2024-01-15"),
          OnStep("early-help", 1, "2022-10-01", "2023-12-01")};
}

TEST(CurrentStepTest, TheHighestStepActiveOnTheDateOrZero) {
  const auto child = MovedDown();
  const std::pair<const char*, int> rows[] = {
      {"2022-01-09", 0}, {"2022-01-10", 6}, {"2022-08-31", 6},
      {"2022-09-01", 5},  // moved on 1 September: the home's end date is not a day there
      {"2022-10-01", 5},  // early help (1) alongside the foster family (5)
      {"2023-06-01", 3}, {"2023-12-01", 3}, {"2024-01-14", 3},
      {"2024-01-15", 0}};
  for (const auto& [date, step] : rows) EXPECT_EQ(CurrentStep(child, D(date)), step) << date;
}

TEST(TrajectoryTest, AChildMoved6To5To3To0HasThatTrajectoryAndThoseMoves) {
  const auto child = MovedDown();
  const std::vector<StepChange> expected = {{D("2022-01-10"), 0, 6, kUp},
                                            {D("2022-09-01"), 6, 5, kDown},
                                            {D("2023-06-01"), 5, 3, kDown},
                                            {D("2024-01-15"), 3, 0, kDown}};
  const auto trajectory = Trajectory(child, D("2024-06-01"));
  EXPECT_EQ(trajectory, expected);
  EXPECT_EQ(CountMoves(trajectory), (StepMoves{1, 3}));
  // As of New Year 2023 only the first two changes had happened.
  EXPECT_EQ(Trajectory(child, D("2023-01-01")),
            (std::vector<StepChange>{expected[0], expected[1]}));
  // The order interventions are listed in does not matter.
  std::vector<Intervention> reversed(child.rbegin(), child.rend());
  EXPECT_EQ(Trajectory(reversed, D("2024-06-01")), expected);
}

TEST(TrajectoryTest, AGapBetweenPlacementsIsAStepDownToZeroAndBackUp) {
  const std::vector<Intervention> child = {OnStep("home", 6, "2022-01-10", "2022-09-01"),
                                           OnStep("foster", 5, "2022-09-03", nullptr)};
  EXPECT_EQ(Trajectory(child, D("2023-01-01")),
            (std::vector<StepChange>{{D("2022-01-10"), 0, 6, kUp},
                                     {D("2022-09-01"), 6, 0, kDown},
                                     {D("2022-09-03"), 0, 5, kUp}}));
}

TEST(TrajectoryTest, AStepChangeWithinAnInterventionIsAMove) {
  // An intensive, time-limited institution stay continues as a foster-like arrangement.
  std::vector<Intervention> child = {OnStep("intensive", 6, "2024-01-01", nullptr)};
  child[0].changes = {StepFrom("2024-04-01", 5), StepFrom("2024-09-01", 4)};
  EXPECT_EQ(
      Trajectory(child, D("2024-06-01")),
      (std::vector<StepChange>{{D("2024-01-01"), 0, 6, kUp}, {D("2024-04-01"), 6, 5, kDown}}));
  EXPECT_EQ(CountMoves(Trajectory(child, D("2024-12-31"))), (StepMoves{1, 2}));
}

TEST(SpendingTest, PreventionShareWithPartialMonthsProratedByDay) {
  // First quarter of 2024 (a leap year: February has 29 days).
  std::vector<Intervention> all = {
      // Family treatment (step 3), 12,000 kr a month, 15 January to 1 March (not incl.).
      // January: 17 of 31 days: 1,200,000 x 17 / 31 = 658,064.5 -> 658,065 øre.
      // February: the whole month, 1,200,000. March: nothing. Total 1,858,065.
      OnStep("treatment", 3, "2024-01-15", "2024-03-01", 1'200'000),
      // Children's home (step 6), 45,000 kr a month from 10 February, 50,000 kr from
      // 16 March. February: 20 of 29 days: 4,500,000 x 20 / 29 = 3,103,448.3 -> 3,103,448.
      // March 1-15: 4,500,000 x 15 / 31 = 2,177,419.4 -> 2,177,419. March 16-31:
      // 5,000,000 x 16 / 31 = 2,580,645.2 -> 2,580,645. Total 7,861,512.
      OnStep("home", 6, "2024-02-10", nullptr, 4'500'000),
      // Early help (step 1), 800 kr a month since December, ended 16 February.
      // January: 80,000. February 1-15: 80,000 x 15 / 29 = 41,379.3 -> 41,379. Total 121,379.
      OnStep("early-help", 1, "2023-12-01", "2024-02-16", 80'000),
      // Network placement (step 4) re-classed as home-based support (step 3) on 11 March,
      // 3,100 kr a month from 1 March: 10 days on step 4 = 100,000; 21 days on step 3 =
      // 210,000 (310,000 x 21 / 31).
      OnStep("network", 4, "2024-03-01", nullptr, 310'000),
  };
  all[1].changes = {{D("2024-03-16"), std::nullopt, std::nullopt, std::nullopt, 5'000'000}};
  all[3].changes = {StepFrom("2024-03-11", 3)};

  ASSERT_OK_AND_ASSIGN(const PreventionSpending q1,
                       SpendingOn(NationalStaircase(), all, D("2024-01-01"), D("2024-03-31")));
  // Prevention: 1,858,065 + 121,379 + 210,000 = 2,189,444.
  // All: 2,189,444 + 7,861,512 + 100,000 = 10,150,956.
  EXPECT_EQ(q1.prevention_ore, 2'189'444);
  EXPECT_EQ(q1.total_ore, 10'150'956);
  EXPECT_DOUBLE_EQ(*q1.Share(), 2'189'444.0 / 10'150'956.0);

  // January alone: treatment 658,065 + early help 80,000; all of it prevention.
  ASSERT_OK_AND_ASSIGN(const PreventionSpending january,
                       SpendingOn(NationalStaircase(), all, D("2024-01-01"), D("2024-01-31")));
  EXPECT_EQ(january, (PreventionSpending{738'065, 738'065}));
  EXPECT_DOUBLE_EQ(*january.Share(), 1.0);
}

TEST(SpendingTest, AFullMonthCostsExactlyTheMonthlyCostAndNothingSpentHasNoShare) {
  const std::vector<Intervention> home = {OnStep("home", 6, "2024-02-01", nullptr, 4'500'001)};
  ASSERT_OK_AND_ASSIGN(const PreventionSpending feb,
                       SpendingOn(NationalStaircase(), home, D("2024-02-01"), D("2024-02-29")));
  EXPECT_EQ(feb, (PreventionSpending{0, 4'500'001}));
  ASSERT_OK_AND_ASSIGN(const PreventionSpending before,
                       SpendingOn(NationalStaircase(), home, D("2024-01-01"), D("2024-01-31")));
  EXPECT_FALSE(before.Share().has_value());
  EXPECT_STATUS(SpendingOn(NationalStaircase(), home, D("2024-02-01"), D("2024-01-31")),
                StatusCode::kInvalidArgument, "last_day");
}

}  // namespace
}  // namespace trappe::rules
