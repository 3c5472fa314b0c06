// CalendarDuration: a length of time as a rule states it ("14 days", "3 months", "24 hours").
//
// Months are calendar months clamped to the end of the target month (DESIGN.md section 5:
// 31 January + 1 month = 28/29 February), so a month is not a fixed number of days. Hours
// exist for the one timestamp-based deadline (a report of concern's 24-hour assessment);
// every other rule counts in civil dates.
#pragma once

#include <cstdint>
#include <string>

#include "trappe/common/civil_date.h"

namespace trappe::rules {

enum class DurationUnit : uint8_t { kHours, kDays, kWeeks, kMonths };

struct CalendarDuration {
  int64_t count = 0;
  DurationUnit unit = DurationUnit::kDays;

  // The date `count` units after `date`. Hours are not defined on civil dates: they are
  // rounded down to whole days (rule validation keeps hours away from date-based rules).
  CivilDate After(CivilDate date) const;
  // The instant `count` units after `t`: hours, days and weeks are exact multiples of an
  // hour (so "24 hours" across a summer-time switch is not "the same clock time tomorrow");
  // months move the Danish calendar date and keep the Danish clock time.
  Timestamp After(Timestamp t) const;

  std::string ToString() const;  // "3 months", "1 day", "24 hours"

  friend bool operator==(const CalendarDuration&, const CalendarDuration&) = default;
};

constexpr CalendarDuration Hours(int64_t n) { return {n, DurationUnit::kHours}; }
constexpr CalendarDuration Days(int64_t n) { return {n, DurationUnit::kDays}; }
constexpr CalendarDuration Weeks(int64_t n) { return {n, DurationUnit::kWeeks}; }
constexpr CalendarDuration Months(int64_t n) { return {n, DurationUnit::kMonths}; }

}  // namespace trappe::rules
