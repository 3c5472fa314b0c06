// Small helpers for tests of EventLog backends.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::eventlog::testing {

// How long a test waits for records that must arrive; only a broken log takes this long.
inline constexpr std::chrono::seconds kPatience{30};

inline Record MakeRecord(std::string key, std::string value, std::vector<Header> headers = {}) {
  return Record{std::move(key), std::move(value), std::move(headers)};
}

// Polls until `count` records have arrived (or kPatience passed: DEADLINE_EXCEEDED).
inline Result<std::vector<StoredRecord>> PollUntil(Subscription& sub, size_t count) {
  std::vector<StoredRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (out.size() < count) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return DeadlineExceeded("got " + std::to_string(out.size()) + " of " +
                              std::to_string(count) + " records");
    }
    TRAPPE_ASSIGN_OR_RETURN(std::vector<StoredRecord> got,
                            sub.Poll(count - out.size(), std::chrono::seconds(1)));
    for (StoredRecord& r : got) out.push_back(std::move(r));
  }
  return out;
}

// Every record of `topic` from offset 0 to its end offsets at the time of the call.
inline Result<std::vector<StoredRecord>> ReadAll(EventLog& log, std::string_view topic) {
  TRAPPE_ASSIGN_OR_RETURN(std::vector<int64_t> ends, log.EndOffsets(topic));
  std::vector<TopicPartitionOffset> from;
  size_t total = 0;
  for (size_t p = 0; p < ends.size(); ++p) {
    from.push_back({std::string(topic), static_cast<int32_t>(p), 0});
    total += static_cast<size_t>(ends[p]);
  }
  TRAPPE_ASSIGN_OR_RETURN(std::unique_ptr<Subscription> sub, log.Subscribe(std::move(from)));
  return PollUntil(*sub, total);
}

inline void SortByPosition(std::vector<StoredRecord>* records) {
  std::sort(records->begin(), records->end(), [](const StoredRecord& a, const StoredRecord& b) {
    return std::tie(a.position.partition, a.position.offset) <
           std::tie(b.position.partition, b.position.offset);
  });
}

}  // namespace trappe::eventlog::testing
