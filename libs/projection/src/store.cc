#include "store.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <charconv>
#include <system_error>

#include "trappe/common/log.h"
#include "trappe/projection/keys.h"

namespace trappe::projection::internal {
namespace {

constexpr std::string_view kCheckpointPrefix = "checkpoint/";

rocksdb::ColumnFamilyOptions FamilyOptions() {
  rocksdb::ColumnFamilyOptions options;
  // Small memtables: a projection rewrites the same keys over and over, and each skiplist
  // insert gets slower as versions pile up in a memtable (replaying with 4 MiB took about
  // 1/1.6 of the CPU time of 16 MiB, 1/1.8 of 64 MiB). Reads rarely reach RocksDB (the apply
  // cache).
  options.write_buffer_size = 4 << 20;
  options.max_write_buffer_number = 4;  // room to keep writing while one flushes
  // Level 1 about the size of level 0 (4 memtables of 4 MiB before a compaction), as
  // RocksDB's tuning guide advises: each L0->L1 compaction merges its files with all of
  // L1 (a projection's keys are spread over the key space), so RocksDB's default of 256 MiB
  // made that merge grow with the store, up to 16 times the data coming in. Measured on a
  // minute of sustained cases load (docs/cases.md): +6% commands/s on average.
  options.max_bytes_for_level_base = 32 << 20;
  options.target_file_size_base = 8 << 20;
  // A bloom filter in each memtable as in the table files: a command's lookups are often
  // of keys that do not exist yet (a new request id, a new child), and without it such a
  // lookup searches the skiplist of every memtable not yet flushed.
  options.memtable_prefix_bloom_size_ratio = 0.05;
  options.memtable_whole_key_filtering = true;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return options;
}

}  // namespace

std::string CheckpointKey(std::string_view topic, int32_t partition) {
  std::string key(kCheckpointPrefix);
  key += topic;
  key += '/';
  key += std::to_string(partition);
  return key;
}

Status FromRocks(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return Status::Ok();
  std::string message = std::string(what) + ": " + status.ToString();
  if (status.IsCorruption()) return DataLoss(std::move(message));
  if (status.IsNotFound()) return NotFound(std::move(message));
  if (status.IsBusy() || status.IsTryAgain() || status.IsTimedOut()) {
    return Unavailable(std::move(message));
  }
  return Internal(std::move(message));
}

Result<std::shared_ptr<Store>> Store::Open(const std::filesystem::path& path,
                                           std::vector<std::string> families) {
  std::shared_ptr<Store> store(new Store());
  store->path_ = path;
  store->name_ = path.filename().string();
  store->families_ = std::move(families);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // A rebuild writes without the WAL and then flushes: every family must reach disk in
  // the same flush, or a crash could leave families from different points in the log.
  db_options.atomic_flush = true;
  db_options.max_background_jobs = 2;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.keep_log_file_num = 2;
  // Compactions read their input files in 2 MiB steps (RocksDB's default from 8.0 on; 7.x
  // reads block by block, a system call per 4 KiB).
  db_options.compaction_readahead_size = 2 << 20;

  // Open every family the store already has, too: a family the projection dropped must
  // still be named for RocksDB to open the database.
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, std::string(kMetaFamily)};
  names.insert(names.end(), store->families_.begin(), store->families_.end());
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, path.string(), &existing).ok()) {
    for (const auto& name : existing) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const auto& name : names) descriptors.emplace_back(name, FamilyOptions());

  rocksdb::DB* raw = nullptr;
  TRAPPE_RETURN_IF_ERROR(FromRocks(
      rocksdb::DB::Open(db_options, path.string(), descriptors, &store->all_handles_, &raw),
      "opening projection store " + path.string()));
  store->db_.reset(raw);
  store->meta_ = store->all_handles_[1];
  store->handles_.assign(
      store->all_handles_.begin() + 2,
      store->all_handles_.begin() + 2 + static_cast<std::ptrdiff_t>(store->families_.size()));
  return store;
}

Store::~Store() {
  if (db_ != nullptr) {
    for (auto* handle : all_handles_) db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  if (obsolete_) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) {
      log::Warn("projection.store_remove_failed",
                {{"store", path_.string()}, {"error", ec.message()}});
    }
  }
}

Result<std::vector<eventlog::TopicPartitionOffset>> Store::ReadCheckpoints(
    const rocksdb::Snapshot* snapshot) const {
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, meta_));
  std::vector<eventlog::TopicPartitionOffset> out;
  for (it->Seek(kCheckpointPrefix); it->Valid() && it->key().starts_with(kCheckpointPrefix);
       it->Next()) {
    const std::string_view key = it->key().ToStringView().substr(kCheckpointPrefix.size());
    const size_t slash = key.rfind('/');
    int32_t partition = 0;
    const auto digits = key.substr(slash == std::string_view::npos ? key.size() : slash + 1);
    const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
    const auto offset = DecodeInt64(it->value().ToStringView());
    if (slash == std::string_view::npos || parsed.ec != std::errc() || !offset) {
      return DataLoss("malformed checkpoint in " + path_.string() + ": " + it->key().ToString());
    }
    out.push_back({std::string(key.substr(0, slash)), partition, *offset});
  }
  TRAPPE_RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
  return out;
}

Result<std::optional<std::string>> Store::ReadMeta(std::string_view key) const {
  std::string value;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  TRAPPE_RETURN_IF_ERROR(FromRocks(s, "reading store metadata"));
  return std::optional<std::string>(std::move(value));
}

Status Store::WriteIdentity(std::string_view name, uint32_t version) {
  rocksdb::WriteBatch batch;
  TRAPPE_RETURN_IF_ERROR(FromRocks(batch.Put(meta_, kMetaProjectionName, name), "batch"));
  TRAPPE_RETURN_IF_ERROR(
      FromRocks(batch.Put(meta_, kMetaProjectionVersion, std::to_string(version)), "batch"));
  rocksdb::WriteOptions write;
  write.sync = true;
  return FromRocks(db_->Write(write, &batch), "writing store metadata");
}

Status Store::Flush() {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  return FromRocks(db_->Flush(flush, all_handles_), "flushing projection store");
}

}  // namespace trappe::projection::internal
