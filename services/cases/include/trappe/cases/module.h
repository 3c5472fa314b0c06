// The cases service: a child's case from opening to closing, caseworker roles, the full
// audit history, and the child's personal data with crypto-shredding (DESIGN.md sections
// 3, 5, 7 and 9; docs/cases.md).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "trappe/common/status.h"
#include "trappe/service/module.h"

namespace trappe::cases {

struct CasesOptions {
  // The 32-byte master key from configuration. It wraps every child's data key in the key
  // store and derives the CPR blind-index key; without it no personal data can be read.
  std::string master_key;
  // Upper bound on the SuggestAssignee call to the workload service.
  std::chrono::milliseconds workload_deadline{2000};
};

inline constexpr size_t kMasterKeyBytes = 32;

// The master key from its configured text: 64 hex characters, or the standard base64 of 32
// bytes (with or without padding). Surrounding whitespace is ignored. INVALID_ARGUMENT
// naming `field` otherwise; the message never repeats the text.
[[nodiscard]] Result<std::string> ParseMasterKey(std::string_view text,
                                                 std::string_view field = "master_key");

// CasesOptions with the master key given as 64 hex characters.
[[nodiscard]] Result<CasesOptions> CasesOptionsFromHexKey(std::string_view hex);

// Opens the cases module: its projection (under context.data_dir/projection) and its key
// store (context.data_dir/keys, not part of the rebuildable projection).
[[nodiscard]] Result<std::unique_ptr<service::ServiceModule>> OpenCasesModule(
    const service::ModuleContext& context, CasesOptions options);

}  // namespace trappe::cases
