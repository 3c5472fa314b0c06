// The cases module: gRPC CaseService, its command handlers and queries over the cases
// projection and the key store.
#include <sodium.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "case_state.h"
#include "cases_projection.h"
#include "cpr.h"
#include "personal_data_vault.h"
#include "trappe/cases/module.h"
#include "trappe/cases/v1/service.grpc.pb.h"
#include "trappe/common/log.h"
#include "trappe/common/status_grpc.h"
#include "trappe/events/headers.h"
#include "trappe/projection/keys.h"
#include "trappe/service/command_runner.h"
#include "trappe/service/convert.h"
#include "trappe/service/validate.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::cases {
namespace {

using events::v1::EventEnvelope;
using projection::TenantKey;
using service::CommandMeta;
using service::CommandOutcome;

constexpr std::string_view kServiceName = "trappe.cases.v1.CaseService";
constexpr size_t kMaxText = 500;
constexpr int32_t kDefaultPageSize = 50;
constexpr int32_t kMaxPageSize = 500;

template <typename IsValid>
Status RequireEnum(int value, IsValid is_valid, std::string_view field) {
  if (value == 0) return InvalidArgument(field, "is required");
  if (!is_valid(value)) return InvalidArgument(field, "unknown value " + std::to_string(value));
  return Status::Ok();
}

template <typename IsValid>
Status OptionalEnum(int value, IsValid is_valid, std::string_view field) {
  if (!is_valid(value)) return InvalidArgument(field, "unknown value " + std::to_string(value));
  return Status::Ok();
}

Status OptionalText(const std::string& text, std::string_view field) {
  return text.empty() ? Status::Ok() : service::ValidateText(text, field, kMaxText);
}

template <typename Request>
CommandMeta MetaOf(const Request& r, uint64_t expected_version) {
  return CommandMeta{.tenant = r.tenant(),
                     .request_id = r.request_id(),
                     .actor = r.actor(),
                     .correlation_id = r.correlation_id(),
                     .expected_version = expected_version};
}

EventEnvelope CaseEvent(const std::string& case_id, CivilDate effective) {
  EventEnvelope e;
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
  e.set_aggregate_id(case_id);
  e.set_case_id(case_id);
  *e.mutable_effective_date() = service::ToProtoDate(effective);
  return e;
}

CivilDate DateOf(const common::v1::Date& d) {
  return CivilDate::FromYmd(d.year(), d.month(), d.day()).value_or(CivilDate());
}

Result<std::vector<std::string>> ScanTails(const projection::ReadView& view,
                                           projection::FamilyId family, const std::string& prefix) {
  std::vector<std::string> tails;
  TRAPPE_RETURN_IF_ERROR(view.Scan(family, prefix, [&](std::string_view key, std::string_view) {
    tails.emplace_back(key.substr(prefix.size()));
    return true;
  }));
  return tails;
}

// Team and caseworker ids are the workload service's (chosen by the municipality, e.g. a
// user name): 1-64 bytes of letters, digits and . _ - : @ -- the same rule workload applies.
Status ValidateOrgId(std::string_view id, std::string_view field) {
  if (id.empty()) return InvalidArgument(field, "is required");
  if (id.size() > 64) return InvalidArgument(field, "must be at most 64 bytes");
  for (const char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == ':' ||
                    ch == '@';
    if (!ok) return InvalidArgument(field, "may contain only letters, digits and . _ - : @");
  }
  return Status::Ok();
}

// The request id of the erasure event written to another case of the child: stable, so a
// retry finds it, and within the 128 bytes a request id may have.
std::string DerivedRequestId(const std::string& request_id, const std::string& case_id) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(request_id.data()),
                     request_id.size(), nullptr, 0);
  return "erasure/" + case_id + "/" +
         HexOf(std::string_view(reinterpret_cast<const char*>(hash), sizeof hash));
}

Result<int64_t> PageStart(const common::v1::PageRequest& page) {
  if (page.page_token().empty()) return int64_t{0};
  int64_t start = 0;
  for (const char c : page.page_token()) {
    if (c < '0' || c > '9' || start > (int64_t{1} << 40)) {
      return InvalidArgument("page.page_token", "is not a token this service returned");
    }
    start = start * 10 + (c - '0');
  }
  return start;
}

Result<int32_t> PageSize(const common::v1::PageRequest& page) {
  if (page.page_size() < 0) return InvalidArgument("page.page_size", "must not be negative");
  if (page.page_size() == 0) return kDefaultPageSize;
  return std::min(page.page_size(), kMaxPageSize);
}

class CaseServiceImpl;

class CasesModule final : public service::ServiceModule {
 public:
  CasesModule(const service::ModuleContext& context, CasesOptions options,
              std::unique_ptr<PersonalDataVault> vault, std::unique_ptr<projection::Engine> engine);
  ~CasesModule() override;

  std::string name() const override { return "cases"; }
  grpc::Service* grpc_service() override;
  service::ServiceRuntime& runtime() override { return runtime_; }
  projection::Engine& engine() override { return *engine_; }
  // The key store: children's data keys cannot be derived from the log.
  Status Backup(const std::filesystem::path& directory) override {
    return vault_->Backup((directory / "keys").string());
  }

  // Commands.
  Status OpenCase(const v1::OpenCaseRequest& r, v1::OpenCaseResponse* out);
  Status RecordReportOfConcern(const v1::RecordReportOfConcernRequest& r,
                               v1::RecordReportOfConcernResponse* out);
  Status AssessReportOfConcern(const v1::AssessReportOfConcernRequest& r,
                               v1::AssessReportOfConcernResponse* out);
  Status StartInvestigation(const v1::StartInvestigationRequest& r,
                            v1::StartInvestigationResponse* out);
  Status CompleteInvestigation(const v1::CompleteInvestigationRequest& r,
                               v1::CompleteInvestigationResponse* out);
  Status AssignCaseworker(const v1::AssignCaseworkerRequest& r, v1::AssignCaseworkerResponse* out);
  Status UnassignCaseworker(const v1::UnassignCaseworkerRequest& r,
                            v1::UnassignCaseworkerResponse* out);
  Status AssessWeight(const v1::AssessWeightRequest& r, v1::AssessWeightResponse* out);
  Status CloseCase(const v1::CloseCaseRequest& r, v1::CloseCaseResponse* out);
  Status ReopenCase(const v1::ReopenCaseRequest& r, v1::ReopenCaseResponse* out);
  Status ErasePersonalData(const v1::ErasePersonalDataRequest& r,
                           v1::ErasePersonalDataResponse* out);

  // Queries.
  Status GetCase(const grpc::ServerContext* ctx, const v1::GetCaseRequest& r,
                 v1::GetCaseResponse* out);
  Status ListCases(const grpc::ServerContext* ctx, const v1::ListCasesRequest& r,
                   v1::ListCasesResponse* out);
  Status GetCaseHistory(const grpc::ServerContext* ctx, const v1::GetCaseHistoryRequest& r,
                        v1::GetCaseHistoryResponse* out);
  Status GetCaseAsOf(const grpc::ServerContext* ctx, const v1::GetCaseAsOfRequest& r,
                     v1::GetCaseAsOfResponse* out);
  Status FindCasesByCpr(const grpc::ServerContext* ctx, const v1::FindCasesByCprRequest& r,
                        v1::FindCasesByCprResponse* out);

 private:
  using CaseDecideFn = std::function<Result<std::vector<EventEnvelope>>(const projection::ReadView&,
                                                                        const v1::Case&)>;

  // CheckReady, and once ready, the one-time completion of interrupted erasures.
  Status Ready();
  // Deletes the data key of every erased child that still has one: an erasure whose event
  // was written but whose key deletion a crash interrupted.
  Status CompleteErasures();

