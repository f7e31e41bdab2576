// Threads the script may not resume or close: a fiber thread it got hold
// of, one of its own coroutines parked inside a task's suspension, and a
// thread whose __close handlers an abort or reset is running.
//
// Parked coroutines sit in a set for as long as they are parked. A fiber
// thread the script can reach only through coroutine.running (short of
// the debug library), which records it in a weak-keyed table: the entry
// goes when the thread does, so no task needs a finalizer to take it out,
// and spawns pay nothing.
#pragma once

#include <lua.hpp>

#include "core/pointer_set.hpp"

namespace lua_batteries::detail {

struct Fiber;

class ThreadGuards {
 public:
  /// [-0, +0, m] Creates the weak-keyed table of exposed threads; once.
  void create(lua_State* L);

  /// [-0, +0, m] Whether `co`, at `co_index` of L, is guarded.
  bool is_guarded(lua_State* L, lua_State* co, int co_index);
  /// [-0, +0, m] Records that the script holds f's thread, L: it is never
  /// reused for another fiber.
  void expose(lua_State* L, Fiber& f);

  /// Makes room so that the next park() cannot fail. May throw std::bad_alloc.
  void reserve_park() { parked_.reserve_one(); }
  /// Marks `co` parked; after reserve_park() it never throws.
  void park(lua_State* co) { parked_.insert(co); }
  void unpark(lua_State* co) { parked_.erase(co); }

  /// lua_closethread with the thread marked as closing, so that its
  /// __close handlers cannot suspend. Returns Lua's status.
  int reset_thread(lua_State* co);
  /// Inline: every suspension asks (Runtime::suspendable_fiber).
  bool is_closing(lua_State* co) const {
    for (const Closing* c = closing_; c; c = c->outer)
      if (c->thread == co) return true;
    return false;
  }

 private:
  PointerSet parked_;
  int exposed_table_ = LUA_NOREF;  // registry reference, for the state's lifetime
  bool any_exposed_ = false;       // expose() has recorded a thread
  // Threads being reset, innermost first: nodes on reset_thread's stack,
  // so marking a thread needs no memory.
  struct Closing {
    lua_State* thread;
    Closing* outer;
  };
  Closing* closing_ = nullptr;
};

}  // namespace lua_batteries::detail
