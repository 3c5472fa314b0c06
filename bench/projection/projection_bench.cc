// Replaying the log into a projection: events per second through the whole engine
// (poll, decode the envelope, Apply with reads of the projection's own state, commit
// with checkpoints).
//
//   build/default/bench/projection/projection_bench
//
// Each benchmark replays 1,000,000 events (20,000 cases of two tenants, 8 partitions) into
// the sample EventCountProjection, which reads and writes three counters per event.
//   BM_CatchUp/<batch>          a fresh store catching up live (WAL on, not fsynced)
//   BM_Rebuild/<batch>          Engine::Rebuild (WAL off, one flush before the swap)
//   BM_CatchUpEmbedded/<batch>  like BM_CatchUp, reading the embedded RocksDB log
// <batch> is EngineOptions::max_batch_records (default 16384).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <random>

#include "host_context.h"
#include "trappe/common/log.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/projection/engine.h"
#include "trappe/projection/testing/memory_log.h"
#include "trappe/projection/testing/sample_projections.h"

namespace trappe::projection {
namespace {

constexpr int kEvents = 1000000;
constexpr int kCases = 20000;
constexpr int32_t kPartitions = 8;
const std::string kTopic(eventlog::kCaseEventsTopic);

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "trappe-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void Fill(eventlog::EventLog& log) {
  std::mt19937_64 random(12345);
  std::vector<uint64_t> versions(kCases, 0);
  for (int written = 0; written < kEvents;) {
    std::vector<eventlog::Record> records;
    for (int i = 0; i < 1000 && written < kEvents; ++i, ++written) {
      const int c = static_cast<int>(random() % kCases);
      records.push_back(testing::CaseRecord(c % 2 == 0 ? "0101" : "0657",
                                            "case-" + std::to_string(c), ++versions[c],
                                            static_cast<int>(random() % 5)));
    }
    if (!log.Append(kTopic, std::move(records)).ok()) std::abort();
  }
}

testing::MemoryEventLog& MemoryLog() {
  static auto* log = [] {
    auto* made = new testing::MemoryEventLog({{kTopic, kPartitions}});
    Fill(*made);
    return made;
  }();
  return *log;
}

struct EmbeddedLog {
  ScratchDir dir;
  std::unique_ptr<eventlog::EventLog> log;
};

// Made on first use; main closes it and removes its directory before the process exits.
std::unique_ptr<EmbeddedLog> filled_embedded_log;

EmbeddedLog& FilledEmbeddedLog() {
  if (filled_embedded_log == nullptr) {
    auto made = std::make_unique<EmbeddedLog>();
    eventlog::EmbeddedLogOptions options;
    options.directory = made->dir.Sub("log");
    options.topics = {{kTopic, kPartitions}};
    options.sync = false;
    auto opened = eventlog::OpenEmbeddedLog(options);
    if (!opened.ok()) std::abort();
    made->log = std::move(opened).value();
    Fill(*made->log);
    filled_embedded_log = std::move(made);
  }
  return *filled_embedded_log;
}

std::unique_ptr<Engine> OpenEngine(eventlog::EventLog& log, const std::string& directory,
                                   size_t batch) {
  EngineOptions options;
  options.directory = directory;
  options.max_batch_records = batch;
  options.rebuild_progress_interval = std::chrono::hours(1);
  auto engine = Engine::Open(&log, std::make_shared<testing::EventCountProjection>(), options);
  if (!engine.ok()) std::abort();
  return std::move(engine).value();
}

void CatchUp(benchmark::State& state, eventlog::EventLog& log) {
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<ScratchDir>();
    auto engine = OpenEngine(log, dir->Sub("p"), static_cast<size_t>(state.range(0)));
    state.ResumeTiming();
    if (!engine->CatchUp().ok()) state.SkipWithError("catch-up failed");
    state.PauseTiming();
    if (engine->Metrics().events_applied != kEvents) state.SkipWithError("wrong event count");
    engine.reset();
    dir.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}

void BM_CatchUp(benchmark::State& state) { CatchUp(state, MemoryLog()); }
BENCHMARK(BM_CatchUp)
    ->Arg(1024)
    ->Arg(4096)
    ->Arg(16384)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_CatchUpEmbedded(benchmark::State& state) { CatchUp(state, *FilledEmbeddedLog().log); }
BENCHMARK(BM_CatchUpEmbedded)
    ->Arg(4096)
    ->Arg(16384)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Rebuild(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<ScratchDir>();
    auto engine = OpenEngine(MemoryLog(), dir->Sub("p"), static_cast<size_t>(state.range(0)));
    state.ResumeTiming();
    if (!engine->Rebuild().ok()) state.SkipWithError("rebuild failed");
    state.PauseTiming();
    engine.reset();
    dir.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_Rebuild)
    ->Arg(4096)
    ->Arg(16384)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace trappe::projection

int main(int argc, char** argv) {
  trappe::log::Init(trappe::log::Level::kWarn);
  if (!trappe::bench::RunBenchmarks(&argc, argv)) return 1;
  trappe::projection::filled_embedded_log.reset();
  return 0;
}
