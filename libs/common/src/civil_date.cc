#include "trappe/common/civil_date.h"

#include <algorithm>
#include <cstdio>

namespace trappe {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Ymd {
  int64_t year;
  unsigned month;
  unsigned day;
};

// For days from 0001-01-01 on (z + 719468 is then positive, so the era needs no sign
// correction and the divisions are unsigned: a query decodes thousands of dates).
Ymd CivilFromDays(int64_t z) {
  const auto shifted = static_cast<uint64_t>(z + 719468);
  const uint64_t era = shifted / 146097;
  const auto doe = static_cast<unsigned>(shifted - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + static_cast<int64_t>(era) * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

bool ParseDigits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

// The last Sunday of `month` in `year`, at 01:00 UTC: the EU's summer-time switch.
Timestamp LastSundayAt0100Utc(int year, int month) {
  const int last_day = CivilDate::DaysInMonth(year, month);
  const CivilDate last = CivilDate::FromYmd(year, month, last_day).value();
  const int back = static_cast<int>(last.weekday()) % 7;  // Sunday -> 0
  const CivilDate sunday = last.AddDays(-back);
  return Timestamp(std::chrono::days(sunday.days_since_epoch())) + std::chrono::hours(1);
}

}  // namespace

bool CivilDate::IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int CivilDate::DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

bool CivilDate::IsValid(int year, int month, int day) {
  return year >= kMinYear && year <= kMaxYear && month >= 1 && month <= 12 && day >= 1 &&
         day <= DaysInMonth(year, month);
}

Result<CivilDate> CivilDate::FromYmd(int year, int month, int day) {
  if (!IsValid(year, month, day)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d is not a calendar date", year, month, day);
    return InvalidArgument(buf);
  }
  return CivilDate(year, month, day);
}

CivilDate CivilDate::FromDaysSinceEpoch(int64_t days) {
  constexpr int64_t kFirst = DaysFromCivil(kMinYear, 1, 1);
  constexpr int64_t kLast = DaysFromCivil(kMaxYear, 12, 31);
  const Ymd ymd = CivilFromDays(std::clamp(days, kFirst, kLast));
  return {static_cast<int>(ymd.year), static_cast<int>(ymd.month), static_cast<int>(ymd.day)};
}

Result<CivilDate> CivilDate::Parse(std::string_view iso) {
  int y = 0;
  int m = 0;
  int d = 0;
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-' || !ParseDigits(iso, 0, 4, &y) ||
      !ParseDigits(iso, 5, 2, &m) || !ParseDigits(iso, 8, 2, &d)) {
    return InvalidArgument("'" + std::string(iso) + "' is not a date of the form YYYY-MM-DD");
  }
  return FromYmd(y, m, d);
}

int64_t CivilDate::days_since_epoch() const {
  return DaysFromCivil(year(), static_cast<unsigned>(month()), static_cast<unsigned>(day()));
}

Weekday CivilDate::weekday() const {
  // 1970-01-01 was a Thursday (ISO weekday 4).
  const int64_t z = days_since_epoch();
  const int64_t iso = ((z % 7) + 7 + 3) % 7 + 1;
  return static_cast<Weekday>(iso);
}

CivilDate CivilDate::AddDays(int64_t days) const {
  return FromDaysSinceEpoch(days_since_epoch() + days);
}

CivilDate CivilDate::AddMonths(int64_t months) const {
  int64_t index = static_cast<int64_t>(year()) * 12 + (month() - 1) + months;
  const int64_t year = index >= 0 ? index / 12 : (index - 11) / 12;
  if (year < kMinYear) return {kMinYear, 1, 1};
  if (year > kMaxYear) return {kMaxYear, 12, 31};
  const int month = static_cast<int>(index - year * 12) + 1;
  const int day = std::min(this->day(), DaysInMonth(static_cast<int>(year), month));
  return {static_cast<int>(year), month, day};
}

std::string CivilDate::ToString() const {
  // The year is 1-9999, so the form is fixed (a team query prints hundreds of dates).
  std::string out = "0000-00-00";
  const auto put = [&out](size_t end, int value) {
    for (size_t i = end; value > 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
  };
  put(3, year());
  put(6, month());
  put(9, day());
  return out;
}

int64_t DaysBetween(CivilDate from, CivilDate to) {
  return to.days_since_epoch() - from.days_since_epoch();
}

Timestamp TimestampFromUnixMicros(int64_t micros) {
  return Timestamp(std::chrono::microseconds(micros));
}

int64_t UnixMicros(Timestamp t) { return t.time_since_epoch().count(); }

std::string FormatTimestamp(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const CivilDate date = CivilDate::FromDaysSinceEpoch(day.time_since_epoch().count());
  const int64_t micros_of_day = (t - day).count();
  const int64_t seconds = micros_of_day / 1'000'000;
  const int64_t fraction = micros_of_day % 1'000'000;
  char buf[48];
  if (fraction == 0) {
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", date.ToString().c_str(),
                  static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                  static_cast<int>(seconds % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%06dZ", date.ToString().c_str(),
                  static_cast<int>(seconds / 3600), static_cast<int>(seconds / 60 % 60),
                  static_cast<int>(seconds % 60), static_cast<int>(fraction));
  }
  return buf;
}

Result<Timestamp> ParseTimestamp(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgument("'" + std::string(text) +
                           "' is not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SSZ)");
  };
  if (text.size() < 20) return bad();
  TRAPPE_ASSIGN_OR_RETURN(const CivilDate date, CivilDate::Parse(text.substr(0, 10)));
  int hh = 0;
  int mm = 0;
  int ss = 0;
  if ((text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !ParseDigits(text, 11, 2, &hh) ||
      text[13] != ':' || !ParseDigits(text, 14, 2, &mm) || text[16] != ':' ||
      !ParseDigits(text, 17, 2, &ss) || hh > 23 || mm > 59 || ss > 59) {
    return bad();
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  int64_t offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0;
    int om = 0;
    if (!ParseDigits(text, pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ParseDigits(text, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_minutes = (text[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  const int64_t seconds = date.days_since_epoch() * 86400 + hh * 3600 + mm * 60 + ss -
                          offset_minutes * 60;
  return TimestampFromUnixMicros(seconds * 1'000'000 + micros);
}

std::chrono::minutes CopenhagenUtcOffset(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const int year = CivilDate::FromDaysSinceEpoch(day.time_since_epoch().count()).year();
  const bool summer = t >= LastSundayAt0100Utc(year, 3) && t < LastSundayAt0100Utc(year, 10);
  return std::chrono::minutes(summer ? 120 : 60);
}

CivilDate CopenhagenDate(Timestamp t) {
  const Timestamp local = t + CopenhagenUtcOffset(t);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  return CivilDate::FromDaysSinceEpoch(day.time_since_epoch().count());
}

Timestamp CopenhagenStartOfDay(CivilDate date) {
  const Timestamp midnight_utc(std::chrono::days(date.days_since_epoch()));
  // Local midnight is never inside a switch (switches happen at 02:00/03:00 local), so
  // the offset in force one hour before UTC midnight minus the offset is exact.
  const Timestamp guess = midnight_utc - std::chrono::hours(1);
  return midnight_utc - CopenhagenUtcOffset(guess);
}

}  // namespace trappe
