// std.task's coordination primitives (spec std-task-coordination.md):
// Channel, Event, Semaphore and Permit, select, gather and race, each in a
// file of its own, and what their waits share.
//
// A wait here is a suspension point (spec section 0): it raises `task
// cancelled` when the waiting fiber's token is cancelled before or while
// it waits, and an operation that can complete at once does so without
// giving up the loop, after that check. The waiting fiber sits in its
// primitive's WaitQueue through its own Fiber::wait_node (no allocation);
// the primitive completes the wait with Runtime::resume_later after it
// handed the fiber its value or permit, and the runtime calls the node's
// WaitKind::interrupt on a cancel (before the completion) or a hard abort
// (also after it), which withdraws the node or hands the value back.
#pragma once

#include <lua.hpp>

#include <cstdint>

#include "core/wait_queue.hpp"
#include "lua/bindings.hpp"

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

/// [-0, +0, v] The start of every coordination wait: the fiber that may
/// suspend on L, or null where none may (then only an operation that can
/// complete at once can be done). Raises `task cancelled` if that fiber's
/// token is cancelled, and "std.task: runtime is shut down" after shutdown.
Fiber* enter_wait(lua_State* L, Runtime& rt);
/// [-0, +0, v] The fiber from enter_wait when the operation must wait:
/// raises "<what>: cannot suspend here" when there is none.
Fiber& require_fiber(lua_State* L, Fiber* f, const char* what);
/// [-0, +0, v] (yields) Suspends f, whose wait_node the caller set up
/// and linked, until the primitive completes it or it is interrupted.
/// Continues in k with ctx = the Fiber.
int suspend_in_queue(lua_State* L, Fiber& f, lua_KFunction k);
/// The fiber whose wait_node `node` is.
Fiber& fiber_of(WaitNode& node);
/// Sets up f.wait_node for a wait of `kind`.
void prepare_node(Fiber& f, const WaitKind& kind);

/// [-0, +0, -] Reads a positive integer (or, if allow_huge, math.huge)
/// argument; false when the value is neither.
bool read_count(lua_State* L, int index, bool allow_huge, lua_Integer* out);
/// [-0, +0, v] Raises "<prefix>, got <value>" where a number is shown as
/// Lua prints it and anything else by its type name.
[[noreturn]] void raise_bad_value(lua_State* L, int index, const char* prefix);

}  // namespace lua_batteries::detail
