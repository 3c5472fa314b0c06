#include "trappe/rules/follow_up_rules.h"

#include <algorithm>

namespace trappe::rules {
namespace {

// The facts that exist for each kind of subject: a report is assessed, an investigation
// completed; an intervention is followed up, gets a plan and a co-worker.
EvidenceKindSet EvidenceFor(RuleTrigger trigger) {
  switch (trigger) {
    case RuleTrigger::kReportReceived: return {EvidenceKind::kReportAssessed};
    case RuleTrigger::kInvestigationStarted: return {EvidenceKind::kInvestigationCompleted};
    case RuleTrigger::kInterventionStarted:
      return AnyFollowUpKind() |
             EvidenceKindSet{EvidenceKind::kPlanApproved, EvidenceKind::kCoWorkerAssigned};
  }
  return {};
}

Status CheckDuration(const std::string& field, const CalendarDuration& d, bool allow_zero,
                     bool allow_hours) {
  if (d.count < 0 || (!allow_zero && d.count == 0)) {
    return InvalidArgument(field, allow_zero ? "must not be negative" : "must be positive");
  }
  if (!allow_hours && d.unit == DurationUnit::kHours) {
    return InvalidArgument(field, "hours apply only to a report of concern (an instant)");
  }
  return Status::Ok();
}

Status CheckRecurrence(const FollowUpRule& rule, const std::string& prefix, bool hours) {
  if (!rule.recurrence.empty() && rule.trigger != RuleTrigger::kInterventionStarted) {
    return InvalidArgument(prefix + ".recurrence", "only a rule on interventions can recur");
  }
  for (size_t i = 0; i < rule.recurrence.size(); ++i) {
    const RecurrencePhase& phase = rule.recurrence[i];
    const std::string field = prefix + ".recurrence[" + std::to_string(i) + "]";
    const bool last = i + 1 == rule.recurrence.size();
    if (last == phase.until_age.has_value()) {
      return InvalidArgument(field + ".until_age",
                             "every phase but the last ends at an age; the last has none");
    }
    TRAPPE_RETURN_IF_ERROR(CheckDuration(field + ".interval", phase.interval, false, hours));
    if (phase.until_age) {
      TRAPPE_RETURN_IF_ERROR(CheckDuration(field + ".until_age", *phase.until_age, false, hours));
    }
  }
  return Status::Ok();
}

Status CheckTracks(const FollowUpRule& rule, const std::string& prefix, bool hours) {
  if (rule.tracks.empty()) return InvalidArgument(prefix + ".tracks", "must not be empty");
  const EvidenceKindSet possible = EvidenceFor(rule.trigger);
  for (size_t i = 0; i < rule.tracks.size(); ++i) {
    const TrackSpec& spec = rule.tracks[i];
    const std::string field = prefix + ".tracks[" + std::to_string(i) + "]";
    if (spec.satisfied_by.empty()) {
      return InvalidArgument(field + ".satisfied_by", "must not be empty");
    }
    if ((spec.satisfied_by & possible) != spec.satisfied_by) {
      return InvalidArgument(field + ".satisfied_by",
                             "names a fact that never exists for the rule's trigger");
    }
    if (rule.trigger == RuleTrigger::kInterventionStarted &&
        (spec.applies_to & rule.applies_to).empty()) {
      return InvalidArgument(field + ".applies_to", "shares no intervention kind with the rule");
    }
    if (spec.role_until_age) {
      TRAPPE_RETURN_IF_ERROR(
          CheckDuration(field + ".role_until_age", *spec.role_until_age, false, hours));
    }
  }
  return Status::Ok();
}

}  // namespace

EvidenceKind EvidenceOf(FollowUpKind kind) { return static_cast<EvidenceKind>(kind); }

EvidenceKindSet AnyFollowUpKind() {
  return {EvidenceKind::kChildConversation, EvidenceKind::kFosterFamilyFollowUp,
          EvidenceKind::kInstitutionFollowUp, EvidenceKind::kSupervisionVisit,
          EvidenceKind::kPlanRevision};
}

Status ValidateRule(const FollowUpRule& rule) {
  if (rule.id.empty()) return InvalidArgument("rule.id", "must not be empty");
  const std::string prefix = "rules[" + rule.id + "]";
  if (rule.source.empty()) return InvalidArgument(prefix + ".source", "must not be empty");
  // Only a report's deadline is an instant; every other rule counts in civil dates.
  const bool hours = rule.trigger == RuleTrigger::kReportReceived;
  if (rule.trigger == RuleTrigger::kInterventionStarted && rule.applies_to.empty()) {
    return InvalidArgument(prefix + ".applies_to", "must not be empty");
  }
  if (!rule.first_due && rule.recurrence.empty()) {
    return InvalidArgument(prefix + ".first_due", "a rule without recurrence needs a first due");
  }
  if (rule.first_due) {
    TRAPPE_RETURN_IF_ERROR(CheckDuration(prefix + ".first_due", *rule.first_due, true, hours));
  }
  if (rule.first_due_without_consent) {
    if (rule.trigger != RuleTrigger::kInterventionStarted || !rule.first_due) {
      return InvalidArgument(prefix + ".first_due_without_consent",
                             "applies only beside a first due of a rule on interventions");
    }
    TRAPPE_RETURN_IF_ERROR(CheckDuration(prefix + ".first_due_without_consent",
                                         *rule.first_due_without_consent, true, false));
  }
  TRAPPE_RETURN_IF_ERROR(CheckRecurrence(rule, prefix, hours));
  return CheckTracks(rule, prefix, hours);
}

std::optional<CalendarDuration> RecurrenceInterval(const FollowUpRule& rule,
                                                   CivilDate subject_start, CivilDate on) {
  for (const RecurrencePhase& phase : rule.recurrence) {
    if (!phase.until_age || on < phase.until_age->After(subject_start)) return phase.interval;
  }
  return std::nullopt;
}

Status RuleSet::Enable(std::span<const FollowUpRule> rules, CivilDate from) {
  for (const FollowUpRule& rule : rules) TRAPPE_RETURN_IF_ERROR(ValidateRule(rule));
  for (const FollowUpRule& rule : rules) TRAPPE_RETURN_IF_ERROR(Put(rule, from));
  return Status::Ok();
}

Status RuleSet::Put(FollowUpRule rule, CivilDate from) {
  TRAPPE_RETURN_IF_ERROR(ValidateRule(rule));
  std::vector<Version>& versions = versions_[rule.id];
  const auto at = std::lower_bound(versions.begin(), versions.end(), from,
                                   [](const Version& v, CivilDate d) { return v.effective < d; });
  if (at != versions.end() && at->effective == from) {
    at->rule = std::move(rule);
  } else {
    versions.insert(at, Version{from, std::move(rule)});
  }
  return Status::Ok();
}

Status RuleSet::Retire(std::string_view rule_id, CivilDate from) {
  const auto it = versions_.find(rule_id);
  if (it == versions_.end()) {
    return NotFound("rule " + std::string(rule_id) + " is not in the rule set");
  }
  std::vector<Version>& versions = it->second;
  const auto at = std::lower_bound(versions.begin(), versions.end(), from,
                                   [](const Version& v, CivilDate d) { return v.effective < d; });
  if (at != versions.end() && at->effective == from) {
    at->rule.reset();
  } else {
    versions.insert(at, Version{from, std::nullopt});
  }
  return Status::Ok();
}

const FollowUpRule* RuleSet::InForce(std::string_view rule_id, CivilDate on) const {
  const auto it = versions_.find(rule_id);
  if (it == versions_.end()) return nullptr;
  const std::vector<Version>& versions = it->second;
  const auto after =
      std::upper_bound(versions.begin(), versions.end(), on,
                       [](CivilDate d, const Version& v) { return d < v.effective; });
  if (after == versions.begin()) return nullptr;
  const Version& version = *std::prev(after);
  return version.rule ? &*version.rule : nullptr;
}

std::vector<const FollowUpRule*> RuleSet::AllInForce(CivilDate on) const {
  std::vector<const FollowUpRule*> rules;
  for (const auto& [id, versions] : versions_) {
    if (const FollowUpRule* rule = InForce(id, on)) rules.push_back(rule);
  }
  return rules;
}

std::string_view ToString(EvidenceKind kind) {
  switch (kind) {
    case EvidenceKind::kChildConversation: return "CHILD_CONVERSATION";
    case EvidenceKind::kFosterFamilyFollowUp: return "FOSTER_FAMILY_FOLLOW_UP";
    case EvidenceKind::kInstitutionFollowUp: return "INSTITUTION_FOLLOW_UP";
    case EvidenceKind::kSupervisionVisit: return "SUPERVISION_VISIT";
    case EvidenceKind::kPlanRevision: return "PLAN_REVISION";
    case EvidenceKind::kReportAssessed: return "REPORT_ASSESSED";
    case EvidenceKind::kInvestigationCompleted: return "INVESTIGATION_COMPLETED";
    case EvidenceKind::kPlanApproved: return "PLAN_APPROVED";
    case EvidenceKind::kCoWorkerAssigned: return "CO_WORKER_ASSIGNED";
  }
  return "UNKNOWN";
}

std::string_view ToString(Track track) {
  switch (track) {
    case Track::kReportAssessment: return "REPORT_ASSESSMENT";
    case Track::kInvestigation: return "INVESTIGATION";
    case Track::kPlan: return "PLAN";
    case Track::kFollowUp: return "FOLLOW_UP";
    case Track::kChildConversation: return "CHILD_CONVERSATION";
    case Track::kFosterFamily: return "FOSTER_FAMILY";
    case Track::kInstitution: return "INSTITUTION";
    case Track::kSupervision: return "SUPERVISION";
    case Track::kCoWorker: return "CO_WORKER";
  }
  return "UNKNOWN";
}

std::string_view ToString(ResponsibleRole role) {
  switch (role) {
    case ResponsibleRole::kPrimaryCaseworker: return "PRIMARY_CASEWORKER";
    case ResponsibleRole::kCoWorker: return "CO_WORKER";
    case ResponsibleRole::kTeamLeader: return "TEAM_LEADER";
  }
  return "UNKNOWN";
}

}  // namespace trappe::rules
