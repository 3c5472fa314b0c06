// DeriveDeadlines: the semantics are stated in deadlines.h and docs/rules.md.
#include "trappe/rules/deadlines.h"

#include <algorithm>
#include <string_view>
#include <tuple>

namespace trappe::rules {
namespace {

// A fact that may meet deadlines of one subject.
struct Evidence {
  CivilDate date;
  std::optional<Timestamp> at;
  EvidenceKind kind;
  std::string_view id;
  std::string_view caseworker;
};

// Content order: facts of the same date are taken in an order fixed by what they say,
// never by the order they were recorded in.
bool EvidenceBefore(const Evidence& a, const Evidence& b) {
  return std::tie(a.date, a.at, a.kind, a.id, a.caseworker) <
         std::tie(b.date, b.at, b.kind, b.id, b.caseworker);
}

struct Subject {
  SubjectKind kind = SubjectKind::kIntervention;
  std::string_view id;
  CivilDate start;
  std::optional<Timestamp> start_at;  // a report's receipt
  std::optional<CivilDate> end;       // only an end effective by as_of
  InterventionKind intervention_kind = InterventionKind::kSupportingIntervention;
  ConsentBasis consent = ConsentBasis::kNotApplicable;
  std::vector<Evidence> evidence;  // sorted by EvidenceBefore
};

RuleTrigger TriggerFor(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kReport: return RuleTrigger::kReportReceived;
    case SubjectKind::kInvestigation: return RuleTrigger::kInvestigationStarted;
    case SubjectKind::kIntervention: return RuleTrigger::kInterventionStarted;
  }
  return RuleTrigger::kInterventionStarted;
}

// A named fact counts for its intervention at any date before the end; an unnamed one for
// every intervention active on its date.
bool CountsFor(const Subject& s, const std::string& named, CivilDate date) {
  if (s.end && date >= *s.end) return false;
  if (!named.empty()) return named == s.id;
  return date >= s.start;
}

void AddInterventionEvidence(const CaseTimeline& t, CivilDate as_of, Subject& s) {
  for (const FollowUp& f : t.follow_ups) {
    if (f.date <= as_of && CountsFor(s, f.intervention_id, f.date)) {
      s.evidence.push_back({f.date, std::nullopt, EvidenceOf(f.kind), f.id, f.caseworker_id});
    }
  }
  for (const PlanApproval& p : t.plan_approvals) {
    if (p.date <= as_of && CountsFor(s, p.intervention_id, p.date)) {
      s.evidence.push_back({p.date, std::nullopt, EvidenceKind::kPlanApproved, p.id, ""});
    }
  }
  // A co-worker already on the case when the placement starts meets the rule that day.
  for (const CaseAssignment& a : t.assignments) {
    if (a.role != CaseRole::kCoWorker || a.assigned_on > as_of) continue;
    const CivilDate from = std::max(a.assigned_on, s.start);
    if (from > as_of || (a.unassigned_on && from >= *a.unassigned_on)) continue;
    if (s.end && from >= *s.end) continue;
    s.evidence.push_back(
        {from, std::nullopt, EvidenceKind::kCoWorkerAssigned, a.caseworker_id, a.caseworker_id});
  }
}

std::vector<Subject> CollectSubjects(const CaseTimeline& t, CivilDate as_of) {
  std::vector<Subject> subjects;
  for (const ReportOfConcern& r : t.reports) {
    Subject s{SubjectKind::kReport, r.id, CopenhagenDate(r.received_at), r.received_at};
    if (s.start > as_of) continue;
    if (r.assessed_at && CopenhagenDate(*r.assessed_at) <= as_of) {
      s.evidence.push_back(
          {CopenhagenDate(*r.assessed_at), r.assessed_at, EvidenceKind::kReportAssessed, r.id, ""});
    }
    subjects.push_back(std::move(s));
  }
  for (const Investigation& inv : t.investigations) {
    Subject s{SubjectKind::kInvestigation, inv.id, inv.started_on};
    if (s.start > as_of) continue;
    if (inv.completed_on && *inv.completed_on <= as_of) {
      s.evidence.push_back(
          {*inv.completed_on, std::nullopt, EvidenceKind::kInvestigationCompleted, inv.id, ""});
    }
    subjects.push_back(std::move(s));
  }
  for (const Intervention& iv : t.interventions) {
    if (iv.started_on > as_of) continue;
    // Rules look at what the intervention was when it started (see docs/rules.md).
    const InterventionTerms terms = TermsOn(iv, iv.started_on);
    Subject s{SubjectKind::kIntervention, iv.id, iv.started_on};
    if (iv.ended_on && *iv.ended_on <= as_of) s.end = iv.ended_on;
    s.intervention_kind = terms.kind;
    s.consent = terms.consent;
    AddInterventionEvidence(t, as_of, s);
    subjects.push_back(std::move(s));
  }
  for (Subject& s : subjects) std::sort(s.evidence.begin(), s.evidence.end(), EvidenceBefore);
  return subjects;
}

ResponsibleRole RoleFor(const TrackSpec& spec, CivilDate subject_start, CivilDate due) {
  if (spec.role_until_age && due >= spec.role_until_age->After(subject_start)) {
    return ResponsibleRole::kPrimaryCaseworker;
  }
  return spec.role;
}

DeadlineState StateOf(const Deadline& d, const Subject& s, CivilDate as_of) {
  if (d.met_on) {
    const bool on_time = d.due_at && d.met_at ? *d.met_at <= *d.due_at : *d.met_on <= d.due;
    return on_time ? DeadlineState::kMetOnTime : DeadlineState::kMetLate;
  }
  if (s.end) return d.due >= *s.end ? DeadlineState::kDropped : DeadlineState::kMissed;
  return d.due < as_of ? DeadlineState::kOverdue : DeadlineState::kOpen;
}

// The deadlines of one (rule, track, subject), derived by walking the subject's facts
// and the series' due-date overrides in date order.
class Series {
 public:
  Series(std::string_view rule_id, const std::vector<RuleSet::Version>& versions,
         const Subject& subject, Track track, std::vector<const ScheduleOverride*> overrides)
      : rule_id_(rule_id),
        versions_(versions),
        subject_(subject),
        track_(track),
        overrides_(std::move(overrides)) {}

