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
#include <cstdint>

namespace lua_batteries {

namespace detail {
class ResourceRegistry;
class Runtime;
struct Scope;
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

  /// Waits up to `until_ns` (uv_hrtime) for the completion the resource
  /// expects and delivers it (Awaiter::complete, ...): true if it did,
  /// false to give the loop its turn. It must not call into Lua.
  using PollFn = bool (*)(OwnedResource&, std::uint64_t until_ns);

  /// The resource no longer needs the runtime (it is fully closed, or the
  /// bridge took it back). Idempotent.
  void release();
  bool is_owned() const { return registry_ != nullptr; }
  void* user_data() const { return user_data_; }

  /// For a resource whose completions come within microseconds (a worker
  /// thread running short jobs back to back): from expect_completion()
  /// until completion_arrived(), whenever no task can run, the runtime
  /// calls `poll` instead of giving the loop a turn, so that a task
  /// awaiting job after job goes on without a loop iteration (a poll of
  /// every descriptor) between them. The loop still gets its turn once
  /// per dispatch budget (1 ms), and whenever `poll` returns false; the
  /// bridge must deliver the completion through the loop too (a uv_async).
  /// No effect unless owned.
  void set_poll(PollFn poll) { poll_ = poll; }
  void expect_completion();
  /// Idempotent; also when the resource is released.
  void completion_arrived();

 private:
  friend class detail::ResourceRegistry;
  ShutdownFn on_shutdown_;
  void* user_data_;
  PollFn poll_ = nullptr;
  detail::ResourceRegistry* registry_ = nullptr;
  OwnedResource* prev_ = nullptr;
  OwnedResource* next_ = nullptr;
  OwnedResource* polled_prev_ = nullptr;  // on the registry's list of expected completions
  OwnedResource* polled_next_ = nullptr;
  bool polled_ = false;
};

/// A resource's membership in the scope it was created in (spec std-io.md
/// section 0: nothing outlives its scope). When the scope's body and tasks
/// are done, the runtime calls on_scope_end, and the scope returns only
/// once the resource called finish() (a child process: terminated and
/// reaped). A resource closed before that leaves its scope with detach().
/// Not copyable; destroying it detaches it. Embed it in memory that stays
/// valid while attached: detach at the latest in the Lua object's __gc.
class ScopedResource {
 public:
  /// Called at most once, when the resource's scope ends while it belongs
  /// to it. `hard`: the scope ends by a hard abort; end the resource at
  /// once (the scope does not wait, finish() is not needed). Otherwise the
  /// scope waits for finish(), which may come inside this call. It must
  /// not call into Lua.
  using EndFn = void (*)(ScopedResource&, bool hard);

  explicit ScopedResource(EndFn on_scope_end, void* user_data = nullptr)
      : on_scope_end_(on_scope_end), user_data_(user_data) {}
  ScopedResource(const ScopedResource&) = delete;
  ScopedResource& operator=(const ScopedResource&) = delete;
  ~ScopedResource() { detach(); }

  /// The resource was closed before its scope ended: it no longer belongs
  /// to it. After on_scope_end it counts as finish(). Idempotent.
  void detach();
  /// The resource ended after on_scope_end: its scope may return. Same as
  /// detach().
  void finish() { detach(); }
  /// Whether a scope will end it (or waits for it to end).
  bool is_attached() const { return scope_ != nullptr; }
  void* user_data() const { return user_data_; }

 private:
  friend class detail::Runtime;
  EndFn on_scope_end_;
  void* user_data_;
  detail::Scope* scope_ = nullptr;
  bool ending_ = false;  // on_scope_end was called; the scope waits for it
  ScopedResource* prev_ = nullptr;
  ScopedResource* next_ = nullptr;
};

/// [-0, +0, -] Makes `resource` belong to the innermost scope around the
/// code running in L (a std.task.scope or with_timeout body, or a task
/// spawned into one). Returns false, and nothing happens, in the root
/// scope (top-level code and its tasks: the runtime's shutdown ends what
/// is left there, see own()) and without a runtime.
bool attach_to_scope(lua_State* L, ScopedResource& resource);

/// [-0, +0, -] Hands `resource` to the runtime installed in L's state,
/// until resource.release(). Returns false, and nothing happens, when
/// std.task is not installed there or the runtime is shut down: then the
/// bridge must end the resource itself, now.
bool own(lua_State* L, OwnedResource& resource);

/// How many resources the runtime of L owns right now (for tests and
/// diagnostics); 0 without a runtime. [-0, +0, -]
std::size_t owned_resource_count(lua_State* L);

}  // namespace lua_batteries
