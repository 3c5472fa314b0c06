#include "staircase_figures.h"

#include <algorithm>

#include "trappe/service/convert.h"

namespace trappe::placements {
namespace {

CivilDate DateOf(const common::v1::Date& date) {
  return CivilDate::FromYmd(date.year(), date.month(), date.day()).value_or(CivilDate());
}

rules::ConsentBasis ToRulesConsent(v1::ConsentBasis consent) {
  switch (consent) {
    case v1::CONSENT_BASIS_WITH_CONSENT: return rules::ConsentBasis::kWithConsent;
    case v1::CONSENT_BASIS_WITHOUT_CONSENT: return rules::ConsentBasis::kWithoutConsent;
    default: return rules::ConsentBasis::kNotApplicable;
  }
}

void AddStep(std::vector<StepInfo>& steps, const v1::StaircaseStep& step, int number) {
  for (const StepInfo& s : steps) {
    if (s.number == number) return;  // the first time it stood there defines it
  }
  StepInfo info = ToStepInfo(step);
  info.number = number;
  steps.push_back(std::move(info));
}

bool IsPreventiveCategory(v1::StepCategory category) {
  return category == v1::STEP_CATEGORY_EARLY_UNIVERSAL || category == v1::STEP_CATEGORY_PREVENTIVE;
}

// The latest value a change sets, among changes effective on or before `date`, in the
// order the rules apply them (by date, then as recorded).
template <typename Get>
void ForChangesBy(const InterventionFacts& facts, CivilDate date, Get get) {
  std::vector<const v1::InterventionChanged*> changes;
  for (const v1::InterventionChanged& c : facts.record->changes()) {
    if (DateOf(c.effective_date()) <= date) changes.push_back(&c);
  }
  std::stable_sort(changes.begin(), changes.end(), [](const auto* a, const auto* b) {
    return DateOf(a->effective_date()) < DateOf(b->effective_date());
  });
  for (const v1::InterventionChanged* c : changes) get(*c);
}

int64_t RoundedShareBp(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  return (2 * part * 10000 + whole) / (2 * whole);
}

}  // namespace

const StepInfo* InterventionFacts::Step(int number) const {
  for (const StepInfo& s : steps) {
    if (s.number == number) return &s;
  }
  return nullptr;
}

bool InterventionFacts::IsInstitution() const {
  return placement == v1::PLACEMENT_TYPE_CHILDRENS_HOME ||
         placement == v1::PLACEMENT_TYPE_OPHOLDSSTED;
}

bool InterventionFacts::IntensiveOn(CivilDate date) const {
  bool intensive = record->started().intensive();
  ForChangesBy(*this, date, [&](const v1::InterventionChanged& c) {
    if (c.has_intensive()) intensive = c.intensive();
  });
  return intensive;
}

std::optional<CivilDate> InterventionFacts::PlannedEndOn(CivilDate date) const {
  std::optional<CivilDate> planned;
  if (service::IsSet(record->started().planned_end_date())) {
    planned = DateOf(record->started().planned_end_date());
  }
  ForChangesBy(*this, date, [&](const v1::InterventionChanged& c) {
    if (service::IsSet(c.planned_end_date())) planned = DateOf(c.planned_end_date());
  });
  return planned;
}

std::optional<rules::InterventionKind> ToRulesKind(const v1::InterventionKind& kind) {
  using K = rules::InterventionKind;
  switch (kind.kind_case()) {
    case v1::InterventionKind::kSupport:
      if (kind.support() == v1::SUPPORT_TYPE_UNSPECIFIED) return std::nullopt;
      return K::kSupportingIntervention;
    case v1::InterventionKind::kPlacement:
      switch (kind.placement()) {
        case v1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY: return K::kNetworkFosterFamily;
        case v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY: return K::kGeneralFosterFamily;
        case v1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY: return K::kReinforcedFosterFamily;
        case v1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY: return K::kSpecialisedFosterFamily;
        case v1::PLACEMENT_TYPE_OWN_ROOM: return K::kOwnRoomOrDormitory;
        case v1::PLACEMENT_TYPE_CHILDRENS_HOME:
        case v1::PLACEMENT_TYPE_OPHOLDSSTED: return K::kChildrensHome;
        case v1::PLACEMENT_TYPE_BOARDING_SCHOOL: return K::kBoardingSchool;
        default: return std::nullopt;
      }
    default: return std::nullopt;
  }
}

StepInfo ToStepInfo(const v1::StaircaseStep& step) {
  return {.number = step.number(),
          .name = step.name(),
          .prevention = step.prevention(),
          .category = step.category()};
}

v1::StaircaseStep ToProtoStep(const StepInfo& step) {
  v1::StaircaseStep out;
  out.set_number(step.number);
  out.set_name(std::string(step.name));
  out.set_prevention(step.prevention);
  out.set_category(step.category);
  return out;
}

rules::Staircase ToRulesStaircase(const v1::Staircase& staircase) {
  rules::Staircase out;
  for (const v1::StaircaseStep& step : staircase.steps()) {
    out.steps.push_back({.number = step.number(),
                         .name = step.name(),
                         .danish_name = "",
                         .prevention = step.prevention()});
  }
  return out;
}

CaseFacts FactsOf(const store::CaseRecord& record) {
  CaseFacts out;
  const size_t n = static_cast<size_t>(record.interventions_size());
  out.rules.resize(n);
  out.facts.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const store::InterventionRecord& iv = record.interventions(static_cast<int>(i));
    const v1::InterventionStarted& s = iv.started();
    rules::Intervention& r = out.rules[i];
    InterventionFacts& f = out.facts[i];
    f.iv = &r;
    f.record = &iv;
    r.id = s.intervention_id();
    r.kind = ToRulesKind(s.kind()).value_or(rules::InterventionKind::kSupportingIntervention);
    if (s.kind().kind_case() == v1::InterventionKind::kPlacement)
      f.placement = s.kind().placement();
    r.consent = ToRulesConsent(s.consent_basis());
    r.step = s.step_number();
    r.monthly_cost_ore = s.monthly_cost_oere();
    r.started_on = DateOf(s.start_date());
    // end_date is the intervention's last day (the contract); the rules take the first day
    // it is no longer active.
    if (iv.has_ended())
      r.ended_on = std::max(r.started_on, DateOf(iv.ended().end_date())).AddDays(1);
    AddStep(f.steps, s.step(), s.step_number());
    for (const v1::InterventionChanged& c : iv.changes()) {
      rules::InterventionChange change{.effective = DateOf(c.effective_date())};
      if (c.has_step_number()) {
        change.step = c.step_number();
        AddStep(f.steps, c.step(), c.step_number());
      }
      if (c.has_monthly_cost_oere()) change.monthly_cost_ore = c.monthly_cost_oere();
      if (c.consent_basis() != v1::CONSENT_BASIS_UNSPECIFIED) {
        change.consent = ToRulesConsent(c.consent_basis());
      }
      r.changes.push_back(change);
    }
  }
  return out;
}