  void Run() {
    OpenFirst();
    size_t next_override = 0;
    for (const Evidence& e : subject_.evidence) {
      // A due-date override applies after the facts of its own day.
      while (next_override < overrides_.size() && overrides_[next_override]->effective < e.date) {
        OnOverride(*overrides_[next_override++]);
      }
      OnEvidence(e);
    }
    while (next_override < overrides_.size()) OnOverride(*overrides_[next_override++]);
  }

  void AppendTo(std::vector<Deadline>& out, CivilDate as_of) {
    for (Pending& p : pending_) {
      p.deadline.state = StateOf(p.deadline, subject_, as_of);
      out.push_back(std::move(p.deadline));
    }
  }

 private:
  struct Pending {
    Deadline deadline;
    const TrackSpec* spec;
    bool from_trigger;
  };

  const FollowUpRule* RuleOn(CivilDate date) const {
    const auto after =
        std::upper_bound(versions_.begin(), versions_.end(), date,
                         [](CivilDate d, const RuleSet::Version& v) { return d < v.effective; });
    if (after == versions_.begin()) return nullptr;
    const RuleSet::Version& version = *std::prev(after);
    return version.rule ? &*version.rule : nullptr;
  }

  const TrackSpec* SpecOf(const FollowUpRule* rule) const {
    if (rule == nullptr || rule->trigger != TriggerFor(subject_.kind)) return nullptr;
    const bool intervention = subject_.kind == SubjectKind::kIntervention;
    if (intervention && !rule->applies_to.Contains(subject_.intervention_kind)) return nullptr;
    for (const TrackSpec& spec : rule->tracks) {
      if (spec.track != track_) continue;
      if (!intervention || spec.applies_to.Contains(subject_.intervention_kind)) return &spec;
    }
    return nullptr;
  }

  void OpenFirst() {
    const FollowUpRule* rule = RuleOn(subject_.start);
    const TrackSpec* spec = SpecOf(rule);
    if (spec == nullptr || !rule->first_due) return;
    CalendarDuration offset = *rule->first_due;
    if (subject_.consent == ConsentBasis::kWithoutConsent && rule->first_due_without_consent) {
      offset = *rule->first_due_without_consent;
    }
    if (subject_.start_at) {
      const Timestamp due_at = offset.After(*subject_.start_at);
      Open(*rule, *spec, subject_.start, CopenhagenDate(due_at), due_at, true, nullptr);
    } else {
      Open(*rule, *spec, subject_.start, offset.After(subject_.start), std::nullopt, true, nullptr);
    }
  }

  void OnEvidence(const Evidence& e) {
    bool met = false;
    if (const auto open = EarliestOpen(&e)) {
      Deadline& d = pending_[*open].deadline;
      d.met_on = e.date;
      d.met_at = e.at;
      d.met_by = std::string(e.caseworker);
      open_.erase(std::find(open_.begin(), open_.end(), *open));
      met = true;
    }
    const FollowUpRule* rule = RuleOn(e.date);
    const TrackSpec* spec = SpecOf(rule);
    if (spec == nullptr || !spec->satisfied_by.Contains(e.kind)) return;
    // Still open yet not met: it was opened today by an earlier fact, which this one
    // repeats. The series waits for a fact on a later day.
    if (!met && !open_.empty()) return;
    const ScheduleOverride* by = IntervalOverrideOn(e.date);
    const std::optional<CalendarDuration> interval =
        by != nullptr ? by->interval : RecurrenceInterval(*rule, subject_.start, e.date);
    if (!interval) return;
    Open(*rule, *spec, e.date, interval->After(e.date), std::nullopt, false, by);
  }

