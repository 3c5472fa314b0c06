// StringViewSet: a set of string views for hot lookups of short ids.
//
// Open addressing with linear probing in one array, so a lookup hashes once and touches
// one or two adjacent slots: no allocation per element and no chasing of nodes, which is
// where a node-based std::unordered_set spends its time when a query asks about a few
// hundred ids. The set stores views only; the strings they point into must outlive it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace trappe {

class StringViewSet {
 public:
  // Room for `expected` elements before the first growth.
  explicit StringViewSet(size_t expected = 16) : slots_(SlotsFor(expected)) {}

  bool contains(std::string_view id) const {
    for (size_t i = Hash(id) & mask(); Used(slots_[i]); i = (i + 1) & mask()) {
      if (slots_[i] == id) return true;
    }
    return false;
  }

  // False when `id` was in the set already.
  bool insert(std::string_view id) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    if (!Place(id)) return false;
    ++size_;
    return true;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void clear() {
    std::fill(slots_.begin(), slots_.end(), std::string_view());
    size_ = 0;
  }

 private:
  // At most half full; a power of two, so a hash is reduced with a mask.
  static size_t SlotsFor(size_t expected) {
    size_t slots = 16;
    while (slots < expected * 2) slots *= 2;
    return slots;
  }

  // FNV-1a, folded: ids are short.
  static size_t Hash(std::string_view id) {
    uint64_t h = 14695981039346656037ull;
    for (const char c : id) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    return static_cast<size_t>(h ^ (h >> 32));
  }

  // An empty slot is a default view (no data pointer); a stored empty string has one.
  static bool Used(std::string_view slot) { return slot.data() != nullptr; }

  size_t mask() const { return slots_.size() - 1; }

  bool Place(std::string_view id) {
    // A default-constructed view would read as an empty slot: store a non-null empty one.
    if (id.data() == nullptr) id = std::string_view("", 0);
    size_t i = Hash(id) & mask();
    for (; Used(slots_[i]); i = (i + 1) & mask()) {
      if (slots_[i] == id) return false;
    }
    slots_[i] = id;
    return true;
  }

  void Grow() {
    std::vector<std::string_view> old(slots_.size() * 2);
    old.swap(slots_);
    for (const std::string_view id : old) {
      if (Used(id)) Place(id);
    }
  }

  std::vector<std::string_view> slots_;
  size_t size_ = 0;
};

}  // namespace trappe
