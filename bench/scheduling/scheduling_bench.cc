// Benchmarks of the scheduling service's queries, through its gRPC handlers (in process,
// no network), on an embedded log in a temp dir:
//  - BM_OverdueForMunicipality: the overdue deadlines of a municipality with 5,000 open
//    cases (placements of 2025, some followed up), first page of 50, as of 2 March 2026;
//    p50/p99 over the iterations as counters. Variants: one caseworker's, and an as_of
//    before the latest facts of a tenth of the cases (those are derived from their facts).
//  - BM_CaseDeadlinesTenYears: every deadline of a case with ten years of history (a
//    foster placement since 2016 followed up monthly then quarterly on both tracks,
//    supervision visits, yearly plans).
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "host_context.h"
#include "trappe/common/clock.h"
#include "trappe/common/ids.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/scheduling/module.h"
#include "trappe/scheduling/v1/service.grpc.pb.h"
#include "trappe/service/convert.h"
#include "upstream.h"

namespace trappe::scheduling {
namespace {

constexpr char kTenant[] = "0657";

CivilDate D(int y, int m, int d) { return CivilDate::FromYmd(y, m, d).value(); }

std::string Uuid(char prefix, int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%c0000000-0000-4000-8000-%012d", prefix, n);
  return buf;
}

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", s.ToString().c_str());
    std::abort();
  }
}

events::v1::EventEnvelope FollowUp(const std::string& case_id, int n, v1::FollowUpKind kind,
                                   CivilDate on) {
  events::v1::EventEnvelope e;
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_FOLLOW_UP_SCHEDULE);
  e.set_aggregate_id(case_id);
  e.set_case_id(case_id);
  *e.mutable_effective_date() = service::ToProtoDate(on);
  auto& f = *e.mutable_follow_up_recorded();
  f.set_follow_up_id(Uuid('f', n));
  f.set_case_id(case_id);
  f.set_kind(kind);
  *f.mutable_held_on() = service::ToProtoDate(on);
  f.set_caseworker_id("cw-1");
  return e;
}

