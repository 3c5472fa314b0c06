// The workload service's one projection: the organisation (municipality, weight tables,
// teams, caseworkers) from trappe.org-events.v1, and the weight facts of every case from
// trappe.case-events.v1, with the indexes a query needs to touch only its own cases.
//
// Column families and keys (every key starts with the tenant):
//   requests  the request index of the service's own commands (request_index.h)
//   org       <t>/municipality                      MunicipalityRegistered
//             <t>/weights/<YYYY-MM-DD>/<version>    WeightTableConfigured (version 0: the
//                                                   registration's table)
//             <t>/weights-version                   the WEIGHT_TABLE aggregate's version
//             <t>/team/<team_id>                    TeamCreated
//             <t>/cw/<caseworker_id>/<version>      the caseworker's events, in version order
//             <t>/cw-version/<caseworker_id>        the CASEWORKER aggregate's version
//             <t>/team-member/<team_id>/<cw_id>     anyone who ever belonged to the team
//             <t>/cw-teams/<cw_id>                  the same, by caseworker: the team ids
//                                                   in order, joined by '/'
//   cases     <t>/case/<case_id>                    CaseRecord (case_record.h)
//             <t>/team-case/<team_id>/<until>/<case_id>
//                                                   every case opened in the team (a copy of
//                                                   the CaseRecord: a team query scans instead
//                                                   of looking up case by case)
//             <t>/cw-case/<cw_id>/<until>/<case_id> every case a caseworker ever held (no
//                                                   value: read by lookups)
//             <t>/team-foreign/<team_id>/<until>/<case_id>
//                                                   every case held by anyone who ever
//                                                   belonged to the team and opened in
//                                                   another team or in none (no value): a
//                                                   team query reads its team-case keys and
//                                                   these, not every member's cw-case keys
//   <until> is the day the case was last closed (YYYY-MM-DD), 9999-12-31 while it is open:
//   a case open on a date D was last closed after D or is open, so a team's query for D
//   scans both from D + 1 and reads none of the team's closed history. The keys move when
//   a case closes or reopens.
//
// Everything is keyed by content and written per aggregate in version (log) order, so the
// store does not depend on how the two topics interleave: a case that names a caseworker
// whose registration has not arrived is indexed under that id all the same.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "case_record.h"
#include "caseworker_record.h"
#include "trappe/projection/projection.h"
#include "trappe/projection/read_view.h"
#include "trappe/rules/weights.h"
#include "trappe/workload/v1/events.pb.h"
#include "weight_table.h"

