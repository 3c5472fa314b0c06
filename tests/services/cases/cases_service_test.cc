// The cases service through its real gRPC API: an embedded log in a temp dir, the server
// on 127.0.0.1:0, a fixed clock at 2026-03-02 10:00 Copenhagen time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "cases_client.h"
#include "trappe/projection/engine.h"

namespace trappe::cases::testing {
namespace {

using ::testing::HasSubstr;
using trappe::testing::ServiceHarness;

class CasesServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start({OpenTestCases}));
    client_ = std::make_unique<CasesClient>(harness_.channel());
  }

  // Opens a case with Anna as primary caseworker; returns its id.
  std::string OpenCase(const std::string& request_id, const std::string& cpr = kCpr) {
    Result<v1::OpenCaseResponse> opened = client_->OpenCase(OpenRequest(request_id, kAnna, cpr));
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? opened->case_id() : "";
  }

  int64_t LogSize() {
    int64_t total = 0;
    for (const int64_t end : harness_.log().EndOffsets(events::kCaseEventsTopic).value()) {
      total += end;
    }
    return total;
  }

  std::vector<v1::CaseHistoryEntry> History(const std::string& case_id) {
    v1::GetCaseHistoryRequest request;
    request.set_tenant(kTenant);
    request.set_case_id(case_id);
    Result<v1::GetCaseHistoryResponse> history = client_->GetCaseHistory(request);
    EXPECT_TRUE(history.ok()) << history.status().ToString();
    if (!history.ok()) return {};
    return {history->entries().begin(), history->entries().end()};
  }

  ServiceHarness harness_;
  std::unique_ptr<CasesClient> client_;
};

TEST_F(CasesServiceTest, WholeLifecycleFromOpeningToReopening) {
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse opened, client_->OpenCase(OpenRequest("open-1")));
  EXPECT_EQ(opened.version(), 2u);  // CaseOpened + CaseworkerAssigned
  EXPECT_EQ(opened.positions_size(), 2);
  EXPECT_EQ(opened.caseworker_id(), kAnna);
  EXPECT_FALSE(opened.caseworker_suggested());
  EXPECT_TRUE(IsUuid(opened.child_id()));
  const std::string case_id = opened.case_id();

  auto report = Command<v1::RecordReportOfConcernRequest>("report-1");
  report.set_case_id(case_id);
  *report.mutable_received_at() = T("2026-03-01T08:30:00Z");
  report.set_reporter_type(v1::REPORTER_TYPE_SCHOOL);
  ASSERT_OK_AND_ASSIGN(const v1::RecordReportOfConcernResponse reported,
                       client_->RecordReportOfConcern(report));
  EXPECT_EQ(reported.version(), 3u);
  ASSERT_TRUE(IsUuid(reported.report_id()));

  auto assess = Command<v1::AssessReportOfConcernRequest>("assess-1");
  assess.set_case_id(case_id);
  assess.set_report_id(reported.report_id());
  *assess.mutable_assessed_at() = T("2026-03-01T14:00:00Z");
  assess.set_outcome(v1::CONCERN_OUTCOME_INVESTIGATION);
  assess.set_note("school reports repeated absence");
  ASSERT_OK(client_->AssessReportOfConcern(assess));

  auto start = Command<v1::StartInvestigationRequest>("bfu-start");
  start.set_case_id(case_id);
  *start.mutable_started_on() = D(2026, 3, 2);
  start.set_report_id(reported.report_id());
  ASSERT_OK_AND_ASSIGN(const v1::StartInvestigationResponse started,
                       client_->StartInvestigation(start));
  ASSERT_TRUE(IsUuid(started.investigation_id()));

  ASSERT_OK(client_->AssignCaseworker(AssignRequest(
      "co-1", case_id, kBent, v1::CASEWORKER_ROLE_CO_WORKER, v1::CO_WORKER_PURPOSE_INVESTIGATION)));
  auto weight = Command<v1::AssessWeightRequest>("weight-1");
  weight.set_case_id(case_id);
  weight.set_grade(v1::CASE_GRADE_VERY_COMPLEX);
  weight.set_reason("interpreter, high conflict");
  ASSERT_OK(client_->AssessWeight(weight));

  // Now: open, Anna primary then Bent co-worker, one assessed report, one running BFU.
  ASSERT_OK_AND_ASSIGN(v1::Case now, client_->Case(case_id));
  EXPECT_EQ(now.status(), v1::CASE_STATUS_OPEN);
  EXPECT_EQ(now.version(), 7u);
  ASSERT_EQ(now.caseworkers_size(), 2);
  EXPECT_EQ(now.caseworkers(0).caseworker_id(), kAnna);
  EXPECT_EQ(now.caseworkers(0).role(), v1::CASEWORKER_ROLE_PRIMARY);
  EXPECT_EQ(now.caseworkers(1).caseworker_id(), kBent);
  EXPECT_EQ(now.caseworkers(1).purpose(), v1::CO_WORKER_PURPOSE_INVESTIGATION);
  EXPECT_EQ(now.grade(), v1::CASE_GRADE_VERY_COMPLEX);
  ASSERT_EQ(now.reports_of_concern_size(), 1);
  EXPECT_TRUE(now.reports_of_concern(0).assessed());
  EXPECT_EQ(now.reports_of_concern(0).outcome(), v1::CONCERN_OUTCOME_INVESTIGATION);
  ASSERT_EQ(now.investigations_size(), 1);
  EXPECT_FALSE(now.investigations(0).completed());
  EXPECT_EQ(now.personal_data().state(), v1::PERSONAL_DATA_STATE_AVAILABLE);
  EXPECT_EQ(now.personal_data().data().cpr_number(), kCpr);
  EXPECT_EQ(now.personal_data().data().given_name(), kGivenName);

  auto complete = Command<v1::CompleteInvestigationRequest>("bfu-done");
  complete.set_case_id(case_id);
  complete.set_investigation_id(started.investigation_id());
  *complete.mutable_completed_on() = D(2026, 3, 2);
  complete.set_conclusion(v1::INVESTIGATION_CONCLUSION_SUPPORT);
  ASSERT_OK(client_->CompleteInvestigation(complete));

  auto unassign = Command<v1::UnassignCaseworkerRequest>("co-off");
  unassign.set_case_id(case_id);
  unassign.set_caseworker_id(kBent);
  unassign.set_role(v1::CASEWORKER_ROLE_CO_WORKER);
  ASSERT_OK(client_->UnassignCaseworker(unassign));

  ASSERT_OK_AND_ASSIGN(const v1::CloseCaseResponse closed,
                       client_->CloseCase(CloseRequest("close-1", case_id, D(2026, 3, 2))));
  EXPECT_EQ(closed.version(), 10u);
  ASSERT_OK_AND_ASSIGN(now, client_->Case(case_id));
  EXPECT_EQ(now.status(), v1::CASE_STATUS_CLOSED);
  EXPECT_EQ(now.closure_reason(), v1::CLOSURE_REASON_PURPOSE_ACHIEVED);
  EXPECT_TRUE(now.investigations(0).completed());
  ASSERT_EQ(now.caseworkers_size(), 1);

  // Lists: by caseworker, by status, by municipality.
  v1::ListCasesRequest list;
  list.set_tenant(kTenant);
  list.set_caseworker_id(kAnna);
  ASSERT_OK_AND_ASSIGN(v1::ListCasesResponse listed, client_->ListCases(list));
  ASSERT_EQ(listed.cases_size(), 1);
  EXPECT_EQ(listed.cases(0).primary_caseworker_id(), kAnna);
  EXPECT_EQ(listed.cases(0).personal_data().state(), v1::PERSONAL_DATA_STATE_WITHHELD);
  list.set_caseworker_id(kBent);
  ASSERT_OK_AND_ASSIGN(listed, client_->ListCases(list));
  EXPECT_EQ(listed.cases_size(), 0);
  list.clear_caseworker_id();
  list.set_status(v1::CASE_STATUS_OPEN);
  ASSERT_OK_AND_ASSIGN(listed, client_->ListCases(list));
  EXPECT_EQ(listed.cases_size(), 0);

  auto reopen = Command<v1::ReopenCaseRequest>("reopen-1");
  reopen.set_case_id(case_id);
  reopen.set_reason(v1::REOPEN_REASON_NEW_REPORT_OF_CONCERN);
  *reopen.mutable_reopened_on() = D(2026, 3, 2);
  ASSERT_OK_AND_ASSIGN(const v1::ReopenCaseResponse reopened, client_->ReopenCase(reopen));
  EXPECT_EQ(reopened.version(), 11u);
  ASSERT_OK_AND_ASSIGN(listed, client_->ListCases(list));
  ASSERT_EQ(listed.cases_size(), 1);
  EXPECT_EQ(listed.cases(0).status(), v1::CASE_STATUS_OPEN);
  EXPECT_EQ(LogSize(), 11);
}

