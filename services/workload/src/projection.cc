#include "projection.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "trappe/common/log.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/events/headers.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/projection/keys.h"
#include "trappe/service/convert.h"
#include "trappe/service/request_index.h"

namespace trappe::workload {
namespace {

using events::v1::EventEnvelope;

std::string Join(std::string_view tenant, std::initializer_list<std::string_view> parts) {
  std::string key(tenant);
  for (std::string_view p : parts) {
    key.push_back('/');
    key.append(p);
  }
  return key;
}

std::string Version20(uint64_t version) {
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "%020llu", static_cast<unsigned long long>(version));
  return buffer;
}

bool UsableId(std::string_view id) { return !id.empty() && id.find('/') == std::string_view::npos; }

Status JoinTeam(projection::ApplyContext& c, std::string_view t, const std::string& caseworker_id,
                const std::string& team);

bool IsOwnEvent(const EventEnvelope& e) {
  switch (e.payload_case()) {
    case EventEnvelope::kMunicipalityRegistered:
    case EventEnvelope::kTeamCreated:
    case EventEnvelope::kCaseworkerRegistered:
    case EventEnvelope::kCaseworkerChanged:
    case EventEnvelope::kWeightTableConfigured: return true;
    default: return false;
  }
}

// The payload types this projection reads; a bad record of any of them must stop it.
bool IsNeededType(std::string_view type) {
  static constexpr std::string_view kNeeded[] = {"trappe.cases.v1.CaseOpened",
                                                 "trappe.cases.v1.CaseClosed",
                                                 "trappe.cases.v1.CaseReopened",
                                                 "trappe.cases.v1.InvestigationStarted",
                                                 "trappe.cases.v1.InvestigationCompleted",
                                                 "trappe.cases.v1.CaseworkerAssigned",
                                                 "trappe.cases.v1.CaseworkerUnassigned",
                                                 "trappe.cases.v1.CaseWeightAssessed",
                                                 "trappe.placements.v1.InterventionStarted",
                                                 "trappe.placements.v1.InterventionChanged",
                                                 "trappe.placements.v1.InterventionEnded"};
  if (type.starts_with("trappe.workload.")) return true;
  return std::find(std::begin(kNeeded), std::end(kNeeded), type) != std::end(kNeeded);
}

Status PutVersion(projection::ApplyContext& c, const std::string& key, uint64_t version) {
  return c.Put(kOrg, key, projection::EncodeInt64(static_cast<int64_t>(version)));
}

Status ApplyOrg(const EventEnvelope& e, projection::ApplyContext& c) {
  const std::string& t = e.tenant();
  switch (e.payload_case()) {
    case EventEnvelope::kMunicipalityRegistered: {
      const auto& p = e.municipality_registered();
      TRAPPE_RETURN_IF_ERROR(c.Put(kOrg, MunicipalityKey(t), p.SerializeAsString()));
      v1::WeightTableConfigured table;
      *table.mutable_weight_table() = p.weight_table();
      *table.mutable_effective_from() =
          service::IsSet(p.effective_from()) ? p.effective_from() : e.effective_date();
      const auto& d = table.effective_from();
      auto date = CivilDate::FromYmd(d.year(), d.month(), d.day());
      if (!date.ok()) return Status::Ok();
      return c.Put(kOrg, WeightsPrefix(t) + date->ToString() + "/" + Version20(0),
                   table.SerializeAsString());
    }
    case EventEnvelope::kWeightTableConfigured: {
      const auto& p = e.weight_table_configured();
      const auto& d = service::IsSet(p.effective_from()) ? p.effective_from() : e.effective_date();
      auto date = CivilDate::FromYmd(d.year(), d.month(), d.day());
      if (!date.ok()) return Status::Ok();
      v1::WeightTableConfigured stored = p;
      *stored.mutable_effective_from() = d;
      TRAPPE_RETURN_IF_ERROR(
          c.Put(kOrg, WeightsPrefix(t) + date->ToString() + "/" + Version20(e.aggregate_version()),
                stored.SerializeAsString()));
      return PutVersion(c, WeightsVersionKey(t), e.aggregate_version());
    }
    case EventEnvelope::kTeamCreated: {
      const auto& p = e.team_created();
      if (!UsableId(p.team_id())) return Status::Ok();
      return c.Put(kOrg, TeamKey(t, p.team_id()), p.SerializeAsString());
    }
    case EventEnvelope::kCaseworkerRegistered:
    case EventEnvelope::kCaseworkerChanged: {
      const bool registered = e.has_caseworker_registered();
      const std::string& id = registered ? e.caseworker_registered().caseworker_id()
                                         : e.caseworker_changed().caseworker_id();
      if (!UsableId(id)) return Status::Ok();
      // Only what the caseworker's history needs: the payload and its effective date.
      EventEnvelope stored;
      *stored.mutable_effective_date() = e.effective_date();
      if (registered) {
        *stored.mutable_caseworker_registered() = e.caseworker_registered();
      } else {
        *stored.mutable_caseworker_changed() = e.caseworker_changed();
      }
      TRAPPE_RETURN_IF_ERROR(c.Put(kOrg,
                                   CaseworkerEventsPrefix(t, id) + Version20(e.aggregate_version()),
                                   stored.SerializeAsString()));
      TRAPPE_RETURN_IF_ERROR(PutVersion(c, CaseworkerVersionKey(t, id), e.aggregate_version()));
      const std::string& team =
          registered ? e.caseworker_registered().team_id() : e.caseworker_changed().team_id();
      if (!UsableId(team)) return Status::Ok();
      TRAPPE_RETURN_IF_ERROR(c.Put(kOrg, TeamMembersPrefix(t, team) + id, ""));
      return JoinTeam(c, t, id, team);
    }
    default: return Status::Ok();
  }
}

// The <until> part of a case's index keys: the day the case was last closed, or
// kOpenUntil while it is open (or not opened yet).
constexpr std::string_view kOpenUntil = "9999-12-31";
constexpr size_t kUntilSize = 10;  // YYYY-MM-DD

std::string IndexUntil(const CaseRecord& record) {
  const auto& periods = record.facts.open_periods;
  if (periods.empty() || !periods.back().closed_on) return std::string(kOpenUntil);
  return periods.back().closed_on->ToString();
}

std::string IndexKey(std::string prefix, std::string_view until, std::string_view case_id) {
  prefix.append(until);
  prefix.push_back('/');
  prefix.append(case_id);
  return prefix;
}

// Where a scan of a dated index starts: every case that can be open on `open_on` was
// last closed after it, or is open.
std::string IndexFrom(const std::string& prefix, std::optional<CivilDate> open_on) {
  if (!open_on) return prefix;
  return prefix + open_on->AddDays(1).ToString();
}

// The case id of a dated index key (<prefix><until>/<case_id>).
Result<std::string_view> IndexedCaseId(std::string_view key, size_t prefix_size) {
  if (key.size() <= prefix_size + kUntilSize + 1 || key[prefix_size + kUntilSize] != '/') {
    return DataLoss("case index key " + std::string(key) + " is malformed");
  }
  return key.substr(prefix_size + kUntilSize + 1);
}

// Scans a dated index (from the day after `open_on`; all of it without) and calls
// `fn(case_id, value)` for each case `wanted` accepts, stopping at the first error.
template <typename Fn>
Status ScanDatedIndex(const projection::ReadView& view, const std::string& prefix,
                      std::optional<CivilDate> open_on,
                      const std::function<bool(std::string_view case_id)>& wanted, Fn fn) {
  Status error;
  TRAPPE_RETURN_IF_ERROR(view.Scan(kCases, prefix, IndexFrom(prefix, open_on),
                                   [&](std::string_view key, std::string_view value) {
                                     Result<std::string_view> case_id =
                                         IndexedCaseId(key, prefix.size());
                                     if (case_id.ok() && !wanted(*case_id)) return true;
                                     error = case_id.ok() ? fn(*case_id, value) : case_id.status();
                                     return error.ok();
                                   }));
  return error;
}

// Everyone ever assigned to the case (usable ids only).
std::set<std::string> Holders(const CaseRecord& record) {
  std::set<std::string> ids;
  for (const auto& a : record.facts.assignments) {
    if (UsableId(a.caseworker_id)) ids.insert(a.caseworker_id);
  }
  return ids;
}

// The teams a caseworker ever belonged to (the cw-teams value: ids joined by '/', in
// order), as the batch being applied sees them.
Result<std::vector<std::string>> TeamsOf(projection::ApplyContext& c, std::string_view t,
                                         const std::string& caseworker_id) {
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> value,
                          c.Get(kOrg, CaseworkerTeamsKey(t, caseworker_id)));
  std::vector<std::string> teams;
  if (!value) return teams;
  for (size_t at = 0; at <= value->size();) {
    const size_t end = std::min(value->find('/', at), value->size());
    if (end == at) return DataLoss("the teams of caseworker " + caseworker_id + " are corrupt");
    teams.emplace_back(value->substr(at, end - at));
    at = end + 1;
  }
  return teams;
}