namespace trappe::workload {

inline constexpr projection::FamilyId kRequests = 0;
inline constexpr projection::FamilyId kOrg = 1;
inline constexpr projection::FamilyId kCases = 2;

class WorkloadProjection final : public projection::Projection {
 public:
  std::string Name() const override { return "workload"; }
  // 4: the team-foreign index and cw-teams (a team query no longer scans every member's).
  // 3: the team and caseworker indexes sort cases by the day they were last closed.
  // 2: the caseworker index holds keys only (1 copied the case record under it).
  uint32_t Version() const override { return 4; }
  std::vector<std::string> Topics() const override;
  std::vector<std::string> ColumnFamilies() const override { return {"requests", "org", "cases"}; }
  Status Apply(const projection::Event& event, projection::ApplyContext& context) const override;
  projection::BadRecordAction OnBadRecord(projection::BadRecordKind kind,
                                          const eventlog::StoredRecord& record) const override;
};

// Keys (see above). Ids must not contain '/'.
std::string MunicipalityKey(std::string_view tenant);
std::string WeightsPrefix(std::string_view tenant);
std::string WeightsVersionKey(std::string_view tenant);
std::string TeamKey(std::string_view tenant, std::string_view team_id);
std::string TeamsPrefix(std::string_view tenant);
std::string CaseworkerEventsPrefix(std::string_view tenant, std::string_view caseworker_id);
std::string CaseworkerVersionKey(std::string_view tenant, std::string_view caseworker_id);
std::string CaseworkersPrefix(std::string_view tenant);
std::string TeamMembersPrefix(std::string_view tenant, std::string_view team_id);
std::string CaseKey(std::string_view tenant, std::string_view case_id);
std::string CaseworkerCasesPrefix(std::string_view tenant, std::string_view caseworker_id);
std::string TeamCasesPrefix(std::string_view tenant, std::string_view team_id);
std::string CaseworkerTeamsKey(std::string_view tenant, std::string_view caseworker_id);
std::string TeamForeignCasesPrefix(std::string_view tenant, std::string_view team_id);

// --- reads on a view of the projection

struct WeightTableInForce {
  rules::WeightTable table;
  v1::WeightTable proto;
  CivilDate effective_from;
  uint64_t version = 0;  // 0: the registration's table
};

// NOT_FOUND when the municipality is not registered.
[[nodiscard]] Result<v1::MunicipalityRegistered> ReadMunicipality(const projection::ReadView& view,
                                                                  std::string_view tenant);
// Every table of the municipality, oldest first (same effective date: lower version first).
[[nodiscard]] Result<std::vector<WeightTableInForce>> ReadWeightTables(
    const projection::ReadView& view, std::string_view tenant);
// The table in force on `date` (the first one before any took effect).
const WeightTableInForce& TableOn(const std::vector<WeightTableInForce>& tables, CivilDate date);
[[nodiscard]] Result<uint64_t> ReadVersion(const projection::ReadView& view,
                                           const std::string& key);
[[nodiscard]] Result<std::optional<v1::TeamCreated>> ReadTeam(const projection::ReadView& view,
                                                              std::string_view tenant,
                                                              std::string_view team_id);
[[nodiscard]] Result<std::optional<CaseworkerRecord>> ReadCaseworker(
    const projection::ReadView& view, std::string_view tenant, std::string_view caseworker_id);
// The ids under a prefix whose last key part is the id ("<prefix><id>").
[[nodiscard]] Result<std::vector<std::string>> ReadIds(const projection::ReadView& view,
                                                       projection::FamilyId family,
                                                       const std::string& prefix);
// Calls `fn` with each case record opened in a team (its index's copies of the records),
// decoding only those for which `wanted(case_id)` is true. With `open_on`, only the cases
// that can be open on that date: the team's cases closed on or before it are not read.
[[nodiscard]] Status ScanTeamCases(const projection::ReadView& view, std::string_view tenant,
                                   std::string_view team_id, std::optional<CivilDate> open_on,
                                   const std::function<bool(std::string_view case_id)>& wanted,
                                   const std::function<void(CaseRecord&& record)>& fn);
// The same for the cases a caseworker ever held, or with `open_on` those that can be open
// on that date (a key-only index: each wanted case is read from its record). DATA_LOSS if
// an indexed case has no record.
[[nodiscard]] Status ScanCaseworkerCases(
    const projection::ReadView& view, std::string_view tenant, std::string_view caseworker_id,
    std::optional<CivilDate> open_on, const std::function<bool(std::string_view case_id)>& wanted,
    const std::function<void(CaseRecord&& record)>& fn);
// The same for the cases that anyone who ever belonged to the team held and that were
// opened in another team (or in none): with ScanTeamCases, every case the team's query
// counts.
[[nodiscard]] Status ScanTeamForeignCases(
    const projection::ReadView& view, std::string_view tenant, std::string_view team_id,
    std::optional<CivilDate> open_on, const std::function<bool(std::string_view case_id)>& wanted,
    const std::function<void(CaseRecord&& record)>& fn);
// Whether any case ever named the caseworker (whatever its dates).
[[nodiscard]] Result<bool> HoldsAnyCase(const projection::ReadView& view, std::string_view tenant,
                                        std::string_view caseworker_id);
[[nodiscard]] Result<std::optional<CaseRecord>> ReadCase(const projection::ReadView& view,
                                                         std::string_view tenant,
                                                         std::string_view case_id);

}  // namespace trappe::workload
