// Runtime error values (spec "Runtime error values"): userdata with `kind`
// and `message`, whose __tostring is the message and which concatenate
// with strings. cancelled/aborted/joined are immutable singletons per
// runtime; timeout errors carry their deadline.
#pragma once

#include <lua.hpp>

namespace lua_batteries::detail {

class Runtime;

enum class ErrorKind { none, cancelled, aborted, joined, timeout, closed };

/// [-0, +0, e] Creates the error metatable and the singletons.
void init_error_objects(lua_State* L, Runtime& rt);
/// [-0, +1, -] Pushes the singleton of `kind` (not timeout).
void push_error(lua_State* L, const Runtime& rt, ErrorKind kind);
/// [-0, +1, m] Pushes "task.with_timeout: exceeded <ms> ms".
void push_timeout_error(lua_State* L, double ms);
/// [-0, +1, m] Pushes a new error object of `kind` with `message`
/// (kinds without a singleton: closed).
void push_new_error(lua_State* L, ErrorKind kind, const char* message);
/// [-0, +0, v] Raises the singleton of `kind`.
[[noreturn]] void raise_error(lua_State* L, const Runtime& rt, ErrorKind kind);
/// [-0, +0, -] The kind of the value at `index`; none for other values.
ErrorKind error_kind(lua_State* L, int index);

}  // namespace lua_batteries::detail
