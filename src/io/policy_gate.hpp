// The policy of one Lua state (lua_batteries/policy.hpp) as the I/O, data
// and HTTP modules consult it: one copy per state, kept in the registry,
// and the checks every module makes before it does anything.
#pragma once

#include <lua.hpp>

#include <new>

#include "lua_batteries/policy.hpp"

namespace lua_batteries::io {

/// [-0, +0, e] Keeps a copy of `policy` for L's state (at installation;
/// a second call replaces it).
void set_policy(lua_State* L, const Policy& policy);
/// [-0, +0, -] L's policy; one that allows everything if none was set.
const Policy& policy_of(lua_State* L);
/// [-0, +0, -] What check_path checks, without raising: true when
/// allowed. Throws std::bad_alloc.
bool path_allowed(lua_State* L, const char* path, PathAccess access);
/// [-0, +0, v] Raises the denial of `op` on `path` (raise_denied) unless
/// L's path policy allows `access` to it, for the paths other code opens
/// by name (Unix sockets, a process's cwd, SQLite files). Under a Sandbox
/// the path must lie beneath a root by its text and resolve beneath it on
/// disk now (the path, or its parent if it does not exist yet); what is
/// swapped in after this check is not seen (std.fs does better: its I/O
/// goes through the root descriptors).
void check_path(lua_State* L, const char* op, const char* path, PathAccess access);

/// [-0, +0, m] A policy's answer, `ask()`: a policy is C++ and may throw
/// std::bad_alloc, which becomes Lua's memory error, raised once nothing
/// of the call is alive.
template <typename Ask>
bool policy_answer(lua_State* L, Ask&& ask) {
  bool answer = false, out_of_memory = false;
  try {
    answer = ask();
  } catch (const std::bad_alloc&) {
    out_of_memory = true;
  }
  if (out_of_memory) luaL_error(L, "not enough memory");
  return answer;
}

}  // namespace lua_batteries::io
