#include "trappe/rules/weights.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>

namespace trappe::rules {
namespace {

Points GradePoints(const WeightTable& table, CaseGrade grade) {
  switch (grade) {
    case CaseGrade::kSimple: return table.simple;
    case CaseGrade::kComplex: return table.complex;
    case CaseGrade::kVeryComplex: return table.very_complex;
    case CaseGrade::kUnassessed: break;
  }
  return Points();
}

CaseGrade GradeOn(const CaseWeightFacts& facts, CivilDate date) {
  const GradeAssessment* latest = nullptr;
  for (const GradeAssessment& g : facts.grades) {
    if (g.effective > date) continue;
    if (latest == nullptr ||
        std::tie(g.effective, g.grade) > std::tie(latest->effective, latest->grade)) {
      latest = &g;
    }
  }
  return latest == nullptr ? CaseGrade::kUnassessed : latest->grade;
}

// The placement that explains a modifier: of those meeting the condition, the one that
// started first (then by id), so the reason reads the same whatever the input order.
template <typename Condition>
const Intervention* FirstPlacement(const CaseWeightFacts& facts, CivilDate date,
                                   Condition condition) {
  const Intervention* found = nullptr;
  for (const Intervention& iv : facts.interventions) {
    if (!IsActiveOn(iv, date) || !IsPlacement(TermsOn(iv, date).kind) || !condition(iv)) continue;
    if (found == nullptr ||
        std::tie(iv.started_on, iv.id) < std::tie(found->started_on, found->id)) {
      found = &iv;
    }
  }
  return found;
}

const Investigation* FirstRunning(const CaseWeightFacts& facts, CivilDate date) {
  const Investigation* found = nullptr;
  for (const Investigation& inv : facts.investigations) {
    if (!IsRunningOn(inv, date)) continue;
    if (found == nullptr ||
        std::tie(inv.started_on, inv.id) < std::tie(found->started_on, found->id)) {
      found = &inv;
    }
  }
  return found;
}

void AddModifiers(const WeightTable& table, const CaseWeightFacts& facts, CivilDate date,
                  CaseWeight& weight) {
  const auto add = [&](PointsReasonKind kind, Points points, std::string detail) {
    weight.points += points;
    weight.reasons.push_back({kind, points, std::move(detail)});
  };
  const CalendarDuration period = table.placement_first_period;
  if (const Intervention* p = FirstPlacement(facts, date, [&](const Intervention& iv) {
        return date < period.After(iv.started_on);
      })) {
    add(PointsReasonKind::kPlacementFirstPeriod, table.placement_first_period_points,
        "placement " + p->id + " in its first " + period.ToString() + " (since " +
            p->started_on.ToString() + ", until " + period.After(p->started_on).ToString() + ")");
  }
  if (const Intervention* p = FirstPlacement(facts, date, [&](const Intervention& iv) {
        return TermsOn(iv, date).consent == ConsentBasis::kWithoutConsent;
      })) {
    add(PointsReasonKind::kPlacementWithoutConsent, table.placement_without_consent_points,
        "placement " + p->id + " without consent (par. 47)");
  }
  if (const Investigation* inv = FirstRunning(facts, date)) {
    add(PointsReasonKind::kInvestigationRunning, table.investigation_running_points,
        "investigation " + inv->id + " running since " + inv->started_on.ToString());
  }
}

}  // namespace

std::string Points::ToString() const {
  const int64_t whole = std::llabs(hundredths_) / 100;
  const int64_t cents = std::llabs(hundredths_) % 100;
  std::string text = (hundredths_ < 0 ? "-" : "") + std::to_string(whole);
  if (cents != 0) {
    text += "." + std::to_string(cents / 10);
    if (cents % 10 != 0) text += std::to_string(cents % 10);
  }
  return text;
}

WeightTable DefaultWeights() {
  WeightTable table;
  table.simple = Points::Whole(4);
  table.complex = Points::Whole(6);
  table.very_complex = Points::Whole(10);
  table.unassessed_counts_as = CaseGrade::kComplex;
  table.placement_first_period_points = Points::Whole(2);
  table.placement_first_period = Months(12);
  table.placement_without_consent_points = Points::Whole(2);
  table.investigation_running_points = Points::Whole(2);
  table.primary_share_percent = 100;
  table.co_worker_share_percent = 50;
  table.target_per_full_time = Points::Whole(120);
  table.guidance_min_cases = 15;
  table.guidance_max_cases = 20;
  return table;
}

Result<WeightTable> WeightPreset(std::string_view name) {
  if (name == "default-weights") return DefaultWeights();
  return NotFound("no weight preset named '" + std::string(name) + "' (known: default-weights)");
}

Status ValidateWeightTable(const WeightTable& t) {
  const std::pair<const char*, Points> points[] = {
      {"simple", t.simple},
      {"complex", t.complex},
      {"very_complex", t.very_complex},
      {"placement_first_period_points", t.placement_first_period_points},
      {"placement_without_consent_points", t.placement_without_consent_points},
      {"investigation_running_points", t.investigation_running_points},
      {"target_per_full_time", t.target_per_full_time}};
  for (const auto& [field, value] : points) {
    if (value < Points()) return InvalidArgument(field, "must not be negative");
  }
  if (t.unassessed_counts_as == CaseGrade::kUnassessed) {
    return InvalidArgument("unassessed_counts_as", "must be a grade");
  }
  if (t.placement_first_period.count <= 0 ||
      t.placement_first_period.unit == DurationUnit::kHours) {
    return InvalidArgument("placement_first_period",
                           "must be a positive number of days, weeks or months");
  }
  if (t.primary_share_percent < 0 || t.primary_share_percent > 100) {
    return InvalidArgument("primary_share_percent", "must be between 0 and 100");
  }
  if (t.co_worker_share_percent < 0 || t.co_worker_share_percent > 100) {
    return InvalidArgument("co_worker_share_percent", "must be between 0 and 100");
  }
  if (t.guidance_min_cases < 0 || t.guidance_max_cases < t.guidance_min_cases) {
    return InvalidArgument("guidance_max_cases", "must not be below guidance_min_cases (>= 0)");
  }
  return Status::Ok();
}

bool IsOpenOn(const CaseWeightFacts& facts, CivilDate date) {
  return std::any_of(facts.open_periods.begin(), facts.open_periods.end(), [&](const auto& p) {
    return p.opened_on <= date && (!p.closed_on || date < *p.closed_on);
  });
}

std::string PointsReason::Line() const {
  if (kind == PointsReasonKind::kGrade) return detail + ": " + points.ToString();
  return "+" + points.ToString() + ": " + detail;
}

CaseWeight CasePoints(const WeightTable& table, const CaseWeightFacts& facts, CivilDate date) {
  CaseWeight weight;
  weight.case_id = facts.case_id;
  weight.open = IsOpenOn(facts, date);
  weight.grade = GradeOn(facts, date);
  weight.counted_as =
      weight.grade == CaseGrade::kUnassessed ? table.unassessed_counts_as : weight.grade;
  if (!weight.open) return weight;
  weight.points = GradePoints(table, weight.counted_as);
  std::string detail = std::string(ToString(weight.counted_as));
  if (weight.grade == CaseGrade::kUnassessed) detail = "unassessed, counts as " + detail;
  weight.reasons.push_back({PointsReasonKind::kGrade, weight.points, std::move(detail)});
  AddModifiers(table, facts, date, weight);
  return weight;
}

std::string_view ToString(CaseGrade grade) {
  switch (grade) {
    case CaseGrade::kUnassessed: return "UNASSESSED";
    case CaseGrade::kSimple: return "SIMPLE";
    case CaseGrade::kComplex: return "COMPLEX";
    case CaseGrade::kVeryComplex: return "VERY_COMPLEX";
  }
  return "UNKNOWN";
}

std::string_view ToString(PointsReasonKind kind) {
  switch (kind) {
    case PointsReasonKind::kGrade: return "GRADE";
    case PointsReasonKind::kPlacementFirstPeriod: return "PLACEMENT_FIRST_PERIOD";
    case PointsReasonKind::kPlacementWithoutConsent: return "PLACEMENT_WITHOUT_CONSENT";
    case PointsReasonKind::kInvestigationRunning: return "INVESTIGATION_RUNNING";
  }
  return "UNKNOWN";
}

}  // namespace trappe::rules