TEST_F(CasesServiceTest, ListsAreFilteredAndPaged) {
  const std::string first = OpenCase("open-1", "0107154321");
  auto second_request = OpenRequest("open-2", kBent, "0202031234");
  *second_request.mutable_opened_on() = D(2026, 2, 20);
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse second, client_->OpenCase(second_request));
  const std::string third = OpenCase("open-3", "0303994321");

  v1::ListCasesRequest list;
  list.set_tenant(kTenant);
  list.mutable_page()->set_page_size(2);
  ASSERT_OK_AND_ASSIGN(v1::ListCasesResponse page, client_->ListCases(list));
  // Newest opened first (20 Feb), then the two of 2 Feb by case id.
  ASSERT_EQ(page.cases_size(), 2);
  EXPECT_EQ(page.cases(0).case_id(), second.case_id());
  EXPECT_EQ(page.cases(1).case_id(), std::min(first, third));
  EXPECT_EQ(page.page().total_size(), 3);
  ASSERT_FALSE(page.page().next_page_token().empty());
  list.mutable_page()->set_page_token(page.page().next_page_token());
  ASSERT_OK_AND_ASSIGN(page, client_->ListCases(list));
  ASSERT_EQ(page.cases_size(), 1);
  EXPECT_EQ(page.cases(0).case_id(), std::max(first, third));
  EXPECT_TRUE(page.page().next_page_token().empty());

  // Another municipality sees none of them.
  list.set_tenant("0101");
  list.clear_page();
  ASSERT_OK_AND_ASSIGN(page, client_->ListCases(list));
  EXPECT_EQ(page.cases_size(), 0);
}

