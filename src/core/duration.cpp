#include "core/duration.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lua_batteries::detail {

DurationCheck check_duration(double ms) {
  if (std::isnan(ms) || std::isinf(ms) || ms < 0) return DurationCheck::invalid;
  if (ms > kMaxDurationMs) return DurationCheck::out_of_range;
  return DurationCheck::ok;
}

std::uint64_t duration_ns(double ms) {
  const double ns = ms * 1e6;
  // kMaxDurationMs * 1e6 == 2^64, one past the largest u64.
  return ns >= 18446744073709551615.0 ? UINT64_MAX : static_cast<std::uint64_t>(ns);
}

std::string format_ms(double ms) {
  if (std::isnan(ms)) return "NaN";
  if (std::isinf(ms)) return ms > 0 ? "inf" : "-inf";
  char buf[64];
  // Integral values below 2^53 print as integers ("100", "-1"), as the
  // reference's f64 Display does.
  if (ms == std::trunc(ms) && std::fabs(ms) < 9007199254740992.0) {
    std::snprintf(buf, sizeof buf, "%.0f", ms);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, ms);
    if (std::strtod(buf, nullptr) == ms) break;
  }
  return buf;
}

std::string duration_error(std::string_view context, double ms, DurationCheck check) {
  std::string text(context);
  if (check == DurationCheck::out_of_range) {
    text += ": duration out of range (ms=" + format_ms(ms) + ", max\u22481.845e13)";
  } else {
    text += ": invalid duration (ms=" + format_ms(ms) + ")";
  }
  return text;
}

}  // namespace lua_batteries::detail
