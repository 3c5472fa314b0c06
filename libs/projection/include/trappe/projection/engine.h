// Engine: feeds a Projection from the EventLog and keeps its store (DESIGN.md section 4).
//
// Guarantees:
//  - No event lost or applied twice across crashes: each batch's projection writes and the
//    per-partition checkpoints (next offset to apply) go to RocksDB in one WriteBatch, and
//    on open the engine resumes right after the checkpoints.
//  - A bad record (undecodable, unknown payload) is counted and logged, then skipped or
//    stopped at as the projection decides. An error in Apply stops the projection: the
//    checkpoint stays before the event, Health() reports the error, nothing is skipped.
//  - Rebuild replays the log into a fresh store while the current one keeps serving, then
//    swaps atomically, also on disk: a restart finds exactly one of the two.
//
// On disk: `<directory>/CURRENT` names the live store, `<directory>/store-NNNNNN`.
//
// Thread safety: every method may be called from any thread. Apply runs on the engine's
// thread (Start) or on the caller's (CatchUp while not started) and on Rebuild's caller.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/projection/projection.h"
#include "trappe/projection/read_view.h"

namespace trappe::projection {

namespace internal {
class Applier;
class Store;
}  // namespace internal

struct EngineOptions {
  // Where the projection's stores live; created when missing.
  std::string directory;
  // Records applied and committed together. Larger batches amortise the commit; a commit
  // is also what wakes WaitFor, so batches are cut at whatever one Poll returns.
  size_t max_batch_records = 16384;
  // How long one Poll waits for new records before the loop looks at its state again.
  std::chrono::milliseconds poll_timeout{200};
  // Off (the default): batches skip RocksDB's WAL. A crash of the process or the machine
  // rolls the store back to its last flush, a consistent checkpoint (every family flushes
  // together, checkpoints included), and the engine re-applies the log from there: a
  // projection can always be rebuilt from the durable log, and the atomic WriteBatch
  // rules out loss and doubling. A clean shutdown flushes. On: every commit goes through
  // the WAL and is fsynced, so a restart resumes exactly where it stopped.
  bool sync_commits = false;
  // Values the applying thread keeps in memory (keys read or written lately), so that
  // Apply's reads skip RocksDB. Entries, across the projection's families.
  size_t max_cached_keys = size_t{1} << 20;
  // Rebuild progress is reported at most this often (and once at the end).
  std::chrono::milliseconds rebuild_progress_interval{1000};
  // Called on the applying thread after every committed batch (progress, tests).
  std::function<void(uint64_t events_in_batch)> on_commit;
};

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;  // the next record the projection will apply
  int64_t end_offset = 0;   // the log's end when asked
  int64_t lag() const { return end_offset > next_offset ? end_offset - next_offset : 0; }
};

struct CatchUpState {
  bool caught_up = false;  // every partition's next_offset >= end_offset
  int64_t total_lag = 0;
  std::vector<PartitionLag> partitions;
};

struct EngineMetrics {
  uint64_t events_applied = 0;  // records handed to Apply and committed (live store)
  uint64_t batches_committed = 0;
  uint64_t undecodable_skipped = 0;  // bad records skipped, by kind
  uint64_t unknown_skipped = 0;
  uint64_t rebuilds_completed = 0;
  bool failed = false;  // stopped on an error; see Engine::Health()
};

struct RebuildProgress {
  uint64_t events_done = 0;   // records replayed into the new store so far
  uint64_t events_total = 0;  // the log's size (end offsets) when the rebuild began
  double events_per_second = 0;
  double eta_seconds = 0;  // at the current rate; 0 when done
  bool finished = false;
};

class Engine {
 public:
  using ProgressFn = std::function<void(const RebuildProgress&)>;

  // Opens (or creates) the projection's store in options.directory and reads its
  // checkpoints. `log` must outlive the engine. Nothing is applied until Start or CatchUp.
  [[nodiscard]] static Result<std::unique_ptr<Engine>> Open(
      eventlog::EventLog* log, std::shared_ptr<const Projection> projection, EngineOptions options);

  ~Engine();  // stops the thread
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies in a thread of its own until Stop.
  [[nodiscard]] Status Start();
  void Stop();

  // Returns once every partition has been applied up to the log's end as of this call. On
  // a started engine it waits for the thread; otherwise it applies on this thread.
  [[nodiscard]] Status CatchUp(std::chrono::steady_clock::time_point deadline =
                                   std::chrono::steady_clock::time_point::max());

