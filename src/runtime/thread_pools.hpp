// Finished fiber threads kept for reuse: a fiber that returned hands its
// thread to the next fiber, unless the script got hold of it
// (coroutine.running), so most spawns and scopes create no thread and
// leave no garbage.
//
// Each pool is a registry table whose array slots [1, count] hold threads,
// or nil where the collector freed one (the spare pool holds its threads
// weakly). A table has `size` array slots, so that storing into it never
// allocates: recycle() runs where nothing may raise. The sizes double, up
// to `capacity`, while live tasks outnumber the slots of both pools.
#pragma once

#include <lua.hpp>

#include <cstddef>

namespace lua_batteries::detail {

class ThreadPools {
 public:
  /// Threads kept for as long as the runtime lives (about 1 KiB each), and
  /// the size their pool starts at.
  static constexpr int kKeptCapacity = 8192;
  static constexpr int kKeptInitialSize = 1024;
  /// Threads kept beyond those only until the collector's next cycle ends:
  /// after a fan-out of tasks alive together (sleepers, say), enough for
  /// the next fan-out to reuse them rather than make as many new ones
  /// while the old ones become garbage.
  static constexpr int kSpareCapacity = 65536 - kKeptCapacity;

  /// [-0, +0, m] Creates both pool tables; once, before anything else.
  void create(lua_State* L);
  /// [-0, +0, m] Grows the pools while `live_tasks` outnumber their slots.
  /// Called where raising is allowed (a spawn), so that recycle() never
  /// has to.
  void make_room(lua_State* L, std::size_t live_tasks);
  /// [-0, +(0|1), -] Takes an idle thread onto L's stack (spare pool
  /// first: whatever the collector finds idle there is lost), or returns
  /// null and pushes nothing.
  lua_State* take_idle(lua_State* L);
  /// [-0, +1, m] make_room, then an idle thread or a new one, with L's
  /// debug hook (as lua_newthread would give it). `made` says which.
  lua_State* push_fiber_thread(lua_State* L, std::size_t live_tasks, bool& made);
  /// Keeps `co`, a finished thread with an empty stack, if there is room;
  /// S is a thread with stack space to borrow. Never raises.
  bool recycle(lua_State* S, lua_State* co);

 private:
  struct Pool {
    int table = LUA_NOREF;  // registry reference, for the state's lifetime
    int size = 0;
    int count = 0;
    int capacity = 0;
  };
  /// [-0, +0, m] Doubles a pool's table, up to its capacity.
  static void grow(lua_State* L, Pool& pool);
  /// [-0, +(0|1), -] take_idle from one pool.
  static lua_State* take(lua_State* L, Pool& pool);

  Pool kept_{.capacity = kKeptCapacity};
  Pool spare_{.capacity = kSpareCapacity};
};

}  // namespace lua_batteries::detail
