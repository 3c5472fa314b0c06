// The embedded backend's on-disk form of records (the RocksDB values) and of their keys.
//
// Key:   topic bytes, 0x00, partition (big-endian u32), offset (big-endian u64), so that
//        RocksDB's bytewise order is (topic, partition, offset) order. The offset is that
//        of the value's first record.
// Value, one of two formats, told apart by the first byte:
//   1 (a single record; the only format written until the log's format 2):
//        varint append_time_ms, varint key length, key, varint header count, per header
//        (varint length, key, varint length, value), then the record's value to the end.
//   2 (a run of records at consecutive offsets, the first at the key's offset, as Kafka
//        stores a record batch): varint count (>= 1), then per record its length (varint)
//        and its format-1 encoding.
// A group commit writes each partition's records as runs, so the memtable inserts a few
// values per commit instead of a key per record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::eventlog::internal {

inline constexpr char kRecordFormatV1 = 1;
inline constexpr char kRecordRunFormat = 2;
// A run's records take at most this many bytes, or it holds a single record: a read that
// starts inside a run skips at most this much.
inline constexpr size_t kMaxRunBytes = 128 << 10;

// Topic prefix of every key of `topic`'s records ("topic\0").
std::string TopicKeyPrefix(std::string_view topic);
// Appends the partition and offset to a copy of `topic_prefix`.
std::string RecordKey(std::string_view topic_prefix, int32_t partition, int64_t offset);
void AppendRecordKey(std::string* out, std::string_view topic_prefix, int32_t partition,
                     int64_t offset);
// Reads the offset from the last 8 bytes of a record key.
int64_t OffsetOfRecordKey(std::string_view key);

// Appends the encoded value of `record` to `out`.
void EncodeRecordValue(const Record& record, int64_t append_time_ms, std::string* out);

// Decodes a format-1 record into `out` (key, value, headers, append time; not the position).
[[nodiscard]] Status DecodeRecordValue(std::string_view encoded, StoredRecord* out);

// The header of a run of `count` records (format byte, count); each record follows as
// AppendRunEntryLength then its format-1 encoding.
void AppendRunHeader(std::string* out, uint64_t count);
void AppendRunEntryLength(std::string* out, size_t length);

// The records of one stored value, of either format, in offset order. Reads the value in
// place: the value must outlive the reader and the views it returns.
class StoredRecords {
 public:
  // DATA_LOSS when the value is empty, of an unknown format or its run header is broken.
  [[nodiscard]] static Result<StoredRecords> Open(std::string_view value);

  uint64_t count() const { return count_; }
  bool done() const { return taken_ == count_; }
  // The next record's format-1 encoding. DATA_LOSS when the value ends early.
  [[nodiscard]] Result<std::string_view> Next();

 private:
  StoredRecords(std::string_view rest, uint64_t count, bool single)
      : rest_(rest), count_(count), single_(single) {}

  std::string_view rest_;
  uint64_t count_ = 0;
  uint64_t taken_ = 0;
  bool single_ = false;
};

}  // namespace trappe::eventlog::internal
