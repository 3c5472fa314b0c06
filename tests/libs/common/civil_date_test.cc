#include "trappe/common/civil_date.h"

#include <gtest/gtest.h>

#include "trappe/testing/dates.h"
#include "trappe/testing/status_matchers.h"

namespace trappe {
namespace {

using trappe::testing::D;

TEST(CivilDateTest, ParsesAndPrintsIsoDates) {
  ASSERT_OK_AND_ASSIGN(const CivilDate d, CivilDate::Parse("2024-02-29"));
  EXPECT_EQ(d.year(), 2024);
  EXPECT_EQ(d.month(), 2);
  EXPECT_EQ(d.day(), 29);
  EXPECT_EQ(d.ToString(), "2024-02-29");
  EXPECT_EQ(D("0001-01-01").ToString(), "0001-01-01");
}

TEST(CivilDateTest, RejectsMalformedAndImpossibleDates) {
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01",
                          "20240101", "2024-01-01T00:00", "", "abcd-ef-gh", "2024-01-00"}) {
    SCOPED_TRACE(bad);
    EXPECT_STATUS(CivilDate::Parse(bad), StatusCode::kInvalidArgument, "is not");
  }
  EXPECT_FALSE(CivilDate::FromYmd(1900, 2, 29).ok());  // 1900 is not a leap year
  EXPECT_TRUE(CivilDate::FromYmd(2000, 2, 29).ok());   // 2000 is
}

TEST(CivilDateTest, LeapYearRules) {
  EXPECT_TRUE(CivilDate::IsLeapYear(2024));
  EXPECT_FALSE(CivilDate::IsLeapYear(2023));
  EXPECT_FALSE(CivilDate::IsLeapYear(2100));
  EXPECT_TRUE(CivilDate::IsLeapYear(2400));
  EXPECT_EQ(CivilDate::DaysInMonth(2024, 2), 29);
  EXPECT_EQ(CivilDate::DaysInMonth(2025, 2), 28);
  EXPECT_EQ(CivilDate::DaysInMonth(2025, 4), 30);
  EXPECT_EQ(CivilDate::DaysInMonth(2025, 12), 31);
}

struct MonthCase {
  const char* start;
  int months;
  const char* expected;
};

void PrintTo(const MonthCase& c, std::ostream* os) {
  *os << c.start << " + " << c.months << " months";
}

class AddMonthsTest : public ::testing::TestWithParam<MonthCase> {};

