// Stops Lua's collector for a scope of C++ code that holds raw pointers to
// objects whose memory Lua owns (tasks in handles, scopes in scope objects)
// while it runs Lua code (__close handlers) that might otherwise let the
// collector free one of them.
#pragma once

#include <lua.hpp>

namespace lua_batteries::detail {

class GcPause {
 public:
  explicit GcPause(lua_State* L) : L_(L), was_running_(lua_gc(L, LUA_GCISRUNNING) == 1) {
    if (was_running_) lua_gc(L_, LUA_GCSTOP);
  }
  ~GcPause() {
    if (was_running_) lua_gc(L_, LUA_GCRESTART);
  }
  GcPause(const GcPause&) = delete;
  GcPause& operator=(const GcPause&) = delete;

 private:
  lua_State* L_;
  bool was_running_;
};

}  // namespace lua_batteries::detail
