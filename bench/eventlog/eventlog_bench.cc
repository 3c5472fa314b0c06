// Benchmarks of the event log (results and the command that produced them: the
// event log's page in docs/).
//
//   eventlog_bench --benchmark_filter=Embedded --benchmark_repetitions=3
//
// A record is what a Trappe service appends: a key "<tenant>/<case id>" (41 bytes), a
// 300-byte value (the envelope) and three headers (event type, tenant, schema version).
// Embedded logs live in a fresh directory under $TMPDIR (or /tmp), fsync on.
// Kafka benchmarks run against librdkafka's in-process mock cluster: they show the
// client path's cost, not a real broker's throughput.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "host_context.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/eventlog/kafka_log.h"
#include "trappe/eventlog/kafka_mock_cluster.h"

namespace trappe::eventlog {
namespace {

constexpr size_t kValueBytes = 300;
constexpr int32_t kPartitions = 8;

std::string CaseKey(uint64_t n) {
  char key[64];
  std::snprintf(key, sizeof key, "0657/%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(n % 100000), static_cast<unsigned long long>(n));
  return key;
}

Record MakeRecord(uint64_t n) {
  Record r;
  r.key = CaseKey(n);
  // Pseudo-random bytes: nothing on the path compresses, and nothing could if it did.
  r.value.resize(kValueBytes);
  uint64_t x = n * 0x9e3779b97f4a7c15ULL + 1;
  for (char& c : r.value) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  r.headers = {{"event_type", "trappe.cases.v1.CaseworkerAssigned"},
               {"tenant", "0657"},
               {"schema_version", "1"}};
  return r;
}

size_t RecordBytes(const Record& r) {
  size_t n = r.key.size() + r.value.size();
  for (const Header& h : r.headers) n += h.key.size() + h.value.size();
  return n;
}

// A fresh directory, removed at destruction.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/trappe-eventlog-bench-XXXXXX";
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

std::unique_ptr<EventLog> OpenEmbeddedOrDie(const std::string& dir, bool sync = true,
                                            bool zero_ahead = true) {
  EmbeddedLogOptions options;
  options.directory = dir;
  options.sync = sync;
  if (!zero_ahead) options.wal_zero_ahead_bytes = 0;
  options.topics = DefaultTopics(kPartitions);
  auto log = OpenEmbeddedLog(options);
  if (!log.ok()) {
    std::fprintf(stderr, "%s\n", log.status().ToString().c_str());
    std::abort();
  }
  return std::move(log).value();
}

// Appends `total` records in batches of 1000 from two threads (setup, not measured).
void Fill(EventLog& log, uint64_t total) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&log, total, t] {
      for (uint64_t start = static_cast<uint64_t>(t) * 1000; start < total; start += 2000) {
        std::vector<Record> batch;
        for (uint64_t n = start; n < std::min(total, start + 1000); ++n)
          batch.push_back(MakeRecord(n));
        if (!log.Append(kCaseEventsTopic, std::move(batch)).ok()) std::abort();
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

// Reads every record of the topic from offset 0; returns the count.
uint64_t ReplayAll(EventLog& log, uint64_t expected, benchmark::State& state) {
  auto ends = log.EndOffsets(kCaseEventsTopic);
  std::vector<TopicPartitionOffset> from;
  for (int32_t p = 0; p < kPartitions; ++p) from.push_back({std::string(kCaseEventsTopic), p, 0});
  auto sub = log.Subscribe(from);
  if (!ends.ok() || !sub.ok()) {
    state.SkipWithError("subscribe failed");
    return 0;
  }
  uint64_t got = 0;
  uint64_t bytes = 0;
  while (got < expected) {
    auto records = (*sub)->Poll(10000, std::chrono::seconds(10));
    if (!records.ok() || records->empty()) {
      state.SkipWithError("replay stalled");
      return got;
    }
    got += records->size();
    for (const StoredRecord& r : *records) bytes += r.value.size();
    benchmark::DoNotOptimize(bytes);
  }
  return got;
}

// ---------------------------------------------------------------------------------------
// Embedded

std::unique_ptr<ScratchDir> g_dir;
std::unique_ptr<EventLog> g_log;
std::atomic<uint64_t> g_next_key{0};

// Appends batches of state.range(0) records from every benchmark thread to one log,
// fsync on (state.range(1) == 1) or off (0: shows the CPU cost without the disk), with the
// WAL's zeros ahead (state.range(2) == 1, the default) or without (0: the WAL grows with
// every commit).
void BM_EmbeddedAppend(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  if (state.thread_index() == 0) {
    g_dir = std::make_unique<ScratchDir>();
    g_log = OpenEmbeddedOrDie(g_dir->Sub("log"), state.range(1) != 0, state.range(2) != 0);
  }
  // Each thread appends its own keys (as a service appends different aggregates).
  std::vector<Record> templ;
  for (size_t i = 0; i < batch; ++i) templ.push_back(MakeRecord(g_next_key.fetch_add(1)));
  const size_t bytes_per_batch = batch * RecordBytes(templ[0]);
  for (auto _ : state) {
    std::vector<Record> records = templ;
    auto positions = g_log->Append(kCaseEventsTopic, std::move(records));
    if (!positions.ok()) state.SkipWithError(positions.status().ToString().c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_per_batch));
  if (state.thread_index() == 0) {
    g_log->Close();
    g_log.reset();
    g_dir.reset();
  }
}
BENCHMARK(BM_EmbeddedAppend)
    ->ArgNames({"batch", "fsync", "zero_ahead"})
    ->Apply([](benchmark::internal::Benchmark* b) {
      for (int64_t batch : {1, 100}) {
        b->Args({batch, 1, 1});
        b->Args({batch, 1, 0});
        b->Args({batch, 0, 0});
      }
    })
    ->Threads(1)
    ->Threads(16)
    ->UseRealTime()
    ->MinTime(3.0);

// The disk's floor for the two fsync-on append benchmarks above, measured the same way in
// the same run: one write and one fdatasync per group commit and nothing else. A group is
// what 16 appenders hand over at once, state.range(0) records of RecordBytes each (16 for
// batch:1, 1,600 for batch:100). Items are the records carried.
// - growing:0 writes in place into a file written in full beforehand: the sync carries
//   data only. No log that syncs once per group can append faster on this disk.
// - growing:1 appends to a new file, as RocksDB's WAL does (it does not recycle WAL files
//   in the log's recovery mode): every sync also commits the file's new size. This is
//   the floor of the embedded log as built.
void BM_DiskFloor(benchmark::State& state) {
  constexpr off_t kFileBytes = 64 << 20;
  const size_t records = static_cast<size_t>(state.range(0));
  const bool growing = state.range(1) != 0;
  const size_t bytes = records * RecordBytes(MakeRecord(0));
  ScratchDir dir;
  const std::string path = dir.Sub("floor");
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  if (!growing) {
    const std::string block(1 << 20, 'x');
    for (off_t at = 0; at < kFileBytes; at += static_cast<off_t>(block.size())) {
      if (::pwrite(fd, block.data(), block.size(), at) != static_cast<ssize_t>(block.size()))
        std::abort();
    }
  }
  if (::fsync(fd) != 0) std::abort();
  const std::string group(bytes, 'y');
  off_t at = 0;
  for (auto _ : state) {
    if (at + static_cast<off_t>(bytes) > kFileBytes) {
      at = 0;
      // A growing file starts again empty, as a new WAL file does.
      if (growing && ::ftruncate(fd, 0) != 0) {
        state.SkipWithError("ftruncate failed");
        break;
      }
    }
    if (::pwrite(fd, group.data(), bytes, at) != static_cast<ssize_t>(bytes)) {
      state.SkipWithError("write failed");
      break;
    }
    if (::fdatasync(fd) != 0) {
      state.SkipWithError("fdatasync failed");
      break;
    }
    at += static_cast<off_t>(bytes);
  }
  ::close(fd);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * records));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_DiskFloor)
    ->ArgNames({"records", "growing"})
    ->ArgsProduct({{16, 1600}, {0, 1}})
    ->UseRealTime()
    ->MinTime(3.0);

// Replays state.range(0) records (flushed to SST files and in memtables, as a real log)
// from offset 0 through one subscription on all partitions.
void BM_EmbeddedReplay(benchmark::State& state) {
  const auto total = static_cast<uint64_t>(state.range(0));
  ScratchDir dir;
  auto log = OpenEmbeddedOrDie(dir.Sub("log"));
  Fill(*log, total);
  uint64_t replayed = 0;
  for (auto _ : state) replayed += ReplayAll(*log, total, state);
  state.SetItemsProcessed(static_cast<int64_t>(replayed));
  log->Close();
}
BENCHMARK(BM_EmbeddedReplay)
    ->ArgName("records")
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3.0);

// The same after a reopen: every record comes from SST files and the OS page cache.
void BM_EmbeddedReplayAfterReopen(benchmark::State& state) {
  const auto total = static_cast<uint64_t>(state.range(0));
  ScratchDir dir;
  {
    auto log = OpenEmbeddedOrDie(dir.Sub("log"));
    Fill(*log, total);
  }
  auto log = OpenEmbeddedOrDie(dir.Sub("log"));
  uint64_t replayed = 0;
  for (auto _ : state) replayed += ReplayAll(*log, total, state);
  state.SetItemsProcessed(static_cast<int64_t>(replayed));
  log->Close();
}
BENCHMARK(BM_EmbeddedReplayAfterReopen)
    ->ArgName("records")
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3.0);