// A log with a municipality's history, and the scheduling module caught up on it.
class World {
 public:
  explicit World(const std::function<void(testing::Upstream&)>& history)
      : clock_(CopenhagenStartOfDay(D(2026, 3, 2))) {
    char pattern[] = "/tmp/scheduling-bench-XXXXXX";
    dir_ = mkdtemp(pattern);
    eventlog::EmbeddedLogOptions options;
    options.directory = dir_ + "/log";
    options.sync = false;  // a throwaway log
    log_ = eventlog::OpenEmbeddedLog(options).value();
    testing::Upstream upstream(log_.get(), nullptr, kTenant);
    Check(upstream.RegisterMunicipality(D(2020, 1, 1), {"barnets-lov", "sverigesmodel"}));
    history(upstream);
    service::ModuleContext context;
    context.log = log_.get();
    context.clock = &clock_;
    context.ids = &ids_;
    context.data_dir = dir_ + "/scheduling";
    std::filesystem::create_directories(context.data_dir);
    module_ = OpenSchedulingModule(context).value();
    module_->runtime().StartCatchUp(nullptr);
    Check(module_->runtime().WaitUntilReady(std::chrono::steady_clock::now() +
                                            std::chrono::minutes(10)));
    service_ = dynamic_cast<v1::SchedulingService::Service*>(module_->grpc_service());
  }
  ~World() {
    module_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  v1::SchedulingService::Service& service() { return *service_; }

 private:
  std::string dir_;
  FixedClock clock_;
  SequentialIdGenerator ids_;
  std::unique_ptr<eventlog::EventLog> log_;
  std::unique_ptr<service::ServiceModule> module_;
  v1::SchedulingService::Service* service_ = nullptr;
};

constexpr int kCases = 5000;

// 5,000 open cases: a placement each in 2025 (foster family or children's home), 250
// caseworkers; every third case had its first conversation on day 10; a tenth of the
// cases have a follow-up in late February 2026.
World& Municipality() {
  static World world([](testing::Upstream& up) {
    for (int i = 0; i < kCases; ++i) {
      const std::string case_id = Uuid('c', i);
      const CivilDate start = D(2025, 1, 1).AddDays(i % 400);
      Check(up.OpenCase(case_id, start, "team-" + std::to_string(i % 10)));
      Check(up.Assign(case_id, "cw-" + std::to_string(i % 250), cases::v1::CASEWORKER_ROLE_PRIMARY,
                      start));
      Check(up.StartPlacement(case_id, Uuid('a', i),
                              i % 2 == 0 ? placements::v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY
                                         : placements::v1::PLACEMENT_TYPE_CHILDRENS_HOME,
                              start));
      if (i % 3 == 0) {
        Check(up.Append(FollowUp(case_id, i,
                                 i % 2 == 0 ? v1::FOLLOW_UP_KIND_CHILD_CONVERSATION
                                            : v1::FOLLOW_UP_KIND_INSTITUTION_FOLLOW_UP,
                                 start.AddDays(10))));
      }
      if (i % 10 == 0) {
        Check(up.Append(
            FollowUp(case_id, kCases + i, v1::FOLLOW_UP_KIND_SUPERVISION_VISIT, D(2026, 2, 20))));
      }
    }
  });
  return world;
}

// This thread's CPU time: on a shared machine the wall clock also counts waiting for a core.
double ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double Percentile(std::vector<double>& values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

void RunDue(benchmark::State& state, const v1::ListDueDeadlinesRequest& request) {
  World& world = Municipality();
  std::vector<double> micros;
  std::vector<double> cpu_micros;
  int64_t total = 0;
  for (auto _ : state) {
    grpc::ServerContext context;
    v1::ListDueDeadlinesResponse response;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = ThreadCpuMicros();
    grpc::Status s = world.service().ListDueDeadlines(&context, &request, &response);
    cpu_micros.push_back(ThreadCpuMicros() - c0);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!s.ok()) state.SkipWithError(s.error_message().c_str());
    total = response.page().total_size();
    benchmark::DoNotOptimize(response);
  }
  state.counters["p50_us"] = Percentile(micros, 0.50);
  state.counters["p99_us"] = Percentile(micros, 0.99);
  state.counters["p99_cpu_us"] = Percentile(cpu_micros, 0.99);
  state.counters["matching"] = static_cast<double>(total);
}

v1::ListDueDeadlinesRequest Overdue(CivilDate as_of) {
  v1::ListDueDeadlinesRequest r;
  r.set_tenant(kTenant);
  *r.mutable_as_of() = service::ToProtoDate(as_of);
  r.set_overdue_only(true);
  r.mutable_page()->set_page_size(50);
  return r;
}

void BM_OverdueForMunicipality(benchmark::State& state) { RunDue(state, Overdue(D(2026, 3, 2))); }
BENCHMARK(BM_OverdueForMunicipality)->Unit(benchmark::kMicrosecond)->Iterations(2000);

void BM_OverdueForCaseworker(benchmark::State& state) {
  v1::ListDueDeadlinesRequest r = Overdue(D(2026, 3, 2));
  r.set_caseworker_id("cw-7");
  RunDue(state, r);
}
BENCHMARK(BM_OverdueForCaseworker)->Unit(benchmark::kMicrosecond)->Iterations(500);

// As of 19 February 2026: the 500 cases followed up on 20 February are derived from their
// facts for that date, the rest come from the index.
void BM_OverdueBeforeLatestFacts(benchmark::State& state) {
  RunDue(state, Overdue(D(2026, 2, 19)));
}
BENCHMARK(BM_OverdueBeforeLatestFacts)->Unit(benchmark::kMicrosecond)->Iterations(200);

// Ten years of a foster placement: conversations and foster family follow-ups monthly for
// six months, then quarterly; supervision every six months; a plan each year.
World& TenYearCase() {
  static World world([](testing::Upstream& up) {
    const std::string case_id = Uuid('c', 1);
    const CivilDate start = D(2016, 3, 1);
    Check(up.OpenCase(case_id, start));
    Check(up.Assign(case_id, "cw-1", cases::v1::CASEWORKER_ROLE_PRIMARY, start));
    Check(up.StartPlacement(case_id, Uuid('a', 1),
                            placements::v1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY, start));
    int n = 0;
    for (CivilDate on = start.AddDays(10); on < D(2026, 3, 1);
         on = on < start.AddMonths(6) ? on.AddMonths(1) : on.AddMonths(3)) {
      Check(up.Append(FollowUp(case_id, ++n, v1::FOLLOW_UP_KIND_CHILD_CONVERSATION, on)));
      Check(up.Append(FollowUp(case_id, ++n, v1::FOLLOW_UP_KIND_FOSTER_FAMILY_FOLLOW_UP, on)));
    }
    for (CivilDate on = start.AddMonths(6); on < D(2026, 3, 1); on = on.AddMonths(6)) {
      Check(up.Append(FollowUp(case_id, ++n, v1::FOLLOW_UP_KIND_SUPERVISION_VISIT, on)));
    }
    for (CivilDate on = start.AddDays(7); on < D(2026, 3, 1); on = on.AddYears(1)) {
      Check(up.ApprovePlan(case_id, on));
    }
  });
  return world;
}

void BM_CaseDeadlinesTenYears(benchmark::State& state) {
  World& world = TenYearCase();
  v1::ListCaseDeadlinesRequest request;
  request.set_tenant(kTenant);
  request.set_case_id(Uuid('c', 1));
  *request.mutable_as_of() = service::ToProtoDate(D(2026, 3, 2));
  size_t deadlines = 0;
  std::vector<double> cpu_micros;
  for (auto _ : state) {
    grpc::ServerContext context;
    v1::ListCaseDeadlinesResponse response;
    const double c0 = ThreadCpuMicros();
    grpc::Status s = world.service().ListCaseDeadlines(&context, &request, &response);
    cpu_micros.push_back(ThreadCpuMicros() - c0);
    if (!s.ok()) state.SkipWithError(s.error_message().c_str());
    deadlines = static_cast<size_t>(response.deadlines_size());
    benchmark::DoNotOptimize(response);
  }
  state.counters["deadlines"] = static_cast<double>(deadlines);
  state.counters["p99_cpu_us"] = Percentile(cpu_micros, 0.99);
}
BENCHMARK(BM_CaseDeadlinesTenYears)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace trappe::scheduling

TRAPPE_BENCHMARK_MAIN();
