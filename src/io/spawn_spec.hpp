// What std.process.run and std.process.spawn were asked to start (spec
// std-io.md section 2): the command, its options, and how each standard
// descriptor is connected; and the one function that starts it.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lua_batteries::io {

/// How a child's standard descriptor is connected.
enum class Stdio : unsigned char {
  pipe,       ///< a pipe to this process ("capture" of run, "pipe" of spawn)
  inherit,    ///< this process's own descriptor
  null,       ///< /dev/null
  to_stdout,  ///< stderr only: wherever stdout goes
};

constexpr std::size_t kDefaultMaxOutput = 64u * 1024 * 1024;

struct SpawnSpec {
  std::vector<std::string> args;  // args[0] is the program
  std::string cwd;
  std::vector<std::string> env;  // "NAME=value"
  bool has_cwd = false;
  bool has_env = false;
  Stdio stdio[3] = {Stdio::null, Stdio::pipe, Stdio::pipe};
  std::string input;  // run's opts.stdin
  bool has_input = false;
  std::size_t max_output = kDefaultMaxOutput;
  bool check = false;
  double kill_grace_ms = 0;

  std::string command;  // a string cmd, as given
  /// The file to execute when a process policy resolved the program (its
  /// real path, the one the policy allowed); empty: args[0], looked up on
  /// PATH by exec.
  std::string file;

  /// The directory the child starts in, where exec resolves a relative
  /// path; empty: this process's working directory.
  std::string_view start_dir() const { return has_cwd ? std::string_view(cwd) : std::string_view(); }
  /// The program as messages about what it did name it (a string cmd: the
  /// command, which the shell ran).
  const char* program() const { return !command.empty() ? command.c_str() : args.empty() ? "" : args[0].c_str(); }
  /// What was executed, for a failure to start it: args[0] (`/bin/sh` for
  /// a string cmd, which is what could not run).
  const char* executable() const { return args.empty() ? "" : args[0].c_str(); }
};

/// [-0, +0, v] Reads `cmd` (index `cmd_index`) and the options table (at
/// `opts_index`, may be none) into `spec`, and applies the state's
/// process policy, if any (spec std-io.md 7): the program, resolved to its
/// real path (through the host's PATH for a bare name; /bin/sh for a
/// string command), must be allowed, else this raises kind "denied"
/// ("<fname>: access to '<program as given>' denied by policy") and
/// nothing starts; the child then executes that real path, and inherits
/// only the host variables whose names the policy allows (opts.env's
/// own variables are passed as given). `for_run` selects run's options
/// (stdin a string; "capture") rather than spawn's ("pipe"). Raises plain
/// errors naming `fname` for bad arguments. `spec` must be reachable from
/// a Lua object that frees it, since this may raise half-way.
void parse_spawn(lua_State* L, int cmd_index, int opts_index, bool for_run, double default_grace_ms,
                 const char* fname, SpawnSpec& spec);

/// Starts the program (posix_spawn) in a process group of its own (and a
/// session of its own when this process has a controlling terminal), with
/// every signal at its default action. For each
/// descriptor connected by a pipe, `parent_fds[i]` receives this process's
/// end (non-blocking, close-on-exec); the others get -1. Returns a libuv
/// error (nothing is left open) or 0 with the child's `pid`, which the
/// caller must reap (GroupReaper::watch).
int start_process(const SpawnSpec& spec, int& pid, int parent_fds[3]);

/// "KILL" -> 9 and back, for the names Lua sees ("SIGKILL").
const char* signal_name(int sig);
/// 0 when `name` is no signal name.
int signal_number(const char* name);

}  // namespace lua_batteries::io
