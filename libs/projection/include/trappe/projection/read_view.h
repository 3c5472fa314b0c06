// ReadView: a consistent, read-only snapshot of a projection's store for query handlers.
//
// A view is cheap to take (a RocksDB snapshot) and may be held across many reads; the
// engine keeps applying meanwhile and the view does not change. A view taken before a
// rebuild swap keeps the old store open until the view is released.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/projection/projection.h"

namespace rocksdb {
class Snapshot;
}  // namespace rocksdb

namespace trappe::projection {

namespace internal {
class Store;
}  // namespace internal

class ReadView {
 public:
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  [[nodiscard]] Result<std::optional<std::string>> Get(FamilyId family, std::string_view key) const;
  // Every key starting with `prefix`, in key order.
  [[nodiscard]] Status Scan(FamilyId family, std::string_view prefix, const ScanFn& fn) const;
  // The keys starting with `prefix` that are not below `from`, in key order: the tail of a
  // prefix whose keys sort by something (a date) after the prefix.
  [[nodiscard]] Status Scan(FamilyId family, std::string_view prefix, std::string_view from,
                            const ScanFn& fn) const;

  // For each consumed partition, the next offset to apply: every record below it is
  // reflected in this view.
  [[nodiscard]] Result<std::vector<eventlog::TopicPartitionOffset>> Checkpoints() const;

  // A SHA-256 (hex) over the projection's column families in name order, each key and
  // value in key order, length-prefixed; checkpoints are not part of it. Two stores with
  // the same content have the same checksum, however they were built.
  [[nodiscard]] Result<std::string> Checksum() const;

  // The store's directory name ("store-000002"): which generation this view reads.
  const std::string& StoreName() const;

  // Taken by the engine (Engine::Snapshot()); holds the store open while it lives.
  explicit ReadView(std::shared_ptr<internal::Store> store);

 private:
  std::shared_ptr<internal::Store> store_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace trappe::projection
