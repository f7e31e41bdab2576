// lua-batteries: a memory limit for a Lua state (spec std-io.md section 7),
// through the state's allocator: beyond the limit an allocation fails,
// which Lua turns into its `not enough memory` error after an emergency
// collection. The runtime's own Lua allocations handle that failure (the
// allocation-failure sweeps of the test suite), so the state stays
// usable: the script's error unwinds like any other.
//
// What it counts: every block the Lua state holds (objects, strings,
// stacks, userdata, the runtime's Lua-side structures). Not counted: the
// runtime's and the modules' C++ memory (task bookkeeping, I/O buffers
// in flight, SQLite's and libcurl's own), which Config::max_tasks and the
// modules' own limits bound.
#pragma once

#include <lua.hpp>

#include <cstddef>

namespace lua_batteries {

/// The counter behind limit_memory; owned by the host, it must outlive the
/// Lua state. Touched only by the thread that runs the state.
struct MemoryLimit {
  std::size_t limit = 0;  ///< bytes; 0: no limit (counting only)
  std::size_t used = 0;   ///< bytes the state holds now
  std::size_t peak = 0;   ///< most bytes it held at once
};

/// The allocator: a lua_Alloc over realloc/free with `ud` a MemoryLimit.
void* limited_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept;

/// Makes L allocate through limited_alloc with `limit`, counting from what
/// L holds now (lua_gc LUA_GCCOUNT). L must use the standard allocator
/// before (luaL_newstate's): blocks it made are freed by the new one. Call
/// it right after creating the state, before anything runs.
void limit_memory(lua_State* L, MemoryLimit& limit);

}  // namespace lua_batteries