// A caseworker in a team for the first time: from now on the team's foreign index lists
// every case they held that was opened in another team (or in none yet). The cases they
// hold later are added as their events arrive (ApplyCase), so the index is the same
// whichever of the two topics is applied first.
Status JoinTeam(projection::ApplyContext& c, std::string_view t, const std::string& caseworker_id,
                const std::string& team) {
  TRAPPE_ASSIGN_OR_RETURN(std::vector<std::string> teams, TeamsOf(c, t, caseworker_id));
  const auto at = std::lower_bound(teams.begin(), teams.end(), team);
  if (at != teams.end() && *at == team) return Status::Ok();
  teams.insert(at, team);
  std::string joined;
  for (const std::string& id : teams) {
    if (!joined.empty()) joined.push_back('/');
    joined += id;
  }
  TRAPPE_RETURN_IF_ERROR(c.Put(kOrg, CaseworkerTeamsKey(t, caseworker_id), joined));
  // The case ids first, the records after: reading inside the scan would change what it
  // walks.
  const std::string prefix = CaseworkerCasesPrefix(t, caseworker_id);
  std::vector<std::string> held;
  Status error;
  TRAPPE_RETURN_IF_ERROR(c.Scan(kCases, prefix, [&](std::string_view key, std::string_view) {
    Result<std::string_view> case_id = IndexedCaseId(key, prefix.size());
    if (!case_id.ok()) {
      error = case_id.status();
      return false;
    }
    held.emplace_back(*case_id);
    return true;
  }));
  TRAPPE_RETURN_IF_ERROR(error);
  for (const std::string& case_id : held) {
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> stored,
                            c.Get(kCases, CaseKey(t, case_id)));
    if (!stored) {
      return DataLoss("case " + case_id + " is indexed under " + prefix + " but has no record");
    }
    TRAPPE_ASSIGN_OR_RETURN(const CaseRecord record, DecodeCaseRecord(case_id, *stored));
    if (record.team_id == team) continue;
    TRAPPE_RETURN_IF_ERROR(
        c.Put(kCases, IndexKey(TeamForeignCasesPrefix(t, team), IndexUntil(record), case_id), ""));
  }
  return Status::Ok();
}