TEST_F(CasesServiceTest, EveryValidationErrorNamesTheFieldAndWritesNothing) {
  const std::string case_id = OpenCase("open-1");
  const int64_t before = LogSize();

  auto expect_invalid = [&](const Status& status, const std::string& field) {
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << field << ": " << status.ToString();
    EXPECT_THAT(status.message(), HasSubstr(field)) << status.ToString();
    // Never echoes personal data.
    EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("Zelmarine")));
  };

  struct CprCase {
    const char* cpr;
    const char* why;
  };
  for (const CprCase& c :
       {CprCase{"010715432", "9 digits"}, CprCase{"01071543210", "11 digits"},
        CprCase{"0107l54321", "a letter"}, CprCase{"3102154321", "31 February"},
        CprCase{"2902014321", "29 Feb 1901/2001"}, CprCase{"0113154321", "month 13"},
        CprCase{"0107-154321", "misplaced dash"}}) {
    SCOPED_TRACE(c.why);
    expect_invalid(client_->OpenCase(OpenRequest("bad-cpr", kAnna, c.cpr)).status(),
                   "personal_data.cpr_number");
  }
  {
    auto r = OpenRequest("bad-date");
    *r.mutable_opened_on() = D(2026, 3, 3);
    const Status s = client_->OpenCase(r).status();
    expect_invalid(s, "opened_on");
    EXPECT_THAT(s.message(), HasSubstr("2026-03-03 is in the future"));
  }
  {
    auto r = OpenRequest("bad-basis");
    r.set_legal_basis(static_cast<v1::LegalBasis>(42));
    expect_invalid(client_->OpenCase(r).status(), "legal_basis");
    r.set_legal_basis(v1::LEGAL_BASIS_UNSPECIFIED);
    expect_invalid(client_->OpenCase(r).status(), "legal_basis");
  }
  {
    auto r = OpenRequest("no-team");
    r.clear_team_id();
    expect_invalid(client_->OpenCase(r).status(), "team_id");
    r = OpenRequest("no-name");
    r.mutable_personal_data()->clear_family_name();
    expect_invalid(client_->OpenCase(r).status(), "personal_data.family_name");
    r = OpenRequest("no-request-id");
    r.clear_request_id();
    expect_invalid(client_->OpenCase(r).status(), "request_id");
    r = OpenRequest("bad-tenant");
    r.set_tenant("657");
    expect_invalid(client_->OpenCase(r).status(), "tenant");
  }
  {
    auto r = AssignRequest("no-case", "", kBent, v1::CASEWORKER_ROLE_CO_WORKER,
                           v1::CO_WORKER_PURPOSE_FOSTER_FAMILY);
    expect_invalid(client_->AssignCaseworker(r).status(), "case_id");
    r = AssignRequest("no-purpose", case_id, kBent, v1::CASEWORKER_ROLE_CO_WORKER);
    expect_invalid(client_->AssignCaseworker(r).status(), "purpose");
    r = AssignRequest("bad-role", case_id, kBent, static_cast<v1::CaseworkerRole>(7));
    expect_invalid(client_->AssignCaseworker(r).status(), "role");
    r = AssignRequest("no-worker", case_id, "", v1::CASEWORKER_ROLE_CO_WORKER,
                      v1::CO_WORKER_PURPOSE_FOSTER_FAMILY);
    expect_invalid(client_->AssignCaseworker(r).status(), "caseworker_id");
    r = AssignRequest("slash", case_id, "d/n", v1::CASEWORKER_ROLE_CO_WORKER,
                      v1::CO_WORKER_PURPOSE_FOSTER_FAMILY);
    expect_invalid(client_->AssignCaseworker(r).status(), "caseworker_id");
    r = AssignRequest("future", case_id, kBent, v1::CASEWORKER_ROLE_CO_WORKER,
                      v1::CO_WORKER_PURPOSE_FOSTER_FAMILY);
    *r.mutable_effective_date() = D(2026, 4, 1);
    expect_invalid(client_->AssignCaseworker(r).status(), "effective_date");
  }
  {
    auto r = Command<v1::RecordReportOfConcernRequest>("report-future");
    r.set_case_id(case_id);
    *r.mutable_received_at() = T("2026-03-02T12:00:00Z");
    r.set_reporter_type(v1::REPORTER_TYPE_POLICE);
    expect_invalid(client_->RecordReportOfConcern(r).status(), "received_at");
    r.clear_received_at();
    expect_invalid(client_->RecordReportOfConcern(r).status(), "received_at");
    *r.mutable_received_at() = T("2026-03-01T12:00:00Z");
    r.set_reporter_type(static_cast<v1::ReporterType>(99));
    expect_invalid(client_->RecordReportOfConcern(r).status(), "reporter_type");
  }
  {
    auto r = Command<v1::AssessWeightRequest>("weight");
    r.set_case_id(case_id);
    r.set_grade(v1::CASE_GRADE_COMPLEX);
    expect_invalid(client_->AssessWeight(r).status(), "reason");
    r.set_reason("two households");
    r.set_grade(v1::CASE_GRADE_UNSPECIFIED);
    expect_invalid(client_->AssessWeight(r).status(), "grade");
  }
  {
    auto r = CloseRequest("close-other", case_id);
    r.set_reason(v1::CLOSURE_REASON_OTHER);
    expect_invalid(client_->CloseCase(r).status(), "reason_text");
    r = CloseRequest("close-early", case_id, D(2026, 1, 1));
    expect_invalid(client_->CloseCase(r).status(), "closed_on");
  }
  {
    auto r = Command<v1::ErasePersonalDataRequest>("erase-bad");
    r.set_case_id(case_id);
    expect_invalid(client_->ErasePersonalData(r).status(), "reason");
  }
  {
    v1::FindCasesByCprRequest r;
    r.set_tenant(kTenant);
    r.set_cpr_number("123");
    expect_invalid(client_->FindCasesByCpr(r).status(), "cpr_number");
    v1::GetCaseAsOfRequest as_of;
    as_of.set_tenant(kTenant);
    as_of.set_case_id(case_id);
    expect_invalid(client_->GetCaseAsOf(as_of).status(), "as_of");
    v1::ListCasesRequest list;
    list.set_tenant(kTenant);
    list.mutable_page()->set_page_token("x");
    expect_invalid(client_->ListCases(list).status(), "page.page_token");
  }
  EXPECT_EQ(LogSize(), before);
}

