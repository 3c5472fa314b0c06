// EnumSet: a small set of enumerators, one bit each.
//
// Rules are data: "the kinds that satisfy the rule" and "the placement types it applies to"
// are sets of enumerators. A bit set keeps such a rule cheap to copy and compare.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace trappe::rules {

template <typename E>
class EnumSet {
 public:
  constexpr EnumSet() = default;
  constexpr EnumSet(std::initializer_list<E> values) {
    for (const E value : values) bits_ |= Bit(value);
  }

  constexpr bool Contains(E value) const { return (bits_ & Bit(value)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr uint32_t bits() const { return bits_; }

  constexpr EnumSet& Add(E value) {
    bits_ |= Bit(value);
    return *this;
  }
  constexpr EnumSet operator|(EnumSet other) const { return FromBits(bits_ | other.bits_); }
  constexpr EnumSet operator&(EnumSet other) const { return FromBits(bits_ & other.bits_); }

  friend constexpr bool operator==(EnumSet, EnumSet) = default;

 private:
  static constexpr uint32_t Bit(E value) { return uint32_t{1} << static_cast<unsigned>(value); }
  static constexpr EnumSet FromBits(uint32_t bits) {
    EnumSet set;
    set.bits_ = bits;
    return set;
  }

  uint32_t bits_ = 0;
};

}  // namespace trappe::rules
