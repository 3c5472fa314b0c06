#include "loads.h"

#include <algorithm>
#include <deque>
#include <set>
#include <span>
#include <tuple>

#include "trappe/common/string_view_set.h"
#include "trappe/service/convert.h"

namespace trappe::workload {
namespace {

const CivilDate kNeverOpened = CivilDate::FromYmd(9999, 12, 31).value();

// Collects the cases under index prefixes, each once.
class CaseCollector {
 public:
  CaseCollector(const projection::ReadView& view, LoadInputs& inputs)
      : view_(view), inputs_(inputs), seen_(1024) {}

  // The cases opened in a team (with `open_on`: those that can be open on that date).
  Status AddTeam(std::string_view tenant, std::string_view team_id,
                 std::optional<CivilDate> open_on) {
    return ScanTeamCases(view_, tenant, team_id, open_on, Unseen(), Keep());
  }
  // The cases that anyone who ever belonged to the team held from other teams.
  Status AddTeamForeign(std::string_view tenant, std::string_view team_id,
                        std::optional<CivilDate> open_on) {
    return ScanTeamForeignCases(view_, tenant, team_id, open_on, Unseen(), Keep());
  }
  // The cases a caseworker held (with `open_on`: those that can be open on that date).
  Status AddCaseworker(std::string_view tenant, std::string_view caseworker_id,
                       std::optional<CivilDate> open_on) {
    return ScanCaseworkerCases(view_, tenant, caseworker_id, open_on, Unseen(), Keep());
  }

  // Hands the cases to the inputs in the order they were first opened (then by id), so
  // the cases that can weigh on a date are a prefix (LoadInputs).
  void Finish() {
    const auto first = [](const CaseRecord& r) {
      return r.facts.open_periods.empty() ? kNeverOpened : r.facts.open_periods.front().opened_on;
    };
    // Sorted by reference: a record is large, an index is not.
    std::vector<std::pair<CivilDate, CaseRecord*>> order;
    order.reserve(records_.size());
    for (CaseRecord& r : records_) order.emplace_back(first(r), &r);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first
                                : a.second->facts.case_id < b.second->facts.case_id;
    });
    inputs_.case_facts.reserve(records_.size());
    inputs_.case_teams.reserve(records_.size());
    inputs_.first_opened.reserve(records_.size());
    for (auto& [opened, r] : order) {
      inputs_.first_opened.push_back(opened);
      inputs_.case_facts.push_back(std::move(r->facts));
      inputs_.case_teams.push_back(std::move(r->team_id));
    }
    seen_.clear();
    records_.clear();
  }

 private:
  std::function<bool(std::string_view)> Unseen() {
    return [this](std::string_view id) { return !seen_.contains(id); };
  }
  std::function<void(CaseRecord&&)> Keep() {
    return [this](CaseRecord&& record) {
      records_.push_back(std::move(record));
      seen_.insert(records_.back().facts.case_id);
    };
  }

  const projection::ReadView& view_;
  LoadInputs& inputs_;
  // The ids point into the records kept (a deque does not move them as it grows). A team
  // query asks about every case of every member (about 900 times for 30 caseworkers with
  // 600 cases): an open-addressing set, not a node-based one.
  StringViewSet seen_;
  std::deque<CaseRecord> records_;
};

// Adds a caseworker's record to the inputs; nullptr when they are not registered (valid
// until the next record is added).
Result<const CaseworkerRecord*> AddCaseworkerRecord(const projection::ReadView& view,
                                                    std::string_view tenant, const std::string& id,
                                                    LoadInputs& inputs) {
  TRAPPE_ASSIGN_OR_RETURN(auto record, ReadCaseworker(view, tenant, id));
  if (!record) return nullptr;
  inputs.caseworkers.push_back(std::move(*record));
  return &inputs.caseworkers.back();
}

v1::WeightModifierKind ModifierKind(rules::PointsReasonKind kind) {
  switch (kind) {
    case rules::PointsReasonKind::kPlacementFirstPeriod:
      return v1::WEIGHT_MODIFIER_KIND_EARLY_PLACEMENT;
    case rules::PointsReasonKind::kPlacementWithoutConsent:
      return v1::WEIGHT_MODIFIER_KIND_PLACEMENT_WITHOUT_CONSENT;
    case rules::PointsReasonKind::kInvestigationRunning:
      return v1::WEIGHT_MODIFIER_KIND_INVESTIGATION_RUNNING;
    case rules::PointsReasonKind::kGrade: break;
  }
  return v1::WEIGHT_MODIFIER_KIND_UNSPECIFIED;
}

int32_t WholePoints(rules::Points p) { return static_cast<int32_t>(p.hundredths() / 100); }

