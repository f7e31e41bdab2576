// Numeric limits of the public API, shared by the library and its hosts.
#pragma once

namespace lua_batteries {

/// The longest duration in milliseconds any duration argument (and
/// Config::grace_ms) may have: 2^64 ns (spec section 3).
inline constexpr double kMaxDurationMs = 18446744073709551616.0 / 1e6;

}  // namespace lua_batteries
