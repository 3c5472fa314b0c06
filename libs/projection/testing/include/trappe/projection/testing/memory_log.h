// MemoryEventLog: an in-memory EventLog for projection tests and benchmarks.
//
// Unlike a real backend it delivers a subscription's partitions in a scripted, seeded
// interleaving (runs of random length from randomly chosen partitions), so a test can
// feed one log to several projections in different orders. Within a partition, order is
// kept, as every backend guarantees. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "trappe/eventlog/event_log.h"

namespace trappe::projection::testing {

class MemoryEventLog final : public eventlog::EventLog {
 public:
  struct Options {
    uint64_t interleaving_seed = 1;
    size_t max_run = 16;  // records taken from one partition before choosing again
  };

  // `topics`: name and partition count of each topic.
  explicit MemoryEventLog(std::vector<std::pair<std::string, int32_t>> topics)
      : MemoryEventLog(std::move(topics), Options()) {}
  MemoryEventLog(std::vector<std::pair<std::string, int32_t>> topics, Options options);
  ~MemoryEventLog() override;

  Result<std::vector<eventlog::Position>> Append(std::string_view topic,
                                                 std::vector<eventlog::Record> records) override;
  // Appends to a chosen partition, whatever the key (e.g. bytes that are no envelope).
  Result<eventlog::Position> AppendToPartition(std::string_view topic, int32_t partition,
                                               eventlog::Record record);
  Result<std::unique_ptr<eventlog::Subscription>> Subscribe(
      std::vector<eventlog::TopicPartitionOffset> from) override;
  Result<int32_t> PartitionCount(std::string_view topic) override;
  Result<std::vector<int64_t>> EndOffsets(std::string_view topic) override;
  void Close() override;

  // Subscriptions made from now on interleave partitions by this seed.
  void SetInterleavingSeed(uint64_t seed);
  // Every record of `topic`, partition by partition.
  std::vector<eventlog::StoredRecord> ReadAll(std::string_view topic) const;

 private:
  friend class MemorySubscription;
  using Partitions = std::vector<std::vector<eventlog::StoredRecord>>;

  Partitions* FindTopic(std::string_view topic);

  mutable std::mutex mu_;
  std::condition_variable appended_;  // notified on append, wake and close
  std::map<std::string, Partitions, std::less<>> topics_;
  Options options_;
  bool closed_ = false;
};

}  // namespace trappe::projection::testing
