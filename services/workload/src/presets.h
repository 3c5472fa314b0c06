// The municipality's presets, written in full into MunicipalityRegistered (DESIGN.md
// section 6), converted from the rules' types (libs/rules) into the contract's types:
// the staircase (trappe.placements.v1.Staircase), the follow-up rule sets
// (trappe.scheduling.v1.FollowUpRuleSet) and the weight table (trappe.workload.v1).
#pragma once

#include <string>
#include <vector>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"
#include "trappe/rules/follow_up_rules.h"
#include "trappe/scheduling/v1/types.pb.h"
#include "trappe/workload/v1/events.pb.h"

namespace trappe::workload {

// The registration event's content for `presets`: exactly one staircase preset, exactly
// one weight preset and at least one follow-up rule set preset. NOT_FOUND names an unknown
// preset; INVALID_ARGUMENT (field "presets") a missing or doubled kind.
[[nodiscard]] Result<v1::MunicipalityRegistered> MunicipalityFromPresets(
    const std::string& code, const std::string& name, const std::vector<std::string>& presets,
    CivilDate effective_from);

}  // namespace trappe::workload
