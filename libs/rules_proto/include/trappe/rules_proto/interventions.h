// Intervention kinds between the contract (trappe.placements.v1.InterventionKind: a par. 32
// support type or a par. 43 placement type) and the rules (rules::InterventionKind), for
// every service that reads interventions.
#pragma once

#include <optional>
#include <vector>

#include "trappe/placements/v1/types.pb.h"
#include "trappe/rules/case_facts.h"

namespace trappe::rules_proto {

// The rules' kind of a placement type; nullopt for UNSPECIFIED or a type this build does
// not know. CHILDRENS_HOME and OPHOLDSSTED are both the rules' children's home.
std::optional<rules::InterventionKind> PlacementKindOf(int placement_type);

// The rules' kind of an intervention kind; nullopt when it states none this build knows
// (no kind, an unspecified support type, or a placement type as above). The placements
// service refuses such a kind when it is given one.
std::optional<rules::InterventionKind> InterventionKindOf(
    const placements::v1::InterventionKind& kind);

// For reading stored events: the kind, or for one this build cannot name, a children's
// home when it is a placement (the strictest follow-up; every placement weighs the same)
// and a supporting intervention otherwise. Every service reading the log reads it alike.
rules::InterventionKind StoredInterventionKind(const placements::v1::InterventionKind& kind);

// The placement types of a rules kind (none for a supporting intervention).
std::vector<placements::v1::PlacementType> PlacementTypesOf(rules::InterventionKind kind);

}  // namespace trappe::rules_proto
