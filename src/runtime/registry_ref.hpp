// An owning reference to a value in a Lua state's registry (luaL_ref),
// released by its destructor or reset(). Releasing never raises, so one
// may be alive where the Lua calls in flight cannot raise into its frame
// (a host entry such as Runtime::run); it must not be alive in a
// lua_CFunction's frame across a call that may raise or yield.
#pragma once

#include <lua.hpp>

namespace lua_batteries::detail {

class RegistryRef {
 public:
  RegistryRef() = default;
  /// Adopts `ref`, a reference into L's registry.
  RegistryRef(lua_State* L, int ref) : L_(L), ref_(ref) {}
  RegistryRef(RegistryRef&& other) noexcept : L_(other.L_), ref_(other.ref_) { other.ref_ = LUA_NOREF; }
  RegistryRef& operator=(RegistryRef&& other) noexcept {
    if (this != &other) {
      reset();
      L_ = other.L_;
      ref_ = other.ref_;
      other.ref_ = LUA_NOREF;
    }
    return *this;
  }
  RegistryRef(const RegistryRef&) = delete;
  RegistryRef& operator=(const RegistryRef&) = delete;
  ~RegistryRef() { reset(); }

  /// [-0, +0, -] Releases the reference.
  void reset() {
    if (ref_ != LUA_NOREF && ref_ != LUA_REFNIL) luaL_unref(L_, LUA_REGISTRYINDEX, ref_);
    ref_ = LUA_NOREF;
  }
  int get() const { return ref_; }
  /// [-0, +1, -] Pushes the referenced value onto L (any thread of the state).
  void push(lua_State* L) const { lua_rawgeti(L, LUA_REGISTRYINDEX, ref_); }

 private:
  lua_State* L_ = nullptr;
  int ref_ = LUA_NOREF;
};

}  // namespace lua_batteries::detail
