// Follow-up rules as data, a municipality's rule set over time, and the two presets.
//
// A FollowUpRule says what starts it (a report, an investigation, an intervention of
// certain kinds), when the first deadline falls due, how it recurs by the age of the
// placement, which facts satisfy it on which track, who is responsible and which source
// (law or practice) it comes from. DeriveDeadlines (deadlines.h) turns a RuleSet and a
// case's facts into deadlines; docs/rules.md states the presets as tables.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/rules/calendar_duration.h"
#include "trappe/rules/case_facts.h"
#include "trappe/rules/enum_set.h"

namespace trappe::rules {

// A fact that can satisfy a deadline. The first five are the follow-up kinds a caseworker
// records, in FollowUpKind's order.
enum class EvidenceKind : uint8_t {
  kChildConversation,
  kFosterFamilyFollowUp,
  kInstitutionFollowUp,
  kSupervisionVisit,
  kPlanRevision,
  kReportAssessed,          // the 24-hour assessment of a report of concern
  kInvestigationCompleted,  // the investigation (BFU) is completed
  kPlanApproved,            // barnets plan approved (par. 91)
  kCoWorkerAssigned,        // a second caseworker holds the co-worker role
};
using EvidenceKindSet = EnumSet<EvidenceKind>;

EvidenceKind EvidenceOf(FollowUpKind kind);
EvidenceKindSet AnyFollowUpKind();

// A track is one line of follow-up on one subject: deadlines of the same track compete
// in views (the earliest open one is shown) while each rule keeps its own deadlines.
enum class Track : uint8_t {
  kReportAssessment,
  kInvestigation,
  kPlan,
  kFollowUp,  // par. 95 follow-up of any kind
  kChildConversation,
  kFosterFamily,
  kInstitution,
  kSupervision,  // tilsyn
  kCoWorker,
};

enum class RuleTrigger : uint8_t {
  kReportReceived,        // subject: the report; the deadline is an instant
  kInvestigationStarted,  // subject: the investigation
  kInterventionStarted,   // subject: the intervention, if its kind is in `applies_to`
};

// Who must meet a deadline; a service maps the role to the caseworker holding it.
enum class ResponsibleRole : uint8_t { kPrimaryCaseworker, kCoWorker, kTeamLeader };

// One rhythm of a recurring rule. A phase is in force while the subject (the placement) is
// younger than `until_age` on the date of the last follow-up; the last phase has none.
struct RecurrencePhase {
  std::optional<CalendarDuration> until_age;
  CalendarDuration interval;

  friend bool operator==(const RecurrencePhase&, const RecurrencePhase&) = default;
};

// One track a rule keeps deadlines on, for the subjects of the kinds in `applies_to`.
struct TrackSpec {
  Track track = Track::kFollowUp;
  EvidenceKindSet satisfied_by;
  InterventionKindSet applies_to = AllInterventionKinds();  // narrows the rule's own set
  ResponsibleRole role = ResponsibleRole::kPrimaryCaseworker;
  // When set, `role` holds for deadlines due before the subject is this old; later
  // deadlines fall to the primary caseworker (the foster placement's shared first year).
  std::optional<CalendarDuration> role_until_age;

  friend bool operator==(const TrackSpec&, const TrackSpec&) = default;
};

struct FollowUpRule {
  std::string id;      // "PLAN-3M"
  std::string source;  // "Barnets lov par. 91"
  RuleTrigger trigger = RuleTrigger::kInterventionStarted;
  InterventionKindSet applies_to = AllInterventionKinds();  // kInterventionStarted only
  // The first deadline: trigger date + first_due. Unset: the rule only recurs, and its
  // first deadline follows the first satisfying fact on its track (SE-FOSTER takes over
  // from SE-FIRST-2W this way).
  std::optional<CalendarDuration> first_due;
  // Replaces first_due for a placement without consent (par. 47).
  std::optional<CalendarDuration> first_due_without_consent;
  // Empty: one deadline per track. Otherwise each satisfying fact on date L opens the
  // next deadline at L + the interval of the phase in force on L.
  std::vector<RecurrencePhase> recurrence;
  std::vector<TrackSpec> tracks;

  friend bool operator==(const FollowUpRule&, const FollowUpRule&) = default;
};

// INVALID_ARGUMENT naming the field, e.g. "PLAN-3M.tracks: must not be empty".
[[nodiscard]] Status ValidateRule(const FollowUpRule& rule);

// The interval that follows a satisfying fact on `on`, for a subject that started on
// `subject_start`: the first phase still in force on `on`; none for a one-off rule.
std::optional<CalendarDuration> RecurrenceInterval(const FollowUpRule& rule,
                                                   CivilDate subject_start, CivilDate on);

// A municipality's follow-up rules over time. Each rule id has versions, each in force
// from its effective date until the next version of the same id (or its retirement). A
// deadline is governed by the version in force on the date it was opened: the trigger
// date for a first deadline, the date of the satisfying fact for a recurring one. So a
// replay applies the rules that were in force, and a rule added later never reaches back.
class RuleSet {
 public:
  struct Version {
    CivilDate effective;
    std::optional<FollowUpRule> rule;  // unset: retired from `effective`
  };

  // Every rule of a preset, in force from `from`.
  [[nodiscard]] Status Enable(std::span<const FollowUpRule> rules, CivilDate from);
  // Adds a rule, or adjusts one, from `from`. A second version of the same id with the
  // same effective date replaces the first (rule-set events apply in log order).
  [[nodiscard]] Status Put(FollowUpRule rule, CivilDate from);
  // NOT_FOUND when the id has never been in the set.
  [[nodiscard]] Status Retire(std::string_view rule_id, CivilDate from);

  // The version of `rule_id` in force on `on`, or null.
  const FollowUpRule* InForce(std::string_view rule_id, CivilDate on) const;
  std::vector<const FollowUpRule*> AllInForce(CivilDate on) const;

  // Every version of every rule id, ids in ascending order, versions by date.
  const std::map<std::string, std::vector<Version>, std::less<>>& versions() const {
    return versions_;
  }

 private:
  std::map<std::string, std::vector<Version>, std::less<>> versions_;
};

// Preset `barnets-lov`: the statutory floor (UND-24H, BFU-4M, PLAN-3M, FU-FIRST-3M,
// TILSYN-6M).
std::vector<FollowUpRule> BarnetsLovRules();
// Preset `sverigesmodel`: Borås practice, on top of the floor (SE-FIRST-2W, SE-FOSTER,
// SE-INST, SE-TWO-WORKERS).
std::vector<FollowUpRule> SverigesmodelRules();
// By preset name; NOT_FOUND for an unknown name.
Result<std::vector<FollowUpRule>> FollowUpPreset(std::string_view name);

std::string_view ToString(EvidenceKind kind);
std::string_view ToString(Track track);
std::string_view ToString(ResponsibleRole role);

}  // namespace trappe::rules
