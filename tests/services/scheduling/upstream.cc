#include "upstream.h"

#include <chrono>

#include "trappe/events/headers.h"
#include "trappe/rules_proto/follow_up_rules.h"
#include "trappe/service/convert.h"

namespace trappe::scheduling::testing {

using events::v1::EventEnvelope;

namespace {
std::string Id(uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llu",
                static_cast<unsigned long long>(n));
  return buf;
}
}  // namespace

Status Upstream::Append(EventEnvelope e) {
  e.set_tenant(tenant_);
  e.set_event_id(Id(900000 + next_++));
  e.set_aggregate_version(++versions_[std::to_string(e.aggregate_type()) + e.aggregate_id()]);
  e.set_actor("upstream");
  e.set_schema_version(events::kSchemaVersion);
  eventlog::Record record;
  record.key = events::RecordKey(e);
  record.value = e.SerializeAsString();
  for (const events::KafkaHeader& h : events::KafkaHeaders(e)) {
    record.headers.push_back({std::string(h.key), h.value});
  }
  std::vector<eventlog::Record> records;
  records.push_back(std::move(record));
  TRAPPE_ASSIGN_OR_RETURN(auto positions,
                          log_->Append(events::TopicFor(e.aggregate_type()), std::move(records)));
  if (engine_ == nullptr) return Status::Ok();
  return engine_->WaitFor(positions, std::chrono::steady_clock::now() + std::chrono::seconds(30));
}

Status Upstream::RegisterMunicipality(CivilDate from, const std::vector<std::string>& presets) {
  EventEnvelope e;
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_MUNICIPALITY);
  e.set_aggregate_id(tenant_);
  *e.mutable_effective_date() = service::ToProtoDate(from);
  auto& m = *e.mutable_municipality_registered();
  m.set_municipality_code(tenant_);
  m.set_name("Test Kommune");
  for (const std::string& p : presets) {
    m.add_presets(p);
    TRAPPE_ASSIGN_OR_RETURN(*m.add_follow_up_rule_sets(), rules_proto::PresetRuleSet(p));
  }
  *m.mutable_effective_from() = service::ToProtoDate(from);
  return Append(std::move(e));
}

Status Upstream::RegisterCaseworker(const std::string& caseworker_id, const std::string& team_id,
                                    CivilDate on) {
  EventEnvelope e;
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASEWORKER);
  e.set_aggregate_id(caseworker_id);
  *e.mutable_effective_date() = service::ToProtoDate(on);
  auto& c = *e.mutable_caseworker_registered();
  c.set_caseworker_id(caseworker_id);
  c.set_team_id(team_id);
  c.set_fte_milli(1000);
  *c.mutable_start_date() = service::ToProtoDate(on);
  return Append(std::move(e));
}

namespace {
EventEnvelope CaseEvent(const std::string& case_id, CivilDate on) {
  EventEnvelope e;
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
  e.set_aggregate_id(case_id);
  e.set_case_id(case_id);
  *e.mutable_effective_date() = service::ToProtoDate(on);
  return e;
}
}  // namespace

Status Upstream::OpenCase(const std::string& case_id, CivilDate on, const std::string& team_id) {
  EventEnvelope e = CaseEvent(case_id, on);
  auto& o = *e.mutable_case_opened();
  o.set_case_id(case_id);
  o.set_child_id(Id(800000 + next_));
  *o.mutable_opened_on() = service::ToProtoDate(on);
  o.set_team_id(team_id);
  return Append(std::move(e));
}

Status Upstream::CloseCase(const std::string& case_id, CivilDate on) {
  EventEnvelope e = CaseEvent(case_id, on);
  e.mutable_case_closed()->set_case_id(case_id);
  *e.mutable_case_closed()->mutable_closed_on() = service::ToProtoDate(on);
  return Append(std::move(e));
}

Status Upstream::Assign(const std::string& case_id, const std::string& caseworker_id,
                        cases::v1::CaseworkerRole role, CivilDate on,
                        cases::v1::CoWorkerPurpose purpose) {
  EventEnvelope e = CaseEvent(case_id, on);
  auto& a = *e.mutable_caseworker_assigned();
  a.set_case_id(case_id);
  a.set_caseworker_id(caseworker_id);
  a.set_role(role);
  a.set_purpose(purpose);
  return Append(std::move(e));
}

Status Upstream::ReceiveReport(const std::string& case_id, const std::string& report_id,
                               Timestamp at) {
  EventEnvelope e = CaseEvent(case_id, CopenhagenDate(at));
  auto& r = *e.mutable_report_of_concern_received();
  r.set_case_id(case_id);
  r.set_report_id(report_id);
  *r.mutable_received_at() = service::ToProtoTimestamp(at);
  return Append(std::move(e));
}

Status Upstream::AssessReport(const std::string& case_id, const std::string& report_id,
                              Timestamp at) {
  EventEnvelope e = CaseEvent(case_id, CopenhagenDate(at));
  auto& r = *e.mutable_report_of_concern_assessed();
  r.set_case_id(case_id);
  r.set_report_id(report_id);
  *r.mutable_assessed_at() = service::ToProtoTimestamp(at);
  return Append(std::move(e));
}

Status Upstream::StartPlacement(const std::string& case_id, const std::string& intervention_id,
                                placements::v1::PlacementType type, CivilDate start,
                                placements::v1::ConsentBasis consent) {
  EventEnvelope e;
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_INTERVENTION);
  e.set_aggregate_id(intervention_id);
  e.set_case_id(case_id);
  *e.mutable_effective_date() = service::ToProtoDate(start);
  auto& s = *e.mutable_intervention_started();
  s.set_intervention_id(intervention_id);
  s.set_case_id(case_id);
  s.set_step_number(5);
  s.mutable_kind()->set_placement(type);
  *s.mutable_start_date() = service::ToProtoDate(start);
  s.set_consent_basis(consent);
  return Append(std::move(e));
}

Status Upstream::EndIntervention(const std::string& case_id, const std::string& intervention_id,
                                 CivilDate last_day) {
  EventEnvelope e;
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_INTERVENTION);
  e.set_aggregate_id(intervention_id);
  e.set_case_id(case_id);
  *e.mutable_effective_date() = service::ToProtoDate(last_day);
  auto& x = *e.mutable_intervention_ended();
  x.set_intervention_id(intervention_id);
  x.set_case_id(case_id);
  *x.mutable_end_date() = service::ToProtoDate(last_day);
  return Append(std::move(e));
}

Status Upstream::ApprovePlan(const std::string& case_id, CivilDate on) {
  EventEnvelope e;
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_CHILD_PLAN);
  e.set_aggregate_id(case_id);
  e.set_case_id(case_id);
  *e.mutable_effective_date() = service::ToProtoDate(on);
  auto& p = *e.mutable_child_plan_approved();
  p.set_case_id(case_id);
  *p.mutable_approved_on() = service::ToProtoDate(on);
  return Append(std::move(e));
}

}  // namespace trappe::scheduling::testing
