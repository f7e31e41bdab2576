// lua-batteries -i (see prompt.hpp). The prompt is one run whose main
// chunk is the driver below, in Lua: it reads a statement (suspending on
// the reader, so the loop keeps running tasks), runs it as a task in the
// root scope and joins it. A line's tasks go to the root scope too, so
// they outlive the line. Ctrl-C while a line runs reaches a watcher task,
// which hard-aborts the line; the tasks it spawned keep running.
#include "prompt.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include "line_reader.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::prompt {
namespace {

/// Lua's "<eof>" marker at the end of a syntax error: the statement is
/// incomplete (lua.c's incomplete()).
constexpr const char kEofMark[] = "<eof>";
constexpr std::size_t kEofMarkLength = sizeof kEofMark - 1;

/// The driver: arguments are the C functions below and std.task.spawn,
/// taken before any line runs (a line may change the globals).
constexpr const char kDriver[] = R"lua(
local read_line, compile, report, wait_interrupt, finish, msghandler, set_line, spawn = ...
local pack, unpack, pcall, xpcall, tostring = table.pack, table.unpack, pcall, xpcall, tostring

-- Runs one statement as a task and prints its values or its error.
local function run_line(fn)
  local line = spawn(function() return pack(xpcall(fn, msghandler)) end, { name = "prompt" })
  local interrupted = false
  local watcher = spawn(function()
    wait_interrupt()
    interrupted = true
    line:abort()
  end, { name = "prompt: ctrl-c" })
  set_line(line)
  local joined, r = pcall(line.join, line)
  if set_line(nil) then interrupted = true end
  watcher:abort()
  if not joined then return report(interrupted and "interrupted (the line was aborted)" or tostring(r)) end
  if not r[1] then return report(r[2]) end
  if r.n > 1 then
    local printed, err = pcall(print, unpack(r, 2, r.n))
    if not printed then report("error calling 'print' (" .. tostring(err) .. ")") end
  end
end

while true do
  local text = read_line(true)
  if text == nil then break end
  if text then
    local fn, err, incomplete = compile(text, true)
    while incomplete do
      local more = read_line(false)
      if more == nil then report(err); fn = nil; text = nil; break end
      if more == false then fn, err = nil, nil; break end
      text = text .. "\n" .. more
      fn, err, incomplete = compile(text, false)
    end
    if text == nil then break end
    if fn then run_line(fn) elseif err then report(err) end
  end
end
finish()
)lua";

/// What the prompt's C functions share: upvalue 1 of each.
struct Prompt {
  Prompt(lua_State* L_, uv_loop_t* loop) : L(L_), reader(loop, STDIN_FILENO) {}
  lua_State* L;
  LineReader reader;
  uv_signal_t sigint{};
  bool sigint_open = false;
  /// The watcher of the running line waits on it.
  std::optional<Awaiter> interrupt;
  /// A Ctrl-C that came while nothing waited for one: the next watcher
  /// takes it at once. A new prompt forgets it.
  bool pending_interrupt = false;
  /// The running line's handle (a registry reference), so that Ctrl-C
  /// reaches a line that never suspends: by default no other task (the
  /// watcher) runs while it is busy, but the watchdog still gives the loop
  /// its turns, and an abort from here stops the line at once.
  int line_ref = LUA_NOREF;
  bool line_interrupted = false;
};

Prompt& prompt_of(lua_State* L) { return *static_cast<Prompt*>(lua_touserdata(L, lua_upvalueindex(1))); }

