#include "io/spawn_spec.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "core/path_search.hpp"
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
    // exec resolves a relative path from the child's cwd.
    const auto real = canonical_program(spec.args[0], spec.start_dir());
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

namespace {

// The program to execute for a spec with an environment of its own: as
// execvp would find it in the child, on the child's PATH and from the
// child's cwd, since posix_spawnp would search the parent's PATH.
detail::PathMatch find_in_child_path(const SpawnSpec& spec) {
  const char* path = nullptr;
  for (const std::string& e : spec.env)
    if (e.compare(0, 5, "PATH=") == 0) path = e.c_str() + 5;
  return detail::search_path(path, spec.args[0], spec.start_dir());
}

// posix_spawn's attributes and file actions, destroyed with it.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  bool ok = false;
  SpawnSetup() {
    if (posix_spawnattr_init(&attr) != 0) return;
    if (posix_spawn_file_actions_init(&actions) != 0) {
      posix_spawnattr_destroy(&attr);
      return;
    }
    ok = true;
  }
  ~SpawnSetup() {
    if (!ok) return;
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

// Fills `setup` for `spec` with the child's ends of its pipes; returns a
// positive errno, or 0.
int prepare(SpawnSetup& setup, const SpawnSpec& spec, const int child_fds[3]) {
  // The child leads a process group of its own, so that termination can
  // reach everything it starts. Every signal back to its default action
  // (an ignored SIGPIPE is not inherited) and none blocked, as a fresh
  // program expects.
  sigset_t all, none;
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  sigemptyset(&none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  // With a controlling terminal, a session of its own too: a program in a
  // background group of this session would be stopped (SIGTTIN) when it
  // reads the terminal; in a session without one it cannot. Without one,
  // the group is enough, and cheaper: with the scheduler's autogroups a
  // session costs a scheduling group made and freed per child.
  const int tty = ::open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
  if (tty >= 0) {
    ::close(tty);
    flags |= POSIX_SPAWN_SETSID;
  } else {
    flags |= POSIX_SPAWN_SETPGROUP;  // group 0: the child's own pid
  }
  int r = posix_spawnattr_setflags(&setup.attr, flags);
  if (r == 0 && !(flags & POSIX_SPAWN_SETSID)) r = posix_spawnattr_setpgroup(&setup.attr, 0);
  if (r == 0) r = posix_spawnattr_setsigdefault(&setup.attr, &all);
  if (r == 0) r = posix_spawnattr_setsigmask(&setup.attr, &none);
  if (r == 0 && spec.has_cwd) r = posix_spawn_file_actions_addchdir_np(&setup.actions, spec.cwd.c_str());
  for (int i = 0; i < 3 && r == 0; ++i) {
    switch (spec.stdio[i]) {
      case Stdio::pipe: r = posix_spawn_file_actions_adddup2(&setup.actions, child_fds[i], i); break;
      case Stdio::inherit: r = posix_spawn_file_actions_adddup2(&setup.actions, i, i); break;  // clears close-on-exec
      case Stdio::null:
        r = posix_spawn_file_actions_addopen(&setup.actions, i, "/dev/null", i == 0 ? O_RDONLY : O_RDWR, 0);
        break;
      case Stdio::to_stdout: r = posix_spawn_file_actions_adddup2(&setup.actions, 1, 2); break;
    }
  }
  return r;
}

}  // namespace

int start_process(const SpawnSpec& spec, int& pid, int parent_fds[3]) {
  pid = 0;
  int child_fds[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i) parent_fds[i] = -1;
  auto close_all = [&](bool parents_too) {
    for (int i = 0; i < 3; ++i) {
      if (child_fds[i] >= 0) ::close(child_fds[i]);
      child_fds[i] = -1;
      if (parents_too && parent_fds[i] >= 0) ::close(parent_fds[i]), parent_fds[i] = -1;
    }
  };
  // Pipes of our own: stderr = "stdout" then shares stdout's pipe. The
  // child's ends go above 2, so that no dup2 onto 0..2 overwrites one not
  // yet placed (they are 0..2 only when this process closed its own).
  for (int i = 0; i < 3; ++i) {
    if (spec.stdio[i] != Stdio::pipe) continue;
    uv_file fds[2];
    int r = i == 0 ? uv_pipe(fds, 0, UV_NONBLOCK_PIPE) : uv_pipe(fds, UV_NONBLOCK_PIPE, 0);
    if (r < 0) {
      close_all(true);
      return r;
    }
    parent_fds[i] = i == 0 ? fds[1] : fds[0];
    child_fds[i] = i == 0 ? fds[0] : fds[1];
    if (child_fds[i] < 3) {
      const int moved = ::fcntl(child_fds[i], F_DUPFD_CLOEXEC, 3);
      r = moved < 0 ? -errno : 0;
      ::close(child_fds[i]);
      child_fds[i] = moved;
      if (r < 0) {
        close_all(true);
        return r;
      }
    }
  }
  std::vector<char*> args;
  std::vector<char*> env;
  detail::PathMatch found;
  int err = ENOMEM;
  try {
    for (const std::string& a : spec.args) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const std::string& e : spec.env) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
    // A program a process policy resolved and allowed runs from its real path.
    const bool search = spec.file.empty() && spec.args[0].find('/') == std::string::npos;
    if (search && spec.has_env) found = find_in_child_path(spec);
    SpawnSetup setup;
    err = setup.ok ? prepare(setup, spec, child_fds) : ENOMEM;
    if (err == 0) {
      char* const* envp = spec.has_env ? env.data() : environ;
      pid_t child = 0;
      // posix_spawn runs the child in this process's memory until it execs
      // (CLONE_VM | CLONE_VFORK): no copy of the page tables, which is most
      // of what fork costs a process with many mappings.
      if (search && !spec.has_env)
        err = posix_spawnp(&child, args[0], &setup.actions, &setup.attr, args.data(), envp);
      else if (search && found.program.empty())
        err = found.passed_over ? EACCES : ENOENT;  // as execvp reports it
      else
        err = posix_spawn(&child, !spec.file.empty() ? spec.file.c_str() : search ? found.program.c_str() : args[0],
                          &setup.actions, &setup.attr, args.data(), envp);
      if (err == 0) pid = child;
    }
  } catch (const std::bad_alloc&) {
    err = ENOMEM;
  }
  close_all(err != 0);
  return -err;
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
