#include "presets.h"

#include <set>
#include <utility>

#include "trappe/rules/staircase.h"
#include "trappe/rules/weights.h"
#include "trappe/rules_proto/follow_up_rules.h"
#include "trappe/service/convert.h"
#include "weight_table.h"

namespace trappe::workload {
namespace {

namespace pv1 = placements::v1;

// --- staircase

pv1::StepCategory CategoryOf(int number) {
  switch (number) {
    case 1: return pv1::STEP_CATEGORY_EARLY_UNIVERSAL;
    case 2: return pv1::STEP_CATEGORY_PREVENTIVE;
    case 3: return pv1::STEP_CATEGORY_HOME_BASED;
    case 4: return pv1::STEP_CATEGORY_NETWORK_PLACEMENT;
    case 5: return pv1::STEP_CATEGORY_FOSTER_PLACEMENT;
    case 6: return pv1::STEP_CATEGORY_INSTITUTION_PLACEMENT;
    default: return pv1::STEP_CATEGORY_UNSPECIFIED;
  }
}

pv1::Staircase StaircaseToProto(const rules::Staircase& staircase) {
  pv1::Staircase out;
  for (const rules::StaircaseStep& s : staircase.steps) {
    pv1::StaircaseStep* step = out.add_steps();
    step->set_number(s.number);
    // The contract names steps as the municipality does, in Danish.
    step->set_name(s.danish_name.empty() ? s.name : s.danish_name);
    step->set_prevention(s.prevention);
    step->set_category(CategoryOf(s.number));
  }
  return out;
}

}  // namespace

Result<v1::MunicipalityRegistered> MunicipalityFromPresets(const std::string& code,
                                                           const std::string& name,
                                                           const std::vector<std::string>& presets,
                                                           CivilDate effective_from) {
  v1::MunicipalityRegistered out;
  out.set_municipality_code(code);
  out.set_name(name);
  *out.mutable_effective_from() = service::ToProtoDate(effective_from);
  int staircases = 0, weights = 0;
  std::set<std::string> seen;
  for (size_t i = 0; i < presets.size(); ++i) {
    const std::string& preset = presets[i];
    if (!seen.insert(preset).second) {
      return InvalidArgument("presets[" + std::to_string(i) + "]",
                             "'" + preset + "' is given twice");
    }
    out.add_presets(preset);
    if (auto staircase = rules::StaircasePreset(preset); staircase.ok()) {
      ++staircases;
      *out.mutable_staircase() = StaircaseToProto(*staircase);
    } else if (auto table = rules::WeightPreset(preset); table.ok()) {
      ++weights;
      *out.mutable_weight_table() = WeightTableToProto(*table);
    } else if (auto follow_up = rules_proto::PresetRuleSet(preset); follow_up.ok()) {
      *out.add_follow_up_rule_sets() = *std::move(follow_up);
    } else if (follow_up.status().code() != StatusCode::kNotFound) {
      return follow_up.status();
    } else {
      return NotFound("presets[" + std::to_string(i) + "]: no preset named '" + preset +
                      "' (known: national-staircase, barnets-lov, sverigesmodel, default-weights)");
    }
  }
  if (staircases != 1) return InvalidArgument("presets", "must name exactly one staircase preset");
  if (weights != 1) return InvalidArgument("presets", "must name exactly one weight table preset");
  if (out.follow_up_rule_sets_size() == 0) {
    return InvalidArgument("presets", "must name at least one follow-up rule set preset");
  }
  return out;
}

}  // namespace trappe::workload
