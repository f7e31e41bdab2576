// Text for reports (observer events, a failed run's message), taken in
// protected mode on the runtime's service thread. Reports are best effort
// and run where nothing may raise (loop callbacks, teardown): when memory
// is short the text is shortened or empty.
#pragma once

#include <lua.hpp>

#include <string>

namespace lua_batteries::detail {

/// tostring(v) for the value at `index` of thread `from`; never raises.
/// `service` is a thread with nothing running on it.
std::string describe_value(lua_State* service, lua_State* from, int index);
/// [-0, +(1|0) on service, -] The traceback of `thread` as a Lua string
/// left on `service`; false (nothing left) on failure.
bool push_traceback(lua_State* service, lua_State* thread);

}  // namespace lua_batteries::detail
