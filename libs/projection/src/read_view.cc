#include "trappe/projection/read_view.h"

#include <algorithm>
#include <numeric>

#include "sha256.h"
#include "store.h"
#include "trappe/projection/keys.h"

namespace trappe::projection {

ReadView::ReadView(std::shared_ptr<internal::Store> store)
    : store_(std::move(store)), snapshot_(store_->db()->GetSnapshot()) {}

ReadView::~ReadView() { store_->db()->ReleaseSnapshot(snapshot_); }

const std::string& ReadView::StoreName() const { return store_->name(); }

Result<std::optional<std::string>> ReadView::Get(FamilyId family, std::string_view key) const {
  auto* handle = store_->family(family);
  if (handle == nullptr) return InvalidArgument("family", "no such column family");
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::string value;
  const rocksdb::Status s = store_->db()->Get(read, handle, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  TRAPPE_RETURN_IF_ERROR(internal::FromRocks(s, "reading projection"));
  return std::optional<std::string>(std::move(value));
}

Status ReadView::Scan(FamilyId family, std::string_view prefix, const ScanFn& fn) const {
  return Scan(family, prefix, prefix, fn);
}

Status ReadView::Scan(FamilyId family, std::string_view prefix, std::string_view from,
                      const ScanFn& fn) const {
  auto* handle = store_->family(family);
  if (handle == nullptr) return InvalidArgument("family", "no such column family");
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(read, handle));
  for (it->Seek(std::max(prefix, from)); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return internal::FromRocks(it->status(), "scanning projection");
}

Result<std::vector<eventlog::TopicPartitionOffset>> ReadView::Checkpoints() const {
  return store_->ReadCheckpoints(snapshot_);
}

Result<std::string> ReadView::Checksum() const {
  // Families in name order, so the checksum does not depend on how a projection lists them.
  std::vector<FamilyId> order(store_->family_count());
  std::iota(order.begin(), order.end(), FamilyId{0});
  const auto& names = store_->family_names();
  std::sort(order.begin(), order.end(),
            [&](FamilyId a, FamilyId b) { return names[a] < names[b]; });

  internal::Sha256 hash;
  std::string frame;
  auto add = [&](std::string_view bytes) {
    frame.clear();
    AppendInt64(&frame, static_cast<int64_t>(bytes.size()));
    hash.Update(frame);
    hash.Update(bytes);
  };
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  read.fill_cache = false;
  for (const FamilyId id : order) {
    add(names[id]);
    std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(read, store_->family(id)));
    int64_t entries = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      add(it->key().ToStringView());
      add(it->value().ToStringView());
      ++entries;
    }
    TRAPPE_RETURN_IF_ERROR(internal::FromRocks(it->status(), "checksumming projection"));
    // The entry count ends each family, so entries cannot slide from one family to the next.
    frame.clear();
    AppendInt64(&frame, entries);
    hash.Update(frame);
  }
  return hash.HexDigest();
}

}  // namespace trappe::projection
