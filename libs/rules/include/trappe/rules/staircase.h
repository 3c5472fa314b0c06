// The intervention staircase (indsatstrappen): steps, a child's step over time, and the
// share of spending on prevention.
//
// A child's step on a date is the highest step among its interventions active on that date
// (none: step 0). Intervals are half-open as everywhere in the rules: a placement that
// ended on 1 March and a foster placement that started on 1 March make one move, on 1 March.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/rules/case_facts.h"

namespace trappe::rules {

struct StaircaseStep {
  int number = 0;  // 1 = the bottom step
  std::string name;
  std::string danish_name;
  bool prevention = false;  // counts as prevention in the spending share

  friend bool operator==(const StaircaseStep&, const StaircaseStep&) = default;
};

// A municipality's staircase (data: municipalities vary the number and names of steps).
struct Staircase {
  std::vector<StaircaseStep> steps;  // by number

  const StaircaseStep* Find(int number) const;
  friend bool operator==(const Staircase&, const Staircase&) = default;
};

// INVALID_ARGUMENT unless steps are numbered 1, 2, ... in order, each with a name.
[[nodiscard]] Status ValidateStaircase(const Staircase& staircase);

// Preset `national-staircase`: Socialstyrelsen's six steps; 1-3 count as prevention.
Staircase NationalStaircase();
Result<Staircase> StaircasePreset(std::string_view name);  // NOT_FOUND for an unknown name

// FAILED_PRECONDITION when an intervention is, at its start or after a change, on a step
// the staircase lacks; INVALID_ARGUMENT for a negative monthly cost or an end before start.
[[nodiscard]] Status CheckInterventions(const Staircase& staircase,
                                        std::span<const Intervention> interventions);

// The highest step among the interventions active on `date`; 0 when none is.
int CurrentStep(std::span<const Intervention> interventions, CivilDate date);

enum class StepDirection : uint8_t { kUp, kDown };

struct StepChange {
  CivilDate date;
  int from_step = 0;
  int to_step = 0;
  StepDirection direction = StepDirection::kUp;

  friend bool operator==(const StepChange&, const StepChange&) = default;
};

// Every change of the child's step, in date order, from facts effective on or before
// as_of. Entering the staircase (0 -> n) is a move up, leaving it (n -> 0) a move down.
std::vector<StepChange> Trajectory(std::span<const Intervention> interventions, CivilDate as_of);

struct StepMoves {
  int64_t up = 0;
  int64_t down = 0;
  friend bool operator==(const StepMoves&, const StepMoves&) = default;
};
StepMoves CountMoves(std::span<const StepChange> trajectory);

// Spending over the days first_day..last_day (both included), in øre. Each intervention
// costs its monthly cost pro rata by day: a piece (a run of days of one calendar month at
// one monthly cost and one step) costs monthly cost x days / days in that month, rounded
// half up to the øre. A full month therefore costs exactly the monthly cost.
struct PreventionSpending {
  int64_t prevention_ore = 0;
  int64_t total_ore = 0;

  // prevention / total; none when nothing was spent.
  std::optional<double> Share() const;
  PreventionSpending& operator+=(const PreventionSpending& other);
  friend bool operator==(const PreventionSpending&, const PreventionSpending&) = default;
};

Result<PreventionSpending> SpendingOn(const Staircase& staircase,
                                      std::span<const Intervention> interventions,
                                      CivilDate first_day, CivilDate last_day);

std::string_view ToString(StepDirection direction);

}  // namespace trappe::rules