TEST_F(CasesServiceTest, StateRulesRejectWithFailedPreconditionOrNotFound) {
  const std::string case_id = OpenCase("open-1");
  const std::string missing = "00000000-0000-4000-8000-0000000fffff";

  // A second primary caseworker.
  EXPECT_STATUS(client_->AssignCaseworker(
                    AssignRequest("primary-2", case_id, kBent, v1::CASEWORKER_ROLE_PRIMARY)),
                StatusCode::kFailedPrecondition, "already has a primary caseworker");
  // The primary cannot also be a co-worker, nor take the same role twice.
  EXPECT_STATUS(client_->AssignCaseworker(AssignRequest("anna-co", case_id, kAnna,
                                                        v1::CASEWORKER_ROLE_CO_WORKER,
                                                        v1::CO_WORKER_PURPOSE_FOSTER_FAMILY)),
                StatusCode::kFailedPrecondition, "cannot be both");
  EXPECT_STATUS(client_->AssignCaseworker(
                    AssignRequest("anna-again", case_id, kAnna, v1::CASEWORKER_ROLE_PRIMARY)),
                StatusCode::kFailedPrecondition, "already");
  auto unassign = Command<v1::UnassignCaseworkerRequest>("carl-off");
  unassign.set_case_id(case_id);
  unassign.set_caseworker_id(kCarl);
  unassign.set_role(v1::CASEWORKER_ROLE_CO_WORKER);
  EXPECT_STATUS(client_->UnassignCaseworker(unassign), StatusCode::kFailedPrecondition,
                "holds no such role");
  // Unknown case, report, investigation.
  EXPECT_STATUS(client_->CloseCase(CloseRequest("close-missing", missing)), StatusCode::kNotFound,
                missing);
  auto assess = Command<v1::AssessReportOfConcernRequest>("assess-missing");
  assess.set_case_id(case_id);
  assess.set_report_id(missing);
  *assess.mutable_assessed_at() = T("2026-03-01T14:00:00Z");
  assess.set_outcome(v1::CONCERN_OUTCOME_NO_ACTION);
  EXPECT_STATUS(client_->AssessReportOfConcern(assess), StatusCode::kNotFound, "report of concern");

  // Closing twice; assigning to, or reopening, the wrong state.
  ASSERT_OK(client_->CloseCase(CloseRequest("close-1", case_id)));
  EXPECT_STATUS(client_->CloseCase(CloseRequest("close-2", case_id)),
                StatusCode::kFailedPrecondition, "already closed");
  EXPECT_STATUS(client_->AssignCaseworker(AssignRequest("to-closed", case_id, kBent,
                                                        v1::CASEWORKER_ROLE_CO_WORKER,
                                                        v1::CO_WORKER_PURPOSE_FOSTER_FAMILY)),
                StatusCode::kFailedPrecondition, "is closed");
  auto reopen = Command<v1::ReopenCaseRequest>("reopen-1");
  reopen.set_case_id(case_id);
  reopen.set_reason(v1::REOPEN_REASON_CLOSED_IN_ERROR);
  ASSERT_OK(client_->ReopenCase(reopen));
  reopen.set_request_id("reopen-2");
  EXPECT_STATUS(client_->ReopenCase(reopen), StatusCode::kFailedPrecondition, "is open");
}

TEST_F(CasesServiceTest, ARetriedRequestIdWritesOneEventAndReturnsTheFirstOutcome) {
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse first, client_->OpenCase(OpenRequest("open-1")));
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse again, client_->OpenCase(OpenRequest("open-1")));
  EXPECT_FALSE(first.child_id().empty());
  EXPECT_EQ(first.caseworker_id(), kAnna);
  EXPECT_EQ(again.case_id(), first.case_id());
  EXPECT_EQ(again.child_id(), first.child_id());
  EXPECT_EQ(again.caseworker_id(), kAnna);
  EXPECT_EQ(again.version(), first.version());
  ASSERT_EQ(again.positions_size(), first.positions_size());
  EXPECT_EQ(again.positions(1).offset(), first.positions(1).offset());

  auto report = Command<v1::RecordReportOfConcernRequest>("report-1");
  report.set_case_id(first.case_id());
  *report.mutable_received_at() = T("2026-03-01T08:30:00Z");
  report.set_reporter_type(v1::REPORTER_TYPE_HEALTH);
  ASSERT_OK_AND_ASSIGN(const v1::RecordReportOfConcernResponse r1,
                       client_->RecordReportOfConcern(report));
  ASSERT_OK_AND_ASSIGN(const v1::RecordReportOfConcernResponse r2,
                       client_->RecordReportOfConcern(report));
  EXPECT_FALSE(r1.report_id().empty());
  EXPECT_EQ(r2.report_id(), r1.report_id());
  EXPECT_EQ(r2.positions(0).offset(), r1.positions(0).offset());
  EXPECT_EQ(LogSize(), 3);
  EXPECT_EQ(History(first.case_id()).size(), 3u);
  ASSERT_OK_AND_ASSIGN(const v1::Case now, client_->Case(first.case_id()));
  EXPECT_EQ(now.reports_of_concern_size(), 1);
}

TEST_F(CasesServiceTest, AnExpectedVersionThatDiffersIsAborted) {
  const std::string case_id = OpenCase("open-1");  // version 2
  auto weight = Command<v1::AssessWeightRequest>("weight-1");
  weight.set_case_id(case_id);
  weight.set_grade(v1::CASE_GRADE_SIMPLE);
  weight.set_reason("one parent, cooperative");
  weight.set_expected_version(1);
  EXPECT_STATUS(client_->AssessWeight(weight), StatusCode::kAborted, "expected_version 1");
  EXPECT_EQ(LogSize(), 2);
  weight.set_request_id("weight-2");
  weight.set_expected_version(2);
  ASSERT_OK_AND_ASSIGN(const v1::AssessWeightResponse written, client_->AssessWeight(weight));
  EXPECT_EQ(written.version(), 3u);
}

TEST_F(CasesServiceTest, OpeningWithoutACaseworkerNeedsTheWorkloadService) {
  EXPECT_STATUS(client_->OpenCase(OpenRequest("open-1", "")), StatusCode::kFailedPrecondition,
                "caseworker_id: required (no workload service configured)");
  EXPECT_EQ(LogSize(), 0);
}

