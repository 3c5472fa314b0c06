// Applier: reads one subscription into one store, a batch at a time.
//
// A batch is applied into an in-memory overlay (the ApplyContext) and committed with one
// RocksDB WriteBatch holding the overlay and the advanced checkpoints. The live engine and
// a rebuild each own an Applier; neither is thread-safe except Wake().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store.h"
#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/projection/projection.h"

namespace trappe::events::v1 {
class EventEnvelope;
}  // namespace trappe::events::v1

namespace trappe::projection::internal {

class Overlay;

struct BatchOutcome {
  uint64_t applied = 0;  // records that went through Apply
  uint64_t undecodable_skipped = 0;
  uint64_t unknown_skipped = 0;
  bool committed = false;
  // Not OK when the batch stopped at a record (everything before it is committed) or the
  // commit failed (nothing is).
  Status status;
  uint64_t consumed() const { return applied + undecodable_skipped + unknown_skipped; }
};

class Applier {
 public:
  struct Options {
    size_t max_batch_records = 4096;
    bool sync = false;
    bool disable_wal = false;
    size_t max_cached_keys = size_t{1} << 20;  // committed values kept in memory
  };

  // Subscribes to every partition of `topics` right after the store's checkpoints.
  [[nodiscard]] static Result<std::shared_ptr<Applier>> Create(
      std::shared_ptr<Store> store, const Projection& projection, eventlog::EventLog* log,
      const std::vector<std::string>& topics, Options options);
  ~Applier();

  [[nodiscard]] Result<std::vector<eventlog::StoredRecord>> Poll(std::chrono::milliseconds timeout);
  void Wake();

  // Applies `records` (from Poll, in order) and commits them with the checkpoints.
  BatchOutcome ApplyAndCommit(const std::vector<eventlog::StoredRecord>& records);

  // Committed next offsets, one per consumed partition.
  const std::vector<eventlog::TopicPartitionOffset>& next() const { return committed_; }
  // True when every target partition's committed next offset is >= the target's.
  bool Reached(const std::vector<eventlog::TopicPartitionOffset>& targets) const;

  void set_write_options(bool sync, bool disable_wal) {
    options_.sync = sync;
    options_.disable_wal = disable_wal;
  }
  const std::shared_ptr<Store>& store() const { return store_; }

 private:
  Applier(std::shared_ptr<Store> store, const Projection& projection, Options options);

  // Index into committed_/pending_ of a record's partition; -1 when not consumed.
  int Slot(const eventlog::Position& position) const;
  // Decodes and applies one record into the overlay, advancing pending_.
  Status ApplyOne(const eventlog::StoredRecord& record, BatchOutcome* outcome);
  Status Commit();

  std::shared_ptr<Store> store_;
  const Projection& projection_;
  Options options_;
  std::unique_ptr<eventlog::Subscription> subscription_;
  std::vector<eventlog::TopicPartitionOffset> committed_;
  std::vector<int64_t> pending_;  // next offsets within the batch being built
  std::vector<std::string> topics_;
  std::vector<size_t> topic_first_slot_;  // slot of partition 0 of topics_[i]
  std::unique_ptr<Overlay> overlay_;
  std::unique_ptr<events::v1::EventEnvelope> envelope_;  // reused to save allocations
  struct Skip {
    BadRecordKind kind;
    eventlog::Position position;
  };
  std::vector<Skip> skips_;  // logged once the batch is committed
};

}  // namespace trappe::projection::internal
