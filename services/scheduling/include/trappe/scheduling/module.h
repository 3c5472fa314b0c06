// The scheduling service: follow-ups, schedule overrides and the municipality's follow-up
// rules (the FOLLOW_UP_SCHEDULE and FOLLOW_UP_RULE_SET aggregates), and the deadlines
// derived from each case's history by the rules in force (docs/scheduling.md).
#pragma once

#include <memory>

#include "trappe/common/status.h"
#include "trappe/service/module.h"

namespace trappe::scheduling {

// The module: its projection store lives under context.data_dir; its gRPC service is
// trappe.scheduling.v1.SchedulingService.
[[nodiscard]] Result<std::unique_ptr<service::ServiceModule>> OpenSchedulingModule(
    const service::ModuleContext& context);

}  // namespace trappe::scheduling