/// Writes "lua-batteries: <text>\n" to stderr in one call, as lua.c's
/// l_message does with its program name.
void write_message(const char* text, std::size_t length) {
  constexpr const char kPrefix[] = "lua-batteries: ";
  std::fflush(stdout);
  std::fwrite(kPrefix, 1, sizeof kPrefix - 1, stderr);
  std::fwrite(text, 1, length, stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

/// [-0, +1, m] Continuation of read_line: the line, nil at the end of the
/// input, false when Ctrl-C discarded it.
int read_done(lua_State* L, int, lua_KContext ctx) {
  auto& prompt = *reinterpret_cast<Prompt*>(ctx);
  switch (prompt.reader.outcome()) {
    case LineReader::Outcome::line:
      lua_pushlstring(L, prompt.reader.line().data(), prompt.reader.line().size());
      return 1;
    case LineReader::Outcome::end_of_input:
      std::fputc('\n', stdout);
      std::fflush(stdout);
      lua_pushnil(L);
      return 1;
    case LineReader::Outcome::interrupted:
      std::fputc('\n', stdout);
      std::fflush(stdout);
      lua_pushboolean(L, 0);
      return 1;
  }
  return 0;
}

/// [-1, +1, e] read_line(first): shows the prompt (_PROMPT or "> " for a
/// first line, _PROMPT2 or ">> " for a continuation, as lua.c) and waits
/// for a line; see read_done.
int read_line(lua_State* L) {
  Prompt& prompt = prompt_of(L);
  const bool first = lua_toboolean(L, 1) != 0;
  lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2");
  const char* text = lua_tostring(L, -1);
  prompt.pending_interrupt = false;
  Awaiter& waiter = prompt.reader.start(text != nullptr ? text : (first ? "> " : ">> "));
  lua_pop(L, 1);
  return await(L, waiter, "prompt", read_done, reinterpret_cast<lua_KContext>(&prompt));
}

/// [-1, +1, m] set_line(handle | nil): the line Ctrl-C aborts from now on
/// (nil: none). Returns whether Ctrl-C aborted the previous one.
int set_line(lua_State* L) {
  Prompt& prompt = prompt_of(L);
  const bool interrupted = prompt.line_interrupted;
  prompt.line_interrupted = false;
  luaL_unref(L, LUA_REGISTRYINDEX, prompt.line_ref);
  prompt.line_ref = LUA_NOREF;
  if (!lua_isnoneornil(L, 1)) {
    lua_settop(L, 1);
    prompt.line_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  lua_pushboolean(L, interrupted);
  return 1;
}

/// [-1, +0, -] Protected: handle:abort() for the handle at index 1.
int abort_handle(lua_State* L) {
  lua_getfield(L, 1, "abort");
  lua_pushvalue(L, 1);
  lua_call(L, 1, 0);
  return 0;
}

/// Hard-aborts the running line, if any. Called from the loop, never
/// from inside a fiber's code.
void abort_line(Prompt& prompt) {
  if (prompt.line_ref == LUA_NOREF) return;
  lua_State* L = prompt.L;
  if (!lua_checkstack(L, 3)) return;
  lua_pushcfunction(L, abort_handle);
  lua_rawgeti(L, LUA_REGISTRYINDEX, prompt.line_ref);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    lua_pop(L, 1);
    return;
  }
  prompt.line_interrupted = true;
}

/// [-2, +(1|3), m] compile(text, first): the statement's function; or nil,
/// the syntax error and whether the statement is merely incomplete. A
/// first line is tried as an expression first ("return <line>"), and
/// "=expr" is "return expr", as lua.c.
int compile(lua_State* L) {
  std::size_t length = 0;
  const char* text = luaL_checklstring(L, 1, &length);
  if (lua_toboolean(L, 2)) {
    const char* expression = text[0] == '=' ? text + 1 : text;
    lua_pushfstring(L, "return %s", expression);
    std::size_t returned_length = 0;
    const char* returned = lua_tolstring(L, -1, &returned_length);
    if (luaL_loadbuffer(L, returned, returned_length, "=stdin") == LUA_OK) return 1;
    lua_pop(L, 2);
  }
  const int status = luaL_loadbuffer(L, text, length, "=stdin");
  if (status == LUA_OK) return 1;
  std::size_t message_length = 0;
  const char* message = lua_tolstring(L, -1, &message_length);
  const bool incomplete = status == LUA_ERRSYNTAX && message_length >= kEofMarkLength &&
                          std::strcmp(message + message_length - kEofMarkLength, kEofMark) == 0;
  lua_pushnil(L);
  lua_insert(L, -2);
  lua_pushboolean(L, incomplete);
  return 3;
}

/// [-1, +0, -] report(text): "lua-batteries: <text>" on stderr.
int report(lua_State* L) {
  std::size_t length = 0;
  const char* text = lua_tolstring(L, 1, &length);
  if (text == nullptr) {
    text = "(error object is not a string)";
    length = std::strlen(text);
  }
  write_message(text, length);
  return 0;
}

int interrupt_done(lua_State*, int, lua_KContext) { return 0; }

/// [-0, +0, e] wait_interrupt(): returns at the next Ctrl-C.
int wait_interrupt(lua_State* L) {
  Prompt& prompt = prompt_of(L);
  prompt.interrupt.emplace();
  if (prompt.pending_interrupt) {
    prompt.pending_interrupt = false;
    prompt.interrupt->complete();
  }
  return await(L, *prompt.interrupt, "prompt", interrupt_done, 0);
}

/// [-0, +0, -] finish(): the end of the input cancels the root scope; the
/// run ends when its tasks finished or their grace window ran out.
int finish(lua_State* L) {
  request_shutdown(prompt_of(L).L);
  return 0;
}

/// [-1, +1, m] The message handler of a line: its error with a traceback,
/// as lua.c's msghandler.
int msghandler(lua_State* L) {
  const char* message = lua_tostring(L, 1);
  if (message == nullptr) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, message, 1);
  // The last frames are the prompt's own (xpcall and the line's task
  // function); the traceback ends with the line's chunk, as in lua.c.
  std::size_t length = 0;
  const char* traceback = lua_tolstring(L, -1, &length);
  const std::string_view text(traceback, length);
  const std::size_t own = text.rfind("\n\t[C]: in function 'xpcall'");
  if (own != std::string_view::npos) lua_pushlstring(L, traceback, own);
  return 1;
}

/// Ctrl-C: discards the input at the prompt, or aborts the running line
/// (through its watcher).
void on_sigint(uv_signal_t* handle, int) {
  auto* prompt = static_cast<Prompt*>(handle->data);
  if (prompt->reader.interrupt()) return;
  abort_line(*prompt);
  if (prompt->interrupt && prompt->interrupt->is_waiting()) {
    prompt->interrupt->complete();
  } else {
    prompt->pending_interrupt = true;
  }
}

/// [-0, +9, m] Protected: pushes the driver and its arguments.
int push_driver(lua_State* L) {
  auto* prompt = static_cast<Prompt*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  if (luaL_loadbuffer(L, kDriver, sizeof kDriver - 1, "=prompt") != LUA_OK) return lua_error(L);
  for (lua_CFunction fn : {read_line, compile, report, wait_interrupt, finish, msghandler, set_line}) {
    lua_pushlightuserdata(L, prompt);
    lua_pushcclosure(L, fn, 1);
  }
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "std.task");
  if (lua_type(L, -1) != LUA_TTABLE) return luaL_error(L, "std.task is not installed");
  lua_getfield(L, -1, "spawn");
  lua_replace(L, -3);
  lua_pop(L, 1);
  return 9;
}

}  // namespace

