// The demo municipality a new server loads on its first start (trappe-server --demo):
// 0657 Herning, 1,000 children over the 10 years up to today, from a fixed seed.
#pragma once

#include <grpcpp/channel.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/generator/driver.h"
#include "trappe/generator/plan.h"

namespace trappe::generator {

// The demo's plan options for a history ending on `today`.
PlanOptions DemoPlanOptions(CivilDate today);

struct DemoSummary {
  PlanOptions options;
  PlanStats stats;
  RunResult run;
  double plan_seconds = 0;
  std::string team_id;        // a team to look at
  std::string caseworker_id;  // a caseworker employed today
  std::string case_id;        // an open case with a placement and an overdue deadline
};

// Plans the demo and runs it through `channel` (all four services).
[[nodiscard]] Result<DemoSummary> LoadDemo(const std::shared_ptr<grpc::Channel>& channel,
                                           CivilDate today,
                                           const std::function<void(const Progress&)>& on_progress,
                                           const std::atomic<bool>* cancel = nullptr);

// What to print after loading: what was loaded, and `trappe` commands to try against
// `address` that show deadlines, loads and the staircase. With no summary (the log was not
// empty, so nothing was loaded) the commands name no case or caseworker.
std::string DemoWelcome(const std::string& address, CivilDate today, const DemoSummary* summary);

}  // namespace trappe::generator
