// Store: one RocksDB instance holding a projection's column families plus `meta`.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/projection/projection.h"

namespace trappe::projection::internal {

inline constexpr std::string_view kMetaFamily = "meta";
// Meta keys besides the checkpoints.
inline constexpr std::string_view kMetaProjectionName = "projection/name";
inline constexpr std::string_view kMetaProjectionVersion = "projection/version";

// "checkpoint/<topic>/<partition>" -> EncodeInt64(next offset to apply)
std::string CheckpointKey(std::string_view topic, int32_t partition);

Status FromRocks(const rocksdb::Status& status, std::string_view what);

class Store {
 public:
  // Opens the store at `path`, creating it and any missing column family.
  [[nodiscard]] static Result<std::shared_ptr<Store>> Open(const std::filesystem::path& path,
                                                           std::vector<std::string> families);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  size_t family_count() const { return families_.size(); }
  const std::vector<std::string>& family_names() const { return families_; }
  // nullptr when `id` is out of range.
  rocksdb::ColumnFamilyHandle* family(FamilyId id) const {
    return id < families_.size() ? handles_[id] : nullptr;
  }
  rocksdb::ColumnFamilyHandle* meta() const { return meta_; }
  // The directory's name ("store-000001").
  const std::string& name() const { return name_; }
  const std::filesystem::path& path() const { return path_; }

  // Every checkpoint, as seen by `snapshot` (nullptr: the latest).
  [[nodiscard]] Result<std::vector<eventlog::TopicPartitionOffset>> ReadCheckpoints(
      const rocksdb::Snapshot* snapshot) const;
  [[nodiscard]] Result<std::optional<std::string>> ReadMeta(std::string_view key) const;
  // Writes the projection's name and version (synced).
  [[nodiscard]] Status WriteIdentity(std::string_view name, uint32_t version);
  // Writes every column family's memtable to SST files, atomically across families.
  [[nodiscard]] Status Flush();

  // The directory is deleted once the last user of the store lets go.
  void MarkObsolete() { obsolete_ = true; }

 private:
  Store() = default;

  std::filesystem::path path_;
  std::string name_;
  std::vector<std::string> families_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // projection families, by FamilyId
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> all_handles_;  // everything opened, to close
  std::atomic<bool> obsolete_{false};
};

}  // namespace trappe::projection::internal
