// Benchmarks of the pure rules.
//
//   build/<preset>/bench/rules/rules_bench
//
//   BM_DeriveDeadlinesTenYearCase  every deadline of one child's ten-year case history
//                                  (both follow-up presets): target < 1 ms
//   BM_WorkloadOn30x600            the loads of 30 caseworkers holding 600 cases on a date
//   BM_SpendingOnYear600Children   the prevention share of a year's spending, 600 children
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "host_context.h"
#include "trappe/rules/deadlines.h"
#include "trappe/rules/staircase.h"
#include "trappe/rules/workload.h"

namespace trappe::rules {
namespace {

CivilDate D(const char* iso) { return CivilDate::Parse(iso).value(); }

// A small deterministic generator, so every run measures the same data.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  int64_t Below(int64_t n) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>((state_ >> 33) % static_cast<uint64_t>(n));
  }

 private:
  uint64_t state_;
};

Intervention MakeIntervention(std::string id, InterventionKind kind, int step, const char* start,
                              const char* end, ConsentBasis consent) {
  Intervention iv;
  iv.id = std::move(id);
  iv.kind = kind;
  iv.step = step;
  iv.consent = consent;
  iv.monthly_cost_ore = int64_t{step} * 700'000;
  iv.started_on = D(start);
  iv.ended_on = D(end);
  return iv;
}

// Follow-ups of `kind` every `early` days until `switch_after` days, then every `late` days.
void AddRhythm(CaseTimeline& t, const Intervention& iv, FollowUpKind kind, int early,
               int switch_after, int late, Lcg& rng) {
  const int64_t length = DaysBetween(iv.started_on, *iv.ended_on);
  for (int64_t day = 9; day < length;) {
    FollowUp f;
    f.kind = kind;
    f.date = iv.started_on.AddDays(day);
    f.id = iv.id + "/" + std::string(ToString(kind)) + "/" + std::to_string(day);
    f.caseworker_id = "cw-" + std::to_string(rng.Below(3));
    f.intervention_id = iv.id;
    t.follow_ups.push_back(std::move(f));
    day += (day < switch_after ? early : late) + rng.Below(7) - 3;
  }
}

// A child's case from 2014 to 2024: twelve reports, three investigations, early support,
// two years in a children's home (par. 47), five years in a foster family, home-based
// support; follow-ups roughly on the Swedish-model rhythm.
CaseTimeline TenYearCase() {
  using enum FollowUpKind;
  CaseTimeline t;
  Lcg rng(42);
  const CivilDate first = D("2014-01-06");
  for (int i = 0; i < 12; ++i) {
    const Timestamp received =
        CopenhagenStartOfDay(first.AddMonths(10 * i)) + std::chrono::hours(9 + i % 10);
    t.reports.push_back(
        {"r-" + std::to_string(i), received, received + std::chrono::hours(i % 4 == 0 ? 30 : 20)});
  }
  t.investigations = {{"bfu-1", D("2014-01-10"), D("2014-05-08")},
                      {"bfu-2", D("2017-03-01"), D("2017-07-15")},
                      {"bfu-3", D("2022-02-01"), D("2022-05-20")}};
  t.interventions = {MakeIntervention("support-1", InterventionKind::kSupportingIntervention, 2,
                                      "2014-05-15", "2015-06-01", ConsentBasis::kNotApplicable),
                     MakeIntervention("home-1", InterventionKind::kChildrensHome, 6, "2015-06-01",
                                      "2017-06-01", ConsentBasis::kWithoutConsent),
                     MakeIntervention("foster-1", InterventionKind::kGeneralFosterFamily, 5,
                                      "2017-06-01", "2022-06-01", ConsentBasis::kWithConsent),
                     MakeIntervention("support-2", InterventionKind::kSupportingIntervention, 3,
                                      "2022-06-01", "2024-06-01", ConsentBasis::kNotApplicable)};
  const auto& iv = t.interventions;
  AddRhythm(t, iv[0], kChildConversation, 90, 0, 90, rng);
  AddRhythm(t, iv[1], kInstitutionFollowUp, 30, 365, 42, rng);
  AddRhythm(t, iv[1], kSupervisionVisit, 170, 0, 170, rng);
  AddRhythm(t, iv[2], kChildConversation, 30, 182, 88, rng);
  AddRhythm(t, iv[2], kFosterFamilyFollowUp, 30, 182, 88, rng);
  AddRhythm(t, iv[2], kSupervisionVisit, 175, 0, 175, rng);
  AddRhythm(t, iv[3], kPlanRevision, 85, 0, 85, rng);
  for (const Intervention& i : iv) {
    t.plan_approvals.push_back({"plan/" + i.id, i.started_on.AddDays(10), i.id});
  }
  t.assignments = {{"cw-1", CaseRole::kPrimary, D("2014-01-06"), D("2019-01-01")},
                   {"cw-2", CaseRole::kPrimary, D("2019-01-01"), std::nullopt},
                   {"cw-3", CaseRole::kCoWorker, D("2017-06-10"), D("2018-06-01")}};
  t.overrides = {{"o-1", D("2019-07-01"), "SE-FOSTER", Track::kChildConversation, "foster-1",
                  D("2019-09-15"), std::nullopt, "child abroad with the foster family"},
                 {"o-2", D("2022-09-01"), "FU-FIRST-3M", Track::kFollowUp, "support-2",
                  std::nullopt, Months(3), "par. 95 schedule: every three months"}};
  return t;
}

RuleSet BothPresets() {
  RuleSet rules;
  if (!rules.Enable(BarnetsLovRules(), D("2010-01-01")).ok() ||
      !rules.Enable(SverigesmodelRules(), D("2010-01-01")).ok()) {
    std::abort();
  }
  return rules;
}

