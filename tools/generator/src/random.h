// Seeded randomness with a fixed algorithm: std::mt19937_64 (its output is fixed by the C++
// standard) and this file's own distributions (the std:: distributions differ between
// standard libraries), so a seed gives the same plan everywhere.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>

namespace trappe::generator {

// SplitMix64's finaliser: spreads the bits of x over the whole word.
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint64_t Mix(uint64_t a, uint64_t b) { return SplitMix64(a ^ SplitMix64(b)); }

// 64-bit FNV-1a.
inline uint64_t Fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t Next() { return engine_(); }
  // Uniform in [lo, hi] (modulo reduction: the bias is below 2^-40 for the small ranges
  // used here, and the result is the same on every platform).
  int64_t Int(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(Next() % span);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  bool Chance(double p) { return Unit() < p; }
  // An index chosen with the given weights (any positive scale).
  size_t Weighted(std::initializer_list<double> weights) {
    double total = 0;
    for (const double w : weights) total += w;
    double u = Unit() * total;
    size_t i = 0;
    for (const double w : weights) {
      if (u < w) return i;
      u -= w;
      ++i;
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

// A UUID-shaped id (version 4 and variant bits set) made from two words.
inline std::string UuidFromWords(uint64_t hi, uint64_t lo) {
  hi = (hi & ~0xf000ULL) | 0x4000ULL;
  lo = (lo & ~(0xc000ULL << 48)) | (0x8000ULL << 48);
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    const uint64_t word = i < 16 ? hi : lo;
    const int shift = 60 - 4 * (i % 16);
    out.push_back(kHex[(word >> shift) & 0xf]);
    if (i == 7 || i == 11 || i == 15 || i == 19) out.push_back('-');
  }
  return out;
}

}  // namespace trappe::generator
