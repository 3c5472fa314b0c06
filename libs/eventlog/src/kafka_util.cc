#include "kafka_util.h"

#include <string>

#include "trappe/common/log.h"

namespace trappe::eventlog::internal {
namespace {

void WriteLibrdkafkaLog(int level, std::string_view client, std::string_view facility,
                        std::string_view text) {
  // syslog severities: 0-3 error, 4 warning, 5-6 notice/info, 7 debug.
  const log::Level trappe_level = level <= 4 ? log::Level::kWarn
                                  : level <= 6 ? log::Level::kInfo
                                               : log::Level::kDebug;
  if (client.empty()) {
    log::Write(trappe_level, "eventlog.kafka.librdkafka", {{"facility", facility}, {"message", text}});
  } else {
    log::Write(trappe_level, "eventlog.kafka.librdkafka",
               {{"client", client}, {"facility", facility}, {"message", text}});
  }
}

}  // namespace

Status StatusFromKafka(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail) {
  std::string message(context);
  message += ": ";
  message += rd_kafka_err2str(err);
  if (!detail.empty()) {
    message += " (";
    message += detail;
    message += ")";
  }
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return Status::Ok();
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__DESTROY:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR__SSL:
      return Unavailable(std::move(message));
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return NotFound(std::move(message));
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      return PermissionDenied(std::move(message));
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
      return InvalidArgument(std::move(message));
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      return DataLoss(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

void LogFromLibrdkafka(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  WriteLibrdkafkaLog(level, rk != nullptr ? rd_kafka_name(rk) : "", facility, text);
}

void EventLogger::event_cb(RdKafka::Event& event) {
  switch (event.type()) {
    case RdKafka::Event::EVENT_LOG:
      WriteLibrdkafkaLog(event.severity(), "", event.fac(), event.str());
      break;
    case RdKafka::Event::EVENT_ERROR: {
      // Connection failures also arrive as log lines; repeat them only at debug level.
      const bool transport = event.err() == RdKafka::ERR__TRANSPORT ||
                             event.err() == RdKafka::ERR__ALL_BROKERS_DOWN;
      const log::Level level = event.fatal() ? log::Level::kError
                               : transport   ? log::Level::kDebug
                                             : log::Level::kWarn;
      log::Write(level, "eventlog.kafka.error",
                 {{"error", RdKafka::err2str(event.err())},
                  {"message", event.str()},
                  {"fatal", event.fatal()}});
      break;
    }
    default:
      break;
  }
}

}  // namespace trappe::eventlog::internal
