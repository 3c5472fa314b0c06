// trappe-e2e-lag: how long a command written through the cases service takes to become
// visible in the other services' projections, with the services running as processes
// (e.g. started by deploy/run-local.sh on the Kafka dev broker).
//
// Each round sends one AssessWeight to cases (one event on trappe.case-events.v1) and, as
// soon as its reply arrives, a query with min_positions = the positions it wrote, to
// workload (GetCaseworkerLoad) or to scheduling (ListCaseDeadlines) in turn. The query
// returns once that service's projection has applied the event, so its latency is the
// lag from "the command is acknowledged" to "another service answers with it", one
// loopback RPC included; "sent to visible" adds the command's own latency (cases replies
// once its own projection has applied the event). Rounds run one after another.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "trappe/cases/v1/service.grpc.pb.h"
#include "trappe/scheduling/v1/service.grpc.pb.h"
#include "trappe/workload/v1/service.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace cases = trappe::cases::v1;
namespace workload = trappe::workload::v1;
namespace scheduling = trappe::scheduling::v1;

std::string NewUuid() {
  static std::mt19937_64 random(std::random_device{}());
  const uint64_t high = random(), low = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xfff),
                static_cast<unsigned>(0x8000 | (low >> 48 & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

std::unique_ptr<grpc::ClientContext> Context(int seconds = 30) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

// Fails the run unless OK (or ALREADY_EXISTS where `existing_ok`: a second run's set-up).
void Check(const grpc::Status& status, const std::string& what, bool existing_ok = false) {
  if (status.ok() || (existing_ok && status.error_code() == grpc::StatusCode::ALREADY_EXISTS))
    return;
  std::cerr << "trappe-e2e-lag: " << what << ": " << status.error_code() << " "
            << status.error_message() << "\n";
  std::exit(1);
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

void PrintRow(const std::string& name, const std::vector<double>& ms) {
  std::printf("%-38s %7zu %9.2f %9.2f %9.2f %9.2f\n", name.c_str(), ms.size(), Percentile(ms, 50),
              Percentile(ms, 90), Percentile(ms, 99), Percentile(ms, 100));
}

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string cases_address = "127.0.0.1:7481";
  std::string scheduling_address = "127.0.0.1:7483";
  std::string workload_address = "127.0.0.1:7484";
  std::string tenant = "0657";
  int rounds = 2000;
  int warmup = 100;
  int case_count = 8;
  CLI::App app{
      "trappe-e2e-lag: the lag from a command acknowledged by cases to its visibility "
      "in workload's and scheduling's projections (p50/p90/p99/max, milliseconds)."};
  app.add_option("--cases", cases_address, "The cases service")->capture_default_str();
  app.add_option("--workload", workload_address, "The workload service")->capture_default_str();
  app.add_option("--scheduling", scheduling_address, "The scheduling service")
      ->capture_default_str();
  app.add_option("--tenant", tenant, "The municipality to work in (registered if missing)")
      ->capture_default_str();
  app.add_option("--rounds", rounds, "Measured rounds")->capture_default_str();
  app.add_option("--warmup", warmup, "Rounds before measuring")->capture_default_str();
  app.add_option("--cases-count", case_count, "Cases the rounds assess in turn")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto channel = [](const std::string& address) {
    return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  };
  auto cases_api = cases::CaseService::NewStub(channel(cases_address));
  auto workload_api = workload::WorkloadService::NewStub(channel(workload_address));
  auto scheduling_api = scheduling::SchedulingService::NewStub(channel(scheduling_address));

  // Set-up through workload: the municipality, a team and a caseworker with room to spare.
  std::vector<trappe::common::v1::LogPosition> organised;
  {
    workload::RegisterMunicipalityRequest request;
    request.set_tenant(tenant);
    request.set_request_id(NewUuid());
    request.set_actor("e2e-lag");
    request.set_name("Lag bench");
    for (const char* preset :
         {"national-staircase", "barnets-lov", "sverigesmodel", "default-weights"}) {
      request.add_presets(preset);
    }
    workload::RegisterMunicipalityResponse response;
    Check(workload_api->RegisterMunicipality(Context().get(), request, &response),
          "RegisterMunicipality", true);
    organised.assign(response.positions().begin(), response.positions().end());
  }
  {
    workload::CreateTeamRequest request;
    request.set_tenant(tenant);
    request.set_request_id(NewUuid());
    request.set_actor("e2e-lag");
    request.set_team_id("lag-team");
    request.set_name("Lag team");
    workload::CreateTeamResponse response;
    Check(workload_api->CreateTeam(Context().get(), request, &response), "CreateTeam", true);
    organised.insert(organised.end(), response.positions().begin(), response.positions().end());
  }
  {
    workload::RegisterCaseworkerRequest request;
    request.set_tenant(tenant);
    request.set_request_id(NewUuid());
    request.set_actor("e2e-lag");
    request.set_caseworker_id("lag-worker");
    request.set_display_name("Lag worker");
    request.set_team_id("lag-team");
    request.set_fte_milli(1000);
    request.set_target_points_override(10000);
    workload::RegisterCaseworkerResponse response;
    Check(workload_api->RegisterCaseworker(Context().get(), request, &response),
          "RegisterCaseworker", true);
    organised.insert(organised.end(), response.positions().begin(), response.positions().end());
  }
  // Cases must have seen the organisation before it opens cases there.
  {
    cases::ListCasesRequest request;
    request.set_tenant(tenant);
    for (const auto& p : organised) *request.add_min_positions() = p;
    cases::ListCasesResponse response;
    Check(cases_api->ListCases(Context().get(), request, &response),
          "ListCases (waiting for workload)");
  }
  std::vector<std::string> case_ids;
  for (int i = 0; i < case_count; ++i) {
    cases::OpenCaseRequest request;
    request.set_tenant(tenant);
    request.set_request_id(NewUuid());
    request.set_actor("e2e-lag");
    request.mutable_personal_data()->set_cpr_number("01012012" + std::to_string(10 + i % 90));
    request.mutable_personal_data()->set_given_name("Lag");
    request.mutable_personal_data()->set_family_name("Bench");
    request.set_legal_basis(cases::LEGAL_BASIS_APPLICATION);
    request.set_team_id("lag-team");
    request.set_caseworker_id("lag-worker");
    cases::OpenCaseResponse response;
    Check(cases_api->OpenCase(Context().get(), request, &response), "OpenCase");
    case_ids.push_back(response.case_id());
  }

  std::vector<double> command_ms, workload_ms, scheduling_ms, workload_total_ms,
      scheduling_total_ms;
  const Clock::time_point started = Clock::now();
  for (int round = 0; round < warmup + rounds; ++round) {
    const bool measured = round >= warmup;
    cases::AssessWeightRequest assess;
    assess.set_tenant(tenant);
    assess.set_request_id(NewUuid());
    assess.set_actor("e2e-lag");
    assess.set_case_id(case_ids[static_cast<size_t>(round) % case_ids.size()]);
    // Each case alternates between two grades, so every round writes one event.
    const bool odd_visit = (static_cast<size_t>(round) / case_ids.size()) % 2 == 1;
    assess.set_grade(odd_visit ? cases::CASE_GRADE_COMPLEX : cases::CASE_GRADE_SIMPLE);
    assess.set_reason("lag measurement");
    cases::AssessWeightResponse assessed;
    const Clock::time_point sent = Clock::now();
    Check(cases_api->AssessWeight(Context().get(), assess, &assessed), "AssessWeight");
    const Clock::time_point acknowledged = Clock::now();
    if (measured) command_ms.push_back(MillisecondsSince(sent));

    if (round % 2 == 0) {
      workload::GetCaseworkerLoadRequest query;
      query.set_tenant(tenant);
      query.set_caseworker_id("lag-worker");
      for (const auto& p : assessed.positions()) *query.add_min_positions() = p;
      workload::GetCaseworkerLoadResponse answer;
      Check(workload_api->GetCaseworkerLoad(Context().get(), query, &answer), "GetCaseworkerLoad");
      if (measured) {
        workload_ms.push_back(MillisecondsSince(acknowledged));
        workload_total_ms.push_back(MillisecondsSince(sent));
      }
    } else {
      scheduling::ListCaseDeadlinesRequest query;
      query.set_tenant(tenant);
      query.set_case_id(assess.case_id());
      for (const auto& p : assessed.positions()) *query.add_min_positions() = p;
      scheduling::ListCaseDeadlinesResponse answer;
      Check(scheduling_api->ListCaseDeadlines(Context().get(), query, &answer),
            "ListCaseDeadlines");
      if (measured) {
        scheduling_ms.push_back(MillisecondsSince(acknowledged));
        scheduling_total_ms.push_back(MillisecondsSince(sent));
      }
    }
  }
  const double seconds = MillisecondsSince(started) / 1000.0;

  std::printf("%d rounds (+%d warm-up) in %.1f s over %d cases\n", rounds, warmup, seconds,
              case_count);
  std::printf("%-38s %7s %9s %9s %9s %9s\n", "milliseconds", "n", "p50", "p90", "p99", "max");
  PrintRow("AssessWeight on cases (command)", command_ms);
  PrintRow("visible in workload (after the ack)", workload_ms);
  PrintRow("visible in scheduling (after the ack)", scheduling_ms);
  PrintRow("sent to visible in workload", workload_total_ms);
  PrintRow("sent to visible in scheduling", scheduling_total_ms);
  return 0;
}
