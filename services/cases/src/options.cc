#include <sodium.h>

#include <cctype>

#include "trappe/cases/module.h"

namespace trappe::cases {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::string> ParseMasterKey(std::string_view text, std::string_view field) {
  if (sodium_init() < 0) return Internal("libsodium could not be initialised");
  const std::string_view trimmed = Trim(text);
  if (trimmed.empty())
    return InvalidArgument(field, "is required (32 bytes as 64 hex characters or base64)");
  std::string key(kMasterKeyBytes, '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (trimmed.size() == 2 * kMasterKeyBytes &&
      sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), trimmed.data(),
                     trimmed.size(), nullptr, &length, &end) == 0 &&
      length == kMasterKeyBytes && end == trimmed.data() + trimmed.size()) {
    return key;
  }
  for (const int variant :
       {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING}) {
    length = 0;
    end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), trimmed.data(),
                          trimmed.size(), nullptr, &length, &end, variant) == 0 &&
        length == kMasterKeyBytes && end == trimmed.data() + trimmed.size()) {
      return key;
    }
  }
  sodium_memzero(key.data(), key.size());
  return InvalidArgument(
      field, "must be 32 bytes written as 64 hex characters or as base64 (44 characters)");
}

Result<CasesOptions> CasesOptionsFromHexKey(std::string_view hex) {
  const std::string_view trimmed = Trim(hex);
  if (trimmed.size() != 2 * kMasterKeyBytes) {
    return InvalidArgument("master_key", "must be 64 hex characters (32 bytes)");
  }
  CasesOptions options;
  TRAPPE_ASSIGN_OR_RETURN(options.master_key, ParseMasterKey(trimmed));
  return options;
}

}  // namespace trappe::cases
