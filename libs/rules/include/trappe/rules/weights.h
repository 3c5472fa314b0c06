// Case weights: how many points a child's case carries on a date, and why.
//
// Points are kept in hundredths of a point (integers), so that sums over cases and
// caseworkers are exact and the same in any order (DESIGN.md section 4: sums, not running
// orders). A case carries its grade's points plus each modifier whose condition holds on
// the date; a caseworker carries the role share of each case (workload.h).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/rules/calendar_duration.h"
#include "trappe/rules/case_facts.h"

namespace trappe::rules {

class Points {
 public:
  constexpr Points() = default;
  static constexpr Points Whole(int64_t points) { return Points(points * 100); }
  static constexpr Points Hundredths(int64_t hundredths) { return Points(hundredths); }

  constexpr int64_t hundredths() const { return hundredths_; }
  // `percent` per cent of these points, rounded toward zero to the hundredth.
  constexpr Points Percent(int64_t percent) const { return Points(hundredths_ * percent / 100); }
  // "130", "6.5", "6.25", "-4.5".
  std::string ToString() const;

  constexpr Points operator+(Points o) const { return Points(hundredths_ + o.hundredths_); }
  constexpr Points operator-(Points o) const { return Points(hundredths_ - o.hundredths_); }
  constexpr Points& operator+=(Points o) {
    hundredths_ += o.hundredths_;
    return *this;
  }
  friend constexpr auto operator<=>(Points, Points) = default;
  friend constexpr bool operator==(Points, Points) = default;

 private:
  constexpr explicit Points(int64_t hundredths) : hundredths_(hundredths) {}
  int64_t hundredths_ = 0;
};

// Case weight grades after Dansk Socialrådgiverforening: simpel, kompleks, meget kompleks.
enum class CaseGrade : uint8_t { kUnassessed, kSimple, kComplex, kVeryComplex };

// A municipality's weight table (data; `default-weights` is DefaultWeights()).
struct WeightTable {
  Points simple;
  Points complex;
  Points very_complex;
  CaseGrade unassessed_counts_as = CaseGrade::kComplex;
  // While the child is in the first `placement_first_period` of a placement.
  Points placement_first_period_points;
  CalendarDuration placement_first_period;
  Points placement_without_consent_points;  // while a par. 47 placement is active
  Points investigation_running_points;      // while an investigation (BFU) runs
  int64_t primary_share_percent = 100;
  int64_t co_worker_share_percent = 0;
  Points target_per_full_time;     // scaled by FTE unless overridden per caseworker
  int64_t guidance_min_cases = 0;  // per full-time caseworker
  int64_t guidance_max_cases = 0;  // per full-time caseworker; above it: warn

  friend bool operator==(const WeightTable&, const WeightTable&) = default;
};

// Preset `default-weights` (DESIGN.md section 6): SIMPLE 4, COMPLEX 6, VERY_COMPLEX 10,
// unassessed as COMPLEX; +2 in a placement's first 12 months, +2 while a par. 47 placement
// is active, +2 while an investigation runs; primary 100%, co-worker 50%; target 120 x FTE;
// 15-20 cases per full-time caseworker.
WeightTable DefaultWeights();
Result<WeightTable> WeightPreset(std::string_view name);  // NOT_FOUND for an unknown name
[[nodiscard]] Status ValidateWeightTable(const WeightTable& table);

struct GradeAssessment {
  CivilDate effective;
  CaseGrade grade = CaseGrade::kUnassessed;
};

// A period in which the case is open; closed_on is the first day it is closed.
struct CaseOpenPeriod {
  CivilDate opened_on;
  std::optional<CivilDate> closed_on;
};

// Everything the weight rules read about one case.
struct CaseWeightFacts {
  std::string case_id;
  std::vector<CaseOpenPeriod> open_periods;
  std::vector<GradeAssessment> grades;
  std::vector<Intervention> interventions;
  std::vector<Investigation> investigations;
  std::vector<CaseAssignment> assignments;
};

enum class PointsReasonKind : uint8_t {
  kGrade,
  kPlacementFirstPeriod,
  kPlacementWithoutConsent,
  kInvestigationRunning,
};

// One reason for a case's points. `detail` names the condition alone ("COMPLEX",
// "unassessed, counts as COMPLEX", "placement p-1 in its first 12 months (...)"); the points
// are in `points`. Line() is the reason as people read it: "COMPLEX: 6", "+2: placement ...".
struct PointsReason {
  PointsReasonKind kind;
  Points points;
  std::string detail;

  std::string Line() const;

  friend bool operator==(const PointsReason&, const PointsReason&) = default;
};

struct CaseWeight {
  std::string case_id;
  bool open = false;                         // a closed case carries nothing
  CaseGrade grade = CaseGrade::kUnassessed;  // as assessed on the date
  CaseGrade counted_as = CaseGrade::kUnassessed;
  Points points;
  std::vector<PointsReason> reasons;  // grade first, then each active modifier
};

// The case's points on `date`. The grade is the latest assessment effective on or before
// the date (of two on the same date, the higher). Each modifier counts once, however many
// placements or investigations meet its condition.
CaseWeight CasePoints(const WeightTable& table, const CaseWeightFacts& facts, CivilDate date);

bool IsOpenOn(const CaseWeightFacts& facts, CivilDate date);

std::string_view ToString(CaseGrade grade);
std::string_view ToString(PointsReasonKind kind);

}  // namespace trappe::rules
