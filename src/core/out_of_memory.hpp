// C++ work that may run out of memory, done where a Lua raise must come
// later. Lua is built as C: a raise longjmps past C++ destructors, so a
// function that allocates (a std::string, a container that grows) does so
// inside `allocation_succeeded`, whose frame and temporaries are gone by
// the time the caller raises or falls back:
//
//   if (!allocation_succeeded([&] { queue.insert(entry, due); })) raise_out_of_memory(L);
#pragma once

#include <new>
#include <utility>

namespace lua_batteries::detail {

/// Runs `work`; false if it threw std::bad_alloc (any other exception
/// propagates).
template <typename Work>
bool allocation_succeeded(Work&& work) {
  try {
    std::forward<Work>(work)();
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

}  // namespace lua_batteries::detail
