// std.task.semaphore and its Permit (spec section 3). A permit released
// while tasks wait goes straight to the longest-waiting one, so that a
// task arriving later cannot take it first (FIFO).
#include <cstdint>

#include "lua/coordination.hpp"
#include "runtime/error_value.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

constexpr const char* kSemaphoreMetatable = "std.task.Semaphore";
constexpr const char* kPermitMetatable = "std.task.Permit";

// Semaphores and Permits are tagged objects (bindings.hpp, test_tagged).
constexpr std::uintptr_t kSemaphoreTag = 0x3e8b51d07a962cf4u;
constexpr std::uintptr_t kPermitTag = 0x9a17f3c26be0584du;

struct Semaphore {
  std::uintptr_t tag;  // its address xor kSemaphoreTag
  Runtime* rt;
  lua_Integer total;
  lua_Integer available;  // 0 whenever someone waits
  WaitQueue waiters;
};

// User value 1 is the Semaphore's userdata, kept alive while the permit is.
struct Permit {
  std::uintptr_t tag;  // its address xor kPermitTag
  Semaphore* sem;
  bool held;
};

Semaphore& check_semaphore(lua_State* L, int index) {
  if (Semaphore* s = test_tagged<Semaphore>(L, index, kSemaphoreTag)) return *s;
  return *static_cast<Semaphore*>(check_object(L, index, kSemaphoreMetatable));
}

Permit& check_permit(lua_State* L, int index) {
  if (Permit* p = test_tagged<Permit>(L, index, kPermitTag)) return *p;
  return *static_cast<Permit*>(check_object(L, index, kPermitMetatable));
}

// A permit comes back: to the first waiter, else to the pool. Never raises.
void give_back(Semaphore& s) {
  if (WaitNode* node = s.waiters.pop_front()) {
    node->data = kCompleted;
    Fiber& f = fiber_of(*node);
    f.rt.complete_wait(f);
    return;
  }
  ++s.available;
}

void release(Permit& p) {
  if (!p.held) return;
  p.held = false;
  give_back(*p.sem);
}

// The functions that make Permits (acquire, try_acquire) have the Permit
// metatable as upvalue 3 (see open_semaphore), which is cheaper to get
// than the registry's copy.
constexpr int kPermitMetatableUpvalue = 3;

// [-0, +1, m] A Permit of the semaphore at `index`, not yet held.
Permit& push_permit(lua_State* L, int index, Semaphore& s) {
  index = lua_absindex(L, index);
  auto* p = static_cast<Permit*>(lua_newuserdatauv(L, sizeof(Permit), 1));
  p->tag = object_tag(p, kPermitTag);
  p->sem = &s;
  p->held = false;
  lua_pushvalue(L, lua_upvalueindex(kPermitMetatableUpvalue));
  lua_setmetatable(L, -2);
  lua_pushvalue(L, index);
  lua_setiuservalue(L, -2, 1);
  return *p;
}

void acquire_interrupt(WaitSite&, Fiber& f, Interruption) {
  WaitNode& node = f.site_wait.node;
  lua_State* W = f.innermost();
  auto& s = *static_cast<Semaphore*>(lua_touserdata(W, 1));  // acquire's frame: (semaphore, permit)
  if (node.is_queued()) {
    s.waiters.remove(node);
  } else if (node.data == kCompleted) {
    give_back(s);  // handed over, but the waiter was aborted before it ran
  }
  node.data = kInterrupted;
}

WaitSite acquire_site{&acquire_interrupt, false, "semaphore acquire"};

int after_acquire(lua_State* L, int, lua_KContext ctx) {
  finish_queued_wait(L, *reinterpret_cast<Fiber*>(ctx));
  static_cast<Permit*>(lua_touserdata(L, 2))->held = true;
  return 1;  // the permit, on top
}

int semaphore_acquire(lua_State* L) {
  Semaphore& s = check_semaphore(L, 1);
  lua_settop(L, 1);
  Fiber* f = enter_wait(L, *s.rt);
  // Made first, so that a permit handed over later needs no allocation.
  Permit& p = push_permit(L, 1, s);
  if (s.available > 0) {
    --s.available;
    p.held = true;
    return 1;
  }
  Fiber& waiter = require_fiber(L, f, "std.task.Semaphore:acquire");
  prepare_node(waiter);
  s.waiters.push_back(waiter.site_wait.node);
  return suspend_in_queue(L, waiter, acquire_site, &after_acquire);
}

