#include "src/timeline.h"

#include <algorithm>

#include "trappe/rules_proto/follow_up_rules.h"
#include "trappe/rules_proto/interventions.h"
#include "trappe/service/convert.h"

namespace trappe::scheduling {
namespace {

using events::v1::EventEnvelope;

CivilDate DateOf(const common::v1::Date& d, CivilDate fallback) {
  auto date = service::ToCivilDateOr(d, "date", fallback);
  return date.ok() ? *date : fallback;
}

void Touch(CaseFacts& facts, CivilDate date) {
  if (!facts.latest || *facts.latest < date) facts.latest = date;
}

rules::ConsentBasis ConsentOf(placements::v1::ConsentBasis basis, bool placement) {
  switch (basis) {
    case placements::v1::CONSENT_BASIS_WITH_CONSENT: return rules::ConsentBasis::kWithConsent;
    case placements::v1::CONSENT_BASIS_WITHOUT_CONSENT: return rules::ConsentBasis::kWithoutConsent;
    default:
      return placement ? rules::ConsentBasis::kWithConsent : rules::ConsentBasis::kNotApplicable;
  }
}

rules::Intervention* FindIntervention(CaseFacts& facts, const std::string& id) {
  for (auto& i : facts.timeline.interventions) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

bool HasSubject(const CaseFacts& facts, const std::string& id) {
  for (const auto& r : facts.timeline.reports) {
    if (r.id == id) return true;
  }
  for (const auto& i : facts.timeline.investigations) {
    if (i.id == id) return true;
  }
  for (const auto& i : facts.timeline.interventions) {
    if (i.id == id) return true;
  }
  return false;
}

void AddOverride(const EventEnvelope& e, CivilDate effective, CaseFacts& facts) {
  const scheduling::v1::ScheduleOverridden& o = e.schedule_overridden();
  auto track = rules_proto::ParseTrackName(o.track());
  if (!track) return;
  rules::ScheduleOverride base;
  base.effective = effective;
  base.rule_id = o.rule_id();
  base.track = *track;
  base.justification = o.justification();
  if (o.has_new_due_date()) {
    auto due = service::ToCivilDate(o.new_due_date(), "new_due_date");
    if (!due.ok()) return;
    base.due = *due;
  } else if (o.has_new_interval()) {
    const auto& p = o.new_interval();
    if (p.months() > 0) {
      base.interval = rules::Months(p.months());
    } else if (p.weeks() > 0) {
      base.interval = rules::Weeks(p.weeks());
    } else if (p.days() > 0) {
      base.interval = rules::Days(p.days());
    } else {
      return;
    }
  } else {
    return;
  }
  std::vector<std::string> subjects;
  if (!o.trigger_id().empty()) {
    if (!HasSubject(facts, o.trigger_id())) return;
    subjects.push_back(o.trigger_id());
  } else {
    // Every trigger of the rule: an override of a subject the rule does not keep does
    // nothing.
    for (const auto& r : facts.timeline.reports) subjects.push_back(r.id);
    for (const auto& i : facts.timeline.investigations) subjects.push_back(i.id);
    for (const auto& i : facts.timeline.interventions) subjects.push_back(i.id);
  }
  for (const std::string& subject : subjects) {
    rules::ScheduleOverride one = base;
    one.id = e.event_id() + "/" + subject;
    one.subject_id = subject;
    facts.timeline.overrides.push_back(std::move(one));
  }
}

}  // namespace

CivilDate EndOfTime() { return CivilDate::FromYmd(9000, 1, 1).value(); }

bool IsCaseFact(const EventEnvelope& e) {
  switch (e.payload_case()) {
    case EventEnvelope::kCaseOpened:
    case EventEnvelope::kReportOfConcernReceived:
    case EventEnvelope::kReportOfConcernAssessed:
    case EventEnvelope::kInvestigationStarted:
    case EventEnvelope::kInvestigationCompleted:
    case EventEnvelope::kCaseworkerAssigned:
    case EventEnvelope::kCaseworkerUnassigned:
    case EventEnvelope::kCaseClosed:
    case EventEnvelope::kCaseReopened:
    case EventEnvelope::kInterventionStarted:
    case EventEnvelope::kInterventionChanged:
    case EventEnvelope::kInterventionEnded:
    case EventEnvelope::kChildPlanApproved:
    case EventEnvelope::kFollowUpRecorded:
    case EventEnvelope::kScheduleOverridden: return true;
    default: return false;
  }
}

void AddFact(const EventEnvelope& e, CaseFacts& facts) {
  rules::CaseTimeline& t = facts.timeline;
  const CivilDate effective = DateOf(e.effective_date(), CivilDate());
  switch (e.payload_case()) {
    case EventEnvelope::kCaseOpened:
      facts.opened = true;
      facts.opened_team_id = e.case_opened().team_id();
      Touch(facts, DateOf(e.case_opened().opened_on(), effective));
      return;
    case EventEnvelope::kReportOfConcernReceived: {
      const auto& r = e.report_of_concern_received();
      if (r.report_id().empty() || HasSubject(facts, r.report_id())) return;
      rules::ReportOfConcern report;
      report.id = r.report_id();
      report.received_at = service::FromProtoTimestamp(r.received_at());
      Touch(facts, CopenhagenDate(report.received_at));
      t.reports.push_back(std::move(report));
      return;
    }
    case EventEnvelope::kReportOfConcernAssessed: {
      const auto& a = e.report_of_concern_assessed();
      for (auto& r : t.reports) {
        if (r.id != a.report_id() || r.assessed_at) continue;
        Timestamp at = service::FromProtoTimestamp(a.assessed_at());
        if (at < r.received_at) return;
        r.assessed_at = at;
        Touch(facts, CopenhagenDate(at));
      }
      return;
    }
    case EventEnvelope::kInvestigationStarted: {
      const auto& s = e.investigation_started();
      if (s.investigation_id().empty() || HasSubject(facts, s.investigation_id())) return;
      rules::Investigation inv;
      inv.id = s.investigation_id();
      inv.started_on = DateOf(s.started_on(), effective);
      Touch(facts, inv.started_on);
      t.investigations.push_back(std::move(inv));
      return;
    }
    case EventEnvelope::kInvestigationCompleted: {
      const auto& c = e.investigation_completed();
      for (auto& inv : t.investigations) {
        if (inv.id != c.investigation_id() || inv.completed_on) continue;
        CivilDate on = DateOf(c.completed_on(), effective);
        if (on < inv.started_on) return;
        inv.completed_on = on;
        Touch(facts, on);
      }
      return;
    }
    case EventEnvelope::kCaseworkerAssigned: {
      const auto& a = e.caseworker_assigned();
      if (a.caseworker_id().empty()) return;
      RoleHolding holding;
      holding.caseworker_id = a.caseworker_id();
      holding.role = a.role() == cases::v1::CASEWORKER_ROLE_CO_WORKER
                         ? cases::v1::CASEWORKER_ROLE_CO_WORKER
                         : cases::v1::CASEWORKER_ROLE_PRIMARY;
      holding.purpose = a.purpose();
      holding.from = effective;
      facts.roles.push_back(holding);
      rules::CaseAssignment assignment;
      assignment.caseworker_id = a.caseworker_id();
      assignment.role = holding.role == cases::v1::CASEWORKER_ROLE_CO_WORKER
                            ? rules::CaseRole::kCoWorker
                            : rules::CaseRole::kPrimary;
      assignment.assigned_on = effective;
      t.assignments.push_back(std::move(assignment));
      Touch(facts, effective);
      return;
    }
    case EventEnvelope::kCaseworkerUnassigned: {
      const auto& u = e.caseworker_unassigned();
      const auto role = u.role() == cases::v1::CASEWORKER_ROLE_CO_WORKER
                            ? cases::v1::CASEWORKER_ROLE_CO_WORKER
                            : cases::v1::CASEWORKER_ROLE_PRIMARY;
      for (size_t i = facts.roles.size(); i-- > 0;) {
        RoleHolding& h = facts.roles[i];
        if (h.caseworker_id != u.caseworker_id() || h.role != role || h.until) continue;
        const CivilDate until = std::max(effective, h.from);
        h.until = until;
        t.assignments[i].unassigned_on = until;
        Touch(facts, until);
        break;
      }
      return;
    }
    case EventEnvelope::kCaseClosed:
      facts.closures.emplace_back(DateOf(e.case_closed().closed_on(), effective), std::nullopt);
      Touch(facts, facts.closures.back().first);
      return;
    case EventEnvelope::kCaseReopened:
      if (!facts.closures.empty() && !facts.closures.back().second) {
        facts.closures.back().second = std::max(facts.closures.back().first,
                                                DateOf(e.case_reopened().reopened_on(), effective));
        Touch(facts, *facts.closures.back().second);
      }
      return;
    case EventEnvelope::kInterventionStarted: {
      const auto& s = e.intervention_started();
      if (s.intervention_id().empty() || HasSubject(facts, s.intervention_id())) return;
      rules::Intervention i;
      i.id = s.intervention_id();
      i.kind = rules_proto::StoredInterventionKind(s.kind());
      i.consent = ConsentOf(s.consent_basis(), rules::IsPlacement(i.kind));
      i.step = s.step_number();
      i.monthly_cost_ore = s.monthly_cost_oere();
      i.started_on = DateOf(s.start_date(), effective);
      Touch(facts, i.started_on);
      t.interventions.push_back(std::move(i));
      return;
    }
    case EventEnvelope::kInterventionChanged: {
      const auto& c = e.intervention_changed();
      rules::Intervention* i = FindIntervention(facts, c.intervention_id());
      if (i == nullptr) return;
      rules::InterventionChange change;
      change.effective = std::max(i->started_on, DateOf(c.effective_date(), effective));
      if (c.has_step_number()) change.step = c.step_number();
      if (c.has_monthly_cost_oere()) change.monthly_cost_ore = c.monthly_cost_oere();
      if (c.consent_basis() != placements::v1::CONSENT_BASIS_UNSPECIFIED) {
        change.consent = ConsentOf(c.consent_basis(), rules::IsPlacement(i->kind));
      }
      i->changes.push_back(change);
      Touch(facts, change.effective);
      return;
    }
    case EventEnvelope::kInterventionEnded: {
      const auto& x = e.intervention_ended();
      rules::Intervention* i = FindIntervention(facts, x.intervention_id());
      if (i == nullptr || i->ended_on) return;
      // end_date is the last day of the intervention; the rules take the first day it is
      // no longer active.
      i->ended_on = std::max(i->started_on, DateOf(x.end_date(), effective)).AddDays(1);
      Touch(facts, *i->ended_on);
      return;
    }
    case EventEnvelope::kChildPlanApproved: {
      const auto& p = e.child_plan_approved();
      const CivilDate on = DateOf(p.approved_on(), effective);
      Touch(facts, on);
      if (p.intervention_ids().empty()) {
        t.plan_approvals.push_back({e.event_id(), on, ""});
        return;
      }
      for (const std::string& id : p.intervention_ids()) {
        if (FindIntervention(facts, id) == nullptr) continue;
        t.plan_approvals.push_back({e.event_id() + "/" + id, on, id});
      }
      return;
    }
    case EventEnvelope::kFollowUpRecorded: {
      const auto& f = e.follow_up_recorded();
      if (f.kind() < scheduling::v1::FOLLOW_UP_KIND_CHILD_CONVERSATION ||
          f.kind() > scheduling::v1::FOLLOW_UP_KIND_PLAN_REVISION) {
        return;
      }
      for (const auto& existing : t.follow_ups) {
        if (existing.id == f.follow_up_id()) return;
      }
      rules::FollowUp follow_up;
      follow_up.id = f.follow_up_id().empty() ? e.event_id() : f.follow_up_id();
      follow_up.kind = static_cast<rules::FollowUpKind>(f.kind() - 1);
      follow_up.date = DateOf(f.held_on(), effective);
      follow_up.caseworker_id = f.caseworker_id();
      if (FindIntervention(facts, f.intervention_id()) != nullptr) {
        follow_up.intervention_id = f.intervention_id();
      }
      Touch(facts, follow_up.date);
      t.follow_ups.push_back(std::move(follow_up));
      return;
    }
    case EventEnvelope::kScheduleOverridden:
      AddOverride(e, effective, facts);
      Touch(facts, effective);
      return;
    default: return;
  }
}

bool IsClosedOn(const CaseFacts& facts, CivilDate date) {
  for (const auto& [closed, reopened] : facts.closures) {
    if (closed <= date && (!reopened || date < *reopened)) return true;
  }
  return false;
}

std::string PrimaryOn(const CaseFacts& facts, CivilDate date) {
  std::string found;
  for (const RoleHolding& h : facts.roles) {
    if (h.role == cases::v1::CASEWORKER_ROLE_PRIMARY && h.from <= date &&
        (!h.until || date < *h.until)) {
      found = h.caseworker_id;  // the latest assignment wins
    }
  }
  return found;
}

std::string Holder(const CaseFacts& facts, rules::ResponsibleRole role, rules::Track track,
                   CivilDate date) {
  if (role == rules::ResponsibleRole::kTeamLeader) return "";
  if (role == rules::ResponsibleRole::kCoWorker) {
    const auto wanted = track == rules::Track::kFosterFamily
                            ? cases::v1::CO_WORKER_PURPOSE_FOSTER_FAMILY
                        : track == rules::Track::kChildConversation
                            ? cases::v1::CO_WORKER_PURPOSE_CHILD_CONVERSATIONS
                            : cases::v1::CO_WORKER_PURPOSE_UNSPECIFIED;
    std::string any;
    std::string exact;
    for (const RoleHolding& h : facts.roles) {
      if (h.role != cases::v1::CASEWORKER_ROLE_CO_WORKER || h.from > date ||
          (h.until && date >= *h.until)) {
        continue;
      }
      any = h.caseworker_id;
      if (h.purpose == wanted) exact = h.caseworker_id;
    }
    if (!exact.empty()) return exact;
    if (!any.empty()) return any;
  }
  return PrimaryOn(facts, date);
}

}  // namespace trappe::scheduling
