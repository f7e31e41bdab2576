// std.task.event (spec section 2): a flag that, once set, stays set and
// wakes every task waiting for it.
#include "lua/coordination.hpp"
#include "runtime/error_value.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

constexpr const char* kEventMetatable = "std.task.Event";

struct Event {
  Runtime* rt;
  bool is_set;
  WaitQueue waiters;
};

Event& check_event(lua_State* L, int index) { return *static_cast<Event*>(check_object(L, index, kEventMetatable)); }

// Set already: the wait happened, there is nothing to give back.
void wait_interrupt(WaitSite&, Fiber& f, Interruption) {
  WaitNode& node = f.site_wait.node;
  if (node.is_queued())
    static_cast<Event*>(lua_touserdata(f.innermost(), 1))->waiters.remove(node);  // wait's frame: (event)
}

WaitSite wait_site{&wait_interrupt, false, "event wait"};

int after_wait(lua_State* L, int, lua_KContext ctx) {
  finish_queued_wait(L, *reinterpret_cast<Fiber*>(ctx));
  return 0;
}

int event_wait(lua_State* L) {
  Event& e = check_event(L, 1);
  lua_settop(L, 1);
  Fiber* f = enter_wait(L, *e.rt);
  if (e.is_set) return 0;
  Fiber& waiter = require_fiber(L, f, "std.task.Event:wait");
  prepare_node(waiter);
  e.waiters.push_back(waiter.site_wait.node);
  return suspend_in_queue(L, waiter, wait_site, &after_wait);
}

int event_set(lua_State* L) {
  Event& e = check_event(L, 1);
  if (e.is_set) return 0;
  e.is_set = true;
  // In the order they started waiting: complete_wait queues them so.
  while (WaitNode* node = e.waiters.pop_front()) {
    node->data = kCompleted;
    Fiber& f = fiber_of(*node);
    f.rt.complete_wait(f);
  }
  return 0;
}

int event_is_set(lua_State* L) {
  lua_pushboolean(L, check_event(L, 1).is_set);
  return 1;
}

int event_tostring(lua_State* L) {
  const Event& e = check_event(L, 1);
  lua_pushfstring(L, "event: %p (%s, %d waiting)", lua_topointer(L, 1), e.is_set ? "set" : "not set",
                  static_cast<int>(e.waiters.size()));
  return 1;
}

int l_event(lua_State* L) {
  auto* e = static_cast<Event*>(lua_newuserdatauv(L, sizeof(Event), 0));
  e->rt = static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1)));
  e->is_set = false;
  e->waiters.init();
  lua_rawgetp(L, LUA_REGISTRYINDEX, kEventMetatable);
  lua_setmetatable(L, -2);
  return 1;
}

}  // namespace

void open_event(lua_State* L, Runtime& rt, int module_index) {
  static const luaL_Reg methods[] = {
      {"set", event_set}, {"is_set", event_is_set}, {"wait", event_wait}, {nullptr, nullptr}};
  luaL_unref(L, LUA_REGISTRYINDEX,
             register_object_type(L, ObjectType{kEventMetatable, "Event", methods, nullptr, event_tostring, nullptr}));
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_event, 1);
  lua_setfield(L, module_index, "event");
}

}  // namespace lua_batteries::detail
