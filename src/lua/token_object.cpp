// CancelToken: a Lua reference to a node of the token tree.
#include <new>

#include "lua/bindings.hpp"
#include "lua/error_object.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

constexpr const char* kTokenMetatable = "std.task.CancelToken";

struct TokenObject {
  CancelToken* token;
  Runtime* rt;
};

TokenObject& check_token(lua_State* L, int index) {
  auto& t = *static_cast<TokenObject*>(check_object(L, index, kTokenMetatable));
  if (!t.token) luaL_error(L, "std.task: the CancelToken was finalized");
  return t;
}

int token_cancel(lua_State* L) {
  check_token(L, 1).token->cancel();
  return 0;
}

int token_is_cancelled(lua_State* L) {
  lua_pushboolean(L, check_token(L, 1).token->is_cancelled());
  return 1;
}

int token_check(lua_State* L) {
  TokenObject& t = check_token(L, 1);
  if (t.token->is_cancelled()) raise_error(L, *t.rt, ErrorKind::cancelled);
  return 0;
}

int token_tostring(lua_State* L) {
  lua_pushstring(L, check_token(L, 1).token->is_cancelled() ? "CancelToken (cancelled)" : "CancelToken");
  return 1;
}

int token_gc(lua_State* L) {
  if (!called_by_collector(L)) return 0;
  auto& t = *static_cast<TokenObject*>(lua_touserdata(L, 1));
  if (t.token) t.token->release();
  t.token = nullptr;
  return 0;
}

}  // namespace

void push_token_object(lua_State* L, Runtime& rt, CancelToken* token) {
  auto* t = static_cast<TokenObject*>(lua_newuserdatauv(L, sizeof(TokenObject), 0));
  t->token = nullptr;
  t->rt = &rt;
  lua_rawgeti(L, LUA_REGISTRYINDEX, rt.refs.token_mt);
  lua_setmetatable(L, -2);
  if (token) token->retain();
  t->token = token;
}

CancelToken* push_new_token_object(lua_State* L, Runtime& rt) {
  // The object first: if it cannot be made, no token exists to leak; if
  // the token cannot be made, the object holds none and is collected.
  push_token_object(L, rt, nullptr);
  auto* t = static_cast<TokenObject*>(lua_touserdata(L, -1));
  try {
    t->token = CancelToken::create(nullptr);  // the object owns the creation reference
  } catch (const std::bad_alloc&) {
    t->token = nullptr;
  }
  if (!t->token) raise_out_of_memory(L);
  return t->token;
}

CancelToken* token_of_object(lua_State* L, int index) {
  auto* t = static_cast<TokenObject*>(test_object(L, index, kTokenMetatable));
  return t ? t->token : nullptr;
}

void init_token_metatable(lua_State* L, Runtime& rt) {
  static const luaL_Reg methods[] = {
      {"cancel", token_cancel}, {"is_cancelled", token_is_cancelled}, {"check", token_check}, {nullptr, nullptr}};
  rt.refs.token_mt = register_object_type(
      L, ObjectType{kTokenMetatable, "CancelToken", methods, nullptr, token_tostring, token_gc});
}

}  // namespace lua_batteries::detail