int semaphore_try_acquire(lua_State* L) {
  Semaphore& s = check_semaphore(L, 1);
  lua_settop(L, 1);
  Permit& p = push_permit(L, 1, s);
  if (s.available == 0) {
    lua_pushnil(L);
    return 1;
  }
  --s.available;
  p.held = true;
  return 1;
}

int semaphore_available(lua_State* L) {
  lua_pushinteger(L, check_semaphore(L, 1).available);
  return 1;
}

int semaphore_waiting(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(check_semaphore(L, 1).waiters.size()));
  return 1;
}

int semaphore_tostring(lua_State* L) {
  const Semaphore& s = check_semaphore(L, 1);
  lua_pushfstring(L, "semaphore: %p (%I of %I available, %d waiting)", lua_topointer(L, 1),
                  static_cast<LUAI_UACINT>(s.available), static_cast<LUAI_UACINT>(s.total),
                  static_cast<int>(s.waiters.size()));
  return 1;
}

int permit_release(lua_State* L) {
  release(check_permit(L, 1));
  return 0;
}

int permit_gc(lua_State* L) {
  if (!called_by_collector(L)) return 0;
  release(*static_cast<Permit*>(lua_touserdata(L, 1)));
  return 0;
}

int permit_tostring(lua_State* L) {
  lua_pushfstring(L, "permit: %p (%s)", lua_topointer(L, 1), check_permit(L, 1).held ? "held" : "released");
  return 1;
}

int l_semaphore(lua_State* L) {
  lua_Integer n = 0;
  if (!read_count(L, 1, false, &n) || n <= 0) raise_bad_value(L, 1, "std.task.semaphore: n must be a positive integer");
  auto* s = static_cast<Semaphore*>(lua_newuserdatauv(L, sizeof(Semaphore), 0));
  s->tag = object_tag(s, kSemaphoreTag);
  s->rt = static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1)));
  s->total = n;
  s->available = n;
  s->waiters.init();
  lua_rawgetp(L, LUA_REGISTRYINDEX, kSemaphoreMetatable);
  lua_setmetatable(L, -2);
  return 1;
}

}  // namespace

void open_semaphore(lua_State* L, Runtime& rt, int module_index) {
  static const luaL_Reg methods[] = {{"acquire", semaphore_acquire},
                                     {"try_acquire", semaphore_try_acquire},
                                     {"available", semaphore_available},
                                     {"waiting", semaphore_waiting},
                                     {nullptr, nullptr}};
  luaL_unref(L, LUA_REGISTRYINDEX,
             register_object_type(
                 L, ObjectType{kSemaphoreMetatable, "Semaphore", methods, nullptr, semaphore_tostring, nullptr}));
  static const luaL_Reg permit_methods[] = {{"release", permit_release}, {nullptr, nullptr}};
  luaL_unref(L, LUA_REGISTRYINDEX,
             register_object_type(
                 L, ObjectType{kPermitMetatable, "Permit", permit_methods, nullptr, permit_tostring, permit_gc}));
  // A Permit is a to-be-closed value: __close releases it.
  lua_rawgetp(L, LUA_REGISTRYINDEX, kPermitMetatable);
  lua_getfield(L, -1, "__index");
  lua_getfield(L, -1, "release");
  lua_setfield(L, -3, "__close");
  lua_pop(L, 1);
  // acquire and try_acquire again, with the Permit metatable (on top) as
  // upvalue 3. Upvalues 1 and 2 are what check_object compares a
  // Semaphore's metatable with: the Semaphore metatable, twice, so that a
  // Permit never passes for a Semaphore.
  lua_rawgetp(L, LUA_REGISTRYINDEX, kSemaphoreMetatable);
  lua_getfield(L, -1, "__index");
  const luaL_Reg makers[] = {{"acquire", semaphore_acquire}, {"try_acquire", semaphore_try_acquire}};
  for (const luaL_Reg& maker : makers) {
    lua_pushvalue(L, -2);
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -5);
    lua_pushcclosure(L, maker.func, kPermitMetatableUpvalue);
    lua_setfield(L, -2, maker.name);
  }
  lua_pop(L, 3);
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_semaphore, 1);
  lua_setfield(L, module_index, "semaphore");
}

}  // namespace lua_batteries::detail
