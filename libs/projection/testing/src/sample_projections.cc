#include "trappe/projection/testing/sample_projections.h"

#include "trappe/projection/keys.h"

namespace trappe::projection::testing {

Status AddToCounter(ApplyContext& context, FamilyId family, std::string_view key, int64_t delta) {
  TRAPPE_ASSIGN_OR_RETURN(const auto current, context.Get(family, key));
  int64_t value = 0;
  if (current.has_value()) {
    const auto decoded = DecodeInt64(*current);
    if (!decoded) return DataLoss("counter " + std::string(key) + " is not 8 bytes");
    value = *decoded;
  }
  return context.Put(family, key, EncodeInt64(value + delta));
}

Status EventCountProjection::Apply(const Event& event, ApplyContext& context) const {
  const auto& envelope = event.envelope;
  const std::string aggregate_key = TenantKey(envelope.tenant(), {envelope.aggregate_id()});
  TRAPPE_RETURN_IF_ERROR(AddToCounter(context, kPerAggregate, aggregate_key, 1));
  if (!options_.fail_on_aggregate.empty() &&
      envelope.aggregate_id() == options_.fail_on_aggregate) {
    return Internal("refusing aggregate " + envelope.aggregate_id());
  }
  const std::string type = std::to_string(static_cast<int>(envelope.payload_case()));
  TRAPPE_RETURN_IF_ERROR(AddToCounter(context, kPerType, TenantKey(envelope.tenant(), {type}), 1));
  return Status::Ok();
}

BadRecordAction EventCountProjection::OnBadRecord(BadRecordKind kind,
                                                  const eventlog::StoredRecord&) const {
  const bool skip =
      kind == BadRecordKind::kUnknownEvent ? options_.skip_unknown : options_.skip_undecodable;
  return skip ? BadRecordAction::kSkip : BadRecordAction::kStop;
}

events::v1::EventEnvelope MakeEnvelope(std::string_view tenant, std::string_view case_id,
                                       uint64_t version, int kind) {
  events::v1::EventEnvelope envelope;
  envelope.set_event_id(std::string(case_id) + "-" + std::to_string(version));
  envelope.set_tenant(std::string(tenant));
  envelope.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
  envelope.set_aggregate_id(std::string(case_id));
  envelope.set_aggregate_version(version);
  envelope.set_case_id(std::string(case_id));
  envelope.set_actor("caseworker-1");
  envelope.set_request_id("request-" + std::to_string(version));
  envelope.set_schema_version(1);
  switch (kind % 5) {
    case 0: envelope.mutable_case_opened(); break;
    case 1: envelope.mutable_caseworker_assigned(); break;
    case 2: envelope.mutable_case_weight_assessed(); break;
    case 3: envelope.mutable_follow_up_recorded(); break;
    default: envelope.mutable_case_closed(); break;
  }
  return envelope;
}

eventlog::Record CaseRecord(std::string_view tenant, std::string_view case_id, uint64_t version,
                            int kind) {
  eventlog::Record record;
  record.key = TenantKey(tenant, {case_id});
  record.value = MakeEnvelope(tenant, case_id, version, kind).SerializeAsString();
  return record;
}

std::string UnknownPayloadBytes(std::string_view tenant, std::string_view case_id) {
  events::v1::EventEnvelope envelope = MakeEnvelope(tenant, case_id, 1, 0);
  envelope.clear_payload();
  std::string bytes = envelope.SerializeAsString();
  // Field 999 (a payload a newer writer added), length-delimited, holding "new".
  constexpr uint32_t kTag = (999u << 3) | 2u;
  bytes.push_back(static_cast<char>((kTag & 0x7f) | 0x80));
  bytes.push_back(static_cast<char>(kTag >> 7));
  bytes.push_back(3);
  bytes += "new";
  return bytes;
}

std::string UndecodableBytes() {
  // Field 1 (event_id), length-delimited, announcing 100 bytes and holding 2.
  return std::string("\x0a\x64no", 4);
}

std::map<std::string, int64_t> CountPerAggregate(
    const std::vector<eventlog::StoredRecord>& records) {
  std::map<std::string, int64_t> counts;
  events::v1::EventEnvelope envelope;
  for (const auto& record : records) {
    if (!envelope.ParseFromString(record.value) ||
        envelope.payload_case() == events::v1::EventEnvelope::PAYLOAD_NOT_SET) {
      continue;
    }
    ++counts[TenantKey(envelope.tenant(), {envelope.aggregate_id()})];
  }
  return counts;
}

}  // namespace trappe::projection::testing
