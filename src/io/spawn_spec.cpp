#include "io/spawn_spec.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>

#include "io/io_error.hpp"
#include "io/policy_gate.hpp"

extern char** environ;

namespace lua_batteries::io {
namespace {

// Runs a C++ step that may throw bad_alloc, then raises Lua's memory error
// outside the try, with nothing alive.
template <typename Fn>
void guarded(lua_State* L, Fn&& fn) {
  bool ok = true;
  try {
    fn();
  } catch (const std::bad_alloc&) {
    ok = false;
  }
  if (!ok) luaL_error(L, "not enough memory");
}

void parse_command(lua_State* L, int cmd, const char* fname, SpawnSpec& spec) {
  if (lua_type(L, cmd) == LUA_TSTRING) {
    std::size_t len = 0;
    const char* text = lua_tolstring(L, cmd, &len);
    guarded(L, [&] {
      spec.command.assign(text, len);
      spec.args = {"/bin/sh", "-c", spec.command};
    });
    return;
  }
  if (lua_type(L, cmd) != LUA_TTABLE)
    luaL_error(L, "%s: cmd must be a string or an array of strings", fname);
  const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, cmd));
  if (n == 0) luaL_error(L, "%s: cmd must not be empty", fname);
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, cmd, i);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: cmd[%d] must be a string", fname, static_cast<int>(i));
    std::size_t len = 0;
    const char* arg = lua_tolstring(L, -1, &len);
    if (std::memchr(arg, '\0', len)) luaL_error(L, "%s: cmd[%d] contains a zero byte", fname, static_cast<int>(i));
    guarded(L, [&] { spec.args.emplace_back(arg, len); });
    lua_pop(L, 1);
  }
}

Stdio parse_stdio(lua_State* L, int opts, const char* key, int fd, bool for_run, const char* fname,
                  Stdio fallback) {
  if (lua_isnoneornil(L, opts)) return fallback;
  lua_getfield(L, opts, key);
  Stdio mode = fallback;
  if (!lua_isnil(L, -1)) {
    const char* s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
    const char* piped = for_run ? "capture" : "pipe";
    if (std::strcmp(s, piped) == 0 && !(for_run && fd == 0)) mode = Stdio::pipe;
    else if (std::strcmp(s, "inherit") == 0) mode = Stdio::inherit;
    else if (std::strcmp(s, "null") == 0) mode = Stdio::null;
    else if (fd == 2 && std::strcmp(s, "stdout") == 0) mode = Stdio::to_stdout;
    else if (fd == 2)
      luaL_error(L, "%s: opts.%s must be \"%s\", \"inherit\", \"null\" or \"stdout\"", fname, key, piped);
    else if (fd == 0 && for_run)
      luaL_error(L, "%s: opts.stdin must be a string (the program's input)", fname);
    else
      luaL_error(L, "%s: opts.%s must be \"%s\", \"inherit\" or \"null\"", fname, key, piped);
  }
  lua_pop(L, 1);
  return mode;
}

// Adds to spec.env the host's variables that it does not set already and,
// under a process policy, that the policy allows.
void inherit_env(lua_State* L, const ProcessPolicy* policy, SpawnSpec& spec) {
  for (char** e = environ; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (!eq) continue;
    const std::size_t name_len = static_cast<std::size_t>(eq - *e);
    bool allowed = true;
    if (policy != nullptr) guarded(L, [&] { allowed = policy->allows_env(std::string_view(*e, name_len)); });
    if (!allowed) continue;
    bool overridden = false;
    for (const std::string& mine : spec.env)
      if (mine.size() > name_len && mine.compare(0, name_len, *e, name_len) == 0 && mine[name_len] == '=')
        overridden = true;
    if (!overridden) guarded(L, [&] { spec.env.emplace_back(*e); });
  }
}

// The process policy's check of the program (resolved to its real path
// first, so that a symlink or a PATH entry cannot stand in for a program
// the policy did not grant); on success spec.file is that real path.
void check_program(lua_State* L, const char* fname, SpawnSpec& spec) {
  const ProcessPolicy* policy = policy_of(L).process.get();
  if (policy == nullptr) return;
  bool allowed = false;
  guarded(L, [&] {
    // exec resolves a relative path with a '/' from the child's cwd.
    const std::string& name = spec.args[0];
    const bool from_cwd = spec.has_cwd && name[0] != '/' && name.find('/') != std::string::npos;
    const auto real = canonical_program(from_cwd ? spec.cwd + "/" + name : name);
    allowed = real && policy->allows_program(*real);
    if (allowed) spec.file = *real;
  });
  if (!allowed) raise_denied(L, fname, spec.command.empty() ? spec.args[0].c_str() : "/bin/sh");
}

