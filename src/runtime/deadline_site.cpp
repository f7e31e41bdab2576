// Where a with_timeout body was when its deadline passed. The body is then
// cancelled and unwinds, so by the time the opener raises `exceeded` that
// place is gone; it is kept as a Lua string (the scope object's user value
// 4), handed to the timeout error (its `where`) and added to the reports
// of errors that end a run or go unobserved.
#include "runtime/report.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// The innermost fiber the body's code is suspended in: a body waiting for
// a nested scope is where that scope's body is.
const Fiber* innermost_body(const Scope& s) {
  const Fiber* f = &s.body;
  for (int depth = 0; depth < 10000 && f->wait == Wait::scope && f->awaited_scope; ++depth) {
    const Fiber& inner = f->awaited_scope->body;
    if (inner.state == FiberState::done || !inner.thread) break;
    f = &inner;
  }
  return f;
}

// [-2, +1, m] Concatenates the traceback and the site below it.
int join_protected(lua_State* L) {
  lua_pushliteral(L, "\nwhen the deadline passed, the with_timeout body was at:\n");
  lua_insert(L, -2);
  lua_concat(L, 3);
  return 1;
}

}  // namespace

void Runtime::note_deadline_site(Scope& s) {
  const Fiber* body = innermost_body(s);
  if (body->state == FiberState::done || body->state == FiberState::running || !body->thread || s.pin == LUA_NOREF)
    return;
  lua_Debug ar;
  if (!lua_getstack(body->innermost(), 0, &ar)) return;  // the body never ran: no place to name
  lua_State* S = service_;
  if (!lua_checkstack(S, 4)) return;
  pins_.push_table(S);
  lua_rawgeti(S, -1, s.pin);  // the scope object
  if (push_traceback(S, body->innermost())) lua_setiuservalue(S, -2, 5);
  lua_pop(S, 2);
}

void Runtime::append_deadline_site(lua_State* thread) {
  // The error is at the top of the dead thread; the traceback at the top of
  // the service thread. Best effort: on any failure the traceback stays.
  lua_State* S = service_;
  if (!lua_checkstack(thread, 1) || !lua_checkstack(S, 4)) return;
  lua_pushvalue(thread, -1);
  lua_xmove(thread, S, 1);
  const bool has_site = errors_.push_timeout_where(S, -1);
  lua_remove(S, has_site ? -2 : -1);  // the error
  if (!has_site) return;
  lua_pushcfunction(S, &join_protected);
  lua_insert(S, -3);
  lua_pushvalue(S, -2);  // the traceback again, kept if the join fails
  lua_insert(S, -4);
  if (lua_pcall(S, 2, 1, 0) == LUA_OK) lua_remove(S, -2);
  else lua_pop(S, 1);
}

}  // namespace lua_batteries::detail
