#include "case_state.h"

#include <algorithm>

#include "trappe/events/headers.h"
#include "trappe/service/convert.h"

namespace trappe::cases {
namespace {

using events::v1::EventEnvelope;

bool DateLess(const common::v1::Date& a, const common::v1::Date& b) {
  if (a.year() != b.year()) return a.year() < b.year();
  if (a.month() != b.month()) return a.month() < b.month();
  return a.day() < b.day();
}

std::string DateText(const common::v1::Date& d) {
  if (!service::IsSet(d)) return "(no date)";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year(), d.month(), d.day());
  return buf;
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  return FormatTimestamp(service::FromProtoTimestamp(t));
}

std::string RoleText(v1::CaseworkerRole role, v1::CoWorkerPurpose purpose) {
  if (role == v1::CASEWORKER_ROLE_PRIMARY) return "primary caseworker";
  std::string text = "co-worker";
  if (purpose != v1::CO_WORKER_PURPOSE_UNSPECIFIED) {
    text += " (" + Readable(v1::CoWorkerPurpose_Name(purpose), "CO_WORKER_PURPOSE_") + ")";
  }
  return text;
}

std::string WithText(const std::string& sentence, const std::string& text) {
  return text.empty() ? sentence : sentence + ": " + text;
}

}  // namespace