  CivilDate Today() const { return CopenhagenDate(context_.clock->Now()); }
  Result<CivilDate> EffectiveDate(const common::v1::Date& date, std::string_view field) const;
  Status CheckTimestamp(const google::protobuf::Timestamp& t, bool present,
                        std::string_view field) const;

  // Runs a command on an existing case: loads it (NOT_FOUND), lets `decide` check the state
  // and build the events, appends them.
  Result<CommandOutcome> RunOnCase(const CommandMeta& meta, const std::string& case_id,
                                   const CaseDecideFn& decide);
  Result<CommandOutcome> RunCaseCommand(const CommandMeta& meta, const std::string& case_id,
                                        const CaseDecideFn& decide);
  // The events a command wrote to the case (for replies, also to a retried request_id),
  // read from the case's history at the positions of its outcome. Events the view does not
  // hold yet are left out.
  Result<std::vector<EventEnvelope>> EventsOfRequest(const projection::ReadView& view,
                                                     const std::string& tenant,
                                                     const CommandOutcome& outcome,
                                                     const std::string& request_id) const;

  struct Suggestion {
    std::string caseworker_id;
    std::string reason;
  };
  Result<Suggestion> SuggestPrimary(const v1::OpenCaseRequest& r, CivilDate as_of) const;
  Status FillOpenResponse(const projection::ReadView& view, const std::string& tenant,
                          const CommandOutcome& outcome, const std::string& request_id,
                          v1::OpenCaseResponse* out) const;

  Result<v1::PersonalDataView> PersonalDataOf(const projection::ReadView& view,
                                              const std::string& tenant, const v1::Case& state,
                                              bool include) const;
  Result<v1::CaseSummary> SummaryOf(const projection::ReadView& view, const std::string& tenant,
                                    const v1::Case& state, bool include_personal_data) const;

  // Remembers the furthest position this service wrote in each partition, so that the
  // workload service is asked only once it has seen every case this service changed.
  void NoteWritten(const std::vector<eventlog::Position>& positions);
  std::vector<common::v1::LogPosition> WrittenSoFar() const;

  const service::ModuleContext context_;
  const CasesOptions options_;
  mutable std::mutex written_mu_;
  std::map<std::pair<std::string, int32_t>, int64_t> written_;
  std::unique_ptr<PersonalDataVault> vault_;
  std::unique_ptr<projection::Engine> engine_;
  service::ServiceRuntime runtime_;
  service::CommandRunner runner_;
  // Erasure writes to every case of the child: it runs alone (exclusive), every other
  // command shares the lock, so no secondary case changes under an erasure.
  std::shared_mutex erase_mu_;
  std::once_flag erasures_completed_;
  std::unique_ptr<CaseServiceImpl> grpc_;
};

Result<v1::Case> LoadCase(const projection::ReadView& view, const std::string& tenant,
                          const std::string& case_id) {
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> stored,
                          view.Get(kCases, TenantKey(tenant, {case_id})));
  v1::Case state;
  if (!stored) return NotFound("case " + case_id + " not found");
  if (!state.ParseFromString(*stored))
    return DataLoss("the state of case " + case_id + " is corrupt");
  return state;
}

Result<CivilDate> CasesModule::EffectiveDate(const common::v1::Date& date,
                                             std::string_view field) const {
  const CivilDate today = Today();
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate value, service::ToCivilDateOr(date, field, today));
  TRAPPE_RETURN_IF_ERROR(service::ValidateNotFuture(value, today, field));
  return value;
}

Status CasesModule::CheckTimestamp(const google::protobuf::Timestamp& t, bool present,
                                   std::string_view field) const {
  if (!present) return InvalidArgument(field, "is required");
  if (t.seconds() <= 0 || t.nanos() < 0 || t.nanos() > 999'999'999) {
    return InvalidArgument(field, "is not a valid instant");
  }
  const Timestamp value = service::FromProtoTimestamp(t);
  if (value > context_.clock->Now()) {
    return InvalidArgument(field, FormatTimestamp(value) + " is in the future");
  }
  return Status::Ok();
}

Status CasesModule::Ready() {
  TRAPPE_RETURN_IF_ERROR(runtime_.CheckReady());
  std::call_once(erasures_completed_, [this] {
    if (Status s = CompleteErasures(); !s.ok()) {
      log::Error("cases.complete_erasures_failed", {{"error", s.ToString()}});
    }
  });
  return Status::Ok();
}

Status CasesModule::CompleteErasures() {
  std::unique_lock lock(erase_mu_);
  const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
  std::vector<std::pair<std::string, std::string>> erased;  // tenant, child_id
  TRAPPE_RETURN_IF_ERROR(view->Scan(kErased, "", [&](std::string_view key, std::string_view) {
    const size_t slash = key.find('/');
    if (slash != std::string_view::npos) {
      erased.emplace_back(std::string(key.substr(0, slash)), std::string(key.substr(slash + 1)));
    }
    return true;
  }));
  for (const auto& [tenant, child] : erased) {
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> known,
                            view->Get(kChildren, TenantKey(tenant, {child})));
    if (!known) continue;
    const std::string key_id = known->substr(known->find('/') + 1);
    TRAPPE_ASSIGN_OR_RETURN(const bool has_key, vault_->HasKey(tenant, key_id));
    if (!has_key) continue;
    TRAPPE_RETURN_IF_ERROR(vault_->EraseKey(tenant, key_id));
    log::Warn("cases.erasure_completed",
              {{"tenant", tenant}, {"child_id", child}, {"key_id", key_id}});
  }
  return Status::Ok();
}

void CasesModule::NoteWritten(const std::vector<eventlog::Position>& positions) {
  std::lock_guard lock(written_mu_);
  for (const eventlog::Position& p : positions) {
    int64_t& furthest = written_[{p.topic, p.partition}];
    furthest = std::max(furthest, p.offset);
  }
}

std::vector<common::v1::LogPosition> CasesModule::WrittenSoFar() const {
  std::lock_guard lock(written_mu_);
  std::vector<common::v1::LogPosition> out;
  for (const auto& [partition, offset] : written_) {
    common::v1::LogPosition& p = out.emplace_back();
    p.set_topic(partition.first);
    p.set_partition(partition.second);
    p.set_offset(offset);
  }
  return out;
}

Result<CommandOutcome> CasesModule::RunOnCase(const CommandMeta& meta, const std::string& case_id,
                                              const CaseDecideFn& decide) {
  TRAPPE_RETURN_IF_ERROR(Ready());
  std::shared_lock lock(erase_mu_);
  Result<CommandOutcome> outcome = RunCaseCommand(meta, case_id, decide);
  if (outcome.ok()) NoteWritten(outcome->positions);
  return outcome;
}

Result<CommandOutcome> CasesModule::RunCaseCommand(const CommandMeta& meta,
                                                   const std::string& case_id,
                                                   const CaseDecideFn& decide) {
  return runner_.Run(
      meta, case_id, [&](const projection::ReadView& view) -> Result<service::Decision> {
        TRAPPE_ASSIGN_OR_RETURN(const v1::Case state, LoadCase(view, meta.tenant, case_id));
        service::Decision decision{.current_version = state.version()};
        TRAPPE_ASSIGN_OR_RETURN(decision.events, decide(view, state));
        return decision;
      });
}

