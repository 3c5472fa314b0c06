// Civil dates and UTC timestamps.
//
// An effective date in Trappe is a civil date (a day in Danish local time, as the
// caseworker states it), never a timestamp. Deadlines are computed with the calendar
// arithmetic here: days, weeks, and calendar months clamped to the month's end
// (31 January + 1 month = 28 or 29 February), per DESIGN.md section 5.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "trappe/common/status.h"

namespace trappe {

enum class Weekday { kMonday = 1, kTuesday, kWednesday, kThursday, kFriday, kSaturday, kSunday };

class CivilDate {
 public:
  static constexpr int kMinYear = 1;
  static constexpr int kMaxYear = 9999;

  // 1970-01-01.
  constexpr CivilDate() = default;

  static bool IsLeapYear(int year);
  static int DaysInMonth(int year, int month);
  static bool IsValid(int year, int month, int day);

  // INVALID_ARGUMENT when the triple is not a date of the proleptic Gregorian calendar
  // between year 1 and 9999.
  static Result<CivilDate> FromYmd(int year, int month, int day);
  // Days before 0001-01-01 or after 9999-12-31 give that first or last day.
  static CivilDate FromDaysSinceEpoch(int64_t days);
  // Strict ISO 8601 calendar date, "YYYY-MM-DD".
  static Result<CivilDate> Parse(std::string_view iso);

  int year() const { return static_cast<int>(packed_ >> kYearShift); }
  int month() const { return static_cast<int>((packed_ >> kMonthShift) & kMonthMask); }
  int day() const { return static_cast<int>(packed_ & kDayMask); }
  int64_t days_since_epoch() const;
  Weekday weekday() const;

  // Arithmetic stops at the first and last representable days (0001-01-01, 9999-12-31).
  CivilDate AddDays(int64_t days) const;
  CivilDate AddWeeks(int64_t weeks) const { return AddDays(weeks * 7); }
  // Calendar months; the day is clamped to the last day of the target month.
  CivilDate AddMonths(int64_t months) const;
  CivilDate AddYears(int64_t years) const { return AddMonths(years * 12); }

  std::string ToString() const;  // "YYYY-MM-DD"

  friend constexpr auto operator<=>(const CivilDate&, const CivilDate&) = default;
  friend constexpr bool operator==(const CivilDate&, const CivilDate&) = default;

 private:
  static constexpr unsigned kMonthShift = 5;
  static constexpr unsigned kYearShift = 9;
  static constexpr uint32_t kDayMask = (1u << kMonthShift) - 1;
  static constexpr uint32_t kMonthMask = (1u << (kYearShift - kMonthShift)) - 1;

  constexpr CivilDate(int year, int month, int day)
      : packed_(static_cast<uint32_t>(year) << kYearShift |
                static_cast<uint32_t>(month) << kMonthShift | static_cast<uint32_t>(day)) {}

  // Year, month and day in one word, most significant first, so that the defaulted
  // comparison is chronological and costs one integer compare (the rules compare dates
  // constantly, and every fact they read holds several).
  uint32_t packed_ = (1970u << kYearShift) | (1u << kMonthShift) | 1u;
};

// Days from `from` to `to` (negative when `to` is earlier).
int64_t DaysBetween(CivilDate from, CivilDate to);

// A UTC instant with microsecond precision.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

Timestamp TimestampFromUnixMicros(int64_t micros);
int64_t UnixMicros(Timestamp t);

// RFC 3339 in UTC: "2024-03-01T12:00:00Z", with ".ffffff" when there are microseconds.
std::string FormatTimestamp(Timestamp t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)".
Result<Timestamp> ParseTimestamp(std::string_view rfc3339);

// Danish local time (Europe/Copenhagen): UTC+1, and UTC+2 from 01:00 UTC on the last
// Sunday of March until 01:00 UTC on the last Sunday of October (the EU rule).
std::chrono::minutes CopenhagenUtcOffset(Timestamp t);
CivilDate CopenhagenDate(Timestamp t);
// The instant at which `date` begins in Danish local time.
Timestamp CopenhagenStartOfDay(CivilDate date);

}  // namespace trappe
