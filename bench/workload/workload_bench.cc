// Workload service benchmarks over gRPC (in-process channel, embedded log):
//   BM_TeamLoad30x600         a team's load as of a date with every case's contribution,
//                             30 caseworkers and 600 cases (target: p99 < 2 ms)
//   BM_TransportFloor         the same call refused before any work (empty team id): the
//                             round trip and thread hand-offs alone
//   BM_TeamLoad30x600Handler  the same, handled on the benchmark's thread without the
//                             transport; percentiles of that thread's CPU time
//   BM_TeamLoadResponseCodec  the answer of BM_TeamLoad30x600 serialized and parsed again,
//                             as the server and the caller do for every call
//   BM_TeamLoad30x600With2400ClosedHandler
//                             the handler again, for the same team with 2,400 closed cases
//                             in its history (opened 2016-2023, each closed within 18 months)
//   BM_TeamLoad30x600HandlerMoving/moving:0|1
//                             the handler again, its thread kept on one CPU (0) or moved to
//                             the other CPU before every call (1): what it costs a query
//                             when the data it touches was last touched on another CPU, as
//                             when gRPC runs calls on whichever thread and CPU is free
//   BM_SuggestAssigneeAnyTeamHandler/closed:0|2400
//   BM_CaseworkerLoadHandler/closed:0|2400
//                             whom to give a new case anywhere in the municipality, and one
//                             caseworker's load with each case, handled on the benchmark's
//                             thread, for the 600 cases alone or with the closed history
//   BM_CaseworkerSeries10Y    a caseworker's monthly load over 10 years, 120 points
//                             (target: < 50 ms), handled on the benchmark's thread
//   BM_TeamSeries10Y          the team's (30 caseworkers, 600 cases) monthly load over 10
//                             years, handled on the benchmark's thread
#include <benchmark/benchmark.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "case_events.h"
#include "host_context.h"
#include "trappe/common/status_grpc.h"
#include "trappe/service/convert.h"
#include "trappe/testing/service_harness.h"
#include "trappe/workload/module.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::workload {
namespace {

using ::trappe::testing::ServiceHarness;
namespace pv1 = placements::v1;

constexpr char kTenant[] = "0657";
constexpr int kCaseworkers = 30;
constexpr int kCases = 600;

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "setup failed: %s\n", s.ToString().c_str());
    std::abort();
  }
}
void Check(const grpc::Status& s) { Check(FromGrpcStatus(s)); }

CivilDate D(std::string_view iso) { return CivilDate::Parse(iso).value(); }

// One team of 30 caseworkers with 600 cases opened over ten years (2016-2026): grades,
// investigations, placements (some par. 47), co-workers, handovers and closures. With
// `closed_history`, that many more cases of the team, each opened between 2016 and mid-2023
// and closed 6 to 18 months later: the closed history a team gathers over the years.
struct Fixture {
  ServiceHarness harness;
  std::unique_ptr<v1::WorkloadService::Stub> stub;

  // The service itself, for calls on the benchmark's thread without the transport.
  v1::WorkloadService::Service* service() {
    return static_cast<v1::WorkloadService::Service*>(harness.module(0).grpc_service());
  }

