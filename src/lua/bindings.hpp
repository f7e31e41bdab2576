// The Lua-facing side of std.task: the module table, its object types
// (Handle, Scope, CancelToken) and the coroutine library replacements.
//
// Every function here that touches a Lua stack is marked as Lua's manual
// does: [-pop, +push, x] with x = '-' (never raises), 'm' (memory errors
// only), 'e' (any error), 'v' (raises on purpose). Lua is the C build, so
// a raise longjmps: no C++ object with a destructor may be alive in a
// frame that raises.
#pragma once

#include <lua.hpp>

#include <cassert>
#include <cstdint>
#include <string_view>

#include "lua/tagged_object.hpp"
#include "runtime/error_value.hpp"
#include "runtime/fiber.hpp"
#include "runtime/lua_string.hpp"

namespace lua_batteries::detail {

class Runtime;

/// [-0, +0, -] The runtime of a std.task function, the module's functions
/// and the coroutine replacements: it comes from the registry, not from an
/// upvalue, which debug.setupvalue could replace (open.cpp).
Runtime& runtime_of(lua_State* L);

/// A Lua-visible object type: a userdata with a metatable named
/// `metatable_name` (luaL_checkudata), whose getmetatable() is `short_name`.
struct ObjectType {
  const char* metatable_name;
  const char* short_name;
  const luaL_Reg* methods;
  /// __index: called with the methods table as upvalue 1 (for fields)
  /// and the metatable as upvalue 2;
  /// null makes the methods table itself the __index.
  lua_CFunction index;
  lua_CFunction tostring;
  /// __gc, or null for none (a Task needs no finalizer: see fiber.hpp;
  /// debug builds give Handle and Scope one that checks they own nothing).
  lua_CFunction gc;
};
/// [-0, +0, e] Creates the metatable of `type`; returns its registry reference.
int register_object_type(lua_State* L, const ObjectType& type);

/// [-0, +0, e] luaL_newmetatable(L, name), also filed in the registry
/// under the address `name` so that test_object needs no string lookup.
/// `name` must be the same pointer later passed to test/check_object.
void new_object_metatable(lua_State* L, const char* name);
/// [-0, +0, -] The userdata at `index` if its metatable is the one
/// new_object_metatable made for `name`, else null (luaL_testudata, faster).
void* test_object(lua_State* L, int index, const char* name);
/// [-0, +0, v] test_object, raising luaL_checkudata's error when it fails.
void* check_object(lua_State* L, int index, const char* name);

/// [-0, +0, -] Whether a __gc metamethod was called by Lua's collector (or
/// lua_close) rather than by the script through debug.getmetatable. A
/// script's call must not destroy a live object, so it does nothing.
bool called_by_collector(lua_State* L);

/// The __gc of Handle and Scope objects. Lua frees them without a
/// finalizer, which is sound only because a Task or Scope the runtime has
/// let go of (unpinned) owns nothing: debug builds check that rule as
/// each is collected; release builds give them no __gc. A pinned one is
/// live and collected only by lua_close, before the runtime (finalized
/// last) tears it down.
#ifndef NDEBUG
template <typename Object>
int check_released_object(lua_State* L) {
  if (!called_by_collector(L)) return 0;
  const Object& object = *static_cast<const Object*>(lua_touserdata(L, 1));
  assert(object.pin != LUA_NOREF || object.owns_nothing());
  (void)object;
  return 0;
}
template <typename Object>
inline constexpr lua_CFunction kReleasedObjectGc = &check_released_object<Object>;
#else
template <typename Object>
inline constexpr lua_CFunction kReleasedObjectGc = nullptr;
#endif

/// [-0, +0, e] Create the metatables of Handle, Scope and CancelToken;
/// return their registry references.
int init_handle_metatable(lua_State* L, Runtime& rt);
int init_scope_metatable(lua_State* L, Runtime& rt);
/// [-0, +0, e] The metatable of a scope object without a name, made from
/// the one init_scope_metatable made; returns its registry reference.
int init_unnamed_scope_metatable(lua_State* L, int scope_metatable);
/// Marks `s`, just made in a scope object's memory, as one (check_scope).
void tag_scope(Scope& s);
int init_token_metatable(lua_State* L, Runtime& rt);
/// [-0, +1, e] Pushes the std.task table.
void push_task_module(lua_State* L, Runtime& rt);
/// [-0, +1, e] Pushes the std.log table (log_module.cpp).
void push_log_module(lua_State* L, Runtime& rt);
/// [-0, +0, e] Replaces coroutine.resume/wrap/yield/status/close/isyieldable/running.
void install_coroutine_library(lua_State* L, Runtime& rt);
/// [-0, +0, e] Installs std.task, std.time and the coroutine replacements
/// into L for `rt`, which open() has set up (open.cpp).
void open_libraries(lua_State* L, Runtime& rt);

/// [-0, +1, e] Spawns fn (at fn_index) into `scope`; opts at opts_index (0:
/// none). Pushes the Handle.
int spawn_into(lua_State* L, Runtime& rt, Scope& scope, int fn_index, int opts_index);
/// [-0, +1, m] A new CancelToken object sharing `token`.
void push_token_object(lua_State* L, Runtime& rt, CancelToken* token);
/// [-0, +1, m] A CancelToken object for a new standalone token (no parent);
/// returns the token.
CancelToken* push_new_token_object(lua_State* L, Runtime& rt);
/// [-0, +0, -] The token of the CancelToken object at `index`, or null.
CancelToken* token_of_object(lua_State* L, int index);
/// [-0, +0, v] The Scope of the Scope object at `index`.
Scope& check_scope(lua_State* L, int index);

/// A scope to open around a body function (task.scope, with_timeout and
/// what is built on them).
struct ScopeRequest {
  ScopeKind kind;
  const char* what;  // for "cannot suspend here"
  int name_index;    // stack index of the name, 0: none
  int fn_index;
  double timeout_ms;
  double grace_ms;
  /// The scope's token is a root of its own instead of a child of the
  /// caller's (task.shield): cancellation from outside does not reach in.
  bool detached;
  /// Continuation of the caller once the scope has settled (ctx: the
  /// Scope); null for the standard delivery, deliver_scope_result.
  lua_KFunction k;
  /// task.scope's options (std-task-coordination section 7).
  bool fail_fast = false;
  CancelToken* linked = nullptr;
};
/// [-0, +0, v] The grace window of a with_timeout-like call (`fn` names
/// it in errors, "task.with_timeout"): opts.grace_ms from the optional
/// table at `index`, else the configured default.
double read_grace_option(lua_State* L, Runtime& rt, int index, const char* fn);
/// [-0, +2, v] (yields) Opens the scope and runs its body; the caller
/// continues once the body and every child are done.
int open_scope(lua_State* L, Runtime& rt, const ScopeRequest& req);
/// [-0, +(n|0), v] What a settled scope gives its caller: the body's values,
/// or its error (with_timeout: its timeout error if the deadline passed).
int deliver_scope_result(lua_State* L, Scope& s);

/// [-0, +0, v] Raises "std.task.<fn>: cannot suspend here" (fn given whole).
[[noreturn]] void raise_cannot_suspend(lua_State* L, const char* what);
/// [-0, +0, v] The fiber code on L may suspend; raises otherwise.
Fiber& check_suspendable(lua_State* L, Runtime& rt, const char* what);
/// [-0, +0, v] Raises `task cancelled` if f's token is cancelled.
void check_cancel(lua_State* L, Fiber& f);
/// [-0, +0, v] In a wait's continuation, the wait did not complete: raises
/// `task aborted` if a hard abort ended it (a __close handler that waited
/// finishes: Runtime::close_threads), else `task cancelled`.
[[noreturn]] void raise_interrupted(lua_State* L, Fiber& f);
/// [-0, +0, v] In a wait's continuation: raises `task aborted` if a hard
/// abort ended the wait (see raise_interrupted).
void check_aborted(lua_State* L, Fiber& f);
/// [-0, +0, v] A duration argument: a number, validated with `context`.
double check_duration_arg(lua_State* L, int index, const char* context);
/// [-0, +0, v] Raises the duration error text for ms.
[[noreturn]] void raise_duration_error(lua_State* L, const char* context, double ms);
/// [-0, +0, -] The type name used in opts errors: integer/number/...
const char* value_type_name(lua_State* L, int index);

/// The suspension points shared by std.task and coroutine.yield.
/// [-0, +0, v] (yields)
int suspend_for_turn(lua_State* L, Fiber& f);
int suspend_for_sleep(lua_State* L, Fiber& f, double ms);

}  // namespace lua_batteries::detail
