// Opening an event log from one configuration string (a flag or an environment value).
//
//   embedded:///var/lib/trappe/log              RocksDB in that directory (created if missing)
//   embedded:///var/lib/trappe/log?partitions=8 partition count for topics it creates
//   embedded:data/log                           a path relative to the working directory
//   kafka://kafka-0:9093,kafka-1:9093?security.protocol=SASL_SSL&sasl.mechanism=SCRAM-SHA-512
//       &sasl.username=trappe&properties.file=/etc/trappe/kafka.properties
//
// Kafka query parameters (percent-encoded where needed):
//   message.timeout.ms=N     delivery timeout of an append (default 30000)
//   operation.timeout.ms=N   bound on metadata and offset queries (default 10000)
//   client.id=S, group.id=S  librdkafka client id; the (never joined) consumer group id
//   topic.case-events=NAME   the Kafka topic holding trappe.case-events.v1 (default: the same)
//   topic.org-events=NAME    the Kafka topic holding trappe.org-events.v1 (default: the same)
//   topic.prefix=P           put before the name of every topic not named above, e.g.
//                            topic.prefix=staging. reads staging.trappe.case-events.v1;
//                            lets several environments share one cluster. Services,
//                            positions and queries keep using the logical names.
//   properties.file=PATH     Java-style properties file (key=value lines, # comments),
//                            read first; the place for secrets such as sasl.password
//   producer.NAME=V          a librdkafka property for the producer only
//   consumer.NAME=V          a librdkafka property for consumers only
//   NAME=V                   any other librdkafka property, for both (SASL, SSL, tuning)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "trappe/common/status.h"
#include "trappe/eventlog/embedded_log.h"
#include "trappe/eventlog/event_log.h"
#include "trappe/eventlog/kafka_log.h"

namespace trappe::eventlog {

struct EventLogConfig {
  enum class Backend { kEmbedded, kKafka };
  Backend backend = Backend::kEmbedded;
  EmbeddedLogOptions embedded;  // when backend == kEmbedded
  KafkaLogOptions kafka;        // when backend == kKafka
};

// INVALID_ARGUMENT naming the part of the URL that is wrong; NOT_FOUND for a missing
// properties file.
[[nodiscard]] Result<EventLogConfig> ParseEventLogUrl(std::string_view url);

[[nodiscard]] Result<std::unique_ptr<EventLog>> OpenEventLog(const EventLogConfig& config);
[[nodiscard]] Result<std::unique_ptr<EventLog>> OpenEventLog(std::string_view url);

// The URL with the values of secret-looking parameters (password, secret, token, .pem,
// jaas) replaced by "***": safe to log.
std::string RedactEventLogUrl(std::string_view url);

}  // namespace trappe::eventlog
