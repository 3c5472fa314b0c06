#include "trappe/generator/demo.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <utility>
#include <vector>

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

std::string DemoWelcome(const std::string& address, CivilDate today, const DemoSummary* summary) {
  std::ostringstream out;
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
    out << "The log is not empty, so no demo was loaded (--demo loads it on a first start only; "
           "the demo municipality is 0657).\n";
  }
  std::vector<std::pair<std::string, std::string>> lines = {
      {"export TRAPPE_SERVER=" + address + " TRAPPE_TENANT=0657", ""},
      {"trappe deadlines --overdue", "what is overdue in the municipality today"},
      {"trappe load --team " + (summary != nullptr ? summary->team_id : std::string("vest")),
       "who carries how much"},
      {"trappe suggest --team " + (summary != nullptr ? summary->team_id : std::string("vest")) +
           " --grade complex",
       "who should take the next complex case"},
  };
  if (summary != nullptr && !summary->caseworker_id.empty()) {
    lines.push_back(
        {"trappe load --caseworker " + summary->caseworker_id, "and why: each case's points"});
    lines.push_back({"trappe deadlines --caseworker " + summary->caseworker_id + " --window 30",
                     "what falls due in the next 30 days"});
  }
  lines.push_back({"trappe staircase", "children on each step today"});
  lines.push_back({"trappe noegletal --from " + today.AddYears(-1).AddDays(1).ToString() +
                       " --to " + today.ToString(),
                   "the staircase key figures of the last year"});
  if (summary != nullptr && !summary->case_id.empty()) {
    lines.push_back(
        {"trappe deadlines --case " + summary->case_id, "a placed child with overdue deadlines"});
    lines.push_back(
        {"trappe staircase --case " + summary->case_id, "its way up and down the staircase"});
    lines.push_back({"trappe case history " + summary->case_id, "who did what, and when"});
  } else {
    lines.push_back({"trappe case list --status open", "the open cases"});
  }
  size_t width = 0;
  for (const auto& [command, comment] : lines) {
    if (!comment.empty()) width = std::max(width, command.size());
  }
  out << "Try the CLI (docs/cli.md):\n";
  for (const auto& [command, comment] : lines) {
    out << "  " << command;
    if (!comment.empty()) out << std::string(width - command.size() + 2, ' ') << "# " << comment;
    out << "\n";
  }
  return out.str();
}

}  // namespace trappe::generator
