#include "trappe/events/headers.h"

#include <google/protobuf/descriptor.h>

#include <string>

namespace trappe::events {

using v1::AggregateType;

std::string_view EventTypeName(const v1::EventEnvelope& envelope) {
  const google::protobuf::OneofDescriptor* payload =
      v1::EventEnvelope::descriptor()->FindOneofByName("payload");
  const google::protobuf::FieldDescriptor* field =
      envelope.GetReflection()->GetOneofFieldDescriptor(envelope, payload);
  if (field == nullptr) return {};
  return field->message_type()->full_name();
}

std::array<KafkaHeader, 3> KafkaHeaders(const v1::EventEnvelope& envelope) {
  return {{
      {kEventTypeHeader, std::string(EventTypeName(envelope))},
      {kTenantHeader, envelope.tenant()},
      {kSchemaVersionHeader, std::to_string(envelope.schema_version())},
  }};
}

bool IsCaseAggregate(AggregateType type) {
  switch (type) {
    case v1::AGGREGATE_TYPE_CASE:
    case v1::AGGREGATE_TYPE_INTERVENTION:
    case v1::AGGREGATE_TYPE_CHILD_PLAN:
    case v1::AGGREGATE_TYPE_FOLLOW_UP_SCHEDULE: return true;
    default: return false;
  }
}

std::string_view TopicFor(AggregateType type) {
  if (IsCaseAggregate(type)) return kCaseEventsTopic;
  switch (type) {
    case v1::AGGREGATE_TYPE_STAIRCASE:
    case v1::AGGREGATE_TYPE_FOLLOW_UP_RULE_SET:
    case v1::AGGREGATE_TYPE_MUNICIPALITY:
    case v1::AGGREGATE_TYPE_TEAM:
    case v1::AGGREGATE_TYPE_CASEWORKER:
    case v1::AGGREGATE_TYPE_WEIGHT_TABLE: return kOrgEventsTopic;
    default: return {};
  }
}

std::string RecordKey(const v1::EventEnvelope& envelope) {
  const std::string& id =
      IsCaseAggregate(envelope.aggregate_type()) ? envelope.case_id() : envelope.aggregate_id();
  return envelope.tenant() + "/" + id;
}

}  // namespace trappe::events
