// The placements service (trappe.placements.v1.PlacementService): interventions and
// placements on the municipality's intervention staircase (indsatstrappen), the child's
// plan (barnets plan, par. 91), the staircase configuration, and the figures managers
// steer by: trajectories, the distribution over the steps, the key figures (nøgletal).
//
// The module owns its projection (a RocksDB store under context.data_dir), its runtime and
// its write path; the host serves module->grpc_service() and calls
// module->runtime().StartCatchUp(server).
#pragma once

#include <memory>

#include "trappe/common/status.h"
#include "trappe/service/module.h"

namespace trappe::placements {

// The gRPC service name the health service reports.
inline constexpr char kPlacementServiceName[] = "trappe.placements.v1.PlacementService";

[[nodiscard]] Result<std::unique_ptr<service::ServiceModule>> OpenPlacementsModule(
    const service::ModuleContext& context);

}  // namespace trappe::placements
