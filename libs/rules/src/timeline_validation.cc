// Validation of a case's facts before deadlines are derived from them.
#include <set>
#include <string>

#include "trappe/rules/deadlines.h"

namespace trappe::rules {
namespace {

std::string Field(const char* list, size_t index, const char* member) {
  return std::string(list) + "[" + std::to_string(index) + "]." + member;
}

// Ids must be present and unique across every kind of subject, since overrides name a
// subject by id alone.
Status CheckId(std::set<std::string, std::less<>>& seen, const std::string& id,
               const std::string& field) {
  if (id.empty()) return InvalidArgument(field, "must not be empty");
  if (!seen.insert(id).second) return InvalidArgument(field, "'" + id + "' is used twice");
  return Status::Ok();
}

Status CheckSubjects(const CaseTimeline& t, std::set<std::string, std::less<>>& subjects) {
  for (size_t i = 0; i < t.reports.size(); ++i) {
    const ReportOfConcern& r = t.reports[i];
    TRAPPE_RETURN_IF_ERROR(CheckId(subjects, r.id, Field("reports", i, "id")));
    if (r.assessed_at && *r.assessed_at < r.received_at) {
      return InvalidArgument(Field("reports", i, "assessed_at"), "must not precede received_at");
    }
  }
  for (size_t i = 0; i < t.investigations.size(); ++i) {
    const Investigation& inv = t.investigations[i];
    TRAPPE_RETURN_IF_ERROR(CheckId(subjects, inv.id, Field("investigations", i, "id")));
    if (inv.completed_on && *inv.completed_on < inv.started_on) {
      return InvalidArgument(Field("investigations", i, "completed_on"),
                             "must not precede started_on");
    }
  }
  for (size_t i = 0; i < t.interventions.size(); ++i) {
    const Intervention& iv = t.interventions[i];
    TRAPPE_RETURN_IF_ERROR(CheckId(subjects, iv.id, Field("interventions", i, "id")));
    if (iv.ended_on && *iv.ended_on < iv.started_on) {
      return InvalidArgument(Field("interventions", i, "ended_on"), "must not precede started_on");
    }
  }
  return Status::Ok();
}

Status CheckNamedIntervention(const CaseTimeline& t, const std::string& id,
                              const std::string& field) {
  if (id.empty()) return Status::Ok();
  for (const Intervention& iv : t.interventions) {
    if (iv.id == id) return Status::Ok();
  }
  return InvalidArgument(field, "names no intervention of the case: '" + id + "'");
}

Status CheckEvidence(const CaseTimeline& t) {
  std::set<std::string, std::less<>> ids;
  for (size_t i = 0; i < t.follow_ups.size(); ++i) {
    TRAPPE_RETURN_IF_ERROR(CheckId(ids, t.follow_ups[i].id, Field("follow_ups", i, "id")));
    TRAPPE_RETURN_IF_ERROR(CheckNamedIntervention(t, t.follow_ups[i].intervention_id,
                                                  Field("follow_ups", i, "intervention_id")));
  }
  ids.clear();
  for (size_t i = 0; i < t.plan_approvals.size(); ++i) {
    TRAPPE_RETURN_IF_ERROR(CheckId(ids, t.plan_approvals[i].id, Field("plan_approvals", i, "id")));
    TRAPPE_RETURN_IF_ERROR(CheckNamedIntervention(t, t.plan_approvals[i].intervention_id,
                                                  Field("plan_approvals", i, "intervention_id")));
  }
  for (size_t i = 0; i < t.assignments.size(); ++i) {
    const CaseAssignment& a = t.assignments[i];
    if (a.caseworker_id.empty()) {
      return InvalidArgument(Field("assignments", i, "caseworker_id"), "must not be empty");
    }
    if (a.unassigned_on && *a.unassigned_on < a.assigned_on) {
      return InvalidArgument(Field("assignments", i, "unassigned_on"),
                             "must not precede assigned_on");
    }
  }
  return Status::Ok();
}

Status CheckOverrides(const CaseTimeline& t, const std::set<std::string, std::less<>>& subjects) {
  std::set<std::string, std::less<>> ids;
  for (size_t i = 0; i < t.overrides.size(); ++i) {
    const ScheduleOverride& o = t.overrides[i];
    TRAPPE_RETURN_IF_ERROR(CheckId(ids, o.id, Field("overrides", i, "id")));
    if (o.rule_id.empty()) {
      return InvalidArgument(Field("overrides", i, "rule_id"), "must not be empty");
    }
    if (!subjects.contains(o.subject_id)) {
      return InvalidArgument(Field("overrides", i, "subject_id"),
                             "names no subject of the case: '" + o.subject_id + "'");
    }
    if (o.justification.empty()) {
      return InvalidArgument(Field("overrides", i, "justification"),
                             "a schedule override must be justified (par. 95)");
    }
    if (!o.due && !o.interval) {
      return InvalidArgument(Field("overrides", i, "due"), "set a due date, an interval or both");
    }
    if (o.due && *o.due < o.effective) {
      return InvalidArgument(Field("overrides", i, "due"), "must not precede the effective date");
    }
    if (o.interval && (o.interval->count <= 0 || o.interval->unit == DurationUnit::kHours)) {
      return InvalidArgument(Field("overrides", i, "interval"),
                             "must be a positive number of days, weeks or months");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateTimeline(const CaseTimeline& timeline) {
  std::set<std::string, std::less<>> subjects;
  TRAPPE_RETURN_IF_ERROR(CheckSubjects(timeline, subjects));
  TRAPPE_RETURN_IF_ERROR(CheckEvidence(timeline));
  return CheckOverrides(timeline, subjects);
}

}  // namespace trappe::rules
