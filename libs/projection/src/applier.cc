#include "applier.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>

#include "trappe/common/log.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/projection/keys.h"

namespace trappe::projection::internal {
namespace {

std::string Describe(const eventlog::Position& position) {
  return position.topic + "/" + std::to_string(position.partition) + "@" +
         std::to_string(position.offset);
}

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

// The projection's state as Apply sees it, per family: one hash map from key to the latest
// value known (nullopt: absent), either committed or written by the batch being built.
// Entries the batch wrote are "dirty"; a commit writes exactly those, in key order, and
// repeated writes to one key have collapsed into one. Discarding a batch forgets its dirty
// entries, so their committed values are read from RocksDB again.
//
// Clean entries are a cache of committed values: the applier is its store's only writer, so
// they cannot go stale; they save the RocksDB lookups that would otherwise dominate Apply.
// The map is emptied after a commit when it holds more than max_cached_keys entries.
//
// Scan needs the dirty keys in order: a batch's first scan of a family indexes its dirty
// keys in order, and its later writes to that family keep the index up to date until the
// batch ends. A batch that scans nothing pays nothing for it (a projection that scans a
// family once in a while, as the workload projection does when a caseworker joins a team,
// does not make every later write to it dearer).
class Overlay final : public ApplyContext {
 public:
  Overlay(Store* store, size_t max_cached_keys)
      : store_(store),
        families_(store->family_count()),
        max_cached_keys_(
            std::max<size_t>(1, max_cached_keys / std::max<size_t>(1, store->family_count()))) {}

  Status Put(FamilyId family, std::string_view key, std::string_view value) override {
    if (family >= families_.size()) return InvalidArgument("family", "no such column family");
    Write(families_[family], key).emplace(value);
    return Status::Ok();
  }

  Status Delete(FamilyId family, std::string_view key) override {
    if (family >= families_.size()) return InvalidArgument("family", "no such column family");
    Write(families_[family], key).reset();
    return Status::Ok();
  }

  Result<std::optional<std::string>> Get(FamilyId family, std::string_view key) override {
    if (family >= families_.size()) return InvalidArgument("family", "no such column family");
    auto& state = families_[family];
    if (auto it = state.entries.find(key); it != state.entries.end()) return it->second.value;
    std::string value;
    const rocksdb::Status s =
        store_->db()->Get(rocksdb::ReadOptions(), store_->family(family), key, &value);
    std::optional<std::string> found;
    if (!s.IsNotFound()) {
      TRAPPE_RETURN_IF_ERROR(FromRocks(s, "reading projection state"));
      found = std::move(value);
    }
    state.entries.emplace(std::string(key), Entry{found, false});
    return found;
  }

  Status Scan(FamilyId family, std::string_view prefix, const ScanFn& fn) override {
    if (family >= families_.size()) return InvalidArgument("family", "no such column family");
    auto& state = families_[family];
    if (!state.ordered) {
      state.ordered = true;
      for (auto* node : state.dirty) state.index.emplace(node->first, node);
    }
    std::unique_ptr<rocksdb::Iterator> it(
        store_->db()->NewIterator(rocksdb::ReadOptions(), store_->family(family)));
    it->Seek(prefix);
    auto over = state.index.lower_bound(prefix);
    while (true) {
      const bool from_db = it->Valid() && it->key().starts_with(prefix);
      const bool from_batch = over != state.index.end() && HasPrefix(over->first, prefix);
      if (!from_db && !from_batch) break;
      const int order = !from_db      ? 1
                        : !from_batch ? -1
                                      : it->key().ToStringView().compare(over->first);
      if (order < 0) {
        if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
        it->Next();
        continue;
      }
      if (order == 0) it->Next();  // the batch's write shadows the stored value
      const Node* node = over->second;
      ++over;
      if (node->second.value.has_value() && !fn(node->first, *node->second.value)) break;
    }
    return FromRocks(it->status(), "scanning projection state");
  }

  // Throws the batch's writes away.
  void Discard() {
    for (auto& state : families_) {
      for (auto* node : state.dirty) state.entries.erase(state.entries.find(node->first));
      EndBatch(state);
    }
  }

  // After a commit: the batch's writes are the committed values.
  void Committed() {
    for (auto& state : families_) {
      for (auto* node : state.dirty) node->second.dirty = false;
      EndBatch(state);
      if (state.entries.size() > max_cached_keys_) state.entries.clear();
    }
  }