Result<std::vector<EventEnvelope>> CasesModule::EventsOfRequest(
    const projection::ReadView& view, const std::string& tenant, const CommandOutcome& outcome,
    const std::string& request_id) const {
  // One lookup per event written, not a walk through the case's whole history: a case's
  // events share one partition of the case topic, so its history is keyed by offset.
  const std::string& case_id = outcome.aggregate_id;
  std::vector<EventEnvelope> found;
  found.reserve(outcome.positions.size());
  for (const eventlog::Position& position : outcome.positions) {
    if (position.topic != events::kCaseEventsTopic) continue;
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> value,
                            view.Get(kHistory, HistoryKey(tenant, case_id, position.offset)));
    if (!value) continue;
    v1::CaseHistoryEntry entry;
    if (!entry.ParseFromString(*value)) {
      return DataLoss("history entry " + std::to_string(position.offset) + " of case " + case_id +
                      " is corrupt");
    }
    if (entry.envelope().request_id() == request_id) found.push_back(entry.envelope());
  }
  return found;
}

Status RequireOpen(const v1::Case& state) {
  if (state.status() == v1::CASE_STATUS_CLOSED) {
    return FailedPrecondition("case " + state.case_id() + " is closed");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// OpenCase

Result<CasesModule::Suggestion> CasesModule::SuggestPrimary(const v1::OpenCaseRequest& r,
                                                            CivilDate as_of) const {
  const Status not_configured =
      FailedPrecondition("caseworker_id: required (no workload service configured)");
  if (!context_.workload_channel) return not_configured;
  const std::shared_ptr<grpc::Channel> channel = context_.workload_channel();
  if (!channel) return not_configured;
  workload::v1::WorkloadService::Stub stub(channel);
  workload::v1::SuggestAssigneeRequest request;
  request.set_tenant(r.tenant());
  request.set_team_id(r.team_id());
  request.set_grade(r.grade());
  request.set_role(v1::CASEWORKER_ROLE_PRIMARY);
  *request.mutable_as_of() = service::ToProtoDate(as_of);
  for (common::v1::LogPosition& p : WrittenSoFar()) *request.add_min_positions() = std::move(p);
  workload::v1::SuggestAssigneeResponse response;
  grpc::ClientContext call;
  call.set_deadline(std::chrono::system_clock::now() + options_.workload_deadline);
  const grpc::Status status = stub.SuggestAssignee(&call, request, &response);
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      if (!ValidateOrgId(response.caseworker_id(), "caseworker_id").ok()) {
        return Internal("the workload service suggested no valid caseworker");
      }
      return Suggestion{response.caseworker_id(), response.reason()};
    case grpc::StatusCode::UNIMPLEMENTED: return not_configured;
    case grpc::StatusCode::FAILED_PRECONDITION:
      // Nobody has headroom: the case opens without a primary caseworker (the contract).
      return Suggestion{"", "no caseworker assigned: " + status.error_message()};
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
      return FailedPrecondition("caseworker_id: the workload service could not suggest one: " +
                                status.error_message());
    default:
      return Unavailable("workload service (SuggestAssignee) failed: " + status.error_message() +
                         "; retry, or name caseworker_id");
  }
}

Status CasesModule::FillOpenResponse(const projection::ReadView& view, const std::string& tenant,
                                     const CommandOutcome& outcome, const std::string& request_id,
                                     v1::OpenCaseResponse* out) const {
  service::FillWriteResponse(outcome, out);
  out->set_case_id(outcome.aggregate_id);
  TRAPPE_ASSIGN_OR_RETURN(const std::vector<EventEnvelope> events,
                          EventsOfRequest(view, tenant, outcome, request_id));
  for (const EventEnvelope& e : events) {
    if (e.has_case_opened()) out->set_child_id(e.case_opened().child_id());
    if (e.has_caseworker_assigned()) {
      out->set_caseworker_id(e.caseworker_assigned().caseworker_id());
      out->set_caseworker_suggested(e.caseworker_assigned().suggested());
      out->set_assignment_reason(e.caseworker_assigned().reason());
    }
  }
  return Status::Ok();
}

Status CasesModule::OpenCase(const v1::OpenCaseRequest& r, v1::OpenCaseResponse* out) {
  TRAPPE_RETURN_IF_ERROR(Ready());
  const CommandMeta meta = MetaOf(r, 0);
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  if (!r.has_personal_data()) return InvalidArgument("personal_data", "is required");
  TRAPPE_ASSIGN_OR_RETURN(const std::string cpr,
                          NormalizeCpr(r.personal_data().cpr_number(), "personal_data.cpr_number"));
  TRAPPE_RETURN_IF_ERROR(
      service::ValidateText(r.personal_data().given_name(), "personal_data.given_name", kMaxText));
  TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.personal_data().family_name(),
                                               "personal_data.family_name", kMaxText));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.legal_basis(), v1::LegalBasis_IsValid, "legal_basis"));
  if (r.legal_basis() == v1::LEGAL_BASIS_OTHER) {
    TRAPPE_RETURN_IF_ERROR(
        service::ValidateText(r.legal_basis_text(), "legal_basis_text", kMaxText));
  }
  TRAPPE_RETURN_IF_ERROR(OptionalText(r.legal_basis_text(), "legal_basis_text"));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate opened_on, EffectiveDate(r.opened_on(), "opened_on"));
  TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r.team_id(), "team_id"));
  if (!r.caseworker_id().empty()) {
    TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r.caseworker_id(), "caseworker_id"));
  }
  TRAPPE_RETURN_IF_ERROR(OptionalEnum(r.grade(), v1::CaseGrade_IsValid, "grade"));
  TRAPPE_RETURN_IF_ERROR(OptionalText(r.grade_reason(), "grade_reason"));
  if (!r.grade_reason().empty() && r.grade() == v1::CASE_GRADE_UNSPECIFIED) {
    return InvalidArgument("grade_reason", "is given without a grade");
  }

  // A retry must not ask workload again (it may answer differently, or be down).
  {
    const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<CommandOutcome> earlier,
                            service::LookupRequest(*view, kRequests, r.tenant(), r.request_id()));
    if (earlier) return FillOpenResponse(*view, r.tenant(), *earlier, r.request_id(), out);
  }

  Suggestion assignee{r.caseworker_id(), ""};
  bool suggested = false;
  if (assignee.caseworker_id.empty()) {
    TRAPPE_ASSIGN_OR_RETURN(assignee, SuggestPrimary(r, opened_on));
    suggested = !assignee.caseworker_id.empty();
  }

  const std::string blind_index = vault_->BlindIndex(r.tenant(), cpr);
  const std::string index_hex = HexOf(blind_index);
  v1::PersonalData personal;
  personal.set_cpr_number(cpr);
  personal.set_given_name(r.personal_data().given_name());
  personal.set_family_name(r.personal_data().family_name());

  std::shared_lock lock(erase_mu_);
  // Serialised per child (blind index), so that two first cases of one child cannot both
  // make a new child_id.
  Result<CommandOutcome> outcome = runner_.Run(
      meta, "child/" + index_hex,
      [&](const projection::ReadView& view) -> Result<service::Decision> {
        std::string child_id;
        std::string key_id;
        TRAPPE_RETURN_IF_ERROR(view.Scan(kCprIndex, TenantKey(r.tenant(), {index_hex, ""}),
                                         [&](std::string_view key, std::string_view value) {
                                           child_id = std::string(key.substr(key.rfind('/') + 1));
                                           key_id = std::string(value);
                                           return false;
                                         }));
        if (!child_id.empty()) {
          TRAPPE_ASSIGN_OR_RETURN(const bool has_key, vault_->HasKey(r.tenant(), key_id));
          if (!has_key) child_id.clear();
        }
        if (child_id.empty()) {
          child_id = context_.ids->NewId();
          TRAPPE_ASSIGN_OR_RETURN(key_id, vault_->TakeNewKey(r.tenant()));
        }
        TRAPPE_ASSIGN_OR_RETURN(v1::EncryptedPersonalData sealed,
                                vault_->Seal(r.tenant(), child_id, key_id, personal));
        const std::string case_id = context_.ids->NewId();
        service::Decision decision;
        EventEnvelope opened = CaseEvent(case_id, opened_on);
        v1::CaseOpened* e = opened.mutable_case_opened();
        e->set_case_id(case_id);
        e->set_child_id(child_id);
        *e->mutable_personal_data() = std::move(sealed);
        e->set_cpr_blind_index(blind_index);
        e->set_legal_basis(r.legal_basis());
        e->set_legal_basis_text(r.legal_basis_text());
        *e->mutable_opened_on() = service::ToProtoDate(opened_on);
        e->set_team_id(r.team_id());
        decision.events.push_back(std::move(opened));
        if (r.grade() != v1::CASE_GRADE_UNSPECIFIED) {
          EventEnvelope weight = CaseEvent(case_id, opened_on);
          weight.mutable_case_weight_assessed()->set_case_id(case_id);
          weight.mutable_case_weight_assessed()->set_grade(r.grade());
          weight.mutable_case_weight_assessed()->set_reason(r.grade_reason());
          decision.events.push_back(std::move(weight));
        }
        if (!assignee.caseworker_id.empty()) {
          EventEnvelope assigned = CaseEvent(case_id, opened_on);
          v1::CaseworkerAssigned* a = assigned.mutable_caseworker_assigned();
          a->set_case_id(case_id);
          a->set_caseworker_id(assignee.caseworker_id);
          a->set_role(v1::CASEWORKER_ROLE_PRIMARY);
          a->set_suggested(suggested);
          a->set_reason(suggested ? assignee.reason : "named when the case was opened");
          decision.events.push_back(std::move(assigned));
        }
        return decision;
      });
  personal.Clear();
  TRAPPE_RETURN_IF_ERROR(outcome.status());
  NoteWritten(outcome->positions);
  const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
  TRAPPE_RETURN_IF_ERROR(FillOpenResponse(*view, r.tenant(), *outcome, r.request_id(), out));
  if (out->caseworker_id().empty()) out->set_assignment_reason(assignee.reason);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Reports of concern, investigations