  explicit Fixture(int closed_history = 0) {
    Check(harness.Start({OpenWorkloadModule}));
    stub = v1::WorkloadService::NewStub(harness.channel());
    int request = 0;
    const auto meta = [&](auto& r) {
      r.set_tenant(kTenant);
      r.set_request_id("bench-" + std::to_string(++request));
      r.set_actor("admin");
    };
    {
      v1::RegisterMunicipalityRequest r;
      meta(r);
      r.set_name("Herning Kommune");
      for (const char* p : {"national-staircase", "barnets-lov", "default-weights"}) r.add_presets(p);
      *r.mutable_effective_from() = service::ToProtoDate(D("2016-01-01"));
      v1::RegisterMunicipalityResponse out;
      Check(stub->RegisterMunicipality(ServiceHarness::Context().get(), r, &out));
    }
    {
      v1::CreateTeamRequest r;
      meta(r);
      r.set_team_id("vest");
      r.set_name("Team Vest");
      v1::CreateTeamResponse out;
      Check(stub->CreateTeam(ServiceHarness::Context().get(), r, &out));
    }
    for (int i = 0; i < kCaseworkers; ++i) {
      v1::RegisterCaseworkerRequest r;
      meta(r);
      r.set_caseworker_id("cw-" + std::to_string(i));
      r.set_display_name("Caseworker " + std::to_string(i));
      r.set_team_id("vest");
      r.set_fte_milli(i % 5 == 0 ? 800 : 1000);
      *r.mutable_start_date() = service::ToProtoDate(D("2016-01-01"));
      v1::RegisterCaseworkerResponse out;
      Check(stub->RegisterCaseworker(ServiceHarness::Context().get(), r, &out));
    }
    workload_testing::CaseEventWriter cases(&harness.log(), kTenant);
    std::mt19937 rng(42);
    const CivilDate first = D("2016-01-01");
    // Opened in team vest with a primary, graded (at random) ten days later, investigated for
    // four months.
    const auto open = [&](const std::string& id, const std::string& primary, CivilDate opened) {
      Check(cases.Opened(id, "vest", opened));
      Check(cases.Assigned(id, primary, true, opened));
      Check(cases.Graded(id, static_cast<cases::v1::CaseGrade>(1 + rng() % 3), opened.AddDays(10)));
      Check(cases.InvestigationStarted(id, id + "-bfu", opened));
      Check(cases.InvestigationCompleted(id, id + "-bfu", opened.AddMonths(4)));
    };
    for (int c = 0; c < kCases; ++c) {
      const std::string id = "case-" + std::to_string(c);
      const CivilDate opened = first.AddDays(static_cast<int64_t>(rng() % 3650));
      const std::string primary = "cw-" + std::to_string(c % kCaseworkers);
      open(id, primary, opened);
      if (c % 3 == 0) {
        Check(cases.PlacementStarted(id, id + "-p", pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY,
                                     c % 9 == 0 ? pv1::CONSENT_BASIS_WITHOUT_CONSENT : pv1::CONSENT_BASIS_WITH_CONSENT,
                                     opened.AddMonths(5)));
        Check(cases.Assigned(id, "cw-" + std::to_string((c + 7) % kCaseworkers), false, opened.AddMonths(5)));
      }
      if (c % 4 == 0) {
        const std::string next = "cw-" + std::to_string((c + 3) % kCaseworkers);
        Check(cases.Unassigned(id, primary, true, opened.AddMonths(8)));
        Check(cases.Assigned(id, next, true, opened.AddMonths(8)));
      }
      if (c % 5 == 0) Check(cases.Closed(id, opened.AddMonths(30)));
    }
    for (int h = 0; h < closed_history; ++h) {
      const std::string id = "closed-" + std::to_string(h);
      const CivilDate opened = first.AddDays(static_cast<int64_t>(rng() % 2700));
      open(id, "cw-" + std::to_string(h % kCaseworkers), opened);
      Check(cases.Closed(id, opened.AddMonths(6 + static_cast<int64_t>(rng() % 13))));
    }
    Check(harness.module(0).engine().CatchUp());
  }
};

// The fixtures, made on first use and shared by the benchmarks; main stops them (and
// removes their directories) before the process exits.
std::unique_ptr<Fixture> shared_fixture;
std::unique_ptr<Fixture> shared_fixture_with_history;

Fixture& Shared() {
  if (shared_fixture == nullptr) shared_fixture = std::make_unique<Fixture>();
  return *shared_fixture;
}

// The same team with 2,400 closed cases behind it.
Fixture& SharedWithHistory() {
  if (shared_fixture_with_history == nullptr) {
    shared_fixture_with_history = std::make_unique<Fixture>(2400);
  }
  return *shared_fixture_with_history;
}

void ReportPercentiles(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) { return micros[std::min(micros.size() - 1, static_cast<size_t>(q * micros.size()))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["max_us"] = micros.back();
}

// The query every team benchmark asks: team vest with each case's contribution, as of
// 2026-01-15.
v1::GetTeamLoadRequest TeamLoadRequest() {
  v1::GetTeamLoadRequest r;
  r.set_tenant(kTenant);
  r.set_team_id("vest");
  r.set_include_cases(true);
  *r.mutable_as_of() = service::ToProtoDate(D("2026-01-15"));
  return r;
}

// Calls GetTeamLoad with `r` over the channel once per iteration and reports percentiles
// of the wall time; `answered(status, response)` checks each answer (false: the benchmark
// stops with an error).
template <typename Answered>
void TimeTeamLoadCalls(benchmark::State& state, const v1::GetTeamLoadRequest& r,
                       Answered answered) {
  Fixture& f = Shared();
  std::vector<double> micros;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    v1::GetTeamLoadResponse out;
    const grpc::Status status = f.stub->GetTeamLoad(ServiceHarness::Context().get(), r, &out);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    if (!answered(status, out)) return;
  }
  ReportPercentiles(state, micros);
}

