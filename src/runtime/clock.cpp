#include "runtime/clock.hpp"

namespace lua_batteries::detail {

bool read_wall_clock_us(std::int64_t& us) {
  uv_timeval64_t tv{};
  if (uv_gettimeofday(&tv) != 0) return false;
  us = tv.tv_sec * 1'000'000 + tv.tv_usec;
  return true;
}

Clock::Clock(bool is_virtual) : virtual_(is_virtual), virtual_now_ns_(uv_hrtime()), virtual_origin_ns_(virtual_now_ns_) {
  read_wall_clock_us(wall_origin_us_);  // stays 0 (the epoch) if unreadable
}

bool Clock::wall_clock_us(std::int64_t& us) const {
  if (!virtual_) return read_wall_clock_us(us);
  us = wall_origin_us_ + static_cast<std::int64_t>((virtual_now_ns_ - virtual_origin_ns_) / 1000);
  return true;
}

}  // namespace lua_batteries::detail
