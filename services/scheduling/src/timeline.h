// A case's facts as the deadline rules read them, built from the case's stored events.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/rules/deadlines.h"

namespace trappe::scheduling {

// A caseworker's role on the case, with the co-worker's purpose the rules do not see.
struct RoleHolding {
  std::string caseworker_id;
  cases::v1::CaseworkerRole role = cases::v1::CASEWORKER_ROLE_PRIMARY;
  cases::v1::CoWorkerPurpose purpose = cases::v1::CO_WORKER_PURPOSE_UNSPECIFIED;
  CivilDate from;
  std::optional<CivilDate> until;  // not held on this date
};

struct CaseFacts {
  rules::CaseTimeline timeline;
  std::string opened_team_id;  // the team the case was opened in
  std::vector<RoleHolding> roles;
  // Closed on the first date, reopened on the second (if it was).
  std::vector<std::pair<CivilDate, std::optional<CivilDate>>> closures;
  // The latest date any fact takes effect on (an intervention's end counts on the day
  // after its last day). Deadlines derived for any as_of on or after it are the same.
  std::optional<CivilDate> latest;
  bool opened = false;
};

// Whether the stored event log record is a fact this service keeps for its case.
bool IsCaseFact(const events::v1::EventEnvelope& envelope);

// Adds one fact, in the case's log order. Facts that name what the case lacks (an
// assessment of an unknown report...) are left out, so that the timeline stays valid.
void AddFact(const events::v1::EventEnvelope& envelope, CaseFacts& facts);

bool IsClosedOn(const CaseFacts& facts, CivilDate date);

// Who holds `role` (with `purpose` for a co-worker; falling back to any co-worker, then to
// the primary caseworker) on `date`; empty if nobody.
std::string Holder(const CaseFacts& facts, rules::ResponsibleRole role, rules::Track track,
                   CivilDate date);
std::string PrimaryOn(const CaseFacts& facts, CivilDate date);

// A date later than any fact: deadlines "as known now".
CivilDate EndOfTime();

}  // namespace trappe::scheduling
