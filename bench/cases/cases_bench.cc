// Cases service benchmarks, embedded: a durable embedded log (fsync by group commit), the
// cases module, a gRPC server on 127.0.0.1:0, and concurrent clients, each on its own
// connection or sharing fewer. A "command" is either OpenCase naming the primary
// caseworker (open + assign, two events) or AssignCaseworker of a co-worker on a case the
// client opened (one event); clients alternate the two. Every command waits, as in
// production, until the service's projection has applied it.
//
//   BM_PacedOpenAssign/<rate>/<clients>/<seconds>/<connections>: open loop at a fixed
//     total rate; the latency of each command is measured from its scheduled start (no
//     coordinated omission). Counters: p50_ms, p99_ms, max_ms, achieved commands/s, errors.
//   BM_MaxOpenAssign/<clients>/<seconds>/<connections>: closed loop, every client as fast
//     as it can; commands_per_s is the maximum rate. The 60-second run includes what a
//     short run misses: the stores' memtable flushes and compactions. With as many
//     connections as clients, each client is a separate caller (its own TCP connection);
//     with one, the clients are concurrent calls of one application on one gRPC channel,
//     as gRPC recommends (a channel multiplexes calls over HTTP/2) and as load tools such
//     as ghz run by default.
#include <benchmark/benchmark.h>
#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "host_context.h"
#include "trappe/cases/module.h"
#include "trappe/cases/v1/service.grpc.pb.h"
#include "trappe/common/clock.h"
#include "trappe/common/ids.h"
#include "trappe/common/log.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/server/server.h"

namespace trappe::cases {
namespace {

namespace v1 = ::trappe::cases::v1;
using Clock = std::chrono::steady_clock;

constexpr char kTenant[] = "0657";
constexpr char kTeam[] = "7e000000-0000-4000-8000-000000000001";

struct Fixture {
  std::filesystem::path dir;
  SystemClock clock;
  RandomIdGenerator ids;
  std::unique_ptr<eventlog::EventLog> log;
  std::unique_ptr<service::ServiceModule> module;
  std::unique_ptr<server::Server> server;

  Status Open() {
    dir = std::filesystem::temp_directory_path() / ("cases-bench-" + NewUuid());
    std::filesystem::create_directories(dir / "cases");
    TRAPPE_ASSIGN_OR_RETURN(
        log, eventlog::OpenEmbeddedLog(
                 {.directory = (dir / "log").string(), .sync = true, .clock = &clock}));
    service::ModuleContext context{.log = log.get(), .clock = &clock, .ids = &ids};
    context.data_dir = dir / "cases";
    CasesOptions options;
    options.master_key = std::string(kMasterKeyBytes, '\x42');
    TRAPPE_ASSIGN_OR_RETURN(module, OpenCasesModule(context, options));
    TRAPPE_ASSIGN_OR_RETURN(server, server::Server::Start({.listen_address = "127.0.0.1:0",
                                                           .services = {module->grpc_service()}}));
    module->runtime().StartCatchUp(server.get());
    return module->runtime().WaitUntilReady(Clock::now() + std::chrono::minutes(1));
  }

  ~Fixture() {
    if (server) server->Shutdown(std::chrono::milliseconds(0));
    server.reset();
    module.reset();
    if (log) log->Close();
    log.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

// A distinct valid CPR number per n (1900s birth dates, seventh digit 0-3).
std::string CprFor(uint64_t n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d%02d%02d%04d", static_cast<int>(1 + n % 28),
                static_cast<int>(1 + (n / 28) % 12), static_cast<int>((n / 336) % 100),
                static_cast<int>((n / 33600) % 4000));
  return buf;
}

// One client of the load: at most one command in flight, on connection number
// `connection` (clients given the same number share one). Clients alternate OpenCase
// (naming the primary) and AssignCaseworker (a co-worker on the case the client opened
// last). Driven by Run below through gRPC's asynchronous API.
class Client {
 public:
  Client(const std::string& address, int connection, grpc::CompletionQueue* cq) : cq_(cq) {
    grpc::ChannelArguments args;
    // gRPC shares one connection between channels with equal arguments.
    args.SetInt("trappe.bench.connection", connection);
    stub_ = v1::CaseService::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    prefix_ = "bench-" + NewUuid() + "-";
  }

  // Sends the next command; the completion queue returns rpc_tag() when it is answered.
  void Send(uint64_t n) {
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    opening_ = last_case_.empty();
    if (opening_) {
      v1::OpenCaseRequest r;
      r.set_tenant(kTenant);
      r.set_request_id(prefix_ + std::to_string(n));
      r.set_actor("bench");
      r.mutable_personal_data()->set_cpr_number(CprFor(n));
      r.mutable_personal_data()->set_given_name("Bench");
      r.mutable_personal_data()->set_family_name("Child");
      r.set_legal_basis(v1::LEGAL_BASIS_APPLICATION);
      r.set_team_id(kTeam);
      r.set_caseworker_id("c0000000-0000-4000-8000-00000000a001");
      open_call_ = stub_->AsyncOpenCase(context_.get(), r, cq_);
      open_call_->Finish(&open_response_, &status_, rpc_tag());
      return;
    }
    v1::AssignCaseworkerRequest r;
    r.set_tenant(kTenant);
    r.set_request_id(prefix_ + std::to_string(n));
    r.set_actor("bench");
    r.set_case_id(last_case_);
    r.set_caseworker_id("c0000000-0000-4000-8000-00000000b002");
    r.set_role(v1::CASEWORKER_ROLE_CO_WORKER);
    r.set_purpose(v1::CO_WORKER_PURPOSE_FOSTER_FAMILY);
    last_case_.clear();
    assign_call_ = stub_->AsyncAssignCaseworker(context_.get(), r, cq_);
    assign_call_->Finish(&assign_response_, &status_, rpc_tag());
  }

