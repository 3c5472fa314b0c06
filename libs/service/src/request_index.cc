#include "trappe/service/request_index.h"

#include <cstring>

#include "trappe/events/v1/envelope.pb.h"
#include "trappe/projection/keys.h"

namespace trappe::service {
namespace {

// Value layout: str aggregate_id, i64 version, then per position: str topic, i64
// partition, i64 offset; each str is an i64 length and its bytes.
void AppendString(std::string* out, std::string_view s) {
  projection::AppendInt64(out, static_cast<int64_t>(s.size()));
  out->append(s);
}

bool ReadInt64(std::string_view* in, int64_t* value) {
  if (in->size() < 8) return false;
  const auto decoded = projection::DecodeInt64(in->substr(0, 8));
  if (!decoded) return false;
  *value = *decoded;
  in->remove_prefix(8);
  return true;
}

bool ReadString(std::string_view* in, std::string* value) {
  int64_t size = 0;
  if (!ReadInt64(in, &size) || size < 0 || static_cast<uint64_t>(size) > in->size()) return false;
  value->assign(in->substr(0, static_cast<size_t>(size)));
  in->remove_prefix(static_cast<size_t>(size));
  return true;
}

std::string Encode(const CommandOutcome& outcome) {
  std::string out;
  AppendString(&out, outcome.aggregate_id);
  projection::AppendInt64(&out, static_cast<int64_t>(outcome.version));
  for (const eventlog::Position& p : outcome.positions) {
    AppendString(&out, p.topic);
    projection::AppendInt64(&out, p.partition);
    projection::AppendInt64(&out, p.offset);
  }
  return out;
}

Result<CommandOutcome> Decode(std::string_view in) {
  CommandOutcome outcome;
  int64_t version = 0;
  if (!ReadString(&in, &outcome.aggregate_id) || !ReadInt64(&in, &version)) {
    return DataLoss("request index entry is corrupt");
  }
  outcome.version = static_cast<uint64_t>(version);
  while (!in.empty()) {
    eventlog::Position p;
    int64_t partition = 0;
    if (!ReadString(&in, &p.topic) || !ReadInt64(&in, &partition) || !ReadInt64(&in, &p.offset)) {
      return DataLoss("request index entry is corrupt");
    }
    p.partition = static_cast<int32_t>(partition);
    outcome.positions.push_back(std::move(p));
  }
  return outcome;
}

std::string RequestKey(std::string_view tenant, std::string_view request_id) {
  // request ids are client-chosen and may contain '/', so they are the key's tail.
  std::string key = projection::TenantPrefix(tenant);
  key += request_id;
  return key;
}

}  // namespace

Status IndexRequest(projection::ApplyContext& context, projection::FamilyId family,
                    const projection::Event& event) {
  const events::v1::EventEnvelope& envelope = event.envelope;
  if (envelope.request_id().empty()) return Status::Ok();
  const std::string key = RequestKey(envelope.tenant(), envelope.request_id());
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> existing, context.Get(family, key));
  CommandOutcome outcome;
  if (existing) {
    TRAPPE_ASSIGN_OR_RETURN(outcome, Decode(*existing));
  } else {
    outcome.aggregate_id = envelope.aggregate_id();
  }
  if (envelope.aggregate_id() == outcome.aggregate_id) {
    outcome.version = std::max<uint64_t>(outcome.version, envelope.aggregate_version());
  }
  outcome.positions.push_back(event.record.position);
  return context.Put(family, key, Encode(outcome));
}

Result<std::optional<CommandOutcome>> LookupRequest(const projection::ReadView& view,
                                                    projection::FamilyId family,
                                                    std::string_view tenant,
                                                    std::string_view request_id) {
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> value,
                          view.Get(family, RequestKey(tenant, request_id)));
  if (!value) return std::optional<CommandOutcome>();
  TRAPPE_ASSIGN_OR_RETURN(CommandOutcome outcome, Decode(*value));
  outcome.replayed = true;
  return std::optional<CommandOutcome>(std::move(outcome));
}

}  // namespace trappe::service