bool IsOpenOn(const store::CaseRecord& record, CivilDate date) {
  // The toggles in date order (same date: as recorded); the last one by `date` decides.
  bool open = false;
  CivilDate latest;
  bool any = false;
  for (const store::CaseToggle& t : record.toggles()) {
    const CivilDate d = DateOf(t.date());
    if (d > date) continue;
    if (!any || d >= latest) {
      open = t.open();
      latest = d;
      any = true;
    }
  }
  return open;
}

namespace {

// The intervention whose start, change or end on `date` made the move.
std::string CauseOf(const std::vector<InterventionFacts>& facts, const rules::StepChange& move) {
  for (const InterventionFacts& f : facts) {
    if (f.rules().started_on == move.date &&
        rules::TermsOn(f.rules(), move.date).step == move.to_step) {
      return f.rules().id;
    }
  }
  for (const InterventionFacts& f : facts) {
    for (const rules::InterventionChange& c : f.rules().changes) {
      if (c.effective == move.date && c.step && *c.step == move.to_step) return f.rules().id;
    }
  }
  for (const InterventionFacts& f : facts) {
    if (f.rules().ended_on && *f.rules().ended_on == move.date) return f.rules().id;
  }
  for (const InterventionFacts& f : facts) {
    for (const rules::InterventionChange& c : f.rules().changes) {
      if (c.effective == move.date && c.step) return f.rules().id;
    }
  }
  return "";
}

}  // namespace