Status CasesModule::RecordReportOfConcern(const v1::RecordReportOfConcernRequest& r,
                                          v1::RecordReportOfConcernResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(CheckTimestamp(r.received_at(), r.has_received_at(), "received_at"));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.reporter_type(), v1::ReporterType_IsValid, "reporter_type"));
  const CivilDate effective = CopenhagenDate(service::FromProtoTimestamp(r.received_at()));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  TRAPPE_RETURN_IF_ERROR(RequireOpen(state));
                  EventEnvelope event = CaseEvent(r.case_id(), effective);
                  v1::ReportOfConcernReceived* e = event.mutable_report_of_concern_received();
                  e->set_case_id(r.case_id());
                  e->set_report_id(context_.ids->NewId());
                  *e->mutable_received_at() = r.received_at();
                  e->set_reporter_type(r.reporter_type());
                  return std::vector<EventEnvelope>{std::move(event)};
                }));
  service::FillWriteResponse(outcome, out);
  TRAPPE_ASSIGN_OR_RETURN(
      const std::vector<EventEnvelope> events,
      EventsOfRequest(*engine_->Snapshot(), r.tenant(), outcome, r.request_id()));
  for (const EventEnvelope& e : events) {
    if (e.has_report_of_concern_received()) {
      out->set_report_id(e.report_of_concern_received().report_id());
    }
  }
  return Status::Ok();
}

Status CasesModule::AssessReportOfConcern(const v1::AssessReportOfConcernRequest& r,
                                          v1::AssessReportOfConcernResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.report_id(), "report_id"));
  TRAPPE_RETURN_IF_ERROR(CheckTimestamp(r.assessed_at(), r.has_assessed_at(), "assessed_at"));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.outcome(), v1::ConcernOutcome_IsValid, "outcome"));
  TRAPPE_RETURN_IF_ERROR(OptionalText(r.note(), "note"));
  const CivilDate effective = CopenhagenDate(service::FromProtoTimestamp(r.assessed_at()));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  const v1::ReportOfConcern* report = nullptr;
                  for (const v1::ReportOfConcern& each : state.reports_of_concern()) {
                    if (each.report_id() == r.report_id()) report = &each;
                  }
                  if (report == nullptr) {
                    return NotFound("report of concern " + r.report_id() + " not found in case " +
                                    r.case_id());
                  }
                  if (report->assessed()) {
                    return FailedPrecondition("report of concern " + r.report_id() +
                                              " is already assessed");
                  }
                  if (service::FromProtoTimestamp(r.assessed_at()) <
                      service::FromProtoTimestamp(report->received_at())) {
                    return InvalidArgument(
                        "assessed_at",
                        "is before the report was received (" +
                            FormatTimestamp(service::FromProtoTimestamp(report->received_at())) +
                            ")");
                  }
                  EventEnvelope event = CaseEvent(r.case_id(), effective);
                  v1::ReportOfConcernAssessed* e = event.mutable_report_of_concern_assessed();
                  e->set_case_id(r.case_id());
                  e->set_report_id(r.report_id());
                  *e->mutable_assessed_at() = r.assessed_at();
                  e->set_acute(r.acute());
                  e->set_outcome(r.outcome());
                  e->set_note(r.note());
                  return std::vector<EventEnvelope>{std::move(event)};
                }));
  service::FillWriteResponse(outcome, out);
  return Status::Ok();
}

Status CasesModule::StartInvestigation(const v1::StartInvestigationRequest& r,
                                       v1::StartInvestigationResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate started_on, EffectiveDate(r.started_on(), "started_on"));
  if (!r.report_id().empty())
    TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.report_id(), "report_id"));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  TRAPPE_RETURN_IF_ERROR(RequireOpen(state));
                  if (!r.report_id().empty() && std::none_of(state.reports_of_concern().begin(),
                                                             state.reports_of_concern().end(),
                                                             [&](const v1::ReportOfConcern& each) {
                                                               return each.report_id() ==
                                                                      r.report_id();
                                                             })) {
                    return NotFound("report of concern " + r.report_id() + " not found in case " +
                                    r.case_id());
                  }
                  EventEnvelope event = CaseEvent(r.case_id(), started_on);
                  v1::InvestigationStarted* e = event.mutable_investigation_started();
                  e->set_case_id(r.case_id());
                  e->set_investigation_id(context_.ids->NewId());
                  *e->mutable_started_on() = service::ToProtoDate(started_on);
                  e->set_report_id(r.report_id());
                  return std::vector<EventEnvelope>{std::move(event)};
                }));
  service::FillWriteResponse(outcome, out);
  TRAPPE_ASSIGN_OR_RETURN(
      const std::vector<EventEnvelope> events,
      EventsOfRequest(*engine_->Snapshot(), r.tenant(), outcome, r.request_id()));
  for (const EventEnvelope& e : events) {
    if (e.has_investigation_started()) {
      out->set_investigation_id(e.investigation_started().investigation_id());
    }
  }
  return Status::Ok();
}

