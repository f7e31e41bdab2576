#include "policy_options.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

namespace lua_batteries::runner {
namespace {

constexpr std::size_t kMaxMemoryMb = std::size_t{1} << 30;  // 1 PiB: beyond any machine

std::optional<std::size_t> parse_megabytes(const char* text) {
  if (*text < '0' || *text > '9') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text, &end, 10);
  if (*end != '\0' || errno == ERANGE || n == 0 || n > kMaxMemoryMb) return std::nullopt;
  return static_cast<std::size_t>(n);
}

// os.getenv under a sandbox: upvalue 1 is the set of names allowed (a
// table name -> true), upvalue 2 the original os.getenv.
int guarded_getenv(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  lua_pushvalue(L, 1);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TBOOLEAN)
    return luaL_error(L, "os.getenv: access to '%s' denied by policy", name);
  lua_settop(L, 1);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_insert(L, 1);
  lua_call(L, 1, 1);
  return 1;
}

// load under a sandbox: the original load (upvalue 1) in text-only mode.
int text_only_load(lua_State* L) {
  lua_settop(L, 4);
  lua_pushliteral(L, "t");
  lua_replace(L, 3);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 4, LUA_MULTRET);
  return lua_gettop(L);
}

// [-0, +0, e] t[key] = nil for the table global `table`, if it exists.
void remove_field(lua_State* L, const char* table, const char* key) {
  if (lua_getglobal(L, table) == LUA_TTABLE) {
    lua_pushnil(L);
    lua_setfield(L, -2, key);
  }
  lua_pop(L, 1);
}

// [-0, +0, e] Removes global `name` and package.loaded[name].
void remove_library(lua_State* L, const char* name) {
  lua_pushnil(L);
  lua_setglobal(L, name);
  if (lua_getglobal(L, "package") == LUA_TTABLE && lua_getfield(L, -1, "loaded") == LUA_TTABLE) {
    lua_pushnil(L);
    lua_setfield(L, -2, name);
  }
  lua_settop(L, 0);
}

}  // namespace

const char* const kPolicyUsage =
    "  --sandbox         nothing allowed: no files, network or processes, and\n"
    "                    no io, debug, os.execute/remove/rename/tmpname/getenv,\n"
    "                    package.loadlib, C modules, loadfile, dofile, require\n"
    "                    of files or binary chunks in load; any --allow-*\n"
    "                    below implies it\n"
    "  --allow-read DIR  read and list beneath DIR (may be repeated)\n"
    "  --allow-write DIR read, write and remove beneath DIR\n"
    "  --allow-net HOST[:PORT]   connect to HOST (std.net, std.http)\n"
    "  --allow-listen ADDR[:PORT] listen on ADDR (std.net)\n"
    "  --allow-run PROGRAM       start PROGRAM (a path, or a name on $PATH)\n"
    "  --allow-env NAME  os.getenv(NAME), and children get NAME\n"
    "  --max-memory MB   the Lua state holds at most MB megabytes; beyond,\n"
    "                    allocations fail with 'not enough memory'\n";