int run(lua_State* L, uv_loop_t* loop) {
  Prompt prompt(L, loop);
  int status = 1;
  if (uv_signal_init(loop, &prompt.sigint) == 0) {
    prompt.sigint_open = true;
    prompt.sigint.data = &prompt;
    uv_signal_start(&prompt.sigint, on_sigint, SIGINT);
    uv_unref(reinterpret_cast<uv_handle_t*>(&prompt.sigint));

    lua_pushcfunction(L, push_driver);
    lua_pushlightuserdata(L, &prompt);
    if (lua_pcall(L, 1, 9, 0) == LUA_OK) {
      const RunResult result = run_function(L, 8);
      status = result.status == RunResult::Status::error || result.status == RunResult::Status::deadlock ? 1 : 0;
      if (status != 0) write_message(result.message.data(), result.message.size());
    } else {
      const char* message = lua_tostring(L, -1);
      if (message == nullptr) message = "cannot start the prompt";
      write_message(message, std::strlen(message));
      lua_pop(L, 1);
    }
  }
  luaL_unref(L, LUA_REGISTRYINDEX, prompt.line_ref);
  prompt.reader.close();
  if (prompt.sigint_open) uv_close(reinterpret_cast<uv_handle_t*>(&prompt.sigint), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);  // the handles' close callbacks, before `prompt` goes
  return status;
}

}  // namespace lua_batteries::prompt
