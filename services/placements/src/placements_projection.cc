#include "placements_projection.h"

#include <google/protobuf/arena.h>

#include <algorithm>

#include "staircase_figures.h"
#include "trappe/common/log.h"
#include "trappe/events/headers.h"
#include "trappe/events/v1/envelope.pb.h"
#include "trappe/projection/keys.h"
#include "trappe/service/convert.h"
#include "trappe/service/request_index.h"

namespace trappe::placements {
namespace {

using events::v1::EventEnvelope;
using projection::ApplyContext;

std::string StaircasePrefix(std::string_view tenant) {
  return projection::TenantKey(tenant, {"s"}) + "/";
}

std::string StaircaseKey(std::string_view tenant, const common::v1::Date& effective_from) {
  const CivilDate date =
      CivilDate::FromYmd(effective_from.year(), effective_from.month(), effective_from.day())
          .value_or(CivilDate());
  return projection::TenantKey(tenant, {"s", date.ToString()});
}

std::string StaircaseVersionKey(std::string_view tenant) {
  return projection::TenantKey(tenant, {"v"});
}

// The payload's date, or the envelope's effective date when the payload left it unset.
const common::v1::Date& DateOr(const common::v1::Date& date, const EventEnvelope& envelope) {
  return service::IsSet(date) ? date : envelope.effective_date();
}

Result<store::CaseRecord> GetCase(ApplyContext& context, std::string_view tenant,
                                  std::string_view case_id) {
  store::CaseRecord record;
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> value,
                          context.Get(kCasesFamily, CaseKey(tenant, case_id)));
  if (value) {
    if (!record.ParseFromString(*value)) {
      return DataLoss("placements: undecodable case record " + std::string(case_id));
    }
  } else {
    record.set_case_id(std::string(case_id));
  }
  return record;
}

Status PutCase(ApplyContext& context, std::string_view tenant, const store::CaseRecord& record) {
  const std::string key = CaseKey(tenant, record.case_id());
  TRAPPE_RETURN_IF_ERROR(context.Put(kTimelinesFamily, key, EncodeTimeline(record)));
  return context.Put(kCasesFamily, key, record.SerializeAsString());
}

Status PutStaircase(ApplyContext& context, const EventEnvelope& e,
                    const placements::v1::Staircase& staircase,
                    const common::v1::Date& effective_from, uint64_t version) {
  store::StaircaseVersion record;
  *record.mutable_staircase() = staircase;
  *record.mutable_effective_from() = DateOr(effective_from, e);
  record.set_version(version);
  // A second configuration with the same effective date replaces the first: both are in
  // the municipality's partition, so "later" is the log's order.
  return context.Put(kStaircasesFamily, StaircaseKey(e.tenant(), record.effective_from()),
                     record.SerializeAsString());
}

Status ApplyCaseEvent(const EventEnvelope& e, ApplyContext& context) {
  TRAPPE_ASSIGN_OR_RETURN(store::CaseRecord record, GetCase(context, e.tenant(), e.case_id()));
  store::CaseToggle* toggle = nullptr;
  switch (e.payload_case()) {
    case EventEnvelope::kCaseOpened: {
      const auto& p = e.case_opened();
      record.set_opened(true);
      record.set_closed(false);
      record.set_child_id(p.child_id());
      record.set_team_id(p.team_id());
      toggle = record.add_toggles();
      *toggle->mutable_date() = DateOr(p.opened_on(), e);
      toggle->set_open(true);
      if (!p.child_id().empty() && p.child_id().find('/') == std::string::npos) {
        TRAPPE_RETURN_IF_ERROR(context.Put(
            kChildrenFamily, projection::TenantKey(e.tenant(), {p.child_id(), e.case_id()}), ""));
      }
      break;
    }
    case EventEnvelope::kCaseClosed:
      record.set_closed(true);
      toggle = record.add_toggles();
      *toggle->mutable_date() = DateOr(e.case_closed().closed_on(), e);
      toggle->set_open(false);
      break;
    case EventEnvelope::kCaseReopened:
      record.set_closed(false);
      toggle = record.add_toggles();
      *toggle->mutable_date() = DateOr(e.case_reopened().reopened_on(), e);
      toggle->set_open(true);
      break;
    default: return Status::Ok();
  }
  return PutCase(context, e.tenant(), record);
}

Status ApplyOwnCaseEvent(const projection::Event& event, ApplyContext& context) {
  const EventEnvelope& e = event.envelope;
  TRAPPE_RETURN_IF_ERROR(service::IndexRequest(context, kRequestsFamily, event));
  TRAPPE_ASSIGN_OR_RETURN(store::CaseRecord record, GetCase(context, e.tenant(), e.case_id()));
  switch (e.payload_case()) {
    case EventEnvelope::kInterventionStarted: {
      store::InterventionRecord* iv = record.add_interventions();
      *iv->mutable_started() = e.intervention_started();
      if (!service::IsSet(iv->started().start_date())) {
        *iv->mutable_started()->mutable_start_date() = e.effective_date();
      }
      iv->set_version(e.aggregate_version());
      if (record.child_id().empty()) record.set_child_id(iv->started().child_id());
      TRAPPE_RETURN_IF_ERROR(context.Put(
          kInterventionsFamily, InterventionKey(e.tenant(), e.aggregate_id()), e.case_id()));
      break;
    }
    case EventEnvelope::kInterventionChanged: {
      store::InterventionRecord* iv = FindIntervention(record, e.aggregate_id());
      if (iv == nullptr) {
        log::Warn("placements.unknown_intervention", {{"intervention_id", e.aggregate_id()}});
        return Status::Ok();
      }
      placements::v1::InterventionChanged* change = iv->add_changes();
      *change = e.intervention_changed();
      if (!service::IsSet(change->effective_date())) {
        *change->mutable_effective_date() = e.effective_date();
      }
      iv->set_version(e.aggregate_version());
      break;
    }
    case EventEnvelope::kInterventionEnded: {
      store::InterventionRecord* iv = FindIntervention(record, e.aggregate_id());
      if (iv == nullptr) {
        log::Warn("placements.unknown_intervention", {{"intervention_id", e.aggregate_id()}});
        return Status::Ok();
      }
      *iv->mutable_ended() = e.intervention_ended();
      if (!service::IsSet(iv->ended().end_date())) {
        *iv->mutable_ended()->mutable_end_date() = e.effective_date();
      }
      iv->set_version(e.aggregate_version());
      break;
    }
    case EventEnvelope::kChildPlanApproved:
      record.set_plan_version(e.aggregate_version());
      *record.mutable_plan_approved_on() = DateOr(e.child_plan_approved().approved_on(), e);
      break;
    default: return Status::Ok();
  }
  return PutCase(context, e.tenant(), record);
}

// The event types this projection needs: a record of one of them that it cannot read must
// stop it rather than be skipped.
bool IsNeededType(std::string_view type) {
  return type.starts_with("trappe.placements.") || type == "trappe.cases.v1.CaseOpened" ||
         type == "trappe.cases.v1.CaseClosed" || type == "trappe.cases.v1.CaseReopened" ||
         type == "trappe.workload.v1.MunicipalityRegistered";
}

}  // namespace

