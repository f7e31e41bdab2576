// The pin table: a live task's handle (or a failed one's, until its error
// is observed) and an open scope's object sit in a slot of one registry
// table, out of the collector's reach. As with luaL_ref, a free slot holds
// the next free one, but the head of that free list is a C++ field rather
// than another table entry: two table operations fewer per pin and unpin,
// and no memory of its own.
#pragma once

#include <lua.hpp>

namespace lua_batteries::detail {

class PinTable {
 public:
  /// `main` is the state's main thread, whose stack drop() borrows.
  explicit PinTable(lua_State* main) : main_(main) {}
  PinTable(const PinTable&) = delete;
  PinTable& operator=(const PinTable&) = delete;

  /// [-0, +0, m] Creates the table; once, before the first pin.
  void create(lua_State* L);
  /// [-0, +0, m] Pins the value at `index` of L; returns its slot.
  int pin(lua_State* L, int index);
  /// Frees `slot`; never raises, never allocates (uses the main thread's
  /// stack, as luaL_unref would).
  void drop(int slot);
  /// [-0, +1, -] Pushes the table itself.
  void push_table(lua_State* L) const { lua_rawgeti(L, LUA_REGISTRYINDEX, table_); }

 private:
  lua_State* main_;
  int table_ = LUA_NOREF;  // registry reference, for the state's lifetime
  int used_ = 0;           // slots [1, used_] have been used
  int free_ = 0;           // the first free slot (each holds the next), 0: none
};

}  // namespace lua_batteries::detail
