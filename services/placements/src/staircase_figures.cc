#include "staircase_figures.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "trappe/rules_proto/interventions.h"
#include "trappe/service/convert.h"

namespace trappe::placements {
namespace {

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
    r.kind = rules_proto::StoredInterventionKind(s.kind());
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

namespace {

// Timeline encoding: little-endian fixed-width integers and length-prefixed strings.
//   str child, str team, u32 toggles {i32 day, u8 open}, u32 interventions
//   {i32 start, i32 end (first day no longer active; INT32_MAX while running), u32 pieces
//    {i32 from, i32 step, i64 monthly cost, u8 prevention, u8 category, str step name}}
template <typename T>
void Put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void PutString(std::string& out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  T Get() {
    T value{};
    if (in_.size() < sizeof(T)) {
      ok_ = false;
      return value;
    }
    std::memcpy(&value, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return value;
  }
  std::string_view GetString() {
    const uint32_t n = Get<uint32_t>();
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return {};
    }
    const std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  bool ok() const { return ok_; }

 private:
  std::string_view in_;
  bool ok_ = true;
};

int32_t Days(CivilDate date) { return static_cast<int32_t>(date.days_since_epoch()); }

}  // namespace

std::string EncodeTimeline(const store::CaseRecord& record) {
  std::string out;
  PutString(out, record.child_id().empty() ? record.case_id() : record.child_id());
  PutString(out, record.team_id());
  Put<uint32_t>(out, static_cast<uint32_t>(record.toggles_size()));
  for (const store::CaseToggle& t : record.toggles()) {
    Put<int32_t>(out, Days(DateOf(t.date())));
    Put<uint8_t>(out, t.open() ? 1 : 0);
  }
  const CaseFacts facts = FactsOf(record);
  Put<uint32_t>(out, static_cast<uint32_t>(facts.facts.size()));
  for (const InterventionFacts& f : facts.facts) {
    const rules::Intervention& iv = f.rules();
    Put<int32_t>(out, Days(iv.started_on));
    Put<int32_t>(out, iv.ended_on ? Days(*iv.ended_on) : INT32_MAX);
    std::vector<CivilDate> cuts = {iv.started_on};
    for (const rules::InterventionChange& c : iv.changes) {
      if ((c.step || c.monthly_cost_ore) && c.effective > iv.started_on &&
          (!iv.ended_on || c.effective < *iv.ended_on)) {
        cuts.push_back(c.effective);
      }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    Put<uint32_t>(out, static_cast<uint32_t>(cuts.size()));
    for (const CivilDate cut : cuts) {
      const rules::InterventionTerms terms = rules::TermsOn(iv, cut);
      const StepInfo* step = f.Step(terms.step);
      Put<int32_t>(out, Days(cut));
      Put<int32_t>(out, terms.step);
      Put<int64_t>(out, terms.monthly_cost_ore);
      Put<uint8_t>(out, step != nullptr && step->prevention ? 1 : 0);
      Put<uint8_t>(out, static_cast<uint8_t>(step != nullptr ? step->category : 0));
      PutString(out, step != nullptr ? step->name : std::string_view());
    }
  }
  return out;
}

bool DistributionBuilder::AddTimeline(std::string_view timeline) {
  Reader in(timeline);
  const std::string_view child = in.GetString();
  const std::string_view team = in.GetString();
  const bool counted_team = team_id_.empty() || team == team_id_;
  const int32_t day = Days(as_of_);
  // Open on the date: the last toggle by date on or before it (same date: as recorded).
  bool open = false;
  bool any = false;
  int32_t latest = 0;
  const uint32_t toggles = in.Get<uint32_t>();
  for (uint32_t i = 0; i < toggles && in.ok(); ++i) {
    const int32_t d = in.Get<int32_t>();
    const bool is_open = in.Get<uint8_t>() != 0;
    if (d > day) continue;
    if (!any || d >= latest) {
      open = is_open;
      latest = d;
      any = true;
    }
  }
  int step = 0;
  bool active = false;
  const uint32_t interventions = in.Get<uint32_t>();
  for (uint32_t i = 0; i < interventions && in.ok(); ++i) {
    const int32_t start = in.Get<int32_t>();
    const int32_t end = in.Get<int32_t>();
    const bool running = start <= day && day < end;
    const uint32_t pieces = in.Get<uint32_t>();
    int piece_step = 0;
    int64_t piece_cost = 0;
    bool piece_prevention = false;
    uint8_t piece_category = 0;
    std::string_view piece_name;
    for (uint32_t p = 0; p < pieces && in.ok(); ++p) {
      const int32_t from = in.Get<int32_t>();
      const int32_t s = in.Get<int32_t>();
      const int64_t cost = in.Get<int64_t>();
      const bool prevention = in.Get<uint8_t>() != 0;
      const uint8_t category = in.Get<uint8_t>();
      const std::string_view name = in.GetString();
      if (running && from <= day) {
        piece_step = s;
        piece_cost = cost;
        piece_prevention = prevention;
        piece_category = category;
        piece_name = name;
      }
    }
    if (!running || !counted_team) continue;
    active = true;
    step = std::max(step, piece_step);
    cost_by_step_[piece_step] += piece_cost;
    if (!seen_steps_.contains(piece_step)) {
      v1::StaircaseStep& seen = seen_steps_[piece_step];
      seen.set_number(piece_step);
      seen.set_name(std::string(piece_name));
      seen.set_prevention(piece_prevention);
      seen.set_category(static_cast<v1::StepCategory>(piece_category));
    }
  }
  if (!in.ok()) return false;
  if (!counted_team || (!open && !active)) return true;
  Child& c = children_[std::string(child)];
  c.step = std::max(c.step, step);
  return true;
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

CivilDate DateOf(const common::v1::Date& date) {
  return service::DateIfValid(date).value_or(CivilDate());
}

}  // namespace trappe::placements