std::string CaseKey(std::string_view tenant, std::string_view case_id) {
  return projection::TenantKey(tenant, {case_id});
}

std::string InterventionKey(std::string_view tenant, std::string_view intervention_id) {
  return projection::TenantKey(tenant, {intervention_id});
}

std::vector<std::string> PlacementsProjection::Topics() const {
  return {std::string(events::kCaseEventsTopic), std::string(events::kOrgEventsTopic)};
}

std::vector<std::string> PlacementsProjection::ColumnFamilies() const {
  return {"requests", "cases", "interventions", "staircases", "children", "timelines"};
}

Status PlacementsProjection::Apply(const projection::Event& event, ApplyContext& context) const {
  const EventEnvelope& e = event.envelope;
  // Keys are "<tenant>/<id>": an id with a '/' cannot be one of ours (ids are UUIDs).
  if (e.tenant().empty() || e.tenant().find('/') != std::string::npos ||
      e.case_id().find('/') != std::string::npos ||
      e.aggregate_id().find('/') != std::string::npos) {
    return Status::Ok();
  }
  switch (e.payload_case()) {
    case EventEnvelope::kMunicipalityRegistered: {
      const auto& p = e.municipality_registered();
      return PutStaircase(context, e, p.staircase(), p.effective_from(), 0);
    }
    case EventEnvelope::kStaircaseConfigured: {
      TRAPPE_RETURN_IF_ERROR(service::IndexRequest(context, kRequestsFamily, event));
      const auto& p = e.staircase_configured();
      TRAPPE_RETURN_IF_ERROR(
          PutStaircase(context, e, p.staircase(), p.effective_from(), e.aggregate_version()));
      return context.Put(kStaircasesFamily, StaircaseVersionKey(e.tenant()),
                         projection::EncodeInt64(static_cast<int64_t>(e.aggregate_version())));
    }
    case EventEnvelope::kCaseOpened:
    case EventEnvelope::kCaseClosed:
    case EventEnvelope::kCaseReopened:
      if (e.case_id().empty()) return Status::Ok();
      return ApplyCaseEvent(e, context);
    case EventEnvelope::kInterventionStarted:
    case EventEnvelope::kInterventionChanged:
    case EventEnvelope::kInterventionEnded:
    case EventEnvelope::kChildPlanApproved:
      if (e.case_id().empty()) return Status::Ok();
      return ApplyOwnCaseEvent(event, context);
    default: return Status::Ok();
  }
}

