#include "presets.h"

#include <set>

#include "trappe/rules/follow_up_rules.h"
#include "trappe/rules/staircase.h"
#include "trappe/rules/weights.h"
#include "trappe/service/convert.h"
#include "weight_table.h"

namespace trappe::workload {
namespace {

namespace pv1 = placements::v1;
namespace sv1 = scheduling::v1;

// --- staircase

pv1::StepCategory CategoryOf(int number) {
  switch (number) {
    case 1: return pv1::STEP_CATEGORY_EARLY_UNIVERSAL;
    case 2: return pv1::STEP_CATEGORY_PREVENTIVE;
    case 3: return pv1::STEP_CATEGORY_HOME_BASED;
    case 4: return pv1::STEP_CATEGORY_NETWORK_PLACEMENT;
    case 5: return pv1::STEP_CATEGORY_FOSTER_PLACEMENT;
    case 6: return pv1::STEP_CATEGORY_INSTITUTION_PLACEMENT;
    default: return pv1::STEP_CATEGORY_UNSPECIFIED;
  }
}

pv1::Staircase StaircaseToProto(const rules::Staircase& staircase) {
  pv1::Staircase out;
  for (const rules::StaircaseStep& s : staircase.steps) {
    pv1::StaircaseStep* step = out.add_steps();
    step->set_number(s.number);
    // The contract names steps as the municipality does, in Danish.
    step->set_name(s.danish_name.empty() ? s.name : s.danish_name);
    step->set_prevention(s.prevention);
    step->set_category(CategoryOf(s.number));
  }
  return out;
}

// --- follow-up rules

common::v1::CalendarPeriod PeriodOf(rules::CalendarDuration d) {
  common::v1::CalendarPeriod p;
  const auto n = static_cast<int32_t>(d.count);
  switch (d.unit) {
    case rules::DurationUnit::kHours: p.set_hours(n); break;
    case rules::DurationUnit::kDays: p.set_days(n); break;
    case rules::DurationUnit::kWeeks: p.set_weeks(n); break;
    case rules::DurationUnit::kMonths: p.set_months(n); break;
  }
  return p;
}

std::vector<pv1::PlacementType> PlacementTypesOf(rules::InterventionKind kind) {
  using K = rules::InterventionKind;
  switch (kind) {
    case K::kNetworkFosterFamily: return {pv1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY};
    case K::kGeneralFosterFamily: return {pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY};
    case K::kReinforcedFosterFamily: return {pv1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY};
    case K::kSpecialisedFosterFamily: return {pv1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY};
    case K::kOwnRoomOrDormitory: return {pv1::PLACEMENT_TYPE_OWN_ROOM};
    case K::kChildrensHome:
      return {pv1::PLACEMENT_TYPE_CHILDRENS_HOME, pv1::PLACEMENT_TYPE_OPHOLDSSTED};
    case K::kBoardingSchool: return {pv1::PLACEMENT_TYPE_BOARDING_SCHOOL};
    case K::kSupportingIntervention: break;
  }
  return {};
}

constexpr rules::InterventionKind kAllKinds[] = {rules::InterventionKind::kSupportingIntervention,
                                                 rules::InterventionKind::kNetworkFosterFamily,
                                                 rules::InterventionKind::kGeneralFosterFamily,
                                                 rules::InterventionKind::kReinforcedFosterFamily,
                                                 rules::InterventionKind::kSpecialisedFosterFamily,
                                                 rules::InterventionKind::kOwnRoomOrDormitory,
                                                 rules::InterventionKind::kChildrensHome,
                                                 rules::InterventionKind::kBoardingSchool};

std::string_view TrackName(rules::Track track) {
  switch (track) {
    case rules::Track::kReportAssessment: return "REPORT_ASSESSMENT";
    case rules::Track::kInvestigation: return "INVESTIGATION";
    case rules::Track::kPlan: return "PLAN";
    case rules::Track::kFollowUp: return "FOLLOW_UP";
    case rules::Track::kChildConversation: return "CHILD_CONVERSATION";
    case rules::Track::kFosterFamily: return "FOSTER_FAMILY";
    case rules::Track::kInstitution: return "INSTITUTION";
    case rules::Track::kSupervision: return "SUPERVISION";
    case rules::Track::kCoWorker: return "CO_WORKER";
  }
  return "FOLLOW_UP";
}

void SetTrigger(const rules::FollowUpRule& rule, rules::InterventionKindSet kinds,
                sv1::FollowUpRule& out) {
  switch (rule.trigger) {
    case rules::RuleTrigger::kReportReceived:
      out.set_trigger(sv1::RULE_TRIGGER_REPORT_OF_CONCERN_RECEIVED);
      return;
    case rules::RuleTrigger::kInvestigationStarted:
      out.set_trigger(sv1::RULE_TRIGGER_INVESTIGATION_STARTED);
      return;
    case rules::RuleTrigger::kInterventionStarted: break;
  }
  if (kinds == rules::AllInterventionKinds()) {
    out.set_trigger(sv1::RULE_TRIGGER_INTERVENTION_STARTED);
  } else if (kinds ==
             rules::InterventionKindSet{rules::InterventionKind::kSupportingIntervention}) {
    out.set_trigger(sv1::RULE_TRIGGER_SUPPORT_STARTED);
  } else {
    // Placements of some types (empty list: every placement type).
    out.set_trigger(sv1::RULE_TRIGGER_PLACEMENT_STARTED);
    if (kinds != rules::PlacementKinds()) {
      for (const rules::InterventionKind k : kAllKinds) {
        if (!kinds.Contains(k)) continue;
        for (const pv1::PlacementType t : PlacementTypesOf(k)) out.add_placement_types(t);
      }
    }
  }
}

void SetEvidence(rules::EvidenceKindSet evidence, sv1::FollowUpRule& out) {
  using E = rules::EvidenceKind;
  const std::pair<E, sv1::FollowUpKind> kinds[] = {
      {E::kChildConversation, sv1::FOLLOW_UP_KIND_CHILD_CONVERSATION},
      {E::kFosterFamilyFollowUp, sv1::FOLLOW_UP_KIND_FOSTER_FAMILY_FOLLOW_UP},
      {E::kInstitutionFollowUp, sv1::FOLLOW_UP_KIND_INSTITUTION_FOLLOW_UP},
      {E::kSupervisionVisit, sv1::FOLLOW_UP_KIND_SUPERVISION_VISIT},
      {E::kPlanRevision, sv1::FOLLOW_UP_KIND_PLAN_REVISION}};
  for (const auto& [e, k] : kinds) {
    if (evidence.Contains(e)) out.add_satisfied_by_kinds(k);
  }
  const std::pair<E, sv1::SatisfyingEvent> events[] = {
      {E::kReportAssessed, sv1::SATISFYING_EVENT_REPORT_OF_CONCERN_ASSESSED},
      {E::kInvestigationCompleted, sv1::SATISFYING_EVENT_INVESTIGATION_COMPLETED},
      {E::kPlanApproved, sv1::SATISFYING_EVENT_CHILD_PLAN_APPROVED},
      {E::kCoWorkerAssigned, sv1::SATISFYING_EVENT_CO_WORKER_ASSIGNED}};
  for (const auto& [e, k] : events) {
    if (evidence.Contains(e)) out.add_satisfied_by_events(k);
  }
}

void SetResponsible(const rules::TrackSpec& track, sv1::FollowUpRule& out) {
  switch (track.role) {
    case rules::ResponsibleRole::kPrimaryCaseworker:
      out.set_responsible_role(cases::v1::CASEWORKER_ROLE_PRIMARY);
      break;
    case rules::ResponsibleRole::kCoWorker:
      out.set_responsible_role(cases::v1::CASEWORKER_ROLE_CO_WORKER);
      if (track.track == rules::Track::kChildConversation) {
        out.set_responsible_purpose(cases::v1::CO_WORKER_PURPOSE_CHILD_CONVERSATIONS);
      } else if (track.track == rules::Track::kFosterFamily) {
        out.set_responsible_purpose(cases::v1::CO_WORKER_PURPOSE_FOSTER_FAMILY);
      }
      break;
    case rules::ResponsibleRole::kTeamLeader: out.set_responsible_team_leader(true); break;
  }
  if (track.role_until_age)
    *out.mutable_responsible_until_placement_age() = PeriodOf(*track.role_until_age);
}

}  // namespace

sv1::FollowUpRuleSet FollowUpRuleSetToProto(const std::string& name,
                                            const std::vector<rules::FollowUpRule>& rules) {
  sv1::FollowUpRuleSet out;
  out.set_name(name);
  out.set_description("preset " + name);
  for (const rules::FollowUpRule& rule : rules) {
    for (const rules::TrackSpec& track : rule.tracks) {
      sv1::FollowUpRule* r = out.add_rules();
      r->set_id(rule.id);
      r->set_source(rule.source);
      const std::string track_name(TrackName(track.track));
      r->set_track(track_name);
      SetTrigger(rule, rule.applies_to & track.applies_to, *r);
      if (rule.first_due) *r->mutable_first_due() = PeriodOf(*rule.first_due);
      if (rule.first_due_without_consent) {
        *r->mutable_first_due_without_consent() = PeriodOf(*rule.first_due_without_consent);
      }
      for (const rules::RecurrencePhase& phase : rule.recurrence) {
        sv1::RecurrencePhase* p = r->add_recurrence();
        if (phase.until_age) *p->mutable_until_placement_age() = PeriodOf(*phase.until_age);
        *p->mutable_interval() = PeriodOf(phase.interval);
      }
      SetEvidence(track.satisfied_by, *r);
      SetResponsible(track, *r);
      r->set_description(
          rule.id + " (" + rule.source + "): deadlines on the " + track_name + " track" +
          (rule.first_due ? ", first due " + rule.first_due->ToString() + " after the trigger"
                          : "") +
          (rule.recurrence.empty() ? "" : ", then recurring"));
    }
  }
  return out;
}

Result<v1::MunicipalityRegistered> MunicipalityFromPresets(const std::string& code,
                                                           const std::string& name,
                                                           const std::vector<std::string>& presets,
                                                           CivilDate effective_from) {
  v1::MunicipalityRegistered out;
  out.set_municipality_code(code);
  out.set_name(name);
  *out.mutable_effective_from() = service::ToProtoDate(effective_from);
  int staircases = 0, weights = 0;
  std::set<std::string> seen;
  for (size_t i = 0; i < presets.size(); ++i) {
    const std::string& preset = presets[i];
    if (!seen.insert(preset).second) {
      return InvalidArgument("presets[" + std::to_string(i) + "]",
                             "'" + preset + "' is given twice");
    }
    out.add_presets(preset);
    if (auto staircase = rules::StaircasePreset(preset); staircase.ok()) {
      ++staircases;
      *out.mutable_staircase() = StaircaseToProto(*staircase);
    } else if (auto table = rules::WeightPreset(preset); table.ok()) {
      ++weights;
      *out.mutable_weight_table() = WeightTableToProto(*table);
    } else if (auto follow_up = rules::FollowUpPreset(preset); follow_up.ok()) {
      *out.add_follow_up_rule_sets() = FollowUpRuleSetToProto(preset, *follow_up);
    } else {
      return NotFound("presets[" + std::to_string(i) + "]: no preset named '" + preset +
                      "' (known: national-staircase, barnets-lov, sverigesmodel, default-weights)");
    }
  }
  if (staircases != 1) return InvalidArgument("presets", "must name exactly one staircase preset");
  if (weights != 1) return InvalidArgument("presets", "must name exactly one weight table preset");
  if (out.follow_up_rule_sets_size() == 0) {
    return InvalidArgument("presets", "must name at least one follow-up rule set preset");
  }
  return out;
}

}  // namespace trappe::workload
