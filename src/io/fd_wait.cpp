// std.io.wait_readable / wait_writable: a task waits for a descriptor that
// another library (LuaSocket, cqueues) owns and reads itself, on a libuv
// poll watcher made for the one wait and closed when it ends, however it
// ends, so no watcher outlives it.
//
// libuv allows one poll watcher per descriptor, so the descriptors being
// waited for are kept in a list; a second wait on the same one raises.
#include <cstdio>
#include <new>

#include "io/io_context.hpp"
#include "io/io_error.hpp"
#include "io/stdio.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::io {
namespace {

struct FdWait {
  explicit FdWait(int fd_) : fd(fd_), awaiter(&on_interrupt, this) {}
  static void on_interrupt(Awaiter& a, Interruption);
  void finish();

  int fd;
  uv_poll_t poll{};
  Awaiter awaiter;
  int status = 0;
  FdWait** link = nullptr;  // the list of waits, while this one is in it
  FdWait* next = nullptr;
};

// The waits of one state: a list whose head is in a registry userdata.
const char kWaitsKey = 0;  // its address is the registry key

// [-0, +0, v] The head of L's list.
FdWait*& waits_of(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kWaitsKey);
  auto* head = static_cast<FdWait**>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (!head) luaL_error(L, "std.io: the I/O modules are not installed");
  return *head;
}

void unlink(FdWait& w) {
  if (!w.link) return;
  FdWait** p = w.link;
  while (*p && *p != &w) p = &(*p)->next;
  if (*p) *p = w.next;
  w.link = nullptr;
}

// Stops watching; the memory goes in the close callback.
void FdWait::finish() {
  unlink(*this);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll), [](uv_handle_t* h) { delete static_cast<FdWait*>(h->data); });
}

void FdWait::on_interrupt(Awaiter& a, Interruption) { static_cast<FdWait*>(a.user_data())->finish(); }

void on_ready(uv_poll_t* h, int status, int) {
  auto& w = *static_cast<FdWait*>(h->data);
  uv_poll_stop(h);
  w.status = status;
  w.awaiter.complete();
}

// [-0, +0, v] The descriptor at index 1: an integer, or what its :getfd()
// returns.
int check_fd(lua_State* L, const char* fname) {
  int is_integer = 0;
  lua_Integer fd = lua_tointegerx(L, 1, &is_integer);
  const int type = lua_type(L, 1);
  if (!is_integer && (type == LUA_TTABLE || type == LUA_TUSERDATA)) {
    lua_getfield(L, 1, "getfd");
    if (lua_isfunction(L, -1)) {
      lua_pushvalue(L, 1);
      lua_call(L, 1, 1);
      fd = lua_tointegerx(L, -1, &is_integer);
    }
    lua_pop(L, 1);
  }
  if (!is_integer) luaL_error(L, "%s: expected a descriptor (an integer or an object with :getfd())", fname);
  if (fd < 0 || fd > 0x7fffffff) luaL_error(L, "%s: %d is not an open descriptor", fname, static_cast<int>(fd));
  return static_cast<int>(fd);
}

// The continuation: index 1 holds the wait's light userdata.
int k_wait(lua_State* L, int, lua_KContext ctx) {
  auto* w = static_cast<FdWait*>(lua_touserdata(L, -1));
  const int status = w->status;
  const int fd = w->fd;
  w->finish();
  if (status < 0) {
    char target[16];
    snprintf(target, sizeof target, "fd %d", fd);
    raise_uv_error(L, ctx ? "std.io.wait_writable" : "std.io.wait_readable", "cannot wait for", target, status);
  }
  return 0;
}

int wait_fd(lua_State* L, bool writable) {
  const char* fname = writable ? "std.io.wait_writable" : "std.io.wait_readable";
  const int fd = check_fd(L, fname);
  if (!can_suspend(L)) return luaL_error(L, "%s: cannot suspend here", fname);
  FdWait*& head = waits_of(L);
  for (FdWait* w = head; w; w = w->next)
    if (w->fd == fd) return luaL_error(L, "%s: another task is waiting for descriptor %d", fname, fd);
  auto* w = new (std::nothrow) FdWait(fd);
  if (!w) return luaL_error(L, "not enough memory");
  w->poll.data = w;
  const int r = uv_poll_init(context(L).loop, &w->poll, fd);
  char target[16];
  snprintf(target, sizeof target, "fd %d", fd);
  if (r < 0) {
    delete w;
    raise_uv_error(L, fname, "cannot wait for", target, r);
  }
  const int s = uv_poll_start(&w->poll, writable ? UV_WRITABLE : UV_READABLE, &on_ready);
  if (s < 0) {
    w->finish();
    raise_uv_error(L, fname, "cannot wait for", target, s);
  }
  w->next = head;
  w->link = &head;
  head = w;
  lua_settop(L, 0);
  lua_pushlightuserdata(L, w);
  return await(L, w->awaiter, fname, &k_wait, writable ? 1 : 0);
}

int l_wait_readable(lua_State* L) { return wait_fd(L, false); }
int l_wait_writable(lua_State* L) { return wait_fd(L, true); }

}  // namespace

void init_fd_wait(lua_State* L) {
  auto* head = static_cast<FdWait**>(lua_newuserdatauv(L, sizeof(FdWait*), 0));
  *head = nullptr;
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kWaitsKey);
}

void set_fd_wait_functions(lua_State* L) {
  lua_pushcfunction(L, l_wait_readable);
  lua_setfield(L, -2, "wait_readable");
  lua_pushcfunction(L, l_wait_writable);
  lua_setfield(L, -2, "wait_writable");
}

}  // namespace lua_batteries::io
