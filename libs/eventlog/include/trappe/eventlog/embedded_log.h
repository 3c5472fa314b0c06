// The embedded backend: a durable, append-only log in RocksDB, for one process.
//
//   EmbeddedLogOptions options;
//   options.directory = "/var/lib/trappe/log";
//   TRAPPE_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenEmbeddedLog(options));
//
// Records live under the key (topic, partition, big-endian offset). Every append is in
// the write-ahead log and fsynced before Append returns; concurrent appenders share one
// fsync (group commit). Subscribers in the same process are woken by appends.
// A second process (or a second open in this one) on the same directory gets
// FAILED_PRECONDITION: the directory is locked while a log is open on it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trappe/common/clock.h"
#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::eventlog {

inline constexpr int32_t kDefaultPartitionCount = 8;

struct TopicConfig {
  std::string name;
  int32_t partitions = kDefaultPartitionCount;
};

// Trappe's two topics, each with `partitions` partitions.
std::vector<TopicConfig> DefaultTopics(int32_t partitions = kDefaultPartitionCount);

struct EmbeddedLogOptions {
  // Created if missing (with its parents).
  std::string directory;

  // Topics to create when they do not exist yet. A topic that exists keeps the partition
  // count it was created with (a different count here is logged and ignored: changing it
  // would move keys to other partitions). Topics that exist but are not listed stay
  // usable.
  std::vector<TopicConfig> topics = DefaultTopics();

  // fsync every group commit. Only throwaway logs (some tests) may turn this off: a
  // machine crash can then lose acknowledged records.
  bool sync = true;

  // Stamps StoredRecord::append_time_ms; the system clock when null. Not owned.
  const Clock* clock = nullptr;

  // RocksDB memtable size; larger means fewer, larger flushes of an append-only log.
  size_t write_buffer_bytes = size_t{64} << 20;
  // RocksDB block cache for reads of flushed records.
  size_t block_cache_bytes = size_t{64} << 20;
  // A group commit takes queued appends until it holds about this many bytes.
  size_t max_group_bytes = size_t{16} << 20;
  // The longest a group-commit leader waits for appends to queue when fewer are queued
  // than its previous group had (with sync only; the wait is also at most half the last
  // write's time). It keeps a steady set of appenders together in one fsync instead of
  // alternating halves. 0: take the queue at once.
  std::chrono::microseconds group_commit_window{1000};
  // With sync: written, synced zeros kept ahead of the write-ahead log's end by a
  // background thread, so that a commit's fdatasync overwrites blocks the file already has
  // instead of growing it (docs/eventlog.md). 0 turns it off; otherwise at least 64 KiB.
  uint64_t wal_zero_ahead_bytes = uint64_t{4} << 20;
};

[[nodiscard]] Result<std::unique_ptr<EventLog>> OpenEmbeddedLog(EmbeddedLogOptions options);

}  // namespace trappe::eventlog
