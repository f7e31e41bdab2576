// Text for reports (observer events, a failed run's message), taken in
// protected mode on the runtime's service thread. Reports are best effort
// and run where nothing may raise (loop callbacks, teardown): when memory
// is short the text is shortened or empty.
#pragma once

#include <lua.hpp>

#include <cstdint>
#include <string>

namespace lua_batteries::detail {

/// How long converting one value to text (its __tostring) may run before
/// it is stopped and the text is kDescribeTimedOut.
inline constexpr std::uint64_t kDescribeBudgetNs = 100'000'000;
inline constexpr const char* kDescribeTimedOut = "(an error value whose conversion to text did not finish)";

/// tostring(v) for the value at `index` of thread `from`; never raises and
/// never runs longer than kDescribeBudgetNs in Lua code (a count hook on
/// `service` raises once the budget is spent, and again at every
/// instruction until the conversion has unwound, so a pcall inside it
/// cannot keep it going). `service` is a thread with nothing running on it.
std::string describe_value(lua_State* service, lua_State* from, int index);
/// Whether a describe_value() is running on this thread.
bool is_describing();
/// [-0, +0, -] Puts the budget hook back on `service` (the watchdog does,
/// in case the conversion replaced it with debug.sethook).
void rearm_describe_budget(lua_State* service);
/// The traceback of a (dead) thread; never raises.
std::string traceback_text(lua_State* service, lua_State* thread);
/// [-0, +(1|0) on service, -] The traceback of `thread` as a Lua string
/// left on `service`; false (nothing left) on failure.
bool push_traceback(lua_State* service, lua_State* thread);

}  // namespace lua_batteries::detail
