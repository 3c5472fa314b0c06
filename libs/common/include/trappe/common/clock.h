// Clock: the only way Trappe code learns the current time, so tests can fix it.
//
// Rules never read a clock (DESIGN.md section 5); only the API edge uses one, to stamp
// recorded_at and to default an `as_of` date to today.
#pragma once

#include <atomic>
#include <chrono>

#include "trappe/common/civil_date.h"

namespace trappe {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  // Today in Danish local time.
  CivilDate Today() const { return CopenhagenDate(Now()); }
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  static const SystemClock& Instance();
};

// A clock that stands still until told to move; safe to move from any thread.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(Timestamp now) : micros_(UnixMicros(now)) {}
  Timestamp Now() const override { return TimestampFromUnixMicros(micros_.load()); }
  void Set(Timestamp now) { micros_.store(UnixMicros(now)); }
  void Advance(std::chrono::microseconds by) { micros_.fetch_add(by.count()); }

 private:
  std::atomic<int64_t> micros_;
};

}  // namespace trappe
