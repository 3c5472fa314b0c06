#include "trappe/rules_proto/follow_up_rules.h"

#include <set>

#include "trappe/rules_proto/interventions.h"

namespace trappe::rules_proto {
namespace {

using rules::CalendarDuration;
using rules::DurationUnit;
using rules::EvidenceKind;
using rules::InterventionKind;
using rules::InterventionKindSet;

Result<CalendarDuration> FromPeriod(const common::v1::CalendarPeriod& p, const std::string& field) {
  if (p.days() < 0 || p.weeks() < 0 || p.months() < 0 || p.hours() < 0) {
    return InvalidArgument(field, "must not be negative");
  }
  int units = (p.days() != 0) + (p.weeks() != 0) + (p.months() != 0) + (p.hours() != 0);
  if (units > 1) return InvalidArgument(field, "must use one unit (days, weeks, months or hours)");
  if (p.months() != 0) return rules::Months(p.months());
  if (p.weeks() != 0) return rules::Weeks(p.weeks());
  if (p.hours() != 0) return rules::Hours(p.hours());
  return rules::Days(p.days());
}

common::v1::CalendarPeriod ToPeriod(const CalendarDuration& d) {
  common::v1::CalendarPeriod p;
  const auto n = static_cast<int32_t>(d.count);
  switch (d.unit) {
    case DurationUnit::kHours: p.set_hours(n); break;
    case DurationUnit::kDays: p.set_days(n); break;
    case DurationUnit::kWeeks: p.set_weeks(n); break;
    case DurationUnit::kMonths: p.set_months(n); break;
  }
  return p;
}

Result<InterventionKind> FromPlacementType(int type, const std::string& field) {
  if (const std::optional<InterventionKind> kind = PlacementKindOf(type)) return *kind;
  return InvalidArgument(field, "unknown placement type");
}

constexpr InterventionKind kAllKinds[] = {
    InterventionKind::kSupportingIntervention,  InterventionKind::kNetworkFosterFamily,
    InterventionKind::kGeneralFosterFamily,     InterventionKind::kReinforcedFosterFamily,
    InterventionKind::kSpecialisedFosterFamily, InterventionKind::kOwnRoomOrDormitory,
    InterventionKind::kChildrensHome,           InterventionKind::kBoardingSchool};

struct EntryScope {
  rules::RuleTrigger trigger;
  InterventionKindSet kinds;
};

Result<EntryScope> ScopeOf(const v1::FollowUpRule& entry, const std::string& field) {
  switch (entry.trigger()) {
    case v1::RULE_TRIGGER_REPORT_OF_CONCERN_RECEIVED:
      return EntryScope{rules::RuleTrigger::kReportReceived, rules::AllInterventionKinds()};
    case v1::RULE_TRIGGER_INVESTIGATION_STARTED:
      return EntryScope{rules::RuleTrigger::kInvestigationStarted, rules::AllInterventionKinds()};
    case v1::RULE_TRIGGER_INTERVENTION_STARTED:
      return EntryScope{rules::RuleTrigger::kInterventionStarted, rules::AllInterventionKinds()};
    case v1::RULE_TRIGGER_SUPPORT_STARTED:
      return EntryScope{rules::RuleTrigger::kInterventionStarted,
                        {InterventionKind::kSupportingIntervention}};
    case v1::RULE_TRIGGER_PLACEMENT_STARTED: {
      if (entry.placement_types().empty()) {
        return EntryScope{rules::RuleTrigger::kInterventionStarted, rules::PlacementKinds()};
      }
      InterventionKindSet kinds;
      for (int i = 0; i < entry.placement_types_size(); ++i) {
        TRAPPE_ASSIGN_OR_RETURN(
            InterventionKind kind,
            FromPlacementType(entry.placement_types(i),
                              field + ".placement_types[" + std::to_string(i) + "]"));
        kinds.Add(kind);
      }
      return EntryScope{rules::RuleTrigger::kInterventionStarted, kinds};
    }
    default: return InvalidArgument(field + ".trigger", "is required");
  }
}

Result<EvidenceKind> FromSatisfyingEvent(int event, const std::string& field) {
  switch (event) {
    case v1::SATISFYING_EVENT_REPORT_OF_CONCERN_ASSESSED: return EvidenceKind::kReportAssessed;
    case v1::SATISFYING_EVENT_INVESTIGATION_COMPLETED: return EvidenceKind::kInvestigationCompleted;
    case v1::SATISFYING_EVENT_CHILD_PLAN_APPROVED: return EvidenceKind::kPlanApproved;
    case v1::SATISFYING_EVENT_CO_WORKER_ASSIGNED: return EvidenceKind::kCoWorkerAssigned;
    default: return InvalidArgument(field, "unknown satisfying event");
  }
}

Result<rules::FollowUpKind> FromKind(int kind, const std::string& field) {
  if (kind < v1::FOLLOW_UP_KIND_CHILD_CONVERSATION || kind > v1::FOLLOW_UP_KIND_PLAN_REVISION) {
    return InvalidArgument(field, "unknown follow-up kind");
  }
  return static_cast<rules::FollowUpKind>(kind - 1);
}

// The recurrence, first due and source of an entry, for comparing the entries of one id.
std::string SharedPart(const v1::FollowUpRule& entry) {
  v1::FollowUpRule shared;
  shared.set_id(entry.id());
  shared.set_source(entry.source());
  if (entry.has_first_due()) *shared.mutable_first_due() = entry.first_due();
  if (entry.has_first_due_without_consent()) {
    *shared.mutable_first_due_without_consent() = entry.first_due_without_consent();
  }
  *shared.mutable_recurrence() = entry.recurrence();
  std::string out;
  shared.SerializeToString(&out);
  return out;
}

}  // namespace

WireResponsible ResponsibleOnWire(rules::ResponsibleRole role, rules::Track track) {
  switch (role) {
    case rules::ResponsibleRole::kPrimaryCaseworker:
      return {.role = cases::v1::CASEWORKER_ROLE_PRIMARY};
    case rules::ResponsibleRole::kCoWorker: {
      WireResponsible out{.role = cases::v1::CASEWORKER_ROLE_CO_WORKER};
      if (track == rules::Track::kFosterFamily) {
        out.purpose = cases::v1::CO_WORKER_PURPOSE_FOSTER_FAMILY;
      } else if (track == rules::Track::kChildConversation) {
        out.purpose = cases::v1::CO_WORKER_PURPOSE_CHILD_CONVERSATIONS;
      }
      return out;
    }
    case rules::ResponsibleRole::kTeamLeader: return {};
  }
  return {};
}

std::optional<rules::Track> ParseTrackName(std::string_view name) {
  using rules::Track;
  for (Track t : {Track::kReportAssessment, Track::kInvestigation, Track::kPlan, Track::kFollowUp,
                  Track::kChildConversation, Track::kFosterFamily, Track::kInstitution,
                  Track::kSupervision, Track::kCoWorker}) {
    if (rules::ToString(t) == name) return t;
  }
  if (name == "ASSESSMENT") return Track::kReportAssessment;
  if (name == "FIRST_FOLLOW_UP") return Track::kFollowUp;
  return std::nullopt;
}

Result<rules::Track> ParseTrack(std::string_view name) {
  if (std::optional<rules::Track> track = ParseTrackName(name)) return *track;
  return InvalidArgument("unknown track '" + std::string(name) + "'");
}

Result<std::vector<rules::FollowUpRule>> RulesFromProto(const v1::FollowUpRuleSet& set,
                                                        std::string_view field) {
  std::vector<rules::FollowUpRule> out;
  std::map<std::string, size_t> index;
  std::map<std::string, std::string> shared;
  for (int i = 0; i < set.rules_size(); ++i) {
    const v1::FollowUpRule& entry = set.rules(i);
    const std::string f = std::string(field) + ".rules[" + std::to_string(i) + "]";
    if (entry.id().empty()) return InvalidArgument(f + ".id", "is required");
    TRAPPE_ASSIGN_OR_RETURN(EntryScope scope, ScopeOf(entry, f));
    auto found = index.find(entry.id());
    if (found == index.end()) {
      rules::FollowUpRule rule;
      rule.id = entry.id();
      rule.source = entry.source();
      rule.trigger = scope.trigger;
      rule.applies_to = scope.kinds;
      if (entry.has_first_due()) {
        TRAPPE_ASSIGN_OR_RETURN(rule.first_due, FromPeriod(entry.first_due(), f + ".first_due"));
      }
      if (entry.has_first_due_without_consent()) {
        TRAPPE_ASSIGN_OR_RETURN(
            rule.first_due_without_consent,
            FromPeriod(entry.first_due_without_consent(), f + ".first_due_without_consent"));
      }
      for (int r = 0; r < entry.recurrence_size(); ++r) {
        const std::string rf = f + ".recurrence[" + std::to_string(r) + "]";
        rules::RecurrencePhase phase;
        if (entry.recurrence(r).has_until_placement_age()) {
          TRAPPE_ASSIGN_OR_RETURN(
              phase.until_age,
              FromPeriod(entry.recurrence(r).until_placement_age(), rf + ".until_placement_age"));
        }
        TRAPPE_ASSIGN_OR_RETURN(phase.interval,
                                FromPeriod(entry.recurrence(r).interval(), rf + ".interval"));
        rule.recurrence.push_back(phase);
      }
      index[entry.id()] = out.size();
      shared[entry.id()] = SharedPart(entry);
      out.push_back(std::move(rule));
    } else {
      if (shared[entry.id()] != SharedPart(entry) || out[found->second].trigger != scope.trigger) {
        return InvalidArgument(f, "entries of rule " + entry.id() +
                                      " must agree on source, trigger, first due and recurrence");
      }
      out[found->second].applies_to = out[found->second].applies_to | scope.kinds;
    }
    rules::FollowUpRule& rule = out[index[entry.id()]];
    rules::TrackSpec spec;
    auto track = ParseTrack(entry.track());
    if (!track.ok()) return InvalidArgument(f + ".track", track.status().message());
    spec.track = *track;
    spec.applies_to = scope.kinds;
    for (int k = 0; k < entry.satisfied_by_kinds_size(); ++k) {
      TRAPPE_ASSIGN_OR_RETURN(rules::FollowUpKind kind,
                              FromKind(entry.satisfied_by_kinds(k),
                                       f + ".satisfied_by_kinds[" + std::to_string(k) + "]"));
      spec.satisfied_by.Add(rules::EvidenceOf(kind));
    }
    for (int k = 0; k < entry.satisfied_by_events_size(); ++k) {
      TRAPPE_ASSIGN_OR_RETURN(
          EvidenceKind evidence,
          FromSatisfyingEvent(entry.satisfied_by_events(k),
                              f + ".satisfied_by_events[" + std::to_string(k) + "]"));
      spec.satisfied_by.Add(evidence);
    }
    if (entry.responsible_team_leader()) {
      spec.role = rules::ResponsibleRole::kTeamLeader;
    } else if (entry.responsible_role() == cases::v1::CASEWORKER_ROLE_CO_WORKER) {
      spec.role = rules::ResponsibleRole::kCoWorker;
    }
    if (entry.has_responsible_until_placement_age()) {
      TRAPPE_ASSIGN_OR_RETURN(spec.role_until_age,
                              FromPeriod(entry.responsible_until_placement_age(),
                                         f + ".responsible_until_placement_age"));
    }
    rule.tracks.push_back(spec);
  }
  for (const rules::FollowUpRule& rule : out) {
    Status valid = rules::ValidateRule(rule);
    if (!valid.ok()) return InvalidArgument(std::string(field) + ": " + valid.message());
  }
  return out;
}

Result<v1::FollowUpRuleSet> RuleSetToProto(std::string_view name,
                                           const std::vector<rules::FollowUpRule>& rules_list) {
  v1::FollowUpRuleSet set;
  set.set_name(std::string(name));
  for (const rules::FollowUpRule& rule : rules_list) {
    for (const rules::TrackSpec& spec : rule.tracks) {
      v1::FollowUpRule& entry = *set.add_rules();
      entry.set_id(rule.id);
      entry.set_source(rule.source);
      entry.set_track(std::string(rules::ToString(spec.track)));
      switch (rule.trigger) {
        case rules::RuleTrigger::kReportReceived:
          entry.set_trigger(v1::RULE_TRIGGER_REPORT_OF_CONCERN_RECEIVED);
          break;
        case rules::RuleTrigger::kInvestigationStarted:
          entry.set_trigger(v1::RULE_TRIGGER_INVESTIGATION_STARTED);
          break;
        case rules::RuleTrigger::kInterventionStarted: {
          const InterventionKindSet kinds = rule.applies_to & spec.applies_to;
          if (kinds == rules::AllInterventionKinds()) {
            entry.set_trigger(v1::RULE_TRIGGER_INTERVENTION_STARTED);
          } else if (kinds == InterventionKindSet{InterventionKind::kSupportingIntervention}) {
            entry.set_trigger(v1::RULE_TRIGGER_SUPPORT_STARTED);
          } else if ((kinds & rules::PlacementKinds()) == kinds && !kinds.empty()) {
            entry.set_trigger(v1::RULE_TRIGGER_PLACEMENT_STARTED);
            if (kinds != rules::PlacementKinds()) {
              for (InterventionKind kind : kAllKinds) {
                if (!kinds.Contains(kind)) continue;
                for (auto type : PlacementTypesOf(kind)) entry.add_placement_types(type);
              }
            }
          } else {
            return InvalidArgument(rule.id +
                                   ": its intervention kinds cannot be stated on the wire");
          }
          break;
        }
      }
      if (rule.first_due) *entry.mutable_first_due() = ToPeriod(*rule.first_due);
      if (rule.first_due_without_consent) {
        *entry.mutable_first_due_without_consent() = ToPeriod(*rule.first_due_without_consent);
      }
      for (const rules::RecurrencePhase& phase : rule.recurrence) {
        v1::RecurrencePhase& p = *entry.add_recurrence();
        if (phase.until_age) *p.mutable_until_placement_age() = ToPeriod(*phase.until_age);
        *p.mutable_interval() = ToPeriod(phase.interval);
      }
      for (int k = 0; k <= static_cast<int>(EvidenceKind::kCoWorkerAssigned); ++k) {
        const auto evidence = static_cast<EvidenceKind>(k);
        if (!spec.satisfied_by.Contains(evidence)) continue;
        switch (evidence) {
          case EvidenceKind::kReportAssessed:
            entry.add_satisfied_by_events(v1::SATISFYING_EVENT_REPORT_OF_CONCERN_ASSESSED);
            break;
          case EvidenceKind::kInvestigationCompleted:
            entry.add_satisfied_by_events(v1::SATISFYING_EVENT_INVESTIGATION_COMPLETED);
            break;
          case EvidenceKind::kPlanApproved:
            entry.add_satisfied_by_events(v1::SATISFYING_EVENT_CHILD_PLAN_APPROVED);
            break;
          case EvidenceKind::kCoWorkerAssigned:
            entry.add_satisfied_by_events(v1::SATISFYING_EVENT_CO_WORKER_ASSIGNED);
            break;
          default: entry.add_satisfied_by_kinds(static_cast<v1::FollowUpKind>(k + 1)); break;
        }
      }
      const WireResponsible responsible = ResponsibleOnWire(spec.role, spec.track);
      entry.set_responsible_role(responsible.role);
      entry.set_responsible_purpose(responsible.purpose);
      entry.set_responsible_team_leader(spec.role == rules::ResponsibleRole::kTeamLeader);
      if (spec.role_until_age) {
        *entry.mutable_responsible_until_placement_age() = ToPeriod(*spec.role_until_age);
      }
      // For people reading the rule set (in an audit of the registration, say).
      entry.set_description(
          rule.id + " (" + rule.source + "): deadlines on the " + entry.track() + " track" +
          (rule.first_due ? ", first due " + rule.first_due->ToString() + " after the trigger"
                          : "") +
          (rule.recurrence.empty() ? "" : ", then recurring"));
    }
  }
  return set;
}

Result<v1::FollowUpRuleSet> PresetRuleSet(std::string_view name) {
  TRAPPE_ASSIGN_OR_RETURN(std::vector<rules::FollowUpRule> preset, rules::FollowUpPreset(name));
  TRAPPE_ASSIGN_OR_RETURN(v1::FollowUpRuleSet set, RuleSetToProto(name, preset));
  set.set_description(name == "barnets-lov" ? "Barnets lov: the statutory floor"
                                            : "Sverigesmodellen: Borås practice");
  return set;
}

Result<CompiledRules> CompileRules(
    const std::vector<std::pair<CivilDate, std::vector<v1::FollowUpRuleSet>>>& configurations) {
  CompiledRules compiled;
  std::set<std::string> previous;
  for (const auto& [from, sets] : configurations) {
    std::set<std::string> current;
    for (size_t s = 0; s < sets.size(); ++s) {
      TRAPPE_ASSIGN_OR_RETURN(std::vector<rules::FollowUpRule> list,
                              RulesFromProto(sets[s], "rule_sets[" + std::to_string(s) + "]"));
      for (rules::FollowUpRule& rule : list) {
        if (!current.insert(rule.id).second) {
          return InvalidArgument("rule_sets[" + std::to_string(s) + "]",
                                 "rule " + rule.id + " is already in another rule set");
        }
        compiled.set_of_rule[rule.id] = sets[s].name();
        TRAPPE_RETURN_IF_ERROR(compiled.rule_set.Put(std::move(rule), from));
      }
    }
    for (const std::string& id : previous) {
      if (!current.contains(id)) TRAPPE_RETURN_IF_ERROR(compiled.rule_set.Retire(id, from));
    }
    previous = std::move(current);
  }
  return compiled;
}

}  // namespace trappe::rules_proto
