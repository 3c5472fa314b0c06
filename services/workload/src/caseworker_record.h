// A caseworker as the workload rules see them, folded from their CASEWORKER events in
// version order: employment, the terms (FTE, own target) as a history, and the team as a
// history (a caseworker who moves team counts in the old team before the move and in the
// new one from it).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "trappe/events/v1/envelope.pb.h"
#include "trappe/rules/workload.h"

namespace trappe::workload {

struct CaseworkerRecord {
  rules::CaseworkerFacts facts;  // facts.team_id: the team at registration
  std::string display_name;
  std::vector<std::pair<CivilDate, std::string>> teams;  // by effective date

  // The team on `date` (the registration's team before any move).
  const std::string& TeamOn(CivilDate date) const;
  // facts with team_id set to the team on `date`.
  rules::CaseworkerFacts FactsOn(CivilDate date) const;
  // Whether they ever belonged to `team_id`.
  bool EverInTeam(const std::string& team_id) const;
};

// Folds a CaseworkerRegistered or CaseworkerChanged event; other payloads are ignored.
void FoldCaseworkerEvent(const events::v1::EventEnvelope& event, CaseworkerRecord& record);

}  // namespace trappe::workload
