#include "trappe/rules/case_facts.h"

#include <algorithm>
#include <tuple>

namespace trappe::rules {
namespace {

// A total order on a change's content, used only to break ties between changes effective
// on the same date: unset fields sort before set ones, then by value.
auto ChangeKey(const InterventionChange& c) {
  return std::make_tuple(c.effective, c.step, c.kind, c.consent, c.monthly_cost_ore);
}

}  // namespace

InterventionKindSet FosterFamilyKinds() {
  return {InterventionKind::kNetworkFosterFamily, InterventionKind::kGeneralFosterFamily,
          InterventionKind::kReinforcedFosterFamily, InterventionKind::kSpecialisedFosterFamily};
}

InterventionKindSet ChildrensHomeKinds() { return {InterventionKind::kChildrensHome}; }

InterventionKindSet PlacementKinds() {
  return FosterFamilyKinds() | ChildrensHomeKinds() |
         InterventionKindSet{InterventionKind::kOwnRoomOrDormitory,
                             InterventionKind::kBoardingSchool};
}

InterventionKindSet AllInterventionKinds() {
  return PlacementKinds() | InterventionKindSet{InterventionKind::kSupportingIntervention};
}

bool IsPlacement(InterventionKind kind) { return PlacementKinds().Contains(kind); }

bool IsActiveOn(const Intervention& intervention, CivilDate date) {
  return intervention.started_on <= date &&
         (!intervention.ended_on || date < *intervention.ended_on);
}

std::vector<InterventionChange> SortedChanges(const std::vector<InterventionChange>& changes) {
  std::vector<InterventionChange> sorted = changes;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return ChangeKey(a) < ChangeKey(b); });
  return sorted;
}

InterventionTerms TermsOn(const Intervention& intervention, CivilDate date) {
  InterventionTerms terms{intervention.kind, intervention.consent, intervention.step,
                          intervention.monthly_cost_ore};
  // Applying the changes in ChangeKey order leaves each field with the value of the last
  // change (in that order) that sets it; finding that change per field needs no sorting.
  const InterventionChange* last_step = nullptr;
  const InterventionChange* last_kind = nullptr;
  const InterventionChange* last_consent = nullptr;
  const InterventionChange* last_cost = nullptr;
  const auto later = [](const InterventionChange* best, const InterventionChange& c) {
    return best == nullptr || ChangeKey(*best) < ChangeKey(c);
  };
  for (const InterventionChange& change : intervention.changes) {
    if (change.effective > date) continue;
    if (change.step && later(last_step, change)) last_step = &change;
    if (change.kind && later(last_kind, change)) last_kind = &change;
    if (change.consent && later(last_consent, change)) last_consent = &change;
    if (change.monthly_cost_ore && later(last_cost, change)) last_cost = &change;
  }
  if (last_step) terms.step = *last_step->step;
  if (last_kind) terms.kind = *last_kind->kind;
  if (last_consent) terms.consent = *last_consent->consent;
  if (last_cost) terms.monthly_cost_ore = *last_cost->monthly_cost_ore;
  return terms;
}

bool IsRunningOn(const Investigation& investigation, CivilDate date) {
  return investigation.started_on <= date &&
         (!investigation.completed_on || date < *investigation.completed_on);
}

bool IsActiveOn(const CaseAssignment& assignment, CivilDate date) {
  return assignment.assigned_on <= date &&
         (!assignment.unassigned_on || date < *assignment.unassigned_on);
}

std::string_view ToString(InterventionKind kind) {
  switch (kind) {
    case InterventionKind::kSupportingIntervention: return "SUPPORTING_INTERVENTION";
    case InterventionKind::kNetworkFosterFamily: return "NETWORK_FOSTER_FAMILY";
    case InterventionKind::kGeneralFosterFamily: return "GENERAL_FOSTER_FAMILY";
    case InterventionKind::kReinforcedFosterFamily: return "REINFORCED_FOSTER_FAMILY";
    case InterventionKind::kSpecialisedFosterFamily: return "SPECIALISED_FOSTER_FAMILY";
    case InterventionKind::kOwnRoomOrDormitory: return "OWN_ROOM_OR_DORMITORY";
    case InterventionKind::kChildrensHome: return "CHILDRENS_HOME";
    case InterventionKind::kBoardingSchool: return "BOARDING_SCHOOL";
  }
  return "UNKNOWN";
}

std::string_view ToString(ConsentBasis consent) {
  switch (consent) {
    case ConsentBasis::kNotApplicable: return "NOT_APPLICABLE";
    case ConsentBasis::kWithConsent: return "WITH_CONSENT";
    case ConsentBasis::kWithoutConsent: return "WITHOUT_CONSENT";
  }
  return "UNKNOWN";
}

std::string_view ToString(CaseRole role) {
  switch (role) {
    case CaseRole::kPrimary: return "PRIMARY";
    case CaseRole::kCoWorker: return "CO_WORKER";
  }
  return "UNKNOWN";
}

std::string_view ToString(FollowUpKind kind) {
  switch (kind) {
    case FollowUpKind::kChildConversation: return "CHILD_CONVERSATION";
    case FollowUpKind::kFosterFamilyFollowUp: return "FOSTER_FAMILY_FOLLOW_UP";
    case FollowUpKind::kInstitutionFollowUp: return "INSTITUTION_FOLLOW_UP";
    case FollowUpKind::kSupervisionVisit: return "SUPERVISION_VISIT";
    case FollowUpKind::kPlanRevision: return "PLAN_REVISION";
  }
  return "UNKNOWN";
}

}  // namespace trappe::rules
