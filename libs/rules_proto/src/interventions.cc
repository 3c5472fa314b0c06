#include "trappe/rules_proto/interventions.h"

namespace trappe::rules_proto {

namespace pv1 = placements::v1;
using rules::InterventionKind;

std::optional<InterventionKind> PlacementKindOf(int placement_type) {
  switch (placement_type) {
    case pv1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY: return InterventionKind::kNetworkFosterFamily;
    case pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY: return InterventionKind::kGeneralFosterFamily;
    case pv1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY:
      return InterventionKind::kReinforcedFosterFamily;
    case pv1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY:
      return InterventionKind::kSpecialisedFosterFamily;
    case pv1::PLACEMENT_TYPE_OWN_ROOM: return InterventionKind::kOwnRoomOrDormitory;
    case pv1::PLACEMENT_TYPE_CHILDRENS_HOME:
    case pv1::PLACEMENT_TYPE_OPHOLDSSTED: return InterventionKind::kChildrensHome;
    case pv1::PLACEMENT_TYPE_BOARDING_SCHOOL: return InterventionKind::kBoardingSchool;
    default: return std::nullopt;
  }
}

std::optional<InterventionKind> InterventionKindOf(const pv1::InterventionKind& kind) {
  switch (kind.kind_case()) {
    case pv1::InterventionKind::kSupport:
      if (kind.support() == pv1::SUPPORT_TYPE_UNSPECIFIED) return std::nullopt;
      return InterventionKind::kSupportingIntervention;
    case pv1::InterventionKind::kPlacement: return PlacementKindOf(kind.placement());
    case pv1::InterventionKind::KIND_NOT_SET: return std::nullopt;
  }
  return std::nullopt;
}

InterventionKind StoredInterventionKind(const pv1::InterventionKind& kind) {
  if (const std::optional<InterventionKind> known = InterventionKindOf(kind)) return *known;
  return kind.has_placement() ? InterventionKind::kChildrensHome
                              : InterventionKind::kSupportingIntervention;
}

std::vector<pv1::PlacementType> PlacementTypesOf(InterventionKind kind) {
  switch (kind) {
    case InterventionKind::kNetworkFosterFamily: return {pv1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY};
    case InterventionKind::kGeneralFosterFamily: return {pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY};
    case InterventionKind::kReinforcedFosterFamily:
      return {pv1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY};
    case InterventionKind::kSpecialisedFosterFamily:
      return {pv1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY};
    case InterventionKind::kOwnRoomOrDormitory: return {pv1::PLACEMENT_TYPE_OWN_ROOM};
    case InterventionKind::kChildrensHome:
      return {pv1::PLACEMENT_TYPE_CHILDRENS_HOME, pv1::PLACEMENT_TYPE_OPHOLDSSTED};
    case InterventionKind::kBoardingSchool: return {pv1::PLACEMENT_TYPE_BOARDING_SCHOOL};
    case InterventionKind::kSupportingIntervention: return {};
  }
  return {};
}

}  // namespace trappe::rules_proto
