// The projection's directory: which store is current, and the atomic switch between them.
//
//   <directory>/CURRENT        the current store's name, replaced by rename(2)
//   <directory>/store-NNNNNN   one RocksDB per store; at most two exist (live, rebuild)
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "trappe/common/status.h"

namespace trappe::projection::internal {

std::string StoreName(uint64_t number);

struct DirectoryState {
  std::optional<std::string> current;  // what CURRENT names, if it exists
  uint64_t highest_number = 0;         // of any store-NNNNNN present
};

// Creates `directory` if needed, reads CURRENT, and removes every store that CURRENT does
// not name (an unfinished rebuild, or an old store whose readers had not let go).
[[nodiscard]] Result<DirectoryState> ScanDirectory(const std::filesystem::path& directory);

// Points CURRENT at `name` durably: write a temporary file, fsync, rename, fsync the dir.
[[nodiscard]] Status WriteCurrent(const std::filesystem::path& directory, const std::string& name);

}  // namespace trappe::projection::internal
