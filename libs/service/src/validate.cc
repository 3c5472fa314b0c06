#include "trappe/service/validate.h"

#include "trappe/common/ids.h"

namespace trappe::service {

Status ValidateTenant(std::string_view tenant, std::string_view field) {
  if (tenant.empty()) return InvalidArgument(field, "is required (a 4-digit municipality code)");
  if (tenant.size() != 4) return InvalidArgument(field, "must be a 4-digit municipality code");
  for (const char c : tenant) {
    if (c < '0' || c > '9') return InvalidArgument(field, "must be a 4-digit municipality code");
  }
  return Status::Ok();
}

Status ValidateId(std::string_view id, std::string_view field) {
  if (id.empty()) return InvalidArgument(field, "is required");
  if (!IsUuid(id)) return InvalidArgument(field, "must be a UUID");
  return Status::Ok();
}

Status ValidateText(std::string_view text, std::string_view field, size_t max_length) {
  if (text.empty()) return InvalidArgument(field, "is required");
  if (text.size() > max_length) {
    return InvalidArgument(field, "must be at most " + std::to_string(max_length) + " bytes");
  }
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return InvalidArgument(field, "must not contain control characters");
    }
  }
  return Status::Ok();
}

Status ValidateNotFuture(CivilDate date, CivilDate today, std::string_view field) {
  if (date > today) {
    return InvalidArgument(field, date.ToString() + " is in the future (today is " +
                                      today.ToString() + ")");
  }
  return Status::Ok();
}

}  // namespace trappe::service
