// The services' queries on the synthetic municipality (docs/generator.md): a real
// all-in-one host (the four services, the embedded log, a temp data dir, port 0) is
// started once, the generator's plan is loaded into it through RunPlan, and the queries go
// through the real gRPC stubs. By default the municipality is the demo's: 0657 Herning,
// seed 657, 1,000 children over the 10 years up to 2 March 2026 (a fixed clock, so every
// run sees the same history).
//
//   build/<dir>/bench/municipality/municipality_bench [--children=N] [--years=N] [--seed=N]
//       [--concurrency=N] [--tcp] [Google Benchmark flags]
//
// --tcp sends the load and the queries over loopback TCP to the host's port, as
// trappe-generate and a remote client do; by default they use the host's in-process channel
// (as the demo does), which skips the network stack but not gRPC's serialisation.
//
//   BM_LoadMunicipality       the time RunPlan takes to load the municipality (one
//                             iteration); counters: commands, commands_per_s, and
//                             catch_up_s, the time after it until every projection has
//                             applied the whole log (not included in the time)
//   BM_KeyFigures/<months>    PlacementService.GetKeyFigures (nøgletal) over the last
//                             <months> months: 120 (the whole history) and 12
//   BM_StaircaseDistribution  PlacementService.GetStaircaseDistribution as of the last day
//   BM_OverdueDeadlines/<all> SchedulingService.ListDueDeadlines, overdue only, for the
//                             whole municipality as of the last day: 0 the first page (the
//                             service's default of 50), 1 every page (1,000 a page)
//   BM_TeamLoad               WorkloadService.GetTeamLoad of a team as of the last day
//   BM_TeamLoadSeries         WorkloadService.GetLoadSeries of a team, monthly, over the
//                             whole history (a point a month)
//
// Each query benchmark reports Google Benchmark's mean time per call, and p50_us and
// p99_us over its iterations' latencies.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "host_context.h"
#include "trappe/admin/v1/admin.grpc.pb.h"
#include "trappe/common/civil_date.h"
#include "trappe/common/clock.h"
#include "trappe/common/log.h"
#include "trappe/generator/demo.h"
#include "trappe/generator/driver.h"
#include "trappe/generator/plan.h"
#include "trappe/host/host.h"
#include "trappe/placements/v1/service.grpc.pb.h"
#include "trappe/scheduling/v1/service.grpc.pb.h"
#include "trappe/service/convert.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe {
namespace {

using service::ToProtoDate;
using SteadyClock = std::chrono::steady_clock;

// The last day of the history, and the host's (fixed) today.
const CivilDate kLastDay = CivilDate::FromYmd(2026, 3, 2).value();

// Set from the command line before the benchmarks run.
struct Settings {
  generator::PlanOptions plan = generator::DemoPlanOptions(kLastDay);
  int concurrency = 8;
  bool tcp = false;
};
Settings settings;

[[noreturn]] void Fail(std::string_view what, const std::string& message) {
  std::fprintf(stderr, "municipality_bench: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               message.c_str());
  std::exit(1);
}

// The host with the municipality loaded, shared by all benchmarks.
class Municipality {
 public:
  Municipality() : clock_(CopenhagenStartOfDay(kLastDay) + std::chrono::hours(12)) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "trappe-municipality-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp", std::strerror(errno));
    dir_ = pattern;

    host::HostOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_ / "data";
    auto host = host::Host::Start(options, &clock_);
    if (!host.ok()) Fail("starting the host", host.status().ToString());
    host_ = std::move(*host);
    if (const Status ready = host_->WaitUntilReady(SteadyClock::now() + std::chrono::minutes(1));
        !ready.ok()) {
      Fail("waiting for the host", ready.ToString());
    }
    channel_ = settings.tcp
                   ? grpc::CreateChannel(host_->address(), grpc::InsecureChannelCredentials())
                   : host_->InProcessChannel();

    auto plan = generator::MakePlan(settings.plan);
    if (!plan.ok()) Fail("planning", plan.status().ToString());
    plan_ = std::move(*plan);

    generator::DriverOptions driver;
    driver.concurrency = settings.concurrency;
    const auto started = SteadyClock::now();
    auto run = generator::RunPlan(plan_, channel_, driver);
    if (!run.ok()) Fail("loading", run.status().ToString());
    const auto loaded = SteadyClock::now();
    commands_ = run->commands;
    load_seconds_ = std::chrono::duration<double>(loaded - started).count();

    // The commands are all written; the projections apply the log's last records shortly
    // after. Queries must see the whole history, so wait until no projection lags.
    AwaitProjections();
    catch_up_seconds_ = std::chrono::duration<double>(SteadyClock::now() - loaded).count();
  }

