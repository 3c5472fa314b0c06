// RuleSet versions, rule validation and the calendar arithmetic rules are stated in.
#include <gtest/gtest.h>

#include "deadline_test_support.h"

namespace trappe::rules {
namespace {

using namespace trappe::rules::testing;  // NOLINT(google-build-using-namespace)

FollowUpRule SimpleRule(std::string id, CalendarDuration first_due) {
  FollowUpRule rule;
  rule.id = std::move(id);
  rule.source = "local practice";
  rule.first_due = first_due;
  rule.tracks = {TrackSpec{Track::kFollowUp, AnyFollowUpKind()}};
  return rule;
}

TEST(RuleSetTest, TheVersionInForceIsTheLatestEffectiveOnOrBeforeTheDate) {
  RuleSet rules;
  ASSERT_OK(rules.Put(SimpleRule("LOCAL-1", Months(3)), D("2024-01-01")));
  ASSERT_OK(rules.Put(SimpleRule("LOCAL-1", Months(2)), D("2024-07-01")));
  ASSERT_OK(rules.Retire("LOCAL-1", D("2025-01-01")));
  EXPECT_EQ(rules.InForce("LOCAL-1", D("2023-12-31")), nullptr);
  EXPECT_EQ(rules.InForce("LOCAL-1", D("2024-01-01"))->first_due, Months(3));
  EXPECT_EQ(rules.InForce("LOCAL-1", D("2024-06-30"))->first_due, Months(3));
  EXPECT_EQ(rules.InForce("LOCAL-1", D("2024-07-01"))->first_due, Months(2));
  EXPECT_EQ(rules.InForce("LOCAL-1", D("2025-01-01")), nullptr);
  EXPECT_EQ(rules.InForce("OTHER", D("2024-07-01")), nullptr);
}

TEST(RuleSetTest, ASecondVersionOnTheSameDateReplacesTheFirst) {
  RuleSet rules;
  ASSERT_OK(rules.Put(SimpleRule("LOCAL-1", Months(3)), D("2024-01-01")));
  ASSERT_OK(rules.Put(SimpleRule("LOCAL-1", Weeks(6)), D("2024-01-01")));
  EXPECT_EQ(rules.versions().at("LOCAL-1").size(), 1u);
  EXPECT_EQ(rules.InForce("LOCAL-1", D("2024-02-01"))->first_due, Weeks(6));
}

TEST(RuleSetTest, EnablingBothPresetsPutsNineRulesInForce) {
  const RuleSet rules = PresetRules({"barnets-lov", "sverigesmodel"});
  std::vector<std::string> ids;
  for (const FollowUpRule* rule : rules.AllInForce(D("2024-01-01"))) ids.push_back(rule->id);
  EXPECT_EQ(
      ids, (std::vector<std::string>{"BFU-4M", "FU-FIRST-3M", "PLAN-3M", "SE-FIRST-2W", "SE-FOSTER",
                                     "SE-INST", "SE-TWO-WORKERS", "TILSYN-6M", "UND-24H"}));
  EXPECT_TRUE(rules.AllInForce(D("1999-12-31")).empty());
}

TEST(RuleSetTest, UnknownPresetsAndRulesAreNotFound) {
  EXPECT_STATUS(FollowUpPreset("herning"), StatusCode::kNotFound, "herning");
  RuleSet rules;
  EXPECT_STATUS(rules.Retire("LOCAL-1", D("2024-01-01")), StatusCode::kNotFound, "LOCAL-1");
}

TEST(RuleValidationTest, InvalidRulesAreRejectedNamingTheField) {
  struct Case {
    const char* field;
    void (*spoil)(FollowUpRule&);
  };
  const Case cases[] = {
      {"rule.id", [](FollowUpRule& r) { r.id.clear(); }},
      {".source", [](FollowUpRule& r) { r.source.clear(); }},
      {".tracks", [](FollowUpRule& r) { r.tracks.clear(); }},
      {".tracks[0].satisfied_by", [](FollowUpRule& r) { r.tracks[0].satisfied_by = {}; }},
      {".tracks[0].satisfied_by",
       [](FollowUpRule& r) { r.tracks[0].satisfied_by = {EvidenceKind::kReportAssessed}; }},
      {".first_due", [](FollowUpRule& r) { r.first_due.reset(); }},
      {".first_due", [](FollowUpRule& r) { r.first_due = Days(-1); }},
      {".first_due", [](FollowUpRule& r) { r.first_due = Hours(24); }},
      {".recurrence[0].until_age",
       [](FollowUpRule& r) {
         r.recurrence = {{Months(6), Months(1)}};
       }},
      {".recurrence[0].interval",
       [](FollowUpRule& r) {
         r.recurrence = {{std::nullopt, Days(0)}};
       }},
      {".applies_to", [](FollowUpRule& r) { r.applies_to = {}; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    FollowUpRule rule = SimpleRule("LOCAL-1", Months(3));
    ASSERT_OK(ValidateRule(rule));
    c.spoil(rule);
    EXPECT_STATUS(ValidateRule(rule), StatusCode::kInvalidArgument, c.field);
    RuleSet rules;
    EXPECT_FALSE(rules.Put(rule, D("2024-01-01")).ok());
  }
}

TEST(RecurrenceTest, ThePhaseInForceIsChosenByTheSubjectsAgeOnTheDate) {
  const FollowUpRule foster = SverigesmodelRules()[1];
  ASSERT_EQ(foster.id, "SE-FOSTER");
  EXPECT_EQ(RecurrenceInterval(foster, D("2024-01-15"), D("2024-07-14")), Months(1));
  EXPECT_EQ(RecurrenceInterval(foster, D("2024-01-15"), D("2024-07-15")), Months(3));
  EXPECT_FALSE(RecurrenceInterval(SimpleRule("ONE-OFF", Days(1)), D("2024-01-15"), D("2024-07-15"))
                   .has_value());
}

TEST(CalendarDurationTest, DatesMoveByCalendarUnitsClampedToTheMonthEnd) {
  struct Case {
    const char* from;
    CalendarDuration by;
    const char* to;
  };
  const Case cases[] = {
      {"2024-03-01", Days(14), "2024-03-15"},
      {"2024-03-20", Days(14), "2024-04-03"},
      {"2024-01-31", Months(1), "2024-02-29"},  // leap year
      {"2025-01-31", Months(1), "2025-02-28"},
      {"2024-03-28", Weeks(6), "2024-05-09"},  // 3 days of March, 30 of April, 9 of May
      {"2023-10-31", Months(4), "2024-02-29"},
      {"2024-11-30", Months(3), "2025-02-28"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.from) + " + " + c.by.ToString());
    EXPECT_EQ(c.by.After(D(c.from)).ToString(), c.to);
  }
}

TEST(CalendarDurationTest, InstantsMoveByExactHoursAcrossSummerTime) {
  // 24 hours after 12:00 Danish time on 30 March 2024 is 13:00 Danish time on the 31st:
  // the clocks went forward at 02:00 that night.
  EXPECT_EQ(FormatTimestamp(Hours(24).After(T("2024-03-30T12:00:00+01:00"))),
            "2024-03-31T11:00:00Z");
  // A month keeps the Danish clock time: 12:00 on 15 March (UTC+1) -> 12:00 on 15 April
  // (UTC+2) = 10:00Z.
  EXPECT_EQ(FormatTimestamp(Months(1).After(T("2024-03-15T12:00:00+01:00"))),
            "2024-04-15T10:00:00Z");
  EXPECT_EQ(Months(1).ToString(), "1 month");
  EXPECT_EQ(Weeks(6).ToString(), "6 weeks");
}

}  // namespace
}  // namespace trappe::rules