std::string Readable(const std::string& enum_name, std::string_view prefix) {
  std::string out = enum_name;
  if (out.rfind(prefix, 0) == 0) out.erase(0, prefix.size());
  for (char& c : out)
    c = c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsCaseServiceEvent(const EventEnvelope& event) {
  return event.payload_case() >= EventEnvelope::kCaseOpened &&
         event.payload_case() <= EventEnvelope::kPersonalDataErased;
}

void FoldCaseEvent(const EventEnvelope& event, v1::Case* state) {
  if (!IsCaseServiceEvent(event)) return;
  state->set_version(std::max<uint64_t>(state->version(), event.aggregate_version()));
  if (state->case_id().empty()) state->set_case_id(event.case_id());
  switch (event.payload_case()) {
    case EventEnvelope::kCaseOpened: {
      const v1::CaseOpened& e = event.case_opened();
      state->set_child_id(e.child_id());
      state->set_status(v1::CASE_STATUS_OPEN);
      state->set_legal_basis(e.legal_basis());
      state->set_legal_basis_text(e.legal_basis_text());
      *state->mutable_opened_on() = e.opened_on();
      state->set_team_id(e.team_id());
      break;
    }
    case EventEnvelope::kReportOfConcernReceived: {
      const v1::ReportOfConcernReceived& e = event.report_of_concern_received();
      v1::ReportOfConcern* r = state->add_reports_of_concern();
      r->set_report_id(e.report_id());
      *r->mutable_received_at() = e.received_at();
      r->set_reporter_type(e.reporter_type());
      break;
    }
    case EventEnvelope::kReportOfConcernAssessed: {
      const v1::ReportOfConcernAssessed& e = event.report_of_concern_assessed();
      for (v1::ReportOfConcern& r : *state->mutable_reports_of_concern()) {
        if (r.report_id() != e.report_id()) continue;
        r.set_assessed(true);
        *r.mutable_assessed_at() = e.assessed_at();
        r.set_acute(e.acute());
        r.set_outcome(e.outcome());
        r.set_note(e.note());
      }
      break;
    }
    case EventEnvelope::kInvestigationStarted: {
      const v1::InvestigationStarted& e = event.investigation_started();
      v1::Investigation* i = state->add_investigations();
      i->set_investigation_id(e.investigation_id());
      *i->mutable_started_on() = e.started_on();
      i->set_report_id(e.report_id());
      break;
    }
    case EventEnvelope::kInvestigationCompleted: {
      const v1::InvestigationCompleted& e = event.investigation_completed();
      for (v1::Investigation& i : *state->mutable_investigations()) {
        if (i.investigation_id() != e.investigation_id()) continue;
        i.set_completed(true);
        *i.mutable_completed_on() = e.completed_on();
        i.set_conclusion(e.conclusion());
      }
      break;
    }
    case EventEnvelope::kCaseworkerAssigned: {
      const v1::CaseworkerAssigned& e = event.caseworker_assigned();
      for (const v1::CaseworkerAssignment& a : state->caseworkers()) {
        if (a.caseworker_id() == e.caseworker_id() && a.role() == e.role() &&
            a.purpose() == e.purpose()) {
          return;
        }
      }
      v1::CaseworkerAssignment* a = state->add_caseworkers();
      a->set_caseworker_id(e.caseworker_id());
      a->set_role(e.role());
      a->set_purpose(e.purpose());
      *a->mutable_since() = event.effective_date();
      break;
    }
    case EventEnvelope::kCaseworkerUnassigned: {
      const v1::CaseworkerUnassigned& e = event.caseworker_unassigned();
      auto* list = state->mutable_caseworkers();
      list->erase(std::remove_if(list->begin(), list->end(),
                                 [&](const v1::CaseworkerAssignment& a) {
                                   return a.caseworker_id() == e.caseworker_id() &&
                                          a.role() == e.role() &&
                                          (e.purpose() == v1::CO_WORKER_PURPOSE_UNSPECIFIED ||
                                           a.purpose() == e.purpose());
                                 }),
                  list->end());
      break;
    }
    case EventEnvelope::kCaseWeightAssessed:
      state->set_grade(event.case_weight_assessed().grade());
      state->set_grade_reason(event.case_weight_assessed().reason());
      break;
    case EventEnvelope::kCaseClosed: {
      const v1::CaseClosed& e = event.case_closed();
      state->set_status(v1::CASE_STATUS_CLOSED);
      *state->mutable_closed_on() = e.closed_on();
      state->set_closure_reason(e.reason());
      state->set_closure_reason_text(e.reason_text());
      break;
    }
    case EventEnvelope::kCaseReopened:
      state->set_status(v1::CASE_STATUS_OPEN);
      *state->mutable_opened_on() = event.case_reopened().reopened_on();
      state->clear_closed_on();
      state->clear_closure_reason();
      state->clear_closure_reason_text();
      break;
    case EventEnvelope::kPersonalDataErased:
      state->mutable_personal_data()->set_state(v1::PERSONAL_DATA_STATE_ERASED);
      break;
    default: break;
  }
}

void SortForReaders(v1::Case* state) {
  auto* workers = state->mutable_caseworkers();
  std::stable_sort(workers->begin(), workers->end(),
                   [](const v1::CaseworkerAssignment& a, const v1::CaseworkerAssignment& b) {
                     return (a.role() == v1::CASEWORKER_ROLE_PRIMARY) >
                            (b.role() == v1::CASEWORKER_ROLE_PRIMARY);
                   });
  // Events append in time order, so the later entry is the newer one.
  auto* reports = state->mutable_reports_of_concern();
  std::reverse(reports->begin(), reports->end());
  std::stable_sort(reports->begin(), reports->end(),
                   [](const v1::ReportOfConcern& a, const v1::ReportOfConcern& b) {
                     return !a.assessed() && b.assessed();
                   });
  auto* investigations = state->mutable_investigations();
  std::reverse(investigations->begin(), investigations->end());
  std::stable_sort(investigations->begin(), investigations->end(),
                   [](const v1::Investigation& a, const v1::Investigation& b) {
                     if (a.completed() != b.completed()) return !a.completed();
                     return DateLess(b.started_on(), a.started_on());
                   });
}

std::string Summarize(const EventEnvelope& event, bool erased) {
  const std::string sealed = erased ? "[erased]" : "[personal data]";
  switch (event.payload_case()) {
    case EventEnvelope::kCaseOpened: {
      const v1::CaseOpened& e = event.case_opened();
      return "Case opened on " + DateText(e.opened_on()) + " for child " + e.child_id() + " " +
             sealed + " on the legal basis " +
             Readable(v1::LegalBasis_Name(e.legal_basis()), "LEGAL_BASIS_") +
             (e.legal_basis_text().empty() ? "" : " (" + e.legal_basis_text() + ")") +
             ", handled by team " + e.team_id();
    }
    case EventEnvelope::kReportOfConcernReceived: {
      const v1::ReportOfConcernReceived& e = event.report_of_concern_received();
      return "Report of concern " + e.report_id() + " received at " + TimeText(e.received_at()) +
             " from " + Readable(v1::ReporterType_Name(e.reporter_type()), "REPORTER_TYPE_");
    }
    case EventEnvelope::kReportOfConcernAssessed: {
      const v1::ReportOfConcernAssessed& e = event.report_of_concern_assessed();
      return WithText("Report of concern " + e.report_id() + " assessed at " +
                          TimeText(e.assessed_at()) + (e.acute() ? " as acute" : " as not acute") +
                          ", outcome " +
                          Readable(v1::ConcernOutcome_Name(e.outcome()), "CONCERN_OUTCOME_"),
                      e.note());
    }
    case EventEnvelope::kInvestigationStarted: {
      const v1::InvestigationStarted& e = event.investigation_started();
      return "Investigation (BFU) " + e.investigation_id() + " started on " +
             DateText(e.started_on()) +
             (e.report_id().empty() ? "" : " on report of concern " + e.report_id());
    }
    case EventEnvelope::kInvestigationCompleted: {
      const v1::InvestigationCompleted& e = event.investigation_completed();
      return "Investigation (BFU) " + e.investigation_id() + " completed on " +
             DateText(e.completed_on()) + ", conclusion " +
             Readable(v1::InvestigationConclusion_Name(e.conclusion()),
                      "INVESTIGATION_CONCLUSION_");
    }
    case EventEnvelope::kCaseworkerAssigned: {
      const v1::CaseworkerAssigned& e = event.caseworker_assigned();
      return WithText("Caseworker " + e.caseworker_id() + " assigned as " +
                          RoleText(e.role(), e.purpose()) +
                          (e.suggested() ? " on the workload service's suggestion" : ""),
                      e.reason());
    }
    case EventEnvelope::kCaseworkerUnassigned: {
      const v1::CaseworkerUnassigned& e = event.caseworker_unassigned();
      return WithText(
          "Caseworker " + e.caseworker_id() + " unassigned as " + RoleText(e.role(), e.purpose()),
          e.reason());
    }
    case EventEnvelope::kCaseWeightAssessed: {
      const v1::CaseWeightAssessed& e = event.case_weight_assessed();
      return WithText(
          "Weight assessed as " + Readable(v1::CaseGrade_Name(e.grade()), "CASE_GRADE_"),
          e.reason());
    }
    case EventEnvelope::kCaseClosed: {
      const v1::CaseClosed& e = event.case_closed();
      return WithText("Case closed on " + DateText(e.closed_on()) + ", reason " +
                          Readable(v1::ClosureReason_Name(e.reason()), "CLOSURE_REASON_"),
                      e.reason_text());
    }
    case EventEnvelope::kCaseReopened: {
      const v1::CaseReopened& e = event.case_reopened();
      return WithText("Case reopened on " + DateText(e.reopened_on()) + ", reason " +
                          Readable(v1::ReopenReason_Name(e.reason()), "REOPEN_REASON_"),
                      e.reason_text());
    }
    case EventEnvelope::kPersonalDataErased: {
      const v1::PersonalDataErased& e = event.personal_data_erased();
      return WithText("Personal data of child " + e.child_id() + " erased (data key " + e.key_id() +
                          " deleted), reason " +
                          Readable(v1::ErasureReason_Name(e.reason()), "ERASURE_REASON_"),
                      e.reason_text());
    }
    default:
      return std::string(events::EventTypeName(event)) + " recorded by " + event.actor() +
             " (effective " + DateText(event.effective_date()) + ")";
  }
}

}  // namespace trappe::cases
