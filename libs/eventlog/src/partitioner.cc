// Kafka's default partitioner and topic-name rule, shared by both backends.
#include <cstdint>
#include <string>
#include <string_view>

#include "trappe/eventlog/event_log.h"

namespace trappe::eventlog {

uint32_t Murmur2(std::string_view data) {
  // A transcription of org.apache.kafka.common.utils.Utils.murmur2, with Java's signed
  // int arithmetic done on uint32_t (same bits, no undefined overflow).
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  const size_t length = data.size();

  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  const size_t whole_words = length / 4;
  for (size_t i = 0; i < whole_words; ++i) {
    const unsigned char* p = bytes + i * 4;
    uint32_t k = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                 (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const unsigned char* tail = bytes + (length & ~size_t{3});
  switch (length % 4) {
    case 3:
      h ^= static_cast<uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint32_t>(tail[0]);
      h *= kM;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return h;
}

int32_t PartitionForKey(std::string_view key, int32_t partition_count) {
  if (partition_count <= 0) return 0;  // precondition broken; never index out of range
  // Kafka's Utils.toPositive: mask the sign bit (not abs(), which overflows on INT_MIN).
  const uint32_t positive = Murmur2(key) & 0x7fffffffU;
  return static_cast<int32_t>(positive % static_cast<uint32_t>(partition_count));
}

Status ValidateTopicName(std::string_view topic) {
  if (topic.empty()) return InvalidArgument("topic", "must not be empty");
  if (topic.size() > 249) {
    return InvalidArgument("topic", "'" + std::string(topic.substr(0, 40)) +
                                        "...' is longer than 249 characters");
  }
  if (topic == "." || topic == "..") {
    return InvalidArgument("topic", "'" + std::string(topic) + "' is not a legal name");
  }
  for (char c : topic) {
    const bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!legal) {
      return InvalidArgument("topic", "'" + std::string(topic) +
                                          "' may contain only [a-zA-Z0-9._-]");
    }
  }
  return Status::Ok();
}

Status EventLog::Backup(const std::string& /*directory*/) {
  return Unimplemented("this event log is not copied by the process that uses it");
}

bool AppendMayHaveWritten(const Status& status) {
  return !status.ok() && status.message().find(kMayHaveWrittenMarker) != std::string::npos;
}

}  // namespace trappe::eventlog