// Under a process policy a child inherits only the variables it allows;
// spec.env then always lists the whole environment.
void parse_env(lua_State* L, int opts, const char* fname, SpawnSpec& spec) {
  const ProcessPolicy* policy = policy_of(L).process.get();
  if (lua_isnoneornil(L, opts)) {
    if (policy != nullptr) {
      spec.has_env = true;
      inherit_env(L, policy, spec);
    }
    return;
  }
  lua_getfield(L, opts, "clear_env");
  const bool clear = lua_toboolean(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, opts, "env");
  const bool has_table = lua_type(L, -1) == LUA_TTABLE;
  if (!lua_isnil(L, -1) && !has_table) luaL_error(L, "%s: opts.env must be a table", fname);
  if (!has_table && !clear && policy == nullptr) {
    lua_pop(L, 1);
    return;
  }
  spec.has_env = true;
  const int env = lua_gettop(L);
  if (has_table) {
    lua_pushnil(L);
    while (lua_next(L, env)) {
      if (lua_type(L, -2) != LUA_TSTRING || (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER))
        luaL_error(L, "%s: opts.env must map names to strings", fname);
      lua_pushvalue(L, -1);  // tostring a number on a copy, not the key lua_next reads
      const char* name = lua_tostring(L, -3);
      const char* value = lua_tostring(L, -1);
      if (!*name || std::strchr(name, '=')) luaL_error(L, "%s: opts.env has a bad name '%s'", fname, name);
      guarded(L, [&] { spec.env.push_back(std::string(name) + "=" + value); });
      lua_pop(L, 2);
    }
  }
  if (!clear) inherit_env(L, policy, spec);
  lua_pop(L, 1);
}

double field_number(lua_State* L, int opts, const char* key, double fallback, const char* fname) {
  if (lua_isnoneornil(L, opts)) return fallback;
  lua_getfield(L, opts, key);
  double value = fallback;
  if (!lua_isnil(L, -1)) {
    int ok = 0;
    value = lua_tonumberx(L, -1, &ok);
    if (!ok || !(value >= 0) || value > 1e15) luaL_error(L, "%s: opts.%s must be a non-negative number", fname, key);
  }
  lua_pop(L, 1);
  return value;
}

}  // namespace

void parse_spawn(lua_State* L, int cmd_index, int opts_index, bool for_run, double default_grace_ms,
                 const char* fname, SpawnSpec& spec) {
  if (!lua_isnoneornil(L, opts_index) && !lua_istable(L, opts_index))
    luaL_error(L, "%s: opts must be a table", fname);
  parse_command(L, cmd_index, fname, spec);
  if (!lua_isnoneornil(L, opts_index)) {
    lua_getfield(L, opts_index, "cwd");
    if (!lua_isnil(L, -1)) {
      if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: opts.cwd must be a string", fname);
      const char* cwd = lua_tostring(L, -1);
      check_path(L, fname, cwd, PathAccess::read);
      guarded(L, [&] { spec.cwd = cwd; });
      spec.has_cwd = true;
    }
    lua_pop(L, 1);
  }
  parse_env(L, opts_index, fname, spec);
  check_program(L, fname, spec);
  if (for_run) {
    spec.stdio[0] = Stdio::null;
    if (!lua_isnoneornil(L, opts_index)) {
      lua_getfield(L, opts_index, "stdin");
      if (lua_type(L, -1) == LUA_TSTRING) {
        std::size_t len = 0;
        const char* input = lua_tolstring(L, -1, &len);
        guarded(L, [&] { spec.input.assign(input, len); });
        spec.has_input = true;
        spec.stdio[0] = Stdio::pipe;
      } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "%s: opts.stdin must be a string (the program's input)", fname);
      }
      lua_pop(L, 1);
    }
  } else {
    spec.stdio[0] = parse_stdio(L, opts_index, "stdin", 0, false, fname, Stdio::pipe);
  }
  spec.stdio[1] = parse_stdio(L, opts_index, "stdout", 1, for_run, fname, Stdio::pipe);
  spec.stdio[2] = parse_stdio(L, opts_index, "stderr", 2, for_run, fname, Stdio::pipe);
  spec.max_output = static_cast<std::size_t>(
      field_number(L, opts_index, "max_output", static_cast<double>(kDefaultMaxOutput), fname));
  spec.kill_grace_ms = field_number(L, opts_index, "kill_grace_ms", default_grace_ms, fname);
  if (!lua_isnoneornil(L, opts_index)) {
    lua_getfield(L, opts_index, "check");
    spec.check = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
}

