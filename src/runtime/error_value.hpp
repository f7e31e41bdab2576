// Runtime error values (spec "Runtime error values"): userdata with `kind`
// and `message`, whose __tostring is the message and which concatenate
// with strings. cancelled/aborted/joined are immutable singletons per
// runtime; timeout errors carry their deadline. The scheduler recognises
// them to tell how a fiber ended; the bindings raise them.
#pragma once

#include <lua.hpp>

namespace lua_batteries::detail {

enum class ErrorKind { none, cancelled, aborted, joined, timeout, closed };

class ErrorValues {
 public:
  /// [-0, +0, e] Creates the error metatable and the singletons; once.
  void create(lua_State* L);
  /// [-0, +1, -] Pushes the singleton of `kind` (not timeout).
  void push(lua_State* L, ErrorKind kind) const;
  /// [-0, +0, v] Raises the singleton of `kind` (not timeout).
  [[noreturn]] void raise(lua_State* L, ErrorKind kind) const;
  /// [-0, +0, -] The kind of the value at `index`; none for other values.
  ErrorKind kind_of(lua_State* L, int index) const;
  /// [-0, +(1|0), -] Pushes where the body of the with_timeout was when its
  /// deadline passed, if the value at `index` is a timeout error that knows.
  bool push_timeout_where(lua_State* L, int index) const;

 private:
  const void* metatable_ = nullptr;  // pinned by the registry for the state's lifetime
  const void* cancelled_object_ = nullptr;  // the most common error, recognised by address
  int cancelled_ = LUA_NOREF;  // registry references, for the state's lifetime
  int aborted_ = LUA_NOREF;
  int joined_ = LUA_NOREF;
};

/// [-0, +1, m] Pushes a timeout error: "task.with_timeout: exceeded <ms> ms".
void push_timeout_error(lua_State* L, double ms);
/// [-1, +0, -] Pops a string (anything else is dropped) and keeps it as
/// the `where` of the timeout error at `index`: the traceback of the body
/// when the deadline passed.
void set_timeout_where(lua_State* L, int index);
/// [-0, +1, m] Pushes a new error value of `kind` with `message` (the kinds
/// without a singleton: closed).
void push_new_error(lua_State* L, ErrorKind kind, const char* message);
/// [-0, +0, v] Raises "not enough memory" (a C++ allocation failed).
[[noreturn]] void raise_out_of_memory(lua_State* L);

}  // namespace lua_batteries::detail