  Status AppendTo(rocksdb::WriteBatch* batch) {
    for (size_t family = 0; family < families_.size(); ++family) {
      auto& dirty = families_[family].dirty;
      // Key order: memtable inserts in order are cheaper, and the batch is reproducible.
      std::sort(dirty.begin(), dirty.end(),
                [](const Node* a, const Node* b) { return a->first < b->first; });
      auto* handle = store_->family(family);
      for (const auto* node : dirty) {
        const auto& value = node->second.value;
        const rocksdb::Status s = value.has_value() ? batch->Put(handle, node->first, *value)
                                                    : batch->Delete(handle, node->first);
        TRAPPE_RETURN_IF_ERROR(FromRocks(s, "building write batch"));
      }
    }
    return Status::Ok();
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct Entry {
    std::optional<std::string> value;
    bool dirty = false;  // written by the batch being built
  };
  using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;
  using Node = Map::value_type;  // nodes do not move when the map rehashes
  struct FamilyState {
    Map entries;
    std::vector<Node*> dirty;
    bool ordered = false;                     // scanned in this batch: keep `index`
    std::map<std::string_view, Node*> index;  // the dirty entries, by key
  };

  // Forgets which entries the batch wrote, and their order (kept only for the batch).
  static void EndBatch(FamilyState& state) {
    state.dirty.clear();
    state.index.clear();
    state.ordered = false;
  }

  // The value slot of `key`, marked as written by this batch.
  std::optional<std::string>& Write(FamilyState& state, std::string_view key) {
    auto it = state.entries.find(key);
    if (it == state.entries.end()) it = state.entries.emplace(std::string(key), Entry()).first;
    Node* node = &*it;
    if (!node->second.dirty) {
      node->second.dirty = true;
      state.dirty.push_back(node);
      if (state.ordered) state.index.emplace(node->first, node);
    }
    return node->second.value;
  }

  Store* store_;
  std::vector<FamilyState> families_;
  size_t max_cached_keys_;
};

Applier::Applier(std::shared_ptr<Store> store, const Projection& projection, Options options)
    : store_(std::move(store)),
      projection_(projection),
      options_(options),
      overlay_(std::make_unique<Overlay>(store_.get(), options.max_cached_keys)),
      envelope_(std::make_unique<events::v1::EventEnvelope>()) {}

Applier::~Applier() = default;

Result<std::shared_ptr<Applier>> Applier::Create(std::shared_ptr<Store> store,
                                                 const Projection& projection,
                                                 eventlog::EventLog* log,
                                                 const std::vector<std::string>& topics,
                                                 Options options) {
  std::shared_ptr<Applier> applier(new Applier(std::move(store), projection, options));
  TRAPPE_ASSIGN_OR_RETURN(auto stored, applier->store_->ReadCheckpoints(nullptr));
  for (const auto& topic : topics) {
    TRAPPE_ASSIGN_OR_RETURN(const int32_t partitions, log->PartitionCount(topic));
    applier->topics_.push_back(topic);
    applier->topic_first_slot_.push_back(applier->committed_.size());
    for (int32_t partition = 0; partition < partitions; ++partition) {
      int64_t next = 0;
      for (const auto& checkpoint : stored) {
        if (checkpoint.topic == topic && checkpoint.partition == partition) {
          next = checkpoint.offset;
        }
      }
      applier->committed_.push_back({topic, partition, next});
    }
  }
  for (const auto& checkpoint : applier->committed_) {
    applier->pending_.push_back(checkpoint.offset);
  }
  TRAPPE_ASSIGN_OR_RETURN(applier->subscription_, log->Subscribe(applier->committed_));
  return applier;
}

Result<std::vector<eventlog::StoredRecord>> Applier::Poll(std::chrono::milliseconds timeout) {
  return subscription_->Poll(options_.max_batch_records, timeout);
}

void Applier::Wake() { subscription_->Wake(); }

bool Applier::Reached(const std::vector<eventlog::TopicPartitionOffset>& targets) const {
  for (const auto& target : targets) {
    const int slot = Slot({target.topic, target.partition, target.offset});
    if (slot < 0 || committed_[static_cast<size_t>(slot)].offset < target.offset) return false;
  }
  return true;
}

int Applier::Slot(const eventlog::Position& position) const {
  for (size_t i = 0; i < topics_.size(); ++i) {
    if (topics_[i] != position.topic) continue;
    const size_t end = i + 1 < topics_.size() ? topic_first_slot_[i + 1] : committed_.size();
    const size_t slot = topic_first_slot_[i] + static_cast<size_t>(position.partition);
    return position.partition >= 0 && slot < end ? static_cast<int>(slot) : -1;
  }
  return -1;
}

Status Applier::ApplyOne(const eventlog::StoredRecord& record, BatchOutcome* outcome) {
  const int slot = Slot(record.position);
  if (slot < 0) {
    return Internal("record from a partition the projection did not subscribe to: " +
                    Describe(record.position));
  }
  int64_t& next = pending_[static_cast<size_t>(slot)];
  if (record.position.offset < next) return Status::Ok();  // delivered again: already applied
  if (record.position.offset > next) {
    return DataLoss("gap in the log at " + Describe(record.position) + ": expected offset " +
                    std::to_string(next));
  }

  std::optional<BadRecordKind> bad;
  if (!envelope_->ParseFromString(record.value)) {
    bad = BadRecordKind::kUndecodable;
  } else if (envelope_->payload_case() == events::v1::EventEnvelope::PAYLOAD_NOT_SET) {
    bad = BadRecordKind::kUnknownEvent;
  }
  if (bad.has_value()) {
    if (projection_.OnBadRecord(*bad, record) == BadRecordAction::kStop) {
      const std::string message = "projection " + projection_.Name() + " cannot skip the " +
                                  std::string(BadRecordKindName(*bad)) + " record at " +
                                  Describe(record.position);
      return *bad == BadRecordKind::kUndecodable ? DataLoss(message) : FailedPrecondition(message);
    }
    ++(*bad == BadRecordKind::kUndecodable ? outcome->undecodable_skipped
                                           : outcome->unknown_skipped);
    skips_.push_back({*bad, record.position});
    next = record.position.offset + 1;
    return Status::Ok();
  }

  const Status applied = projection_.Apply(Event{record, *envelope_}, *overlay_);
  if (!applied.ok()) {
    return applied.WithContext("projection " + projection_.Name() + " applying " +
                               Describe(record.position) + " (event " + envelope_->event_id() +
                               ")");
  }
  ++outcome->applied;
  next = record.position.offset + 1;
  return Status::Ok();
}

BatchOutcome Applier::ApplyAndCommit(const std::vector<eventlog::StoredRecord>& records) {
  auto reset = [this](BatchOutcome* outcome) {
    *outcome = BatchOutcome();
    overlay_->Discard();
    skips_.clear();
    for (size_t slot = 0; slot < committed_.size(); ++slot)
      pending_[slot] = committed_[slot].offset;
  };
  BatchOutcome outcome;
  reset(&outcome);
  size_t stopped_at = 0;
  Status stop;
  for (; stopped_at < records.size(); ++stopped_at) {
    stop = ApplyOne(records[stopped_at], &outcome);
    if (!stop.ok()) break;
  }
  if (!stop.ok()) {
    // The failing record may have written part of its changes into the overlay. Throw the
    // whole batch away and apply again only the records before it: Apply is a function of
    // the event and the state, so this gives exactly the state after the previous record.
    reset(&outcome);
    for (size_t i = 0; i < stopped_at; ++i) {
      Status again = ApplyOne(records[i], &outcome);
      if (!again.ok()) {
        reset(&outcome);
        outcome.status = std::move(again);
        return outcome;
      }
    }
  }
  bool advanced = false;
  for (size_t slot = 0; slot < committed_.size(); ++slot) {
    advanced = advanced || pending_[slot] != committed_[slot].offset;
  }
  if (advanced) {
    Status committed = Commit();
    if (!committed.ok()) {
      reset(&outcome);
      outcome.status = std::move(committed);
      return outcome;
    }
    outcome.committed = true;
    overlay_->Committed();
    for (const auto& skip : skips_) {
      log::Warn("projection.record_skipped", {{"projection", projection_.Name()},
                                              {"kind", BadRecordKindName(skip.kind)},
                                              {"topic", skip.position.topic},
                                              {"partition", skip.position.partition},
                                              {"offset", skip.position.offset}});
    }
  }
  if (!outcome.committed) overlay_->Discard();
  skips_.clear();
  outcome.status = std::move(stop);
  return outcome;
}

Status Applier::Commit() {
  rocksdb::WriteBatch batch;
  TRAPPE_RETURN_IF_ERROR(overlay_->AppendTo(&batch));
  for (size_t slot = 0; slot < committed_.size(); ++slot) {
    if (pending_[slot] == committed_[slot].offset) continue;
    TRAPPE_RETURN_IF_ERROR(FromRocks(
        batch.Put(store_->meta(), CheckpointKey(committed_[slot].topic, committed_[slot].partition),
                  EncodeInt64(pending_[slot])),
        "building write batch"));
  }
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  write.disableWAL = options_.disable_wal;
  TRAPPE_RETURN_IF_ERROR(
      FromRocks(store_->db()->Write(write, &batch), "committing projection batch"));
  for (size_t slot = 0; slot < committed_.size(); ++slot) committed_[slot].offset = pending_[slot];
  return Status::Ok();
}

}  // namespace trappe::projection::internal
