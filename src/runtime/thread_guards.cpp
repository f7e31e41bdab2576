#include "runtime/thread_guards.hpp"

#include "core/out_of_memory.hpp"
#include "runtime/error_value.hpp"
#include "runtime/fiber.hpp"

namespace lua_batteries::detail {

namespace {
constexpr int kInitialTableSize = 64;
}  // namespace

void ThreadGuards::create(lua_State* L) {
  lua_createtable(L, kInitialTableSize, 0);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "v");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  table_ = luaL_ref(L, LUA_REGISTRYINDEX);
  table_size_ = kInitialTableSize;
}

bool ThreadGuards::holds(lua_State* L, int slot, const void* co) {
  lua_rawgeti(L, -1, slot);
  const bool same = lua_tothread(L, -1) == co;  // null for nil (a cleared slot)
  lua_pop(L, 1);
  return same;
}

bool ThreadGuards::is_guarded(lua_State* L, lua_State* co) {
  if (parked_.contains(co) || running_.contains(co)) return true;
  const int* slot = slot_of_.find(co);
  if (!slot) return false;
  luaL_checkstack(L, 2, nullptr);
  lua_rawgeti(L, LUA_REGISTRYINDEX, table_);
  const bool guarded = holds(L, *slot, co);
  lua_pop(L, 1);
  return guarded;
}

void ThreadGuards::own(lua_State* L) { record(L, lua_tothread(L, -1), -1); }

void ThreadGuards::expose(lua_State* L, Fiber& f) {
  if (f.thread_exposed) return;
  luaL_checkstack(L, 1, nullptr);
  lua_pushthread(L);
  record(L, L, -1);
  lua_pop(L, 1);
  f.thread_exposed = true;
}

void ThreadGuards::record(lua_State* L, lua_State* co, int co_index) {
  co_index = lua_absindex(L, co_index);
  make_room(L, reserved_ + 1);  // what live tasks may need stays free
  luaL_checkstack(L, 2, nullptr);
  lua_rawgeti(L, LUA_REGISTRYINDEX, table_);
  lua_pushvalue(L, co_index);
  record_in_room(L, co);
  lua_pop(L, 1);
}

void ThreadGuards::reserve_for_task(lua_State* L, std::size_t live_tasks) {
  // Each live task may record its thread once, when it finishes.
  if (!allocation_succeeded([&] { running_.reserve(live_tasks + 1); })) raise_out_of_memory(L);
  make_room(L, live_tasks + 1);
  reserved_ = live_tasks + 1;
}

void ThreadGuards::task_finished(lua_State* S, lua_State* co, bool kept) {
  // With no stack to borrow (never seen), a kept thread stays in the set:
  // guarded, though its entry may outlive it.
  if (kept && !lua_checkstack(S, 2)) return;
  running_.erase(co);
  if (!kept) return;
  lua_rawgeti(S, LUA_REGISTRYINDEX, table_);
  lua_pushthread(co);
  lua_xmove(co, S, 1);
  record_in_room(S, co);
  lua_pop(S, 1);
}

void ThreadGuards::make_room(lua_State* L, std::size_t n) {
  const bool purge_due = slot_of_.size() >= purge_at_;
  const std::size_t free_slots = free_slots_.size() + static_cast<std::size_t>(table_size_ - used_);
  if (purge_due || free_slots < n) {  // rare: the table is needed
    luaL_checkstack(L, 3, nullptr);
    lua_rawgeti(L, LUA_REGISTRYINDEX, table_);
    if (purge_due) purge(L);
    while (free_slots_.size() + static_cast<std::size_t>(table_size_ - used_) < n) grow_table(L);
    lua_pop(L, 1);
  }
  if (!allocation_succeeded([&] { slot_of_.reserve(slot_of_.size() + n); })) raise_out_of_memory(L);
}

void ThreadGuards::record_in_room(lua_State* L, lua_State* co) {
  // The table is at -2, co on top.
  const int* known = slot_of_.find(co);
  if (known) {
    lua_pushvalue(L, -2);
    const bool recorded = holds(L, *known, co);
    lua_pop(L, 1);
    if (recorded) {
      lua_pop(L, 1);
      return;
    }
  }
  int slot = 0;
  if (known) {
    slot = *known;  // a dead thread's entry: its slot is empty, and now co's
  } else if (free_slots_.empty()) {
    slot = ++used_;
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  lua_rawseti(L, -2, slot);  // within the array part: no allocation
  if (!known) slot_of_.insert_or_assign(co, slot);  // cannot throw: make_room reserved
}

void ThreadGuards::grow_table(lua_State* L) {
  // The table is on top.
  const int size = table_size_ * 2;
  luaL_checkstack(L, 3, nullptr);
  lua_createtable(L, size, 0);
  lua_getmetatable(L, -2);
  lua_setmetatable(L, -2);
  for (int i = 1; i <= used_; ++i) {
    lua_rawgeti(L, -2, i);
    lua_rawseti(L, -2, i);  // within the new array part: no allocation
  }
  lua_pushvalue(L, -1);
  lua_rawseti(L, LUA_REGISTRYINDEX, table_);  // an existing slot: no allocation
  lua_replace(L, -2);
  table_size_ = size;
}

void ThreadGuards::purge(lua_State* L) {
  // The table is on top. free_slots_ gets at most one slot per entry: room
  // for all first, or no purge (the entries stay, stale but harmless,
  // until the next one).
  if (!allocation_succeeded([&] { free_slots_.reserve(free_slots_.size() + slot_of_.size()); })) return;
  slot_of_.erase_if([&](const void* co, int slot) {
    if (holds(L, slot, co)) return false;
    free_slots_.push_back(slot);
    return true;
  });
  purge_at_ = slot_of_.size() * 2 > kFirstPurge ? slot_of_.size() * 2 : kFirstPurge;
}

int ThreadGuards::reset_thread(lua_State* co) {
  Closing node{co, closing_};
  closing_ = &node;
#if LUA_VERSION_RELEASE_NUM >= 50406
  const int status = lua_closethread(co, nullptr);
#else
  const int status = lua_resetthread(co);
#endif
  closing_ = node.outer;
  return status;
}

int ThreadGuards::resume_closing(lua_State* co, lua_State* from) {
  Closing node{co, closing_};
  closing_ = &node;
  int nresults = 0;
  const int status = lua_resume(co, from, 0, &nresults);
  closing_ = node.outer;
  if (status == LUA_YIELD) lua_pop(co, nresults);
  return status;
}

}  // namespace lua_batteries::detail
