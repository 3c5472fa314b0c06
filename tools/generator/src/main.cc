// trappe-generate: writes a synthetic municipality into a running Trappe server through its
// gRPC APIs (docs/generator.md).
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "trappe/common/clock.h"
#include "trappe/generator/driver.h"
#include "trappe/generator/plan.h"

namespace {

std::string StatsJson(const trappe::generator::PlanStats& s) {
  std::string out = "{\"commands\":" + std::to_string(s.commands) + ",\"commands_by_rpc\":{";
  bool first = true;
  for (const auto& [rpc, n] : s.commands_by_rpc) {
    out += std::string(first ? "" : ",") + "\"" + rpc + "\":" + std::to_string(n);
    first = false;
  }
  out += "},\"placements_by_type\":{";
  first = true;
  for (const auto& [type, n] : s.placements_by_type) {
    out += std::string(first ? "" : ",") + "\"" + type + "\":" + std::to_string(n);
    first = false;
  }
  out += "}";
  const auto field = [&](const char* name, int64_t v) {
    out += std::string(",\"") + name + "\":" + std::to_string(v);
  };
  field("caseworkers_registered", s.caseworkers_registered);
  field("caseworkers_left", s.caseworkers_left);
  field("cases_closed", s.cases_closed);
  field("cases_reopened", s.cases_reopened);
  field("reports_of_concern", s.reports_of_concern);
  field("investigations", s.investigations);
  field("supports_started", s.supports_started);
  field("moves_up", s.moves_up);
  field("moves_down", s.moves_down);
  field("follow_ups", s.follow_ups);
  field("plan_approvals", s.plan_approvals);
  field("deadlines_met_on_time", s.deadlines_met_on_time);
  field("deadlines_met_late", s.deadlines_met_late);
  field("deadlines_overdue", s.deadlines_overdue);
  field("deadlines_open", s.deadlines_open);
  field("deadlines_missed", s.deadlines_missed);
  field("follow_up_deadlines_met_on_time", s.follow_up_deadlines_met_on_time);
  field("follow_up_deadlines_met_late", s.follow_up_deadlines_met_late);
  return out + "}";
}

}  // namespace