  ~Municipality() {
    channel_.reset();
    host_->Stop();
    host_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const generator::Plan& plan() const { return plan_; }
  const std::string& tenant() const { return plan_.options.tenant; }
  // The team the team benchmarks look at.
  const std::string& team() const { return plan_.team_ids.front(); }
  int64_t commands() const { return commands_; }
  double load_seconds() const { return load_seconds_; }
  double catch_up_seconds() const { return catch_up_seconds_; }

 private:
  // Polls the admin service until every hosted projection is ready with no lag.
  void AwaitProjections() {
    auto admin = admin::v1::AdminService::NewStub(channel_);
    const auto deadline = SteadyClock::now() + std::chrono::minutes(5);
    for (;;) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      admin::v1::GetProjectionStatusRequest request;
      admin::v1::GetProjectionStatusResponse response;
      const grpc::Status status = admin->GetProjectionStatus(&context, request, &response);
      if (!status.ok()) Fail("projection status", status.error_message());
      bool caught_up = response.projections_size() > 0;
      for (const auto& projection : response.projections()) {
        if (projection.failed()) Fail("projection " + projection.service(), projection.error());
        caught_up = caught_up && projection.ready() && projection.total_lag() == 0 &&
                    projection.lag_error().empty();
      }
      if (caught_up) return;
      if (SteadyClock::now() > deadline) Fail("projections", "still lagging after 5 minutes");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::filesystem::path dir_;
  FixedClock clock_;
  std::unique_ptr<host::Host> host_;
  std::shared_ptr<grpc::Channel> channel_;
  generator::Plan plan_;
  int64_t commands_ = 0;
  double load_seconds_ = 0;
  double catch_up_seconds_ = 0;
};

// Made on first use (so a --benchmark_filter that skips the load still loads it), torn
// down by main() after the benchmarks.
std::unique_ptr<Municipality> municipality;

Municipality& TheMunicipality() {
  if (municipality == nullptr) municipality = std::make_unique<Municipality>();
  return *municipality;
}

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

// Runs `call` (one gRPC call, returning its status) once per iteration and reports the
// p50 and p99 of the iterations' latencies.
template <typename Call>
void TimeCalls(benchmark::State& state, Call call) {
  std::vector<double> micros;
  for (auto _ : state) {
    const auto started = SteadyClock::now();
    const grpc::Status status = call();
    micros.push_back(
        std::chrono::duration<double, std::micro>(SteadyClock::now() - started).count());
    if (!status.ok()) {
      state.SkipWithError(status.error_message().c_str());
      break;
    }
  }
  state.counters["p50_us"] = Percentile(micros, 0.50);
  state.counters["p99_us"] = Percentile(micros, 0.99);
}

template <typename Request>
void PrepareContext(grpc::ClientContext& context, Request& request, const Municipality& m) {
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  request.set_tenant(m.tenant());
}

void BM_LoadMunicipality(benchmark::State& state) {
  Municipality& m = TheMunicipality();
  for (auto _ : state) state.SetIterationTime(m.load_seconds());
  state.counters["commands"] = static_cast<double>(m.commands());
  state.counters["commands_per_s"] = static_cast<double>(m.commands()) / m.load_seconds();
  state.counters["catch_up_s"] = m.catch_up_seconds();
  state.counters["children"] = m.plan().options.children;
}
BENCHMARK(BM_LoadMunicipality)->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);

void BM_KeyFigures(benchmark::State& state) {
  Municipality& m = TheMunicipality();
  auto stub = placements::v1::PlacementService::NewStub(m.channel());
  placements::v1::GetKeyFiguresRequest request;
  const CivilDate start = std::max(
      m.plan().start_date, kLastDay.AddDays(1).AddMonths(-static_cast<int>(state.range(0))));
  *request.mutable_period()->mutable_start_date() = ToProtoDate(start);
  *request.mutable_period()->mutable_end_date() = ToProtoDate(kLastDay);
  placements::v1::GetKeyFiguresResponse response;
  TimeCalls(state, [&] {
    grpc::ClientContext context;
    PrepareContext(context, request, m);
    response.Clear();
    return stub->GetKeyFigures(&context, request, &response);
  });
  const auto& figures = response.key_figures();
  state.counters["moves_up"] = figures.moves_up();
  state.counters["institutions_active"] = figures.institution_placements_active();
  state.counters["prevention_share_bp"] = figures.prevention_share_bp();
}
BENCHMARK(BM_KeyFigures)->Arg(120)->Arg(12)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_StaircaseDistribution(benchmark::State& state) {
  Municipality& m = TheMunicipality();
  auto stub = placements::v1::PlacementService::NewStub(m.channel());
  placements::v1::GetStaircaseDistributionRequest request;
  *request.mutable_as_of() = ToProtoDate(kLastDay);
  placements::v1::GetStaircaseDistributionResponse response;
  TimeCalls(state, [&] {
    grpc::ClientContext context;
    PrepareContext(context, request, m);
    response.Clear();
    return stub->GetStaircaseDistribution(&context, request, &response);
  });
  int64_t on_steps = 0;
  for (const auto& step : response.steps()) {
    if (step.step_number() > 0) on_steps += step.children();
  }
  state.counters["children_on_steps"] = static_cast<double>(on_steps);
}
BENCHMARK(BM_StaircaseDistribution)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_OverdueDeadlines(benchmark::State& state) {
  Municipality& m = TheMunicipality();
  const bool every_page = state.range(0) != 0;
  auto stub = scheduling::v1::SchedulingService::NewStub(m.channel());
  scheduling::v1::ListDueDeadlinesRequest request;
  *request.mutable_as_of() = ToProtoDate(kLastDay);
  request.set_overdue_only(true);
  if (every_page) request.mutable_page()->set_page_size(1000);
  scheduling::v1::ListDueDeadlinesResponse response;
  int64_t deadlines = 0;
  TimeCalls(state, [&] {
    deadlines = 0;
    request.mutable_page()->clear_page_token();
    for (;;) {
      grpc::ClientContext context;
      PrepareContext(context, request, m);
      response.Clear();
      grpc::Status status = stub->ListDueDeadlines(&context, request, &response);
      if (!status.ok()) return status;
      deadlines += response.deadlines_size();
      const std::string& next = response.page().next_page_token();
      if (!every_page || next.empty()) return status;
      request.mutable_page()->set_page_token(next);
    }
  });
  state.counters["deadlines"] = static_cast<double>(deadlines);
}
BENCHMARK(BM_OverdueDeadlines)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_TeamLoad(benchmark::State& state) {
  Municipality& m = TheMunicipality();
  auto stub = workload::v1::WorkloadService::NewStub(m.channel());
  workload::v1::GetTeamLoadRequest request;
  request.set_team_id(m.team());
  *request.mutable_as_of() = ToProtoDate(kLastDay);
  workload::v1::GetTeamLoadResponse response;
  TimeCalls(state, [&] {
    grpc::ClientContext context;
    PrepareContext(context, request, m);
    response.Clear();
    return stub->GetTeamLoad(&context, request, &response);
  });
  state.counters["cases"] = response.team_load().case_count();
  state.counters["caseworkers"] = response.team_load().caseworkers_size();
}
BENCHMARK(BM_TeamLoad)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_TeamLoadSeries(benchmark::State& state) {
  Municipality& m = TheMunicipality();
  auto stub = workload::v1::WorkloadService::NewStub(m.channel());
  workload::v1::GetLoadSeriesRequest request;
  request.set_team_id(m.team());
  *request.mutable_period()->mutable_start_date() = ToProtoDate(m.plan().start_date);
  *request.mutable_period()->mutable_end_date() = ToProtoDate(kLastDay);
  request.set_interval(workload::v1::SERIES_INTERVAL_MONTHLY);
  workload::v1::GetLoadSeriesResponse response;
  TimeCalls(state, [&] {
    grpc::ClientContext context;
    PrepareContext(context, request, m);
    response.Clear();
    return stub->GetLoadSeries(&context, request, &response);
  });
  state.counters["points"] = response.points_size();
}
BENCHMARK(BM_TeamLoadSeries)->UseRealTime()->Unit(benchmark::kMillisecond);

// Takes this benchmark's own flags out of argv; false (with a message) on a bad value.
bool ParseOwnFlags(int* argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    const std::string_view arg = argv[i];
    auto number = [&](std::string_view flag, auto* out) {
      if (!arg.starts_with(flag)) return false;
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(
          std::strtoll(arg.substr(flag.size()).data(), nullptr, 10));
      return true;
    };
    if (number("--children=", &settings.plan.children) ||
        number("--years=", &settings.plan.years) || number("--seed=", &settings.plan.seed) ||
        number("--concurrency=", &settings.concurrency)) {
      continue;
    }
    if (arg == "--tcp") {
      settings.tcp = true;
      continue;
    }
    argv[kept++] = argv[i];
  }
  *argc = kept;
  if (const Status valid = generator::ValidatePlanOptions(settings.plan); !valid.ok()) {
    std::fprintf(stderr, "municipality_bench: %s\n", valid.ToString().c_str());
    return false;
  }
  if (settings.concurrency < 1) {
    std::fprintf(stderr, "municipality_bench: --concurrency must be at least 1\n");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace trappe

int main(int argc, char** argv) {
  trappe::log::Init(trappe::log::Level::kWarn);
  if (!trappe::ParseOwnFlags(&argc, argv)) return 2;
  if (!trappe::bench::RunBenchmarks(&argc, argv)) return 2;
  trappe::municipality.reset();
  return 0;
}
