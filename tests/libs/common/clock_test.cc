#include "trappe/common/clock.h"

#include <gtest/gtest.h>

namespace trappe {
namespace {

TEST(ClockTest, FixedClockStandsStillUntilMoved) {
  FixedClock clock(ParseTimestamp("2024-12-31T22:30:00Z").value());
  EXPECT_EQ(FormatTimestamp(clock.Now()), "2024-12-31T22:30:00Z");
  EXPECT_EQ(clock.Today().ToString(), "2024-12-31");  // 23:30 in Copenhagen
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(clock.Today().ToString(), "2025-01-01");  // 00:30 in Copenhagen
  clock.Set(ParseTimestamp("2030-06-01T10:00:00Z").value());
  EXPECT_EQ(FormatTimestamp(clock.Now()), "2030-06-01T10:00:00Z");
}

TEST(ClockTest, SystemClockIsAfterTheProjectStarted) {
  EXPECT_GT(SystemClock::Instance().Now(), ParseTimestamp("2024-01-01T00:00:00Z").value());
}

}  // namespace
}  // namespace trappe
