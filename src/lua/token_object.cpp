// CancelToken: a Lua reference to a node of the token tree. The object
// owns one reference (a TokenRef), which its __gc releases.
#include <new>

#include "core/out_of_memory.hpp"
#include "lua/bindings.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

constexpr const char* kTokenMetatable = "std.task.CancelToken";

// Lives in the userdata, which Lua frees without running its destructor:
// __gc (token_gc) releases the reference instead, or the runtime's
// teardown for an object that got no finalizer (HeldToken).
struct TokenObject {
  HeldToken held;
  Runtime* rt;
};

TokenObject& check_token(lua_State* L, int index) {
  auto& t = *static_cast<TokenObject*>(check_object(L, index, kTokenMetatable));
  if (!t.held.token) luaL_error(L, "std.task: the CancelToken was finalized");
  return t;
}

int token_cancel(lua_State* L) {
  check_token(L, 1).held.token->cancel();
  return 0;
}

int token_is_cancelled(lua_State* L) {
  lua_pushboolean(L, check_token(L, 1).held.token->is_cancelled());
  return 1;
}

int token_check(lua_State* L) {
  TokenObject& t = check_token(L, 1);
  if (t.held.token->is_cancelled()) t.rt->errors().raise(L, ErrorKind::cancelled);
  return 0;
}

int token_tostring(lua_State* L) {
  lua_pushstring(L, check_token(L, 1).held.token->is_cancelled() ? "CancelToken (cancelled)" : "CancelToken");
  return 1;
}

int token_gc(lua_State* L) {
  if (!called_by_collector(L)) return 0;
  Runtime::release(static_cast<TokenObject*>(lua_touserdata(L, 1))->held);
  return 0;
}

// [-0, +1, m] A new CancelToken object holding no token yet.
TokenObject& push_object(lua_State* L, Runtime& rt) {
  void* memory = lua_newuserdatauv(L, sizeof(TokenObject), 0);
  auto* t = new (memory) TokenObject{};
  t->rt = &rt;
  lua_rawgeti(L, LUA_REGISTRYINDEX, rt.metatables().token);
  lua_setmetatable(L, -2);
  rt.hold(t->held);
  return *t;
}

}  // namespace

void push_token_object(lua_State* L, Runtime& rt, CancelToken* token) {
  push_object(L, rt).held.token = TokenRef::share(token);
}

CancelToken* push_new_token_object(lua_State* L, Runtime& rt) {
  // The object first: if it cannot be made, no token exists to leak; if
  // the token cannot be made, the object holds none and is collected.
  TokenObject& t = push_object(L, rt);
  CancelToken* token = nullptr;
  if (!allocation_succeeded([&] { token = CancelToken::create(nullptr); })) raise_out_of_memory(L);
  t.held.token = TokenRef::adopt(token);  // the object owns the creation reference
  return token;
}

CancelToken* token_of_object(lua_State* L, int index) {
  auto* t = static_cast<TokenObject*>(test_object(L, index, kTokenMetatable));
  return t ? t->held.token.get() : nullptr;
}

int init_token_metatable(lua_State* L, Runtime& rt) {
  static const luaL_Reg methods[] = {
      {"cancel", token_cancel}, {"is_cancelled", token_is_cancelled}, {"check", token_check}, {nullptr, nullptr}};
  return register_object_type(
      L, ObjectType{kTokenMetatable, "CancelToken", methods, nullptr, token_tostring, token_gc});
}

}  // namespace lua_batteries::detail