TEST_P(AddMonthsTest, ClampsToTheEndOfTheTargetMonth) {
  const MonthCase& c = GetParam();
  EXPECT_EQ(D(c.start).AddMonths(c.months).ToString(), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    HandComputed, AddMonthsTest,
    ::testing::Values(MonthCase{"2025-01-31", 1, "2025-02-28"},   // clamp, common year
                      MonthCase{"2024-01-31", 1, "2024-02-29"},   // clamp, leap year
                      MonthCase{"2024-03-31", 1, "2024-04-30"},   // 30-day month
                      MonthCase{"2024-08-31", 6, "2025-02-28"},   // across a year end
                      MonthCase{"2024-01-15", 3, "2024-04-15"},   // BFU-4M style, no clamp
                      MonthCase{"2024-11-30", 3, "2025-02-28"},   // PLAN-3M across new year
                      MonthCase{"2024-02-29", 12, "2025-02-28"},  // one year from leap day
                      MonthCase{"2024-02-29", 48, "2028-02-29"},  // four years: leap again
                      MonthCase{"2024-03-31", -1, "2024-02-29"},  // backwards, clamped
                      MonthCase{"2024-01-10", -13, "2022-12-10"},
                      MonthCase{"2024-05-31", 0, "2024-05-31"}));

TEST(CivilDateTest, AddDaysAndWeeksCrossMonthAndYearBoundaries) {
  EXPECT_EQ(D("2024-02-28").AddDays(1).ToString(), "2024-02-29");
  EXPECT_EQ(D("2023-02-28").AddDays(1).ToString(), "2023-03-01");
  EXPECT_EQ(D("2024-12-31").AddDays(1).ToString(), "2025-01-01");
  EXPECT_EQ(D("2025-01-01").AddDays(-1).ToString(), "2024-12-31");
  // SE-FIRST-2W: placement on 2024-12-20 -> follow-up due 2025-01-03.
  EXPECT_EQ(D("2024-12-20").AddDays(14).ToString(), "2025-01-03");
  // SE-INST after 12 months: last + 6 weeks = 42 days.
  EXPECT_EQ(D("2025-01-25").AddWeeks(6).ToString(), "2025-03-08");
  EXPECT_EQ(D("2024-01-25").AddWeeks(6).ToString(), "2024-03-07");  // leap February
  EXPECT_EQ(D("2024-03-01").AddWeeks(-1).ToString(), "2024-02-23");
}

TEST(CivilDateTest, DaysBetweenAndEpochAreConsistent) {
  EXPECT_EQ(D("1970-01-01").days_since_epoch(), 0);
  EXPECT_EQ(D("2000-03-01").days_since_epoch(), 11017);
  EXPECT_EQ(DaysBetween(D("2024-01-01"), D("2025-01-01")), 366);
  EXPECT_EQ(DaysBetween(D("2023-01-01"), D("2024-01-01")), 365);
  EXPECT_EQ(DaysBetween(D("2024-03-10"), D("2024-03-01")), -9);
  EXPECT_EQ(CivilDate::FromDaysSinceEpoch(-1).ToString(), "1969-12-31");
  EXPECT_EQ(CivilDate::FromDaysSinceEpoch(19723).ToString(), "2024-01-01");
}

TEST(CivilDateTest, EveryRepresentableDayRoundTrips) {
  // 0001-01-01 .. 9999-12-31: each day's number, its text, and the next day's.
  CivilDate previous;
  for (int64_t day = -719162; day <= 2932896; ++day) {
    const CivilDate d = CivilDate::FromDaysSinceEpoch(day);
    ASSERT_EQ(d.days_since_epoch(), day);
    const std::string text = d.ToString();
    ASSERT_OK_AND_ASSIGN(const CivilDate parsed, CivilDate::Parse(text));
    ASSERT_EQ(parsed, d) << text;
    if (day > -719162) {
      ASSERT_LT(previous, d) << text;
    }
    previous = d;
  }
}

TEST(CivilDateTest, ArithmeticStopsAtTheRepresentableRange) {
  // 0001-01-01 is 719,162 days before 1970-01-01; 9999-12-31 is 2,932,896 days after.
  EXPECT_EQ(CivilDate::FromDaysSinceEpoch(-719162).ToString(), "0001-01-01");
  EXPECT_EQ(CivilDate::FromDaysSinceEpoch(-719163).ToString(), "0001-01-01");
  EXPECT_EQ(CivilDate::FromDaysSinceEpoch(2932896).ToString(), "9999-12-31");
  EXPECT_EQ(CivilDate::FromDaysSinceEpoch(int64_t{1} << 40).ToString(), "9999-12-31");
  EXPECT_EQ(D("9999-11-30").AddMonths(2).ToString(), "9999-12-31");
  EXPECT_EQ(D("0001-02-28").AddYears(-1).ToString(), "0001-01-01");
  EXPECT_EQ(D("2024-02-29").AddDays(-(int64_t{1} << 40)).ToString(), "0001-01-01");
  EXPECT_LT(D("0001-01-01"), D("9999-12-31"));
}

TEST(CivilDateTest, WeekdaysAndOrdering) {
  EXPECT_EQ(D("2024-01-01").weekday(), Weekday::kMonday);
  EXPECT_EQ(D("2024-03-31").weekday(), Weekday::kSunday);
  EXPECT_EQ(D("1970-01-01").weekday(), Weekday::kThursday);
  EXPECT_LT(D("2024-01-31"), D("2024-02-01"));
  EXPECT_LT(D("2023-12-31"), D("2024-01-01"));
  EXPECT_EQ(D("2024-02-29"), D("2024-01-29").AddMonths(1));
}

TEST(TimestampTest, FormatsAndParsesRfc3339) {
  ASSERT_OK_AND_ASSIGN(const Timestamp t, ParseTimestamp("2024-03-01T12:30:05Z"));
  EXPECT_EQ(UnixMicros(t), 1709296205LL * 1'000'000);
  EXPECT_EQ(FormatTimestamp(t), "2024-03-01T12:30:05Z");
  ASSERT_OK_AND_ASSIGN(const Timestamp frac, ParseTimestamp("2024-03-01T12:30:05.25+01:00"));
  EXPECT_EQ(FormatTimestamp(frac), "2024-03-01T11:30:05.250000Z");
  EXPECT_FALSE(ParseTimestamp("2024-03-01 12:30").ok());
  EXPECT_FALSE(ParseTimestamp("2024-03-01T25:00:00Z").ok());
  EXPECT_FALSE(ParseTimestamp("2024-03-01T12:00:00").ok());  // no zone
}

TEST(TimestampTest, CopenhagenDateFollowsDanishSummerTime) {
  // Winter (UTC+1): 23:30 UTC on 14 January is 00:30 on 15 January in Copenhagen.
  EXPECT_EQ(CopenhagenDate(ParseTimestamp("2024-01-14T23:30:00Z").value()).ToString(),
            "2024-01-15");
  EXPECT_EQ(CopenhagenDate(ParseTimestamp("2024-01-14T22:59:59Z").value()).ToString(),
            "2024-01-14");
  // Summer (UTC+2): 22:30 UTC on 14 July is 00:30 on 15 July.
  EXPECT_EQ(CopenhagenDate(ParseTimestamp("2024-07-14T22:30:00Z").value()).ToString(),
            "2024-07-15");
  // The switches in 2024: 31 March and 27 October at 01:00 UTC.
  EXPECT_EQ(CopenhagenUtcOffset(ParseTimestamp("2024-03-31T00:59:59Z").value()).count(), 60);
  EXPECT_EQ(CopenhagenUtcOffset(ParseTimestamp("2024-03-31T01:00:00Z").value()).count(), 120);
  EXPECT_EQ(CopenhagenUtcOffset(ParseTimestamp("2024-10-27T00:59:59Z").value()).count(), 120);
  EXPECT_EQ(CopenhagenUtcOffset(ParseTimestamp("2024-10-27T01:00:00Z").value()).count(), 60);
}

TEST(TimestampTest, CopenhagenStartOfDay) {
  EXPECT_EQ(FormatTimestamp(CopenhagenStartOfDay(D("2024-01-15"))), "2024-01-14T23:00:00Z");
  EXPECT_EQ(FormatTimestamp(CopenhagenStartOfDay(D("2024-07-15"))), "2024-07-14T22:00:00Z");
  // The day of the spring switch starts in winter time.
  EXPECT_EQ(FormatTimestamp(CopenhagenStartOfDay(D("2024-03-31"))), "2024-03-30T23:00:00Z");
  EXPECT_EQ(FormatTimestamp(CopenhagenStartOfDay(D("2024-04-01"))), "2024-03-31T22:00:00Z");
}

}  // namespace
}  // namespace trappe
