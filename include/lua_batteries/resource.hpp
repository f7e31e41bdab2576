// lua-batteries: OS resources the runtime owns (spec std-io.md 6b).
//
// A host bridge's resource (a child process, a socket, any libuv handle)
// can outlive the task that waited on it and the Lua object that made it:
// a killed process must still be reaped, a closed handle's close callback
// must still run. The bridge keeps such a resource in C++ memory it frees
// itself (in the last close callback) and embeds an OwnedResource in it,
// handed to the runtime with own(). If the runtime shuts down (lua_close,
// shutdown()) while the resource is still owned, it calls on_shutdown:
// the bridge ends the resource there and then, without waiting for the
// loop (kill and reap the process, uv_close the handles), so that after
// lua_close one uv_run(loop, UV_RUN_NOWAIT) runs the last close callbacks
// and uv_loop_close succeeds.
//
// Threading: the loop thread only, as the rest of the host API.
#pragma once

#include <lua.hpp>

#include <cstddef>

namespace lua_batteries {

namespace detail {
class ResourceRegistry;
}

/// A resource's membership in its runtime's registry. Not copyable; it
/// leaves the registry when destroyed.
class OwnedResource {
 public:
  /// Called at most once, when the runtime shuts down while the resource
  /// is owned; it is no longer owned when called, and may be destroyed
  /// inside the call. It must not call into Lua.
  using ShutdownFn = void (*)(OwnedResource&);

  explicit OwnedResource(ShutdownFn on_shutdown, void* user_data = nullptr)
      : on_shutdown_(on_shutdown), user_data_(user_data) {}
  OwnedResource(const OwnedResource&) = delete;
  OwnedResource& operator=(const OwnedResource&) = delete;
  ~OwnedResource() { release(); }

  /// The resource no longer needs the runtime (it is fully closed, or the
  /// bridge took it back). Idempotent.
  void release();
  bool is_owned() const { return registry_ != nullptr; }
  void* user_data() const { return user_data_; }

 private:
  friend class detail::ResourceRegistry;
  ShutdownFn on_shutdown_;
  void* user_data_;
  detail::ResourceRegistry* registry_ = nullptr;
  OwnedResource* prev_ = nullptr;
  OwnedResource* next_ = nullptr;
};

/// [-0, +0, -] Hands `resource` to the runtime installed in L's state,
/// until resource.release(). Returns false, and nothing happens, when
/// std.task is not installed there or the runtime is shut down: then the
/// bridge must end the resource itself, now.
bool own(lua_State* L, OwnedResource& resource);

/// How many resources the runtime of L owns right now (for tests and
/// diagnostics); 0 without a runtime. [-0, +0, -]
std::size_t owned_resource_count(lua_State* L);

}  // namespace lua_batteries
