#include "caseworker_record.h"

#include <algorithm>

#include "trappe/service/convert.h"
#include "trappe/workload/v1/events.pb.h"

namespace trappe::workload {
namespace {

// FTE per cent from thousandths of a full-time post (the API accepts whole per cents).
int64_t FtePercent(int32_t fte_milli) { return std::clamp<int32_t>(fte_milli, 0, 1000) / 10; }

// Puts `terms` in the history, replacing the terms of the same date.
void SetTerms(rules::CaseworkerFacts& f, rules::CaseworkerTerms terms) {
  for (auto& t : f.terms) {
    if (t.effective == terms.effective) {
      t = terms;
      return;
    }
  }
  f.terms.push_back(terms);
  std::sort(f.terms.begin(), f.terms.end(),
            [](const auto& a, const auto& b) { return a.effective < b.effective; });
}

void SetTeam(CaseworkerRecord& r, CivilDate on, const std::string& team) {
  for (auto& [date, id] : r.teams) {
    if (date == on) {
      id = team;
      return;
    }
  }
  r.teams.emplace_back(on, team);
  std::sort(r.teams.begin(), r.teams.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

}  // namespace

const std::string& CaseworkerRecord::TeamOn(CivilDate date) const {
  const std::string* team = &facts.team_id;
  for (const auto& [on, id] : teams) {
    if (on <= date) team = &id;
  }
  return *team;
}

rules::CaseworkerFacts CaseworkerRecord::FactsOn(CivilDate date) const {
  rules::CaseworkerFacts f = facts;
  f.team_id = TeamOn(date);
  return f;
}

bool CaseworkerRecord::EverInTeam(const std::string& team_id) const {
  if (facts.team_id == team_id) return true;
  return std::any_of(teams.begin(), teams.end(),
                     [&](const auto& t) { return t.second == team_id; });
}

void FoldCaseworkerEvent(const events::v1::EventEnvelope& e, CaseworkerRecord& r) {
  rules::CaseworkerFacts& f = r.facts;
  if (e.has_caseworker_registered()) {
    const auto& p = e.caseworker_registered();
    const CivilDate start =
        service::DateIfValid(p.start_date())
            .value_or(service::DateIfValid(e.effective_date()).value_or(CivilDate()));
    f.id = p.caseworker_id();
    f.team_id = p.team_id();
    f.joined_on = start;
    r.display_name = p.display_name();
    rules::CaseworkerTerms terms{.effective = start, .fte_percent = FtePercent(p.fte_milli())};
    if (p.has_target_points_override()) {
      terms.target_override = rules::Points::Whole(std::max(0, p.target_points_override()));
    }
    f.terms = {terms};
    r.teams = {{start, p.team_id()}};
    return;
  }
  if (!e.has_caseworker_changed() || f.terms.empty()) return;
  const auto& p = e.caseworker_changed();
  // A change back-dated before the first working day applies from that day.
  const CivilDate on =
      std::max(service::DateIfValid(p.effective_date())
                   .value_or(service::DateIfValid(e.effective_date()).value_or(f.joined_on)),
               f.joined_on);
  if (p.has_display_name()) r.display_name = p.display_name();
  if (p.has_team_id()) SetTeam(r, on, p.team_id());
  if (p.has_fte_milli() || p.target_case() != v1::CaseworkerChanged::TARGET_NOT_SET) {
    rules::CaseworkerTerms terms = rules::TermsOn(f, on);
    terms.effective = on;
    if (p.has_fte_milli()) terms.fte_percent = FtePercent(p.fte_milli());
    if (p.has_target_points_override()) {
      terms.target_override = rules::Points::Whole(std::max(0, p.target_points_override()));
    }
    if (p.has_target_override_removed() && p.target_override_removed())
      terms.target_override.reset();
    SetTerms(f, terms);
  }
  if (auto leaving = service::DateIfValid(p.leaving_date())) {
    // The last working day: from the next day they are no longer employed.
    f.left_on = std::max(leaving->AddDays(1), f.joined_on);
  }
}

}  // namespace trappe::workload
