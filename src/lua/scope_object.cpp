// Scope: the argument of a scope body. The Scope (with its body fiber)
// lives inside the userdata; user value 1 is the body's thread, 2 the
// name, 3 the CancelToken object once :token() made it.
#include "lua/bindings.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

constexpr const char* kScopeMetatable = "std.task.Scope";
// A scope object is a tagged object (bindings.hpp, test_tagged): its
// check holds whichever of the two metatables the object has.
constexpr std::uintptr_t kScopeTag = 0x71d3a95e08c4b62fu;

int scope_spawn(lua_State* L) {
  Scope& s = check_scope(L, 1);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  return spawn_into(L, s.rt, s, 2, lua_isnoneornil(L, 3) ? 0 : 3);
}

int scope_cancel(lua_State* L) {
  Scope& s = check_scope(L, 1);
  if (s.cancel()) return 0;
  // Closed (see Scope::release_token): all that is left to cancel is what
  // the scope's CancelToken object reports.
  lua_getiuservalue(L, 1, 3);
  if (CancelToken* token = token_of_object(L, -1)) token->cancel();
  return 0;
}

int scope_token(lua_State* L) {
  Scope& s = check_scope(L, 1);
  if (lua_getiuservalue(L, 1, 3) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  if (s.token) {
    push_token_object(L, s.rt, s.token.get());
  } else {
    // Closed before anyone asked: a standalone token in the same state
    // behaves alike, as nothing below a closed scope runs any more.
    CancelToken* token = push_new_token_object(L, s.rt);
    if (s.cancelled_when_closed) token->cancel();
  }
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, 1, 3);
  return 1;
}

int scope_index(lua_State* L) {
  // A method, the common case, needs no check of the object (see
  // handle_index).
  // (The methods table is an upvalue: debug.setupvalue may have replaced it.)
  lua_pushvalue(L, 2);
  if (lua_istable(L, lua_upvalueindex(1)) && lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  check_scope(L, 1);
  if (string_key(L, 2) == "name") lua_getiuservalue(L, 1, 2);
  return 1;
}

int scope_tostring(lua_State* L) {
  const Scope& s = check_scope(L, 1);
  if (s.name) {  // whole, with any embedded "\0" (%s would stop there)
    lua_pushliteral(L, "scope (");
    lua_pushlstring(L, s.name, s.name_len);
    lua_pushliteral(L, ")");
    lua_concat(L, 3);
  } else {
    lua_pushliteral(L, "scope");
  }
  return 1;
}

}  // namespace

Scope& check_scope(lua_State* L, int index) {
  if (Scope* s = test_tagged<Scope>(L, index, kScopeTag)) return *s;
  return *static_cast<Scope*>(check_object(L, index, kScopeMetatable));
}

void tag_scope(Scope& s) { s.tag = object_tag(&s, kScopeTag); }

int init_scope_metatable(lua_State* L, Runtime& rt) {
  static const luaL_Reg methods[] = {
      {"spawn", scope_spawn}, {"cancel", scope_cancel}, {"token", scope_token}, {nullptr, nullptr}};
  return register_object_type(
      L, ObjectType{kScopeMetatable, "Scope", methods, scope_index, scope_tostring, kReleasedObjectGc<Scope>});
}

int init_unnamed_scope_metatable(lua_State* L, int scope_metatable) {
  // The scope metatable's fields, but for __index, which is the methods
  // table itself: a method call (scope:spawn) is a table look-up instead
  // of a call to scope_index, and `name` is nil. Only a named scope needs
  // scope_index.
  lua_rawgeti(L, LUA_REGISTRYINDEX, scope_metatable);
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, -3)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_getfield(L, -2, "__index");
  lua_getupvalue(L, -1, 1);  // scope_index's methods table (register_object_type)
  lua_setfield(L, -3, "__index");
  lua_pop(L, 1);
  lua_remove(L, -2);
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

}  // namespace lua_batteries::detail
