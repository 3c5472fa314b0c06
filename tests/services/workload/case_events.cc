#include "case_events.h"

#include <cstdio>

#include "trappe/events/headers.h"
#include "trappe/service/convert.h"

namespace trappe::workload_testing {

using events::v1::EventEnvelope;

Status CaseEventWriter::Append(const std::string& case_id, events::v1::AggregateType type,
                               const std::string& aggregate_id, CivilDate effective, EventEnvelope e) {
  return Write(eventlog::kCaseEventsTopic, case_id, type, aggregate_id, effective, std::move(e));
}

Status CaseEventWriter::AppendOrg(events::v1::AggregateType type, const std::string& aggregate_id,
                                  CivilDate effective, EventEnvelope e) {
  return Write(eventlog::kOrgEventsTopic, "", type, aggregate_id, effective, std::move(e));
}

Status CaseEventWriter::Write(std::string_view topic, const std::string& case_id,
                              events::v1::AggregateType type, const std::string& aggregate_id,
                              CivilDate effective, EventEnvelope e) {
  char event_id[40];
  std::snprintf(event_id, sizeof(event_id), "00000000-0000-4000-9000-%012lld",
                static_cast<long long>(next_event_++));
  e.set_event_id(event_id);
  e.set_tenant(tenant_);
  e.set_aggregate_type(type);
  e.set_aggregate_id(aggregate_id);
  e.set_aggregate_version(++versions_[aggregate_id]);
  e.set_case_id(case_id);
  *e.mutable_effective_date() = service::ToProtoDate(effective);
  e.set_actor("test");
  e.set_schema_version(events::kSchemaVersion);
  eventlog::Record record{.key = events::RecordKey(e), .value = e.SerializeAsString()};
  for (const auto& h : events::KafkaHeaders(e)) record.headers.push_back({std::string(h.key), std::string(h.value)});
  return log_->Append(topic, {std::move(record)}).status();
}

Status CaseEventWriter::Opened(const std::string& case_id, const std::string& team_id, CivilDate on) {
  EventEnvelope e;
  e.mutable_case_opened()->set_case_id(case_id);
  e.mutable_case_opened()->set_team_id(team_id);
  *e.mutable_case_opened()->mutable_opened_on() = service::ToProtoDate(on);
  return Append(case_id, events::v1::AGGREGATE_TYPE_CASE, case_id, on, std::move(e));
}

Status CaseEventWriter::Closed(const std::string& case_id, CivilDate on) {
  EventEnvelope e;
  e.mutable_case_closed()->set_case_id(case_id);
  *e.mutable_case_closed()->mutable_closed_on() = service::ToProtoDate(on);
  return Append(case_id, events::v1::AGGREGATE_TYPE_CASE, case_id, on, std::move(e));
}

Status CaseEventWriter::Reopened(const std::string& case_id, CivilDate on) {
  EventEnvelope e;
  e.mutable_case_reopened()->set_case_id(case_id);
  *e.mutable_case_reopened()->mutable_reopened_on() = service::ToProtoDate(on);
  return Append(case_id, events::v1::AGGREGATE_TYPE_CASE, case_id, on, std::move(e));
}

Status CaseEventWriter::Assigned(const std::string& case_id, const std::string& caseworker_id, bool primary,
                                 CivilDate on) {
  EventEnvelope e;
  auto* p = e.mutable_caseworker_assigned();
  p->set_case_id(case_id);
  p->set_caseworker_id(caseworker_id);
  p->set_role(primary ? cases::v1::CASEWORKER_ROLE_PRIMARY : cases::v1::CASEWORKER_ROLE_CO_WORKER);
  return Append(case_id, events::v1::AGGREGATE_TYPE_CASE, case_id, on, std::move(e));
}

Status CaseEventWriter::Unassigned(const std::string& case_id, const std::string& caseworker_id, bool primary,
                                   CivilDate on) {
  EventEnvelope e;
  auto* p = e.mutable_caseworker_unassigned();
  p->set_case_id(case_id);
  p->set_caseworker_id(caseworker_id);
  p->set_role(primary ? cases::v1::CASEWORKER_ROLE_PRIMARY : cases::v1::CASEWORKER_ROLE_CO_WORKER);
  return Append(case_id, events::v1::AGGREGATE_TYPE_CASE, case_id, on, std::move(e));
}

Status CaseEventWriter::Graded(const std::string& case_id, cases::v1::CaseGrade grade, CivilDate on) {
  EventEnvelope e;
  e.mutable_case_weight_assessed()->set_case_id(case_id);
  e.mutable_case_weight_assessed()->set_grade(grade);
  return Append(case_id, events::v1::AGGREGATE_TYPE_CASE, case_id, on, std::move(e));
}

Status CaseEventWriter::InvestigationStarted(const std::string& case_id, const std::string& id, CivilDate on) {
  EventEnvelope e;
  auto* p = e.mutable_investigation_started();
  p->set_case_id(case_id);
  p->set_investigation_id(id);
  *p->mutable_started_on() = service::ToProtoDate(on);
  return Append(case_id, events::v1::AGGREGATE_TYPE_CASE, case_id, on, std::move(e));
}

Status CaseEventWriter::InvestigationCompleted(const std::string& case_id, const std::string& id, CivilDate on) {
  EventEnvelope e;
  auto* p = e.mutable_investigation_completed();
  p->set_case_id(case_id);
  p->set_investigation_id(id);
  *p->mutable_completed_on() = service::ToProtoDate(on);
  return Append(case_id, events::v1::AGGREGATE_TYPE_CASE, case_id, on, std::move(e));
}

Status CaseEventWriter::PlacementStarted(const std::string& case_id, const std::string& id,
                                         placements::v1::PlacementType type, placements::v1::ConsentBasis consent,
                                         CivilDate on) {
  EventEnvelope e;
  auto* p = e.mutable_intervention_started();
  p->set_case_id(case_id);
  p->set_intervention_id(id);
  p->mutable_kind()->set_placement(type);
  p->set_consent_basis(consent);
  p->set_step_number(5);
  *p->mutable_start_date() = service::ToProtoDate(on);
  return Append(case_id, events::v1::AGGREGATE_TYPE_INTERVENTION, id, on, std::move(e));
}

Status CaseEventWriter::ConsentChanged(const std::string& case_id, const std::string& id,
                                       placements::v1::ConsentBasis consent, CivilDate on) {
  EventEnvelope e;
  auto* p = e.mutable_intervention_changed();
  p->set_case_id(case_id);
  p->set_intervention_id(id);
  p->set_consent_basis(consent);
  *p->mutable_effective_date() = service::ToProtoDate(on);
  return Append(case_id, events::v1::AGGREGATE_TYPE_INTERVENTION, id, on, std::move(e));
}

Status CaseEventWriter::InterventionEnded(const std::string& case_id, const std::string& id, CivilDate on) {
  EventEnvelope e;
  auto* p = e.mutable_intervention_ended();
  p->set_case_id(case_id);
  p->set_intervention_id(id);
  *p->mutable_end_date() = service::ToProtoDate(on);
  return Append(case_id, events::v1::AGGREGATE_TYPE_INTERVENTION, id, on, std::move(e));
}

}  // namespace trappe::workload_testing