std::vector<v1::StepChange> CaseTrajectory(const CaseFacts& case_facts, CivilDate as_of) {
  const std::vector<InterventionFacts>& facts = case_facts.facts;
  std::vector<v1::StepChange> out;
  for (const rules::StepChange& move : rules::Trajectory(case_facts.rules, as_of)) {
    v1::StepChange& c = out.emplace_back();
    *c.mutable_date() = service::ToProtoDate(move.date);
    c.set_from_step(move.from_step);
    c.set_to_step(move.to_step);
    c.set_direction(move.direction == rules::StepDirection::kUp ? v1::STEP_DIRECTION_UP
                                                                : v1::STEP_DIRECTION_DOWN);
    c.set_intervention_id(CauseOf(facts, move));
  }
  return out;
}

v1::Intervention ToApiIntervention(const InterventionFacts& f, CivilDate as_of) {
  const v1::InterventionStarted& s = f.record->started();
  v1::Intervention out;
  out.set_intervention_id(s.intervention_id());
  out.set_case_id(s.case_id());
  out.set_child_id(s.child_id());
  // Its terms on as_of; before it starts its first terms, after it ends its last ones.
  CivilDate terms_date = as_of;
  if (as_of < f.rules().started_on) {
    out.set_state(v1::INTERVENTION_STATE_PLANNED);
    terms_date = f.rules().started_on;
  } else if (f.rules().ended_on && *f.rules().ended_on <= as_of) {
    out.set_state(v1::INTERVENTION_STATE_ENDED);
    terms_date = std::max(f.rules().started_on, f.rules().ended_on->AddDays(-1));
  } else {
    out.set_state(v1::INTERVENTION_STATE_ACTIVE);
  }
  const rules::InterventionTerms terms = rules::TermsOn(f.rules(), terms_date);
  out.set_step_number(terms.step);
  if (const StepInfo* step = f.Step(terms.step)) out.set_step_name(std::string(step->name));
  *out.mutable_kind() = s.kind();
  *out.mutable_provider() = s.provider();
  ForChangesBy(f, terms_date, [&](const v1::InterventionChanged& c) {
    if (c.has_provider()) *out.mutable_provider() = c.provider();
  });
  *out.mutable_start_date() = s.start_date();
  if (const auto planned = f.PlannedEndOn(terms_date)) {
    *out.mutable_planned_end_date() = service::ToProtoDate(*planned);
  }
  out.set_intensive(f.IntensiveOn(terms_date));
  out.set_monthly_cost_oere(terms.monthly_cost_ore);
  v1::ConsentBasis consent = s.consent_basis();
  ForChangesBy(f, terms_date, [&](const v1::InterventionChanged& c) {
    if (c.consent_basis() != v1::CONSENT_BASIS_UNSPECIFIED) consent = c.consent_basis();
  });
  out.set_consent_basis(consent);
  out.set_purpose(s.purpose());
  if (out.state() == v1::INTERVENTION_STATE_ENDED) {
    const v1::InterventionEnded& e = f.record->ended();
    *out.mutable_end_date() = e.end_date();
    out.set_end_reason(e.reason());
    out.set_destination(e.destination());
    out.set_destination_step_number(e.destination_step_number());
  }
  out.set_version(f.record->version());
  return out;
}

DistributionBuilder::DistributionBuilder(CivilDate as_of, std::string team_id)
    : as_of_(as_of), team_id_(std::move(team_id)) {}