TEST_F(CasesServiceTest, AChildKeepsOneIdAcrossCasesAndIsFoundByCpr) {
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse first, client_->OpenCase(OpenRequest("open-1")));
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse second,
                       client_->OpenCase(OpenRequest("open-2", kBent, kCprDashed)));
  EXPECT_EQ(second.child_id(), first.child_id());
  const std::string other = OpenCase("open-3", "0202031234");

  v1::FindCasesByCprRequest find;
  find.set_tenant(kTenant);
  find.set_cpr_number(kCprDashed);
  find.set_include_personal_data(true);
  ASSERT_OK_AND_ASSIGN(const v1::FindCasesByCprResponse found, client_->FindCasesByCpr(find));
  ASSERT_EQ(found.cases_size(), 2);
  for (const v1::CaseSummary& c : found.cases()) {
    EXPECT_NE(c.case_id(), other);
    EXPECT_EQ(c.personal_data().data().family_name(), kFamilyName);
  }
  // Another municipality's blind index differs: nothing there.
  find.set_tenant("0101");
  ASSERT_OK_AND_ASSIGN(const v1::FindCasesByCprResponse elsewhere, client_->FindCasesByCpr(find));
  EXPECT_EQ(elsewhere.cases_size(), 0);
}

// Every byte of every file under `root` (log, projection, key store).
std::string AllBytesUnder(const std::filesystem::path& root) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

// The key store's data files (WAL and SST): where a data key's bytes could survive. The
// MANIFEST is left out: it names table files' first and last keys (the key ids, which are
// identifiers, never the key material).
std::string KeyStoreDataBytes(const std::filesystem::path& keys) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(keys)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".log") && !name.ends_with(".sst")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

TEST_F(CasesServiceTest, ErasureShredsTheChildsDataInEveryCaseAndOnDisk) {
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse first, client_->OpenCase(OpenRequest("open-1")));
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse second,
                       client_->OpenCase(OpenRequest("open-2", kBent)));
  const std::string other = OpenCase("open-3", "0202031234");

  auto erase = Command<v1::ErasePersonalDataRequest>("erase-1");
  erase.set_case_id(first.case_id());
  erase.set_reason(v1::ERASURE_REASON_RETENTION_EXPIRED);
  erase.set_reason_text("journal 2026-117");
  ASSERT_OK_AND_ASSIGN(const v1::ErasePersonalDataResponse erased,
                       client_->ErasePersonalData(erase));
  EXPECT_EQ(erased.positions_size(), 2);
  EXPECT_EQ(erased.version(), 3u);
  std::vector<std::string> expected = {first.case_id(), second.case_id()};
  std::sort(expected.begin(), expected.end());
  EXPECT_THAT(erased.case_ids(), ::testing::ElementsAreArray(expected));
  // A retry returns the same outcome and writes nothing more.
  ASSERT_OK_AND_ASSIGN(const v1::ErasePersonalDataResponse retried,
                       client_->ErasePersonalData(erase));
  EXPECT_EQ(retried.positions(1).offset(), erased.positions(1).offset());
  EXPECT_EQ(LogSize(), 2 + 2 + 2 + 2);
  erase.set_request_id("erase-2");
  EXPECT_STATUS(client_->ErasePersonalData(erase), StatusCode::kFailedPrecondition,
                "already erased");

  for (const std::string& id : expected) {
    ASSERT_OK_AND_ASSIGN(const v1::Case c, client_->Case(id));
    EXPECT_EQ(c.personal_data().state(), v1::PERSONAL_DATA_STATE_ERASED);
    EXPECT_FALSE(c.personal_data().has_data());
    EXPECT_EQ(c.status(), v1::CASE_STATUS_OPEN);  // the case itself stays
    const std::vector<v1::CaseHistoryEntry> history = History(id);
    ASSERT_FALSE(history.empty());
    EXPECT_THAT(history.front().summary(), HasSubstr("[erased]"));
    EXPECT_EQ(history.back().event_type(), "trappe.cases.v1.PersonalDataErased");
  }
  ASSERT_OK_AND_ASSIGN(const v1::Case untouched, client_->Case(other));
  EXPECT_EQ(untouched.personal_data().state(), v1::PERSONAL_DATA_STATE_AVAILABLE);

  v1::FindCasesByCprRequest find;
  find.set_tenant(kTenant);
  find.set_cpr_number(kCpr);
  ASSERT_OK_AND_ASSIGN(const v1::FindCasesByCprResponse found, client_->FindCasesByCpr(find));
  EXPECT_EQ(found.cases_size(), 0);

  // Reads stay "erased" after a restart, and the plaintext is in no byte on disk.
  ASSERT_OK(harness_.Restart());
  client_ = std::make_unique<CasesClient>(harness_.channel());
  ASSERT_OK_AND_ASSIGN(const v1::Case after, client_->Case(first.case_id()));
  EXPECT_EQ(after.personal_data().state(), v1::PERSONAL_DATA_STATE_ERASED);
  ASSERT_OK_AND_ASSIGN(const v1::Case still, client_->Case(other));
  EXPECT_EQ(still.personal_data().data().cpr_number(), "0202031234");
  // The data key is gone from the key store's files too (no old SST or WAL keeps it).
  v1::GetCaseHistoryRequest request;
  request.set_tenant(kTenant);
  request.set_case_id(first.case_id());
  request.set_include_envelopes(true);
  ASSERT_OK_AND_ASSIGN(const v1::GetCaseHistoryResponse history, client_->GetCaseHistory(request));
  const std::string key_id = history.entries(0).envelope().case_opened().personal_data().key_id();
  ASSERT_FALSE(key_id.empty());
  harness_.Stop();
  EXPECT_EQ(KeyStoreDataBytes(harness_.dir().path() / "module-0" / "keys").find(key_id),
            std::string::npos);
  const std::string bytes = AllBytesUnder(harness_.dir().path());
  ASSERT_GT(bytes.size(), 0u);
  for (const std::string& needle :
       std::vector<std::string>{kCpr, kCprDashed, kGivenName, kFamilyName, "0202031234"}) {
    EXPECT_EQ(bytes.find(needle), std::string::npos) << needle << " found on disk";
  }
}