const CaseworkerRecord* FindRecord(const LoadInputs& inputs, std::string_view id) {
  for (const auto& r : inputs.caseworkers) {
    if (r.facts.id == id) return &r;
  }
  return nullptr;
}

}  // namespace

Result<LoadInputs> ReadLoadInputs(const projection::ReadView& view, std::string_view tenant,
                                  Scope scope, const std::string& id,
                                  std::optional<CivilDate> open_on) {
  LoadInputs inputs;
  TRAPPE_ASSIGN_OR_RETURN(inputs.tables, ReadWeightTables(view, tenant));
  CaseCollector cases(view, inputs);
  switch (scope) {
    case Scope::kCaseworker:
      TRAPPE_RETURN_IF_ERROR(AddCaseworkerRecord(view, tenant, id, inputs).status());
      TRAPPE_RETURN_IF_ERROR(cases.AddCaseworker(tenant, id, open_on));
      break;
    case Scope::kTeam: {
      // The team's own cases and those its members (anyone who ever belonged to it) held
      // from other teams: two indexes, not one per member (projection.h).
      TRAPPE_RETURN_IF_ERROR(cases.AddTeam(tenant, id, open_on));
      TRAPPE_RETURN_IF_ERROR(cases.AddTeamForeign(tenant, id, open_on));
      TRAPPE_ASSIGN_OR_RETURN(auto members, ReadIds(view, kOrg, TeamMembersPrefix(tenant, id)));
      for (const std::string& member : members) {
        TRAPPE_RETURN_IF_ERROR(AddCaseworkerRecord(view, tenant, member, inputs).status());
      }
      break;
    }
    case Scope::kMunicipality: {
      // Through the dated indexes, not every case record: with `open_on` this reads the
      // cases that can be open on the date, never the municipality's closed history. The
      // teams' indexes hold the records, so most cases are read in a scan; their foreign
      // indexes add what members hold from elsewhere, which includes the few cases opened
      // in no team the municipality created (a caseworker registers into a team).
      TRAPPE_ASSIGN_OR_RETURN(auto teams, ReadIds(view, kOrg, TeamsPrefix(tenant)));
      for (const std::string& team : teams) {
        TRAPPE_RETURN_IF_ERROR(cases.AddTeam(tenant, team, open_on));
        TRAPPE_RETURN_IF_ERROR(cases.AddTeamForeign(tenant, team, open_on));
      }
      const std::set<std::string_view> created(teams.begin(), teams.end());
      TRAPPE_ASSIGN_OR_RETURN(auto all, ReadIds(view, kOrg, CaseworkersPrefix(tenant)));
      for (const std::string& cw : all) {
        TRAPPE_ASSIGN_OR_RETURN(const CaseworkerRecord* record,
                                AddCaseworkerRecord(view, tenant, cw, inputs));
        // A caseworker in a team that was never created (not possible through the API)
        // has no foreign index to be found in: their own index is read instead.
        const bool covered = record != nullptr && created.contains(record->facts.team_id) &&
                             std::all_of(record->teams.begin(), record->teams.end(),
                                         [&](const auto& t) { return created.contains(t.second); });
        if (!covered) TRAPPE_RETURN_IF_ERROR(cases.AddCaseworker(tenant, cw, open_on));
      }
      break;
    }
  }
  cases.Finish();
  return inputs;
}

Result<rules::Workload> ComputeWorkload(const LoadInputs& inputs, CivilDate date) {
  std::vector<rules::CaseworkerFacts> caseworkers;
  caseworkers.reserve(inputs.caseworkers.size());
  for (const auto& r : inputs.caseworkers) caseworkers.push_back(r.FactsOn(date));
  // Only cases opened by the date can weigh on it (the rules order their answer themselves).
  const size_t opened = static_cast<size_t>(
      std::upper_bound(inputs.first_opened.begin(), inputs.first_opened.end(), date) -
      inputs.first_opened.begin());
  return rules::WorkloadOn(TableOn(inputs.tables, date).table, caseworkers,
                           std::span<const rules::CaseWeightFacts>(inputs.case_facts).first(opened),
                           date);
}