projection::BadRecordAction PlacementsProjection::OnBadRecord(
    projection::BadRecordKind kind, const eventlog::StoredRecord& record) const {
  return projection::DecideByEventType(Name(), kind, record, IsNeededType);
}

Result<std::optional<store::CaseRecord>> LoadCase(const projection::ReadView& view,
                                                  std::string_view tenant,
                                                  std::string_view case_id) {
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> value,
                          view.Get(kCasesFamily, CaseKey(tenant, case_id)));
  if (!value) return std::optional<store::CaseRecord>();
  store::CaseRecord record;
  if (!record.ParseFromString(*value)) return DataLoss("undecodable case record");
  return std::optional<store::CaseRecord>(std::move(record));
}

Result<std::optional<std::string>> CaseOfIntervention(const projection::ReadView& view,
                                                      std::string_view tenant,
                                                      std::string_view intervention_id) {
  return view.Get(kInterventionsFamily, InterventionKey(tenant, intervention_id));
}

Result<std::vector<std::string>> CasesOfChild(const projection::ReadView& view,
                                              std::string_view tenant, std::string_view child_id) {
  std::vector<std::string> cases;
  const std::string prefix = projection::TenantKey(tenant, {child_id}) + "/";
  TRAPPE_RETURN_IF_ERROR(
      view.Scan(kChildrenFamily, prefix, [&](std::string_view key, std::string_view) {
        cases.emplace_back(key.substr(prefix.size()));
        return true;
      }));
  return cases;
}

Result<std::vector<store::StaircaseVersion>> LoadStaircases(const projection::ReadView& view,
                                                            std::string_view tenant) {
  std::vector<store::StaircaseVersion> versions;
  Status decode;
  TRAPPE_RETURN_IF_ERROR(view.Scan(
      kStaircasesFamily, StaircasePrefix(tenant), [&](std::string_view, std::string_view value) {
        if (!versions.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          decode = DataLoss("undecodable staircase record");
          return false;
        }
        return true;
      }));
  TRAPPE_RETURN_IF_ERROR(decode);
  return versions;  // keys sort by ISO date
}

Result<uint64_t> StaircaseAggregateVersion(const projection::ReadView& view,
                                           std::string_view tenant) {
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> value,
                          view.Get(kStaircasesFamily, StaircaseVersionKey(tenant)));
  if (!value) return uint64_t{0};
  return static_cast<uint64_t>(projection::DecodeInt64(*value).value_or(0));
}

Status ForEachCase(const projection::ReadView& view, std::string_view tenant,
                   const std::function<void(const store::CaseRecord&)>& fn) {
  // Records are parsed onto an arena reset after each one: a scan over a municipality
  // would otherwise spend most of its time allocating and freeing sub-messages.
  std::vector<char> block(size_t{256} << 10);
  google::protobuf::ArenaOptions options;
  options.initial_block = block.data();
  options.initial_block_size = block.size();
  google::protobuf::Arena arena(options);
  Status decode;
  TRAPPE_RETURN_IF_ERROR(
      view.Scan(kCasesFamily, projection::TenantPrefix(tenant),
                [&](std::string_view, std::string_view value) {
                  auto* record = google::protobuf::Arena::CreateMessage<store::CaseRecord>(&arena);
                  if (!record->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                    decode = DataLoss("undecodable case record");
                    return false;
                  }
                  fn(*record);
                  arena.Reset();
                  return true;
                }));
  return decode;
}

Status ForEachTimeline(const projection::ReadView& view, std::string_view tenant,
                       const std::function<bool(std::string_view)>& fn) {
  Status decode;
  TRAPPE_RETURN_IF_ERROR(view.Scan(kTimelinesFamily, projection::TenantPrefix(tenant),
                                   [&](std::string_view, std::string_view value) {
                                     if (!fn(value)) {
                                       decode = DataLoss("undecodable case timeline");
                                       return false;
                                     }
                                     return true;
                                   }));
  return decode;
}

const store::StaircaseVersion* StaircaseOn(const std::vector<store::StaircaseVersion>& versions,
                                           CivilDate date) {
  if (versions.empty()) return nullptr;
  const store::StaircaseVersion* in_force = &versions.front();
  for (const store::StaircaseVersion& v : versions) {
    const auto from = service::ToCivilDate(v.effective_from(), "effective_from");
    if (from.ok() && *from <= date) in_force = &v;
  }
  return in_force;
}

store::InterventionRecord* FindIntervention(store::CaseRecord& record, std::string_view id) {
  for (store::InterventionRecord& iv : *record.mutable_interventions()) {
    if (iv.started().intervention_id() == id) return &iv;
  }
  return nullptr;
}

}  // namespace trappe::placements
