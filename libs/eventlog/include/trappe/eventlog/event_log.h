// EventLog: the one interface every Trappe service sees for the shared event log.
//
// Two backends implement it (DESIGN.md section 2): an embedded, durable log in RocksDB
// for the single-process server, and Apache Kafka through librdkafka for distributed
// deployments. Both pass one conformance suite (tests/libs/eventlog), so a service cannot
// tell them apart.
//
// Guarantees, for both backends:
//  - A record's partition is chosen from its key with Kafka's default partitioner
//    (murmur2), so a key lands on the same partition number in both backends.
//  - Offsets within a partition are dense (0, 1, 2, ...) and records are read back in the
//    order they were appended.
//  - Append returns only when every record is durable (embedded: in the fsynced WAL;
//    Kafka: acknowledged by all in-sync replicas), with each record's position. A failure
//    is returned to the caller; it is never dropped.
//  - A reader never sees a record before it is durable, and never sees offset N+1 of a
//    partition before offset N.
//
// Errors (every call returns a Status or Result, nothing throws):
//  - INVALID_ARGUMENT: an empty or malformed topic name, a partition outside the topic,
//    a start offset beyond the partition's end, max_records == 0. The message names it.
//  - NOT_FOUND: the topic does not exist (topics are created by configuration/deployment,
//    never implicitly by an append).
//  - UNAVAILABLE: the log is closed, the broker cannot be reached within the configured
//    timeout, or a durable write failed (nothing is reported as written then).
//  - DATA_LOSS: a stored record cannot be decoded, or records a reader needs are gone.
//
// Opening a log: embedded_log.h (RocksDB), kafka_log.h (librdkafka), or open.h for a
// URL such as "embedded:///var/lib/trappe/log" or "kafka://host:9092,host:9092?...".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/status.h"

namespace trappe::eventlog {

// The two topics of DESIGN.md section 2.
inline constexpr std::string_view kCaseEventsTopic = "trappe.case-events.v1";
inline constexpr std::string_view kOrgEventsTopic = "trappe.org-events.v1";

struct Header {
  std::string key;
  std::string value;
  friend bool operator==(const Header&, const Header&) = default;
};

// A record to append.
struct Record {
  std::string key;    // "<tenant>/<aggregate id>"; decides the partition
  std::string value;  // a serialised trappe.events.v1.EventEnvelope
  std::vector<Header> headers;
};

struct Position {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  friend bool operator==(const Position&, const Position&) = default;
};

// Where a subscription starts reading: the first offset it will return.
struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// A record read back from the log.
struct StoredRecord {
  Position position;
  std::string key;
  std::string value;
  std::vector<Header> headers;
  int64_t append_time_ms = 0;  // when the log stored it (informational only)
};

// Reads records from a fixed set of partitions, each from its own start offset.
// Not thread-safe, except Wake(). A subscription may outlive Close() of its log; its Poll
// then fails with UNAVAILABLE.
class Subscription {
 public:
  virtual ~Subscription() = default;

  // Waits up to `timeout` until at least one record is available, then returns up to
  // `max_records` of them, in offset order within each partition. An empty vector
  // means nothing arrived in time. Records are never skipped or repeated.
  [[nodiscard]] virtual Result<std::vector<StoredRecord>> Poll(
      size_t max_records, std::chrono::milliseconds timeout) = 0;

  // Makes a Poll blocked in another thread return early (empty) - for shutdown. A Wake
  // while no Poll is blocked makes the next Poll return at once (it is never lost).
  virtual void Wake() = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  // Appends `records` to `topic` and returns the position of each, in the same order.
  // Records with the same key keep their relative order. Safe to call from many threads;
  // concurrent appends share durable writes (group commit). On failure no position is
  // returned. The embedded backend writes a batch all or nothing; the Kafka backend can
  // have written a prefix of a failed batch (records are then readable, so writers make
  // their records idempotent, e.g. by event_id and aggregate version).
  [[nodiscard]] virtual Result<std::vector<Position>> Append(std::string_view topic,
                                                             std::vector<Record> records) = 0;

  // Reads the given partitions, each from its offset (0 = the beginning, EndOffsets() =
  // only records appended from now on). Each partition may appear once.
  [[nodiscard]] virtual Result<std::unique_ptr<Subscription>> Subscribe(
      std::vector<TopicPartitionOffset> from) = 0;

  // The topic's partition count. It never changes for the life of the log.
  [[nodiscard]] virtual Result<int32_t> PartitionCount(std::string_view topic) = 0;

  // For each partition of `topic` (index = partition), the offset the next appended record
  // will get: the "high watermark". A partition is fully read when its subscriber's next
  // offset equals this.
  [[nodiscard]] virtual Result<std::vector<int64_t>> EndOffsets(std::string_view topic) = 0;

  // Writes a consistent copy of the whole log, while it is in use, into `directory` (a
  // path that must not exist yet; it is created): a log opened on the copy holds, in every
  // partition, the records appended before the call and possibly some appended during
  // it, always a prefix without gaps. The embedded backend copies its RocksDB files (hard
  // links where `directory` is on the same file system). Errors: ALREADY_EXISTS when
  // `directory` exists, UNAVAILABLE when the copy cannot be written (nothing is left
  // behind), UNIMPLEMENTED for a log that is not this process's to copy (Kafka: the
  // cluster keeps and backs up its own replicas).
  [[nodiscard]] virtual Status Backup(const std::string& directory);

  // Flushes and releases resources; further calls fail with UNAVAILABLE.
  virtual void Close() = 0;
};

// True when a failed Append may nevertheless have stored some of its records: the Kafka
// backend sent them but the broker's answer never came (a timed-out request). A writer then
// learns the truth from the log itself (read to its end). Every other failed Append wrote
// nothing.
bool AppendMayHaveWritten(const Status& status);

// The phrase that marks such a failure in the status message.
inline constexpr std::string_view kMayHaveWrittenMarker = "the log may have stored records of this append";

// Kafka's default partitioner: murmur2 of the key (seed 0x9747b28c), sign bit masked,
// modulo the partition count. Identical to the Java client and librdkafka's
// "murmur2_random" for non-empty keys. `partition_count` must be positive.
int32_t PartitionForKey(std::string_view key, int32_t partition_count);

// Kafka's 32-bit murmur2 hash (as org.apache.kafka.common.utils.Utils.murmur2).
uint32_t Murmur2(std::string_view data);

// OK when `topic` is a legal topic name (Kafka's rule: 1 to 249 characters from
// [a-zA-Z0-9._-], not "." or ".."); otherwise INVALID_ARGUMENT naming it.
[[nodiscard]] Status ValidateTopicName(std::string_view topic);

}  // namespace trappe::eventlog