TEST_F(CasesServiceTest, AnErasureInterruptedBeforeTheKeyWasDeletedIsCompletedOnRestart) {
  const std::string case_id = OpenCase("open-1");
  v1::GetCaseHistoryRequest request;
  request.set_tenant(kTenant);
  request.set_case_id(case_id);
  request.set_include_envelopes(true);
  ASSERT_OK_AND_ASSIGN(const v1::GetCaseHistoryResponse history, client_->GetCaseHistory(request));
  const v1::CaseOpened& opened = history.entries(0).envelope().case_opened();
  const std::string key_id = opened.personal_data().key_id();
  // The scan below can see a key: before erasure the key store's WAL holds it.
  ASSERT_NE(KeyStoreDataBytes(harness_.dir().path() / "module-0" / "keys").find(key_id),
            std::string::npos);

  // The erasure event is in the log, but the process died before deleting the key.
  events::v1::EventEnvelope e;
  e.set_event_id("e0000000-0000-4000-8000-0000000000e1");
  e.set_tenant(kTenant);
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_CASE);
  e.set_aggregate_id(case_id);
  e.set_aggregate_version(3);
  e.set_case_id(case_id);
  *e.mutable_recorded_at() = T("2026-03-02T09:00:00Z");
  *e.mutable_effective_date() = D(2026, 3, 2);
  e.set_actor("anna@herning.dk");
  e.set_request_id("erase-crashed");
  v1::PersonalDataErased* erased = e.mutable_personal_data_erased();
  erased->set_case_id(case_id);
  erased->set_child_id(opened.child_id());
  erased->set_key_id(key_id);
  erased->set_reason(v1::ERASURE_REASON_RETENTION_EXPIRED);
  eventlog::Record record{.key = events::RecordKey(e), .value = e.SerializeAsString()};
  for (const events::KafkaHeader& h : events::KafkaHeaders(e)) {
    record.headers.push_back({std::string(h.key), h.value});
  }
  ASSERT_OK(harness_.log().Append(events::kCaseEventsTopic, {record}));

  ASSERT_OK(harness_.Restart());
  client_ = std::make_unique<CasesClient>(harness_.channel());
  ASSERT_OK_AND_ASSIGN(const v1::Case after, client_->Case(case_id));
  EXPECT_EQ(after.personal_data().state(), v1::PERSONAL_DATA_STATE_ERASED);
  harness_.Stop();
  EXPECT_EQ(KeyStoreDataBytes(harness_.dir().path() / "module-0" / "keys").find(key_id),
            std::string::npos);
}

TEST_F(CasesServiceTest, EveryNewChildGetsItsOwnKeyAndItsDataReadsBackAfterARestart) {
  // More children than the key store makes keys for in one write.
  constexpr int kChildren = 40;
  std::vector<std::string> cases;
  std::vector<std::string> cprs;
  std::set<std::string> key_ids;
  for (int i = 0; i < kChildren; ++i) {
    char cpr[24];  // room for any int, so the compiler can prove nothing is truncated
    std::snprintf(cpr, sizeof cpr, "%02d0203%04d", 1 + i % 28, 1000 + i);
    cprs.emplace_back(cpr);
    cases.push_back(OpenCase("open-" + std::to_string(i), cprs.back()));
    v1::GetCaseHistoryRequest request;
    request.set_tenant(kTenant);
    request.set_case_id(cases.back());
    request.set_include_envelopes(true);
    ASSERT_OK_AND_ASSIGN(const v1::GetCaseHistoryResponse history,
                         client_->GetCaseHistory(request));
    key_ids.insert(history.entries(0).envelope().case_opened().personal_data().key_id());
  }
  EXPECT_EQ(key_ids.size(), static_cast<size_t>(kChildren));

  ASSERT_OK(harness_.Restart());
  client_ = std::make_unique<CasesClient>(harness_.channel());
  for (int i = 0; i < kChildren; ++i) {
    ASSERT_OK_AND_ASSIGN(const v1::Case c, client_->Case(cases[static_cast<size_t>(i)]));
    EXPECT_EQ(c.personal_data().data().cpr_number(), cprs[static_cast<size_t>(i)]);
  }
}