bool parse_policy_option(int argc, char** argv, int& i, PolicyOptions& options, std::optional<UsageError>& error) {
  const std::string_view arg = argv[i];
  if (arg == "--sandbox") {
    options.sandbox = true;
    return true;
  }
  const char* value = nullptr;
  auto needs = [&](std::string_view name) {
    error = missing_value(name);
    return true;
  };
  if (match_valued_option(argc, argv, i, "--max-memory", value)) {
    if (value == nullptr) return needs("--max-memory");
    const auto mb = parse_megabytes(value);
    if (!mb)
      error = UsageError{std::string("invalid value '") + value +
                         "' for --max-memory (expected megabytes: a whole number from 1)"};
    else
      options.max_memory_mb = *mb;
    return true;
  }
  for (const char* name : {"--allow-read", "--allow-write"}) {
    if (!match_valued_option(argc, argv, i, name, value)) continue;
    if (value == nullptr) return needs(name);
    if (*value == '\0') {
      error = UsageError{std::string("empty directory for ") + name};
      return true;
    }
    (std::strcmp(name, "--allow-read") == 0 ? options.read_roots : options.write_roots).emplace_back(value);
    options.sandbox = true;
    return true;
  }
  for (const char* name : {"--allow-net", "--allow-listen"}) {
    if (!match_valued_option(argc, argv, i, name, value)) continue;
    if (value == nullptr) return needs(name);
    auto endpoint = NetEndpoint::parse(value);
    if (!endpoint) {
      error = UsageError{std::string("invalid value '") + value + "' for " + name +
                         " (expected HOST, HOST:PORT or [IPv6]:PORT)"};
      return true;
    }
    (std::strcmp(name, "--allow-net") == 0 ? options.connect : options.listen).push_back(std::move(*endpoint));
    options.sandbox = true;
    return true;
  }
  if (match_valued_option(argc, argv, i, "--allow-run", value)) {
    if (value == nullptr) return needs("--allow-run");
    auto program = canonical_program(value);
    if (!program) {
      error = UsageError{std::string("no program '") + value + "' for --allow-run (not a path to one, nor on $PATH)"};
      return true;
    }
    options.programs.push_back(std::move(*program));
    options.sandbox = true;
    return true;
  }
  if (match_valued_option(argc, argv, i, "--allow-env", value)) {
    if (value == nullptr) return needs("--allow-env");
    if (*value == '\0' || std::strchr(value, '=') != nullptr) {
      error = UsageError{std::string("invalid name '") + value + "' for --allow-env"};
      return true;
    }
    options.env_names.emplace(value);
    options.sandbox = true;
    return true;
  }
  return false;
}

void apply_policy(const PolicyOptions& options, Config& config) {
  if (!options.sandbox) return;
  std::vector<Sandbox::Root> roots;
  for (const std::string& dir : options.read_roots) roots.push_back({dir, Sandbox::Mode::read_only});
  for (const std::string& dir : options.write_roots) roots.push_back({dir, Sandbox::Mode::read_write});
  config.policy.paths = std::make_shared<const Sandbox>(roots);

  auto net = std::make_shared<NetAllowList>();
  net->connect = options.connect;
  net->listen = options.listen;
  config.policy.net = std::move(net);

  auto process = std::make_shared<ProcessAllowList>();
  process->programs = options.programs;
  process->env_names = options.env_names;
  config.policy.process = std::move(process);

  // The modules whose grants were given; the others have nothing to do.
  std::set<std::string, std::less<>> modules{"fs", "io", "json", "sql", "kv"};
  if (!options.programs.empty()) modules.insert("process");
  if (!options.connect.empty() || !options.listen.empty()) modules.insert("net");
  if (!options.connect.empty()) modules.insert("http");
  config.policy.modules = std::move(modules);
}

int close_escape_hatches(lua_State* L) {
  const auto& options = *static_cast<const PolicyOptions*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  remove_library(L, "io");
  remove_library(L, "debug");
  for (const char* f : {"execute", "remove", "rename", "tmpname"}) remove_field(L, "os", f);
  // os.getenv: only the names granted.
  if (lua_getglobal(L, "os") == LUA_TTABLE) {
    lua_createtable(L, 0, static_cast<int>(options.env_names.size()));
    for (const std::string& name : options.env_names) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, name.c_str());
    }
    lua_getfield(L, 1, "getenv");
    lua_pushcclosure(L, guarded_getenv, 2);
    lua_setfield(L, 1, "getenv");
  }
  lua_settop(L, 0);
  // package: no loadlib, no cpath; only package.preload and loaded
  // modules (the file searchers read files the path policy never sees).
  if (lua_getglobal(L, "package") == LUA_TTABLE) {
    lua_pushnil(L);
    lua_setfield(L, 1, "loadlib");
    lua_pushliteral(L, "");
    lua_setfield(L, 1, "cpath");
    lua_pushliteral(L, "");
    lua_setfield(L, 1, "path");
    if (lua_getfield(L, 1, "searchers") == LUA_TTABLE) {
      for (lua_Integer k = luaL_len(L, -1); k >= 2; --k) {
        lua_pushnil(L);
        lua_rawseti(L, -2, k);
      }
    }
  }
  lua_settop(L, 0);
  lua_pushnil(L);
  lua_setglobal(L, "loadfile");
  lua_pushnil(L);
  lua_setglobal(L, "dofile");
  lua_getglobal(L, "load");
  lua_pushcclosure(L, text_only_load, 1);
  lua_setglobal(L, "load");
  return 0;
}

}  // namespace lua_batteries::runner