Status CasesModule::CompleteInvestigation(const v1::CompleteInvestigationRequest& r,
                                          v1::CompleteInvestigationResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.investigation_id(), "investigation_id"));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate completed_on,
                          EffectiveDate(r.completed_on(), "completed_on"));
  TRAPPE_RETURN_IF_ERROR(
      RequireEnum(r.conclusion(), v1::InvestigationConclusion_IsValid, "conclusion"));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  const v1::Investigation* found = nullptr;
                  for (const v1::Investigation& each : state.investigations()) {
                    if (each.investigation_id() == r.investigation_id()) found = &each;
                  }
                  if (found == nullptr) {
                    return NotFound("investigation " + r.investigation_id() +
                                    " not found in case " + r.case_id());
                  }
                  if (found->completed()) {
                    return FailedPrecondition("investigation " + r.investigation_id() +
                                              " is already completed");
                  }
                  if (completed_on < DateOf(found->started_on())) {
                    return InvalidArgument("completed_on",
                                           completed_on.ToString() +
                                               " is before the investigation started (" +
                                               DateOf(found->started_on()).ToString() + ")");
                  }
                  EventEnvelope event = CaseEvent(r.case_id(), completed_on);
                  v1::InvestigationCompleted* e = event.mutable_investigation_completed();
                  e->set_case_id(r.case_id());
                  e->set_investigation_id(r.investigation_id());
                  *e->mutable_completed_on() = service::ToProtoDate(completed_on);
                  e->set_conclusion(r.conclusion());
                  return std::vector<EventEnvelope>{std::move(event)};
                }));
  service::FillWriteResponse(outcome, out);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Caseworkers, weight

Status CasesModule::AssignCaseworker(const v1::AssignCaseworkerRequest& r,
                                     v1::AssignCaseworkerResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r.caseworker_id(), "caseworker_id"));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.role(), v1::CaseworkerRole_IsValid, "role"));
  TRAPPE_RETURN_IF_ERROR(OptionalEnum(r.purpose(), v1::CoWorkerPurpose_IsValid, "purpose"));
  if (r.role() == v1::CASEWORKER_ROLE_CO_WORKER && r.purpose() == 0) {
    return InvalidArgument("purpose", "is required for a co-worker");
  }
  if (r.role() == v1::CASEWORKER_ROLE_PRIMARY && r.purpose() != 0) {
    return InvalidArgument("purpose", "must be unspecified for the primary caseworker");
  }
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate effective,
                          EffectiveDate(r.effective_date(), "effective_date"));
  TRAPPE_RETURN_IF_ERROR(OptionalText(r.reason(), "reason"));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  TRAPPE_RETURN_IF_ERROR(RequireOpen(state));
                  for (const v1::CaseworkerAssignment& a : state.caseworkers()) {
                    if (a.caseworker_id() == r.caseworker_id() && a.role() == r.role() &&
                        a.purpose() == r.purpose()) {
                      return FailedPrecondition("caseworker " + r.caseworker_id() +
                                                " already holds this role on case " + r.case_id());
                    }
                    if (r.role() == v1::CASEWORKER_ROLE_PRIMARY &&
                        a.role() == v1::CASEWORKER_ROLE_PRIMARY) {
                      return FailedPrecondition("case " + r.case_id() +
                                                " already has a primary caseworker (" +
                                                a.caseworker_id() + "); unassign them first");
                    }
                    if (a.caseworker_id() == r.caseworker_id() && a.role() != r.role()) {
                      return FailedPrecondition(
                          "caseworker " + r.caseworker_id() +
                          " cannot be both primary caseworker and co-worker on one case");
                    }
                  }
                  EventEnvelope event = CaseEvent(r.case_id(), effective);
                  v1::CaseworkerAssigned* e = event.mutable_caseworker_assigned();
                  e->set_case_id(r.case_id());
                  e->set_caseworker_id(r.caseworker_id());
                  e->set_role(r.role());
                  e->set_purpose(r.purpose());
                  e->set_reason(r.reason());
                  return std::vector<EventEnvelope>{std::move(event)};
                }));
  service::FillWriteResponse(outcome, out);
  return Status::Ok();
}

Status CasesModule::UnassignCaseworker(const v1::UnassignCaseworkerRequest& r,
                                       v1::UnassignCaseworkerResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r.caseworker_id(), "caseworker_id"));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.role(), v1::CaseworkerRole_IsValid, "role"));
  TRAPPE_RETURN_IF_ERROR(OptionalEnum(r.purpose(), v1::CoWorkerPurpose_IsValid, "purpose"));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate effective,
                          EffectiveDate(r.effective_date(), "effective_date"));
  TRAPPE_RETURN_IF_ERROR(OptionalText(r.reason(), "reason"));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  std::vector<EventEnvelope> events;
                  for (const v1::CaseworkerAssignment& a : state.caseworkers()) {
                    if (a.caseworker_id() != r.caseworker_id() || a.role() != r.role()) continue;
                    if (r.purpose() != 0 && a.purpose() != r.purpose()) continue;
                    EventEnvelope event = CaseEvent(r.case_id(), effective);
                    v1::CaseworkerUnassigned* e = event.mutable_caseworker_unassigned();
                    e->set_case_id(r.case_id());
                    e->set_caseworker_id(r.caseworker_id());
                    e->set_role(a.role());
                    e->set_purpose(a.purpose());
                    e->set_reason(r.reason());
                    events.push_back(std::move(event));
                  }
                  if (events.empty()) {
                    return FailedPrecondition("caseworker " + r.caseworker_id() +
                                              " holds no such role on case " + r.case_id());
                  }
                  return events;
                }));
  service::FillWriteResponse(outcome, out);
  return Status::Ok();
}

Status CasesModule::AssessWeight(const v1::AssessWeightRequest& r, v1::AssessWeightResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.grade(), v1::CaseGrade_IsValid, "grade"));
  TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.reason(), "reason", kMaxText));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate effective,
                          EffectiveDate(r.effective_date(), "effective_date"));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  TRAPPE_RETURN_IF_ERROR(RequireOpen(state));
                  EventEnvelope event = CaseEvent(r.case_id(), effective);
                  v1::CaseWeightAssessed* e = event.mutable_case_weight_assessed();
                  e->set_case_id(r.case_id());
                  e->set_grade(r.grade());
                  e->set_reason(r.reason());
                  return std::vector<EventEnvelope>{std::move(event)};
                }));
  service::FillWriteResponse(outcome, out);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Close, reopen

Status CasesModule::CloseCase(const v1::CloseCaseRequest& r, v1::CloseCaseResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.reason(), v1::ClosureReason_IsValid, "reason"));
  if (r.reason() == v1::CLOSURE_REASON_OTHER) {
    TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.reason_text(), "reason_text", kMaxText));
  }
  TRAPPE_RETURN_IF_ERROR(OptionalText(r.reason_text(), "reason_text"));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate closed_on, EffectiveDate(r.closed_on(), "closed_on"));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  if (state.status() == v1::CASE_STATUS_CLOSED) {
                    return FailedPrecondition("case " + r.case_id() + " is already closed");
                  }
                  if (closed_on < DateOf(state.opened_on())) {
                    return InvalidArgument(
                        "closed_on", closed_on.ToString() + " is before the case was opened (" +
                                         DateOf(state.opened_on()).ToString() + ")");
                  }
                  EventEnvelope event = CaseEvent(r.case_id(), closed_on);
                  v1::CaseClosed* e = event.mutable_case_closed();
                  e->set_case_id(r.case_id());
                  e->set_reason(r.reason());
                  e->set_reason_text(r.reason_text());
                  *e->mutable_closed_on() = service::ToProtoDate(closed_on);
                  return std::vector<EventEnvelope>{std::move(event)};
                }));
  service::FillWriteResponse(outcome, out);
  return Status::Ok();
}

