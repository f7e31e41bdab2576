// Duration arguments (spec section 3, "Duration validation"): milliseconds
// as a Lua number, checked and formatted exactly as the reference does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lua_batteries/limits.hpp"

namespace lua_batteries::detail {

using lua_batteries::kMaxDurationMs;  // 2^64 / 10^6: u64 nanoseconds

enum class DurationCheck { ok, invalid, out_of_range };

/// NaN, infinite or negative: invalid; above kMaxDurationMs: out of range.
DurationCheck check_duration(double ms);

/// Nanoseconds of a valid duration.
std::uint64_t duration_ns(double ms);

/// a + b, or UINT64_MAX where that wraps: a deadline `now + duration` near
/// the largest duration lies in the far future, never in the past.
inline constexpr std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/// The shortest text that reads back as `ms`, without a trailing ".0";
/// "NaN", "inf", "-inf" for the special values.
std::string format_ms(double ms);

/// "<context>: invalid duration (ms=<ms>)" or
/// "<context>: duration out of range (ms=<ms>, max≈1.845e13)".
std::string duration_error(std::string_view context, double ms, DurationCheck check);

}  // namespace lua_batteries::detail
