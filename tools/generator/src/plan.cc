// MakePlan: the synthetic municipality's history. Three passes:
//  1. the workforce (teams, caseworkers joining, changing hours and leaving);
//  2. each child's story from its own random stream (reports, investigations, the way up and
//     down the staircase, closing and reopening), then one chronological pass over every
//     case that gives each a primary caseworker (the least loaded of its team), hands cases
//     over when a caseworker leaves and adds the foster placement's co-worker;
//  3. per child, follow-ups and plan approvals against the deadlines that the real rules
//     (libs/rules DeriveDeadlines, presets barnets-lov + sverigesmodel) derive, mostly on
//     time and some late; then the commands, in date order.
#include "trappe/generator/plan.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <set>
#include <tuple>

#include "random.h"
#include "trappe/rules/deadlines.h"
#include "trappe/rules/follow_up_rules.h"

namespace trappe::generator {
namespace {

namespace cv1 = cases::v1;
namespace pv1 = placements::v1;
namespace sv1 = scheduling::v1;
namespace wv1 = workload::v1;

// ---------------------------------------------------------------------------------------
// Tunable figures (docs/generator.md lists them).

// Par. 43 placement types in the national proportions: over half in foster care (nr 1-4),
// about one in five in a children's home (døgninstitution), one in eight at an
// opholdssted; the rest own room and boarding school.
struct PlacementShare {
  pv1::PlacementType type;
  double share;
  int step;                  // on the national staircase
  int cost_lo, cost_hi;      // kroner per month
  int months_lo, months_hi;  // duration when not intensive
  double intensive;          // share of intensive, time-limited placements
};
constexpr std::array<PlacementShare, 8> kPlacements = {{
    {pv1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY, 0.10, 4, 8000, 15000, 12, 60, 0},
    {pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, 0.32, 5, 25000, 40000, 12, 72, 0},
    {pv1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY, 0.10, 5, 40000, 60000, 12, 48, 0},
    {pv1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY, 0.04, 5, 60000, 90000, 12, 48, 0},
    {pv1::PLACEMENT_TYPE_CHILDRENS_HOME, 0.20, 6, 90000, 140000, 6, 24, 0.35},
    {pv1::PLACEMENT_TYPE_OPHOLDSSTED, 0.125, 6, 70000, 110000, 8, 30, 0.20},
    {pv1::PLACEMENT_TYPE_OWN_ROOM, 0.07, 5, 10000, 20000, 6, 24, 0},
    {pv1::PLACEMENT_TYPE_BOARDING_SCHOOL, 0.045, 5, 20000, 30000, 10, 12, 0},
}};
constexpr double kWithoutConsent = 0.15;           // par. 47
constexpr double kReportAssessedWithin24h = 0.88;  // Ankestyrelsen: 87-88%
constexpr double kInvestigationOnTime = 0.72;      // Ankestyrelsen: 69-73%
constexpr double kFollowUpLate = 0.13;             // a follow-up held after its due date
constexpr int kBehindDays = 45;                    // deadlines due in the last 45 days...
constexpr double kBehindShare = 0.25;              // ...are not met yet in a quarter of cases
constexpr double kCoWorkerWithin14Days = 0.88;
constexpr double kReopenShare = 0.12;
constexpr double kCaseworkerLeavesPerYear = 0.12;

// ---------------------------------------------------------------------------------------
// Names (synthetic; ids are the ASCII forms).

constexpr std::array<const char*, 40> kGivenNames = {
    "Emma",   "Ida",      "Clara",  "Freja",  "Alma",    "Ella",     "Sofia",    "Karla",
    "Anna",   "Laura",    "Agnes",  "Olivia", "Ellen",   "Josefine", "Mathilde", "Signe",
    "Maja",   "Nora",     "Liva",   "Esther", "William", "Noah",     "Oscar",    "Lucas",
    "Carl",   "Victor",   "Malthe", "Alfred", "Oliver",  "Emil",     "Valdemar", "Aksel",
    "August", "Frederik", "Elias",  "Johan",  "Magnus",  "Anton",    "Mikkel",   "Søren"};
constexpr std::array<const char*, 30> kFamilyNames = {
    "Nielsen",     "Jensen",    "Hansen",    "Pedersen",     "Andersen",  "Christensen",
    "Larsen",      "Sørensen",  "Rasmussen", "Jørgensen",    "Petersen",  "Madsen",
    "Kristensen",  "Olsen",     "Thomsen",   "Christiansen", "Poulsen",   "Johansen",
    "Møller",      "Mortensen", "Knudsen",   "Jakobsen",     "Mikkelsen", "Olesen",
    "Frederiksen", "Laursen",   "Henriksen", "Lund",         "Holm",      "Schmidt"};
constexpr std::array<const char*, 10> kInstitutions = {"Børnehjemmet Solsikken",
                                                       "Opholdsstedet Lærken",
                                                       "Døgninstitutionen Bakkely",
                                                       "Opholdsstedet Skovly",
                                                       "Børne- og ungehjemmet Fjordglimt",
                                                       "Opholdsstedet Engly",
                                                       "Ungdomshjemmet Ådalen",
                                                       "Børnehjemmet Kastanjen",
                                                       "Opholdsstedet Hedegården",
                                                       "Døgninstitutionen Nørremark"};
constexpr std::array<const char*, 4> kTeamNames = {"Vest", "Øst", "Nord", "Syd"};
constexpr std::array<const char*, 4> kTeamIds = {"vest", "oest", "nord", "syd"};

std::string AsciiId(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (c == 0xc3 && i + 1 < name.size()) {  // æ ø å Æ Ø Å in UTF-8
      const unsigned char d = static_cast<unsigned char>(name[++i]);
      if (d == 0xa6 || d == 0x86) out += "ae";
      if (d == 0xb8 || d == 0x98) out += "oe";
      if (d == 0xa5 || d == 0x85) out += "aa";
      continue;
    }
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-') {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Conversions.

common::v1::Date ToProto(CivilDate d) {
  common::v1::Date out;
  out.set_year(d.year());
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

google::protobuf::Timestamp ToProto(Timestamp t) {
  google::protobuf::Timestamp out;
  const int64_t micros = UnixMicros(t);
  out.set_seconds(micros / 1000000);
  out.set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  return out;
}

rules::InterventionKind RulesKind(pv1::PlacementType type) {
  switch (type) {
    case pv1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY:
      return rules::InterventionKind::kNetworkFosterFamily;
    case pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY:
      return rules::InterventionKind::kGeneralFosterFamily;
    case pv1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY:
      return rules::InterventionKind::kReinforcedFosterFamily;
    case pv1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY:
      return rules::InterventionKind::kSpecialisedFosterFamily;
    case pv1::PLACEMENT_TYPE_OWN_ROOM: return rules::InterventionKind::kOwnRoomOrDormitory;
    case pv1::PLACEMENT_TYPE_CHILDRENS_HOME:
    case pv1::PLACEMENT_TYPE_OPHOLDSSTED: return rules::InterventionKind::kChildrensHome;
    case pv1::PLACEMENT_TYPE_BOARDING_SCHOOL: return rules::InterventionKind::kBoardingSchool;
    default: return rules::InterventionKind::kSupportingIntervention;
  }
}

bool IsFoster(pv1::PlacementType t) {
  return t >= pv1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY &&
         t <= pv1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY;
}
bool IsInstitution(pv1::PlacementType t) {
  return t == pv1::PLACEMENT_TYPE_CHILDRENS_HOME || t == pv1::PLACEMENT_TYPE_OPHOLDSSTED;
}

// ---------------------------------------------------------------------------------------
// The workforce.

struct Caseworker {
  std::string id;
  std::string name;
  int team = 0;
  int fte_milli = 1000;
  CivilDate start;
  std::optional<CivilDate> leaving;  // last working day
  std::optional<std::pair<CivilDate, int>> fte_change;
  double load = 0;  // open primary cases + half of the co-worker roles

  bool ActiveOn(CivilDate d) const { return start <= d && (!leaving || d <= *leaving); }
  double FteOn(CivilDate d) const {
    return (fte_change && d >= fte_change->first ? fte_change->second : fte_milli) / 1000.0;
  }
};

// ---------------------------------------------------------------------------------------
// A child's story.

struct ReportStory {
  std::string ref;
  Timestamp received;
  std::optional<Timestamp> assessed;
  cv1::ReporterType reporter = cv1::REPORTER_TYPE_SCHOOL;
  cv1::ConcernOutcome outcome = cv1::CONCERN_OUTCOME_INVESTIGATION;
};

struct InvestigationStory {
  std::string ref;
  std::string report_ref;
  CivilDate start;
  std::optional<CivilDate> completed;
  cv1::InvestigationConclusion conclusion = cv1::INVESTIGATION_CONCLUSION_SUPPORT;
};

struct InterventionStory {
  std::string ref;
  int step = 0;
  bool placement = false;
  pv1::SupportType support = pv1::SUPPORT_TYPE_UNSPECIFIED;
  pv1::PlacementType type = pv1::PLACEMENT_TYPE_UNSPECIFIED;
  CivilDate start;
  std::optional<CivilDate> planned_end;
  bool intensive = false;
  int64_t monthly_cost_oere = 0;
  pv1::ConsentBasis consent = pv1::CONSENT_BASIS_UNSPECIFIED;
  std::string provider_id;
  std::string provider_name;
  std::string purpose;
  std::optional<CivilDate> extended_on;  // the planned end moved (ChangeIntervention)
  CivilDate extended_to;
  std::optional<CivilDate> last_day;  // ended (EndIntervention), its last day
  pv1::EndReason end_reason = pv1::END_REASON_UNSPECIFIED;
  pv1::Destination destination = pv1::DESTINATION_UNSPECIFIED;
  int destination_step = 0;
};

struct AssignmentStory {
  std::string caseworker;
  bool primary = true;
  CivilDate from;
  std::optional<CivilDate> until;  // unassigned, effective this day
  std::string reason;
  bool in_open_case = false;  // the OpenCase command carries it
};

struct CoWorkerNeed {
  CivilDate from;
  std::optional<CivilDate> until;
};

// The next intervention of a course.
struct Next {
  bool home = false;
  bool placement = false;
  int step = 0;
};

struct Child {
  explicit Child(uint64_t seed) : rng(seed) {}
  int index = 0;
  Rng rng;
  CivilDate birth;
  std::string cpr, given, family;
  int team = 0;
  cv1::CaseGrade grade = cv1::CASE_GRADE_COMPLEX;
  cv1::LegalBasis basis = cv1::LEGAL_BASIS_REPORT_OF_CONCERN;
  CivilDate opened;
  std::vector<ReportStory> reports;
  std::vector<InvestigationStory> investigations;
  std::vector<InterventionStory> interventions;
  std::vector<std::pair<CivilDate, cv1::ClosureReason>> closings;
  std::vector<CivilDate> reopenings;
  std::vector<std::pair<CivilDate, cv1::CaseGrade>> regrades;
  std::vector<CoWorkerNeed> co_worker_needs;
  std::vector<AssignmentStory> assignments;
  std::vector<rules::FollowUp> follow_ups;
  std::vector<rules::PlanApproval> approvals;
  std::vector<std::string> follow_up_caseworkers;  // parallel to follow_ups
  int refs = 0;

  std::string NewRef(std::string_view kind) {
    return "@" + std::string(kind) + std::to_string(++refs);
  }
  bool OpenOn(CivilDate end) const {
    return closings.size() == reopenings.size() ||
           (!closings.empty() && closings.back().first > end);
  }
};

std::string Cpr(Rng& rng, CivilDate birth) {
  // DDMMYY, the century digit (4 for 2000-2036, 0-3 for the 1900s), then three digits
  // chosen so that the number fails the old modulus-11 check: no real person's number
  // from before 2007 can be hit.
  char buf[16];
  const int seventh = birth.year() >= 2000 ? 4 : static_cast<int>(rng.Int(0, 3));
  for (;;) {
    std::snprintf(buf, sizeof buf, "%02d%02d%02d%d%03d", birth.day(), birth.month(),
                  birth.year() % 100, seventh, static_cast<int>(rng.Int(0, 999)));
    static constexpr int kWeights[10] = {4, 3, 2, 7, 6, 5, 4, 3, 2, 1};
    int sum = 0;
    for (int i = 0; i < 10; ++i) sum += (buf[i] - '0') * kWeights[i];
    if (sum % 11 != 0) return buf;
  }
}

class StoryWriter {
 public:
  StoryWriter(Child& child, CivilDate end) : c_(child), r_(child.rng), end_(end) {}

  void Write(CivilDate first_day) {
    Rng& r = r_;
    const size_t basis = r.Weighted({0.70, 0.18, 0.12});
    c_.basis = basis == 0   ? cv1::LEGAL_BASIS_REPORT_OF_CONCERN
               : basis == 1 ? cv1::LEGAL_BASIS_APPLICATION
                            : cv1::LEGAL_BASIS_OWN_INITIATIVE;
    const int64_t span = std::max<int64_t>(1, DaysBetween(first_day, end_.AddDays(-14)));
    c_.opened = first_day.AddDays(r.Int(0, span - 1));
    c_.birth = c_.opened.AddDays(-r.Int(60, 17 * 365 + 300));
    c_.cpr = Cpr(r, c_.birth);
    c_.given = kGivenNames[r.Int(0, kGivenNames.size() - 1)];
    c_.family = kFamilyNames[r.Int(0, kFamilyNames.size() - 1)];
    const size_t grade = r.Weighted({0.30, 0.50, 0.20});
    c_.grade = grade == 0   ? cv1::CASE_GRADE_SIMPLE
               : grade == 1 ? cv1::CASE_GRADE_COMPLEX
                            : cv1::CASE_GRADE_VERY_COMPLEX;
    Episode(c_.opened, c_.basis == cv1::LEGAL_BASIS_REPORT_OF_CONCERN);
    // Some closed cases come back: a new report of concern months or years later.
    if (!c_.closings.empty() && c_.closings.back().second != cv1::CLOSURE_REASON_AGED_OUT &&
        r.Chance(kReopenShare)) {
      const CivilDate reopen = c_.closings.back().first.AddDays(r.Int(60, 720));
      if (reopen <= end_.AddDays(-14) && reopen < Adult()) {
        c_.reopenings.push_back(reopen);
        Episode(reopen, true);
      }
    }
  }

 private:
  CivilDate Adult() const { return c_.birth.AddYears(18); }

  void Close(CivilDate on, cv1::ClosureReason reason) {
    if (on <= end_) c_.closings.emplace_back(on, reason);
  }

  void Episode(CivilDate from, bool with_report) {
    Rng& r = r_;
    CivilDate date = from;
    std::string report_ref;
    bool investigate = true;
    if (with_report) {
      ReportStory report;
      report.ref = c_.NewRef("r");
      report_ref = report.ref;
      report.received = CopenhagenStartOfDay(date) + std::chrono::hours(r.Int(7, 17)) +
                        std::chrono::minutes(r.Int(0, 59));
      static constexpr std::array<cv1::ReporterType, 11> kReporters = {
          cv1::REPORTER_TYPE_SCHOOL,  cv1::REPORTER_TYPE_DAY_CARE,
          cv1::REPORTER_TYPE_HEALTH,  cv1::REPORTER_TYPE_HOSPITAL,
          cv1::REPORTER_TYPE_POLICE,  cv1::REPORTER_TYPE_FAMILY,
          cv1::REPORTER_TYPE_CHILD,   cv1::REPORTER_TYPE_SOCIAL_SERVICES,
          cv1::REPORTER_TYPE_CITIZEN, cv1::REPORTER_TYPE_ANONYMOUS,
          cv1::REPORTER_TYPE_OTHER};
      report.reporter = kReporters[r.Weighted({25, 10, 12, 6, 14, 8, 3, 8, 6, 6, 2})];
      const int64_t hours = r.Chance(kReportAssessedWithin24h) ? r.Int(1, 22) : r.Int(25, 96);
      const Timestamp assessed = report.received + std::chrono::hours(hours);
      const size_t outcome = r.Weighted({0.18, 0.10, 0.67, 0.05});
      report.outcome = outcome == 0   ? cv1::CONCERN_OUTCOME_NO_ACTION
                       : outcome == 1 ? cv1::CONCERN_OUTCOME_ADVICE
                       : outcome == 2 ? cv1::CONCERN_OUTCOME_INVESTIGATION
                                      : cv1::CONCERN_OUTCOME_ACUTE_ACTION;
      const bool assessed_in_time = CopenhagenDate(assessed) < end_;
      if (assessed_in_time) report.assessed = assessed;
      c_.reports.push_back(report);
      if (!assessed_in_time) return;
      date = CopenhagenDate(assessed);
      if (outcome <= 1) {
        Close(date.AddDays(r.Int(7, 60)), cv1::CLOSURE_REASON_NO_NEED);
        return;
      }
    } else {
      investigate = r.Chance(0.6);
    }

    if (!investigate) {  // an application for early help: straight to a support
      Course(date.AddDays(r.Int(7, 30)), Next{.step = static_cast<int>(r.Int(1, 2))});
      return;
    }
    InvestigationStory inv;
    inv.ref = c_.NewRef("v");
    inv.report_ref = report_ref;
    inv.start = date.AddDays(r.Int(0, 10));
    if (inv.start > end_) return;
    const CivilDate completed = r.Chance(kInvestigationOnTime)
                                    ? inv.start.AddDays(r.Int(30, 118))
                                    : inv.start.AddMonths(4).AddDays(r.Int(3, 60));
    const size_t conclusion = r.Weighted({0.20, 0.55, 0.25});
    inv.conclusion = conclusion == 0   ? cv1::INVESTIGATION_CONCLUSION_NO_INTERVENTION
                     : conclusion == 1 ? cv1::INVESTIGATION_CONCLUSION_SUPPORT
                                       : cv1::INVESTIGATION_CONCLUSION_PLACEMENT;
    if (completed <= end_) inv.completed = completed;
    c_.investigations.push_back(inv);
    if (!inv.completed) return;
    if (r.Chance(0.25)) {  // the investigation shows the case to be heavier or lighter
      const cv1::CaseGrade regrade = conclusion == 2 ? cv1::CASE_GRADE_VERY_COMPLEX
                                     : c_.grade == cv1::CASE_GRADE_SIMPLE ? cv1::CASE_GRADE_COMPLEX
                                                                          : cv1::CASE_GRADE_SIMPLE;
      if (regrade != c_.grade) c_.regrades.emplace_back(completed, regrade);
    }
    if (conclusion == 0) {
      Close(completed.AddDays(r.Int(7, 45)), cv1::CLOSURE_REASON_NO_NEED);
      return;
    }
    const CivilDate start = completed.AddDays(r.Int(1, 21));
    if (conclusion == 1) {
      Course(start, Next{.step = r.Chance(0.6) ? 3 : 2});
    } else {
      Course(start, Next{.placement = true});
    }
  }

  const PlacementShare& SamplePlacement() {
    double u = r_.Unit();
    for (const PlacementShare& p : kPlacements) {
      if (u < p.share) return p;
      u -= p.share;
    }
    return kPlacements.back();
  }

  // Interventions one after the other, from `start`, until the child goes home, grows up
  // or the history ends.
  void Course(CivilDate start, Next next) {
    Rng& r = r_;
    CivilDate t = start;
    // The next placement's type is drawn when the previous intervention ends (its end
    // names the step the child goes to).
    const PlacementShare* drawn = nullptr;
    for (int count = 0;; ++count) {
      if (t > end_) return;
      // Nothing starts on the child's last day before 18 (or later): such an intervention
      // would end, aged out, the day it started, and its EndIntervention, which sorts
      // before the same day's StartIntervention, would name it before it exists.
      if (t >= Adult().AddDays(-1)) {
        Close(t, cv1::CLOSURE_REASON_AGED_OUT);
        return;
      }
      InterventionStory iv;
      iv.ref = c_.NewRef("i");
      iv.start = t;
      CivilDate last;
      const PlacementShare* placement = nullptr;
      if (next.placement) {
        placement = drawn != nullptr ? drawn : &SamplePlacement();
        drawn = nullptr;
        iv.placement = true;
        iv.type = placement->type;
        iv.step = placement->step;
        iv.monthly_cost_oere = r.Int(placement->cost_lo / 100, placement->cost_hi / 100) * 10000;
        iv.consent = r.Chance(kWithoutConsent) ? pv1::CONSENT_BASIS_WITHOUT_CONSENT
                                               : pv1::CONSENT_BASIS_WITH_CONSENT;
        if (IsFoster(iv.type)) {
          iv.provider_id = "plejefamilie-" + std::to_string(r.Int(10000, 99999));
          iv.purpose = "Anbringelse i plejefamilie";
        } else {
          const size_t at = r.Int(0, kInstitutions.size() - 1);
          iv.provider_id = "tilbud-" + std::to_string(1000 + at);
          iv.provider_name = kInstitutions[at];
          iv.purpose = "Anbringelse uden for hjemmet";
        }
        if (r.Chance(placement->intensive)) {
          iv.intensive = true;
          iv.purpose = "Intensiv, tidsbegrænset anbringelse";
          iv.planned_end = t.AddMonths(r.Int(6, 9));
          last = r.Chance(0.7) ? t.AddMonths(r.Int(3, 5)).AddDays(r.Int(0, 20))
                               : iv.planned_end->AddDays(-1);
        } else {
          last =
              t.AddMonths(r.Int(placement->months_lo, placement->months_hi)).AddDays(r.Int(0, 27));
        }
      } else {
        iv.step = next.step;
        static constexpr std::array<pv1::SupportType, 2> kStep1 = {
            pv1::SUPPORT_TYPE_CONSULTATIVE, pv1::SUPPORT_TYPE_NETWORK_OR_GROUP};
        static constexpr std::array<pv1::SupportType, 5> kStep2 = {
            pv1::SUPPORT_TYPE_CONSULTATIVE, pv1::SUPPORT_TYPE_TREATMENT_OF_CHILD,
            pv1::SUPPORT_TYPE_NETWORK_OR_GROUP, pv1::SUPPORT_TYPE_RESPITE_STAY,
            pv1::SUPPORT_TYPE_CONTACT_PERSON};
        static constexpr std::array<pv1::SupportType, 4> kStep3 = {
            pv1::SUPPORT_TYPE_FAMILY_TREATMENT, pv1::SUPPORT_TYPE_PRACTICAL_SUPPORT_IN_HOME,
            pv1::SUPPORT_TYPE_CONTACT_PERSON, pv1::SUPPORT_TYPE_FAMILY_RESIDENTIAL_STAY};
        int cost_lo = 1500, cost_hi = 4000, months_lo = 3, months_hi = 6;
        if (iv.step == 1) {
          iv.support = kStep1[r.Int(0, kStep1.size() - 1)];
        } else if (iv.step == 2) {
          iv.support = kStep2[r.Int(0, kStep2.size() - 1)];
          cost_lo = 4000, cost_hi = 12000, months_lo = 4, months_hi = 9;
        } else {
          iv.support = kStep3[r.Weighted({0.45, 0.25, 0.25, 0.05})];
          cost_lo = 12000, cost_hi = 35000, months_lo = 6, months_hi = 12;
        }
        iv.monthly_cost_oere = r.Int(cost_lo / 100, cost_hi / 100) * 10000;
        iv.provider_id = "kommune-" + std::to_string(100 + iv.step);
        iv.provider_name = iv.step == 3 ? "Familiehuset" : "Tidlig indsats";
        iv.purpose = iv.step == 3 ? "Støtte i hjemmet" : "Forebyggende støtte";
        iv.planned_end = t.AddMonths(r.Int(months_lo, months_hi));
        const size_t how = r.Weighted({0.60, 0.25, 0.15});
        if (how == 0) {
          last = iv.planned_end->AddDays(-1);
        } else if (how == 1) {
          last = t.AddDays(
              std::max<int64_t>(30, DaysBetween(t, *iv.planned_end) * r.Int(40, 90) / 100));
        } else {  // extended: the planned end moves two weeks or so before it
          iv.extended_on = iv.planned_end->AddDays(-r.Int(7, 21));
          iv.extended_to = iv.planned_end->AddMonths(r.Int(2, 6));
          last = iv.extended_to.AddDays(-r.Int(1, 30));
        }
      }
      bool aged_out = false;
      if (last >= Adult()) {
        last = Adult().AddDays(-1);
        aged_out = true;
      }
      if (iv.extended_on && (*iv.extended_on > end_ || *iv.extended_on > last))
        iv.extended_on.reset();
      if (iv.placement && IsFoster(iv.type)) {
        // Sverigesmodellen: a second caseworker for the foster family in the first year.
        const CivilDate from =
            t.AddDays(r.Chance(kCoWorkerWithin14Days) ? r.Int(2, 12) : r.Int(15, 40));
        std::optional<CivilDate> until = t.AddMonths(12);
        if (last.AddDays(1) < *until) until = last.AddDays(1);
        if (from <= end_ && from <= last) {
          c_.co_worker_needs.push_back({from, *until <= end_ ? until : std::nullopt});
        }
      }
      if (last >= end_) {  // still running at the end of the history
        c_.interventions.push_back(std::move(iv));
        return;
      }
      iv.last_day = last;
      if (aged_out) {
        iv.end_reason = pv1::END_REASON_AGED_OUT;
        iv.destination = pv1::DESTINATION_INDEPENDENT_LIVING;
        c_.interventions.push_back(std::move(iv));
        Close(last, cv1::CLOSURE_REASON_AGED_OUT);
        return;
      }
      next = count >= 6 ? Next{.home = true} : Decide(iv);
      if (next.home) {
        iv.end_reason = iv.intensive || (!iv.placement && !iv.extended_on &&
                                         *iv.last_day >= iv.planned_end->AddDays(-1))
                            ? pv1::END_REASON_PLANNED_END
                            : pv1::END_REASON_PURPOSE_ACHIEVED;
        iv.destination = iv.type == pv1::PLACEMENT_TYPE_OWN_ROOM
                             ? pv1::DESTINATION_INDEPENDENT_LIVING
                             : pv1::DESTINATION_HOME;
        c_.interventions.push_back(std::move(iv));
        Close(last.AddDays(r.Int(7, 60)), cv1::CLOSURE_REASON_PURPOSE_ACHIEVED);
        return;
      }
      iv.destination = pv1::DESTINATION_STEP;
      iv.destination_step = next.step;
      if (next.placement) {
        drawn = &SamplePlacement();
        iv.destination_step = drawn->step;
        iv.end_reason = drawn->step > iv.step   ? pv1::END_REASON_STEPPED_UP
                        : drawn->step < iv.step ? pv1::END_REASON_STEPPED_DOWN
                                                : pv1::END_REASON_BREAKDOWN;
      } else {
        iv.end_reason =
            next.step > iv.step ? pv1::END_REASON_STEPPED_UP : pv1::END_REASON_STEPPED_DOWN;
        if (next.step == iv.step) iv.end_reason = pv1::END_REASON_PURPOSE_ACHIEVED;
      }
      c_.interventions.push_back(std::move(iv));
      t = last.AddDays(1);
    }
  }

  // Where a child goes after an intervention ends.
  Next Decide(const InterventionStory& iv) {
    Rng& r = r_;
    if (!iv.placement) {
      if (iv.step == 1) {
        const size_t k = r.Weighted({0.65, 0.25, 0.10});
        return k == 0 ? Next{.home = true} : Next{.step = k == 1 ? 2 : 3};
      }
      if (iv.step == 2) {
        const size_t k = r.Weighted({0.55, 0.15, 0.20, 0.10});
        if (k == 0) return Next{.home = true};
        if (k == 3) return Next{.placement = true};
        return Next{.step = k == 1 ? 1 : 3};
      }
      const size_t k = r.Weighted({0.45, 0.30, 0.25});
      if (k == 0) return Next{.home = true};
      if (k == 2) return Next{.placement = true};
      return Next{.step = 2};
    }
    if (IsFoster(iv.type)) {
      const size_t k = r.Weighted({0.25, 0.45, 0.15, 0.15});
      if (k == 0) return Next{.home = true};
      if (k == 2) return Next{.placement = true};
      return Next{.step = k == 1 ? 3 : 2};
    }
    if (IsInstitution(iv.type)) {
      const size_t k = r.Weighted({0.25, 0.40, 0.35});
      if (k == 0) return Next{.home = true};
      if (k == 2) return Next{.placement = true};
      return Next{.step = 3};
    }
    return r.Chance(0.6) ? Next{.home = true} : Next{.step = 3};
  }

  Child& c_;
  Rng& r_;
  CivilDate end_;
};

// ---------------------------------------------------------------------------------------
// The workforce.

class Workforce {
 public:
  Workforce(Rng& rng, int size, CivilDate first_day, CivilDate end) : end_(end) {
    const int teams = std::clamp((size + 4) / 8, 1, static_cast<int>(kTeamIds.size()));
    teams_ = teams;
    std::set<std::string> taken;
    for (int slot = 0; slot < size; ++slot) {
      CivilDate start = first_day;
      for (;;) {
        Caseworker cw;
        const std::string given = kGivenNames[rng.Int(0, kGivenNames.size() - 1)];
        const std::string family = kFamilyNames[rng.Int(0, kFamilyNames.size() - 1)];
        cw.name = given + " " + family;
        cw.id = AsciiId(given) + "." + AsciiId(family);
        for (int n = 2; taken.count(cw.id) != 0; ++n) {
          cw.id = AsciiId(given) + "." + AsciiId(family) + std::to_string(n);
        }
        taken.insert(cw.id);
        cw.team = slot % teams;
        cw.fte_milli =
            static_cast<int>(std::array<int, 3>{1000, 800, 500}[rng.Weighted({0.80, 0.15, 0.05})]);
        cw.start = start;
        // Leaves in a given year with a fixed chance; the last working day is before the end.
        CivilDate year = start;
        while (year < end) {
          if (rng.Chance(kCaseworkerLeavesPerYear)) {
            const CivilDate leaving = year.AddDays(rng.Int(30, 364));
            if (leaving < end) cw.leaving = leaving;
            break;
          }
          year = year.AddYears(1);
        }
        if (rng.Chance(0.10)) {
          const CivilDate on = start.AddDays(rng.Int(90, 1500));
          const int fte = std::array<int, 3>{1000, 800, 600}[rng.Int(0, 2)];
          if (on <= end && (!cw.leaving || on < *cw.leaving) && fte != cw.fte_milli) {
            cw.fte_change = std::make_pair(on, fte);
          }
        }
        const std::optional<CivilDate> leaving = cw.leaving;
        all_.push_back(std::move(cw));
        if (!leaving) break;
        // The successor starts in the same team up to a month before.
        start = std::max(first_day, leaving->AddDays(-rng.Int(0, 30)));
      }
    }
    std::stable_sort(all_.begin(), all_.end(),
                     [](const Caseworker& a, const Caseworker& b) { return a.start < b.start; });
  }

  int teams() const { return teams_; }
  std::vector<Caseworker>& all() { return all_; }

  // The least loaded caseworker of the team (per FTE) employed on `on`, not in `exclude`;
  // another team's when the team has nobody. Null if nobody is employed at all.
  Caseworker* LeastLoaded(int team, CivilDate on, const std::vector<std::string>& exclude) {
    Caseworker* best = nullptr;
    for (int pass = 0; pass < 2 && best == nullptr; ++pass) {
      double best_load = 0;
      for (Caseworker& cw : all_) {
        if ((pass == 0 && cw.team != team) || !cw.ActiveOn(on)) continue;
        if (std::find(exclude.begin(), exclude.end(), cw.id) != exclude.end()) continue;
        const double load = cw.load / cw.FteOn(on);
        if (best == nullptr || load < best_load) {
          best = &cw;
          best_load = load;
        }
      }
    }
    return best;
  }
  Caseworker& Get(const std::string& id) {
    for (Caseworker& cw : all_) {
      if (cw.id == id) return cw;
    }
    return all_.front();  // never: ids come from this workforce
  }

 private:
  CivilDate end_;
  int teams_ = 1;
  std::vector<Caseworker> all_;
};

// ---------------------------------------------------------------------------------------
// Who carries each case: one chronological pass over every child.

struct CaseState {
  bool open = false;
  std::string primary;
  std::string co_worker;
};

void AssignCaseworkers(std::vector<Child>& children, Workforce& workforce, CivilDate end) {
  enum Kind { kHandOver = 0, kClose = 1, kCoRelease = 2, kOpen = 3, kReopen = 4, kCoAssign = 5 };
  struct Event {
    CivilDate on;
    int kind;
    int child;  // or the caseworker's index for kHandOver
    size_t item;
    bool operator<(const Event& o) const {
      return std::tie(on, kind, child, item) < std::tie(o.on, o.kind, o.child, o.item);
    }
  };
  std::vector<Event> events;
  for (size_t i = 0; i < children.size(); ++i) {
    const Child& c = children[i];
    const int ci = static_cast<int>(i);
    events.push_back({c.opened, kOpen, ci, 0});
    for (size_t k = 0; k < c.closings.size(); ++k)
      events.push_back({c.closings[k].first, kClose, ci, k});
    for (size_t k = 0; k < c.reopenings.size(); ++k)
      events.push_back({c.reopenings[k], kReopen, ci, k});
    for (size_t k = 0; k < c.co_worker_needs.size(); ++k) {
      events.push_back({c.co_worker_needs[k].from, kCoAssign, ci, k});
      if (c.co_worker_needs[k].until)
        events.push_back({*c.co_worker_needs[k].until, kCoRelease, ci, k});
    }
  }
  for (size_t w = 0; w < workforce.all().size(); ++w) {
    const Caseworker& cw = workforce.all()[w];
    if (cw.leaving && cw.leaving->AddDays(1) <= end) {
      events.push_back({cw.leaving->AddDays(1), kHandOver, static_cast<int>(w), 0});
    }
  }
  std::sort(events.begin(), events.end());

  std::vector<CaseState> states(children.size());
  const auto end_role = [&](Child& c, const std::string& who, bool primary, CivilDate on) {
    for (AssignmentStory& a : c.assignments) {
      if (a.caseworker == who && a.primary == primary && !a.until) a.until = on;
    }
  };
  const auto give_primary = [&](Child& c, CaseState& s, CivilDate on, std::string reason,
                                bool at_open) {
    Caseworker* cw = workforce.LeastLoaded(c.team, on, {s.co_worker});
    if (cw == nullptr) return;
    cw->load += 1;
    s.primary = cw->id;
    c.assignments.push_back({cw->id, true, on, std::nullopt, std::move(reason), at_open});
  };
  for (const Event& e : events) {
    if (e.kind == kHandOver) {
      Caseworker& leaver = workforce.all()[e.child];
      for (size_t i = 0; i < children.size(); ++i) {
        Child& c = children[i];
        CaseState& s = states[i];
        if (s.co_worker == leaver.id) {
          end_role(c, leaver.id, false, e.on);
          leaver.load -= 0.5;
          s.co_worker.clear();
        }
        if (s.primary == leaver.id && s.open) {
          end_role(c, leaver.id, true, e.on);
          leaver.load -= 1;
          give_primary(c, s, e.on, "overdraget: " + leaver.id + " er fratrådt", false);
        }
      }
      continue;
    }
    Child& c = children[e.child];
    CaseState& s = states[e.child];
    switch (e.kind) {
      case kOpen:
        s.open = true;
        give_primary(c, s, e.on, "mindst belastede i teamet", true);
        break;
      case kClose:
        s.open = false;
        if (!s.primary.empty()) workforce.Get(s.primary).load -= 1;
        break;
      case kReopen:
        s.open = true;
        if (!s.primary.empty() && workforce.Get(s.primary).ActiveOn(e.on)) {
          workforce.Get(s.primary).load += 1;
        } else {
          if (!s.primary.empty()) end_role(c, s.primary, true, e.on);
          give_primary(c, s, e.on, "sagen genoptaget", false);
        }
        break;
      case kCoAssign: {
        if (!s.open || !s.co_worker.empty()) break;
        Caseworker* cw = workforce.LeastLoaded(c.team, e.on, {s.primary});
        if (cw == nullptr) break;
        cw->load += 0.5;
        s.co_worker = cw->id;
        c.assignments.push_back(
            {cw->id, false, e.on, std::nullopt, "plejefamiliens første år", false});
        break;
      }
      case kCoRelease:
        if (!s.co_worker.empty()) {
          end_role(c, s.co_worker, false, e.on);
          workforce.Get(s.co_worker).load -= 0.5;
          s.co_worker.clear();
        }
        break;
    }
  }
}

// Who holds a role on a case on a date ("" if nobody).
std::string Holder(const Child& c, bool primary, CivilDate on) {
  std::string who;
  for (const AssignmentStory& a : c.assignments) {
    if (a.primary == primary && a.from <= on && (!a.until || on < *a.until)) who = a.caseworker;
  }
  return who;
}

// ---------------------------------------------------------------------------------------
// Follow-ups against the real rules.

rules::CaseTimeline TimelineOf(const Child& c) {
  rules::CaseTimeline t;
  for (const ReportStory& r : c.reports) t.reports.push_back({r.ref, r.received, r.assessed});
  for (const InvestigationStory& v : c.investigations) {
    t.investigations.push_back({v.ref, v.start, v.completed});
  }
  for (const InterventionStory& iv : c.interventions) {
    rules::Intervention ri;
    ri.id = iv.ref;
    ri.kind = iv.placement ? RulesKind(iv.type) : rules::InterventionKind::kSupportingIntervention;
    ri.consent = !iv.placement ? rules::ConsentBasis::kNotApplicable
                 : iv.consent == pv1::CONSENT_BASIS_WITHOUT_CONSENT
                     ? rules::ConsentBasis::kWithoutConsent
                     : rules::ConsentBasis::kWithConsent;
    ri.step = iv.step;
    ri.monthly_cost_ore = iv.monthly_cost_oere;
    ri.started_on = iv.start;
    if (iv.last_day) ri.ended_on = iv.last_day->AddDays(1);
    t.interventions.push_back(std::move(ri));
  }
  for (const AssignmentStory& a : c.assignments) {
    t.assignments.push_back({a.caseworker,
                             a.primary ? rules::CaseRole::kPrimary : rules::CaseRole::kCoWorker,
                             a.from, a.until});
  }
  t.follow_ups = c.follow_ups;
  t.plan_approvals = c.approvals;
  return t;
}

bool MetByFollowUp(rules::Track track) {
  switch (track) {
    case rules::Track::kFollowUp:
    case rules::Track::kChildConversation:
    case rules::Track::kFosterFamily:
    case rules::Track::kInstitution:
    case rules::Track::kSupervision:
    case rules::Track::kPlan: return true;
    default: return false;
  }
}

rules::FollowUpKind KindFor(rules::Track track, const InterventionStory& iv) {
  switch (track) {
    case rules::Track::kChildConversation: return rules::FollowUpKind::kChildConversation;
    case rules::Track::kFosterFamily: return rules::FollowUpKind::kFosterFamilyFollowUp;
    case rules::Track::kInstitution: return rules::FollowUpKind::kInstitutionFollowUp;
    case rules::Track::kSupervision: return rules::FollowUpKind::kSupervisionVisit;
    default: break;
  }
  if (iv.placement && IsFoster(iv.type)) return rules::FollowUpKind::kFosterFamilyFollowUp;
  if (iv.placement && IsInstitution(iv.type)) return rules::FollowUpKind::kInstitutionFollowUp;
  return rules::FollowUpKind::kChildConversation;
}

Status SimulateFollowUps(Child& c, const rules::RuleSet& rules, CivilDate end) {
  Rng& r = c.rng;
  std::set<std::string> given_up;
  std::string last_key;
  rules::CaseTimeline timeline = TimelineOf(c);
  for (int round = 0; round < 5000; ++round) {
    TRAPPE_ASSIGN_OR_RETURN(std::vector<rules::Deadline> deadlines,
                            rules::DeriveDeadlines(rules, timeline, end));
    const rules::Deadline* next = nullptr;
    std::string key;
    for (const rules::Deadline& d : deadlines) {
      // Missed: not met and due before its intervention ended (the timeline already holds
      // the end); a follow-up up to the last day still meets it.
      const bool unmet = d.IsOpen() || d.state == rules::DeadlineState::kMissed;
      if (!unmet || !MetByFollowUp(d.track) || d.due > end) continue;
      if (d.subject_kind != rules::SubjectKind::kIntervention) continue;
      key = d.rule_id + "/" + std::string(rules::ToString(d.track)) + "/" + d.subject_id + "/" +
            std::to_string(d.sequence);
      if (given_up.count(key) != 0) continue;
      next = &d;
      break;
    }
    if (next == nullptr) return Status::Ok();
    if (key == last_key) {  // the fact did not meet it (it cannot be met): leave it open
      given_up.insert(key);
      continue;
    }
    last_key = key;
    const InterventionStory* iv = nullptr;
    for (const InterventionStory& s : c.interventions) {
      if (s.ref == next->subject_id) iv = &s;
    }
    const CivilDate lo = std::max(next->opened_on.AddDays(next->sequence > 1 ? 1 : 0), iv->start);
    // The last weeks' deadlines are often still waiting: today's overdue list.
    if (next->due > end.AddDays(-kBehindDays) && r.Chance(kBehindShare)) {
      given_up.insert(key);
      continue;
    }
    CivilDate held = r.Chance(kFollowUpLate) ? next->due.AddDays(r.Int(1, 45))
                                             : next->due.AddDays(-r.Int(0, 10));
    if (held < lo) held = lo;
    if (held > end || (iv->last_day && held > *iv->last_day)) {  // never held: overdue or missed
      given_up.insert(key);
      continue;
    }
    if (next->track == rules::Track::kPlan) {
      const std::string id = "p" + std::to_string(c.approvals.size() + 1);
      c.approvals.push_back({id, held, iv->ref});
      timeline.plan_approvals.push_back(c.approvals.back());
      continue;
    }
    std::string by = Holder(c, next->track == rules::Track::kFosterFamily ? false : true, held);
    if (by.empty()) by = Holder(c, true, held);
    rules::FollowUp f{"f" + std::to_string(c.follow_ups.size() + 1), KindFor(next->track, *iv),
                      held, by, iv->ref};
    c.follow_ups.push_back(f);
    c.follow_up_caseworkers.push_back(by);
    timeline.follow_ups.push_back(std::move(f));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Commands.

// Same-day commands of a child in this order.
enum Order {
  kOpenCase,
  kReopenCase,
  kRecordReport,
  kAssessReport,
  kUnassign,
  kAssign,
  kStartInvestigation,
  kCompleteInvestigation,
  kAssessWeight,
  kEndIntervention,
  kStartIntervention,
  kChangeIntervention,
  kApprovePlan,
  kRecordFollowUp,
  kCloseCase,
};

struct Pending {
  CivilDate on;
  int order;
  int seq;
  Command command;
};

template <typename R>
void SetContext(R& request, const std::string& tenant, const std::string& actor) {
  request.set_tenant(tenant);
  request.set_actor(actor.empty() ? "trappe-generate" : actor);
}

class Emitter {
 public:
  Emitter(const std::string& tenant, Child& c) : tenant_(tenant), c_(c) {}

  template <typename R>
  R& Add(CivilDate on, int order, std::string actor, std::string binds = "") {
    Pending p{on, order, seq_++, Command{on, R{}, std::move(binds)}};
    R& request = std::get<R>(p.command.request);
    SetContext(request, tenant_, actor.empty() ? Holder(c_, true, on) : actor);
    pending_.push_back(std::move(p));
    return std::get<R>(pending_.back().command.request);
  }

  std::vector<Command> Take() {
    std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
      return std::tie(a.on, a.order, a.seq) < std::tie(b.on, b.order, b.seq);
    });
    std::vector<Command> out;
    out.reserve(pending_.size());
    for (Pending& p : pending_) out.push_back(std::move(p.command));
    pending_.clear();
    return out;
  }

 private:
  const std::string& tenant_;
  Child& c_;
  int seq_ = 0;
  std::deque<Pending> pending_;
};

std::vector<Command> CommandsOf(const std::string& tenant, Child& c) {
  Emitter e(tenant, c);
  const AssignmentStory* first = nullptr;
  for (const AssignmentStory& a : c.assignments) {
    if (a.in_open_case) first = &a;
  }
  {
    auto& r =
        e.Add<cv1::OpenCaseRequest>(c.opened, kOpenCase, first ? first->caseworker : "", "@case");
    r.mutable_personal_data()->set_cpr_number(c.cpr);
    r.mutable_personal_data()->set_given_name(c.given);
    r.mutable_personal_data()->set_family_name(c.family);
    r.set_legal_basis(c.basis);
    *r.mutable_opened_on() = ToProto(c.opened);
    r.set_team_id(kTeamIds[c.team]);
    if (first) r.set_caseworker_id(first->caseworker);
    r.set_grade(c.grade);
    r.set_grade_reason("vurderet ved sagens åbning");
  }
  for (const ReportStory& rep : c.reports) {
    const CivilDate on = CopenhagenDate(rep.received);
    auto& r = e.Add<cv1::RecordReportOfConcernRequest>(on, kRecordReport, "", rep.ref);
    r.set_case_id("@case");
    *r.mutable_received_at() = ToProto(rep.received);
    r.set_reporter_type(rep.reporter);
    if (rep.assessed) {
      auto& a = e.Add<cv1::AssessReportOfConcernRequest>(CopenhagenDate(*rep.assessed),
                                                         kAssessReport, "");
      a.set_case_id("@case");
      a.set_report_id(rep.ref);
      *a.mutable_assessed_at() = ToProto(*rep.assessed);
      a.set_acute(rep.outcome == cv1::CONCERN_OUTCOME_ACUTE_ACTION);
      a.set_outcome(rep.outcome);
    }
  }
  for (const InvestigationStory& v : c.investigations) {
    auto& r = e.Add<cv1::StartInvestigationRequest>(v.start, kStartInvestigation, "", v.ref);
    r.set_case_id("@case");
    *r.mutable_started_on() = ToProto(v.start);
    r.set_report_id(v.report_ref);
    if (v.completed) {
      auto& done =
          e.Add<cv1::CompleteInvestigationRequest>(*v.completed, kCompleteInvestigation, "");
      done.set_case_id("@case");
      done.set_investigation_id(v.ref);
      *done.mutable_completed_on() = ToProto(*v.completed);
      done.set_conclusion(v.conclusion);
    }
  }
  for (const auto& [on, grade] : c.regrades) {
    auto& r = e.Add<cv1::AssessWeightRequest>(on, kAssessWeight, "");
    r.set_case_id("@case");
    r.set_grade(grade);
    r.set_reason("revurderet efter undersøgelsen");
    *r.mutable_effective_date() = ToProto(on);
  }
  for (const AssignmentStory& a : c.assignments) {
    const cv1::CaseworkerRole role =
        a.primary ? cv1::CASEWORKER_ROLE_PRIMARY : cv1::CASEWORKER_ROLE_CO_WORKER;
    const cv1::CoWorkerPurpose purpose =
        a.primary ? cv1::CO_WORKER_PURPOSE_UNSPECIFIED : cv1::CO_WORKER_PURPOSE_FOSTER_FAMILY;
    if (!a.in_open_case) {
      auto& r = e.Add<cv1::AssignCaseworkerRequest>(a.from, kAssign, a.caseworker);
      r.set_case_id("@case");
      r.set_caseworker_id(a.caseworker);
      r.set_role(role);
      r.set_purpose(purpose);
      *r.mutable_effective_date() = ToProto(a.from);
      r.set_reason(a.reason);
    }
    if (a.until) {
      auto& r = e.Add<cv1::UnassignCaseworkerRequest>(*a.until, kUnassign, a.caseworker);
      r.set_case_id("@case");
      r.set_caseworker_id(a.caseworker);
      r.set_role(role);
      r.set_purpose(purpose);
      *r.mutable_effective_date() = ToProto(*a.until);
    }
  }
  for (const auto& [on, reason] : c.closings) {
    auto& r = e.Add<cv1::CloseCaseRequest>(on, kCloseCase, "");
    r.set_case_id("@case");
    r.set_reason(reason);
    *r.mutable_closed_on() = ToProto(on);
  }
  for (const CivilDate on : c.reopenings) {
    auto& r = e.Add<cv1::ReopenCaseRequest>(on, kReopenCase, "");
    r.set_case_id("@case");
    r.set_reason(cv1::REOPEN_REASON_NEW_REPORT_OF_CONCERN);
    *r.mutable_reopened_on() = ToProto(on);
  }
  for (const InterventionStory& iv : c.interventions) {
    auto& r = e.Add<pv1::StartInterventionRequest>(iv.start, kStartIntervention, "", iv.ref);
    r.set_case_id("@case");
    r.set_step_number(iv.step);
    if (iv.placement) {
      r.mutable_kind()->set_placement(iv.type);
      r.set_consent_basis(iv.consent);
    } else {
      r.mutable_kind()->set_support(iv.support);
    }
    r.mutable_provider()->set_provider_id(iv.provider_id);
    r.mutable_provider()->set_name(iv.provider_name);
    *r.mutable_start_date() = ToProto(iv.start);
    if (iv.planned_end) *r.mutable_planned_end_date() = ToProto(*iv.planned_end);
    r.set_intensive(iv.intensive);
    r.set_monthly_cost_oere(iv.monthly_cost_oere);
    r.set_purpose(iv.purpose);
    if (iv.extended_on) {
      auto& ch = e.Add<pv1::ChangeInterventionRequest>(*iv.extended_on, kChangeIntervention, "");
      ch.set_intervention_id(iv.ref);
      *ch.mutable_planned_end_date() = ToProto(iv.extended_to);
      *ch.mutable_effective_date() = ToProto(*iv.extended_on);
      ch.set_reason("forlænget efter opfølgning");
    }
    if (iv.last_day) {
      auto& end = e.Add<pv1::EndInterventionRequest>(*iv.last_day, kEndIntervention, "");
      end.set_intervention_id(iv.ref);
      *end.mutable_end_date() = ToProto(*iv.last_day);
      end.set_reason(iv.end_reason);
      end.set_destination(iv.destination);
      if (iv.destination == pv1::DESTINATION_STEP)
        end.set_destination_step_number(iv.destination_step);
    }
  }
  for (const rules::PlanApproval& p : c.approvals) {
    auto& r = e.Add<pv1::ApproveChildPlanRequest>(p.date, kApprovePlan, "");
    r.set_case_id("@case");
    *r.mutable_approved_on() = ToProto(p.date);
    r.add_intervention_ids(p.intervention_id);
  }
  for (size_t i = 0; i < c.follow_ups.size(); ++i) {
    const rules::FollowUp& f = c.follow_ups[i];
    auto& r =
        e.Add<sv1::RecordFollowUpRequest>(f.date, kRecordFollowUp, c.follow_up_caseworkers[i]);
    r.set_case_id("@case");
    r.set_kind(static_cast<sv1::FollowUpKind>(static_cast<int>(f.kind) + 1));
    *r.mutable_held_on() = ToProto(f.date);
    r.set_caseworker_id(c.follow_up_caseworkers[i]);
    r.set_intervention_id(f.intervention_id);
  }
  return e.Take();
}

std::vector<Command> OrganisationCommands(const PlanOptions& o, CivilDate first_day,
                                          Workforce& workforce) {
  std::vector<Pending> pending;
  int seq = 0;
  const auto add = [&](CivilDate on, auto request) {
    SetContext(request, o.tenant, o.actor);
    pending.push_back({on, 0, seq++, Command{on, std::move(request), ""}});
  };
  {
    wv1::RegisterMunicipalityRequest r;
    r.set_name(o.municipality_name);
    for (const char* preset :
         {"national-staircase", "barnets-lov", "sverigesmodel", "default-weights"}) {
      r.add_presets(preset);
    }
    *r.mutable_effective_from() = ToProto(first_day);
    add(first_day, r);
  }
  for (int t = 0; t < workforce.teams(); ++t) {
    wv1::CreateTeamRequest r;
    r.set_team_id(kTeamIds[t]);
    r.set_name(kTeamNames[t]);
    add(first_day, r);
  }
  for (const Caseworker& cw : workforce.all()) {
    wv1::RegisterCaseworkerRequest r;
    r.set_caseworker_id(cw.id);
    r.set_display_name(cw.name);
    r.set_team_id(kTeamIds[cw.team]);
    r.set_fte_milli(cw.fte_milli);
    *r.mutable_start_date() = ToProto(cw.start);
    add(cw.start, r);
  }
  for (const Caseworker& cw : workforce.all()) {
    if (cw.fte_change) {
      wv1::ChangeCaseworkerRequest r;
      r.set_caseworker_id(cw.id);
      r.set_fte_milli(cw.fte_change->second);
      *r.mutable_effective_date() = ToProto(cw.fte_change->first);
      r.set_reason("ændret arbejdstid");
      add(cw.fte_change->first, r);
    }
    if (cw.leaving) {
      const CivilDate notice = std::max(cw.start, cw.leaving->AddDays(-30));
      wv1::ChangeCaseworkerRequest r;
      r.set_caseworker_id(cw.id);
      *r.mutable_leaving_date() = ToProto(*cw.leaving);
      *r.mutable_effective_date() = ToProto(notice);
      r.set_reason("fratræder");
      add(notice, r);
    }
  }
  std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.on, a.seq) < std::tie(b.on, b.seq);
  });
  std::vector<Command> out;
  for (Pending& p : pending) out.push_back(std::move(p.command));
  return out;
}

template <typename R>
void SetRequestId(R& request, std::string id) {
  request.set_request_id(std::move(id));
}

// Request ids: UUID-shaped digests of the plan's options, the stream and the position, so
// the same plan run twice sends the same ids (and writes nothing the second time), and a
// different plan never reuses one.
void NameRequests(std::vector<Command>& commands, uint64_t plan_key, std::string_view stream) {
  const uint64_t stream_key = Mix(plan_key, Fnv1a(stream));
  for (size_t i = 0; i < commands.size(); ++i) {
    const uint64_t hi = Mix(stream_key, 2 * i + 1);
    const uint64_t lo = Mix(stream_key, 2 * i + 2);
    std::visit([&](auto& r) { SetRequestId(r, UuidFromWords(hi, lo)); }, commands[i].request);
  }
}

void CountStats(const Child& c, const rules::RuleSet& rules, CivilDate end, PlanStats& stats) {
  if (!c.OpenOn(end)) ++stats.cases_closed;
  stats.cases_reopened += static_cast<int64_t>(c.reopenings.size());
  stats.reports_of_concern += static_cast<int64_t>(c.reports.size());
  stats.investigations += static_cast<int64_t>(c.investigations.size());
  int step = 0;
  for (const InterventionStory& iv : c.interventions) {
    if (iv.placement) {
      ++stats.placements_by_type[pv1::PlacementType_Name(iv.type)];
    } else {
      ++stats.supports_started;
    }
    if (iv.step > step) ++stats.moves_up;
    if (iv.step < step) ++stats.moves_down;
    step = iv.step;
    if (iv.last_day && iv.destination != pv1::DESTINATION_STEP) {
      ++stats.moves_down;
      step = 0;
    }
  }
  stats.follow_ups += static_cast<int64_t>(c.follow_ups.size());
  stats.plan_approvals += static_cast<int64_t>(c.approvals.size());
  const Result<std::vector<rules::Deadline>> deadlines =
      rules::DeriveDeadlines(rules, TimelineOf(c), end);
  if (!deadlines.ok()) return;
  for (const rules::Deadline& d : *deadlines) {
    switch (d.state) {
      case rules::DeadlineState::kMetOnTime:
        ++stats.deadlines_met_on_time;
        if (MetByFollowUp(d.track)) ++stats.follow_up_deadlines_met_on_time;
        break;
      case rules::DeadlineState::kMetLate:
        ++stats.deadlines_met_late;
        if (MetByFollowUp(d.track)) ++stats.follow_up_deadlines_met_late;
        break;
      case rules::DeadlineState::kOverdue: ++stats.deadlines_overdue; break;
      case rules::DeadlineState::kOpen: ++stats.deadlines_open; break;
      case rules::DeadlineState::kMissed: ++stats.deadlines_missed; break;
      case rules::DeadlineState::kDropped: break;
    }
  }
}

bool Showcase(const Child& c, const rules::RuleSet& rules, CivilDate end) {
  if (!c.OpenOn(end)) return false;
  bool placed = false;
  for (const InterventionStory& iv : c.interventions) {
    if (iv.placement && !iv.last_day) placed = true;
  }
  if (!placed) return false;
  const Result<std::vector<rules::Deadline>> deadlines =
      rules::DeriveDeadlines(rules, TimelineOf(c), end);
  if (!deadlines.ok()) return false;
  return std::any_of(deadlines->begin(), deadlines->end(), [](const rules::Deadline& d) {
    return d.state == rules::DeadlineState::kOverdue;
  });
}

}  // namespace

