// The workload service (DESIGN.md sections 3 and 6): municipalities, teams, caseworkers and
// the weight table; points and caseloads derived from history for any date; whom to give
// the next case. Serves trappe.workload.v1.WorkloadService.
#pragma once

#include <memory>

#include "trappe/common/status.h"
#include "trappe/service/module.h"

namespace trappe::workload {

// Opens the service's projection under context.data_dir. The host starts its catch-up
// (runtime().StartCatchUp) and serves grpc_service().
[[nodiscard]] Result<std::unique_ptr<service::ServiceModule>> OpenWorkloadModule(
    const service::ModuleContext& context);

}  // namespace trappe::workload
