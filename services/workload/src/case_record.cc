#include "case_record.h"

#include <algorithm>
#include <cstdint>

#include "trappe/rules_proto/interventions.h"
#include "trappe/service/convert.h"

namespace trappe::workload {
namespace {

using rules::CaseRole;
using rules::ConsentBasis;
using rules::InterventionKind;

// The date a fact took effect: the payload's own date when it has one, else the
// envelope's effective date.
std::optional<CivilDate> EffectiveOf(const events::v1::EventEnvelope& event,
                                     const common::v1::Date& own) {
  if (auto d = service::DateIfValid(own)) return d;
  return service::DateIfValid(event.effective_date());
}

CaseRole RoleOf(cases::v1::CaseworkerRole role) {
  return role == cases::v1::CASEWORKER_ROLE_CO_WORKER ? CaseRole::kCoWorker : CaseRole::kPrimary;
}

rules::CaseGrade GradeOf(cases::v1::CaseGrade grade) {
  switch (grade) {
    case cases::v1::CASE_GRADE_SIMPLE: return rules::CaseGrade::kSimple;
    case cases::v1::CASE_GRADE_COMPLEX: return rules::CaseGrade::kComplex;
    case cases::v1::CASE_GRADE_VERY_COMPLEX: return rules::CaseGrade::kVeryComplex;
    default: return rules::CaseGrade::kUnassessed;
  }
}

ConsentBasis ConsentOf(placements::v1::ConsentBasis basis, InterventionKind kind) {
  if (basis == placements::v1::CONSENT_BASIS_WITHOUT_CONSENT) return ConsentBasis::kWithoutConsent;
  if (basis == placements::v1::CONSENT_BASIS_WITH_CONSENT) return ConsentBasis::kWithConsent;
  return rules::IsPlacement(kind) ? ConsentBasis::kWithConsent : ConsentBasis::kNotApplicable;
}

rules::Intervention* FindIntervention(rules::CaseWeightFacts& facts, const std::string& id) {
  for (auto& i : facts.interventions) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

bool FoldCase(const events::v1::EventEnvelope& e, CaseRecord& r) {
  rules::CaseWeightFacts& f = r.facts;
  switch (e.payload_case()) {
    case events::v1::EventEnvelope::kCaseOpened: {
      auto on = EffectiveOf(e, e.case_opened().opened_on());
      if (!on) return false;
      r.team_id = e.case_opened().team_id();
      if (f.open_periods.empty()) f.open_periods.push_back({.opened_on = *on});
      return true;
    }
    case events::v1::EventEnvelope::kCaseClosed: {
      auto on = EffectiveOf(e, e.case_closed().closed_on());
      if (!on || f.open_periods.empty() || f.open_periods.back().closed_on) return false;
      f.open_periods.back().closed_on = std::max(*on, f.open_periods.back().opened_on);
      return true;
    }
    case events::v1::EventEnvelope::kCaseReopened: {
      auto on = EffectiveOf(e, e.case_reopened().reopened_on());
      if (!on || f.open_periods.empty() || !f.open_periods.back().closed_on) return false;
      f.open_periods.push_back({.opened_on = std::max(*on, *f.open_periods.back().closed_on)});
      return true;
    }
    case events::v1::EventEnvelope::kInvestigationStarted: {
      const auto& p = e.investigation_started();
      auto on = EffectiveOf(e, p.started_on());
      if (!on) return false;
      f.investigations.push_back({.id = p.investigation_id(), .started_on = *on});
      return true;
    }
    case events::v1::EventEnvelope::kInvestigationCompleted: {
      const auto& p = e.investigation_completed();
      auto on = EffectiveOf(e, p.completed_on());
      if (!on) return false;
      for (auto& i : f.investigations) {
        if (i.id == p.investigation_id() && !i.completed_on) {
          i.completed_on = std::max(*on, i.started_on);
          return true;
        }
      }
      return false;
    }
    case events::v1::EventEnvelope::kCaseworkerAssigned: {
      const auto& p = e.caseworker_assigned();
      auto on = service::DateIfValid(e.effective_date());
      if (!on || p.caseworker_id().empty()) return false;
      const CaseRole role = RoleOf(p.role());
      // A primary assignment repeated is one; a co-worker holds the role once per purpose
      // (child conversations, foster family...), each ended by its own unassignment. The
      // rules count a caseworker once per case however many entries they hold.
      for (const auto& a : f.assignments) {
        if (role == CaseRole::kPrimary && a.caseworker_id == p.caseworker_id() && a.role == role &&
            !a.unassigned_on) {
          return false;
        }
      }
      f.assignments.push_back(
          {.caseworker_id = p.caseworker_id(), .role = role, .assigned_on = *on});
      return true;
    }
    case events::v1::EventEnvelope::kCaseworkerUnassigned: {
      const auto& p = e.caseworker_unassigned();
      auto on = service::DateIfValid(e.effective_date());
      if (!on) return false;
      const bool any_role = p.role() == cases::v1::CASEWORKER_ROLE_UNSPECIFIED;
      const bool one_purpose = p.role() == cases::v1::CASEWORKER_ROLE_CO_WORKER;
      bool changed = false;
      // One co-worker purpose ends the latest co-worker entry; otherwise every entry ends.
      for (auto a = f.assignments.rbegin(); a != f.assignments.rend(); ++a) {
        if (a->caseworker_id == p.caseworker_id() && !a->unassigned_on &&
            (any_role || a->role == RoleOf(p.role()))) {
          a->unassigned_on = std::max(*on, a->assigned_on);
          changed = true;
          if (one_purpose) break;
        }
      }
      return changed;
    }
    case events::v1::EventEnvelope::kCaseWeightAssessed: {
      auto on = service::DateIfValid(e.effective_date());
      if (!on) return false;
      f.grades.push_back({.effective = *on, .grade = GradeOf(e.case_weight_assessed().grade())});
      return true;
    }
    default: return false;
  }
}

bool FoldPlacement(const events::v1::EventEnvelope& e, CaseRecord& r) {
  rules::CaseWeightFacts& f = r.facts;
  switch (e.payload_case()) {
    case events::v1::EventEnvelope::kInterventionStarted: {
      const auto& p = e.intervention_started();
      auto on = EffectiveOf(e, p.start_date());
      if (!on || FindIntervention(f, p.intervention_id()) != nullptr) return false;
      rules::Intervention i{.id = p.intervention_id(),
                            .kind = rules_proto::StoredInterventionKind(p.kind())};
      i.consent = ConsentOf(p.consent_basis(), i.kind);
      i.step = p.step_number();
      i.monthly_cost_ore = p.monthly_cost_oere();
      i.started_on = *on;
      f.interventions.push_back(std::move(i));
      return true;
    }
    case events::v1::EventEnvelope::kInterventionChanged: {
      const auto& p = e.intervention_changed();
      rules::Intervention* i = FindIntervention(f, p.intervention_id());
      auto on = EffectiveOf(e, p.effective_date());
      if (i == nullptr || !on) return false;
      rules::InterventionChange change{.effective = std::max(*on, i->started_on)};
      if (p.has_step_number()) change.step = p.step_number();
      if (p.has_monthly_cost_oere()) change.monthly_cost_ore = p.monthly_cost_oere();
      if (p.consent_basis() != placements::v1::CONSENT_BASIS_UNSPECIFIED) {
        change.consent = ConsentOf(p.consent_basis(), i->kind);
      }
      if (!change.step && !change.monthly_cost_ore && !change.consent) return false;
      i->changes.push_back(change);
      return true;
    }
    case events::v1::EventEnvelope::kInterventionEnded: {
      const auto& p = e.intervention_ended();
      rules::Intervention* i = FindIntervention(f, p.intervention_id());
      auto on = EffectiveOf(e, p.end_date());
      if (i == nullptr || !on || i->ended_on) return false;
      // The contract's end_date is the intervention's last day; the rules take the first
      // day it is no longer active.
      i->ended_on = std::max(*on, i->started_on).AddDays(1);
      return true;
    }
    default: return false;
  }
}

// --- encoding: varints, length-prefixed strings, dates as days since the epoch + 1 (0 =
// absent), so that one byte format serves every field.

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}
void PutDate(std::string& out, std::optional<CivilDate> d) {
  PutSigned(out, d ? d->days_since_epoch() + 1 : 0);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : in_(bytes) {}
  bool ok() const { return ok_; }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Fail();
      const auto b = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  int64_t Signed() {
    const uint64_t v = Varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  std::string String() {
    const uint64_t n = Varint();
    if (n > in_.size()) return Fail(), std::string();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::optional<CivilDate> Date() {
    const int64_t d = Signed();
    if (d == 0) return std::nullopt;
    return CivilDate::FromDaysSinceEpoch(d - 1);
  }
  CivilDate RequiredDate() { return Date().value_or(CivilDate()); }
  bool AtEnd() const { return in_.empty(); }

 private:
  uint64_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

constexpr uint64_t kFormat = 1;
constexpr int64_t kAbsent = -1;

void PutOptional(std::string& out, std::optional<int64_t> v) { PutSigned(out, v ? *v : kAbsent); }

}  // namespace

bool FoldCaseEvent(const events::v1::EventEnvelope& event, CaseRecord& record) {
  return FoldCase(event, record) || FoldPlacement(event, record);
}

std::string EncodeCaseRecord(const CaseRecord& r) {
  const rules::CaseWeightFacts& f = r.facts;
  std::string out;
  PutVarint(out, kFormat);
  PutString(out, r.team_id);
  PutVarint(out, f.open_periods.size());
  for (const auto& p : f.open_periods) {
    PutDate(out, p.opened_on);
    PutDate(out, p.closed_on);
  }
  PutVarint(out, f.grades.size());
  for (const auto& g : f.grades) {
    PutDate(out, g.effective);
    PutVarint(out, static_cast<uint64_t>(g.grade));
  }
  PutVarint(out, f.interventions.size());
  for (const auto& i : f.interventions) {
    PutString(out, i.id);
    PutVarint(out, static_cast<uint64_t>(i.kind));
    PutVarint(out, static_cast<uint64_t>(i.consent));
    PutSigned(out, i.step);
    PutSigned(out, i.monthly_cost_ore);
    PutDate(out, i.started_on);
    PutDate(out, i.ended_on);
    PutVarint(out, i.changes.size());
    for (const auto& c : i.changes) {
      PutDate(out, c.effective);
      PutOptional(out, c.step ? std::optional<int64_t>(*c.step) : std::nullopt);
      PutOptional(out,
                  c.kind ? std::optional<int64_t>(static_cast<int64_t>(*c.kind)) : std::nullopt);
      PutOptional(
          out, c.consent ? std::optional<int64_t>(static_cast<int64_t>(*c.consent)) : std::nullopt);
      PutOptional(out, c.monthly_cost_ore);
    }
  }
  PutVarint(out, f.investigations.size());
  for (const auto& i : f.investigations) {
    PutString(out, i.id);
    PutDate(out, i.started_on);
    PutDate(out, i.completed_on);
  }
  PutVarint(out, f.assignments.size());
  for (const auto& a : f.assignments) {
    PutString(out, a.caseworker_id);
    PutVarint(out, static_cast<uint64_t>(a.role));
    PutDate(out, a.assigned_on);
    PutDate(out, a.unassigned_on);
  }
  return out;
}

Result<CaseRecord> DecodeCaseRecord(std::string_view case_id, std::string_view bytes) {
  Reader in(bytes);
  CaseRecord r;
  rules::CaseWeightFacts& f = r.facts;
  f.case_id = std::string(case_id);
  if (in.Varint() != kFormat) return DataLoss("case record " + f.case_id + ": unknown format");
  r.team_id = in.String();
  // Counts are bounded by the bytes left, so a corrupt count cannot allocate wildly.
  const auto count = [&] { return std::min<uint64_t>(in.Varint(), bytes.size()); };
  const auto reserve_count = [&](auto& list) {
    const uint64_t n = count();
    list.reserve(n);
    return n;
  };
  for (uint64_t n = reserve_count(f.open_periods); n > 0 && in.ok(); --n) {
    rules::CaseOpenPeriod p{.opened_on = in.RequiredDate()};
    p.closed_on = in.Date();
    f.open_periods.push_back(p);
  }
  for (uint64_t n = reserve_count(f.grades); n > 0 && in.ok(); --n) {
    rules::GradeAssessment g{.effective = in.RequiredDate()};
    g.grade = static_cast<rules::CaseGrade>(in.Varint());
    f.grades.push_back(g);
  }
  for (uint64_t n = reserve_count(f.interventions); n > 0 && in.ok(); --n) {
    rules::Intervention i;
    i.id = in.String();
    i.kind = static_cast<InterventionKind>(in.Varint());
    i.consent = static_cast<ConsentBasis>(in.Varint());
    i.step = static_cast<int>(in.Signed());
    i.monthly_cost_ore = in.Signed();
    i.started_on = in.RequiredDate();
    i.ended_on = in.Date();
    for (uint64_t m = reserve_count(i.changes); m > 0 && in.ok(); --m) {
      rules::InterventionChange c{.effective = in.RequiredDate()};
      if (const int64_t v = in.Signed(); v != kAbsent) c.step = static_cast<int>(v);
      if (const int64_t v = in.Signed(); v != kAbsent) c.kind = static_cast<InterventionKind>(v);
      if (const int64_t v = in.Signed(); v != kAbsent) c.consent = static_cast<ConsentBasis>(v);
      if (const int64_t v = in.Signed(); v != kAbsent) c.monthly_cost_ore = v;
      i.changes.push_back(c);
    }
    f.interventions.push_back(std::move(i));
  }
  for (uint64_t n = reserve_count(f.investigations); n > 0 && in.ok(); --n) {
    rules::Investigation i;
    i.id = in.String();
    i.started_on = in.RequiredDate();
    i.completed_on = in.Date();
    f.investigations.push_back(std::move(i));
  }
  for (uint64_t n = reserve_count(f.assignments); n > 0 && in.ok(); --n) {
    rules::CaseAssignment a;
    a.caseworker_id = in.String();
    a.role = static_cast<CaseRole>(in.Varint());
    a.assigned_on = in.RequiredDate();
    a.unassigned_on = in.Date();
    f.assignments.push_back(std::move(a));
  }
  if (!in.ok() || !in.AtEnd()) return DataLoss("case record " + f.case_id + ": corrupt");
  return r;
}

}  // namespace trappe::workload
