// lua-batteries -i: the interactive prompt.
#pragma once

#include <lua.hpp>
#include <uv.h>

namespace lua_batteries::prompt {

/// Runs the prompt on L (std.task installed, on `loop`) as one run, until
/// the end of the input: reads statements as lua.c's REPL does (`=expr`
/// and expressions print their values, incomplete statements continue on
/// the next line), and runs each line as a task while the loop keeps
/// running the others. Ctrl-C while a line runs aborts that line; at the
/// prompt it discards the input. Ctrl-D cancels the root scope and ends
/// once its tasks finished or their grace window ran out. The caller's own
/// SIGINT handling must be stopped. Returns the exit status (0, or 1 if
/// the prompt could not start).
int run(lua_State* L, uv_loop_t* loop);

}  // namespace lua_batteries::prompt
