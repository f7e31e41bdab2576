// The task-tree dump (std.task.dump, lua_batteries::dump): what every
// scope and fiber is doing, read from the scheduler's own records. It
// resumes nothing and allocates only Lua strings, so it can be taken while
// the program is wedged (a signal watcher, a deadlock, a grace expiry).
#pragma once

#include <lua.hpp>

#include <string>

#include "lua_batteries/task.hpp"

namespace lua_batteries::detail {

class Runtime;
struct Scope;

/// [-0, +1, m] Pushes the dump of `rt` in `form`: of every scope, or only
/// of `only` and what is below it. L is the thread calling (a running
/// fiber's traceback starts at its caller) or one with nothing running.
void push_dump(lua_State* L, Runtime& rt, DumpForm form, const Scope* only = nullptr);
/// push_dump in protected mode on L, copied out; empty when Lua or C++
/// runs out of memory. Never raises.
std::string dump_text(lua_State* L, Runtime& rt, DumpForm form, const Scope* only = nullptr);

}  // namespace lua_batteries::detail
