// std.task's coordination primitives (spec std-task-coordination.md):
// Channel, Event, Semaphore and Permit, select, gather and race, each in a
// file of its own, and what their waits share.
//
// A wait here is a suspension point (spec section 0): it raises `task
// cancelled` when the waiting fiber's token is cancelled before or while
// it waits, and an operation that can complete at once does so without
// giving up the loop, after that check. A wait is a WaitSite wait
// (runtime/wait_site.hpp): the waiting fiber sits in its primitive's
// WaitQueue through its own Fiber::site_wait.node (no allocation), with a
// static site per kind of wait. The primitive completes the wait with
// Runtime::complete_wait after it handed the fiber its value or permit
// (node.data says so); the runtime calls the site's interrupt on a cancel
// (before the completion) or a hard abort (also after it), which withdraws
// the node or hands the value back.
#pragma once

#include <lua.hpp>

#include <cstdint>

#include "core/container_of.hpp"
#include "core/wait_queue.hpp"
#include "lua/bindings.hpp"
#include "runtime/runtime.hpp"
#include "runtime/wait_site.hpp"

namespace lua_batteries::detail {

/// What became of a wait, in WaitNode::data.
enum WaitState : std::uintptr_t {
  kWaiting = 0,
  kCompleted = 1,    // the operation happened (a value or a permit is the waiter's)
  kInterrupted = 2,  // cancelled or aborted before it happened
  kClosed = 3,       // a channel closed: senders raise, receivers get nil
};

/// [-0, +0, e] Adds every coordination function to the std.task table at
/// `module_index` of L (the one hook from push_task_module).
void open_coordination(lua_State* L, Runtime& rt, int module_index);

void open_channel(lua_State* L, Runtime& rt, int module_index);
void open_event(lua_State* L, Runtime& rt, int module_index);
void open_semaphore(lua_State* L, Runtime& rt, int module_index);
void open_select(lua_State* L, Runtime& rt, int module_index);
void open_combinators(lua_State* L, Runtime& rt, int module_index);
void open_shield_move_on(lua_State* L, Runtime& rt, int module_index);
void open_token_links(lua_State* L, Runtime& rt, int module_index);
void open_task_var(lua_State* L, Runtime& rt, int module_index);

/// [-0, +0, m] task.var: gives the task about to be made at `new_task`
/// (its handle's memory) a copy of the spawning code's values. Called by
/// spawn before the task exists.
void inherit_vars(lua_State* L, Runtime& rt, const void* new_task);

/// [-0, +0, v] The start of every coordination wait: the fiber that may
/// suspend on L, or null where none may (then only an operation that can
/// complete at once can be done). Raises `task cancelled` if that fiber's
/// token is cancelled, and "std.task: runtime is shut down" after shutdown.
/// Inline, as the helpers below: a channel hand-off is a few of these
/// around one task switch, and calls into another file were a tenth of it.
inline Fiber* enter_wait(lua_State* L, Runtime& rt) {
  if (rt.is_closed()) luaL_error(L, "std.task: runtime is shut down");
  Fiber* f = rt.suspendable_fiber(L);
  if (f && f->is_cancelled()) check_cancel(L, *f);
  return f;
}
/// [-0, +0, v] The fiber from enter_wait when the operation must wait:
/// raises "<what>: cannot suspend here" when there is none.
inline Fiber& require_fiber(lua_State* L, Fiber* f, const char* what) {
  if (!f) raise_cannot_suspend(L, what);
  return *f;
}
/// [-0, +0, v] (yields) Suspends f, whose site_wait.node the caller set
/// up (prepare_node) and linked, on `site` until the primitive completes
/// it or it is interrupted. Continues in k with ctx = the Fiber, where
/// finish_wait says which.
inline int suspend_in_queue(lua_State* L, Fiber& f, WaitSite& site, lua_KFunction k) {
  f.rt.wait_on(f, site);
  return f.rt.suspend(L, f, k, reinterpret_cast<lua_KContext>(&f));
}
/// The fiber whose site_wait.node `node` is.
inline Fiber& fiber_of(WaitNode& node) { return container_of(container_of(node, &SiteWait::node), &Fiber::site_wait); }
/// The site a queued node waits on (what kind of waiter it is).
inline WaitSite& site_of(WaitNode& node) { return *container_of(node, &SiteWait::node).site; }
/// Sets up f.site_wait.node for a wait (in no queue, kWaiting).
inline void prepare_node(Fiber& f) {
  f.site_wait.node.prev = f.site_wait.node.next = nullptr;
  f.site_wait.node.data = kWaiting;
}
/// [-0, +0, v] In a continuation: ends f's site wait, raising `task
/// cancelled` (`task aborted` after a hard abort) if it was interrupted;
/// else the node's word (a WaitState).
inline std::uintptr_t finish_queued_wait(lua_State* L, Fiber& f) {
  if (!f.rt.finish_wait(f)) raise_interrupted(L, f);
  return f.site_wait.node.data;
}

/// [-0, +0, -] Reads a positive integer (or, if allow_huge, math.huge)
/// argument; false when the value is neither.
bool read_count(lua_State* L, int index, bool allow_huge, lua_Integer* out);
/// [-0, +0, v] Raises "<prefix>, got <value>" where a number is shown as
/// Lua prints it and anything else by its type name.
[[noreturn]] void raise_bad_value(lua_State* L, int index, const char* prefix);

}  // namespace lua_batteries::detail
