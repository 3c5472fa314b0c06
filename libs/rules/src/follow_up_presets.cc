// The follow-up presets of DESIGN.md section 6, as data. docs/rules.md shows them as tables.
#include "trappe/rules/follow_up_rules.h"

namespace trappe::rules {
namespace {

constexpr char kBorasPractice[] = "Borås practice (Sverigesmodellen)";

TrackSpec OnTrack(Track track, EvidenceKindSet satisfied_by,
                  InterventionKindSet applies_to = AllInterventionKinds()) {
  TrackSpec spec;
  spec.track = track;
  spec.satisfied_by = satisfied_by;
  spec.applies_to = applies_to;
  return spec;
}

// In a foster placement's first year two caseworkers share the follow-up: the primary
// caseworker holds the conversations with the child, the co-worker follows up on the
// foster family. After the first year the primary caseworker holds both.
TrackSpec FosterFamilyTrack() {
  TrackSpec spec =
      OnTrack(Track::kFosterFamily, {EvidenceKind::kFosterFamilyFollowUp}, FosterFamilyKinds());
  spec.role = ResponsibleRole::kCoWorker;
  spec.role_until_age = Months(12);
  return spec;
}

TrackSpec ChildConversationTrack() {
  return OnTrack(Track::kChildConversation, {EvidenceKind::kChildConversation},
                 FosterFamilyKinds());
}

TrackSpec InstitutionTrack() {
  return OnTrack(Track::kInstitution, {EvidenceKind::kInstitutionFollowUp}, ChildrensHomeKinds());
}

FollowUpRule Rule(std::string id, std::string source, RuleTrigger trigger) {
  FollowUpRule rule;
  rule.id = std::move(id);
  rule.source = std::move(source);
  rule.trigger = trigger;
  return rule;
}

}  // namespace

std::vector<FollowUpRule> BarnetsLovRules() {
  std::vector<FollowUpRule> rules;

  FollowUpRule report = Rule("UND-24H", "Barnets lov: assessment of a report of concern",
                             RuleTrigger::kReportReceived);
  report.first_due = Hours(24);
  report.tracks = {OnTrack(Track::kReportAssessment, {EvidenceKind::kReportAssessed})};
  rules.push_back(std::move(report));

  FollowUpRule investigation =
      Rule("BFU-4M", "Barnets lov par. 20", RuleTrigger::kInvestigationStarted);
  investigation.first_due = Months(4);
  investigation.tracks = {OnTrack(Track::kInvestigation, {EvidenceKind::kInvestigationCompleted})};
  rules.push_back(std::move(investigation));

  // Without consent (par. 47) the plan must exist before the decision: due on the start.
  FollowUpRule plan = Rule("PLAN-3M", "Barnets lov par. 91", RuleTrigger::kInterventionStarted);
  plan.applies_to = PlacementKinds();
  plan.first_due = Months(3);
  plan.first_due_without_consent = Days(0);
  plan.tracks = {OnTrack(Track::kPlan, {EvidenceKind::kPlanApproved})};
  rules.push_back(std::move(plan));

  FollowUpRule first =
      Rule("FU-FIRST-3M", "Barnets lov par. 95", RuleTrigger::kInterventionStarted);
  first.applies_to = AllInterventionKinds();
  first.first_due = Months(3);
  first.tracks = {OnTrack(Track::kFollowUp, AnyFollowUpKind())};
  rules.push_back(std::move(first));

  FollowUpRule supervision =
      Rule("TILSYN-6M", "Barnets lov par. 156.5", RuleTrigger::kInterventionStarted);
  supervision.applies_to = PlacementKinds();
  supervision.first_due = Months(6);
  supervision.recurrence = {{std::nullopt, Months(6)}};
  supervision.tracks = {OnTrack(Track::kSupervision, {EvidenceKind::kSupervisionVisit})};
  rules.push_back(std::move(supervision));

  return rules;
}

std::vector<FollowUpRule> SverigesmodelRules() {
  std::vector<FollowUpRule> rules;

  // The first follow-up on every track of the placement, and the plan, within two weeks.
  // A placement that is neither a foster family nor a children's home has no track of its
  // own in the Swedish model; its first follow-up may be of any kind.
  FollowUpRule first = Rule("SE-FIRST-2W", kBorasPractice, RuleTrigger::kInterventionStarted);
  first.applies_to = PlacementKinds();
  first.first_due = Days(14);
  first.tracks = {
      ChildConversationTrack(),
      FosterFamilyTrack(),
      InstitutionTrack(),
      OnTrack(Track::kFollowUp, AnyFollowUpKind(),
              {InterventionKind::kOwnRoomOrDormitory, InterventionKind::kBoardingSchool}),
      OnTrack(Track::kPlan, {EvidenceKind::kPlanApproved}),
  };
  rules.push_back(std::move(first));

  // Monthly in the first half year, then four times a year.
  FollowUpRule foster = Rule("SE-FOSTER", kBorasPractice, RuleTrigger::kInterventionStarted);
  foster.applies_to = FosterFamilyKinds();
  foster.recurrence = {{Months(6), Months(1)}, {std::nullopt, Months(3)}};
  foster.tracks = {ChildConversationTrack(), FosterFamilyTrack()};
  rules.push_back(std::move(foster));

  // Monthly in the first year, then every sixth week.
  FollowUpRule institution = Rule("SE-INST", kBorasPractice, RuleTrigger::kInterventionStarted);
  institution.applies_to = ChildrensHomeKinds();
  institution.recurrence = {{Months(12), Months(1)}, {std::nullopt, Weeks(6)}};
  institution.tracks = {InstitutionTrack()};
  rules.push_back(std::move(institution));

  // Assigning caseworkers is the team leader's decision.
  FollowUpRule two = Rule("SE-TWO-WORKERS", kBorasPractice, RuleTrigger::kInterventionStarted);
  two.applies_to = FosterFamilyKinds();
  two.first_due = Days(14);
  TrackSpec co_worker = OnTrack(Track::kCoWorker, {EvidenceKind::kCoWorkerAssigned});
  co_worker.role = ResponsibleRole::kTeamLeader;
  two.tracks = {co_worker};
  rules.push_back(std::move(two));

  return rules;
}

Result<std::vector<FollowUpRule>> FollowUpPreset(std::string_view name) {
  if (name == "barnets-lov") return BarnetsLovRules();
  if (name == "sverigesmodel") return SverigesmodelRules();
  return NotFound("no follow-up preset named '" + std::string(name) +
                  "' (known: barnets-lov, sverigesmodel)");
}

}  // namespace trappe::rules