Status ApplyCase(const EventEnvelope& e, projection::ApplyContext& c) {
  const std::string& t = e.tenant();
  const std::string& case_id = e.case_id();
  if (!UsableId(case_id)) return Status::Ok();
  const std::string key = CaseKey(t, case_id);
  TRAPPE_ASSIGN_OR_RETURN(std::optional<std::string> stored, c.Get(kCases, key));
  CaseRecord record;
  if (stored) {
    TRAPPE_ASSIGN_OR_RETURN(record, DecodeCaseRecord(case_id, *stored));
  }
  record.facts.case_id = case_id;
  const std::set<std::string> held_before = Holders(record);
  const std::string team_before = record.team_id;
  const std::string until_before = IndexUntil(record);
  if (!FoldCaseEvent(e, record)) return Status::Ok();
  const std::string until = IndexUntil(record);
  // The record is kept under the case and copied under its team, so a team query reads
  // its cases with one sequential scan instead of a point lookup per case. A caseworker's
  // index holds keys only, rewritten only when the case closes or reopens: rewriting a copy
  // under every holder on every event multiplied the writes, and the versions the memtable
  // keeps of them slowed every scan. Both indexes sort a case by the day it was last
  // closed, so a query for one date skips the closed history (projection.h).
  const std::string value = EncodeCaseRecord(record);
  TRAPPE_RETURN_IF_ERROR(c.Put(kCases, key, value));
  if (UsableId(team_before) && (team_before != record.team_id || until_before != until)) {
    TRAPPE_RETURN_IF_ERROR(
        c.Delete(kCases, IndexKey(TeamCasesPrefix(t, team_before), until_before, case_id)));
  }
  if (UsableId(record.team_id)) {
    TRAPPE_RETURN_IF_ERROR(
        c.Put(kCases, IndexKey(TeamCasesPrefix(t, record.team_id), until, case_id), value));
  }
  const std::set<std::string> holders = Holders(record);
  for (const std::string& cw : holders) {
    const bool held = held_before.contains(cw);
    if (held && until == until_before) continue;
    if (held) {
      TRAPPE_RETURN_IF_ERROR(
          c.Delete(kCases, IndexKey(CaseworkerCasesPrefix(t, cw), until_before, case_id)));
    }
    TRAPPE_RETURN_IF_ERROR(
        c.Put(kCases, IndexKey(CaseworkerCasesPrefix(t, cw), until, case_id), ""));
  }
  // Each team a holder ever belonged to, other than the case's own, lists the case in its
  // foreign index, so a team query finds what its members hold from other teams without
  // scanning each member's index. The keys move with the case's team and closing day.
  const bool moved = team_before != record.team_id || until_before != until;
  for (const std::string& cw : holders) {
    const bool held = held_before.contains(cw);
    if (held && !moved) continue;
    TRAPPE_ASSIGN_OR_RETURN(const std::vector<std::string> teams, TeamsOf(c, t, cw));
    for (const std::string& team : teams) {
      const std::string prefix = TeamForeignCasesPrefix(t, team);
      if (held && team != team_before) {
        TRAPPE_RETURN_IF_ERROR(c.Delete(kCases, IndexKey(prefix, until_before, case_id)));
      }
      if (team != record.team_id) {
        TRAPPE_RETURN_IF_ERROR(c.Put(kCases, IndexKey(prefix, until, case_id), ""));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> WorkloadProjection::Topics() const {
  return {std::string(eventlog::kOrgEventsTopic), std::string(eventlog::kCaseEventsTopic)};
}

Status WorkloadProjection::Apply(const projection::Event& event,
                                 projection::ApplyContext& context) const {
  const EventEnvelope& e = event.envelope;
  if (!UsableId(e.tenant())) return Status::Ok();
  if (IsOwnEvent(e)) {
    TRAPPE_RETURN_IF_ERROR(service::IndexRequest(context, kRequests, event));
    return ApplyOrg(e, context);
  }
  return ApplyCase(e, context);
}

projection::BadRecordAction WorkloadProjection::OnBadRecord(
    projection::BadRecordKind kind, const eventlog::StoredRecord& record) const {
  return projection::DecideByEventType(Name(), kind, record, IsNeededType);
}

std::string MunicipalityKey(std::string_view t) { return Join(t, {"municipality"}); }
std::string WeightsPrefix(std::string_view t) { return Join(t, {"weights", ""}); }
std::string WeightsVersionKey(std::string_view t) { return Join(t, {"weights-version"}); }
std::string TeamKey(std::string_view t, std::string_view team) { return Join(t, {"team", team}); }
std::string TeamsPrefix(std::string_view t) { return Join(t, {"team", ""}); }
std::string CaseworkerEventsPrefix(std::string_view t, std::string_view id) {
  return Join(t, {"cw", id, ""});
}
std::string CaseworkerVersionKey(std::string_view t, std::string_view id) {
  return Join(t, {"cw-version", id});
}
std::string CaseworkersPrefix(std::string_view t) { return Join(t, {"cw-version", ""}); }
std::string TeamMembersPrefix(std::string_view t, std::string_view team) {
  return Join(t, {"team-member", team, ""});
}
std::string CaseKey(std::string_view t, std::string_view id) { return Join(t, {"case", id}); }
std::string CaseworkerCasesPrefix(std::string_view t, std::string_view id) {
  return Join(t, {"cw-case", id, ""});
}
std::string TeamCasesPrefix(std::string_view t, std::string_view team) {
  return Join(t, {"team-case", team, ""});
}
std::string CaseworkerTeamsKey(std::string_view t, std::string_view id) {
  return Join(t, {"cw-teams", id});
}
std::string TeamForeignCasesPrefix(std::string_view t, std::string_view team) {
  return Join(t, {"team-foreign", team, ""});
}

Result<v1::MunicipalityRegistered> ReadMunicipality(const projection::ReadView& view,
                                                    std::string_view tenant) {
  TRAPPE_ASSIGN_OR_RETURN(auto value, view.Get(kOrg, MunicipalityKey(tenant)));
  if (!value) return NotFound("municipality " + std::string(tenant) + " is not registered");
  v1::MunicipalityRegistered m;
  if (!m.ParseFromString(*value)) return DataLoss("municipality record is corrupt");
  return m;
}

Result<std::vector<WeightTableInForce>> ReadWeightTables(const projection::ReadView& view,
                                                         std::string_view tenant) {
  std::vector<WeightTableInForce> tables;
  Status error;
  const std::string prefix = WeightsPrefix(tenant);
  TRAPPE_RETURN_IF_ERROR(view.Scan(kOrg, prefix, [&](std::string_view key, std::string_view value) {
    v1::WeightTableConfigured stored;
    if (!stored.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      error = DataLoss("weight table record is corrupt");
      return false;
    }
    auto table = WeightTableFromProto(stored.weight_table(), "weight_table");
    auto from = service::ToCivilDate(stored.effective_from(), "effective_from");
    if (!table.ok() || !from.ok()) return true;  // an invalid table in the log is not in force
    WeightTableInForce entry{
        .table = *table, .proto = stored.weight_table(), .effective_from = *from};
    entry.version = std::stoull(std::string(key.substr(key.rfind('/') + 1)));
    tables.push_back(std::move(entry));
    return true;
  }));
  TRAPPE_RETURN_IF_ERROR(error);
  if (tables.empty()) return NotFound("municipality " + std::string(tenant) + " is not registered");
  return tables;
}

const WeightTableInForce& TableOn(const std::vector<WeightTableInForce>& tables, CivilDate date) {
  const WeightTableInForce* in_force = &tables.front();
  for (const auto& t : tables) {
    if (t.effective_from <= date) in_force = &t;
  }
  return *in_force;
}

Result<uint64_t> ReadVersion(const projection::ReadView& view, const std::string& key) {
  TRAPPE_ASSIGN_OR_RETURN(auto value, view.Get(kOrg, key));
  if (!value) return uint64_t{0};
  auto v = projection::DecodeInt64(*value);
  if (!v) return DataLoss("version record is corrupt");
  return static_cast<uint64_t>(*v);
}

Result<std::optional<v1::TeamCreated>> ReadTeam(const projection::ReadView& view,
                                                std::string_view tenant, std::string_view team_id) {
  TRAPPE_ASSIGN_OR_RETURN(auto value, view.Get(kOrg, TeamKey(tenant, team_id)));
  if (!value) return std::optional<v1::TeamCreated>();
  v1::TeamCreated team;
  if (!team.ParseFromString(*value)) return DataLoss("team record is corrupt");
  return std::optional<v1::TeamCreated>(std::move(team));
}

Result<std::optional<CaseworkerRecord>> ReadCaseworker(const projection::ReadView& view,
                                                       std::string_view tenant,
                                                       std::string_view caseworker_id) {
  CaseworkerRecord record;
  bool found = false;
  Status error;
  TRAPPE_RETURN_IF_ERROR(
      view.Scan(kOrg, CaseworkerEventsPrefix(tenant, caseworker_id),
                [&](std::string_view, std::string_view value) {
                  EventEnvelope e;
                  if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                    error = DataLoss("caseworker record is corrupt");
                    return false;
                  }
                  FoldCaseworkerEvent(e, record);
                  found = found || e.has_caseworker_registered();
                  return true;
                }));
  TRAPPE_RETURN_IF_ERROR(error);
  if (!found) return std::optional<CaseworkerRecord>();
  return std::optional<CaseworkerRecord>(std::move(record));
}

Result<std::vector<std::string>> ReadIds(const projection::ReadView& view,
                                         projection::FamilyId family, const std::string& prefix) {
  std::vector<std::string> ids;
  TRAPPE_RETURN_IF_ERROR(view.Scan(family, prefix, [&](std::string_view key, std::string_view) {
    ids.emplace_back(key.substr(prefix.size()));
    return true;
  }));
  return ids;
}

Status ScanTeamCases(const projection::ReadView& view, std::string_view tenant,
                     std::string_view team_id, std::optional<CivilDate> open_on,
                     const std::function<bool(std::string_view case_id)>& wanted,
                     const std::function<void(CaseRecord&& record)>& fn) {
  return ScanDatedIndex(view, TeamCasesPrefix(tenant, team_id), open_on, wanted,
                        [&](std::string_view case_id, std::string_view value) -> Status {
                          // Handed on from the result itself: a record is large.
                          Result<CaseRecord> record = DecodeCaseRecord(case_id, value);
                          if (!record.ok()) return record.status();
                          fn(std::move(record.value()));
                          return Status::Ok();
                        });
}

namespace {

// The cases of a key-only dated index, each read from its record.
Status ScanKeyOnlyIndex(const projection::ReadView& view, std::string_view tenant,
                        const std::string& prefix, std::optional<CivilDate> open_on,
                        const std::function<bool(std::string_view case_id)>& wanted,
                        const std::function<void(CaseRecord&& record)>& fn) {
  std::vector<std::string> ids;
  TRAPPE_RETURN_IF_ERROR(ScanDatedIndex(view, prefix, open_on, wanted,
                                        [&](std::string_view case_id, std::string_view) {
                                          ids.emplace_back(case_id);
                                          return Status::Ok();
                                        }));
  for (const std::string& id : ids) {
    TRAPPE_ASSIGN_OR_RETURN(auto record, ReadCase(view, tenant, id));
    if (!record)
      return DataLoss("case " + id + " is indexed under " + prefix + " but has no record");
    fn(std::move(*record));
  }
  return Status::Ok();
}

}  // namespace

Status ScanCaseworkerCases(const projection::ReadView& view, std::string_view tenant,
                           std::string_view caseworker_id, std::optional<CivilDate> open_on,
                           const std::function<bool(std::string_view case_id)>& wanted,
                           const std::function<void(CaseRecord&& record)>& fn) {
  return ScanKeyOnlyIndex(view, tenant, CaseworkerCasesPrefix(tenant, caseworker_id), open_on,
                          wanted, fn);
}

Status ScanTeamForeignCases(const projection::ReadView& view, std::string_view tenant,
                            std::string_view team_id, std::optional<CivilDate> open_on,
                            const std::function<bool(std::string_view case_id)>& wanted,
                            const std::function<void(CaseRecord&& record)>& fn) {
  return ScanKeyOnlyIndex(view, tenant, TeamForeignCasesPrefix(tenant, team_id), open_on, wanted,
                          fn);
}

Result<bool> HoldsAnyCase(const projection::ReadView& view, std::string_view tenant,
                          std::string_view caseworker_id) {
  bool any = false;
  TRAPPE_RETURN_IF_ERROR(view.Scan(kCases, CaseworkerCasesPrefix(tenant, caseworker_id),
                                   [&](std::string_view, std::string_view) {
                                     any = true;
                                     return false;
                                   }));
  return any;
}

Result<std::optional<CaseRecord>> ReadCase(const projection::ReadView& view,
                                           std::string_view tenant, std::string_view case_id) {
  TRAPPE_ASSIGN_OR_RETURN(auto value, view.Get(kCases, CaseKey(tenant, case_id)));
  if (!value) return std::optional<CaseRecord>();
  TRAPPE_ASSIGN_OR_RETURN(CaseRecord record, DecodeCaseRecord(case_id, *value));
  return std::optional<CaseRecord>(std::move(record));
}

}  // namespace trappe::workload
