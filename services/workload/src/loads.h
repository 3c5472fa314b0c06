// Loads for any date: reads the facts a query needs from a view of the projection (only
// the subject's caseworkers and cases, through the indexes) and computes the loads with
// the rules (trappe/rules/workload.h), then shapes them for the API.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "projection.h"
#include "trappe/rules/workload.h"
#include "trappe/workload/v1/service.pb.h"

namespace trappe::workload {

// The facts of one query's scope, read once and usable for many dates (a series).
struct LoadInputs {
  std::vector<WeightTableInForce> tables;
  std::vector<CaseworkerRecord> caseworkers;  // registered ones only
  // The cases in the order they were first opened (never opened: last), so that the cases
  // that can weigh on a date are a prefix: a series over years skips those not opened yet.
  std::vector<rules::CaseWeightFacts> case_facts;
  std::vector<std::string> case_teams;  // the team each case was opened in
  std::vector<CivilDate> first_opened;  // each case's first opening (or a far future date)
};

// kCaseworker: one caseworker and the cases they held. kTeam: the team's members and the
// cases opened in the team or held by a member. kMunicipality: every registered caseworker
// and the cases opened in any team or held by a registered caseworker.
enum class Scope { kCaseworker, kTeam, kMunicipality };

// NOT_FOUND for an unregistered municipality or an unknown team. A caseworker the org
// events do not know yet (but cases name) is not an error: their cases still count.
// `open_on` (a query for one date): only the cases that can be open on that date, so the
// closed history is not read; without it every case (a series).
[[nodiscard]] Result<LoadInputs> ReadLoadInputs(const projection::ReadView& view,
                                                std::string_view tenant, Scope scope,
                                                const std::string& id,
                                                std::optional<CivilDate> open_on = std::nullopt);

// The rules' workload of the inputs on `date`, with the table in force on that date.
[[nodiscard]] Result<rules::Workload> ComputeWorkload(const LoadInputs& inputs, CivilDate date);

// The API's view of one caseworker's load. `with_cases`: include each case's contribution.
v1::CaseworkerLoad ToProtoLoad(const rules::Workload& workload, const rules::CaseworkerLoad& load,
                               const LoadInputs& inputs, const rules::WeightTable& table,
                               bool with_cases);

// A team's load: its caseworkers on the date (employed, or still holding cases), totals.
v1::TeamLoad ToProtoTeamLoad(const rules::Workload& workload, const LoadInputs& inputs,
                             const rules::WeightTable& table, const v1::TeamCreated& team,
                             bool with_cases);

// The points a new case of `grade` carries on `date` (no modifiers: it has no history yet).
rules::CaseWeight NewCaseWeight(const rules::WeightTable& table, rules::CaseGrade grade,
                                CivilDate date);

}  // namespace trappe::workload
