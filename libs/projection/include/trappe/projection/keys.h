// Key and value encodings shared by projections.
//
// Every projection key starts with the tenant (DESIGN.md section 4), so that a query can
// be confined to one municipality with a prefix and never reads across tenants.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace trappe::projection {

// "<tenant>/<part>/<part>...". The tenant and parts must not contain '/'.
std::string TenantKey(std::string_view tenant, std::initializer_list<std::string_view> parts);

// The prefix that selects every key of `tenant`: "<tenant>/".
std::string TenantPrefix(std::string_view tenant);

// Fixed 8-byte big-endian encoding: byte order equals numeric order for values >= 0,
// so encoded numbers work both as counters and as sortable key parts.
std::string EncodeInt64(int64_t value);
void AppendInt64(std::string* out, int64_t value);
// nullopt unless `bytes` is exactly 8 bytes.
std::optional<int64_t> DecodeInt64(std::string_view bytes);

}  // namespace trappe::projection
