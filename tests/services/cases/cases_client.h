// Test helpers for the cases service: a harness running the cases module, typed calls
// returning Result<Response>, and request builders with sensible defaults.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "trappe/cases/module.h"
#include "trappe/cases/v1/service.grpc.pb.h"
#include "trappe/common/status_grpc.h"
#include "trappe/events/headers.h"
#include "trappe/service/convert.h"
#include "trappe/testing/service_harness.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::cases::testing {

namespace v1 = ::trappe::cases::v1;

inline constexpr char kTenant[] = "0657";
inline constexpr char kTeam[] = "7e000000-0000-4000-8000-000000000001";
inline constexpr char kAnna[] = "c0000000-0000-4000-8000-00000000a001";
inline constexpr char kBent[] = "c0000000-0000-4000-8000-00000000b002";
inline constexpr char kCarl[] = "c0000000-0000-4000-8000-00000000c003";
// A CPR number with a valid date part (1 July 2015, seventh digit 4: born 2015) and names
// that occur nowhere else, so that a byte scan can look for them.
inline constexpr char kCpr[] = "0107154321";
inline constexpr char kCprDashed[] = "010715-4321";
inline constexpr char kGivenName[] = "Zelmarine";
inline constexpr char kFamilyName[] = "Quorbakken";

inline CasesOptions TestOptions() {
  CasesOptions options;
  options.master_key = std::string(kMasterKeyBytes, '\x5a');
  return options;
}

inline Result<std::unique_ptr<service::ServiceModule>> OpenTestCases(
    const service::ModuleContext& context) {
  return OpenCasesModule(context, TestOptions());
}

inline common::v1::Date D(int y, int m, int d) {
  common::v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

inline google::protobuf::Timestamp T(const char* rfc3339) {
  return service::ToProtoTimestamp(ParseTimestamp(rfc3339).value());
}

class CasesClient {
 public:
  explicit CasesClient(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::CaseService::NewStub(std::move(channel))) {}

  template <typename Response, typename Request>
  Result<Response> Call(grpc::Status (v1::CaseService::Stub::*method)(grpc::ClientContext*,
                                                                      const Request&, Response*),
                        const Request& request) {
    Response response;
    auto context = trappe::testing::ServiceHarness::Context();
    const grpc::Status status = (stub_.get()->*method)(context.get(), request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    return response;
  }

#define CASES_CALL(Method)                                                  \
  Result<v1::Method##Response> Method(const v1::Method##Request& request) { \
    return Call(&v1::CaseService::Stub::Method, request);                   \
  }
  CASES_CALL(OpenCase)
  CASES_CALL(RecordReportOfConcern)
  CASES_CALL(AssessReportOfConcern)
  CASES_CALL(StartInvestigation)
  CASES_CALL(CompleteInvestigation)
  CASES_CALL(AssignCaseworker)
  CASES_CALL(UnassignCaseworker)
  CASES_CALL(AssessWeight)
  CASES_CALL(CloseCase)
  CASES_CALL(ReopenCase)
  CASES_CALL(ErasePersonalData)
  CASES_CALL(GetCase)
  CASES_CALL(ListCases)
  CASES_CALL(GetCaseHistory)
  CASES_CALL(GetCaseAsOf)
  CASES_CALL(FindCasesByCpr)
#undef CASES_CALL

  // GetCase, reduced to the case.
  Result<v1::Case> Case(const std::string& case_id) {
    v1::GetCaseRequest request;
    request.set_tenant(kTenant);
    request.set_case_id(case_id);
    TRAPPE_ASSIGN_OR_RETURN(v1::GetCaseResponse response, GetCase(request));
    return response.child_case();
  }

 private:
  std::unique_ptr<v1::CaseService::Stub> stub_;
};

// Fills the context fields every command carries.
template <typename Request>
Request Command(const std::string& request_id, const std::string& actor = "anna@herning.dk") {
  Request request;
  request.set_tenant(kTenant);
  request.set_request_id(request_id);
  request.set_actor(actor);
  return request;
}

inline v1::OpenCaseRequest OpenRequest(const std::string& request_id,
                                       const std::string& caseworker_id = kAnna,
                                       const std::string& cpr = kCpr) {
  auto r = Command<v1::OpenCaseRequest>(request_id);
  r.mutable_personal_data()->set_cpr_number(cpr);
  r.mutable_personal_data()->set_given_name(kGivenName);
  r.mutable_personal_data()->set_family_name(kFamilyName);
  r.set_legal_basis(v1::LEGAL_BASIS_REPORT_OF_CONCERN);
  r.set_legal_basis_text("Barnets lov par. 20");
  *r.mutable_opened_on() = D(2026, 2, 2);
  r.set_team_id(kTeam);
  r.set_caseworker_id(caseworker_id);
  return r;
}

inline v1::AssignCaseworkerRequest AssignRequest(
    const std::string& request_id, const std::string& case_id, const std::string& caseworker_id,
    v1::CaseworkerRole role, v1::CoWorkerPurpose purpose = v1::CO_WORKER_PURPOSE_UNSPECIFIED) {
  auto r = Command<v1::AssignCaseworkerRequest>(request_id);
  r.set_case_id(case_id);
  r.set_caseworker_id(caseworker_id);
  r.set_role(role);
  r.set_purpose(purpose);
  *r.mutable_effective_date() = D(2026, 2, 10);
  return r;
}

inline v1::CloseCaseRequest CloseRequest(const std::string& request_id, const std::string& case_id,
                                         common::v1::Date closed_on = D(2026, 3, 1)) {
  auto r = Command<v1::CloseCaseRequest>(request_id);
  r.set_case_id(case_id);
  r.set_reason(v1::CLOSURE_REASON_PURPOSE_ACHIEVED);
  *r.mutable_closed_on() = closed_on;
  return r;
}

}  // namespace trappe::cases::testing
