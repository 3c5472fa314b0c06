// Intervention kinds between the contract and the rules, as every service reads them.
#include "trappe/rules_proto/interventions.h"

#include <gtest/gtest.h>

namespace trappe::rules_proto {
namespace {

namespace pv1 = placements::v1;
using rules::InterventionKind;

pv1::InterventionKind Placement(int type) {
  pv1::InterventionKind kind;
  kind.set_placement(static_cast<pv1::PlacementType>(type));
  return kind;
}

pv1::InterventionKind Support(pv1::SupportType type) {
  pv1::InterventionKind kind;
  kind.set_support(type);
  return kind;
}

TEST(InterventionsTest, EachPlacementTypeIsTheRulesKindOfBarnetsLovParagraph43) {
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_NETWORK_FOSTER_FAMILY),
            InterventionKind::kNetworkFosterFamily);
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY),
            InterventionKind::kGeneralFosterFamily);
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_REINFORCED_FOSTER_FAMILY),
            InterventionKind::kReinforcedFosterFamily);
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_SPECIALISED_FOSTER_FAMILY),
            InterventionKind::kSpecialisedFosterFamily);
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_OWN_ROOM), InterventionKind::kOwnRoomOrDormitory);
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_CHILDRENS_HOME), InterventionKind::kChildrensHome);
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_OPHOLDSSTED), InterventionKind::kChildrensHome);
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_BOARDING_SCHOOL),
            InterventionKind::kBoardingSchool);
  EXPECT_EQ(PlacementKindOf(pv1::PLACEMENT_TYPE_UNSPECIFIED), std::nullopt);
}

// A placement type added to the contract must be given its rules kind here.
TEST(InterventionsTest, EveryStatedPlacementTypeOfTheContractHasAKind) {
  const auto* types = pv1::PlacementType_descriptor();
  for (int i = 0; i < types->value_count(); ++i) {
    const int number = types->value(i)->number();
    if (number == pv1::PLACEMENT_TYPE_UNSPECIFIED) continue;
    const std::optional<InterventionKind> kind = PlacementKindOf(number);
    ASSERT_TRUE(kind.has_value()) << types->value(i)->name();
    EXPECT_TRUE(rules::IsPlacement(*kind)) << types->value(i)->name();
  }
}

TEST(InterventionsTest, PlacementTypesOfAKindComeBackAsThatKind) {
  for (const InterventionKind kind :
       {InterventionKind::kNetworkFosterFamily, InterventionKind::kGeneralFosterFamily,
        InterventionKind::kReinforcedFosterFamily, InterventionKind::kSpecialisedFosterFamily,
        InterventionKind::kOwnRoomOrDormitory, InterventionKind::kChildrensHome,
        InterventionKind::kBoardingSchool}) {
    const auto types = PlacementTypesOf(kind);
    ASSERT_FALSE(types.empty()) << static_cast<int>(kind);
    for (const auto type : types) EXPECT_EQ(PlacementKindOf(type), kind);
  }
  EXPECT_EQ(PlacementTypesOf(InterventionKind::kChildrensHome).size(), 2u);
  EXPECT_TRUE(PlacementTypesOf(InterventionKind::kSupportingIntervention).empty());
}

TEST(InterventionsTest, AKindThatStatesNothingKnownIsNoneWhenGiven) {
  EXPECT_EQ(InterventionKindOf(Support(pv1::SUPPORT_TYPE_FAMILY_TREATMENT)),
            InterventionKind::kSupportingIntervention);
  EXPECT_EQ(InterventionKindOf(Placement(pv1::PLACEMENT_TYPE_OPHOLDSSTED)),
            InterventionKind::kChildrensHome);
  EXPECT_EQ(InterventionKindOf(pv1::InterventionKind()), std::nullopt);
  EXPECT_EQ(InterventionKindOf(Support(pv1::SUPPORT_TYPE_UNSPECIFIED)), std::nullopt);
  EXPECT_EQ(InterventionKindOf(Placement(pv1::PLACEMENT_TYPE_UNSPECIFIED)), std::nullopt);
  EXPECT_EQ(InterventionKindOf(Placement(99)), std::nullopt) << "a newer writer's type";
}

TEST(InterventionsTest, AStoredKindThisBuildCannotNameIsReadTheSameWayByEveryService) {
  EXPECT_EQ(StoredInterventionKind(Placement(pv1::PLACEMENT_TYPE_GENERAL_FOSTER_FAMILY)),
            InterventionKind::kGeneralFosterFamily);
  EXPECT_EQ(StoredInterventionKind(Placement(99)), InterventionKind::kChildrensHome);
  EXPECT_EQ(StoredInterventionKind(Placement(pv1::PLACEMENT_TYPE_UNSPECIFIED)),
            InterventionKind::kChildrensHome);
  EXPECT_EQ(StoredInterventionKind(Support(pv1::SUPPORT_TYPE_UNSPECIFIED)),
            InterventionKind::kSupportingIntervention);
  EXPECT_EQ(StoredInterventionKind(pv1::InterventionKind()),
            InterventionKind::kSupportingIntervention);
}

}  // namespace
}  // namespace trappe::rules_proto