  // Returns OK as soon as every position has been applied (read-your-writes, min_position),
  // DEADLINE_EXCEEDED when the deadline passes first, the engine's error when it stopped
  // before a position, INVALID_ARGUMENT for a topic the projection does not consume.
  [[nodiscard]] Status WaitFor(const std::vector<eventlog::Position>& positions,
                               std::chrono::steady_clock::time_point deadline) const;

  // Per-partition lag against the log's end offsets now.
  [[nodiscard]] Result<CatchUpState> Lag() const;
  // The lag of what `view` reflects (its checkpoints) against the log's end offsets now,
  // which are read after the view was taken: a lag of 0 means the view holds every record
  // the log had when asked. With a checksum of the same view, the two describe one state.
  [[nodiscard]] Result<CatchUpState> LagAt(const ReadView& view) const;
  // True once the engine has reached the end offsets it saw when it started (or in any
  // completed CatchUp): the moment a service may begin to answer.
  bool InitialCatchUpDone() const;

  // A consistent view of the current store for queries.
  std::shared_ptr<const ReadView> Snapshot() const;
  // Snapshot()->Checksum().
  [[nodiscard]] Result<std::string> Checksum() const;

  // Replays the whole log into a fresh store, then swaps it in; the current store serves
  // until the swap. Blocks the caller; `progress` is called on the caller's thread. One
  // rebuild at a time (FAILED_PRECONDITION otherwise). A successful rebuild clears a
  // stopped engine's error. `cancelled`, if given, is asked after every replayed batch:
  // once it returns true the rebuild stops with CANCELLED, its scratch store is deleted
  // and the current store stays in place.
  [[nodiscard]] Status Rebuild(const ProgressFn& progress = nullptr,
                               const std::function<bool()>& cancelled = nullptr);
  // The running rebuild's progress, if any.
  std::optional<RebuildProgress> CurrentRebuild() const;

  // OK, or the error that stopped the projection.
  Status Health() const;
  EngineMetrics Metrics() const;
  // The checkpoints of the live store: next offset per consumed partition.
  std::vector<eventlog::TopicPartitionOffset> Checkpoints() const;

  const Projection& projection() const { return *projection_; }

 private:
  Engine(eventlog::EventLog* log, std::shared_ptr<const Projection> projection,
         EngineOptions options);

  Status Init();
  void Loop();
  void WaitBeforeRetry(std::chrono::milliseconds delay);
  // Applies one polled batch with `applier`; called with apply_mu_ held.
  Status ApplyLive(internal::Applier& applier, const std::vector<eventlog::StoredRecord>& records);
  void Fail(const Status& status);
  Status CatchUpHere(const std::vector<eventlog::TopicPartitionOffset>& target,
                     std::chrono::steady_clock::time_point deadline);
  Result<std::vector<eventlog::TopicPartitionOffset>> EndOffsets() const;
  // Each partition's lag of `next` (next offsets to apply) behind `ends`.
  static CatchUpState LagFrom(const std::vector<eventlog::TopicPartitionOffset>& next,
                              const std::vector<eventlog::TopicPartitionOffset>& ends);
  std::shared_ptr<internal::Store> CurrentStore() const;
  void ReportRebuild(const RebuildProgress& progress, const ProgressFn& fn);

  eventlog::EventLog* const log_;
  const std::shared_ptr<const Projection> projection_;
  const EngineOptions options_;
  const std::string name_;
  const std::vector<std::string> topics_;

  // Serialises writers of the live store: the live batch, the synchronous CatchUp and the
  // rebuild's final catch-up and swap.
  mutable std::mutex apply_mu_;
  std::shared_ptr<internal::Applier> live_;  // guarded by apply_mu_

  mutable std::mutex store_mu_;  // guards store_ only, so readers never wait for a batch
  std::shared_ptr<internal::Store> store_;

  std::mutex rebuild_mu_;           // one rebuild at a time
  uint64_t next_store_number_ = 1;  // guarded by rebuild_mu_ after Init

  mutable std::mutex state_mu_;
  mutable std::condition_variable state_cv_;  // notified after every commit and state change
  std::vector<eventlog::TopicPartitionOffset> applied_;  // next offsets of the live store
  Status failure_;
  EngineMetrics metrics_;
  bool initial_catch_up_done_ = false;
  std::vector<eventlog::TopicPartitionOffset> startup_end_;
  std::optional<RebuildProgress> rebuild_progress_;
  bool running_ = false;  // the thread is started
  bool driving_ = false;  // a synchronous CatchUp is applying
  bool stopping_ = false;
  std::shared_ptr<internal::Applier> polling_;  // what the thread polls, to Wake it
  std::thread thread_;
};

}  // namespace trappe::projection
