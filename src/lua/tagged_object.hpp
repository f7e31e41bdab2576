// lua-batteries: the fast type check of the userdata types on hot paths
// (Channel, Semaphore, Permit, Scope, the Db of std.sql).
#pragma once

#include <lua.hpp>

#include <cstdint>

namespace lua_batteries::detail {

/// The first word of a tagged object (Channel, Semaphore, Permit, Scope, Db):
/// its address xor its type's tag. It makes the type check of the hottest
/// methods one lua_rawlen and one lua_touserdata instead of check_object's
/// metatable comparison (a third of a channel hand-off): a full userdata of
/// T's size whose first word is object_tag(it, T's tag) is a T, since Lua
/// code cannot write a userdata's bytes and no other type stores such a
/// word.
inline std::uintptr_t object_tag(const void* object, std::uintptr_t type_tag) {
  return reinterpret_cast<std::uintptr_t>(object) ^ type_tag;
}
/// [-0, +0, -] The T at `index` if it is a tagged object of T's type, else
/// null (anything else goes through check_object, which also gives the
/// standard error). lua_rawlen is a full userdata's size (a string's
/// length or a table's border too, but lua_touserdata gives those null; a
/// light userdata's is 0), so one call checks both the type and the size.
template <class T>
T* test_tagged(lua_State* L, int index, std::uintptr_t type_tag) {
  if (lua_rawlen(L, index) != sizeof(T)) return nullptr;
  auto* object = static_cast<T*>(lua_touserdata(L, index));
  return object && object->tag == object_tag(object, type_tag) ? object : nullptr;
}

}  // namespace lua_batteries::detail
