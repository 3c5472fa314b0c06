// Identifiers, random UUID v4, and other random public bytes (nonces), all from the
// operating system's CSPRNG (getrandom(2)).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trappe {

// A new random UUID v4 in canonical lower-case form, e.g.
// "3b241101-e2bb-4255-8caf-4136c566a962".
std::string NewUuid();

// Fills `out` with `size` bytes from the operating system's CSPRNG, drawn a block at a
// time per thread, as for NewUuid: for values that must be unpredictable and never repeat
// but need not stay secret (ids, nonces). A forked child never repeats its parent's bytes.
// Secret keys are drawn from the kernel directly, so that none wait in memory.
void RandomPublicBytes(unsigned char* out, size_t size);

// True for the canonical 8-4-4-4-12 hexadecimal form (either case).
bool IsUuid(std::string_view text);

// Where new ids come from; injected so tests can make them predictable.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string NewId() = 0;
};

class RandomIdGenerator final : public IdGenerator {
 public:
  std::string NewId() override { return NewUuid(); }
};

// Well-formed v4-shaped ids that count up: 00000000-0000-4000-8000-000000000001, ...
class SequentialIdGenerator final : public IdGenerator {
 public:
  std::string NewId() override;

 private:
  std::atomic<uint64_t> next_{1};
};

}  // namespace trappe
