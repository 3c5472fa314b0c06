// The presets survive the trip to their wire form and back: the same deadlines for the
// same history.
#include "trappe/scheduling/rule_conversion.h"

#include <gtest/gtest.h>

#include "trappe/rules/deadlines.h"
#include "trappe/testing/dates.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::scheduling {
namespace {

using trappe::testing::D;

rules::CaseTimeline History() {
  rules::CaseTimeline t;
  t.reports.push_back({"r1", ParseTimestamp("2025-03-01T10:00:00+01:00").value(), std::nullopt});
  t.investigations.push_back({"i1", D(2025, 3, 3), D(2025, 6, 20)});
  rules::Intervention foster;
  foster.id = "p1";
  foster.kind = rules::InterventionKind::kGeneralFosterFamily;
  foster.consent = rules::ConsentBasis::kWithConsent;
  foster.started_on = D(2025, 7, 1);
  t.interventions.push_back(foster);
  rules::Intervention home;
  home.id = "p2";
  home.kind = rules::InterventionKind::kChildrensHome;
  home.consent = rules::ConsentBasis::kWithoutConsent;
  home.started_on = D(2025, 8, 1);
  t.interventions.push_back(home);
  t.follow_ups.push_back(
      {"f1", rules::FollowUpKind::kChildConversation, D(2025, 7, 10), "a", "p1"});
  t.follow_ups.push_back(
      {"f2", rules::FollowUpKind::kInstitutionFollowUp, D(2025, 8, 20), "a", "p2"});
  t.assignments.push_back({"a", rules::CaseRole::kPrimary, D(2025, 3, 1), std::nullopt});
  return t;
}

TEST(RuleConversionTest, PresetsGiveTheSameDeadlinesAfterTheRoundTrip) {
  rules::RuleSet original;
  ASSERT_OK(original.Enable(rules::BarnetsLovRules(), D(2020, 1, 1)));
  ASSERT_OK(original.Enable(rules::SverigesmodelRules(), D(2020, 1, 1)));
  ASSERT_OK_AND_ASSIGN(v1::FollowUpRuleSet floor, PresetRuleSet("barnets-lov"));
  ASSERT_OK_AND_ASSIGN(v1::FollowUpRuleSet boras, PresetRuleSet("sverigesmodel"));
  ASSERT_OK_AND_ASSIGN(CompiledRules compiled, CompileRules({{D(2020, 1, 1), {floor, boras}}}));
  EXPECT_EQ(compiled.set_of_rule.at("TILSYN-6M"), "barnets-lov");
  EXPECT_EQ(compiled.set_of_rule.at("SE-INST"), "sverigesmodel");
  ASSERT_OK_AND_ASSIGN(auto expected, rules::DeriveDeadlines(original, History(), D(2026, 3, 2)));
  ASSERT_OK_AND_ASSIGN(auto actual,
                       rules::DeriveDeadlines(compiled.rule_set, History(), D(2026, 3, 2)));
  EXPECT_GT(expected.size(), 10u);
  EXPECT_EQ(actual, expected);
}

TEST(RuleConversionTest, RejectsWhatTheRulesCannotExpress) {
  v1::FollowUpRuleSet set;
  set.set_name("custom");
  v1::FollowUpRule& rule = *set.add_rules();
  rule.set_id("X");
  rule.set_source("Local practice");
  rule.set_trigger(v1::RULE_TRIGGER_PLACEMENT_STARTED);
  rule.set_track("FOLLOW_UP");
  rule.add_satisfied_by_kinds(v1::FOLLOW_UP_KIND_CHILD_CONVERSATION);
  rule.mutable_first_due()->set_months(1);
  rule.mutable_first_due()->set_days(3);
  EXPECT_STATUS(RulesFromProto(set, "rule_sets[0]").status(), StatusCode::kInvalidArgument,
                "rule_sets[0].rules[0].first_due");
  rule.mutable_first_due()->set_days(0);
  EXPECT_OK(RulesFromProto(set, "rule_sets[0]").status());
  rule.set_track("NO_TRACK");
  EXPECT_STATUS(RulesFromProto(set, "rule_sets[0]").status(), StatusCode::kInvalidArgument,
                "rule_sets[0].rules[0].track");
}

TEST(RuleConversionTest, AdjustingARuleFromADateKeepsTheEarlierVersion) {
  ASSERT_OK_AND_ASSIGN(v1::FollowUpRuleSet floor, PresetRuleSet("barnets-lov"));
  v1::FollowUpRuleSet stricter = floor;
  for (auto& rule : *stricter.mutable_rules()) {
    if (rule.id() == "FU-FIRST-3M") {
      rule.mutable_first_due()->set_months(2);
    }
  }
  ASSERT_OK_AND_ASSIGN(CompiledRules compiled,
                       CompileRules({{D(2020, 1, 1), {floor}}, {D(2026, 1, 1), {stricter}}}));
  EXPECT_EQ(compiled.rule_set.InForce("FU-FIRST-3M", D(2025, 12, 31))->first_due, rules::Months(3));
  EXPECT_EQ(compiled.rule_set.InForce("FU-FIRST-3M", D(2026, 1, 1))->first_due, rules::Months(2));
}

}  // namespace
}  // namespace trappe::scheduling