  void OnOverride(const ScheduleOverride& o) {
    if (!o.due || (subject_.end && o.effective >= *subject_.end)) return;
    const FollowUpRule* rule = RuleOn(o.effective);
    const TrackSpec* spec = SpecOf(rule);
    if (spec == nullptr) return;
    if (const auto open = EarliestOpen(nullptr)) {
      Pending& p = pending_[*open];
      p.deadline.due = *o.due;
      p.deadline.due_at.reset();  // a re-dated deadline is due by the end of its date
      p.deadline.responsible_role = RoleFor(*p.spec, subject_.start, *o.due);
      p.deadline.override_id = o.id;
      p.deadline.justification = o.justification;
      return;
    }
    Open(*rule, *spec, o.effective, *o.due, std::nullopt, false, &o);
  }

  // The open deadline due first that `e` can meet (any open one when `e` is null).
  std::optional<size_t> EarliestOpen(const Evidence* e) const {
    std::optional<size_t> best;
    for (const size_t i : open_) {
      const Pending& p = pending_[i];
      if (e != nullptr && (!p.spec->satisfied_by.Contains(e->kind) ||
                           (!p.from_trigger && e->date <= p.deadline.opened_on))) {
        continue;
      }
      if (!best || std::tie(p.deadline.due, p.deadline.sequence) <
                       std::tie(pending_[*best].deadline.due, pending_[*best].deadline.sequence)) {
        best = i;
      }
    }
    return best;
  }

  const ScheduleOverride* IntervalOverrideOn(CivilDate date) const {
    const ScheduleOverride* found = nullptr;
    for (const ScheduleOverride* o : overrides_) {
      if (o->effective > date) break;
      if (o->interval) found = o;
    }
    return found;
  }

  void Open(const FollowUpRule& rule, const TrackSpec& spec, CivilDate opened_on, CivilDate due,
            std::optional<Timestamp> due_at, bool from_trigger, const ScheduleOverride* by) {
    Deadline d;
    d.rule_id = std::string(rule_id_);
    d.source = rule.source;
    d.track = track_;
    d.subject_kind = subject_.kind;
    d.subject_id = std::string(subject_.id);
    d.sequence = static_cast<int>(pending_.size()) + 1;
    d.opened_on = opened_on;
    d.due = due;
    d.due_at = due_at;
    d.responsible_role = RoleFor(spec, subject_.start, due);
    if (by != nullptr) {
      d.override_id = by->id;
      d.justification = by->justification;
    }
    open_.push_back(pending_.size());
    pending_.push_back({std::move(d), &spec, from_trigger});
  }

  std::string_view rule_id_;
  const std::vector<RuleSet::Version>& versions_;
  const Subject& subject_;
  Track track_;
  std::vector<const ScheduleOverride*> overrides_;  // sorted by (effective, id)
  std::vector<Pending> pending_;
  std::vector<size_t> open_;  // indices into pending_ of unmet deadlines
};

// What any version of a rule could apply to, to skip subjects quickly.
struct RuleReach {
  EnumSet<RuleTrigger> triggers;
  InterventionKindSet kinds;
  EnumSet<Track> tracks;
};

RuleReach ReachOf(const std::vector<RuleSet::Version>& versions) {
  RuleReach reach;
  for (const RuleSet::Version& v : versions) {
    if (!v.rule) continue;
    reach.triggers.Add(v.rule->trigger);
    reach.kinds = reach.kinds | v.rule->applies_to;
    for (const TrackSpec& spec : v.rule->tracks) reach.tracks.Add(spec.track);
  }
  return reach;
}

bool Reaches(const RuleReach& reach, const Subject& s) {
  if (!reach.triggers.Contains(TriggerFor(s.kind))) return false;
  return s.kind != SubjectKind::kIntervention || reach.kinds.Contains(s.intervention_kind);
}

auto OrderKey(const Deadline& d) {
  return std::tie(d.due, d.due_at, d.subject_kind, d.subject_id, d.track, d.rule_id, d.sequence);
}

constexpr Track kAllTracks[] = {
    Track::kReportAssessment, Track::kInvestigation,     Track::kPlan,
    Track::kFollowUp,         Track::kChildConversation, Track::kFosterFamily,
    Track::kInstitution,      Track::kSupervision,       Track::kCoWorker};

}  // namespace

