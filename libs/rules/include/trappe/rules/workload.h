// Caseworker loads, team totals and whom to give the next case, for any date.
//
// A caseworker carries the role share of the points of every open case assigned to them
// on the date (primary 100%, co-worker 50% in the default table), against a target of
// target_per_full_time x FTE unless overridden. The case count is the number of open
// cases where they are the primary caseworker, compared with the guidance scaled by FTE
// (15-20 per full-time caseworker: 12-16 at 80%).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/rules/case_facts.h"
#include "trappe/rules/weights.h"

namespace trappe::rules {

// A caseworker's terms from a date: FTE in per cent (80 = 0.8 FTE) and a target that
// replaces target_per_full_time x FTE (e.g. for a new caseworker or a union representative).
struct CaseworkerTerms {
  CivilDate effective;
  int64_t fte_percent = 100;
  std::optional<Points> target_override;
};

struct CaseworkerFacts {
  std::string id;
  std::string team_id;
  CivilDate joined_on;
  std::optional<CivilDate> left_on;    // no longer working on this date
  std::vector<CaseworkerTerms> terms;  // the first effective on or before joined_on
};

bool IsEmployedOn(const CaseworkerFacts& caseworker, CivilDate date);
// The terms in force on `date` (the latest effective on or before it; the first before).
const CaseworkerTerms& TermsOn(const CaseworkerFacts& caseworker, CivilDate date);
// Zero when not employed on the date.
Points TargetOn(const WeightTable& table, const CaseworkerFacts& caseworker, CivilDate date);

enum class CaseCountStatus : uint8_t { kUnder, kWithin, kAbove };
CaseCountStatus CountStatus(const WeightTable& table, int64_t fte_percent, int64_t cases);

struct CaseShare {
  std::string case_id;
  CaseRole role = CaseRole::kPrimary;
  Points case_points;
  Points share;
  size_t case_index = 0;  // the case's weight and reasons: Workload::cases[case_index]
};

struct CaseworkerLoad {
  std::string caseworker_id;
  std::string team_id;
  bool registered = false;  // false: a case names them, the workload facts do not (yet)
  bool employed = false;
  int64_t fte_percent = 0;
  Points points;
  Points target;
  Points headroom;  // target - points; negative when over target
  int64_t primary_cases = 0;
  int64_t co_worker_cases = 0;
  CaseCountStatus count_status = CaseCountStatus::kUnder;
  bool count_warning = false;    // above the guidance
  std::vector<CaseShare> cases;  // by case id
};

struct TeamLoad {
  std::string team_id;
  int64_t caseworkers = 0;  // employed on the date
  int64_t fte_percent = 0;  // sum: 250 = 2.5 FTE
  Points points;
  Points target;
  Points headroom;
  int64_t primary_cases = 0;
  int64_t co_worker_cases = 0;
};

struct Workload {
  CivilDate date;
  std::vector<CaseworkerLoad> caseworkers;  // by id
  std::vector<TeamLoad> teams;              // by team id
  std::vector<CaseWeight> cases;            // every open case, by id

  const CaseworkerLoad* Find(std::string_view caseworker_id) const;
};

// Every employed caseworker, and anyone else still holding an open case on the date (a
// caseworker who has left, or one whose registration has not arrived), with team totals.
// INVALID_ARGUMENT for an invalid table, caseworker or case.
Result<Workload> WorkloadOn(const WeightTable& table, std::span<const CaseworkerFacts> caseworkers,
                            std::span<const CaseWeightFacts> cases, CivilDate date);

struct AssigneeSuggestion {
  std::string caseworker_id;
  Points share;  // what the case adds for them
  Points points_after;
  Points headroom_after;  // negative: nobody had room; this is the least over target
  std::string reason;
};

// The caseworker (of `team_id`, or anyone when empty) with the most headroom after taking
// `new_case` in `role`. Only caseworkers employed on the workload's date who do not
// already hold the case. Ties: fewer primary cases, then the smaller id.
// FAILED_PRECONDITION when there is no such caseworker.
Result<AssigneeSuggestion> SuggestAssignee(const WeightTable& table, const Workload& workload,
                                           const CaseWeight& new_case, CaseRole role,
                                           std::string_view team_id);

std::string_view ToString(CaseCountStatus status);

}  // namespace trappe::rules
