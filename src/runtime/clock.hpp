// The scheduler's clock (Config::virtual_time): libuv's monotonic clock,
// or a virtual clock that stands still while anything can run and that the
// loop driver moves to the earliest deadline once every fiber is blocked.
// std.time reads the runtime's time through this header alone.
#pragma once

#include <uv.h>

#include <cstdint>

namespace lua_batteries::detail {

/// Unix time in microseconds from the system's wall clock; false if it
/// cannot be read.
bool read_wall_clock_us(std::int64_t& us);

class Clock {
 public:
  explicit Clock(bool is_virtual);

  bool is_virtual() const { return virtual_; }
  /// Nanoseconds on uv_hrtime()'s clock, or the virtual clock's reading.
  std::uint64_t now_ns() const { return virtual_ ? virtual_now_ns_ : uv_hrtime(); }
  /// Unix time in microseconds that matches now_ns(): the virtual clock
  /// starts at the wall time of its creation. False if the wall clock
  /// cannot be read (never on virtual time).
  bool wall_clock_us(std::int64_t& us) const;

  /// now_ns() when the clock was made: "time since start" in reports and
  /// logs is measured from here, on either clock.
  std::uint64_t start_ns() const { return virtual_origin_ns_; }
  /// The virtual clock's reading (not meaningful on real time).
  std::uint64_t virtual_now_ns() const { return virtual_now_ns_; }
  /// Moves the virtual clock forward to `ns`; it never goes back.
  void advance_to(std::uint64_t ns) {
    if (ns > virtual_now_ns_) virtual_now_ns_ = ns;
  }

 private:
  bool virtual_;
  std::uint64_t virtual_now_ns_;
  std::uint64_t virtual_origin_ns_;  // uv_hrtime() when the clock was made
  std::int64_t wall_origin_us_ = 0;  // the wall clock then
};

}  // namespace lua_batteries::detail