Status ValidatePlanOptions(const PlanOptions& o) {
  if (o.tenant.size() != 4 || !std::all_of(o.tenant.begin(), o.tenant.end(),
                                           [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return InvalidArgument("tenant", "must be a 4-digit municipality code, e.g. 0657");
  }
  if (o.municipality_name.empty()) return InvalidArgument("municipality_name", "is required");
  if (o.children < 1 || o.children > 1000000) {
    return InvalidArgument("children", "must be between 1 and 1,000,000");
  }
  if (o.years < 1 || o.years > 50) return InvalidArgument("years", "must be between 1 and 50");
  if (o.caseworkers < 0 || o.caseworkers > 10000) {
    return InvalidArgument("caseworkers", "must be between 0 (automatic) and 10,000");
  }
  if (o.end_date.year() < 1900) return InvalidArgument("end_date", "is required");
  if (o.actor.empty()) return InvalidArgument("actor", "is required");
  return Status::Ok();
}

Result<Plan> MakePlan(const PlanOptions& options) {
  TRAPPE_RETURN_IF_ERROR(ValidatePlanOptions(options));
  Plan plan;
  plan.options = options;
  const CivilDate end = options.end_date;
  const CivilDate first_day = end.AddYears(-options.years);
  plan.start_date = first_day;
  const int caseworkers =
      options.caseworkers > 0 ? options.caseworkers : std::max(3, (options.children + 84) / 85);
  const uint64_t plan_key = Mix(Mix(Mix(Mix(options.seed, Fnv1a(options.tenant)),
                                        static_cast<uint64_t>(end.days_since_epoch())),
                                    static_cast<uint64_t>(options.children) * 1000003ULL +
                                        static_cast<uint64_t>(options.years)),
                                static_cast<uint64_t>(caseworkers));

  Rng org_rng(Mix(options.seed, 0x6f7267));  // "org"
  Workforce workforce(org_rng, caseworkers, first_day, end);
  for (int t = 0; t < workforce.teams(); ++t) plan.team_ids.push_back(kTeamIds[t]);

  std::vector<Child> children;
  children.reserve(options.children);
  for (int i = 0; i < options.children; ++i) {
    children.emplace_back(Mix(options.seed, 0x1000000ULL + static_cast<uint64_t>(i)));
    Child& c = children.back();
    c.index = i;
    c.team = static_cast<int>(c.rng.Int(0, workforce.teams() - 1));
    StoryWriter(c, end).Write(first_day);
  }
  AssignCaseworkers(children, workforce, end);

  rules::RuleSet rules;
  TRAPPE_RETURN_IF_ERROR(rules.Enable(rules::BarnetsLovRules(), first_day));
  TRAPPE_RETURN_IF_ERROR(rules.Enable(rules::SverigesmodelRules(), first_day));

  plan.organisation = OrganisationCommands(options, first_day, workforce);
  NameRequests(plan.organisation, plan_key, "organisation");
  for (const Caseworker& cw : workforce.all()) {
    ++plan.stats.caseworkers_registered;
    if (cw.leaving) ++plan.stats.caseworkers_left;
    if (cw.ActiveOn(end)) plan.caseworkers_at_end.push_back(cw.id);
  }
  plan.children.reserve(children.size());
  for (Child& c : children) {
    Status simulated = SimulateFollowUps(c, rules, end);
    if (!simulated.ok()) return simulated.WithContext("child " + std::to_string(c.index));
    ChildPlan child{c.index, CommandsOf(options.tenant, c)};
    NameRequests(child.commands, plan_key, "child/" + std::to_string(c.index));
    CountStats(c, rules, end, plan.stats);
    if (Showcase(c, rules, end)) plan.showcase_children.push_back(c.index);
    plan.children.push_back(std::move(child));
  }
  const auto count = [&](const std::vector<Command>& commands) {
    for (const Command& command : commands) {
      ++plan.stats.commands;
      ++plan.stats.commands_by_rpc[std::string(RpcName(command.request))];
    }
  };
  count(plan.organisation);
  for (const ChildPlan& child : plan.children) count(child.commands);
  return plan;
}

std::string_view RpcName(const Request& request) {
  static constexpr std::array<std::string_view, std::variant_size_v<Request>> kNames = {
      "WorkloadService.RegisterMunicipality",
      "WorkloadService.CreateTeam",
      "WorkloadService.RegisterCaseworker",
      "WorkloadService.ChangeCaseworker",
      "CaseService.OpenCase",
      "CaseService.RecordReportOfConcern",
      "CaseService.AssessReportOfConcern",
      "CaseService.StartInvestigation",
      "CaseService.CompleteInvestigation",
      "CaseService.AssignCaseworker",
      "CaseService.UnassignCaseworker",
      "CaseService.AssessWeight",
      "CaseService.CloseCase",
      "CaseService.ReopenCase",
      "PlacementService.StartIntervention",
      "PlacementService.ChangeIntervention",
      "PlacementService.EndIntervention",
      "PlacementService.ApproveChildPlan",
      "SchedulingService.RecordFollowUp"};
  return kNames[request.index()];
}

const std::string& RequestIdOf(const Request& request) {
  return std::visit([](const auto& r) -> const std::string& { return r.request_id(); }, request);
}

std::vector<std::string> ReferencesOf(const Request& request) {
  std::vector<std::string> out;
  const auto add = [&](const std::string& id) {
    if (!id.empty() && id[0] == '@') out.push_back(id);
  };
  std::visit(
      [&](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (requires { r.case_id(); }) add(r.case_id());
        if constexpr (requires { r.report_id(); }) add(r.report_id());
        if constexpr (requires { r.investigation_id(); }) add(r.investigation_id());
        if constexpr (requires { r.intervention_id(); }) add(r.intervention_id());
        if constexpr (std::is_same_v<R, pv1::ApproveChildPlanRequest>) {
          for (const std::string& id : r.intervention_ids()) add(id);
        }
      },
      request);
  return out;
}

Status CheckReferences(const Plan& plan) {
  const auto where = [](const std::string& stream, size_t i, const Command& command) {
    return stream + ", command " + std::to_string(i + 1) + " (" +
           std::string(RpcName(command.request)) + ", effective " + command.effective.ToString() +
           ")";
  };
  for (size_t i = 0; i < plan.organisation.size(); ++i) {
    const Command& command = plan.organisation[i];
    const std::vector<std::string> refs = ReferencesOf(command.request);
    if (!refs.empty()) {
      return Internal(where("the organisation", i, command) + " names " + refs.front() +
                      ", which no command of the organisation binds");
    }
  }
  for (const ChildPlan& child : plan.children) {
    std::set<std::string, std::less<>> bound;
    const std::string stream = "child " + std::to_string(child.index);
    for (size_t i = 0; i < child.commands.size(); ++i) {
      const Command& command = child.commands[i];
      for (const std::string& ref : ReferencesOf(command.request)) {
        if (bound.count(ref) == 0) {
          return Internal(where(stream, i, command) + ": the plan names " + ref +
                          " before a command bound it");
        }
      }
      if (!command.binds.empty() && !bound.insert(command.binds).second) {
        return Internal(where(stream, i, command) + " binds " + command.binds + " again");
      }
    }
  }
  return Status::Ok();
}

std::string PlanDigest(const Plan& plan) {
  uint64_t h = 0xcbf29ce484222325ULL;
  std::string bytes;
  const auto feed = [&](const std::vector<Command>& commands) {
    for (const Command& c : commands) {
      bytes.clear();
      std::visit(
          [&](const auto& r) {
            google::protobuf::io::StringOutputStream stream(&bytes);
            google::protobuf::io::CodedOutputStream out(&stream);
            out.SetSerializationDeterministic(true);
            r.SerializeToCodedStream(&out);
          },
          c.request);
      h = Mix(h, Fnv1a(bytes) ^ c.request.index());
    }
  };
  feed(plan.organisation);
  for (const ChildPlan& child : plan.children) feed(child.commands);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace trappe::generator
