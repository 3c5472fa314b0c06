#include "trappe/rules/workload.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <string_view>

#include "trappe/common/string_view_set.h"

namespace trappe::rules {
namespace {

using CaseworkerIndex = std::map<std::string_view, const CaseworkerFacts*>;

// Field names are built only for an error: validation runs on every case of every query.
Status ValidateCaseworker(const CaseworkerFacts& cw, size_t index) {
  const auto field = [&](std::string_view rest) {
    return "caseworkers[" + std::to_string(index) + "]" + std::string(rest);
  };
  const auto term = [&](size_t i, std::string_view rest) {
    return field(".terms[" + std::to_string(i) + "]" + std::string(rest));
  };
  if (cw.id.empty()) return InvalidArgument(field(".id"), "must not be empty");
  if (cw.left_on && *cw.left_on < cw.joined_on) {
    return InvalidArgument(field(".left_on"), "must not precede joined_on");
  }
  if (cw.terms.empty()) return InvalidArgument(field(".terms"), "must not be empty");
  std::set<CivilDate> dates;
  for (size_t i = 0; i < cw.terms.size(); ++i) {
    const CaseworkerTerms& t = cw.terms[i];
    if (t.fte_percent < 0 || t.fte_percent > 100) {
      return InvalidArgument(term(i, ".fte_percent"), "must be between 0 and 100");
    }
    if (t.target_override && *t.target_override < Points()) {
      return InvalidArgument(term(i, ".target_override"), "must not be negative");
    }
    if (!dates.insert(t.effective).second) {
      return InvalidArgument(term(i, ".effective"), "two terms take effect on the same date");
    }
  }
  if (*dates.begin() > cw.joined_on) {
    return InvalidArgument(field(".terms"), "the first terms must take effect by joined_on");
  }
  return Status::Ok();
}

Status ValidateCase(const CaseWeightFacts& c, size_t index) {
  const auto field = [&](std::string_view rest) {
    return "cases[" + std::to_string(index) + "]" + std::string(rest);
  };
  if (c.case_id.empty()) return InvalidArgument(field(".case_id"), "must not be empty");
  for (size_t i = 0; i < c.open_periods.size(); ++i) {
    const CaseOpenPeriod& p = c.open_periods[i];
    if (p.closed_on && *p.closed_on < p.opened_on) {
      return InvalidArgument(field(".open_periods[" + std::to_string(i) + "].closed_on"),
                             "must not precede opened_on");
    }
  }
  for (size_t i = 0; i < c.assignments.size(); ++i) {
    const CaseAssignment& a = c.assignments[i];
    const auto at = [&](std::string_view rest) {
      return field(".assignments[" + std::to_string(i) + "]" + std::string(rest));
    };
    if (a.caseworker_id.empty()) return InvalidArgument(at(".caseworker_id"), "must not be empty");
    if (a.unassigned_on && *a.unassigned_on < a.assigned_on) {
      return InvalidArgument(at(".unassigned_on"), "must not precede assigned_on");
    }
  }
  return Status::Ok();
}

Status ValidateInputs(const WeightTable& table, std::span<const CaseworkerFacts> caseworkers,
                      std::span<const CaseWeightFacts> cases, CaseworkerIndex& index) {
  TRAPPE_RETURN_IF_ERROR(ValidateWeightTable(table));
  for (size_t i = 0; i < caseworkers.size(); ++i) {
    TRAPPE_RETURN_IF_ERROR(ValidateCaseworker(caseworkers[i], i));
    if (!index.emplace(caseworkers[i].id, &caseworkers[i]).second) {
      return InvalidArgument("caseworkers[" + std::to_string(i) + "].id",
                             "'" + caseworkers[i].id + "' is used twice");
    }
  }
  StringViewSet case_ids(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    TRAPPE_RETURN_IF_ERROR(ValidateCase(cases[i], i));
    if (!case_ids.insert(cases[i].case_id)) {
      return InvalidArgument("cases[" + std::to_string(i) + "].case_id",
                             "'" + cases[i].case_id + "' is used twice");
    }
  }
  return Status::Ok();
}

CaseworkerLoad FreshLoad(const WeightTable& table, std::string_view id, const CaseworkerFacts* cw,
                         CivilDate date) {
  CaseworkerLoad load;
  load.caseworker_id = std::string(id);
  load.registered = cw != nullptr;
  if (cw == nullptr) return load;
  load.team_id = cw->team_id;
  load.employed = IsEmployedOn(*cw, date);
  load.fte_percent = load.employed ? TermsOn(*cw, date).fte_percent : 0;
  load.target = TargetOn(table, *cw, date);
  return load;
}

// Who holds the case on the date, each once: a caseworker recorded in both roles carries
// the primary share.
std::vector<std::pair<std::string_view, CaseRole>> HoldersOn(const CaseWeightFacts& c,
                                                             CivilDate date) {
  std::vector<std::pair<std::string_view, CaseRole>> holders;
  for (const CaseAssignment& a : c.assignments) {
    if (!IsActiveOn(a, date)) continue;
    const auto it = std::find_if(holders.begin(), holders.end(),
                                 [&](const auto& h) { return h.first == a.caseworker_id; });
    if (it == holders.end()) {
      holders.emplace_back(a.caseworker_id, a.role);
    } else if (a.role == CaseRole::kPrimary) {
      it->second = CaseRole::kPrimary;
    }
  }
  return holders;
}

std::vector<TeamLoad> TeamTotals(const std::vector<CaseworkerLoad>& loads) {
  std::map<std::string, TeamLoad> teams;
  for (const CaseworkerLoad& load : loads) {
    TeamLoad& team = teams[load.team_id];
    team.team_id = load.team_id;
    team.points += load.points;
    team.primary_cases += load.primary_cases;
    team.co_worker_cases += load.co_worker_cases;
    if (!load.employed) continue;
    ++team.caseworkers;
    team.fte_percent += load.fte_percent;
    team.target += load.target;
  }
  std::vector<TeamLoad> totals;
  for (auto& [id, team] : teams) {
    team.headroom = team.target - team.points;
    totals.push_back(std::move(team));
  }
  return totals;
}

// Hundredths of a case as text: 15 x 75% = "11.25".
std::string CasesText(int64_t cases, int64_t fte_percent) {
  return Points::Hundredths(cases * fte_percent).ToString();
}

}  // namespace

bool IsEmployedOn(const CaseworkerFacts& caseworker, CivilDate date) {
  return caseworker.joined_on <= date && (!caseworker.left_on || date < *caseworker.left_on);
}

const CaseworkerTerms& TermsOn(const CaseworkerFacts& caseworker, CivilDate date) {
  const CaseworkerTerms* best = &caseworker.terms.front();
  const CaseworkerTerms* earliest = &caseworker.terms.front();
  bool found = false;
  for (const CaseworkerTerms& t : caseworker.terms) {
    if (t.effective < earliest->effective) earliest = &t;
    if (t.effective <= date && (!found || t.effective > best->effective)) {
      best = &t;
      found = true;
    }
  }
  return found ? *best : *earliest;
}

Points TargetOn(const WeightTable& table, const CaseworkerFacts& caseworker, CivilDate date) {
  if (!IsEmployedOn(caseworker, date)) return Points();
  const CaseworkerTerms& terms = TermsOn(caseworker, date);
  if (terms.target_override) return *terms.target_override;
  return table.target_per_full_time.Percent(terms.fte_percent);
}

CaseCountStatus CountStatus(const WeightTable& table, int64_t fte_percent, int64_t cases) {
  // Compared in hundredths of a case, so 80% FTE gives 12-16 exactly.
  if (cases * 100 > table.guidance_max_cases * fte_percent) return CaseCountStatus::kAbove;
  if (cases * 100 < table.guidance_min_cases * fte_percent) return CaseCountStatus::kUnder;
  return CaseCountStatus::kWithin;
}

const CaseworkerLoad* Workload::Find(std::string_view caseworker_id) const {
  const auto it = std::lower_bound(
      caseworkers.begin(), caseworkers.end(), caseworker_id,
      [](const CaseworkerLoad& l, std::string_view id) { return l.caseworker_id < id; });
  return it != caseworkers.end() && it->caseworker_id == caseworker_id ? &*it : nullptr;
}

Result<Workload> WorkloadOn(const WeightTable& table, std::span<const CaseworkerFacts> caseworkers,
                            std::span<const CaseWeightFacts> cases, CivilDate date) {
  CaseworkerIndex index;
  TRAPPE_RETURN_IF_ERROR(ValidateInputs(table, caseworkers, cases, index));
  std::map<std::string_view, CaseworkerLoad> loads;
  for (const auto& [id, cw] : index) {
    if (IsEmployedOn(*cw, date)) loads.emplace(id, FreshLoad(table, id, cw, date));
  }
  Workload workload;
  workload.date = date;
  // The cases in id order (ids are unique), so the answer lists them sorted as it builds
  // them, each share knows its case's place, and every caseworker's shares come in id order.
  std::vector<size_t> by_id(cases.size());
  std::iota(by_id.begin(), by_id.end(), size_t{0});
  std::sort(by_id.begin(), by_id.end(),
            [&](size_t a, size_t b) { return cases[a].case_id < cases[b].case_id; });
  for (const size_t i : by_id) {
    const CaseWeightFacts& c = cases[i];
    CaseWeight weight = CasePoints(table, c, date);
    if (!weight.open) continue;
    for (const auto& [id, role] : HoldersOn(c, date)) {
      auto it = loads.find(id);
      if (it == loads.end()) {
        const auto known = index.find(id);
        const CaseworkerFacts* cw = known == index.end() ? nullptr : known->second;
        it = loads.emplace(id, FreshLoad(table, id, cw, date)).first;
      }
      CaseworkerLoad& load = it->second;
      const bool primary = role == CaseRole::kPrimary;
      const Points share = weight.points.Percent(primary ? table.primary_share_percent
                                                         : table.co_worker_share_percent);
      load.points += share;
      ++(primary ? load.primary_cases : load.co_worker_cases);
      load.cases.push_back({c.case_id, role, weight.points, share, workload.cases.size()});
    }
    workload.cases.push_back(std::move(weight));
  }
  for (auto& [id, load] : loads) {
    load.headroom = load.target - load.points;
    load.count_status = CountStatus(table, load.fte_percent, load.primary_cases);
    load.count_warning = load.count_status == CaseCountStatus::kAbove;
    workload.caseworkers.push_back(std::move(load));
  }
  workload.teams = TeamTotals(workload.caseworkers);
  return workload;
}

Result<AssigneeSuggestion> SuggestAssignee(const WeightTable& table, const Workload& workload,
                                           const CaseWeight& new_case, CaseRole role,
                                           std::string_view team_id) {
  const bool primary = role == CaseRole::kPrimary;
  const Points share = new_case.points.Percent(primary ? table.primary_share_percent
                                                       : table.co_worker_share_percent);
  const CaseworkerLoad* best = nullptr;
  for (const CaseworkerLoad& load : workload.caseworkers) {  // ascending ids
    if (!load.registered || !load.employed) continue;
    if (!team_id.empty() && load.team_id != team_id) continue;
    const bool holds = std::any_of(load.cases.begin(), load.cases.end(), [&](const CaseShare& s) {
      return s.case_id == new_case.case_id;
    });
    if (holds) continue;
    if (best == nullptr || load.headroom > best->headroom ||
        (load.headroom == best->headroom && load.primary_cases < best->primary_cases)) {
      best = &load;
    }
  }
  const std::string where = team_id.empty() ? "" : " in team " + std::string(team_id);
  if (best == nullptr) {
    return FailedPrecondition("no caseworker" + where + " is employed on " +
                              workload.date.ToString() + " and free to take case " +
                              new_case.case_id);
  }
  AssigneeSuggestion s{best->caseworker_id, share, best->points + share, best->headroom - share,
                       ""};
  s.reason = best->caseworker_id + " has the most headroom" + where + ": carries " +
             best->points.ToString() + " of " + best->target.ToString() + " points, " +
             share.ToString() + " more as " + std::string(ToString(role)) + " leaves " +
             s.headroom_after.ToString() + "; " + std::to_string(best->primary_cases) +
             " primary cases (guidance " + CasesText(table.guidance_min_cases, best->fte_percent) +
             "-" + CasesText(table.guidance_max_cases, best->fte_percent) + ")";
  if (s.headroom_after < Points()) s.reason += "; over target: nobody" + where + " has room";
  return s;
}

std::string_view ToString(CaseCountStatus status) {
  switch (status) {
    case CaseCountStatus::kUnder: return "UNDER";
    case CaseCountStatus::kWithin: return "WITHIN";
    case CaseCountStatus::kAbove: return "ABOVE";
  }
  return "UNKNOWN";
}

}  // namespace trappe::rules
