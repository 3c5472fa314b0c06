#include "weight_table.h"

#include <set>
#include <string>

namespace trappe::workload {
namespace {

std::string At(std::string_view field, std::string_view sub) {
  return std::string(field) + "." + std::string(sub);
}

Result<rules::CalendarDuration> PeriodFromProto(const common::v1::CalendarPeriod& p,
                                                const std::string& field) {
  const int set = (p.days() != 0) + (p.weeks() != 0) + (p.months() != 0) + (p.hours() != 0);
  if (set != 1 || p.hours() != 0 || p.days() < 0 || p.weeks() < 0 || p.months() < 0) {
    return InvalidArgument(field, "must be a positive number of days, weeks or months (one unit)");
  }
  if (p.months() > 0) return rules::Months(p.months());
  if (p.weeks() > 0) return rules::Weeks(p.weeks());
  return rules::Days(p.days());
}

common::v1::CalendarPeriod PeriodToProto(rules::CalendarDuration d) {
  common::v1::CalendarPeriod p;
  switch (d.unit) {
    case rules::DurationUnit::kMonths: p.set_months(static_cast<int32_t>(d.count)); break;
    case rules::DurationUnit::kWeeks: p.set_weeks(static_cast<int32_t>(d.count)); break;
    case rules::DurationUnit::kDays: p.set_days(static_cast<int32_t>(d.count)); break;
    case rules::DurationUnit::kHours: p.set_hours(static_cast<int32_t>(d.count)); break;
  }
  return p;
}

Result<int64_t> PercentFromBp(int32_t bp, const std::string& field) {
  if (bp < 0 || bp > 10000 || bp % 100 != 0) {
    return InvalidArgument(field,
                           "must be 0 to 10000 basis points in whole per cent (multiples of 100)");
  }
  return bp / 100;
}

}  // namespace

rules::CaseGrade GradeFromProto(cases::v1::CaseGrade grade) {
  switch (grade) {
    case cases::v1::CASE_GRADE_SIMPLE: return rules::CaseGrade::kSimple;
    case cases::v1::CASE_GRADE_COMPLEX: return rules::CaseGrade::kComplex;
    case cases::v1::CASE_GRADE_VERY_COMPLEX: return rules::CaseGrade::kVeryComplex;
    default: return rules::CaseGrade::kUnassessed;
  }
}

cases::v1::CaseGrade GradeToProto(rules::CaseGrade grade) {
  switch (grade) {
    case rules::CaseGrade::kSimple: return cases::v1::CASE_GRADE_SIMPLE;
    case rules::CaseGrade::kComplex: return cases::v1::CASE_GRADE_COMPLEX;
    case rules::CaseGrade::kVeryComplex: return cases::v1::CASE_GRADE_VERY_COMPLEX;
    case rules::CaseGrade::kUnassessed: break;
  }
  return cases::v1::CASE_GRADE_UNSPECIFIED;
}

Result<rules::WeightTable> WeightTableFromProto(const v1::WeightTable& p, std::string_view field) {
  rules::WeightTable t;
  std::set<rules::CaseGrade> grades;
  for (int i = 0; i < p.grade_points_size(); ++i) {
    const auto& g = p.grade_points(i);
    const std::string at = At(field, "grade_points[" + std::to_string(i) + "]");
    const rules::CaseGrade grade = GradeFromProto(g.grade());
    if (grade == rules::CaseGrade::kUnassessed)
      return InvalidArgument(at + ".grade", "must be a grade");
    if (!grades.insert(grade).second) return InvalidArgument(at + ".grade", "appears twice");
    if (g.points() < 0) return InvalidArgument(at + ".points", "must not be negative");
    const rules::Points points = rules::Points::Whole(g.points());
    if (grade == rules::CaseGrade::kSimple) t.simple = points;
    if (grade == rules::CaseGrade::kComplex) t.complex = points;
    if (grade == rules::CaseGrade::kVeryComplex) t.very_complex = points;
  }
  if (grades.size() != 3) {
    return InvalidArgument(At(field, "grade_points"),
                           "must give SIMPLE, COMPLEX and VERY_COMPLEX once each");
  }
  t.unassessed_counts_as = GradeFromProto(p.unassessed_grade());
  if (t.unassessed_counts_as == rules::CaseGrade::kUnassessed) {
    return InvalidArgument(At(field, "unassessed_grade"), "must be a grade");
  }
  std::set<int> kinds;
  bool has_early = false;
  for (int i = 0; i < p.modifiers_size(); ++i) {
    const auto& m = p.modifiers(i);
    const std::string at = At(field, "modifiers[" + std::to_string(i) + "]");
    if (!kinds.insert(m.kind()).second) return InvalidArgument(at + ".kind", "appears twice");
    if (m.points() < 0) return InvalidArgument(at + ".points", "must not be negative");
    const rules::Points points = rules::Points::Whole(m.points());
    switch (m.kind()) {
      case v1::WEIGHT_MODIFIER_KIND_EARLY_PLACEMENT: {
        TRAPPE_ASSIGN_OR_RETURN(t.placement_first_period,
                                PeriodFromProto(m.period(), at + ".period"));
        t.placement_first_period_points = points;
        has_early = true;
        break;
      }
      case v1::WEIGHT_MODIFIER_KIND_PLACEMENT_WITHOUT_CONSENT:
        t.placement_without_consent_points = points;
        break;
      case v1::WEIGHT_MODIFIER_KIND_INVESTIGATION_RUNNING:
        t.investigation_running_points = points;
        break;
      default: return InvalidArgument(at + ".kind", "must be a modifier kind");
    }
  }
  // Without the modifier no case gets its points; the rules still want a period.
  if (!has_early) t.placement_first_period = rules::Months(12);
  TRAPPE_ASSIGN_OR_RETURN(t.primary_share_percent,
                          PercentFromBp(p.primary_share_bp(), At(field, "primary_share_bp")));
  TRAPPE_ASSIGN_OR_RETURN(t.co_worker_share_percent,
                          PercentFromBp(p.co_worker_share_bp(), At(field, "co_worker_share_bp")));
  if (p.target_points_per_fte() <= 0) {
    return InvalidArgument(At(field, "target_points_per_fte"), "must be positive");
  }
  t.target_per_full_time = rules::Points::Whole(p.target_points_per_fte());
  if (p.case_count_guidance_min() < 0) {
    return InvalidArgument(At(field, "case_count_guidance_min"), "must not be negative");
  }
  if (p.case_count_guidance_max() < p.case_count_guidance_min()) {
    return InvalidArgument(At(field, "case_count_guidance_max"),
                           "must not be below case_count_guidance_min");
  }
  if (p.case_count_warn_above() < p.case_count_guidance_max()) {
    return InvalidArgument(At(field, "case_count_warn_above"),
                           "must not be below case_count_guidance_max");
  }
  t.guidance_min_cases = p.case_count_guidance_min();
  // The rules warn above their maximum: that is the contract's warning level.
  t.guidance_max_cases = p.case_count_warn_above();
  if (Status s = rules::ValidateWeightTable(t); !s.ok()) {
    return InvalidArgument(std::string(field) + ": " + s.message());
  }
  return t;
}

v1::WeightTable WeightTableToProto(const rules::WeightTable& t) {
  v1::WeightTable p;
  const auto grade = [&](cases::v1::CaseGrade g, rules::Points points) {
    auto* gp = p.add_grade_points();
    gp->set_grade(g);
    gp->set_points(static_cast<int32_t>(points.hundredths() / 100));
  };
  grade(cases::v1::CASE_GRADE_SIMPLE, t.simple);
  grade(cases::v1::CASE_GRADE_COMPLEX, t.complex);
  grade(cases::v1::CASE_GRADE_VERY_COMPLEX, t.very_complex);
  p.set_unassessed_grade(GradeToProto(t.unassessed_counts_as));
  auto* early = p.add_modifiers();
  early->set_kind(v1::WEIGHT_MODIFIER_KIND_EARLY_PLACEMENT);
  early->set_points(static_cast<int32_t>(t.placement_first_period_points.hundredths() / 100));
  *early->mutable_period() = PeriodToProto(t.placement_first_period);
  auto* no_consent = p.add_modifiers();
  no_consent->set_kind(v1::WEIGHT_MODIFIER_KIND_PLACEMENT_WITHOUT_CONSENT);
  no_consent->set_points(
      static_cast<int32_t>(t.placement_without_consent_points.hundredths() / 100));
  auto* investigation = p.add_modifiers();
  investigation->set_kind(v1::WEIGHT_MODIFIER_KIND_INVESTIGATION_RUNNING);
  investigation->set_points(
      static_cast<int32_t>(t.investigation_running_points.hundredths() / 100));
  p.set_primary_share_bp(static_cast<int32_t>(t.primary_share_percent * 100));
  p.set_co_worker_share_bp(static_cast<int32_t>(t.co_worker_share_percent * 100));
  p.set_target_points_per_fte(static_cast<int32_t>(t.target_per_full_time.hundredths() / 100));
  p.set_case_count_guidance_min(static_cast<int32_t>(t.guidance_min_cases));
  p.set_case_count_guidance_max(static_cast<int32_t>(t.guidance_max_cases));
  p.set_case_count_warn_above(static_cast<int32_t>(t.guidance_max_cases));
  return p;
}

}  // namespace trappe::workload
