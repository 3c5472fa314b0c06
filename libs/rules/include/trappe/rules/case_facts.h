// The facts of a child's case that the rules read, each with its effective date.
//
// Services translate their events into these plain values; the rules never see an event,
// a clock or a store. Intervals are half-open: an intervention that ended on E, or an
// assignment that ended on E, is no longer active on E. So a child who moves from a
// children's home to a foster family on 1 March has step 5 on 1 March, not step 6, and a
// case handed over on 1 March counts for the new caseworker only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/rules/enum_set.h"

namespace trappe::rules {

// What an intervention is in law. Placement types are those of Barnets lov par. 43.
enum class InterventionKind : uint8_t {
  kSupportingIntervention,   // støttende indsats (par. 32); not a placement
  kNetworkFosterFamily,      // par. 43 nr 1: netværksplejefamilie
  kGeneralFosterFamily,      // par. 43 nr 2: almen plejefamilie
  kReinforcedFosterFamily,   // par. 43 nr 3: forstærket plejefamilie
  kSpecialisedFosterFamily,  // par. 43 nr 4: specialiseret plejefamilie
  kOwnRoomOrDormitory,       // par. 43: eget værelse, kollegium
  kChildrensHome,            // par. 43 nr 6: døgninstitution or opholdssted
  kBoardingSchool,           // par. 43: efterskole, fri fagskole
};
using InterventionKindSet = EnumSet<InterventionKind>;

InterventionKindSet FosterFamilyKinds();   // par. 43 nr 1-4
InterventionKindSet ChildrensHomeKinds();  // par. 43 nr 6
InterventionKindSet PlacementKinds();      // every par. 43 kind
InterventionKindSet AllInterventionKinds();
bool IsPlacement(InterventionKind kind);

// Consent basis of a placement: with consent (par. 46) or without (par. 47, decided by
// the children and young people's committee).
enum class ConsentBasis : uint8_t { kNotApplicable, kWithConsent, kWithoutConsent };

// A change to a running intervention from its effective date; unset fields are unchanged.
struct InterventionChange {
  CivilDate effective;
  std::optional<int> step;
  std::optional<InterventionKind> kind;
  std::optional<ConsentBasis> consent;
  std::optional<int64_t> monthly_cost_ore;
};

// An intervention (indsats) or placement (anbringelse), from its start to its end.
struct Intervention {
  std::string id;
  InterventionKind kind = InterventionKind::kSupportingIntervention;
  ConsentBasis consent = ConsentBasis::kNotApplicable;
  int step = 0;                  // its step on the municipality's staircase
  int64_t monthly_cost_ore = 0;  // 1 krone = 100 øre
  CivilDate started_on;
  std::optional<CivilDate> ended_on;  // not active on this date
  std::vector<InterventionChange> changes;
};

// What an intervention is on one date, after the changes effective by then.
struct InterventionTerms {
  InterventionKind kind;
  ConsentBasis consent;
  int step;
  int64_t monthly_cost_ore;
};

bool IsActiveOn(const Intervention& intervention, CivilDate date);
// Changes effective on the same date apply in a fixed content order (see docs/rules.md),
// so the answer never depends on the order the changes were listed in.
InterventionTerms TermsOn(const Intervention& intervention, CivilDate date);
// The changes in the order TermsOn applies them.
std::vector<InterventionChange> SortedChanges(const std::vector<InterventionChange>& changes);

// A children's professional investigation (børnefaglig undersøgelse, par. 20).
struct Investigation {
  std::string id;
  CivilDate started_on;
  std::optional<CivilDate> completed_on;  // no longer running on this date
};
bool IsRunningOn(const Investigation& investigation, CivilDate date);

// A report of concern (underretning): received at an instant, assessed at an instant.
struct ReportOfConcern {
  std::string id;
  Timestamp received_at;
  std::optional<Timestamp> assessed_at;
};

// A caseworker's role on a case: the primary caseworker, or the co-worker who shares the
// follow-up (par. 21.5; in the Swedish model, the second caseworker of a foster placement).
enum class CaseRole : uint8_t { kPrimary, kCoWorker };

struct CaseAssignment {
  std::string caseworker_id;
  CaseRole role = CaseRole::kPrimary;
  CivilDate assigned_on;
  std::optional<CivilDate> unassigned_on;  // no longer assigned on this date
};
bool IsActiveOn(const CaseAssignment& assignment, CivilDate date);

// What a caseworker records as a follow-up (opfølgning).
enum class FollowUpKind : uint8_t {
  kChildConversation,  // børnesamtale
  kFosterFamilyFollowUp,
  kInstitutionFollowUp,
  kSupervisionVisit,  // tilsynsbesøg, with a conversation with the child
  kPlanRevision,      // revision of barnets plan
};

std::string_view ToString(InterventionKind kind);
std::string_view ToString(ConsentBasis consent);
std::string_view ToString(CaseRole role);
std::string_view ToString(FollowUpKind kind);

}  // namespace trappe::rules