int main(int argc, char** argv) {
  trappe::generator::PlanOptions options;
  std::string server = "127.0.0.1:7474";
  std::string as_of;
  int concurrency = 8;
  bool json = false;
  bool plan_only = false;

  CLI::App app{
      "trappe-generate: writes a synthetic municipality (children, reports of concern, "
      "investigations, interventions up and down the staircase, placements, follow-ups, "
      "caseworkers joining and leaving) into a Trappe server through its APIs. The same "
      "options give the same history, and running it again writes nothing new."};
  app.add_option("--server", server, "The server's address (host:port)")
      ->capture_default_str()
      ->envname("TRAPPE_SERVER");
  app.add_option("--tenant", options.tenant, "The municipality code to register")
      ->capture_default_str();
  app.add_option("--name", options.municipality_name, "The municipality's name")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "The seed of the random history")->capture_default_str();
  app.add_option("--children", options.children, "How many children")->capture_default_str();
  app.add_option("--years", options.years, "How many years of history")->capture_default_str();
  app.add_option("--as-of", as_of, "The last day of the history (YYYY-MM-DD); default today");
  app.add_option("--caseworkers", options.caseworkers,
                 "Caseworkers employed at a time; default one per 85 children, at least 3");
  app.add_option("--concurrency", concurrency, "Children written at the same time")
      ->capture_default_str();
  app.add_flag("--json", json, "Print the result as one JSON document");
  app.add_flag("--plan-only", plan_only, "Make the plan and print its figures; call no server");
  CLI11_PARSE(app, argc, argv);

  if (as_of.empty()) {
    options.end_date = trappe::SystemClock::Instance().Today();
  } else {
    auto parsed = trappe::CivilDate::Parse(as_of);
    if (!parsed.ok()) {
      std::cerr << "trappe-generate: --as-of: " << as_of << " is not a date (YYYY-MM-DD)\n";
      return 2;
    }
    options.end_date = *parsed;
  }
  if (auto valid = trappe::generator::ValidatePlanOptions(options); !valid.ok()) {
    std::cerr << "trappe-generate: " << valid.ToString() << "\n";
    return 2;
  }

  const auto plan_started = std::chrono::steady_clock::now();
  auto plan = trappe::generator::MakePlan(options);
  if (!plan.ok()) {
    std::cerr << "trappe-generate: " << plan.status().ToString() << "\n";
    return 1;
  }
  if (const trappe::Status checked = trappe::generator::CheckReferences(*plan); !checked.ok()) {
    std::cerr << "trappe-generate: " << checked.ToString() << "\n";
    return 1;
  }
  const double plan_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - plan_started).count();
  if (!json) {
    std::cerr << "planned " << options.children << " children over " << options.years
              << " years up to " << options.end_date.ToString() << ": " << plan->stats.commands
              << " commands (" << plan_seconds << " s)\n";
  }
  if (plan_only) {
    std::cout << (json ? StatsJson(plan->stats) : "digest " + trappe::generator::PlanDigest(*plan))
              << "\n";
    return 0;
  }

  trappe::generator::DriverOptions driver;
  driver.concurrency = concurrency;
  int last_tenth = -1;
  driver.on_progress = [&](const trappe::generator::Progress& p) {
    if (json) return;
    const int tenth = p.children_total == 0 ? 10 : p.children_done * 10 / p.children_total;
    if (tenth == last_tenth) return;
    last_tenth = tenth;
    std::fprintf(stderr, "%6d/%d children, %lld/%lld commands, %.1f s, %.0f commands/s\n",
                 p.children_done, p.children_total, static_cast<long long>(p.commands_done),
                 static_cast<long long>(p.commands_total), p.seconds,
                 p.seconds > 0 ? p.commands_done / p.seconds : 0.0);
  };
  const auto channel = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  auto run = trappe::generator::RunPlan(*plan, channel, driver);
  if (!run.ok()) {
    std::cerr << "trappe-generate: " << run.status().ToString() << "\n";
    return 1;
  }
  const double rate = run->seconds > 0 ? run->commands / run->seconds : 0;
  if (json) {
    std::printf(
        "{\"tenant\":\"%s\",\"seed\":%llu,\"children\":%d,\"years\":%d,\"as_of\":\"%s\","
        "\"plan_seconds\":%.3f,\"run_seconds\":%.3f,\"commands_per_second\":%.1f,"
        "\"plan\":%s}\n",
        options.tenant.c_str(), static_cast<unsigned long long>(options.seed), options.children,
        options.years, options.end_date.ToString().c_str(), plan_seconds, run->seconds, rate,
        StatsJson(plan->stats).c_str());
  } else {
    std::printf(
        "wrote %lld commands for %d children in %.1f s (%.0f commands/s; planning %.1f s)\n",
        static_cast<long long>(run->commands), run->children, run->seconds, rate, plan_seconds);
    const auto& s = plan->stats;
    std::printf("caseworkers: %lld registered, %lld left; cases: %lld closed, %lld reopened\n",
                static_cast<long long>(s.caseworkers_registered),
                static_cast<long long>(s.caseworkers_left), static_cast<long long>(s.cases_closed),
                static_cast<long long>(s.cases_reopened));
    std::printf("placements:");
    for (const auto& [type, n] : s.placements_by_type) {
      std::printf(" %s %lld", type.c_str() + 15, static_cast<long long>(n));
    }
    std::printf(
        "\ndeadlines as of %s: %lld met on time, %lld met late, %lld overdue, %lld open, "
        "%lld missed\n",
        options.end_date.ToString().c_str(), static_cast<long long>(s.deadlines_met_on_time),
        static_cast<long long>(s.deadlines_met_late), static_cast<long long>(s.deadlines_overdue),
        static_cast<long long>(s.deadlines_open), static_cast<long long>(s.deadlines_missed));
  }
  return 0;
}
