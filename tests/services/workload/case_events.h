// Writes the upstream facts the workload service reads (case events of the cases service,
// intervention events of the placements service) straight to the log, as those services
// would: envelopes on trappe.case-events.v1 keyed "<tenant>/<case_id>". The log is the
// contract, so the workload service can be tested without the other services.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/events/v1/envelope.pb.h"

namespace trappe::workload_testing {

class CaseEventWriter {
 public:
  CaseEventWriter(eventlog::EventLog* log, std::string tenant) : log_(log), tenant_(std::move(tenant)) {}

  Status Opened(const std::string& case_id, const std::string& team_id, CivilDate on);
  Status Closed(const std::string& case_id, CivilDate on);
  Status Reopened(const std::string& case_id, CivilDate on);
  Status Assigned(const std::string& case_id, const std::string& caseworker_id, bool primary, CivilDate on);
  Status Unassigned(const std::string& case_id, const std::string& caseworker_id, bool primary, CivilDate on);
  Status Graded(const std::string& case_id, cases::v1::CaseGrade grade, CivilDate on);
  Status InvestigationStarted(const std::string& case_id, const std::string& id, CivilDate on);
  Status InvestigationCompleted(const std::string& case_id, const std::string& id, CivilDate on);
  Status PlacementStarted(const std::string& case_id, const std::string& id, placements::v1::PlacementType type,
                          placements::v1::ConsentBasis consent, CivilDate on);
  Status ConsentChanged(const std::string& case_id, const std::string& id, placements::v1::ConsentBasis consent,
                        CivilDate on);
  Status InterventionEnded(const std::string& case_id, const std::string& id, CivilDate on);

  // Appends one envelope for `case_id` with the next version of its aggregate.
  Status Append(const std::string& case_id, events::v1::AggregateType type, const std::string& aggregate_id,
                CivilDate effective, events::v1::EventEnvelope event);
  // The same on trappe.org-events.v1, for an organisation aggregate (no case): what the
  // workload service writes, for the states its API does not allow.
  Status AppendOrg(events::v1::AggregateType type, const std::string& aggregate_id,
                   CivilDate effective, events::v1::EventEnvelope event);

 private:
  Status Write(std::string_view topic, const std::string& case_id, events::v1::AggregateType type,
               const std::string& aggregate_id, CivilDate effective,
               events::v1::EventEnvelope event);

  eventlog::EventLog* log_;
  std::string tenant_;
  std::map<std::string, uint64_t> versions_;
  int64_t next_event_ = 1;
};

}  // namespace trappe::workload_testing