Result<std::vector<Deadline>> DeriveDeadlines(const RuleSet& rules, const CaseTimeline& timeline,
                                              CivilDate as_of) {
  TRAPPE_RETURN_IF_ERROR(ValidateTimeline(timeline));
  const std::vector<Subject> subjects = CollectSubjects(timeline, as_of);
  std::vector<const ScheduleOverride*> overrides;
  for (const ScheduleOverride& o : timeline.overrides) {
    if (o.effective <= as_of) overrides.push_back(&o);
  }
  std::sort(overrides.begin(), overrides.end(), [](const auto* a, const auto* b) {
    return std::tie(a->effective, a->id) < std::tie(b->effective, b->id);
  });

  std::vector<Deadline> out;
  for (const auto& [rule_id, versions] : rules.versions()) {
    const RuleReach reach = ReachOf(versions);
    for (const Subject& subject : subjects) {
      if (!Reaches(reach, subject)) continue;
      for (const Track track : kAllTracks) {
        if (!reach.tracks.Contains(track)) continue;
        std::vector<const ScheduleOverride*> mine;
        for (const ScheduleOverride* o : overrides) {
          if (o->rule_id == rule_id && o->track == track && o->subject_id == subject.id) {
            mine.push_back(o);
          }
        }
        Series series(rule_id, versions, subject, track, std::move(mine));
        series.Run();
        series.AppendTo(out, as_of);
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Deadline& a, const Deadline& b) { return OrderKey(a) < OrderKey(b); });
  return out;
}

std::vector<Deadline> EarliestOpenPerTrack(const std::vector<Deadline>& deadlines) {
  std::vector<const Deadline*> open;
  for (const Deadline& d : deadlines) {
    if (d.IsOpen()) open.push_back(&d);
  }
  const auto group = [](const Deadline* d) {
    return std::tie(d->subject_kind, d->subject_id, d->track);
  };
  std::sort(open.begin(), open.end(), [&](const Deadline* a, const Deadline* b) {
    return std::tuple_cat(group(a), std::tie(a->due, a->due_at, a->rule_id, a->sequence)) <
           std::tuple_cat(group(b), std::tie(b->due, b->due_at, b->rule_id, b->sequence));
  });
  std::vector<Deadline> earliest;
  for (size_t i = 0; i < open.size(); ++i) {
    if (i == 0 || group(open[i]) != group(open[i - 1])) earliest.push_back(*open[i]);
  }
  std::sort(earliest.begin(), earliest.end(),
            [](const Deadline& a, const Deadline& b) { return OrderKey(a) < OrderKey(b); });
  return earliest;
}

std::optional<double> RuleCompliance::ShareOnTime() const {
  const int64_t decided = due - not_yet_due;
  if (decided <= 0) return std::nullopt;
  return static_cast<double>(met_on_time) / static_cast<double>(decided);
}

RuleCompliance& RuleCompliance::operator+=(const RuleCompliance& other) {
  due += other.due;
  met_on_time += other.met_on_time;
  met_late += other.met_late;
  missed += other.missed;
  not_yet_due += other.not_yet_due;
  return *this;
}

std::vector<RuleCompliance> ComplianceByRule(const std::vector<Deadline>& deadlines,
                                             CivilDate first_day, CivilDate last_day) {
  std::vector<RuleCompliance> by_rule;
  for (const Deadline& d : deadlines) {
    if (d.due < first_day || d.due > last_day || d.state == DeadlineState::kDropped) continue;
    auto it = std::find_if(by_rule.begin(), by_rule.end(),
                           [&](const RuleCompliance& c) { return c.rule_id == d.rule_id; });
    if (it == by_rule.end()) it = by_rule.insert(by_rule.end(), RuleCompliance{d.rule_id});
    ++it->due;
    switch (d.state) {
      case DeadlineState::kMetOnTime: ++it->met_on_time; break;
      case DeadlineState::kMetLate: ++it->met_late; break;
      case DeadlineState::kOverdue:
      case DeadlineState::kMissed: ++it->missed; break;
      case DeadlineState::kOpen: ++it->not_yet_due; break;
      case DeadlineState::kDropped: break;
    }
  }
  std::sort(by_rule.begin(), by_rule.end(),
            [](const auto& a, const auto& b) { return a.rule_id < b.rule_id; });
  return by_rule;
}

std::string_view ToString(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kReport: return "REPORT";
    case SubjectKind::kInvestigation: return "INVESTIGATION";
    case SubjectKind::kIntervention: return "INTERVENTION";
  }
  return "UNKNOWN";
}

std::string_view ToString(DeadlineState state) {
  switch (state) {
    case DeadlineState::kOpen: return "OPEN";
    case DeadlineState::kOverdue: return "OVERDUE";
    case DeadlineState::kMetOnTime: return "MET_ON_TIME";
    case DeadlineState::kMetLate: return "MET_LATE";
    case DeadlineState::kMissed: return "MISSED";
    case DeadlineState::kDropped: return "DROPPED";
  }
  return "UNKNOWN";
}

}  // namespace trappe::rules
