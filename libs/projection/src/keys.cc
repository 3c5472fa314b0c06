#include "trappe/projection/keys.h"

namespace trappe::projection {

std::string TenantKey(std::string_view tenant, std::initializer_list<std::string_view> parts) {
  size_t size = tenant.size();
  for (const auto part : parts) size += 1 + part.size();
  std::string key;
  key.reserve(size);
  key += tenant;
  for (const auto part : parts) {
    key += '/';
    key += part;
  }
  return key;
}

std::string TenantPrefix(std::string_view tenant) {
  std::string prefix(tenant);
  prefix += '/';
  return prefix;
}

void AppendInt64(std::string* out, int64_t value) {
  const auto bits = static_cast<uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((bits >> shift) & 0xff));
  }
}

std::string EncodeInt64(int64_t value) {
  std::string out;
  out.reserve(8);
  AppendInt64(&out, value);
  return out;
}

std::optional<int64_t> DecodeInt64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t bits = 0;
  for (const char c : bytes) bits = (bits << 8) | static_cast<unsigned char>(c);
  return static_cast<int64_t>(bits);
}

}  // namespace trappe::projection
