// Cases and workload in one process (one harness): a case opened without a caseworker gets
// the one the workload service suggests (most headroom after taking the case).
#include <gtest/gtest.h>

#include "cases_client.h"
#include "trappe/workload/module.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace trappe::cases::testing {
namespace {

namespace wv1 = ::trappe::workload::v1;
using trappe::testing::ServiceHarness;

class CasesWithWorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(harness_.Start({workload::OpenWorkloadModule, OpenTestCases}));
    cases_ = std::make_unique<CasesClient>(harness_.channel());
    workload_ = wv1::WorkloadService::NewStub(harness_.channel());

    wv1::RegisterMunicipalityRequest municipality;
    municipality.set_tenant(kTenant);
    municipality.set_request_id("register");
    municipality.set_actor("admin");
    municipality.set_name("Herning Kommune");
    for (const char* p : {"national-staircase", "barnets-lov", "default-weights"}) {
      municipality.add_presets(p);
    }
    *municipality.mutable_effective_from() = D(2024, 1, 1);
    wv1::RegisterMunicipalityResponse registered;
    ASSERT_OK(FromGrpcStatus(workload_->RegisterMunicipality(ServiceHarness::Context().get(),
                                                             municipality, &registered)));
    wv1::CreateTeamRequest team;
    team.set_tenant(kTenant);
    team.set_request_id("team");
    team.set_actor("admin");
    team.set_team_id("vest");
    team.set_name("Team Vest");
    wv1::CreateTeamResponse created;
    ASSERT_OK(
        FromGrpcStatus(workload_->CreateTeam(ServiceHarness::Context().get(), team, &created)));
    // Anna full time (target 120 points), Bo at 80% (96 points).
    for (const auto& [id, fte] : {std::pair<const char*, int>{"anna", 1000}, {"bo", 800}}) {
      wv1::RegisterCaseworkerRequest worker;
      worker.set_tenant(kTenant);
      worker.set_request_id(std::string("cw-") + id);
      worker.set_actor("admin");
      worker.set_caseworker_id(id);
      worker.set_display_name(id);
      worker.set_team_id("vest");
      worker.set_fte_milli(fte);
      *worker.mutable_start_date() = D(2024, 1, 1);
      wv1::RegisterCaseworkerResponse done;
      ASSERT_OK(FromGrpcStatus(
          workload_->RegisterCaseworker(ServiceHarness::Context().get(), worker, &done)));
    }
  }

  v1::OpenCaseRequest Open(const std::string& request_id, const std::string& caseworker,
                           const std::string& cpr) {
    v1::OpenCaseRequest r = OpenRequest(request_id, caseworker, cpr);
    r.set_team_id("vest");
    return r;
  }

  ServiceHarness harness_;
  std::unique_ptr<CasesClient> cases_;
  std::unique_ptr<wv1::WorkloadService::Stub> workload_;
};

TEST_F(CasesWithWorkloadTest, ACaseOpenedWithoutACaseworkerGetsTheSuggestedOne) {
  // Empty loads; an unassessed case counts 6 points: Anna keeps 114 free, Bo 90 -> Anna.
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse first,
                       cases_->OpenCase(Open("open-1", "", "0107154321")));
  EXPECT_EQ(first.caseworker_id(), "anna");
  EXPECT_TRUE(first.caseworker_suggested());
  EXPECT_FALSE(first.assignment_reason().empty());
  ASSERT_OK_AND_ASSIGN(const v1::Case opened, cases_->Case(first.case_id()));
  ASSERT_EQ(opened.caseworkers_size(), 1);
  EXPECT_EQ(opened.caseworkers(0).caseworker_id(), "anna");
  EXPECT_EQ(opened.caseworkers(0).role(), v1::CASEWORKER_ROLE_PRIMARY);

  // Three very complex cases (10 points each) named for Anna: 36 points. Another unassessed
  // case would leave her 120 - 36 - 6 = 78 free, Bo 96 - 6 = 90 -> Bo.
  v1::OpenCaseResponse last;
  for (const char* cpr : {"0202031234", "0303034321", "0404041234"}) {
    v1::OpenCaseRequest r = Open(std::string("named-") + cpr, "anna", cpr);
    r.set_grade(v1::CASE_GRADE_VERY_COMPLEX);
    r.set_grade_reason("three households");
    ASSERT_OK_AND_ASSIGN(last, cases_->OpenCase(r));
    EXPECT_FALSE(last.caseworker_suggested());
  }
  // No waiting here: cases passes workload the positions it wrote, so the suggestion
  // reflects Anna's three new cases.
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse fifth,
                       cases_->OpenCase(Open("open-5", "", "0505054321")));
  EXPECT_EQ(fifth.caseworker_id(), "bo");
  EXPECT_TRUE(fifth.caseworker_suggested());

  // The history says who chose the caseworker.
  v1::GetCaseHistoryRequest history;
  history.set_tenant(kTenant);
  history.set_case_id(fifth.case_id());
  ASSERT_OK_AND_ASSIGN(const v1::GetCaseHistoryResponse lines, cases_->GetCaseHistory(history));
  ASSERT_EQ(lines.entries_size(), 2);
  EXPECT_NE(lines.entries(1).summary().find("Caseworker bo assigned as primary caseworker on "
                                            "the workload service's suggestion"),
            std::string::npos)
      << lines.entries(1).summary();
}

TEST_F(CasesWithWorkloadTest, WithNobodyToSuggestTheCaseOpensWithoutAPrimary) {
  wv1::CreateTeamRequest team;
  team.set_tenant(kTenant);
  team.set_request_id("team-empty");
  team.set_actor("admin");
  team.set_team_id("tom");
  team.set_name("Team without caseworkers");
  wv1::CreateTeamResponse created;
  ASSERT_OK(FromGrpcStatus(workload_->CreateTeam(ServiceHarness::Context().get(), team, &created)));

  v1::OpenCaseRequest r = Open("open-1", "", "0107154321");
  r.set_team_id("tom");
  // Workload answers FAILED_PRECONDITION (nobody in team tom can take it): the contract
  // opens the case without a primary and says why.
  ASSERT_OK_AND_ASSIGN(const v1::OpenCaseResponse opened, cases_->OpenCase(r));
  EXPECT_TRUE(opened.caseworker_id().empty());
  EXPECT_FALSE(opened.caseworker_suggested());
  EXPECT_EQ(opened.assignment_reason().rfind("no caseworker assigned: ", 0), 0u)
      << opened.assignment_reason();
  EXPECT_NE(opened.assignment_reason().find("team tom"), std::string::npos)
      << opened.assignment_reason();
  EXPECT_EQ(opened.version(), 1u);
  ASSERT_OK_AND_ASSIGN(const v1::Case c, cases_->Case(opened.case_id()));
  EXPECT_EQ(c.caseworkers_size(), 0);
}

TEST_F(CasesWithWorkloadTest, AnUnknownTeamIsAFailedPreconditionAndWritesNothing) {
  v1::OpenCaseRequest r = Open("open-1", "", "0107154321");
  r.set_team_id("nord");
  const Status status = cases_->OpenCase(r).status();
  EXPECT_TRUE(status.code() == StatusCode::kFailedPrecondition) << status.ToString();
  v1::ListCasesRequest list;
  list.set_tenant(kTenant);
  ASSERT_OK_AND_ASSIGN(const v1::ListCasesResponse listed, cases_->ListCases(list));
  EXPECT_EQ(listed.cases_size(), 0);
}

}  // namespace
}  // namespace trappe::cases::testing