void BM_TeamLoad30x600(benchmark::State& state) {
  size_t caseworkers = 0;
  size_t response_bytes = 0;
  TimeTeamLoadCalls(state, TeamLoadRequest(),
                    [&](const grpc::Status& status, const v1::GetTeamLoadResponse& out) {
                      Check(status);
                      caseworkers = static_cast<size_t>(out.team_load().caseworkers_size());
                      response_bytes = out.ByteSizeLong();
                      return true;
                    });
  state.counters["caseworkers"] = static_cast<double>(caseworkers);
  state.counters["response_bytes"] = static_cast<double>(response_bytes);
}
BENCHMARK(BM_TeamLoad30x600)->Unit(benchmark::kMillisecond)->UseRealTime();

// The floor under BM_TeamLoad30x600: the same channel and method, with a request the
// service refuses before it reads anything (an empty team id, INVALID_ARGUMENT). What is
// left is the transport's round trip and its hand-offs between the caller's thread and a
// server thread.
void BM_TransportFloor(benchmark::State& state) {
  v1::GetTeamLoadRequest r = TeamLoadRequest();
  r.clear_team_id();
  TimeTeamLoadCalls(state, r, [&](const grpc::Status& status, const v1::GetTeamLoadResponse&) {
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) return true;
    state.SkipWithError("the empty team id was not refused");
    return false;
  });
}
BENCHMARK(BM_TransportFloor)->Unit(benchmark::kMicrosecond)->UseRealTime();

