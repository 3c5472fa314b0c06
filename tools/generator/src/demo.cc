#include "trappe/generator/demo.h"

#include <chrono>
#include <sstream>

namespace trappe::generator {

PlanOptions DemoPlanOptions(CivilDate today) {
  PlanOptions options;
  options.seed = 657;
  options.tenant = "0657";
  options.municipality_name = "Herning";
  options.children = 1000;
  options.years = 10;
  options.end_date = today;
  return options;
}

Result<DemoSummary> LoadDemo(const std::shared_ptr<grpc::Channel>& channel, CivilDate today,
                             const std::function<void(const Progress&)>& on_progress,
                             const std::atomic<bool>* cancel) {
  DemoSummary summary;
  summary.options = DemoPlanOptions(today);
  const auto started = std::chrono::steady_clock::now();
  TRAPPE_ASSIGN_OR_RETURN(Plan plan, MakePlan(summary.options));
  summary.plan_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  DriverOptions driver;
  driver.concurrency = 8;
  driver.on_progress = on_progress;
  driver.cancel = cancel;
  TRAPPE_ASSIGN_OR_RETURN(summary.run, RunPlan(plan, channel, driver));
  summary.stats = plan.stats;
  summary.team_id = plan.team_ids.front();
  if (!plan.caseworkers_at_end.empty()) summary.caseworker_id = plan.caseworkers_at_end.front();
  if (!plan.showcase_children.empty()) {
    summary.case_id = summary.run.case_ids[plan.showcase_children.front()];
  }
  return summary;
}

std::string DemoWelcome(const std::string& address, const DemoSummary* summary) {
  std::ostringstream out;
  const std::string team = summary != nullptr ? summary->team_id : "vest";
  if (summary != nullptr) {
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.1f s, %.0f commands/s",
                  summary->run.seconds + summary->plan_seconds,
                  summary->run.seconds > 0 ? summary->run.commands / summary->run.seconds : 0.0);
    out << "Loaded the demo municipality " << summary->options.tenant << " "
        << summary->options.municipality_name << ": " << summary->options.children
        << " children over " << summary->options.years << " years up to "
        << summary->options.end_date.ToString() << " (" << summary->run.commands << " commands in "
        << rate << ").\n";
  } else {
    out << "The demo municipality 0657 Herning was loaded on an earlier start.\n";
  }
  out << "Try the CLI (docs/cli.md):\n"
      << "  export TRAPPE_SERVER=" << address << " TRAPPE_TENANT=0657\n"
      << "  trappe deadlines --overdue                 # what is overdue in the municipality "
         "today\n"
      << "  trappe load --team " << team << "                      # who carries how much\n";
  if (summary != nullptr && !summary->caseworker_id.empty()) {
    out << "  trappe load --caseworker " << summary->caseworker_id
        << "            # and why: each case's points\n"
        << "  trappe deadlines --caseworker " << summary->caseworker_id << " --window 30\n";
  }
  out << "  trappe staircase                           # children on each step today\n"
      << "  trappe noegletal --from "
      << (summary != nullptr ? summary->options.end_date.AddYears(-1).ToString() : "2025-01-01")
      << " --to " << (summary != nullptr ? summary->options.end_date.ToString() : "2025-12-31")
      << "   # the staircase key figures of the last year\n";
  if (summary != nullptr && !summary->case_id.empty()) {
    out << "  trappe deadlines --case " << summary->case_id << "   # a placed child, overdue\n"
        << "  trappe staircase --case " << summary->case_id << "   # its way up and down\n"
        << "  trappe case history " << summary->case_id << "\n";
  } else {
    out << "  trappe case list --status open\n";
  }
  return out.str();
}

}  // namespace trappe::generator
