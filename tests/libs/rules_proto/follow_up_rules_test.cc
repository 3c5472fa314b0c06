// The presets survive the trip to their wire form and back: the same deadlines for the
// same history.
#include "trappe/rules_proto/follow_up_rules.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "trappe/rules/deadlines.h"
#include "trappe/testing/dates.h"
#include "trappe/testing/status_matchers.h"

namespace trappe::rules_proto {
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

TEST(FollowUpRulesProtoTest, PresetsGiveTheSameDeadlinesAfterTheRoundTrip) {
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

TEST(FollowUpRulesProtoTest, RejectsWhatTheRulesCannotExpress) {
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

TEST(FollowUpRulesProtoTest, AdjustingARuleFromADateKeepsTheEarlierVersion) {
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

// What a rule does for a subject of intervention kind `kind` (ignored for report and
// investigation rules) on `track`, as the deadline rules read it (deadlines.cc SpecOf):
// the first track spec of that track whose kinds include the subject's, if the rule's own
// kinds do. Null: the rule keeps no deadlines there.
const rules::TrackSpec* EffectiveSpec(const rules::FollowUpRule& rule, rules::InterventionKind kind,
                                      rules::Track track) {
  const bool intervention = rule.trigger == rules::RuleTrigger::kInterventionStarted;
  if (intervention && !rule.applies_to.Contains(kind)) return nullptr;
  for (const rules::TrackSpec& spec : rule.tracks) {
    if (spec.track == track && (!intervention || spec.applies_to.Contains(kind))) return &spec;
  }
  return nullptr;
}

// The wire form does not keep where a rule's intervention kinds were written (on the rule
// or on its tracks), so a preset does not come back value for value; it must come back
// with the same effect: the same deadline fields, and for every intervention kind and
// track the same responsibility and evidence.
TEST(FollowUpRulesProtoTest, PresetsComeBackWithTheSameEffectForEveryKindAndTrack) {
  constexpr auto kKinds = static_cast<int>(rules::InterventionKind::kBoardingSchool) + 1;
  constexpr auto kTracks = static_cast<int>(rules::Track::kCoWorker) + 1;
  for (const auto& [name, preset] : {std::pair{"barnets-lov", rules::BarnetsLovRules()},
                                     std::pair{"sverigesmodel", rules::SverigesmodelRules()}}) {
    ASSERT_OK_AND_ASSIGN(const v1::FollowUpRuleSet wire, RuleSetToProto(name, preset));
    ASSERT_OK_AND_ASSIGN(const std::vector<rules::FollowUpRule> back,
                         RulesFromProto(wire, "rule_sets[0]"));
    ASSERT_EQ(back.size(), preset.size()) << name;
    for (size_t i = 0; i < preset.size(); ++i) {
      const rules::FollowUpRule& a = preset[i];
      const rules::FollowUpRule& b = back[i];
      SCOPED_TRACE(a.id);
      EXPECT_EQ(b.id, a.id);
      EXPECT_EQ(b.source, a.source);
      EXPECT_EQ(b.trigger, a.trigger);
      EXPECT_EQ(b.first_due, a.first_due);
      EXPECT_EQ(b.first_due_without_consent, a.first_due_without_consent);
      EXPECT_EQ(b.recurrence, a.recurrence);
      int kept = 0;
      for (int k = 0; k < kKinds; ++k) {
        for (int t = 0; t < kTracks; ++t) {
          const auto kind = static_cast<rules::InterventionKind>(k);
          const auto track = static_cast<rules::Track>(t);
          const rules::TrackSpec* want = EffectiveSpec(a, kind, track);
          const rules::TrackSpec* got = EffectiveSpec(b, kind, track);
          ASSERT_EQ(got == nullptr, want == nullptr) << "kind " << k << ", track " << t;
          if (want == nullptr) continue;
          ++kept;
          EXPECT_EQ(got->satisfied_by, want->satisfied_by) << "kind " << k << ", track " << t;
          EXPECT_EQ(got->role, want->role) << "kind " << k << ", track " << t;
          EXPECT_EQ(got->role_until_age, want->role_until_age) << "kind " << k << ", track " << t;
        }
      }
      EXPECT_GT(kept, 0) << "the rule keeps deadlines somewhere";
    }
  }
}

}  // namespace
}  // namespace trappe::rules_proto
