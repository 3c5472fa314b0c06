// trappe::rules_proto: follow-up rules between their wire form
// (trappe.scheduling.v1.FollowUpRuleSet, carried by MunicipalityRegistered and
// FollowUpRulesConfigured) and the rules library's form (trappe::rules::FollowUpRule).
// The workload service writes the presets' wire form when a municipality registers; the
// scheduling service reads it back: one conversion, used by both.
//
// On the wire a rule that keeps several tracks is several entries with the same id; here
// it is one rule with several track specs. Entries of one id must agree on everything but
// the track, its kinds, its placement types and its responsibility. Periods must have one
// unit (days, weeks, months or hours), as the rules count in one unit.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trappe/common/status.h"
#include "trappe/rules/follow_up_rules.h"
#include "trappe/scheduling/v1/types.pb.h"

namespace trappe::rules_proto {

namespace v1 = ::trappe::scheduling::v1;

// One wire rule set as rules; INVALID_ARGUMENT naming the field ("rule_sets[0].rules[2]
// .first_due: ...") when it cannot be expressed or is not a valid rule.
[[nodiscard]] Result<std::vector<rules::FollowUpRule>> RulesFromProto(
    const v1::FollowUpRuleSet& set, std::string_view field);

// Rules as one wire rule set named `name`: an entry per (rule, track), each with a
// description for people; INVALID_ARGUMENT when a rule's intervention kinds cannot be
// stated on the wire.
[[nodiscard]] Result<v1::FollowUpRuleSet> RuleSetToProto(
    std::string_view name, const std::vector<rules::FollowUpRule>& rules);

// A preset ("barnets-lov", "sverigesmodel") as a wire rule set; NOT_FOUND when unknown.
[[nodiscard]] Result<v1::FollowUpRuleSet> PresetRuleSet(std::string_view name);

// Who must meet a deadline on `track`, as the contract states it: the caseworker role, and
// for a co-worker the purpose that matches the track (foster family, child conversations;
// UNSPECIFIED for other tracks). The team leader is not a caseworker role: both are
// UNSPECIFIED (a rule states it with responsible_team_leader).
struct WireResponsible {
  cases::v1::CaseworkerRole role = cases::v1::CASEWORKER_ROLE_UNSPECIFIED;
  cases::v1::CoWorkerPurpose purpose = cases::v1::CO_WORKER_PURPOSE_UNSPECIFIED;
};
WireResponsible ResponsibleOnWire(rules::ResponsibleRole role, rules::Track track);

// "CHILD_CONVERSATION" -> Track::kChildConversation; the older names "ASSESSMENT" and
// "FIRST_FOLLOW_UP" are accepted for REPORT_ASSESSMENT and FOLLOW_UP.
std::optional<rules::Track> ParseTrackName(std::string_view name);
// The same, INVALID_ARGUMENT for a name that is not a track.
[[nodiscard]] Result<rules::Track> ParseTrack(std::string_view name);

// A municipality's configurations of follow-up rules over time, each replacing the rules
// in force from its date: the RuleSet the deadline rules read, and the rule set each rule
// id belongs to. Entries are (effective_from, rule sets) in date order.
struct CompiledRules {
  rules::RuleSet rule_set;
  std::map<std::string, std::string, std::less<>> set_of_rule;  // rule id -> rule set name
};
[[nodiscard]] Result<CompiledRules> CompileRules(
    const std::vector<std::pair<CivilDate, std::vector<v1::FollowUpRuleSet>>>& configurations);

}  // namespace trappe::rules_proto
