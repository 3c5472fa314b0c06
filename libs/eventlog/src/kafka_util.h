// Helpers shared by the Kafka backend and the mock cluster: error mapping and logging.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <string>
#include <string_view>

#include "trappe/common/status.h"

namespace trappe::eventlog::internal {

// Maps a librdkafka error to a Trappe status: unreachable/timed out -> UNAVAILABLE,
// unknown topic/partition -> NOT_FOUND, authorization -> PERMISSION_DENIED, record too
// large -> INVALID_ARGUMENT, anything else -> INTERNAL. `context` prefixes the message.
Status StatusFromKafka(rd_kafka_resp_err_t err, std::string_view context,
                       std::string_view detail = {});
inline Status StatusFromKafka(RdKafka::ErrorCode err, std::string_view context,
                              std::string_view detail = {}) {
  return StatusFromKafka(static_cast<rd_kafka_resp_err_t>(err), context, detail);
}

// librdkafka's log callback (C API), writing to Trappe's structured log.
void LogFromLibrdkafka(const rd_kafka_t* rk, int level, const char* facility, const char* text);

// The same for C++ handles: logs and error events.
class EventLogger final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override;
};

}  // namespace trappe::eventlog::internal