v1::CaseworkerLoad ToProtoLoad(const rules::Workload& workload, const rules::CaseworkerLoad& load,
                               const LoadInputs& inputs, const rules::WeightTable& table,
                               bool with_cases) {
  v1::CaseworkerLoad out;
  out.set_caseworker_id(load.caseworker_id);
  if (const CaseworkerRecord* r = FindRecord(inputs, load.caseworker_id)) {
    out.set_display_name(r->display_name);
  }
  out.set_team_id(load.team_id);
  out.set_fte_milli(static_cast<int32_t>(load.fte_percent * 10));
  *out.mutable_as_of() = service::ToProtoDate(workload.date);
  out.set_active(load.employed);
  out.set_load_millipoints(ToMillipoints(load.points));
  out.set_case_count(static_cast<int32_t>(load.primary_cases));
  out.set_co_worker_case_count(static_cast<int32_t>(load.co_worker_cases));
  out.set_target_millipoints(ToMillipoints(load.target));
  out.set_headroom_millipoints(ToMillipoints(load.headroom));
  out.set_case_count_warning(load.count_warning);
  if (!with_cases) return out;
  std::vector<const rules::CaseShare*> shares;
  for (const auto& s : load.cases) shares.push_back(&s);
  std::stable_sort(shares.begin(), shares.end(),
                   [](const auto* a, const auto* b) { return a->share > b->share; });
  for (const rules::CaseShare* s : shares) {
    v1::CaseContribution* c = out.add_cases();
    c->set_case_id(s->case_id);
    const bool primary = s->role == rules::CaseRole::kPrimary;
    c->set_role(primary ? cases::v1::CASEWORKER_ROLE_PRIMARY
                        : cases::v1::CASEWORKER_ROLE_CO_WORKER);
    c->set_share_bp(static_cast<int32_t>(
        (primary ? table.primary_share_percent : table.co_worker_share_percent) * 100));
    c->set_case_points(WholePoints(s->case_points));
    c->set_contribution_millipoints(ToMillipoints(s->share));
    if (s->case_index < workload.cases.size()) {
      const rules::CaseWeight* w = &workload.cases[s->case_index];
      c->set_grade(GradeToProto(w->counted_as));
      c->set_grade_assessed(w->grade != rules::CaseGrade::kUnassessed);
      for (const auto& reason : w->reasons) {
        if (reason.kind == rules::PointsReasonKind::kGrade) {
          c->set_grade_points(WholePoints(reason.points));
          continue;
        }
        v1::AppliedModifier* m = c->add_modifiers();
        m->set_kind(ModifierKind(reason.kind));
        m->set_points(WholePoints(reason.points));
        m->set_reason(reason.detail);  // the condition; the points have their own field
      }
    }
  }
  return out;
}

v1::TeamLoad ToProtoTeamLoad(const rules::Workload& workload, const LoadInputs& inputs,
                             const rules::WeightTable& table, const v1::TeamCreated& team,
                             bool with_cases) {
  v1::TeamLoad out;
  out.set_team_id(team.team_id());
  out.set_name(team.name());
  *out.mutable_as_of() = service::ToProtoDate(workload.date);
  std::vector<v1::CaseworkerLoad> members;
  int64_t load = 0, target = 0, fte = 0;
  for (const auto& cw : workload.caseworkers) {
    if (!cw.registered || cw.team_id != team.team_id()) continue;
    members.push_back(ToProtoLoad(workload, cw, inputs, table, with_cases));
    load += members.back().load_millipoints();
    target += members.back().target_millipoints();
    if (cw.employed) fte += cw.fte_percent * 10;
  }
  std::stable_sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
    if (a.headroom_millipoints() != b.headroom_millipoints()) {
      return a.headroom_millipoints() > b.headroom_millipoints();
    }
    return a.caseworker_id() < b.caseworker_id();
  });
  for (auto& m : members) *out.add_caseworkers() = std::move(m);
  out.set_load_millipoints(load);
  out.set_target_millipoints(target);
  out.set_headroom_millipoints(target - load);
  out.set_fte_milli(static_cast<int32_t>(fte));
  int32_t with_primary = 0, without_primary = 0;
  for (size_t i = 0; i < inputs.case_facts.size(); ++i) {
    const rules::CaseWeightFacts& c = inputs.case_facts[i];
    if (inputs.case_teams[i] != team.team_id() || !rules::IsOpenOn(c, workload.date)) continue;
    const bool has_primary =
        std::any_of(c.assignments.begin(), c.assignments.end(), [&](const auto& a) {
          return a.role == rules::CaseRole::kPrimary && rules::IsActiveOn(a, workload.date);
        });
    ++(has_primary ? with_primary : without_primary);
  }
  out.set_case_count(with_primary);
  out.set_unassigned_case_count(without_primary);
  return out;
}

rules::CaseWeight NewCaseWeight(const rules::WeightTable& table, rules::CaseGrade grade,
                                CivilDate date) {
  rules::CaseWeightFacts facts;
  facts.case_id = "(new case)";
  facts.open_periods.push_back({.opened_on = date});
  if (grade != rules::CaseGrade::kUnassessed)
    facts.grades.push_back({.effective = date, .grade = grade});
  return rules::CasePoints(table, facts, date);
}

}  // namespace trappe::workload
