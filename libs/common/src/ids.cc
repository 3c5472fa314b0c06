#include "trappe/common/ids.h"

#include <pthread.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace trappe {
namespace {

void FillRandom(unsigned char* out, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    const ssize_t n = getrandom(out + filled, size - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // No entropy source means no safe ids (or keys): stop rather than limp on.
      std::perror("getrandom");
      std::abort();
    }
    filled += static_cast<size_t>(n);
  }
}

// Random bytes for ids and nonces, drawn from the kernel a block at a time: one getrandom
// call per 256 ids instead of one per id (every command that creates something makes one
// or more).
// Per thread, so no lock; a forked child starts with an empty block, so it never repeats
// its parent's ids.
class RandomBlock {
 public:
  static RandomBlock& ThisThread() {
    static const bool registered = [] {
      pthread_atfork(nullptr, nullptr, [] { ThisThread().used_ = kBytes; });
      return true;
    }();
    (void)registered;
    thread_local RandomBlock block;
    return block;
  }

  void Take(unsigned char* out, size_t size) {
    if (size > kBytes) {
      FillRandom(out, size);
      return;
    }
    if (size > kBytes - used_) {
      FillRandom(bytes_.data(), kBytes);
      used_ = 0;
    }
    std::memcpy(out, bytes_.data() + used_, size);
    // Bytes handed out are not kept around.
    std::memset(bytes_.data() + used_, 0, size);
    used_ += size;
  }

 private:
  static constexpr size_t kBytes = 4096;
  std::array<unsigned char, kBytes> bytes_{};
  size_t used_ = kBytes;
};

std::string FormatUuid(const std::array<unsigned char, 16>& b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t at = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // the dashes
    out[at++] = kHex[b[i] >> 4];
    out[at++] = kHex[b[i] & 0x0f];
  }
  return out;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

void RandomPublicBytes(unsigned char* out, size_t size) {
  RandomBlock::ThisThread().Take(out, size);
}

std::string NewUuid() {
  std::array<unsigned char, 16> bytes{};
  RandomBlock::ThisThread().Take(bytes.data(), bytes.size());
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return FormatUuid(bytes);
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !IsHex(text[i])) return false;
  }
  return true;
}

std::string SequentialIdGenerator::NewId() {
  const uint64_t n = next_.fetch_add(1);
  char buf[37];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(n & 0xffffffffffffULL));
  return buf;
}

}  // namespace trappe