// What the transport adds to BM_TeamLoad30x600Handler besides the round trip: the server
// serializes the answer (31.5 KB, about 650 case contributions) and the caller parses it.
void BM_TeamLoadResponseCodec(benchmark::State& state) {
  Fixture& f = Shared();
  const v1::GetTeamLoadRequest r = TeamLoadRequest();
  grpc::ServerContext context;
  v1::GetTeamLoadResponse answer;
  Check(f.service()->GetTeamLoad(&context, &r, &answer));
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    if (!answer.SerializeToString(&bytes)) {
      state.SkipWithError("the answer did not serialize");
      break;
    }
    v1::GetTeamLoadResponse parsed;
    if (!parsed.ParseFromString(bytes)) {
      state.SkipWithError("the answer did not parse");
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.counters["response_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_TeamLoadResponseCodec)->Unit(benchmark::kMicrosecond);

double ThreadCpuMicros() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// Calls `call(context, response)` on this thread once per iteration: the service's own
// work, measured in this thread's CPU time so that other processes on the machine do not
// count. The response is made and dropped outside the timed part.
template <typename Response, typename Call>
void TimeHandlerCalls(benchmark::State& state, Call call) {
  std::vector<double> micros;
  for (auto _ : state) {
    grpc::ServerContext context;
    Response out;
    const double start = ThreadCpuMicros();
    Check(call(&context, &out));
    micros.push_back(ThreadCpuMicros() - start);
  }
  ReportPercentiles(state, micros);
}

// The same query handled on this thread, without the transport.
void TeamLoadHandler(benchmark::State& state, Fixture& f) {
  const v1::GetTeamLoadRequest r = TeamLoadRequest();
  TimeHandlerCalls<v1::GetTeamLoadResponse>(
      state, [&](grpc::ServerContext* context, v1::GetTeamLoadResponse* out) {
        return f.service()->GetTeamLoad(context, &r, out);
      });
}
void BM_TeamLoad30x600Handler(benchmark::State& state) { TeamLoadHandler(state, Shared()); }
BENCHMARK(BM_TeamLoad30x600Handler)->Unit(benchmark::kMillisecond);

// The same query with 2,400 closed cases in the team's history.
void BM_TeamLoad30x600With2400ClosedHandler(benchmark::State& state) {
  TeamLoadHandler(state, SharedWithHistory());
}
BENCHMARK(BM_TeamLoad30x600With2400ClosedHandler)->Unit(benchmark::kMillisecond);

// Whom to give a new case anywhere in the municipality (no team named), and one
// caseworker's load with each case: the queries that read by caseworker. Handled on this
// thread; arg `closed`: 0 for the 600 cases, 2400 with the closed history as well.
Fixture& WithClosed(benchmark::State& state) {
  return state.range(0) == 0 ? Shared() : SharedWithHistory();
}

void BM_SuggestAssigneeAnyTeamHandler(benchmark::State& state) {
  Fixture& f = WithClosed(state);
  v1::SuggestAssigneeRequest r;
  r.set_tenant(kTenant);
  r.set_grade(cases::v1::CASE_GRADE_SIMPLE);
  r.set_role(cases::v1::CASEWORKER_ROLE_PRIMARY);
  *r.mutable_as_of() = service::ToProtoDate(D("2026-01-15"));
  TimeHandlerCalls<v1::SuggestAssigneeResponse>(
      state, [&](grpc::ServerContext* context, v1::SuggestAssigneeResponse* out) {
        return f.service()->SuggestAssignee(context, &r, out);
      });
}
BENCHMARK(BM_SuggestAssigneeAnyTeamHandler)
    ->ArgName("closed")
    ->Arg(0)
    ->Arg(2400)
    ->Unit(benchmark::kMillisecond);

void BM_CaseworkerLoadHandler(benchmark::State& state) {
  Fixture& f = WithClosed(state);
  v1::GetCaseworkerLoadRequest r;
  r.set_tenant(kTenant);
  r.set_caseworker_id("cw-1");
  *r.mutable_as_of() = service::ToProtoDate(D("2026-01-15"));
  TimeHandlerCalls<v1::GetCaseworkerLoadResponse>(
      state, [&](grpc::ServerContext* context, v1::GetCaseworkerLoadResponse* out) {
        return f.service()->GetCaseworkerLoad(context, &r, out);
      });
}
BENCHMARK(BM_CaseworkerLoadHandler)
    ->ArgName("closed")
    ->Arg(0)
    ->Arg(2400)
    ->Unit(benchmark::kMillisecond);

// Keeps the calling thread on one CPU, or moves it between two CPUs before every call, and
// restores the thread's CPUs afterwards. Thread CPU time: waiting to run does not count.
void BM_TeamLoad30x600HandlerMoving(benchmark::State& state) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
    state.SkipWithError("cannot read the thread's CPUs");
    return;
  }
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  }
  if (cpus.size() < 2) {
    state.SkipWithError("needs two CPUs");
    return;
  }
  const auto run_on = [](int cpu) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof(one), &one) == 0;
  };
  Fixture& f = Shared();
  auto* service = f.service();
  const v1::GetTeamLoadRequest r = TeamLoadRequest();
  const bool moving = state.range(0) == 1;
  std::vector<double> micros;
  size_t next = 0;
  for (auto _ : state) {
    if (!run_on(cpus[next])) {
      state.SkipWithError("cannot move the thread");
      break;
    }
    if (moving) next = 1 - next;
    grpc::ServerContext context;
    v1::GetTeamLoadResponse out;
    const double start = ThreadCpuMicros();
    Check(service->GetTeamLoad(&context, &r, &out));
    micros.push_back(ThreadCpuMicros() - start);
  }
  sched_setaffinity(0, sizeof(allowed), &allowed);
  ReportPercentiles(state, micros);
}
BENCHMARK(BM_TeamLoad30x600HandlerMoving)
    ->ArgName("moving")
    ->Arg(0)
    ->Arg(1)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

// Handled on this thread (no transport): the CPU column is the service's own work.
void Series(benchmark::State& state, bool team) {
  Fixture& f = Shared();
  auto* service = f.service();
  v1::GetLoadSeriesRequest r;
  r.set_tenant(kTenant);
  if (team) {
    r.set_team_id("vest");
  } else {
    r.set_caseworker_id("cw-1");
  }
  *r.mutable_period()->mutable_start_date() = service::ToProtoDate(D("2016-01-01"));
  *r.mutable_period()->mutable_end_date() = service::ToProtoDate(D("2025-12-01"));
  r.set_interval(v1::SERIES_INTERVAL_MONTHLY);
  size_t points = 0;
  for (auto _ : state) {
    grpc::ServerContext context;
    v1::GetLoadSeriesResponse out;
    Check(service->GetLoadSeries(&context, &r, &out));
    points = static_cast<size_t>(out.points_size());
  }
  state.counters["points"] = static_cast<double>(points);
}
void BM_CaseworkerSeries10Y(benchmark::State& state) { Series(state, false); }
void BM_TeamSeries10Y(benchmark::State& state) { Series(state, true); }
BENCHMARK(BM_CaseworkerSeries10Y)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TeamSeries10Y)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace trappe::workload

int main(int argc, char** argv) {
  if (!trappe::bench::RunBenchmarks(&argc, argv)) return 1;
  trappe::workload::shared_fixture.reset();
  trappe::workload::shared_fixture_with_history.reset();
  return 0;
}
