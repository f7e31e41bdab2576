// lua-batteries: allocation that answers null instead of throwing, for code
// called from Lua or libuv (nothing may throw through them). Plain `new`
// in a try block rather than `new (std::nothrow)`, so that a host (or a
// test) replacing operator new sees every allocation.
#pragma once

#include <new>
#include <utility>

namespace lua_batteries::data {

template <class T, class... Args>
T* try_new(Args&&... args) {
  try {
    return new T(std::forward<Args>(args)...);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

}  // namespace lua_batteries::data
