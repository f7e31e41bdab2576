// Threads the script may not resume or close: a fiber thread it got hold
// of, one of its own coroutines parked inside a task's suspension, and a
// thread whose __close handlers an abort or reset is running.
//
// Parked coroutines sit in a set for as long as they are parked. Fiber
// threads are guarded as long as the script may reach them (through the
// debug library: a thread is the user value of its handle or scope
// object), in one of two ways:
//
// - A running task's thread is in a set from when the task gets it to
//   when the task finishes (task_started, task_finished): the task's
//   handle is pinned meanwhile, so the thread cannot die while in the set.
// - Every other fiber thread is recorded for life: a scope body's and the
//   main chunk's as made, one coroutine.running gave out, and a finished
//   task's that keeps its outcome (task_finished). A thread that went back
//   to a pool needs nothing: its stack is empty, so Lua itself refuses to
//   resume it, and it is in the set again before it runs another task.
//
// A thread recorded for life sits in a slot of a table with weak values,
// and a flat map from its address to that slot says where: the collector
// clears the slot of a thread that died before it frees the thread, so an
// entry whose slot no longer holds its thread is stale (the address may be
// a new thread's by now), and no task needs a finalizer to take its entry
// out. (Lua also clears it before the finalizer of an object that alone
// keeps the thread alive runs; the runtime is done with such a thread: its
// task finished, and nothing pins its handle.) Each spawn makes room
// (reserve_for_task), so that recording a finished task's thread
// allocates nothing: it happens in the scheduler, which may not raise.
// Recording every thread as it is made, in a weak-keyed table, would cost
// a fan-out of fresh tasks a tenth of its time.
#pragma once

#include <lua.hpp>

#include <vector>

#include "core/pointer_map.hpp"
#include "core/pointer_set.hpp"

namespace lua_batteries::detail {

struct Fiber;

class ThreadGuards {
 public:
  /// [-0, +0, m] Creates the weak-valued table of guarded threads; once.
  void create(lua_State* L);

  /// [-0, +0, m] Whether `co` is guarded.
  bool is_guarded(lua_State* L, lua_State* co);
  /// [-0, +0, m] Records that the script holds f's thread, L: it is never
  /// reused for another fiber.
  void expose(lua_State* L, Fiber& f);
  /// [-0, +0, m] Records the thread on top of L's stack, one the runtime
  /// has just made for a fiber, as guarded for its whole life.
  void own(lua_State* L);

  /// [-0, +0, m] Makes room for one more live task, given how many are
  /// live, so that task_started and task_finished never fail. Called by
  /// every spawn.
  void reserve_for_task(lua_State* L, std::size_t live_tasks);
  /// A task got `co` to run on (after reserve_for_task; never throws).
  void task_started(lua_State* co) { running_.insert(co); }
  /// A task that ran on `co` finished; `kept` says that the thread keeps
  /// its outcome (it was not recycled): it is recorded for life. S is a
  /// thread with stack space to borrow. Never raises.
  void task_finished(lua_State* S, lua_State* co, bool kept);
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
  /// [-0, +0, m] Records `co`, at `co_index` of L, as guarded for life.
  void record(lua_State* L, lua_State* co, int co_index);
  /// [-0, +0, m] Makes room for `n` records that allocate nothing, purging
  /// first if it is time to.
  void make_room(lua_State* L, std::size_t n);
  /// Records `co`, on top of L above the table, in a slot make_room made.
  /// Never raises.
  void record_in_room(lua_State* L, lua_State* co);
  /// Whether `slot` of the table (on top of L) holds `co`. Never raises.
  static bool holds(lua_State* L, int slot, const void* co);
  /// [-0, +0, m] Doubles the table (on top of L): the slots stay where
  /// they were.
  void grow_table(lua_State* L);
  /// Drops the entries of threads that died, freeing their slots (the
  /// table on top of L). Never raises.
  void purge(lua_State* L);

  PointerSet parked_;
  PointerSet running_;  // the threads of tasks started and not finished
  // Threads recorded for life, as said above: `table_` (weak values) has
  // slots [1, table_size_] in its array part, [1, used_] ever used;
  // free_slots_ are those purge() found empty.
  PointerMap slot_of_;
  std::vector<int> free_slots_;
  int table_ = LUA_NOREF;  // registry reference, for the state's lifetime
  int table_size_ = 0;
  int used_ = 0;
  std::size_t reserved_ = 0;  // records make_room last made room for
  static constexpr std::size_t kFirstPurge = 1024;
  std::size_t purge_at_ = kFirstPurge;  // purge when this many are recorded
  // Threads being reset, innermost first: nodes on reset_thread's stack,
  // so marking a thread needs no memory.
  struct Closing {
    lua_State* thread;
    Closing* outer;
  };
  Closing* closing_ = nullptr;
};

}  // namespace lua_batteries::detail