int start_process(uv_loop_t* loop, uv_process_t* process, const SpawnSpec& spec, uv_exit_cb on_exit,
                  int parent_fds[3], bool& handle_open) {
  handle_open = false;
  int child_fds[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i) parent_fds[i] = -1;
  auto close_all = [&] {
    for (int i = 0; i < 3; ++i) {
      if (child_fds[i] >= 0) ::close(child_fds[i]);
      child_fds[i] = -1;
    }
  };
  // Pipes of our own rather than UV_CREATE_PIPE: stderr = "stdout" then
  // shares stdout's pipe.
  for (int i = 0; i < 3; ++i) {
    if (spec.stdio[i] != Stdio::pipe) continue;
    uv_file fds[2];
    const int r = i == 0 ? uv_pipe(fds, 0, UV_NONBLOCK_PIPE) : uv_pipe(fds, UV_NONBLOCK_PIPE, 0);
    if (r < 0) {
      close_all();
      for (int j = 0; j < 3; ++j)
        if (parent_fds[j] >= 0) ::close(parent_fds[j]), parent_fds[j] = -1;
      return r;
    }
    parent_fds[i] = i == 0 ? fds[1] : fds[0];
    child_fds[i] = i == 0 ? fds[0] : fds[1];
  }
  uv_stdio_container_t stdio[3];
  for (int i = 0; i < 3; ++i) {
    switch (spec.stdio[i]) {
      case Stdio::pipe:
        stdio[i].flags = UV_INHERIT_FD;
        stdio[i].data.fd = child_fds[i];
        break;
      case Stdio::inherit:
        stdio[i].flags = UV_INHERIT_FD;
        stdio[i].data.fd = i;
        break;
      case Stdio::null:
        stdio[i].flags = UV_IGNORE;
        break;
      case Stdio::to_stdout:
        stdio[i] = stdio[1];
        break;
    }
  }
  std::vector<char*> args;
  std::vector<char*> env;
  bool ok = true;
  try {
    for (const std::string& a : spec.args) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const std::string& e : spec.env) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
  } catch (const std::bad_alloc&) {
    ok = false;
  }
  int r = UV_ENOMEM;
  if (ok) {
    uv_process_options_t options{};
    options.exit_cb = on_exit;
    options.file = spec.file.empty() ? args[0] : spec.file.c_str();
    options.args = args.data();
    options.env = spec.has_env ? env.data() : nullptr;
    options.cwd = spec.has_cwd ? spec.cwd.c_str() : nullptr;
    options.stdio = stdio;
    options.stdio_count = 3;
    // A session of its own makes the child the leader of a new process
    // group, so that termination can reach everything it starts.
    options.flags = UV_PROCESS_DETACHED;
    r = uv_spawn(loop, process, &options);
    handle_open = true;  // even when uv_spawn failed
  }
  close_all();
  if (r < 0) {
    for (int i = 0; i < 3; ++i)
      if (parent_fds[i] >= 0) ::close(parent_fds[i]), parent_fds[i] = -1;
  }
  return r;
}

const char* signal_name(int sig) {
  static thread_local char buf[16];
  const char* abbrev = sigabbrev_np(sig);
  if (!abbrev) {
    std::snprintf(buf, sizeof buf, "SIG%d", sig);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "SIG%s", abbrev);
  return buf;
}

int signal_number(const char* name) {
  if (std::strncmp(name, "SIG", 3) == 0) name += 3;
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev && std::strcmp(abbrev, name) == 0) return sig;
  }
  return 0;
}

}  // namespace lua_batteries::io
