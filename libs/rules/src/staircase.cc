#include "trappe/rules/staircase.h"

#include <algorithm>

namespace trappe::rules {
namespace {

CivilDate FirstOfMonth(CivilDate date) { return date.AddDays(1 - date.day()); }

// x / d rounded half up, for x >= 0 and d > 0.
int64_t DivideRoundingHalfUp(int64_t x, int64_t d) { return (2 * x + d) / (2 * d); }

// The dates within (lo, hi) where a piece of spending ends: month starts and changes of
// cost or step.
std::vector<CivilDate> PieceBoundaries(const Intervention& iv, CivilDate lo, CivilDate hi) {
  std::vector<CivilDate> cuts = {lo, hi};
  for (CivilDate m = FirstOfMonth(lo).AddMonths(1); m < hi; m = m.AddMonths(1)) cuts.push_back(m);
  for (const InterventionChange& c : iv.changes) {
    if ((c.step || c.monthly_cost_ore) && lo < c.effective && c.effective < hi) {
      cuts.push_back(c.effective);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

// Every date on which some intervention's step may change, up to as_of.
std::vector<CivilDate> StepBoundaries(std::span<const Intervention> interventions,
                                      CivilDate as_of) {
  std::vector<CivilDate> dates;
  for (const Intervention& iv : interventions) {
    if (iv.started_on > as_of) continue;
    dates.push_back(iv.started_on);
    if (iv.ended_on && *iv.ended_on <= as_of) dates.push_back(*iv.ended_on);
    for (const InterventionChange& c : iv.changes) {
      if (c.step && c.effective <= as_of) dates.push_back(c.effective);
    }
  }
  std::sort(dates.begin(), dates.end());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  return dates;
}

}  // namespace

const StaircaseStep* Staircase::Find(int number) const {
  for (const StaircaseStep& step : steps) {
    if (step.number == number) return &step;
  }
  return nullptr;
}

Status ValidateStaircase(const Staircase& staircase) {
  if (staircase.steps.empty()) return InvalidArgument("steps", "must not be empty");
  for (size_t i = 0; i < staircase.steps.size(); ++i) {
    const StaircaseStep& step = staircase.steps[i];
    const std::string field = "steps[" + std::to_string(i) + "]";
    if (step.number != static_cast<int>(i) + 1) {
      return InvalidArgument(field + ".number", "must be " + std::to_string(i + 1) +
                                                    " (steps are numbered from 1 in order)");
    }
    if (step.name.empty()) return InvalidArgument(field + ".name", "must not be empty");
  }
  return Status::Ok();
}

Staircase NationalStaircase() {
  return {{
      {1, "Early help within universal services", "Tidlig indsats i almenområdet", true},
      {2, "Preventive interventions", "Forebyggende indsatser", true},
      {3, "Home-based measures", "Hjemmebaserede foranstaltninger", true},
      {4, "Kinship or network foster care", "Anbringelse i slægt eller netværk", false},
      {5, "Foster family", "Anbringelse i plejefamilie", false},
      {6, "Residential care", "Anbringelse på institution", false},
  }};
}

Result<Staircase> StaircasePreset(std::string_view name) {
  if (name == "national-staircase") return NationalStaircase();
  return NotFound("no staircase preset named '" + std::string(name) +
                  "' (known: national-staircase)");
}

Status CheckInterventions(const Staircase& staircase, std::span<const Intervention> interventions) {
  for (size_t i = 0; i < interventions.size(); ++i) {
    const Intervention& iv = interventions[i];
    const std::string field = "interventions[" + std::to_string(i) + "]";
    if (iv.ended_on && *iv.ended_on < iv.started_on) {
      return InvalidArgument(field + ".ended_on", "must not precede started_on");
    }
    std::vector<std::pair<int, int64_t>> terms = {{iv.step, iv.monthly_cost_ore}};
    for (const InterventionChange& c : iv.changes) {
      terms.emplace_back(c.step.value_or(iv.step), c.monthly_cost_ore.value_or(0));
    }
    for (const auto& [step, cost] : terms) {
      if (staircase.Find(step) == nullptr) {
        return FailedPrecondition(field + " (" + iv.id + "): the staircase has no step " +
                                  std::to_string(step));
      }
      if (cost < 0) return InvalidArgument(field + ".monthly_cost_ore", "must not be negative");
    }
  }
  return Status::Ok();
}

int CurrentStep(std::span<const Intervention> interventions, CivilDate date) {
  int step = 0;
  for (const Intervention& iv : interventions) {
    if (IsActiveOn(iv, date)) step = std::max(step, TermsOn(iv, date).step);
  }
  return step;
}

std::vector<StepChange> Trajectory(std::span<const Intervention> interventions, CivilDate as_of) {
  std::vector<StepChange> changes;
  int step = 0;
  // A step only changes where an intervention starts, ends or changes step, and the step
  // on a date depends only on facts effective by then.
  for (const CivilDate date : StepBoundaries(interventions, as_of)) {
    const int now = CurrentStep(interventions, date);
    if (now == step) continue;
    changes.push_back({date, step, now, now > step ? StepDirection::kUp : StepDirection::kDown});
    step = now;
  }
  return changes;
}

StepMoves CountMoves(std::span<const StepChange> trajectory) {
  StepMoves moves;
  for (const StepChange& c : trajectory) {
    ++(c.direction == StepDirection::kUp ? moves.up : moves.down);
  }
  return moves;
}

std::optional<double> PreventionSpending::Share() const {
  if (total_ore == 0) return std::nullopt;
  return static_cast<double>(prevention_ore) / static_cast<double>(total_ore);
}

PreventionSpending& PreventionSpending::operator+=(const PreventionSpending& other) {
  prevention_ore += other.prevention_ore;
  total_ore += other.total_ore;
  return *this;
}

Result<PreventionSpending> SpendingOn(const Staircase& staircase,
                                      std::span<const Intervention> interventions,
                                      CivilDate first_day, CivilDate last_day) {
  TRAPPE_RETURN_IF_ERROR(ValidateStaircase(staircase));
  TRAPPE_RETURN_IF_ERROR(CheckInterventions(staircase, interventions));
  if (last_day < first_day) return InvalidArgument("last_day", "must not precede first_day");
  PreventionSpending spending;
  const CivilDate period_end = last_day.AddDays(1);
  for (const Intervention& iv : interventions) {
    const CivilDate lo = std::max(first_day, iv.started_on);
    const CivilDate hi = iv.ended_on ? std::min(period_end, *iv.ended_on) : period_end;
    if (lo >= hi) continue;
    const std::vector<CivilDate> cuts = PieceBoundaries(iv, lo, hi);
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      const InterventionTerms terms = TermsOn(iv, cuts[i]);
      const int64_t days = DaysBetween(cuts[i], cuts[i + 1]);
      const int64_t month_days = CivilDate::DaysInMonth(cuts[i].year(), cuts[i].month());
      const int64_t cost = DivideRoundingHalfUp(terms.monthly_cost_ore * days, month_days);
      spending.total_ore += cost;
      if (staircase.Find(terms.step)->prevention) spending.prevention_ore += cost;
    }
  }
  return spending;
}

std::string_view ToString(StepDirection direction) {
  return direction == StepDirection::kUp ? "UP" : "DOWN";
}

}  // namespace trappe::rules
