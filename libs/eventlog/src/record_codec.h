// The embedded backend's on-disk form of a record (the RocksDB value) and of its key.
//
// Key:   topic bytes, 0x00, partition (big-endian u32), offset (big-endian u64), so that
//        RocksDB's bytewise order is (topic, partition, offset) order.
// Value: format byte (1), varint append_time_ms, varint key length, key,
//        varint header count, per header (varint length, key, varint length, value),
//        then the record's value to the end.
// The format byte lets a later version change the layout and still read old records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::eventlog::internal {

inline constexpr char kRecordFormatV1 = 1;

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

// Decodes a stored value into `out` (key, value, headers, append time; not the position).
[[nodiscard]] Status DecodeRecordValue(std::string_view encoded, StoredRecord* out);

}  // namespace trappe::eventlog::internal