namespace {

// Whether an intervention's [start, end) could reach into [first, last], from the raw dates
// (cheap: most of a municipality's history is over on any one date).
bool Overlaps(const store::InterventionRecord& iv, CivilDate first, CivilDate last) {
  if (DateOf(iv.started().start_date()) > last) return false;
  return !iv.has_ended() || DateOf(iv.ended().end_date()) >= first;
}

bool AnyOverlaps(const store::CaseRecord& record, CivilDate first, CivilDate last) {
  for (const store::InterventionRecord& iv : record.interventions()) {
    if (Overlaps(iv, first, last)) return true;
  }
  return false;
}

}  // namespace

void DistributionBuilder::Add(const store::CaseRecord& record) {
  if (!team_id_.empty() && record.team_id() != team_id_) return;
  const bool open = IsOpenOn(record, as_of_);
  int step = 0;
  bool active = false;
  if (!AnyOverlaps(record, as_of_, as_of_)) {
    if (!open) return;
    const std::string& child = record.child_id().empty() ? record.case_id() : record.child_id();
    children_.try_emplace(child);
    return;
  }
  const CaseFacts case_facts = FactsOf(record);
  for (const InterventionFacts& f : case_facts.facts) {
    if (!rules::IsActiveOn(f.rules(), as_of_)) continue;
    active = true;
    const rules::InterventionTerms terms = rules::TermsOn(f.rules(), as_of_);
    step = std::max(step, terms.step);
    cost_by_step_[terms.step] += terms.monthly_cost_ore;
    if (!seen_steps_.contains(terms.step)) {
      if (const StepInfo* info = f.Step(terms.step)) seen_steps_[terms.step] = ToProtoStep(*info);
    }
  }
  if (!open && !active) return;
  const std::string& child = record.child_id().empty() ? record.case_id() : record.child_id();
  Child& c = children_[child];
  c.step = std::max(c.step, step);
}

std::vector<v1::StepCount> DistributionBuilder::Finish(const v1::Staircase& staircase) const {
  std::map<int, int> children_by_step;
  for (const auto& [id, child] : children_) ++children_by_step[child.step];
  std::vector<v1::StepCount> out;
  auto add = [&](int number, const std::string& name, bool prevention, v1::StepCategory category) {
    v1::StepCount& c = out.emplace_back();
    c.set_step_number(number);
    c.set_step_name(name);
    c.set_prevention(prevention);
    c.set_category(category);
    const auto children = children_by_step.find(number);
    c.set_children(children == children_by_step.end() ? 0 : children->second);
    const auto cost = cost_by_step_.find(number);
    c.set_monthly_cost_oere(cost == cost_by_step_.end() ? 0 : cost->second);
  };
  add(0, "", false, v1::STEP_CATEGORY_UNSPECIFIED);
  int top = 0;
  for (const v1::StaircaseStep& step : staircase.steps()) {
    add(step.number(), step.name(), step.prevention(), step.category());
    top = std::max(top, step.number());
  }
  // Children on a step the staircase has since lost keep it (and its old name).
  for (const auto& [number, children] : children_by_step) {
    if (number <= top) continue;
    const auto seen = seen_steps_.find(number);
    v1::StaircaseStep info;
    if (seen != seen_steps_.end()) info = seen->second;
    add(number, info.name(), info.prevention(), info.category());
  }
  return out;
}

KeyFiguresBuilder::KeyFiguresBuilder(CivilDate first_day, CivilDate last_day, std::string team_id)
    : first_(first_day), last_(last_day), team_id_(std::move(team_id)) {
  *figures_.mutable_period()->mutable_start_date() = service::ToProtoDate(first_day);
  *figures_.mutable_period()->mutable_end_date() = service::ToProtoDate(last_day);
}

