#include "io/policy_gate.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "io/io_error.hpp"

namespace lua_batteries::io {
namespace {

const char kPolicyKey = 0;  // its address keys the registry slot

int policy_gc(lua_State* L) {
  auto** slot = static_cast<Policy**>(lua_touserdata(L, 1));
  delete *slot;
  *slot = nullptr;
  return 0;
}

// Whether `fd_or_error` (of open_beneath) says the path stays beneath its
// root; closes a descriptor.
bool stays(int fd_or_error) {
  if (fd_or_error >= 0) ::close(fd_or_error);
  return !Sandbox::is_escape(fd_or_error);
}

// The Sandbox's verdict on a path another library opens by name: beneath
// a root by its text, and as things are on disk now (the path, or for one
// that does not exist yet its parent, resolves beneath the root).
bool sandbox_allows(const Sandbox& sandbox, const char* path, PathAccess access) {
  const auto where = sandbox.locate(path, access);
  if (!where) return false;
  const int fd = Sandbox::open_beneath(*where, O_PATH);
  if (fd != -ENOENT) return stays(fd);
  const auto slash = where->relative.rfind('/');
  if (slash == std::string::npos) return true;  // its parent is the root
  return stays(Sandbox::open_beneath({where->dir_fd, where->relative.substr(0, slash)}, O_PATH));
}

}  // namespace

void set_policy(lua_State* L, const Policy& policy) {
  auto** slot = static_cast<Policy**>(lua_newuserdatauv(L, sizeof(Policy*), 0));
  *slot = nullptr;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, policy_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  Policy* copy = nullptr;
  try {
    copy = new Policy(policy);
  } catch (const std::bad_alloc&) {
  }
  if (copy == nullptr) luaL_error(L, "not enough memory");
  *slot = copy;
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kPolicyKey);
}

const Policy& policy_of(lua_State* L) {
  static const Policy kAllowAll;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kPolicyKey);
  auto** slot = static_cast<Policy**>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return slot != nullptr && *slot != nullptr ? **slot : kAllowAll;
}

bool path_allowed(lua_State* L, const char* path, PathAccess access) {
  const PathPolicy* paths = policy_of(L).paths.get();
  if (paths == nullptr) return true;
  const Sandbox* sandbox = paths->as_sandbox();
  return sandbox != nullptr ? sandbox_allows(*sandbox, path, access) : paths->allows(path, access);
}

void check_path(lua_State* L, const char* op, const char* path, PathAccess access) {
  if (policy_of(L).paths == nullptr) return;
  bool allowed = false, out_of_memory = false;
  try {
    allowed = path_allowed(L, path, access);
  } catch (const std::bad_alloc&) {
    out_of_memory = true;
  }
  if (out_of_memory) luaL_error(L, "not enough memory");
  if (!allowed) raise_denied(L, op, path);
}

}  // namespace lua_batteries::io
