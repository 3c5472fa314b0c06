#include "trappe/projection/testing/memory_log.h"

#include <random>

namespace trappe::projection::testing {

class MemorySubscription final : public eventlog::Subscription {
 public:
  MemorySubscription(MemoryEventLog* log, std::vector<eventlog::TopicPartitionOffset> from,
                     uint64_t seed, size_t max_run)
      : log_(log), cursors_(std::move(from)), random_(seed), max_run_(max_run) {}

  Result<std::vector<eventlog::StoredRecord>> Poll(size_t max_records,
                                                   std::chrono::milliseconds timeout) override {
    if (max_records == 0) return InvalidArgument("max_records", "must be at least 1");
    std::unique_lock lock(log_->mu_);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<size_t> ready;
    while (true) {
      if (log_->closed_) return Unavailable("log closed");
      if (woken_) {
        woken_ = false;
        return std::vector<eventlog::StoredRecord>();
      }
      ready = Ready();
      if (!ready.empty()) break;
      if (log_->appended_.wait_until(lock, deadline) == std::cv_status::timeout) {
        ready = Ready();
        if (ready.empty()) return std::vector<eventlog::StoredRecord>();
        break;
      }
    }
    std::vector<eventlog::StoredRecord> out;
    while (out.size() < max_records && !ready.empty()) {
      const size_t pick = ready[random_() % ready.size()];
      auto& cursor = cursors_[pick];
      const auto& records = Records(cursor);
      size_t run = 1 + random_() % max_run_;
      while (run-- > 0 && out.size() < max_records &&
             cursor.offset < static_cast<int64_t>(records.size())) {
        out.push_back(records[static_cast<size_t>(cursor.offset++)]);
      }
      ready = Ready();
    }
    return out;
  }

  void Wake() override {
    {
      std::lock_guard lock(log_->mu_);
      woken_ = true;
    }
    log_->appended_.notify_all();
  }

 private:
  const std::vector<eventlog::StoredRecord>& Records(
      const eventlog::TopicPartitionOffset& cursor) const {
    return (*log_->FindTopic(cursor.topic))[static_cast<size_t>(cursor.partition)];
  }
  std::vector<size_t> Ready() const {
    std::vector<size_t> ready;
    for (size_t i = 0; i < cursors_.size(); ++i) {
      if (cursors_[i].offset < static_cast<int64_t>(Records(cursors_[i]).size())) {
        ready.push_back(i);
      }
    }
    return ready;
  }

  MemoryEventLog* log_;
  std::vector<eventlog::TopicPartitionOffset> cursors_;
  std::mt19937_64 random_;
  size_t max_run_;
  bool woken_ = false;  // guarded by log_->mu_
};

MemoryEventLog::MemoryEventLog(std::vector<std::pair<std::string, int32_t>> topics, Options options)
    : options_(options) {
  if (options_.max_run == 0) options_.max_run = 1;
  for (auto& [name, partitions] : topics) {
    topics_[name] = Partitions(static_cast<size_t>(partitions));
  }
}

MemoryEventLog::~MemoryEventLog() = default;

MemoryEventLog::Partitions* MemoryEventLog::FindTopic(std::string_view topic) {
  auto it = topics_.find(topic);
  return it == topics_.end() ? nullptr : &it->second;
}

Result<std::vector<eventlog::Position>> MemoryEventLog::Append(
    std::string_view topic, std::vector<eventlog::Record> records) {
  std::vector<eventlog::Position> positions;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Unavailable("log closed");
    Partitions* partitions = FindTopic(topic);
    if (partitions == nullptr) return NotFound("no topic " + std::string(topic));
    for (auto& record : records) {
      const int32_t partition =
          eventlog::PartitionForKey(record.key, static_cast<int32_t>(partitions->size()));
      auto& log = (*partitions)[static_cast<size_t>(partition)];
      eventlog::Position position{std::string(topic), partition, static_cast<int64_t>(log.size())};
      log.push_back(
          {position, std::move(record.key), std::move(record.value), std::move(record.headers), 0});
      positions.push_back(std::move(position));
    }
  }
  appended_.notify_all();
  return positions;
}

Result<eventlog::Position> MemoryEventLog::AppendToPartition(std::string_view topic,
                                                             int32_t partition,
                                                             eventlog::Record record) {
  eventlog::Position position;
  {
    std::lock_guard lock(mu_);
    Partitions* partitions = FindTopic(topic);
    if (partitions == nullptr) return NotFound("no topic " + std::string(topic));
    if (partition < 0 || partition >= static_cast<int32_t>(partitions->size())) {
      return InvalidArgument("partition", "out of range");
    }
    auto& log = (*partitions)[static_cast<size_t>(partition)];
    position = {std::string(topic), partition, static_cast<int64_t>(log.size())};
    log.push_back(
        {position, std::move(record.key), std::move(record.value), std::move(record.headers), 0});
  }
  appended_.notify_all();
  return position;
}

Result<std::unique_ptr<eventlog::Subscription>> MemoryEventLog::Subscribe(
    std::vector<eventlog::TopicPartitionOffset> from) {
  std::lock_guard lock(mu_);
  if (closed_) return Unavailable("log closed");
  for (const auto& start : from) {
    Partitions* partitions = FindTopic(start.topic);
    if (partitions == nullptr) return NotFound("no topic " + start.topic);
    if (start.partition < 0 || start.partition >= static_cast<int32_t>(partitions->size()) ||
        start.offset < 0 ||
        start.offset >
            static_cast<int64_t>((*partitions)[static_cast<size_t>(start.partition)].size())) {
      return InvalidArgument("from", "partition or offset out of range");
    }
  }
  return std::unique_ptr<eventlog::Subscription>(std::make_unique<MemorySubscription>(
      this, std::move(from), options_.interleaving_seed, options_.max_run));
}

Result<int32_t> MemoryEventLog::PartitionCount(std::string_view topic) {
  std::lock_guard lock(mu_);
  Partitions* partitions = FindTopic(topic);
  if (partitions == nullptr) return NotFound("no topic " + std::string(topic));
  return static_cast<int32_t>(partitions->size());
}

Result<std::vector<int64_t>> MemoryEventLog::EndOffsets(std::string_view topic) {
  std::lock_guard lock(mu_);
  Partitions* partitions = FindTopic(topic);
  if (partitions == nullptr) return NotFound("no topic " + std::string(topic));
  std::vector<int64_t> ends;
  for (const auto& partition : *partitions) ends.push_back(static_cast<int64_t>(partition.size()));
  return ends;
}

void MemoryEventLog::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  appended_.notify_all();
}

void MemoryEventLog::SetInterleavingSeed(uint64_t seed) {
  std::lock_guard lock(mu_);
  options_.interleaving_seed = seed;
}

std::vector<eventlog::StoredRecord> MemoryEventLog::ReadAll(std::string_view topic) const {
  std::lock_guard lock(mu_);
  std::vector<eventlog::StoredRecord> out;
  auto it = topics_.find(topic);
  if (it == topics_.end()) return out;
  for (const auto& partition : it->second)
    out.insert(out.end(), partition.begin(), partition.end());
  return out;
}

}  // namespace trappe::projection::testing
