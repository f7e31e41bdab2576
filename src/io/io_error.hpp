// Error objects of the I/O, data and network modules (spec std-io.md
// section 0): tables with kind ("io", "timeout" for std.sql's statement
// timeout, "denied" for what a policy refused), message, code (libuv's error name, or a library's or module's
// own code such as "EXIT", "SQLITE_CONSTRAINT", "CURLE_COULDNT_CONNECT")
// and op ("std.fs.read", "sql.query"), whose tostring is the message and
// which concatenate with strings, as std.task's error objects do.
#pragma once

#include <lua.hpp>

namespace lua_batteries::io {

/// [-0, +0, e] Creates the error metatable; once per state.
void init_io_errors(lua_State* L);
/// [-0, +1, m] Pushes an error object of kind "io" with `message`, `code`
/// and `op`.
void push_io_error(lua_State* L, const char* op, const char* code, const char* message);
/// [-0, +1, m] Pushes an error object of `kind`.
void push_error(lua_State* L, const char* kind, const char* op, const char* code, const char* message);
/// [-0, +0, v] Raises an error object of `kind`.
[[noreturn]] void raise_error(lua_State* L, const char* kind, const char* op, const char* code, const char* message);
/// [-0, +0, v] Raises an error object whose message is
/// "<op>: <what> '<target>': <uv_strerror text> (<code>)".
[[noreturn]] void raise_uv_error(lua_State* L, const char* op, const char* what, const char* target, int uv_error);
/// [-0, +1, m] Pushes what raise_uv_error raises.
void push_uv_error(lua_State* L, const char* op, const char* what, const char* target, int uv_error);
/// [-0, +1, m] Pushes the error a policy denial raises (spec std-io.md 7):
/// kind "denied", code "EACCES", message
/// "<op>: access to '<target>' denied by policy".
void push_denied(lua_State* L, const char* op, const char* target);
/// [-0, +0, v] Raises what push_denied pushes. Every module raises its
/// denials through this.
[[noreturn]] void raise_denied(lua_State* L, const char* op, const char* target);
/// [-1, +0, v] Raises the error object at the top of the stack.
[[noreturn]] void raise_top(lua_State* L);

}  // namespace lua_batteries::io
