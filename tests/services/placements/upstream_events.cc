#include "upstream_events.h"

#include "trappe/common/ids.h"
#include "trappe/events/headers.h"
#include "trappe/rules/staircase.h"
#include "trappe/service/convert.h"

namespace trappe::placements::testing {

using events::v1::EventEnvelope;

v1::Staircase NationalStaircase() {
  static constexpr v1::StepCategory kCategories[] = {
      v1::STEP_CATEGORY_EARLY_UNIVERSAL,  v1::STEP_CATEGORY_PREVENTIVE,
      v1::STEP_CATEGORY_HOME_BASED,       v1::STEP_CATEGORY_NETWORK_PLACEMENT,
      v1::STEP_CATEGORY_FOSTER_PLACEMENT, v1::STEP_CATEGORY_INSTITUTION_PLACEMENT};
  v1::Staircase out;
  for (const rules::StaircaseStep& step : rules::NationalStaircase().steps) {
    v1::StaircaseStep* s = out.add_steps();
    s->set_number(step.number);
    s->set_name(step.danish_name);
    s->set_prevention(step.prevention);
    s->set_category(kCategories[step.number - 1]);
  }
  return out;
}

Status Upstream::Append(EventEnvelope event) {
  event.set_event_id(NewUuid());
  event.set_tenant(tenant_);
  event.set_actor("system:test");
  event.set_request_id("upstream-" + std::to_string(next_++));
  event.set_schema_version(events::kSchemaVersion);
  const std::string key =
      events::v1::AggregateType_Name(event.aggregate_type()) + "/" + event.aggregate_id();
  event.set_aggregate_version(++versions_[key]);
  eventlog::Record record;
  record.key = events::RecordKey(event);
  record.value = event.SerializeAsString();
  for (const events::KafkaHeader& header : events::KafkaHeaders(event)) {
    record.headers.push_back({std::string(header.key), header.value});
  }
  std::vector<eventlog::Record> records;
  records.push_back(std::move(record));
  TRAPPE_ASSIGN_OR_RETURN(
      const std::vector<eventlog::Position> positions,
      log_->Append(events::TopicFor(event.aggregate_type()), std::move(records)));
  if (!wait_) return Status::Ok();
  return engine_->WaitFor(positions, std::chrono::steady_clock::now() + std::chrono::seconds(30));
}

Status Upstream::RegisterMunicipality(CivilDate on, const v1::Staircase& staircase) {
  EventEnvelope event;
  event.set_aggregate_type(events::v1::AGGREGATE_TYPE_MUNICIPALITY);
  event.set_aggregate_id(tenant_);
  *event.mutable_effective_date() = service::ToProtoDate(on);
  auto* p = event.mutable_municipality_registered();
  p->set_municipality_code(tenant_);
  p->set_name("Herning Kommune");
  p->add_presets("national-staircase");
  *p->mutable_staircase() = staircase;
  *p->mutable_effective_from() = service::ToProtoDate(on);
  return Append(std::move(event));
}

Status Upstream::OpenCase(const std::string& case_id, const std::string& child_id, CivilDate on,
                          const std::string& team_id) {
  EventEnvelope event;
  event.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
  event.set_aggregate_id(case_id);
  event.set_case_id(case_id);
  *event.mutable_effective_date() = service::ToProtoDate(on);
  auto* p = event.mutable_case_opened();
  p->set_case_id(case_id);
  p->set_child_id(child_id);
  *p->mutable_opened_on() = service::ToProtoDate(on);
  p->set_team_id(team_id);
  return Append(std::move(event));
}

Status Upstream::CloseCase(const std::string& case_id, CivilDate on) {
  EventEnvelope event;
  event.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
  event.set_aggregate_id(case_id);
  event.set_case_id(case_id);
  *event.mutable_effective_date() = service::ToProtoDate(on);
  auto* p = event.mutable_case_closed();
  p->set_case_id(case_id);
  *p->mutable_closed_on() = service::ToProtoDate(on);
  return Append(std::move(event));
}

Status Upstream::ReopenCase(const std::string& case_id, CivilDate on) {
  EventEnvelope event;
  event.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
  event.set_aggregate_id(case_id);
  event.set_case_id(case_id);
  *event.mutable_effective_date() = service::ToProtoDate(on);
  auto* p = event.mutable_case_reopened();
  p->set_case_id(case_id);
  *p->mutable_reopened_on() = service::ToProtoDate(on);
  return Append(std::move(event));
}

}  // namespace trappe::placements::testing
