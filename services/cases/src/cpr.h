// CPR numbers (det centrale personregister): DDMMYY-SSSS, the first six digits a date.
#pragma once

#include <string>
#include <string_view>

#include "trappe/common/status.h"

namespace trappe::cases {

// The 10 digits of a CPR number given with or without the hyphen after the sixth digit.
// INVALID_ARGUMENT naming `field` unless it has 10 digits whose first six are a real date
// (the century follows from the seventh digit). The modulus-11 check is NOT applied: it
// has not held for numbers issued since 2007. The message never repeats the number.
[[nodiscard]] Result<std::string> NormalizeCpr(std::string_view text, std::string_view field);

}  // namespace trappe::cases
