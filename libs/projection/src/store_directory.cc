#include "store_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <system_error>
#include <vector>

#include "trappe/common/log.h"

namespace trappe::projection::internal {
namespace {

constexpr std::string_view kStorePrefix = "store-";
constexpr const char* kCurrentFile = "CURRENT";

std::optional<uint64_t> StoreNumber(std::string_view name) {
  if (name.substr(0, kStorePrefix.size()) != kStorePrefix) return std::nullopt;
  name.remove_prefix(kStorePrefix.size());
  uint64_t number = 0;
  const auto parsed = std::from_chars(name.data(), name.data() + name.size(), number);
  if (parsed.ec != std::errc() || parsed.ptr != name.data() + name.size()) return std::nullopt;
  return number;
}

Status Errno(std::string what) { return Internal(what + ": " + std::strerror(errno)); }

Status FsyncPath(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Errno("opening " + path.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync " + path.string());
}

}  // namespace

std::string StoreName(uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof name, "store-%06llu", static_cast<unsigned long long>(number));
  return name;
}

Result<DirectoryState> ScanDirectory(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Internal("creating " + directory.string() + ": " + ec.message());

  DirectoryState state;
  const auto current_path = directory / kCurrentFile;
  if (std::filesystem::exists(current_path, ec)) {
    std::ifstream in(current_path);
    std::string name;
    if (!std::getline(in, name) || !StoreNumber(name)) {
      return DataLoss("unreadable " + current_path.string());
    }
    if (!std::filesystem::is_directory(directory / name, ec)) {
      return DataLoss(current_path.string() + " names " + name + ", which does not exist");
    }
    state.current = name;
  }
  std::vector<std::filesystem::path> leftovers;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    const auto number = StoreNumber(name);
    if (!number) continue;
    state.highest_number = std::max(state.highest_number, *number);
    if (state.current != name) leftovers.push_back(entry.path());
  }
  if (ec) return Internal("listing " + directory.string() + ": " + ec.message());
  for (const auto& path : leftovers) {
    log::Info("projection.store_removed", {{"store", path.string()}});
    std::filesystem::remove_all(path, ec);
    if (ec) return Internal("removing " + path.string() + ": " + ec.message());
  }
  return state;
}

Status WriteCurrent(const std::filesystem::path& directory, const std::string& name) {
  const auto temp = directory / "CURRENT.tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("creating " + temp.string());
  const std::string content = name + "\n";
  const bool written =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  const bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Errno("writing " + temp.string());
  if (::rename(temp.c_str(), (directory / kCurrentFile).c_str()) != 0) {
    return Errno("renaming " + temp.string());
  }
  return FsyncPath(directory, O_RDONLY | O_DIRECTORY);
}

}  // namespace trappe::projection::internal
