// Threads the script may not resume or close: a fiber thread it got hold
// of, one of its own coroutines parked inside a task's suspension, and a
// thread whose __close handlers an abort or reset is running.
//
// Parked coroutines sit in a set for as long as they are parked. Fiber
// threads sit in a weak-keyed table: every thread the runtime makes for a
// task or scope body is recorded as it is made (the script can reach it
// through the debug library: it is the user value of the handle or scope
// object), and the main chunk's once coroutine.running gives it out. An
// entry goes when its thread does, so no task needs a finalizer to take it
// out, and a spawn that reuses a pooled thread (already recorded) pays
// nothing.
#pragma once

#include <lua.hpp>

#include "core/pointer_set.hpp"

namespace lua_batteries::detail {

struct Fiber;

class ThreadGuards {
 public:
  /// [-0, +0, m] Creates the weak-keyed table of guarded threads; once.
  void create(lua_State* L);

  /// [-0, +0, m] Whether `co`, at `co_index` of L, is guarded.
  bool is_guarded(lua_State* L, lua_State* co, int co_index);
  /// [-0, +0, m] Records that the script holds f's thread, L: it is never
  /// reused for another fiber.
  void expose(lua_State* L, Fiber& f);
  /// [-0, +0, m] Records the thread on top of L's stack, one the runtime
  /// has just made for a fiber, as guarded for its whole life.
  void own(lua_State* L);

  /// Makes room so that the next park() cannot fail. May throw std::bad_alloc.
  void reserve_park() { parked_.reserve_one(); }
  /// Marks `co` parked; after reserve_park() it never throws.
  void park(lua_State* co) { parked_.insert(co); }
  void unpark(lua_State* co) { parked_.erase(co); }

  /// lua_closethread with the thread marked as closing, so that its
  /// __close handlers cannot suspend. Returns Lua's status.
  int reset_thread(lua_State* co);
  /// lua_resume(co, from, 0) with the thread marked as closing (a
  /// __close handler that had started finishes: Runtime::close_threads).
  int resume_closing(lua_State* co, lua_State* from);
  /// Whether any thread is being reset (or resumed to finish a handler).
  bool is_closing_any() const { return closing_ != nullptr; }
  /// Inline: every suspension asks (Runtime::suspendable_fiber).
  bool is_closing(lua_State* co) const {
    for (const Closing* c = closing_; c; c = c->outer)
      if (c->thread == co) return true;
    return false;
  }

 private:
  PointerSet parked_;
  int guarded_table_ = LUA_NOREF;  // registry reference, for the state's lifetime
  bool any_guarded_ = false;       // expose() or own() has recorded a thread
  // Threads being reset, innermost first: nodes on reset_thread's stack,
  // so marking a thread needs no memory.
  struct Closing {
    lua_State* thread;
    Closing* outer;
  };
  Closing* closing_ = nullptr;
};

}  // namespace lua_batteries::detail