// ---------------------------------------------------------------------------------------
// Kafka (mock cluster in this process)

std::unique_ptr<KafkaMockCluster> g_cluster;

std::unique_ptr<EventLog> OpenKafkaOrDie(const KafkaMockCluster& cluster) {
  KafkaLogOptions options;
  options.bootstrap_servers = cluster.bootstrap_servers();
  auto log = OpenKafkaLog(options);
  if (!log.ok()) std::abort();
  return std::move(log).value();
}

std::unique_ptr<KafkaMockCluster> StartClusterOrDie() {
  auto cluster = KafkaMockCluster::Start(1);
  if (!cluster.ok() || !(*cluster)->CreateTrappeTopics(kPartitions).ok()) std::abort();
  return std::move(cluster).value();
}

void BM_KafkaAppend(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  if (state.thread_index() == 0) {
    g_cluster = StartClusterOrDie();
    g_log = OpenKafkaOrDie(*g_cluster);
    if (!g_log->PartitionCount(kCaseEventsTopic).ok()) std::abort();
  }
  std::vector<Record> templ;
  for (size_t i = 0; i < batch; ++i) templ.push_back(MakeRecord(g_next_key.fetch_add(1)));
  const size_t bytes_per_batch = batch * RecordBytes(templ[0]);
  for (auto _ : state) {
    std::vector<Record> records = templ;
    auto positions = g_log->Append(kCaseEventsTopic, std::move(records));
    if (!positions.ok()) state.SkipWithError(positions.status().ToString().c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes_per_batch));
  if (state.thread_index() == 0) {
    g_log->Close();
    g_log.reset();
    g_cluster.reset();
  }
}
BENCHMARK(BM_KafkaAppend)
    ->ArgName("batch")
    ->Arg(1)
    ->Arg(100)
    ->Threads(1)
    ->Threads(16)
    ->UseRealTime()
    ->MinTime(2.0);

// Consumes state.range(0) records from offset 0 (kept under the mock's ~5 MiB per
// partition retention: 60,000 records over 8 partitions is ~3.5 MiB each).
void BM_KafkaReplay(benchmark::State& state) {
  const auto total = static_cast<uint64_t>(state.range(0));
  auto cluster = StartClusterOrDie();
  auto log = OpenKafkaOrDie(*cluster);
  Fill(*log, total);
  uint64_t replayed = 0;
  for (auto _ : state) replayed += ReplayAll(*log, total, state);
  state.SetItemsProcessed(static_cast<int64_t>(replayed));
  log->Close();
}
BENCHMARK(BM_KafkaReplay)
    ->ArgName("records")
    ->Arg(60000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace trappe::eventlog

TRAPPE_BENCHMARK_MAIN();
