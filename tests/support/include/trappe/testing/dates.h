// Dates written out in tests: D("2025-01-31") or D(2025, 1, 31). A date that does not exist
// is a mistake in the test itself and ends the test binary.
#pragma once

#include <string_view>

#include "trappe/common/civil_date.h"

namespace trappe::testing {

inline CivilDate D(std::string_view iso) { return CivilDate::Parse(iso).value(); }
inline CivilDate D(int year, int month, int day) {
  return CivilDate::FromYmd(year, month, day).value();
}

}  // namespace trappe::testing
