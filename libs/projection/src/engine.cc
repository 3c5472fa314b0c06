#include "trappe/projection/engine.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "applier.h"
#include "store.h"
#include "store_directory.h"
#include "trappe/common/log.h"

namespace trappe::projection {
namespace {

using internal::Applier;
using internal::Store;
using SteadyClock = std::chrono::steady_clock;
using eventlog::TopicPartitionOffset;

constexpr std::chrono::milliseconds kFirstRetry{50};
constexpr std::chrono::milliseconds kLastRetry{5000};

std::string Describe(const eventlog::Position& position) {
  return position.topic + "/" + std::to_string(position.partition) + "@" +
         std::to_string(position.offset);
}

const TopicPartitionOffset* Find(const std::vector<TopicPartitionOffset>& offsets,
                                 std::string_view topic, int32_t partition) {
  for (const auto& offset : offsets) {
    if (offset.topic == topic && offset.partition == partition) return &offset;
  }
  return nullptr;
}

bool Covers(const std::vector<TopicPartitionOffset>& next,
            const std::vector<TopicPartitionOffset>& targets) {
  return std::all_of(targets.begin(), targets.end(), [&](const TopicPartitionOffset& target) {
    const auto* have = Find(next, target.topic, target.partition);
    return target.offset == 0 || (have != nullptr && have->offset >= target.offset);
  });
}

Status ValidateFamilies(const std::vector<std::string>& families) {
  std::set<std::string> seen;
  for (const auto& family : families) {
    if (family.empty() || family == internal::kMetaFamily || family == "default") {
      return InvalidArgument("projection.column_families",
                             "'" + family + "' is empty or reserved for the engine");
    }
    if (!seen.insert(family).second) {
      return InvalidArgument("projection.column_families", "'" + family + "' appears twice");
    }
  }
  return Status::Ok();
}

// Batches are written without RocksDB's WAL (see EngineOptions::sync_commits), except
// live batches with sync_commits, which go through the WAL and are fsynced.
Applier::Options ApplierOptions(const EngineOptions& engine, bool replay) {
  Applier::Options options;
  options.max_batch_records = engine.max_batch_records;
  options.sync = replay ? false : engine.sync_commits;
  options.disable_wal = replay || !engine.sync_commits;
  options.max_cached_keys = engine.max_cached_keys;
  return options;
}

}  // namespace

Engine::Engine(eventlog::EventLog* log, std::shared_ptr<const Projection> projection,
               EngineOptions options)
    : log_(log),
      projection_(std::move(projection)),
      options_(std::move(options)),
      name_(projection_->Name()),
      topics_(projection_->Topics()) {}

Engine::~Engine() { Stop(); }

Result<std::unique_ptr<Engine>> Engine::Open(eventlog::EventLog* log,
                                             std::shared_ptr<const Projection> projection,
                                             EngineOptions options) {
  if (log == nullptr) return InvalidArgument("log", "must not be null");
  if (projection == nullptr) return InvalidArgument("projection", "must not be null");
  if (options.directory.empty()) return InvalidArgument("directory", "must be set");
  if (options.max_batch_records == 0) {
    return InvalidArgument("max_batch_records", "must be at least 1");
  }
  std::unique_ptr<Engine> engine(new Engine(log, std::move(projection), std::move(options)));
  TRAPPE_RETURN_IF_ERROR(engine->Init());
  return engine;
}

Status Engine::Init() {
  if (topics_.empty()) return InvalidArgument("projection.topics", "must name a topic");
  const auto families = projection_->ColumnFamilies();
  TRAPPE_RETURN_IF_ERROR(ValidateFamilies(families));

  const std::filesystem::path directory(options_.directory);
  TRAPPE_ASSIGN_OR_RETURN(const auto found, internal::ScanDirectory(directory));
  next_store_number_ = found.highest_number + 1;

  std::shared_ptr<Store> store;
  std::shared_ptr<Store> outdated;  // removed only once CURRENT names its replacement
  if (found.current.has_value()) {
    TRAPPE_ASSIGN_OR_RETURN(store, Store::Open(directory / *found.current, families));
    TRAPPE_ASSIGN_OR_RETURN(const auto stored_name, store->ReadMeta(internal::kMetaProjectionName));
    TRAPPE_ASSIGN_OR_RETURN(const auto stored_version,
                            store->ReadMeta(internal::kMetaProjectionVersion));
    if (stored_name.has_value() && *stored_name != name_) {
      return FailedPrecondition(options_.directory + " holds projection " + *stored_name +
                                ", not " + name_);
    }
    const std::string version = std::to_string(projection_->Version());
    if (stored_version != version) {
      log::Warn("projection.version_changed", {{"projection", name_},
                                               {"stored", stored_version.value_or("none")},
                                               {"code", version},
                                               {"action", "replaying the log into a fresh store"}});
      outdated = std::exchange(store, nullptr);
    }
  }
  if (store == nullptr) {
    const std::string name = internal::StoreName(next_store_number_++);
    TRAPPE_ASSIGN_OR_RETURN(store, Store::Open(directory / name, families));
    TRAPPE_RETURN_IF_ERROR(store->WriteIdentity(name_, projection_->Version()));
    TRAPPE_RETURN_IF_ERROR(internal::WriteCurrent(directory, name));
    if (outdated != nullptr) outdated->MarkObsolete();
  }

  TRAPPE_ASSIGN_OR_RETURN(live_, Applier::Create(store, *projection_, log_, topics_,
                                                 ApplierOptions(options_, /*replay=*/false)));
  store_ = store;
  applied_ = live_->next();
  log::Info("projection.opened", {{"projection", name_},
                                  {"store", store->path().string()},
                                  {"partitions", static_cast<int64_t>(applied_.size())}});
  return Status::Ok();
}

std::shared_ptr<Store> Engine::CurrentStore() const {
  std::lock_guard lock(store_mu_);
  return store_;
}

Result<std::vector<TopicPartitionOffset>> Engine::EndOffsets() const {
  std::vector<TopicPartitionOffset> out;
  for (const auto& topic : topics_) {
    TRAPPE_ASSIGN_OR_RETURN(const auto ends, log_->EndOffsets(topic));
    for (size_t partition = 0; partition < ends.size(); ++partition) {
      out.push_back({topic, static_cast<int32_t>(partition), ends[partition]});
    }
  }
  return out;
}

Status Engine::Start() {
  TRAPPE_ASSIGN_OR_RETURN(auto end, EndOffsets());
  std::lock_guard lock(state_mu_);
  if (running_ || driving_)
    return FailedPrecondition("projection " + name_ + " is already running");
  stopping_ = false;
  startup_end_ = std::move(end);
  if (Covers(applied_, startup_end_)) initial_catch_up_done_ = true;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Engine::Stop() {
  std::thread thread;
  {
    std::lock_guard lock(state_mu_);
    if (!running_) return;
    stopping_ = true;
    if (polling_ != nullptr) polling_->Wake();
    thread = std::move(thread_);
  }
  state_cv_.notify_all();
  thread.join();
  std::lock_guard lock(state_mu_);
  running_ = false;
  polling_.reset();
}

void Engine::WaitBeforeRetry(std::chrono::milliseconds delay) {
  std::unique_lock lock(state_mu_);
  state_cv_.wait_for(lock, delay, [this] { return stopping_; });
}

void Engine::Loop() {
  std::chrono::milliseconds retry = kFirstRetry;
  while (true) {
    {
      // A stopped projection waits for a rebuild to clear the error, or for Stop.
      std::unique_lock lock(state_mu_);
      state_cv_.wait(lock, [this] { return stopping_ || failure_.ok(); });
      if (stopping_) return;
    }
    std::shared_ptr<Applier> applier;
    Status ready;
    {
      std::lock_guard apply(apply_mu_);
      if (live_ == nullptr) {
        auto created = Applier::Create(CurrentStore(), *projection_, log_, topics_,
                                       ApplierOptions(options_, /*replay=*/false));
        if (created.ok()) {
          live_ = std::move(created).value();
        } else {
          ready = created.status();
        }
      }
      applier = live_;
    }
    if (!ready.ok()) {
      log::Warn("projection.subscribe_failed",
                {{"projection", name_}, {"error", ready.ToString()}});
      WaitBeforeRetry(retry);
      retry = std::min(retry * 2, kLastRetry);
      continue;
    }
    {
      std::lock_guard lock(state_mu_);
      if (stopping_) return;
      polling_ = applier;
    }
    auto polled = applier->Poll(options_.poll_timeout);
    if (!polled.ok()) {
      // The log is unreachable: subscribe again from the checkpoints after a pause.
      log::Warn("projection.poll_failed",
                {{"projection", name_}, {"error", polled.status().ToString()}});
      {
        std::lock_guard apply(apply_mu_);
        if (live_ == applier) live_.reset();
      }
      WaitBeforeRetry(retry);
      retry = std::min(retry * 2, kLastRetry);
      continue;
    }
    retry = kFirstRetry;
    if (polled->empty()) continue;
    std::lock_guard apply(apply_mu_);
    if (live_ != applier) continue;  // a rebuild swapped stores while this batch was read
    ApplyLive(*applier, *polled).IgnoreError();  // a stop is recorded by Fail
  }
}

Status Engine::ApplyLive(Applier& applier, const std::vector<eventlog::StoredRecord>& records) {
  const internal::BatchOutcome outcome = applier.ApplyAndCommit(records);
  {
    std::lock_guard lock(state_mu_);
    applied_ = applier.next();
    if (outcome.committed) {
      metrics_.events_applied += outcome.applied;
      metrics_.undecodable_skipped += outcome.undecodable_skipped;
      metrics_.unknown_skipped += outcome.unknown_skipped;
      ++metrics_.batches_committed;
    }
    if (running_ && !initial_catch_up_done_ && Covers(applied_, startup_end_)) {
      initial_catch_up_done_ = true;
      log::Info("projection.caught_up", {{"projection", name_}});
    }
  }
  state_cv_.notify_all();
  if (!outcome.status.ok()) Fail(outcome.status);
  if (outcome.committed && options_.on_commit) options_.on_commit(outcome.consumed());
  return outcome.status;
}

void Engine::Fail(const Status& status) {
  {
    std::lock_guard lock(state_mu_);
    if (!failure_.ok()) return;
    failure_ = status;
    metrics_.failed = true;
  }
  log::Error("projection.stopped", {{"projection", name_}, {"error", status.ToString()}});
  state_cv_.notify_all();
}

Status Engine::CatchUp(SteadyClock::time_point deadline) {
  TRAPPE_ASSIGN_OR_RETURN(const auto target, EndOffsets());
  {
    std::unique_lock lock(state_mu_);
    if (running_) {
      lock.unlock();
      std::vector<eventlog::Position> positions;
      for (const auto& end : target) {
        if (end.offset > 0) positions.push_back({end.topic, end.partition, end.offset - 1});
      }
      return WaitFor(positions, deadline);
    }
    if (driving_) return FailedPrecondition("projection " + name_ + " is already catching up");
    driving_ = true;
  }
  const Status status = CatchUpHere(target, deadline);
  std::lock_guard lock(state_mu_);
  driving_ = false;
  if (status.ok()) initial_catch_up_done_ = true;
  return status;
}

Status Engine::CatchUpHere(const std::vector<TopicPartitionOffset>& target,
                           SteadyClock::time_point deadline) {
  while (true) {
    TRAPPE_RETURN_IF_ERROR(Health());
    std::lock_guard apply(apply_mu_);
    if (live_ == nullptr) {
      TRAPPE_ASSIGN_OR_RETURN(live_, Applier::Create(CurrentStore(), *projection_, log_, topics_,
                                                     ApplierOptions(options_, /*replay=*/false)));
    }
    if (live_->Reached(target)) return Status::Ok();
    auto timeout = options_.poll_timeout;
    if (deadline != SteadyClock::time_point::max()) {
      const auto now = SteadyClock::now();
      if (now >= deadline) {
        return DeadlineExceeded("projection " + name_ + " did not catch up before the deadline");
      }
      timeout = std::min(timeout, std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
    }
    TRAPPE_ASSIGN_OR_RETURN(const auto records, live_->Poll(timeout));
    if (!records.empty()) TRAPPE_RETURN_IF_ERROR(ApplyLive(*live_, records));
  }
}

Status Engine::WaitFor(const std::vector<eventlog::Position>& positions,
                       SteadyClock::time_point deadline) const {
  for (const auto& position : positions) {
    if (std::find(topics_.begin(), topics_.end(), position.topic) == topics_.end()) {
      return InvalidArgument("min_position",
                             "topic " + position.topic + " is not read by projection " + name_);
    }
  }
  std::unique_lock lock(state_mu_);
  for (const auto& position : positions) {
    if (Find(applied_, position.topic, position.partition) == nullptr) {
      return InvalidArgument("min_position", "no partition " + Describe(position));
    }
  }
  auto first_pending = [&]() -> const eventlog::Position* {
    for (const auto& position : positions) {
      if (Find(applied_, position.topic, position.partition)->offset <= position.offset) {
        return &position;
      }
    }
    return nullptr;
  };
  while (const eventlog::Position* pending = first_pending()) {
    if (!failure_.ok()) {
      return Unavailable("projection " + name_ + " stopped before " + Describe(*pending) + ": " +
                         failure_.ToString());
    }
    if (deadline == SteadyClock::time_point::max()) {
      state_cv_.wait(lock);
    } else if (state_cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      pending = first_pending();
      if (pending == nullptr) return Status::Ok();
      return DeadlineExceeded("projection " + name_ + " has not applied " + Describe(*pending) +
                              " within the deadline");
    }
  }
  return Status::Ok();
}

Result<CatchUpState> Engine::Lag() const {
  TRAPPE_ASSIGN_OR_RETURN(const auto ends, EndOffsets());
  return LagFrom(Checkpoints(), ends);
}

Result<CatchUpState> Engine::LagAt(const ReadView& view) const {
  TRAPPE_ASSIGN_OR_RETURN(const auto next, view.Checkpoints());
  TRAPPE_ASSIGN_OR_RETURN(const auto ends, EndOffsets());
  return LagFrom(next, ends);
}

CatchUpState Engine::LagFrom(const std::vector<TopicPartitionOffset>& next,
                             const std::vector<TopicPartitionOffset>& ends) {
  CatchUpState state;
  state.caught_up = true;
  for (const auto& end : ends) {
    const auto* have = Find(next, end.topic, end.partition);
    PartitionLag lag{end.topic, end.partition, have != nullptr ? have->offset : 0, end.offset};
    state.total_lag += lag.lag();
    state.caught_up = state.caught_up && lag.next_offset >= lag.end_offset;
    state.partitions.push_back(std::move(lag));
  }
  return state;
}

bool Engine::InitialCatchUpDone() const {
  std::lock_guard lock(state_mu_);
  return initial_catch_up_done_;
}

std::shared_ptr<const ReadView> Engine::Snapshot() const {
  return std::make_shared<const ReadView>(CurrentStore());
}

Result<std::string> Engine::Checksum() const { return Snapshot()->Checksum(); }

Status Engine::Health() const {
  std::lock_guard lock(state_mu_);
  return failure_;
}

EngineMetrics Engine::Metrics() const {
  std::lock_guard lock(state_mu_);
  return metrics_;
}

std::vector<TopicPartitionOffset> Engine::Checkpoints() const {
  std::lock_guard lock(state_mu_);
  return applied_;
}

std::optional<RebuildProgress> Engine::CurrentRebuild() const {
  std::lock_guard lock(state_mu_);
  return rebuild_progress_;
}

void Engine::ReportRebuild(const RebuildProgress& progress, const ProgressFn& fn) {
  {
    std::lock_guard lock(state_mu_);
    rebuild_progress_ = progress;
  }
  log::Info("projection.rebuild_progress", {{"projection", name_},
                                            {"events_done", progress.events_done},
                                            {"events_total", progress.events_total},
                                            {"events_per_second", progress.events_per_second},
                                            {"eta_seconds", progress.eta_seconds}});
  if (fn) fn(progress);
}

Status Engine::Rebuild(const ProgressFn& progress, const std::function<bool()>& cancelled) {
  std::unique_lock rebuilding(rebuild_mu_, std::try_to_lock);
  if (!rebuilding.owns_lock()) {
    return FailedPrecondition("a rebuild of projection " + name_ + " is already running");
  }
  const auto started = SteadyClock::now();
  const std::filesystem::path directory(options_.directory);
  const std::string name = internal::StoreName(next_store_number_++);
  std::error_code ignored;
  std::filesystem::remove_all(directory / name, ignored);
  TRAPPE_ASSIGN_OR_RETURN(auto store, Store::Open(directory / name, projection_->ColumnFamilies()));

  // Until it is swapped in, the new store is scratch: on any failure it is deleted, and the
  // progress report ends.
  struct Cleanup {
    Engine* engine;
    Store* store;
    bool swapped = false;
    ~Cleanup() {
      if (!swapped) store->MarkObsolete();
      std::lock_guard lock(engine->state_mu_);
      engine->rebuild_progress_.reset();
    }
  } cleanup{this, store.get()};

  TRAPPE_RETURN_IF_ERROR(store->WriteIdentity(name_, projection_->Version()));
  TRAPPE_ASSIGN_OR_RETURN(const auto target, EndOffsets());
  RebuildProgress state;
  for (const auto& end : target) state.events_total += static_cast<uint64_t>(end.offset);
  // The replay writes without the WAL: a crash loses only the scratch store, and the
  // store is flushed before it becomes current.
  TRAPPE_ASSIGN_OR_RETURN(auto applier, Applier::Create(store, *projection_, log_, topics_,
                                                        ApplierOptions(options_, /*replay=*/true)));
  log::Info("projection.rebuild_started", {{"projection", name_},
                                           {"store", store->path().string()},
                                           {"events_total", state.events_total}});
  ReportRebuild(state, progress);

  auto last_report = started;
  // Progress is reported only outside the apply lock, so a callback may use the engine.
  auto replay = [&](const std::vector<TopicPartitionOffset>& until, bool report) -> Status {
    while (!applier->Reached(until)) {
      TRAPPE_ASSIGN_OR_RETURN(const auto records, applier->Poll(options_.poll_timeout));
      if (records.empty()) continue;
      const internal::BatchOutcome outcome = applier->ApplyAndCommit(records);
      state.events_done += outcome.consumed();
      if (!outcome.status.ok()) return outcome.status;
      if (cancelled && cancelled()) return Cancelled("the rebuild was cancelled");
      const auto now = SteadyClock::now();
      const double seconds = std::chrono::duration<double>(now - started).count();
      state.events_per_second = seconds > 0 ? static_cast<double>(state.events_done) / seconds : 0;
      const uint64_t left =
          state.events_total > state.events_done ? state.events_total - state.events_done : 0;
      state.eta_seconds =
          state.events_per_second > 0 ? static_cast<double>(left) / state.events_per_second : 0;
      if (report && now - last_report >= options_.rebuild_progress_interval) {
        ReportRebuild(state, progress);
        last_report = now;
      }
    }
    return Status::Ok();
  };

  Status replayed = replay(target, /*report=*/true);
  if (replayed.ok()) replayed = store->Flush();
  if (!replayed.ok()) {
    if (replayed.code() == StatusCode::kCancelled) {
      log::Info("projection.rebuild_cancelled",
                {{"projection", name_}, {"events_done", state.events_done}});
    } else {
      log::Error("projection.rebuild_failed",
                 {{"projection", name_}, {"error", replayed.ToString()}});
    }
    return replayed.WithContext("rebuilding projection " + name_);
  }
  // The last stretch, up to where the live store is, is written like a live batch.
  applier->set_write_options(options_.sync_commits, /*disable_wal=*/!options_.sync_commits);
  {
    std::lock_guard apply(apply_mu_);
    Status caught_up = replay(Checkpoints(), /*report=*/false);
    if (caught_up.ok()) caught_up = internal::WriteCurrent(directory, name);
    if (!caught_up.ok()) {
      log::Error("projection.rebuild_failed",
                 {{"projection", name_}, {"error", caught_up.ToString()}});
      return caught_up.WithContext("rebuilding projection " + name_);
    }
    cleanup.swapped = true;
    std::shared_ptr<Store> old;
    {
      std::lock_guard lock(store_mu_);
      old = std::exchange(store_, store);
    }
    old->MarkObsolete();  // deleted when the last reader and the old applier let go
    if (live_ != nullptr) live_->Wake();
    live_ = applier;
    {
      std::lock_guard lock(state_mu_);
      applied_ = applier->next();
      failure_ = Status::Ok();
      metrics_.failed = false;
      ++metrics_.rebuilds_completed;
    }
    state_cv_.notify_all();
  }
  state.finished = true;
  state.eta_seconds = 0;
  ReportRebuild(state, progress);
  log::Info("projection.rebuilt", {{"projection", name_},
                                   {"store", store->path().string()},
                                   {"events", state.events_done},
                                   {"events_per_second", state.events_per_second}});
  return Status::Ok();
}

}  // namespace trappe::projection
