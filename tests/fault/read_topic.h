// Reading a whole topic back through the EventLog API, as the fault tests check what the log
// holds after the faults.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::fault {

// Every record of `topic`, from offset 0 up to the end offsets as of the call, in the order
// each partition holds them; DEADLINE_EXCEEDED when they are not all read within `timeout`.
inline Result<std::vector<eventlog::StoredRecord>> ReadWholeTopic(
    eventlog::EventLog& log, std::string_view topic,
    std::chrono::steady_clock::duration timeout = std::chrono::seconds(60)) {
  TRAPPE_ASSIGN_OR_RETURN(const std::vector<int64_t> ends, log.EndOffsets(topic));
  std::vector<eventlog::TopicPartitionOffset> from;
  int64_t total = 0;
  for (size_t p = 0; p < ends.size(); ++p) {
    from.push_back({std::string(topic), static_cast<int32_t>(p), 0});
    total += ends[p];
  }
  TRAPPE_ASSIGN_OR_RETURN(auto subscription, log.Subscribe(from));
  std::vector<eventlog::StoredRecord> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (static_cast<int64_t>(out.size()) < total) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return DeadlineExceeded("read " + std::to_string(out.size()) + " of " +
                              std::to_string(total) + " records of " + std::string(topic));
    }
    TRAPPE_ASSIGN_OR_RETURN(std::vector<eventlog::StoredRecord> records,
                            subscription->Poll(4096, std::chrono::seconds(1)));
    for (eventlog::StoredRecord& record : records) out.push_back(std::move(record));
  }
  return out;
}

}  // namespace trappe::fault
