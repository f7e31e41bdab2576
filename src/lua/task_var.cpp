// std.task.var (spec std-task-coordination section 8): a variable with one
// value per task, copied into a task when it is spawned.
//
// Values live in context tables, one per task that has any (and one for
// the root context: the main chunk and code outside tasks), in a table
// keyed by the Task's address (the Runtime's for the root) whose registry
// reference the Runtime keeps (var_contexts). A scope body runs on behalf
// of the task that opened it, so it shares that task's context. A context
// table maps each Var to its value (kNil standing for nil, so that a value
// set to nil hides the default). The Runtime clears a task's entry when
// the task finishes; spawn copies the spawner's context (inherit_vars)
// before the new task exists, so that nothing raises after it does.
#include "lua/bindings.hpp"
#include "lua/coordination.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

constexpr const char* kVarMetatable = "std.task.Var";
const char kNil = 0;  // its address stands for a value set to nil

// The context the running code belongs to.
const void* context_key(Runtime& rt) {
  const Fiber* f = rt.running();
  if (f && f->task) return f->task;
  return &rt;
}

// [-0, +1, -] The table of contexts (created with the first Var).
void push_contexts(lua_State* L, Runtime& rt) { lua_rawgeti(L, LUA_REGISTRYINDEX, rt.var_contexts()); }

// A Var's userdata; its user value 1 is the default.
struct Var {
  Runtime* rt;
};

int var_get(lua_State* L) {
  Runtime& rt = *static_cast<Var*>(check_object(L, 1, kVarMetatable))->rt;
  push_contexts(L, rt);
  if (lua_rawgetp(L, -1, context_key(rt)) == LUA_TTABLE) {
    lua_pushvalue(L, 1);
    if (lua_rawget(L, -2) != LUA_TNIL) {
      if (lua_touserdata(L, -1) == &kNil) lua_pushnil(L);
      return 1;
    }
  }
  lua_getiuservalue(L, 1, 1);  // the default
  return 1;
}

int var_set(lua_State* L) {
  Runtime& rt = *static_cast<Var*>(check_object(L, 1, kVarMetatable))->rt;
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  push_contexts(L, rt);
  const void* key = context_key(rt);
  if (lua_rawgetp(L, 3, key) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, 3, key);
  }
  lua_pushvalue(L, 1);
  if (lua_isnil(L, 2))
    lua_pushlightuserdata(L, const_cast<char*>(&kNil));
  else
    lua_pushvalue(L, 2);
  lua_rawset(L, -3);
  return 0;
}

int var_tostring(lua_State* L) {
  check_object(L, 1, kVarMetatable);
  lua_pushfstring(L, "var: %p", lua_topointer(L, 1));
  return 1;
}

// std.task.var(default?)
int l_var(lua_State* L) {
  Runtime& rt = runtime_of(L);
  lua_settop(L, 1);
  if (rt.var_contexts() == LUA_NOREF) {
    lua_newtable(L);
    rt.set_var_contexts(luaL_ref(L, LUA_REGISTRYINDEX));  // for the state's lifetime
  }
  static_cast<Var*>(lua_newuserdatauv(L, sizeof(Var), 1))->rt = &rt;
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, kVarMetatable);
  lua_setmetatable(L, -2);
  return 1;
}

}  // namespace

void inherit_vars(lua_State* L, Runtime& rt, const void* new_task) {
  if (rt.var_contexts() == LUA_NOREF) return;
  push_contexts(L, rt);
  const int contexts = lua_gettop(L);
  if (lua_rawgetp(L, contexts, context_key(rt)) == LUA_TTABLE) {
    const int from = lua_gettop(L);
    lua_createtable(L, 0, 4);
    lua_pushnil(L);
    while (lua_next(L, from)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -4);
    }
    lua_rawsetp(L, contexts, new_task);
  } else {
    lua_pushnil(L);  // clears what a task once at this address left behind
    lua_rawsetp(L, contexts, new_task);
  }
  lua_settop(L, contexts - 1);
}

void open_task_var(lua_State* L, Runtime& rt, int module_index) {
  static const luaL_Reg methods[] = {{"get", var_get}, {"set", var_set}, {nullptr, nullptr}};
  luaL_unref(L, LUA_REGISTRYINDEX,
             register_object_type(L, ObjectType{kVarMetatable, "Var", methods, nullptr, var_tostring, nullptr}));
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_var, 1);
  lua_setfield(L, module_index, "var");
}

}  // namespace lua_batteries::detail
