#include "lua_batteries/memory_limit.hpp"

#include <cstdlib>

namespace lua_batteries {

void* limited_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
  auto& m = *static_cast<MemoryLimit*>(ud);
  const std::size_t old = ptr != nullptr ? osize : 0;  // without a block, osize is a type tag
  if (nsize == 0) {
    std::free(ptr);
    m.used -= old;
    return nullptr;
  }
  if (m.limit != 0 && nsize > old && m.used - old + nsize > m.limit) return nullptr;
  void* block = std::realloc(ptr, nsize);
  if (block == nullptr) return nullptr;
  m.used = m.used - old + nsize;
  if (m.used > m.peak) m.peak = m.used;
  return block;
}

void limit_memory(lua_State* L, MemoryLimit& limit) {
  limit.used = static_cast<std::size_t>(lua_gc(L, LUA_GCCOUNT)) * 1024 + static_cast<std::size_t>(lua_gc(L, LUA_GCCOUNTB));
  limit.peak = limit.used;
  lua_setallocf(L, limited_alloc, &limit);
}

}  // namespace lua_batteries