TEST_F(CasesServiceTest, TheCaseAsOfADateFoldsTheEventsEffectiveByThen) {
  // Opened 2 Feb with Anna; Bent co-worker from 10 Feb; graded (back-dated) from 5 Feb;
  // closed 1 Mar.
  const std::string case_id = OpenCase("open-1");
  ASSERT_OK(client_->AssignCaseworker(AssignRequest(
      "co-1", case_id, kBent, v1::CASEWORKER_ROLE_CO_WORKER, v1::CO_WORKER_PURPOSE_FOSTER_FAMILY)));
  ASSERT_OK(client_->CloseCase(CloseRequest("close-1", case_id, D(2026, 3, 1))));
  harness_.clock().Advance(std::chrono::hours(24));
  auto weight = Command<v1::AssessWeightRequest>("weight-late");
  weight.set_case_id(case_id);
  weight.set_grade(v1::CASE_GRADE_COMPLEX);
  weight.set_reason("assessed late");
  *weight.mutable_effective_date() = D(2026, 2, 5);
  // The case is closed: a grade cannot be assessed any more.
  EXPECT_STATUS(client_->AssessWeight(weight), StatusCode::kFailedPrecondition, "is closed");
  auto reopen = Command<v1::ReopenCaseRequest>("reopen-1");
  reopen.set_case_id(case_id);
  reopen.set_reason(v1::REOPEN_REASON_CLOSED_IN_ERROR);
  *reopen.mutable_reopened_on() = D(2026, 3, 3);
  ASSERT_OK(client_->ReopenCase(reopen));
  ASSERT_OK(client_->AssessWeight(weight));

  auto as_of = [&](common::v1::Date date) {
    v1::GetCaseAsOfRequest r;
    r.set_tenant(kTenant);
    r.set_case_id(case_id);
    *r.mutable_as_of() = date;
    return r;
  };
  EXPECT_STATUS(client_->GetCaseAsOf(as_of(D(2026, 2, 1))), StatusCode::kNotFound,
                "was not open on 2026-02-01");

  ASSERT_OK_AND_ASSIGN(v1::GetCaseAsOfResponse r, client_->GetCaseAsOf(as_of(D(2026, 2, 2))));
  EXPECT_EQ(r.child_case().status(), v1::CASE_STATUS_OPEN);
  EXPECT_EQ(r.child_case().caseworkers_size(), 1);
  EXPECT_EQ(r.child_case().grade(), v1::CASE_GRADE_UNSPECIFIED);
  EXPECT_EQ(r.child_case().version(), 2u);
  EXPECT_EQ(r.child_case().personal_data().data().given_name(), kGivenName);

  ASSERT_OK_AND_ASSIGN(r, client_->GetCaseAsOf(as_of(D(2026, 2, 12))));
  EXPECT_EQ(r.child_case().caseworkers_size(), 2);
  EXPECT_EQ(r.child_case().grade(), v1::CASE_GRADE_COMPLEX);  // back-dated to 5 Feb
  EXPECT_EQ(r.child_case().version(), 6u);

  ASSERT_OK_AND_ASSIGN(r, client_->GetCaseAsOf(as_of(D(2026, 3, 1))));
  EXPECT_EQ(r.child_case().status(), v1::CASE_STATUS_CLOSED);
  EXPECT_EQ(r.child_case().closure_reason(), v1::CLOSURE_REASON_PURPOSE_ACHIEVED);

  // What the system knew on 2 March: not yet the grade (recorded on 3 March).
  v1::GetCaseAsOfRequest known = as_of(D(2026, 2, 12));
  *known.mutable_known_at() = T("2026-03-02T12:00:00Z");
  ASSERT_OK_AND_ASSIGN(r, client_->GetCaseAsOf(known));
  EXPECT_EQ(r.child_case().grade(), v1::CASE_GRADE_UNSPECIFIED);
  EXPECT_EQ(r.child_case().caseworkers_size(), 2);

  ASSERT_OK_AND_ASSIGN(r, client_->GetCaseAsOf(as_of(D(2026, 3, 3))));
  EXPECT_EQ(r.child_case().status(), v1::CASE_STATUS_OPEN);
  EXPECT_EQ(r.child_case().version(), 6u);
}

// An event of another service about the case, appended as that service would.
void AppendInterventionStarted(eventlog::EventLog& log, const std::string& case_id,
                               uint64_t version) {
  events::v1::EventEnvelope e;
  e.set_event_id("e0000000-0000-4000-8000-000000000001");
  e.set_tenant(kTenant);
  e.set_aggregate_type(events::v1::AGGREGATE_TYPE_INTERVENTION);
  e.set_aggregate_id("1a000000-0000-4000-8000-000000000001");
  e.set_aggregate_version(version);
  e.set_case_id(case_id);
  *e.mutable_recorded_at() = T("2026-03-02T09:00:00Z");
  *e.mutable_effective_date() = D(2026, 2, 15);
  e.set_actor("bent@herning.dk");
  e.set_request_id("placement-1");
  e.mutable_intervention_started()->set_case_id(case_id);
  eventlog::Record record{.key = events::RecordKey(e), .value = e.SerializeAsString()};
  for (const events::KafkaHeader& h : events::KafkaHeaders(e)) {
    record.headers.push_back({std::string(h.key), h.value});
  }
  ASSERT_OK(log.Append(events::kCaseEventsTopic, {record}));
}