Status CasesModule::ReopenCase(const v1::ReopenCaseRequest& r, v1::ReopenCaseResponse* out) {
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.reason(), v1::ReopenReason_IsValid, "reason"));
  if (r.reason() == v1::REOPEN_REASON_OTHER) {
    TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.reason_text(), "reason_text", kMaxText));
  }
  TRAPPE_RETURN_IF_ERROR(OptionalText(r.reason_text(), "reason_text"));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate reopened_on,
                          EffectiveDate(r.reopened_on(), "reopened_on"));
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      RunOnCase(meta, r.case_id(),
                [&](const projection::ReadView&,
                    const v1::Case& state) -> Result<std::vector<EventEnvelope>> {
                  if (state.status() != v1::CASE_STATUS_CLOSED) {
                    return FailedPrecondition("case " + r.case_id() + " is open");
                  }
                  if (reopened_on < DateOf(state.closed_on())) {
                    return InvalidArgument(
                        "reopened_on", reopened_on.ToString() + " is before the case was closed (" +
                                           DateOf(state.closed_on()).ToString() + ")");
                  }
                  EventEnvelope event = CaseEvent(r.case_id(), reopened_on);
                  v1::CaseReopened* e = event.mutable_case_reopened();
                  e->set_case_id(r.case_id());
                  e->set_reason(r.reason());
                  e->set_reason_text(r.reason_text());
                  *e->mutable_reopened_on() = service::ToProtoDate(reopened_on);
                  return std::vector<EventEnvelope>{std::move(event)};
                }));
  service::FillWriteResponse(outcome, out);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Erasure (crypto-shredding)

Status CasesModule::ErasePersonalData(const v1::ErasePersonalDataRequest& r,
                                      v1::ErasePersonalDataResponse* out) {
  TRAPPE_RETURN_IF_ERROR(Ready());
  const CommandMeta meta = MetaOf(r, r.expected_version());
  TRAPPE_RETURN_IF_ERROR(service::ValidateCommandMeta(meta));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(RequireEnum(r.reason(), v1::ErasureReason_IsValid, "reason"));
  if (r.reason() == v1::ERASURE_REASON_OTHER) {
    TRAPPE_RETURN_IF_ERROR(service::ValidateText(r.reason_text(), "reason_text", kMaxText));
  }
  TRAPPE_RETURN_IF_ERROR(OptionalText(r.reason_text(), "reason_text"));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate effective,
                          EffectiveDate(r.effective_date(), "effective_date"));

  std::unique_lock lock(erase_mu_);
  // The child's key and cases, as of a view.
  struct Child {
    std::string child_id;
    std::string key_id;
    std::vector<std::string> case_ids;
  };
  auto child_of = [&](const projection::ReadView& view, const v1::Case& state) -> Result<Child> {
    Child child{.child_id = state.child_id()};
    TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> known,
                            view.Get(kChildren, TenantKey(r.tenant(), {state.child_id()})));
    if (!known) return Internal("case " + r.case_id() + " names a child the projection lacks");
    child.key_id = known->substr(known->find('/') + 1);
    TRAPPE_ASSIGN_OR_RETURN(
        child.case_ids,
        ScanTails(view, kChildCases, TenantKey(r.tenant(), {state.child_id(), ""})));
    return child;
  };
  auto erased_event = [&](const Child& child, const std::string& case_id) {
    EventEnvelope event = CaseEvent(case_id, effective);
    v1::PersonalDataErased* e = event.mutable_personal_data_erased();
    e->set_case_id(case_id);
    e->set_child_id(child.child_id);
    e->set_key_id(child.key_id);
    e->set_reason(r.reason());
    e->set_reason_text(r.reason_text());
    return event;
  };
  // The requested case first, then each other case of the child as a command of its own
  // (request id derived from this one), so that each command writes to one case and a
  // retry completes an interrupted erasure.
  TRAPPE_ASSIGN_OR_RETURN(
      const CommandOutcome outcome,
      runner_.Run(
          meta, r.case_id(), [&](const projection::ReadView& view) -> Result<service::Decision> {
            TRAPPE_ASSIGN_OR_RETURN(const v1::Case state, LoadCase(view, r.tenant(), r.case_id()));
            if (state.personal_data().state() == v1::PERSONAL_DATA_STATE_ERASED) {
              return FailedPrecondition("the personal data of case " + r.case_id() +
                                        " is already erased");
            }
            TRAPPE_ASSIGN_OR_RETURN(const Child child, child_of(view, state));
            service::Decision decision{.current_version = state.version()};
            decision.events.push_back(erased_event(child, r.case_id()));
            return decision;
          }));
  service::FillWriteResponse(outcome, out);
  NoteWritten(outcome.positions);
  Child child;
  {
    const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
    TRAPPE_ASSIGN_OR_RETURN(const v1::Case state, LoadCase(*view, r.tenant(), r.case_id()));
    TRAPPE_ASSIGN_OR_RETURN(child, child_of(*view, state));
  }
  for (const std::string& other : child.case_ids) {
    if (other == r.case_id()) continue;
    CommandMeta other_meta = meta;
    other_meta.request_id = DerivedRequestId(r.request_id(), other);
    other_meta.expected_version = 0;
    TRAPPE_ASSIGN_OR_RETURN(
        const CommandOutcome written,
        runner_.Run(
            other_meta, other, [&](const projection::ReadView& view) -> Result<service::Decision> {
              TRAPPE_ASSIGN_OR_RETURN(const v1::Case state, LoadCase(view, r.tenant(), other));
              service::Decision decision{.current_version = state.version()};
              if (state.personal_data().state() != v1::PERSONAL_DATA_STATE_ERASED) {
                decision.events.push_back(erased_event(child, other));
              }
              return decision;
            }));
    service::AppendPositions(written.positions, out->mutable_positions());
    NoteWritten(written.positions);
  }
  // After the event is durable: a crash in between leaves a key whose erasure is recorded,
  // which a retry with the same request_id completes; reads already show "erased".
  TRAPPE_RETURN_IF_ERROR(vault_->EraseKey(r.tenant(), child.key_id));
  log::Info("cases.personal_data_erased",
            {{"tenant", r.tenant()}, {"child_id", child.child_id}, {"key_id", child.key_id}});
  std::sort(child.case_ids.begin(), child.case_ids.end());
  for (const std::string& id : child.case_ids) out->add_case_ids(id);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Queries

Result<v1::PersonalDataView> CasesModule::PersonalDataOf(const projection::ReadView& view,
                                                         const std::string& tenant,
                                                         const v1::Case& state,
                                                         bool include) const {
  v1::PersonalDataView result;
  if (state.personal_data().state() == v1::PERSONAL_DATA_STATE_ERASED) {
    result.set_state(v1::PERSONAL_DATA_STATE_ERASED);
    return result;
  }
  if (!include) {
    result.set_state(v1::PERSONAL_DATA_STATE_WITHHELD);
    return result;
  }
  TRAPPE_ASSIGN_OR_RETURN(const std::optional<std::string> stored,
                          view.Get(kSealed, TenantKey(tenant, {state.case_id()})));
  v1::EncryptedPersonalData sealed;
  if (!stored || !sealed.ParseFromString(*stored)) {
    result.set_state(v1::PERSONAL_DATA_STATE_ERASED);
    return result;
  }
  Result<v1::PersonalData> data = vault_->Open(tenant, state.child_id(), sealed);
  if (!data.ok()) {
    if (data.status().code() != StatusCode::kNotFound) return data.status();
    result.set_state(v1::PERSONAL_DATA_STATE_ERASED);  // the key is gone
    return result;
  }
  result.set_state(v1::PERSONAL_DATA_STATE_AVAILABLE);
  *result.mutable_data() = std::move(data).value();
  return result;
}