void BM_DeriveDeadlinesTenYearCase(benchmark::State& state) {
  const RuleSet rules = BothPresets();
  const CaseTimeline timeline = TenYearCase();
  size_t deadlines = 0;
  for (auto _ : state) {
    auto result = DeriveDeadlines(rules, timeline, D("2024-12-31"));
    if (!result.ok()) state.SkipWithError(result.status().ToString().c_str());
    deadlines = result->size();
    benchmark::DoNotOptimize(result);
  }
  state.counters["follow_ups"] = static_cast<double>(timeline.follow_ups.size());
  state.counters["deadlines"] = static_cast<double>(deadlines);
}
BENCHMARK(BM_DeriveDeadlinesTenYearCase)->Unit(benchmark::kMicrosecond);

struct Municipality {
  std::vector<CaseworkerFacts> caseworkers;
  std::vector<CaseWeightFacts> cases;
};

CaseWeightFacts RandomCase(int i, int caseworkers, Lcg& rng) {
  const CivilDate origin = D("2020-01-01");
  CaseWeightFacts c;
  c.case_id = "c-" + std::to_string(1000 + i);
  const CivilDate opened = origin.AddDays(rng.Below(1500));
  c.open_periods = {{opened, std::nullopt}};
  c.grades = {{opened.AddDays(rng.Below(60)), static_cast<CaseGrade>(1 + rng.Below(3))}};
  if (rng.Below(2) == 0)
    c.grades.push_back({opened.AddDays(rng.Below(700)), CaseGrade::kVeryComplex});
  if (rng.Below(2) == 0) {
    Intervention p;
    p.id = c.case_id + "/p";
    p.kind = rng.Below(3) == 0 ? InterventionKind::kChildrensHome
                               : InterventionKind::kGeneralFosterFamily;
    p.consent = rng.Below(10) == 0 ? ConsentBasis::kWithoutConsent : ConsentBasis::kWithConsent;
    p.step = p.kind == InterventionKind::kChildrensHome ? 6 : 5;
    p.monthly_cost_ore = p.step * 800'000;
    p.started_on = opened.AddDays(rng.Below(900));
    if (rng.Below(3) == 0) p.ended_on = p.started_on.AddDays(90 + rng.Below(700));
    c.interventions.push_back(p);
  }
  Intervention s;
  s.id = c.case_id + "/s";
  s.step = 1 + static_cast<int>(rng.Below(3));
  s.monthly_cost_ore = 150'000 + rng.Below(300'000);
  s.started_on = opened.AddDays(rng.Below(200));
  s.ended_on = s.started_on.AddDays(60 + rng.Below(800));
  c.interventions.push_back(s);
  if (rng.Below(3) == 0) {
    const CivilDate started = opened.AddDays(rng.Below(1200));
    c.investigations.push_back({c.case_id + "/bfu", started, started.AddDays(100 + rng.Below(40))});
  }
  const std::string first = "cw-" + std::to_string(i % caseworkers);
  if (rng.Below(3) == 0) {
    const CivilDate handover = opened.AddDays(100 + rng.Below(1000));
    c.assignments.push_back({first, CaseRole::kPrimary, opened, handover});
    c.assignments.push_back({"cw-" + std::to_string(rng.Below(caseworkers)), CaseRole::kPrimary,
                             handover, std::nullopt});
  } else {
    c.assignments.push_back({first, CaseRole::kPrimary, opened, std::nullopt});
  }
  if (rng.Below(4) == 0) {
    c.assignments.push_back({"cw-" + std::to_string((i + 7) % caseworkers), CaseRole::kCoWorker,
                             opened.AddDays(rng.Below(30)), std::nullopt});
  }
  return c;
}

Municipality ThirtyCaseworkers600Cases() {
  Municipality m;
  Lcg rng(7);
  for (int i = 0; i < 30; ++i) {
    CaseworkerFacts cw;
    cw.id = "cw-" + std::to_string(i);
    cw.team_id = "T" + std::to_string(i % 3);
    cw.joined_on = D("2019-01-01");
    cw.terms = {{cw.joined_on, i % 5 == 0 ? 80 : 100, std::nullopt}};
    if (i == 29) cw.left_on = D("2024-03-01");
    m.caseworkers.push_back(cw);
  }
  for (int i = 0; i < 600; ++i) m.cases.push_back(RandomCase(i, 30, rng));
  return m;
}

void BM_WorkloadOn30x600(benchmark::State& state) {
  const Municipality m = ThirtyCaseworkers600Cases();
  const WeightTable table = DefaultWeights();
  for (auto _ : state) {
    auto workload = WorkloadOn(table, m.caseworkers, m.cases, D("2024-06-01"));
    if (!workload.ok()) state.SkipWithError(workload.status().ToString().c_str());
    benchmark::DoNotOptimize(workload);
  }
}
BENCHMARK(BM_WorkloadOn30x600)->Unit(benchmark::kMicrosecond);

void BM_SpendingOnYear600Children(benchmark::State& state) {
  const Municipality m = ThirtyCaseworkers600Cases();
  std::vector<Intervention> all;
  for (const CaseWeightFacts& c : m.cases)
    all.insert(all.end(), c.interventions.begin(), c.interventions.end());
  const Staircase staircase = NationalStaircase();
  for (auto _ : state) {
    auto spending = SpendingOn(staircase, all, D("2023-01-01"), D("2023-12-31"));
    if (!spending.ok()) state.SkipWithError(spending.status().ToString().c_str());
    benchmark::DoNotOptimize(spending);
  }
  state.counters["interventions"] = static_cast<double>(all.size());
}
BENCHMARK(BM_SpendingOnYear600Children)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace trappe::rules

TRAPPE_BENCHMARK_MAIN();
