#include "cpr.h"

#include "trappe/common/civil_date.h"

namespace trappe::cases {
namespace {

int TwoDigits(std::string_view s, size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

// The century of a CPR birth year, from the seventh digit (CPR-kontoret's table).
int BirthYear(int yy, int seventh) {
  if (seventh <= 3) return 1900 + yy;
  if (seventh == 4 || seventh == 9) return (yy <= 36 ? 2000 : 1900) + yy;
  return (yy <= 57 ? 2000 : 1800) + yy;
}

}  // namespace

Result<std::string> NormalizeCpr(std::string_view text, std::string_view field) {
  std::string digits;
  if (text.size() == 11 && text[6] == '-') {
    digits.append(text.substr(0, 6));
    digits.append(text.substr(7));
  } else {
    digits.assign(text);
  }
  if (digits.size() != 10) {
    return InvalidArgument(field,
                           "must be 10 digits, DDMMYYSSSS (a hyphen after DDMMYY is allowed)");
  }
  for (const char c : digits) {
    if (c < '0' || c > '9') return InvalidArgument(field, "must contain digits only");
  }
  const int day = TwoDigits(digits, 0);
  const int month = TwoDigits(digits, 2);
  const int year = BirthYear(TwoDigits(digits, 4), digits[6] - '0');
  if (!CivilDate::IsValid(year, month, day)) {
    return InvalidArgument(field, "the first six digits are not a valid date (DDMMYY)");
  }
  return digits;
}

}  // namespace trappe::cases