Result<v1::CaseSummary> CasesModule::SummaryOf(const projection::ReadView& view,
                                               const std::string& tenant, const v1::Case& state,
                                               bool include_personal_data) const {
  v1::CaseSummary summary;
  summary.set_case_id(state.case_id());
  summary.set_child_id(state.child_id());
  summary.set_status(state.status());
  *summary.mutable_opened_on() = state.opened_on();
  if (state.has_closed_on()) *summary.mutable_closed_on() = state.closed_on();
  summary.set_team_id(state.team_id());
  for (const v1::CaseworkerAssignment& a : state.caseworkers()) {
    if (a.role() == v1::CASEWORKER_ROLE_PRIMARY)
      summary.set_primary_caseworker_id(a.caseworker_id());
  }
  summary.set_grade(state.grade());
  TRAPPE_ASSIGN_OR_RETURN(*summary.mutable_personal_data(),
                          PersonalDataOf(view, tenant, state, include_personal_data));
  summary.set_version(state.version());
  return summary;
}

bool NewestOpenedFirst(const v1::Case& a, const v1::Case& b) {
  const CivilDate da = DateOf(a.opened_on());
  const CivilDate db = DateOf(b.opened_on());
  if (da != db) return da > db;
  return a.case_id() < b.case_id();
}

Status CasesModule::GetCase(const grpc::ServerContext* ctx, const v1::GetCaseRequest& r,
                            v1::GetCaseResponse* out) {
  TRAPPE_RETURN_IF_ERROR(Ready());
  TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(r.tenant()));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_RETURN_IF_ERROR(runtime_.AwaitPositions(r.min_positions(), ctx));
  const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
  TRAPPE_ASSIGN_OR_RETURN(v1::Case state, LoadCase(*view, r.tenant(), r.case_id()));
  TRAPPE_ASSIGN_OR_RETURN(const v1::PersonalDataView personal,
                          PersonalDataOf(*view, r.tenant(), state, true));
  *state.mutable_personal_data() = personal;
  SortForReaders(&state);
  *out->mutable_child_case() = std::move(state);
  return Status::Ok();
}

Status CasesModule::ListCases(const grpc::ServerContext* ctx, const v1::ListCasesRequest& r,
                              v1::ListCasesResponse* out) {
  TRAPPE_RETURN_IF_ERROR(Ready());
  TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(r.tenant()));
  if (!r.team_id().empty()) TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r.team_id(), "team_id"));
  if (!r.caseworker_id().empty()) {
    TRAPPE_RETURN_IF_ERROR(ValidateOrgId(r.caseworker_id(), "caseworker_id"));
  }
  TRAPPE_RETURN_IF_ERROR(OptionalEnum(r.status(), v1::CaseStatus_IsValid, "status"));
  TRAPPE_ASSIGN_OR_RETURN(const int64_t start, PageStart(r.page()));
  TRAPPE_ASSIGN_OR_RETURN(const int32_t size, PageSize(r.page()));
  TRAPPE_RETURN_IF_ERROR(runtime_.AwaitPositions(r.min_positions(), ctx));
  const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();

  std::vector<v1::Case> cases;
  Status parse = Status::Ok();
  auto keep = [&](const v1::Case& state) {
    return (r.team_id().empty() || state.team_id() == r.team_id()) &&
           (r.status() == v1::CASE_STATUS_UNSPECIFIED || state.status() == r.status());
  };
  if (!r.caseworker_id().empty()) {
    TRAPPE_ASSIGN_OR_RETURN(
        const std::vector<std::string> ids,
        ScanTails(*view, kByCaseworker, TenantKey(r.tenant(), {r.caseworker_id(), ""})));
    for (const std::string& id : ids) {
      TRAPPE_ASSIGN_OR_RETURN(v1::Case state, LoadCase(*view, r.tenant(), id));
      if (keep(state)) cases.push_back(std::move(state));
    }
  } else {
    TRAPPE_RETURN_IF_ERROR(
        view->Scan(kCases, projection::TenantPrefix(r.tenant()),
                   [&](std::string_view, std::string_view value) {
                     v1::Case state;
                     if (!state.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                       parse = DataLoss("a case state is corrupt");
                       return false;
                     }
                     if (keep(state)) cases.push_back(std::move(state));
                     return true;
                   }));
    TRAPPE_RETURN_IF_ERROR(parse);
  }
  std::sort(cases.begin(), cases.end(), NewestOpenedFirst);
  const auto total = static_cast<int64_t>(cases.size());
  for (int64_t i = start; i < total && i < start + size; ++i) {
    TRAPPE_ASSIGN_OR_RETURN(
        *out->add_cases(),
        SummaryOf(*view, r.tenant(), cases[static_cast<size_t>(i)], r.include_personal_data()));
  }
  if (start + size < total) out->mutable_page()->set_next_page_token(std::to_string(start + size));
  out->mutable_page()->set_total_size(total);
  return Status::Ok();
}

Result<std::vector<v1::CaseHistoryEntry>> LoadHistory(const projection::ReadView& view,
                                                      const std::string& tenant,
                                                      const std::string& case_id) {
  std::vector<v1::CaseHistoryEntry> entries;
  Status parse = Status::Ok();
  TRAPPE_RETURN_IF_ERROR(view.Scan(
      kHistory, HistoryPrefix(tenant, case_id), [&](std::string_view, std::string_view value) {
        v1::CaseHistoryEntry entry;
        if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse = DataLoss("a history entry of case " + case_id + " is corrupt");
          return false;
        }
        entries.push_back(std::move(entry));
        return true;
      }));
  TRAPPE_RETURN_IF_ERROR(parse);
  if (entries.empty()) return NotFound("case " + case_id + " not found");
  return entries;
}

Status CasesModule::GetCaseHistory(const grpc::ServerContext* ctx,
                                   const v1::GetCaseHistoryRequest& r,
                                   v1::GetCaseHistoryResponse* out) {
  TRAPPE_RETURN_IF_ERROR(Ready());
  TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(r.tenant()));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_ASSIGN_OR_RETURN(const int64_t start, PageStart(r.page()));
  TRAPPE_ASSIGN_OR_RETURN(int32_t size, PageSize(r.page()));
  if (r.page().page_size() > kMaxPageSize) size = std::min(r.page().page_size(), 1000);
  TRAPPE_RETURN_IF_ERROR(runtime_.AwaitPositions(r.min_positions(), ctx));
  const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
  TRAPPE_ASSIGN_OR_RETURN(std::vector<v1::CaseHistoryEntry> entries,
                          LoadHistory(*view, r.tenant(), r.case_id()));
  TRAPPE_ASSIGN_OR_RETURN(const v1::Case state, LoadCase(*view, r.tenant(), r.case_id()));
  const bool erased = state.personal_data().state() == v1::PERSONAL_DATA_STATE_ERASED;
  const auto total = static_cast<int64_t>(entries.size());
  for (int64_t i = start; i < total && i < start + size; ++i) {
    v1::CaseHistoryEntry& entry = entries[static_cast<size_t>(i)];
    const EventEnvelope& e = entry.envelope();
    v1::CaseHistoryEntry* line = out->add_entries();
    line->set_event_id(e.event_id());
    line->set_event_type(std::string(events::EventTypeName(e)));
    line->set_aggregate_type(e.aggregate_type());
    line->set_aggregate_id(e.aggregate_id());
    line->set_aggregate_version(e.aggregate_version());
    line->set_actor(e.actor());
    *line->mutable_recorded_at() = e.recorded_at();
    *line->mutable_effective_date() = e.effective_date();
    line->set_summary(Summarize(e, erased));
    *line->mutable_position() = entry.position();
    line->set_request_id(e.request_id());
    if (r.include_envelopes()) *line->mutable_envelope() = std::move(*entry.mutable_envelope());
  }
  if (start + size < total) out->mutable_page()->set_next_page_token(std::to_string(start + size));
  out->mutable_page()->set_total_size(total);
  return Status::Ok();
}

