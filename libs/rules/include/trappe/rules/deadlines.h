// Deadlines derived from a case's facts and a municipality's follow-up rules.
//
// DeriveDeadlines is a pure function of (rule set, case facts, as_of). The semantics, in
// full in docs/rules.md:
//
// Subjects and series. A rule keeps deadlines per subject (a report, an investigation or
// an intervention) and per track; the deadlines of one (rule, track, subject) form a
// series. Several rules may share a track (PLAN-3M and SE-FIRST-2W both keep the plan):
// each keeps its own deadlines and one fact can meet a deadline of each.
//
// Opening. A rule with a first due opens its first deadline on the trigger date (the start
// of the subject) at trigger + first due (par. 47 placements: + first_due_without_consent).
// A recurring rule opens its next deadline when a satisfying fact on date L meets (or, for
// a rule without a first due, starts) the series: due L + the interval of the phase in
// force on L, by the placement's age on L. One fact per series and date: a second fact on
// the same date of the same series changes nothing.
//
// Meeting. A satisfying fact meets the earliest open deadline of the series. A first
// deadline can be met by any fact that counts for the subject; a recurring one only by a
// fact after the date it was opened. Met on or before the due date: MET_ON_TIME; after it:
// MET_LATE (UND-24H compares instants, not dates).
//
// Which facts count for a subject. A follow-up or plan approval that names an intervention
// counts for it alone, whatever its date before the intervention's end (a par. 47 plan is
// approved before the placement starts). One that names none counts for every intervention
// active on its date. A co-worker assignment counts from the later of its start and the
// intervention's start, if it is still held then. An assessment counts for its report, a
// completion for its investigation. Nothing counts on or after an intervention's end.
//
// States as of a date. A deadline not met by as_of is OPEN while due >= as_of, OVERDUE when
// due < as_of ("overdue means due date before the as_of date"). An overdue deadline stays
// open: a later fact meets it late. When an intervention ends on E, its unmet deadlines due
// on or after E are DROPPED and those due before E are MISSED (final, kept for compliance).
//
// Time. Only facts effective on or before as_of count (a report by its Danish date). Facts
// are sorted by effective date with a content tie-break, so the result never depends on
// the order they were recorded in: a back-dated fact gives exactly the deadlines it would
// have given had it arrived in order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/rules/calendar_duration.h"
#include "trappe/rules/case_facts.h"
#include "trappe/rules/follow_up_rules.h"

namespace trappe::rules {

struct FollowUp {
  std::string id;
  FollowUpKind kind = FollowUpKind::kChildConversation;
  CivilDate date;
  std::string caseworker_id;
  std::string intervention_id;  // empty: the child's case as a whole
};

// Barnets plan approved (par. 91).
struct PlanApproval {
  std::string id;
  CivilDate date;
  std::string intervention_id;  // empty: every placement active on the date
};

// A justified change to one series' schedule (par. 95: after the first follow-up the
// municipality sets the schedule and states why). With `due`, the deadline of the series
// open on `effective` (after that day's facts) is due then instead; if none is open, one
// is opened, due then. With `interval`, every deadline the series opens on or after
// `effective` is due at the fact's date + interval, replacing the rule's phases (and
// making a one-off rule recur). An override of a rule or track not in force does nothing.
struct ScheduleOverride {
  std::string id;
  CivilDate effective;
  std::string rule_id;
  Track track = Track::kFollowUp;
  std::string subject_id;  // the intervention, report or investigation
  std::optional<CivilDate> due;
  std::optional<CalendarDuration> interval;
  std::string justification;  // required
};

// Everything the deadline rules read about one case.
struct CaseTimeline {
  std::vector<ReportOfConcern> reports;
  std::vector<Investigation> investigations;
  std::vector<Intervention> interventions;
  std::vector<FollowUp> follow_ups;
  std::vector<PlanApproval> plan_approvals;
  std::vector<CaseAssignment> assignments;
  std::vector<ScheduleOverride> overrides;
};

// INVALID_ARGUMENT naming the field: empty or repeated ids, an end before its start, an
// assessment before its report, a fact naming a subject the case lacks, an override
// without a justification or a schedule.
[[nodiscard]] Status ValidateTimeline(const CaseTimeline& timeline);

enum class SubjectKind : uint8_t { kReport, kInvestigation, kIntervention };

enum class DeadlineState : uint8_t {
  kOpen,     // not met, due on or after as_of
  kOverdue,  // not met, due before as_of; a fact now meets it late
  kMetOnTime,
  kMetLate,
  kMissed,   // not met, due before its intervention ended: final
  kDropped,  // not met, due on or after its intervention ended: no longer required
};

struct Deadline {
  std::string rule_id;
  std::string source;
  Track track = Track::kFollowUp;
  SubjectKind subject_kind = SubjectKind::kIntervention;
  std::string subject_id;           // the placement/intervention, report or investigation
  int sequence = 1;                 // 1 for the first deadline of its series, then 2, 3, ...
  CivilDate opened_on;              // the trigger date, or the date of the fact it follows
  CivilDate due;                    // for UND-24H the Danish date of due_at
  std::optional<Timestamp> due_at;  // UND-24H only
  DeadlineState state = DeadlineState::kOpen;
  std::optional<CivilDate> met_on;
  std::optional<Timestamp> met_at;  // UND-24H only
  std::string met_by;               // the caseworker of the follow-up that met it, if any
  ResponsibleRole responsible_role = ResponsibleRole::kPrimaryCaseworker;
  std::string override_id;    // set when a par. 95 override set the due date
  std::string justification;  // the override's justification

  bool IsOpen() const { return state == DeadlineState::kOpen || state == DeadlineState::kOverdue; }
  friend bool operator==(const Deadline&, const Deadline&) = default;
};

// Every deadline of the case as of `as_of`, ordered by due date (then subject, track, rule,
// sequence). INVALID_ARGUMENT when the timeline is invalid.
Result<std::vector<Deadline>> DeriveDeadlines(const RuleSet& rules, const CaseTimeline& timeline,
                                              CivilDate as_of);

// What a caseworker sees: per subject and track, the open (or overdue) deadline due first
// (ties: rule id), ordered by due date.
std::vector<Deadline> EarliestOpenPerTrack(const std::vector<Deadline>& deadlines);

// How one rule was kept over a period. Counts deadlines due in [first_day, last_day]
// (dropped ones excluded) by their state as of the date they were derived for.
struct RuleCompliance {
  std::string rule_id;
  int64_t due = 0;  // met_on_time + met_late + missed + not_yet_due
  int64_t met_on_time = 0;
  int64_t met_late = 0;
  int64_t missed = 0;       // OVERDUE or MISSED: not met although due
  int64_t not_yet_due = 0;  // OPEN: due on or after as_of, so not decided yet

  // met_on_time / (due - not_yet_due); none when nothing has been decided.
  std::optional<double> ShareOnTime() const;
  // Sums across cases, in any order.
  RuleCompliance& operator+=(const RuleCompliance& other);
  friend bool operator==(const RuleCompliance&, const RuleCompliance&) = default;
};

// One entry per rule id that has a deadline due in the period, by rule id.
std::vector<RuleCompliance> ComplianceByRule(const std::vector<Deadline>& deadlines,
                                             CivilDate first_day, CivilDate last_day);

std::string_view ToString(SubjectKind kind);
std::string_view ToString(DeadlineState state);

}  // namespace trappe::rules
