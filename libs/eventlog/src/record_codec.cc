#include "record_codec.h"

#include <cstring>

namespace trappe::eventlog::internal {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, static_cast<size_t>(n));
}

void PutBytes(std::string* out, std::string_view bytes) {
  PutVarint(out, bytes.size());
  out->append(bytes);
}

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (in_.empty()) return false;
      const auto byte = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }

  bool Bytes(std::string* out) {
    uint64_t n = 0;
    if (!Varint(&n) || n > in_.size()) return false;
    out->assign(in_.data(), static_cast<size_t>(n));
    in_.remove_prefix(static_cast<size_t>(n));
    return true;
  }

  bool Byte(char* c) {
    if (in_.empty()) return false;
    *c = in_.front();
    in_.remove_prefix(1);
    return true;
  }

  bool Slice(size_t n, std::string_view* out) {
    if (n > in_.size()) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }

  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

}  // namespace

std::string TopicKeyPrefix(std::string_view topic) {
  std::string prefix(topic);
  prefix.push_back('\0');
  return prefix;
}

void AppendRecordKey(std::string* out, std::string_view topic_prefix, int32_t partition,
                     int64_t offset) {
  out->append(topic_prefix);
  PutBigEndian(out, static_cast<uint32_t>(partition), 4);
  PutBigEndian(out, static_cast<uint64_t>(offset), 8);
}

std::string RecordKey(std::string_view topic_prefix, int32_t partition, int64_t offset) {
  std::string key;
  key.reserve(topic_prefix.size() + 12);
  AppendRecordKey(&key, topic_prefix, partition, offset);
  return key;
}

int64_t OffsetOfRecordKey(std::string_view key) {
  uint64_t v = 0;
  if (key.size() < 8) return -1;
  for (size_t i = key.size() - 8; i < key.size(); ++i) {
    v = (v << 8) | static_cast<unsigned char>(key[i]);
  }
  return static_cast<int64_t>(v);
}

void EncodeRecordValue(const Record& record, int64_t append_time_ms, std::string* out) {
  size_t size = 1 + 10 + 5 + record.key.size() + 5 + record.value.size();
  for (const Header& h : record.headers) size += 10 + h.key.size() + h.value.size();
  out->reserve(out->size() + size);
  out->push_back(kRecordFormatV1);
  PutVarint(out, static_cast<uint64_t>(append_time_ms));
  PutBytes(out, record.key);
  PutVarint(out, record.headers.size());
  for (const Header& h : record.headers) {
    PutBytes(out, h.key);
    PutBytes(out, h.value);
  }
  out->append(record.value);
}

Status DecodeRecordValue(std::string_view encoded, StoredRecord* out) {
  Reader r(encoded);
  char format = 0;
  if (!r.Byte(&format)) return DataLoss("empty record");
  if (format != kRecordFormatV1) {
    return DataLoss("unknown record format " + std::to_string(static_cast<int>(format)));
  }
  uint64_t time_ms = 0;
  uint64_t header_count = 0;
  if (!r.Varint(&time_ms) || !r.Bytes(&out->key) || !r.Varint(&header_count)) {
    return DataLoss("truncated record");
  }
  if (header_count > encoded.size()) return DataLoss("corrupt header count");
  out->append_time_ms = static_cast<int64_t>(time_ms);
  out->headers.resize(static_cast<size_t>(header_count));
  for (Header& h : out->headers) {
    if (!r.Bytes(&h.key) || !r.Bytes(&h.value)) return DataLoss("truncated record header");
  }
  out->value.assign(r.rest());
  return Status::Ok();
}

void AppendRunHeader(std::string* out, uint64_t count) {
  out->push_back(kRecordRunFormat);
  PutVarint(out, count);
}

void AppendRunEntryLength(std::string* out, size_t length) { PutVarint(out, length); }

Result<StoredRecords> StoredRecords::Open(std::string_view value) {
  if (value.empty()) return DataLoss("empty record");
  switch (value.front()) {
    case kRecordFormatV1: return StoredRecords(value, 1, /*single=*/true);
    case kRecordRunFormat: {
      Reader r(value.substr(1));
      uint64_t count = 0;
      // Every record takes at least two bytes (its length and its format byte).
      if (!r.Varint(&count) || count == 0 || count > value.size() / 2) {
        return DataLoss("corrupt record run header");
      }
      return StoredRecords(r.rest(), count, /*single=*/false);
    }
    default:
      return DataLoss("unknown record format " + std::to_string(static_cast<int>(value.front())));
  }
}

Result<std::string_view> StoredRecords::Next() {
  if (done()) return DataLoss("read past the end of a record run");
  ++taken_;
  if (single_) return rest_;
  Reader r(rest_);
  uint64_t length = 0;
  std::string_view record;
  if (!r.Varint(&length) || !r.Slice(static_cast<size_t>(length), &record)) {
    return DataLoss("truncated record run");
  }
  rest_ = r.rest();
  if (done() && !rest_.empty()) return DataLoss("bytes after the last record of a run");
  return record;
}

}  // namespace trappe::eventlog::internal
