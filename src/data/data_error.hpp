// lua-batteries: the error objects of the data and network modules (spec
// std-io.md 0): a userdata with fields `kind` ("io" or "timeout"),
// `message`, `code` (e.g. "SQLITE_CONSTRAINT", "CURLE_COULDNT_CONNECT",
// "EOVERFLOW") and `op` ("sql.query", "std.http.request"), whose
// __tostring is the message and which concatenates with strings.
#pragma once

#include <lua.hpp>

namespace lua_batteries::data {

/// [-0, +1, m] Pushes a new error object.
void push_data_error(lua_State* L, const char* kind, const char* op, const char* code, const char* message);

/// [-0, +0, v] Raises a new error object.
[[noreturn]] void raise_data_error(lua_State* L, const char* kind, const char* op, const char* code,
                                   const char* message);

/// [-0, +0, -] Whether a __gc metamethod was called by the collector (or
/// lua_close) rather than by a script through debug.getmetatable, which
/// must not destroy a live object.
bool called_by_collector(lua_State* L);

}  // namespace lua_batteries::data
