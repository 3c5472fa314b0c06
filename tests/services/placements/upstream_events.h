// Facts of other services (a municipality registered, cases opened and closed), appended
// to the log directly as the envelopes those services write: the log is the contract.
#pragma once

#include <map>
#include <string>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/placements/v1/types.pb.h"
#include "trappe/projection/engine.h"

namespace trappe::placements::testing {

// Socialstyrelsen's six steps with their categories; steps 1-3 count as prevention.
v1::Staircase NationalStaircase();

class Upstream {
 public:
  Upstream(eventlog::EventLog* log, projection::Engine* engine, std::string tenant)
      : log_(log), engine_(engine), tenant_(std::move(tenant)) {}

  // Appends, then (unless set_wait(false)) waits until the placements projection has
  // applied the events.
  void set_wait(bool wait) { wait_ = wait; }
  [[nodiscard]] Status RegisterMunicipality(CivilDate on, const v1::Staircase& staircase);
  [[nodiscard]] Status OpenCase(const std::string& case_id, const std::string& child_id,
                                CivilDate on, const std::string& team_id = "team-vest");
  [[nodiscard]] Status CloseCase(const std::string& case_id, CivilDate on);
  [[nodiscard]] Status ReopenCase(const std::string& case_id, CivilDate on);

 private:
  [[nodiscard]] Status Append(events::v1::EventEnvelope event);

  eventlog::EventLog* log_;
  projection::Engine* engine_;
  std::string tenant_;
  bool wait_ = true;
  uint64_t next_ = 1;
  std::map<std::string, uint64_t> versions_;
};

}  // namespace trappe::placements::testing
