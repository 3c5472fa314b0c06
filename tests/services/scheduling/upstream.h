// Facts of the other services (a municipality registered with its follow-up rules,
// caseworkers, cases, reports, placements, plans), appended to the log directly as the
// envelopes those services write: the log is the contract.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "trappe/cases/v1/types.pb.h"
#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/placements/v1/types.pb.h"
#include "trappe/projection/engine.h"

namespace trappe::scheduling::testing {

class Upstream {
 public:
  // `engine` may be null: then nothing waits for the scheduling projection.
  Upstream(eventlog::EventLog* log, projection::Engine* engine, std::string tenant)
      : log_(log), engine_(engine), tenant_(std::move(tenant)) {}

  [[nodiscard]] Status RegisterMunicipality(CivilDate from,
                                            const std::vector<std::string>& presets);
  [[nodiscard]] Status RegisterCaseworker(const std::string& caseworker_id,
                                          const std::string& team_id, CivilDate on);
  [[nodiscard]] Status OpenCase(const std::string& case_id, CivilDate on,
                                const std::string& team_id = "team-vest");
  [[nodiscard]] Status CloseCase(const std::string& case_id, CivilDate on);
  [[nodiscard]] Status Assign(
      const std::string& case_id, const std::string& caseworker_id, cases::v1::CaseworkerRole role,
      CivilDate on, cases::v1::CoWorkerPurpose purpose = cases::v1::CO_WORKER_PURPOSE_UNSPECIFIED);
  [[nodiscard]] Status ReceiveReport(const std::string& case_id, const std::string& report_id,
                                     Timestamp at);
  [[nodiscard]] Status AssessReport(const std::string& case_id, const std::string& report_id,
                                    Timestamp at);
  [[nodiscard]] Status StartPlacement(
      const std::string& case_id, const std::string& intervention_id,
      placements::v1::PlacementType type, CivilDate start,
      placements::v1::ConsentBasis consent = placements::v1::CONSENT_BASIS_WITH_CONSENT);
  // `last_day` is the intervention's last day.
  [[nodiscard]] Status EndIntervention(const std::string& case_id,
                                       const std::string& intervention_id, CivilDate last_day);
  [[nodiscard]] Status ApprovePlan(const std::string& case_id, CivilDate on);

  // Appends one event (tenant, ids and version filled in) and waits for the projection.
  [[nodiscard]] Status Append(events::v1::EventEnvelope event);

 private:
  eventlog::EventLog* log_;
  projection::Engine* engine_;
  std::string tenant_;
  uint64_t next_ = 1;
  std::map<std::string, uint64_t> versions_;
};

}  // namespace trappe::scheduling::testing
