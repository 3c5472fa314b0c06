// The Kafka backend: Apache Kafka through librdkafka, for distributed deployments.
//
//   KafkaLogOptions options;
//   options.bootstrap_servers = "kafka-0:9093,kafka-1:9093";
//   options.properties = {{"security.protocol", "SASL_SSL"}, {"sasl.mechanism", "SCRAM-SHA-512"},
//                         {"sasl.username", "trappe"}, {"sasl.password", "..."}};
//   TRAPPE_ASSIGN_OR_RETURN(std::unique_ptr<EventLog> log, OpenKafkaLog(options));
//
// Producer: idempotent (enable.idempotence=true, acks=all, so retries neither reorder nor
// double records); Append waits for the delivery report of each of its records and
// returns their offsets, or the first failure. The partition is chosen by Trappe with
// PartitionForKey (murmur2), as Kafka's Java client would.
// Consumers: each Subscription has its own consumer that assigns its partitions at the
// given offsets; no consumer-group membership, no offsets committed to Kafka (a
// projection's checkpoint is the truth), auto.offset.reset=error (never silently skip).
// Topics are created by deployment, never by Trappe: a missing topic is NOT_FOUND.
// Topic names can be mapped (KafkaLogOptions::topic_names, topic_prefix): callers use the
// logical names of event_log.h, the log reads and writes the physical ones.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "trappe/common/status.h"
#include "trappe/eventlog/event_log.h"

namespace trappe::eventlog {

struct KafkaLogOptions {
  // "host:port,host:port". Required.
  std::string bootstrap_servers;

  // librdkafka properties for the producer and every consumer: security.protocol,
  // sasl.*, ssl.*, socket and batching tuning, ... Properties that would break the
  // log's guarantees (enable.idempotence, acks, enable.auto.commit, auto.offset.reset,
  // transactional.id, ...) are refused with INVALID_ARGUMENT.
  std::map<std::string, std::string> properties;
  // Only for the producer / only for consumers; they override `properties`.
  std::map<std::string, std::string> producer_properties;
  std::map<std::string, std::string> consumer_properties;

  // An append fails (UNAVAILABLE) when a record is not acknowledged within this time:
  // librdkafka's message.timeout.ms.
  std::chrono::milliseconds delivery_timeout{30000};
  // Bound on metadata and offset queries (PartitionCount, EndOffsets, Subscribe, the
  // first Append to a topic): UNAVAILABLE after it.
  std::chrono::milliseconds operation_timeout{10000};

  // Physical Kafka topic names, so several environments can share one cluster. A logical
  // topic (kCaseEventsTopic, kOrgEventsTopic, or any other name a caller uses) maps to
  // topic_names[logical] if present, else to topic_prefix + logical. Callers only ever see
  // logical names: positions and records carry them, whatever the physical topic is.
  std::map<std::string, std::string> topic_names;
  std::string topic_prefix;

  std::string client_id = "trappe";
  // librdkafka's consumer API requires a group id. Trappe never joins the group and
  // never commits to it; the id only shows in broker logs (and group ACLs, if any).
  std::string consumer_group_id = "trappe-eventlog";
};

// Creates the producer; it does not wait for the cluster (an unreachable cluster shows
// as UNAVAILABLE from the calls that need it). INVALID_ARGUMENT for bad options.
[[nodiscard]] Result<std::unique_ptr<EventLog>> OpenKafkaLog(KafkaLogOptions options);

}  // namespace trappe::eventlog
