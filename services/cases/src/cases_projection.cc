#include "cases_projection.h"

#include <set>

#include "case_state.h"
#include "trappe/cases/v1/service.pb.h"
#include "trappe/common/log.h"
#include "trappe/events/headers.h"
#include "trappe/projection/keys.h"
#include "trappe/service/request_index.h"

namespace trappe::cases {
namespace {

using events::v1::EventEnvelope;
using projection::TenantKey;

std::set<std::string> CaseworkerIds(const v1::Case& state) {
  std::set<std::string> ids;
  for (const v1::CaseworkerAssignment& a : state.caseworkers()) ids.insert(a.caseworker_id());
  return ids;
}

Status ApplyCaseEvent(const projection::Event& event, projection::ApplyContext& context) {
  const EventEnvelope& e = event.envelope;
  const std::string& tenant = e.tenant();
  const std::string case_key = TenantKey(tenant, {e.case_id()});
  TRAPPE_RETURN_IF_ERROR(service::IndexRequest(context, kRequests, event));

  v1::Case state;
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> stored, context.Get(kCases, case_key));
  if (stored && !state.ParseFromString(*stored)) {
    return DataLoss("cases projection: the state of case " + e.case_id() + " does not parse");
  }
  const std::set<std::string> before = CaseworkerIds(state);
  FoldCaseEvent(e, &state);
  const std::set<std::string> after = CaseworkerIds(state);
  TRAPPE_RETURN_IF_ERROR(context.Put(kCases, case_key, state.SerializeAsString()));
  for (const std::string& id : before) {
    if (!after.contains(id)) {
      TRAPPE_RETURN_IF_ERROR(context.Delete(kByCaseworker, TenantKey(tenant, {id, e.case_id()})));
    }
  }
  for (const std::string& id : after) {
    if (!before.contains(id)) {
      TRAPPE_RETURN_IF_ERROR(context.Put(kByCaseworker, TenantKey(tenant, {id, e.case_id()}), ""));
    }
  }

  if (e.has_case_opened()) {
    const v1::CaseOpened& opened = e.case_opened();
    const std::string& child = opened.child_id();
    const std::string index = HexOf(opened.cpr_blind_index());
    const std::string& key_id = opened.personal_data().key_id();
    TRAPPE_RETURN_IF_ERROR(
        context.Put(kSealed, case_key, opened.personal_data().SerializeAsString()));
    TRAPPE_RETURN_IF_ERROR(
        context.Put(kChildren, TenantKey(tenant, {child}), index + "/" + key_id));
    TRAPPE_RETURN_IF_ERROR(context.Put(kChildCases, TenantKey(tenant, {child, e.case_id()}), ""));
    // A child erased already (through another of its cases, possibly replayed first from
    // another partition) never comes back into the index: the order does not matter.
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> erased,
                            context.Get(kErased, TenantKey(tenant, {child})));
    if (!erased && !index.empty()) {
      TRAPPE_RETURN_IF_ERROR(context.Put(kCprIndex, TenantKey(tenant, {index, child}), key_id));
    }
  } else if (e.has_personal_data_erased()) {
    const std::string& child = e.personal_data_erased().child_id();
    TRAPPE_RETURN_IF_ERROR(context.Put(kErased, TenantKey(tenant, {child}), ""));
    TRAPPE_RETURN_IF_ERROR(context.Delete(kSealed, case_key));
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> known,
                            context.Get(kChildren, TenantKey(tenant, {child})));
    if (known) {
      const std::string index = known->substr(0, known->find('/'));
      TRAPPE_RETURN_IF_ERROR(context.Delete(kCprIndex, TenantKey(tenant, {index, child})));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string HistoryPrefix(std::string_view tenant, std::string_view case_id) {
  return TenantKey(tenant, {case_id, ""});
}

std::string HistoryKey(std::string_view tenant, std::string_view case_id, int64_t offset) {
  std::string key = HistoryPrefix(tenant, case_id);
  projection::AppendInt64(&key, offset);
  return key;
}

std::string HexOf(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::vector<std::string> CasesProjection::Topics() const {
  return {std::string(events::kCaseEventsTopic)};
}

std::vector<std::string> CasesProjection::ColumnFamilies() const {
  return {"requests", "cases",       "sealed",        "children", "cpr_index",
          "erased",   "child_cases", "by_caseworker", "history"};
}

Status CasesProjection::Apply(const projection::Event& event,
                              projection::ApplyContext& context) const {
  const EventEnvelope& e = event.envelope;
  if (e.case_id().empty() || e.tenant().empty()) return Status::Ok();
  // Every event of the case, from every service, for the history and the as-of view.
  v1::CaseHistoryEntry entry;
  entry.mutable_position()->set_topic(event.record.position.topic);
  entry.mutable_position()->set_partition(event.record.position.partition);
  entry.mutable_position()->set_offset(event.record.position.offset);
  *entry.mutable_envelope() = e;
  TRAPPE_RETURN_IF_ERROR(
      context.Put(kHistory, HistoryKey(e.tenant(), e.case_id(), event.record.position.offset),
                  entry.SerializeAsString()));
  if (!IsCaseServiceEvent(e)) return Status::Ok();
  return ApplyCaseEvent(event, context);
}

projection::BadRecordAction CasesProjection::OnBadRecord(
    projection::BadRecordKind kind, const eventlog::StoredRecord& record) const {
  // Another service's new event type only misses from a case's history; an event of our
  // own we cannot read would make every case view wrong.
  return projection::DecideByEventType(Name(), kind, record, [](std::string_view type) {
    return type.starts_with("trappe.cases.");
  });
}

}  // namespace trappe::cases