Status KeyFiguresBuilder::Add(const store::CaseRecord& record) {
  if (!team_id_.empty() && record.team_id() != team_id_) return Status::Ok();
  if (record.interventions_size() == 0) return Status::Ok();
  const std::string& child_key = record.child_id().empty() ? record.case_id() : record.child_id();
  if (!AnyOverlaps(record, first_, last_)) {
    // Over before the period (or not begun): only whether it placed the child in an
    // institution matters, for the children previously in one.
    for (const store::InterventionRecord& iv : record.interventions()) {
      const v1::InterventionKind& kind = iv.started().kind();
      if (kind.kind_case() == v1::InterventionKind::kPlacement &&
          (kind.placement() == v1::PLACEMENT_TYPE_CHILDRENS_HOME ||
           kind.placement() == v1::PLACEMENT_TYPE_OPHOLDSSTED) &&
          iv.has_ended() && DateOf(iv.ended().end_date()) < last_) {
        children_[child_key].previously_in_institution = true;
      }
    }
    return Status::Ok();
  }
  const CaseFacts case_facts = FactsOf(record);
  const std::vector<InterventionFacts>& facts = case_facts.facts;
  const std::vector<rules::Intervention>& ivs = case_facts.rules;
  auto in_period = [&](CivilDate d) { return first_ <= d && d <= last_; };
  const std::string& child = record.child_id().empty() ? record.case_id() : record.child_id();
  ChildFlags& flags = children_[child];

  // The steps as the case's interventions saw them, for the moves.
  std::map<int, StepInfo> steps;
  for (const InterventionFacts& f : facts) {
    for (const StepInfo& s : f.steps) steps.emplace(s.number, s);
  }

  for (const InterventionFacts& f : facts) {
    const bool active = rules::IsActiveOn(f.rules(), last_);
    const bool started = in_period(f.rules().started_on);
    // Ended in the period: its last day is in the period.
    const bool ended = f.rules().ended_on && in_period(f.rules().ended_on->AddDays(-1));
    if (active) {
      const StepInfo* step = f.Step(rules::TermsOn(f.rules(), last_).step);
      const v1::StepCategory category = step ? step->category : v1::STEP_CATEGORY_UNSPECIFIED;
      if (category == v1::STEP_CATEGORY_HOME_BASED) {
        figures_.set_home_based_measures_active(figures_.home_based_measures_active() + 1);
      }
      if (IsPreventiveCategory(category)) {
        figures_.set_preventive_interventions_active(figures_.preventive_interventions_active() +
                                                     1);
      }
      if (f.IsInstitution()) {
        flags.in_institution = true;
      } else {
        flags.active_outside_institution = true;
      }
    }
    if (started) {
      const StepInfo* step = f.Step(f.rules().step);
      if (step && IsPreventiveCategory(step->category)) {
        figures_.set_preventive_interventions_started(figures_.preventive_interventions_started() +
                                                      1);
      }
    }
    if (f.IsInstitution()) {
      if (active) {
        figures_.set_institution_placements_active(figures_.institution_placements_active() + 1);
        if (f.rules().started_on.AddMonths(12) <= last_) {
          figures_.set_institution_placements_over_12_months(
              figures_.institution_placements_over_12_months() + 1);
        }
      }
      if (started) {
        figures_.set_institution_placements_started(figures_.institution_placements_started() + 1);
      }
      if (ended) {
        figures_.set_institution_placements_ended(figures_.institution_placements_ended() + 1);
        institution_durations_.push_back(DaysBetween(f.rules().started_on, *f.rules().ended_on));
      }
      if (f.rules().ended_on && *f.rules().ended_on <= last_)
        flags.previously_in_institution = true;
    }
    if (active && f.placement == v1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY) {
      figures_.set_network_placements_active(figures_.network_placements_active() + 1);
    }
    if (active && (f.placement == v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY ||
                   f.placement == v1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY ||
                   f.placement == v1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY)) {
      figures_.set_foster_placements_active(figures_.foster_placements_active() + 1);
    }
    if (f.IsPlacement() && active && f.IntensiveOn(last_)) {
      figures_.set_intensive_placements_active(figures_.intensive_placements_active() + 1);
    }
    if (f.IsPlacement() && ended) {
      const CivilDate end = *f.rules().ended_on;  // the first day after it
      const CivilDate last_day_in = end.AddDays(-1);
      if (f.IntensiveOn(last_day_in)) {
        figures_.set_intensive_placements_ended(figures_.intensive_placements_ended() + 1);
        const std::optional<CivilDate> planned = f.PlannedEndOn(last_day_in);
        const int step_before = rules::TermsOn(f.rules(), last_day_in).step;
        if (planned && last_day_in < *planned && rules::CurrentStep(ivs, end) < step_before) {
          figures_.set_intensive_placements_ended_lower_early(
              figures_.intensive_placements_ended_lower_early() + 1);
        }
      }
    }
  }

  // Moves within the period, from the case's trajectory.
  for (const rules::StepChange& move : rules::Trajectory(ivs, last_)) {
    if (!in_period(move.date)) continue;
    const auto from = steps.find(move.from_step);
    const bool from_home_based =
        from != steps.end() && from->second.category == v1::STEP_CATEGORY_HOME_BASED;
    if (move.direction == rules::StepDirection::kUp) {
      figures_.set_moves_up(figures_.moves_up() + 1);
      if (from_home_based)
        figures_.set_moves_up_from_home_based(figures_.moves_up_from_home_based() + 1);
    } else {
      figures_.set_moves_down(figures_.moves_down() + 1);
      if (from_home_based) {
        figures_.set_moves_down_from_home_based(figures_.moves_down_from_home_based() + 1);
      }
    }
  }

  // Spending, pro rata by day, with each step's prevention flag as the intervention saw it
  // (two interventions on one step number may differ when the staircase changed between
  // their starts, so each is priced on a staircase of its own steps).
  for (const InterventionFacts& f : facts) {
    if (f.rules().started_on > last_ || (f.rules().ended_on && *f.rules().ended_on <= first_))
      continue;
    int top = 0;
    uint64_t prevention = 0;  // bit n-1: step n counts as prevention
    for (const StepInfo& s : f.steps) {
      top = std::max(top, s.number);
      if (s.prevention && s.number >= 1 && s.number <= 64)
        prevention |= uint64_t{1} << (s.number - 1);
    }
    rules::Staircase& staircase = staircases_[{top, prevention}];
    if (staircase.steps.empty()) {
      for (int n = 1; n <= top; ++n) {
        staircase.steps.push_back({.number = n,
                                   .name = "step " + std::to_string(n),
                                   .danish_name = "",
                                   .prevention = n <= 64 && ((prevention >> (n - 1)) & 1) != 0});
      }
    }
    TRAPPE_ASSIGN_OR_RETURN(
        const rules::PreventionSpending spending,
        rules::SpendingOn(staircase, std::span<const rules::Intervention>(&f.rules(), 1), first_,
                          last_));
    spending_ += spending;
  }
  return Status::Ok();
}

v1::KeyFigures KeyFiguresBuilder::Finish() {
  for (const auto& [child, flags] : children_) {
    if (flags.active_outside_institution && !flags.in_institution &&
        flags.previously_in_institution) {
      figures_.set_children_previously_in_institution(
          figures_.children_previously_in_institution() + 1);
    }
  }
  if (!institution_durations_.empty()) {
    std::vector<int64_t> d = institution_durations_;
    std::sort(d.begin(), d.end());
    int64_t sum = 0;
    for (const int64_t x : d) sum += x;
    figures_.set_institution_average_duration_days(static_cast<double>(sum) /
                                                   static_cast<double>(d.size()));
    const size_t n = d.size();
    figures_.set_institution_median_duration_days(
        n % 2 == 1 ? static_cast<double>(d[n / 2])
                   : static_cast<double>(d[n / 2 - 1] + d[n / 2]) / 2.0);
  }
  figures_.set_prevention_spending_oere(spending_.prevention_ore);
  figures_.set_total_spending_oere(spending_.total_ore);
  figures_.set_prevention_share_bp(
      static_cast<int32_t>(RoundedShareBp(spending_.prevention_ore, spending_.total_ore)));
  return figures_;
}

}  // namespace trappe::placements
