// How an EventEnvelope becomes a record of the event log: its topic, its key and the
// Kafka headers that repeat the event type, tenant and schema version so that consumers
// can filter without decoding (see trappe/events/v1/envelope.proto).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "trappe/events/v1/envelope.pb.h"

namespace trappe::events {

// Header names. Values are UTF-8 strings.
inline constexpr std::string_view kEventTypeHeader = "trappe-event-type";
inline constexpr std::string_view kTenantHeader = "trappe-tenant";
inline constexpr std::string_view kSchemaVersionHeader = "trappe-schema-version";

// The schema_version this build writes into every v1 envelope.
inline constexpr uint32_t kSchemaVersion = 1;

// The two topics of the log.
inline constexpr std::string_view kCaseEventsTopic = "trappe.case-events.v1";
inline constexpr std::string_view kOrgEventsTopic = "trappe.org-events.v1";

struct KafkaHeader {
  std::string_view key;  // one of the k...Header names above
  std::string value;
  friend bool operator==(const KafkaHeader&, const KafkaHeader&) = default;
};

// The fully-qualified protobuf name of the envelope's payload message, e.g.
// "trappe.cases.v1.CaseOpened"; empty when no payload is set. The view stays valid for
// the life of the program.
std::string_view EventTypeName(const v1::EventEnvelope& envelope);

// The three headers of a record, in the order event type, tenant, schema version.
std::array<KafkaHeader, 3> KafkaHeaders(const v1::EventEnvelope& envelope);

// True for the aggregates of a child's case, whose events go to kCaseEventsTopic.
bool IsCaseAggregate(v1::AggregateType type);

// The topic an aggregate's events go to; empty for AGGREGATE_TYPE_UNSPECIFIED or an
// unknown value.
std::string_view TopicFor(v1::AggregateType type);

// The record key: "<tenant>/<case_id>" for a case aggregate (so a case's events share one
// partition), "<tenant>/<aggregate_id>" otherwise.
std::string RecordKey(const v1::EventEnvelope& envelope);

}  // namespace trappe::events