Status CasesModule::GetCaseAsOf(const grpc::ServerContext* ctx, const v1::GetCaseAsOfRequest& r,
                                v1::GetCaseAsOfResponse* out) {
  TRAPPE_RETURN_IF_ERROR(Ready());
  TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(r.tenant()));
  TRAPPE_RETURN_IF_ERROR(service::ValidateId(r.case_id(), "case_id"));
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate as_of, service::ToCivilDate(r.as_of(), "as_of"));
  if (r.has_known_at() && (r.known_at().seconds() < 0 || r.known_at().nanos() < 0 ||
                           r.known_at().nanos() > 999'999'999)) {
    return InvalidArgument("known_at", "is not a valid instant");
  }
  TRAPPE_RETURN_IF_ERROR(runtime_.AwaitPositions(r.min_positions(), ctx));
  const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
  TRAPPE_ASSIGN_OR_RETURN(const std::vector<v1::CaseHistoryEntry> entries,
                          LoadHistory(*view, r.tenant(), r.case_id()));
  v1::Case state;
  bool opened = false;
  for (const v1::CaseHistoryEntry& entry : entries) {
    const EventEnvelope& e = entry.envelope();
    if (DateOf(e.effective_date()) > as_of) continue;
    if (r.has_known_at() &&
        service::FromProtoTimestamp(e.recorded_at()) > service::FromProtoTimestamp(r.known_at())) {
      continue;
    }
    opened = opened || e.has_case_opened();
    FoldCaseEvent(e, &state);
  }
  if (!opened) {
    return NotFound("case " + r.case_id() + " was not open on " + as_of.ToString() +
                    (r.has_known_at() ? " as known then" : ""));
  }
  // Personal data as it is now: erased data stays erased.
  TRAPPE_ASSIGN_OR_RETURN(const v1::Case now, LoadCase(*view, r.tenant(), r.case_id()));
  TRAPPE_ASSIGN_OR_RETURN(*state.mutable_personal_data(),
                          PersonalDataOf(*view, r.tenant(), now, true));
  SortForReaders(&state);
  *out->mutable_child_case() = std::move(state);
  return Status::Ok();
}

Status CasesModule::FindCasesByCpr(const grpc::ServerContext* ctx,
                                   const v1::FindCasesByCprRequest& r,
                                   v1::FindCasesByCprResponse* out) {
  TRAPPE_RETURN_IF_ERROR(Ready());
  TRAPPE_RETURN_IF_ERROR(service::ValidateTenant(r.tenant()));
  TRAPPE_ASSIGN_OR_RETURN(const std::string cpr, NormalizeCpr(r.cpr_number(), "cpr_number"));
  TRAPPE_RETURN_IF_ERROR(runtime_.AwaitPositions(r.min_positions(), ctx));
  const std::string index_hex = HexOf(vault_->BlindIndex(r.tenant(), cpr));
  const std::shared_ptr<const projection::ReadView> view = engine_->Snapshot();
  TRAPPE_ASSIGN_OR_RETURN(const std::vector<std::string> children,
                          ScanTails(*view, kCprIndex, TenantKey(r.tenant(), {index_hex, ""})));
  std::vector<v1::Case> cases;
  for (const std::string& child : children) {
    TRAPPE_ASSIGN_OR_RETURN(const std::vector<std::string> ids,
                            ScanTails(*view, kChildCases, TenantKey(r.tenant(), {child, ""})));
    for (const std::string& id : ids) {
      TRAPPE_ASSIGN_OR_RETURN(v1::Case state, LoadCase(*view, r.tenant(), id));
      if (state.personal_data().state() != v1::PERSONAL_DATA_STATE_ERASED) {
        cases.push_back(std::move(state));
      }
    }
  }
  std::sort(cases.begin(), cases.end(), NewestOpenedFirst);
  for (const v1::Case& state : cases) {
    TRAPPE_ASSIGN_OR_RETURN(*out->add_cases(),
                            SummaryOf(*view, r.tenant(), state, r.include_personal_data()));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// gRPC

#define TRAPPE_COMMAND_RPC(Method)                                              \
  grpc::Status Method(grpc::ServerContext*, const v1::Method##Request* request, \
                      v1::Method##Response* response) override {                \
    return ToGrpcStatus(module_->Method(*request, response));                   \
  }
#define TRAPPE_QUERY_RPC(Method)                                                        \
  grpc::Status Method(grpc::ServerContext* context, const v1::Method##Request* request, \
                      v1::Method##Response* response) override {                        \
    return ToGrpcStatus(module_->Method(context, *request, response));                  \
  }

class CaseServiceImpl final : public v1::CaseService::Service {
 public:
  explicit CaseServiceImpl(CasesModule* module) : module_(module) {}

  TRAPPE_COMMAND_RPC(OpenCase)
  TRAPPE_COMMAND_RPC(RecordReportOfConcern)
  TRAPPE_COMMAND_RPC(AssessReportOfConcern)
  TRAPPE_COMMAND_RPC(StartInvestigation)
  TRAPPE_COMMAND_RPC(CompleteInvestigation)
  TRAPPE_COMMAND_RPC(AssignCaseworker)
  TRAPPE_COMMAND_RPC(UnassignCaseworker)
  TRAPPE_COMMAND_RPC(AssessWeight)
  TRAPPE_COMMAND_RPC(CloseCase)
  TRAPPE_COMMAND_RPC(ReopenCase)
  TRAPPE_COMMAND_RPC(ErasePersonalData)
  TRAPPE_QUERY_RPC(GetCase)
  TRAPPE_QUERY_RPC(ListCases)
  TRAPPE_QUERY_RPC(GetCaseHistory)
  TRAPPE_QUERY_RPC(GetCaseAsOf)
  TRAPPE_QUERY_RPC(FindCasesByCpr)

 private:
  CasesModule* const module_;
};

#undef TRAPPE_COMMAND_RPC
#undef TRAPPE_QUERY_RPC

CasesModule::CasesModule(const service::ModuleContext& context, CasesOptions options,
                         std::unique_ptr<PersonalDataVault> vault,
                         std::unique_ptr<projection::Engine> engine)
    : context_(context),
      options_(std::move(options)),
      vault_(std::move(vault)),
      engine_(std::move(engine)),
      runtime_(std::string(kServiceName), engine_.get()),
      runner_(context.log, engine_.get(), context.clock, context.ids,
              service::CommandRunnerOptions{.request_family = kRequests}),
      grpc_(std::make_unique<CaseServiceImpl>(this)) {}

CasesModule::~CasesModule() = default;

grpc::Service* CasesModule::grpc_service() { return grpc_.get(); }

}  // namespace

Result<std::unique_ptr<service::ServiceModule>> OpenCasesModule(
    const service::ModuleContext& context, CasesOptions options) {
  if (context.log == nullptr || context.clock == nullptr || context.ids == nullptr) {
    return InvalidArgument("context", "needs a log, a clock and an id generator");
  }
  if (options.master_key.size() != kMasterKeyBytes) {
    return InvalidArgument("master_key", "must be 32 bytes (see ParseMasterKey)");
  }
  TRAPPE_ASSIGN_OR_RETURN(
      std::unique_ptr<PersonalDataVault> vault,
      PersonalDataVault::Open((context.data_dir / "keys").string(), options.master_key));
  TRAPPE_ASSIGN_OR_RETURN(
      std::unique_ptr<projection::Engine> engine,
      projection::Engine::Open(context.log, std::make_shared<CasesProjection>(),
                               {.directory = (context.data_dir / "projection").string()}));
  return std::unique_ptr<service::ServiceModule>(std::make_unique<CasesModule>(
      context, std::move(options), std::move(vault), std::move(engine)));
}

}  // namespace trappe::cases
