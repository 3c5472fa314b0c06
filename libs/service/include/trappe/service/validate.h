// Validation of the fields every command and query carries (DESIGN.md section 9: a bad
// input is INVALID_ARGUMENT naming the field and the rule, and changes nothing).
#pragma once

#include <string_view>

#include "trappe/common/civil_date.h"
#include "trappe/common/status.h"

namespace trappe::service {

// A municipality code: exactly four digits, e.g. "0657" (Herning).
[[nodiscard]] Status ValidateTenant(std::string_view tenant, std::string_view field = "tenant");
// A UUID, as every Trappe id is.
[[nodiscard]] Status ValidateId(std::string_view id, std::string_view field);
// Present and printable, at most `max_length` bytes.
[[nodiscard]] Status ValidateText(std::string_view text, std::string_view field,
                                  size_t max_length = 200);
// An effective date may be back-dated, never in the future: no later than `today`.
[[nodiscard]] Status ValidateNotFuture(CivilDate date, CivilDate today, std::string_view field);

}  // namespace trappe::service