  // The command sent last has been answered; true if it succeeded.
  bool Answered() {
    if (opening_ && status_.ok()) last_case_ = open_response_.case_id();
    return status_.ok();
  }

  // Wakes the completion queue with alarm_tag() at `when` (paced clients).
  void SendAt(Clock::time_point when) {
    const int64_t wait_ns = std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::nanoseconds>(when - Clock::now()).count());
    alarm_.Set(
        cq_, gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_nanos(wait_ns, GPR_TIMESPAN)),
        alarm_tag());
  }

  // Completion-queue tags: the address of a member says which client and what happened.
  void* rpc_tag() { return &rpc_tag_; }
  void* alarm_tag() { return &alarm_tag_; }
  static Client* FromTag(void* tag, bool* alarm) {
    auto* t = static_cast<Tag*>(tag);
    *alarm = t->alarm;
    return t->client;
  }

  Clock::time_point scheduled;
  std::vector<double> latencies_ms;

 private:
  struct Tag {
    Client* client;
    bool alarm;
  };
  grpc::CompletionQueue* const cq_;
  std::unique_ptr<v1::CaseService::Stub> stub_;
  std::string prefix_;
  std::string last_case_;
  bool opening_ = false;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::Status status_;
  v1::OpenCaseResponse open_response_;
  v1::AssignCaseworkerResponse assign_response_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::OpenCaseResponse>> open_call_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::AssignCaseworkerResponse>> assign_call_;
  grpc::Alarm alarm_;
  Tag rpc_tag_{this, false};
  Tag alarm_tag_{this, true};
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[i];
}

// Runs `clients` clients over `connections` connections for `seconds`; with rate > 0 each
// client is paced open-loop.
void Run(benchmark::State& state, double rate, int clients, int seconds, int connections) {
  log::Init(log::Level::kWarn);
  Fixture fixture;
  if (Status s = fixture.Open(); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  uint64_t sequence = 0;
  uint64_t errors = 0;
  // One thread drives every client through one completion queue, as load tools do: the
  // load generator shares the machine's two cores with the service, and a blocking thread
  // per client spent about 15% of the CPU on its own wake-ups. (Declared before the
  // clients, which hold it, so it outlives them.)
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Client>> pool;
  double elapsed = 0;
  for (auto _ : state) {
    for (int c = 0; c < clients; ++c) {
      pool.push_back(std::make_unique<Client>(fixture.server->address(), c % connections, &cq));
    }
    const Clock::time_point start = Clock::now();
    const Clock::time_point end = start + std::chrono::seconds(seconds);
    const auto interval = std::chrono::duration_cast<Clock::duration>(
        rate > 0 ? std::chrono::duration<double>(clients / rate)
                 : std::chrono::duration<double>(0));
    int running = clients;
    for (int c = 0; c < clients; ++c) {
      Client& client = *pool[static_cast<size_t>(c)];
      if (rate > 0) {
        // Spread the clients' schedules evenly over one interval.
        client.scheduled = start + interval * c / clients;
        client.SendAt(client.scheduled);
      } else {
        client.scheduled = Clock::now();
        client.Send(sequence++);
      }
    }
    void* tag = nullptr;
    bool ok = false;
    while (running > 0 && cq.Next(&tag, &ok)) {
      bool alarm = false;
      Client& client = *Client::FromTag(tag, &alarm);
      if (alarm) {
        client.Send(sequence++);
        continue;
      }
      const Clock::time_point done = Clock::now();
      if (!ok || !client.Answered()) ++errors;
      // From the scheduled start: a late start counts (no coordinated omission).
      client.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(done - client.scheduled).count());
      client.scheduled = rate > 0 ? client.scheduled + interval : done;
      if (client.scheduled >= end) {
        --running;
      } else if (rate > 0) {
        client.SendAt(client.scheduled);
      } else {
        client.Send(sequence++);
      }
    }
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
  }
  std::vector<double> all;
  for (const auto& c : pool) all.insert(all.end(), c->latencies_ms.begin(), c->latencies_ms.end());
  std::sort(all.begin(), all.end());
  state.counters["commands"] = static_cast<double>(all.size());
  state.counters["commands_per_s"] = static_cast<double>(all.size()) / elapsed;
  state.counters["p50_ms"] = Percentile(all, 0.50);
  state.counters["p99_ms"] = Percentile(all, 0.99);
  state.counters["max_ms"] = all.empty() ? 0 : all.back();
  state.counters["errors"] = static_cast<double>(errors);
  state.counters["connections"] = connections;
}

void BM_PacedOpenAssign(benchmark::State& state) {
  Run(state, static_cast<double>(state.range(0)), static_cast<int>(state.range(1)),
      static_cast<int>(state.range(2)), static_cast<int>(state.range(3)));
}
BENCHMARK(BM_PacedOpenAssign)
    ->Args({500, 16, 10, 16})
    ->Args({500, 16, 10, 1})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_MaxOpenAssign(benchmark::State& state) {
  Run(state, 0, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
      static_cast<int>(state.range(2)));
}
BENCHMARK(BM_MaxOpenAssign)
    ->Args({16, 10, 16})
    ->Args({64, 10, 64})
    ->Args({64, 60, 64})  // sustained: memtable flushes and compactions in the stores
    ->Args({64, 10, 1})   // the same clients as one application's calls on one channel
    ->Args({64, 60, 1})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace trappe::cases

TRAPPE_BENCHMARK_MAIN();
