// The runner's policy flags (spec std-io.md section 7): --sandbox, the
// Deno-style --allow-* grants and --max-memory, parsed apart from the
// other options, turned into Config::policy, and the Lua standard
// library's unguarded escape hatches closed under a sandbox.
#pragma once

#include <lua.hpp>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lua_batteries/memory_limit.hpp"
#include "lua_batteries/policy.hpp"
#include "lua_batteries/task.hpp"
#include "option_parsing.hpp"

namespace lua_batteries::runner {

/// What the policy flags ask for.
struct PolicyOptions {
  /// --sandbox, or any --allow-* (a grant names what is allowed, so
  /// everything else is not, as with Deno).
  bool sandbox = false;
  std::vector<std::string> read_roots;   ///< --allow-read DIR
  std::vector<std::string> write_roots;  ///< --allow-write DIR (read too)
  std::vector<NetEndpoint> connect;      ///< --allow-net HOST[:PORT]
  std::vector<NetEndpoint> listen;       ///< --allow-listen ADDR[:PORT]
  std::vector<std::string> programs;     ///< --allow-run PROGRAM, real paths
  std::set<std::string, std::less<>> env_names;  ///< --allow-env NAME
  std::size_t max_memory_mb = 0;         ///< --max-memory MB; 0: no limit
};

/// Handles the policy option at argv[i], if it is one ("--name value" or
/// "--name=value"): advances `i` past its value and returns true, with
/// `error` set when the option is malformed (with the usage text when its
/// value is missing). Returns false for any other argument.
bool parse_policy_option(int argc, char** argv, int& i, PolicyOptions& options, std::optional<UsageError>& error);

/// Fills config.policy from the options (nothing when not sandboxed).
/// Throws std::system_error when a root cannot be opened.
void apply_policy(const PolicyOptions& options, Config& config);

/// [-0, +0, e] Under a sandbox, after the libraries are open: removes
/// `io`, `debug`, os.execute/remove/rename/tmpname, package.loadlib,
/// package.cpath's searchers and the file searcher, loadfile and dofile;
/// makes `load` text-only; os.getenv reads only --allow-env names. Call
/// it from protected mode.
int close_escape_hatches(lua_State* L);

/// The help text of the policy options.
extern const char* const kPolicyUsage;

}  // namespace lua_batteries::runner
