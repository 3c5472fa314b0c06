#include "trappe/rules/calendar_duration.h"

#include <chrono>

namespace trappe::rules {

CivilDate CalendarDuration::After(CivilDate date) const {
  switch (unit) {
    case DurationUnit::kHours: return date.AddDays(count / 24);
    case DurationUnit::kDays: return date.AddDays(count);
    case DurationUnit::kWeeks: return date.AddWeeks(count);
    case DurationUnit::kMonths: return date.AddMonths(count);
  }
  return date;
}

Timestamp CalendarDuration::After(Timestamp t) const {
  switch (unit) {
    case DurationUnit::kHours: return t + std::chrono::hours(count);
    case DurationUnit::kDays: return t + std::chrono::days(count);
    case DurationUnit::kWeeks: return t + std::chrono::weeks(count);
    case DurationUnit::kMonths: {
      const CivilDate date = CopenhagenDate(t);
      const auto clock_time = t - CopenhagenStartOfDay(date);
      return CopenhagenStartOfDay(date.AddMonths(count)) + clock_time;
    }
  }
  return t;
}

std::string CalendarDuration::ToString() const {
  const char* name = "day";
  switch (unit) {
    case DurationUnit::kHours: name = "hour"; break;
    case DurationUnit::kDays: name = "day"; break;
    case DurationUnit::kWeeks: name = "week"; break;
    case DurationUnit::kMonths: name = "month"; break;
  }
  std::string text = std::to_string(count) + " " + name;
  if (count != 1) text += "s";
  return text;
}

}  // namespace trappe::rules