TEST_F(CasesServiceTest, TheHistoryHasEveryEventInOrderReadably) {
  const std::string case_id = OpenCase("open-1");
  auto report = Command<v1::RecordReportOfConcernRequest>("report-1", "bent@herning.dk");
  report.set_case_id(case_id);
  *report.mutable_received_at() = T("2026-03-01T08:30:00Z");
  report.set_reporter_type(v1::REPORTER_TYPE_POLICE);
  ASSERT_OK(client_->RecordReportOfConcern(report));
  AppendInterventionStarted(harness_.log(), case_id, 1);
  ASSERT_OK(client_->CloseCase(CloseRequest("close-1", case_id, D(2026, 3, 2))));

  v1::GetCaseHistoryRequest request;
  request.set_tenant(kTenant);
  request.set_case_id(case_id);
  request.set_include_envelopes(true);
  ASSERT_OK_AND_ASSIGN(const v1::GetCaseHistoryResponse history, client_->GetCaseHistory(request));
  ASSERT_EQ(history.entries_size(), 5);
  const std::vector<std::string> types = {
      "trappe.cases.v1.CaseOpened", "trappe.cases.v1.CaseworkerAssigned",
      "trappe.cases.v1.ReportOfConcernReceived", "trappe.placements.v1.InterventionStarted",
      "trappe.cases.v1.CaseClosed"};
  for (int i = 0; i < 5; ++i) {
    const v1::CaseHistoryEntry& e = history.entries(i);
    EXPECT_EQ(e.event_type(), types[static_cast<size_t>(i)]);
    EXPECT_FALSE(e.summary().empty());
    EXPECT_TRUE(e.has_recorded_at());
    EXPECT_TRUE(e.has_effective_date());
    EXPECT_FALSE(e.actor().empty());
    EXPECT_TRUE(e.has_envelope());
    if (i > 0) {
      EXPECT_GT(e.position().offset(), history.entries(i - 1).position().offset());
    }
  }
  EXPECT_EQ(history.entries(0).summary(),
            "Case opened on 2026-02-02 for child " +
                history.entries(0).envelope().case_opened().child_id() +
                " [personal data] on the legal basis report of concern (Barnets lov par. 20), "
                "handled by team " +
                std::string(kTeam));
  EXPECT_EQ(history.entries(1).summary(),
            std::string("Caseworker ") + kAnna +
                " assigned as primary caseworker: named when the case was opened");
  EXPECT_EQ(history.entries(2).actor(), "bent@herning.dk");
  EXPECT_THAT(history.entries(2).summary(), HasSubstr("received at 2026-03-01T08:30:00"));
  EXPECT_THAT(history.entries(2).summary(), HasSubstr("from police"));
  EXPECT_EQ(history.entries(3).effective_date().day(), 15);
  EXPECT_EQ(history.entries(4).summary(), "Case closed on 2026-03-02, reason purpose achieved");
  // No byte of personal data in clear, in any summary.
  for (const v1::CaseHistoryEntry& e : history.entries()) {
    EXPECT_THAT(e.summary(), ::testing::Not(HasSubstr(kGivenName)));
  }

  request.set_include_envelopes(false);
  request.mutable_page()->set_page_size(2);
  request.mutable_page()->set_page_token("4");
  ASSERT_OK_AND_ASSIGN(const v1::GetCaseHistoryResponse tail, client_->GetCaseHistory(request));
  ASSERT_EQ(tail.entries_size(), 1);
  EXPECT_FALSE(tail.entries(0).has_envelope());
  EXPECT_EQ(tail.page().total_size(), 5);
}

TEST_F(CasesServiceTest, RebuildGivesTheChecksumOfLiveProcessing) {
  const std::string first = OpenCase("open-1");
  const std::string second = OpenCase("open-2");  // the same child
  const std::string other = OpenCase("open-3", "0202031234");
  ASSERT_OK(
      client_->AssignCaseworker(AssignRequest("co-1", first, kBent, v1::CASEWORKER_ROLE_CO_WORKER,
                                              v1::CO_WORKER_PURPOSE_CHILD_CONVERSATIONS)));
  auto backdated = Command<v1::AssessWeightRequest>("weight-1");
  backdated.set_case_id(other);
  backdated.set_grade(v1::CASE_GRADE_VERY_COMPLEX);
  backdated.set_reason("back-dated assessment");
  *backdated.mutable_effective_date() = D(2025, 12, 1);
  ASSERT_OK(client_->AssessWeight(backdated));
  AppendInterventionStarted(harness_.log(), other, 1);
  ASSERT_OK(client_->CloseCase(CloseRequest("close-1", second, D(2026, 2, 20))));
  auto erase = Command<v1::ErasePersonalDataRequest>("erase-1");
  erase.set_case_id(first);
  erase.set_reason(v1::ERASURE_REASON_DATA_SUBJECT_REQUEST);
  ASSERT_OK(client_->ErasePersonalData(erase));
  const std::string reused = OpenCase("open-4");  // same CPR after erasure: a new child

  projection::Engine& engine = harness_.module(0).engine();
  v1::GetCaseRequest get;
  get.set_tenant(kTenant);
  get.set_case_id(reused);
  ASSERT_OK(client_->GetCase(get));
  ASSERT_OK_AND_ASSIGN(const std::string live, engine.Checksum());
  uint64_t progress_calls = 0;
  ASSERT_OK(engine.Rebuild([&](const projection::RebuildProgress&) { ++progress_calls; }));
  ASSERT_OK_AND_ASSIGN(const std::string rebuilt, engine.Checksum());
  EXPECT_EQ(rebuilt, live);
  EXPECT_GT(progress_calls, 0u);
  ASSERT_OK_AND_ASSIGN(const v1::Case again, client_->Case(reused));
  EXPECT_EQ(again.personal_data().state(), v1::PERSONAL_DATA_STATE_AVAILABLE);
  ASSERT_OK_AND_ASSIGN(const v1::Case gone, client_->Case(second));
  EXPECT_EQ(gone.personal_data().state(), v1::PERSONAL_DATA_STATE_ERASED);
  EXPECT_NE(again.child_id(), gone.child_id());
}

TEST(CasesOptionsTest, TheMasterKeyParsesFromHexOrBase64AndNothingElse) {
  const std::string hex(64, 'a');
  ASSERT_OK_AND_ASSIGN(const std::string from_hex, ParseMasterKey(" " + hex + "\n"));
  EXPECT_EQ(from_hex, std::string(32, '\xaa'));
  ASSERT_OK_AND_ASSIGN(const std::string from_b64,
                       ParseMasterKey("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo="));
  EXPECT_EQ(from_b64, std::string(32, '\xaa'));
  ASSERT_OK_AND_ASSIGN(const CasesOptions options, CasesOptionsFromHexKey(hex));
  EXPECT_EQ(options.master_key.size(), 32u);
  EXPECT_STATUS(ParseMasterKey(""), StatusCode::kInvalidArgument, "master_key: is required");
  EXPECT_STATUS(ParseMasterKey(std::string(62, 'a')), StatusCode::kInvalidArgument, "32 bytes");
  EXPECT_STATUS(ParseMasterKey(std::string(64, 'g'), "TRAPPE_MASTER_KEY"),
                StatusCode::kInvalidArgument, "TRAPPE_MASTER_KEY");
  EXPECT_STATUS(CasesOptionsFromHexKey("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo="),
                StatusCode::kInvalidArgument, "64 hex");
}

}  // namespace
}  // namespace trappe::cases::testing
