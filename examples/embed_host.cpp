// Embedding lua-batteries in a C++ host, with a bridge of its own.
//
// The host owns the Lua state and the libuv loop, installs std.task, and
// adds `host.fetch(ms, what)`: a C function that suspends the calling task
// until a libuv timer (standing in for real I/O) completes, through the
// await helper. A cancelled or aborted task stops its timer.
//
//   build/embed_host
#include <lua_batteries/task.hpp>

#include <cstdio>
#include <string>

namespace {

// One pending fetch. For every await exactly one of fetch_done (the task
// continues) and on_interrupt (it was cancelled or aborted) runs; that one
// releases the Fetch. Its memory goes in the timer's close callback.
struct Fetch {
  explicit Fetch(std::string what_) : awaiter(&Fetch::on_interrupt, this), what(std::move(what_)) {}

  static void on_timer(uv_timer_t* timer) {
    auto* fetch = static_cast<Fetch*>(timer->data);
    fetch->result = "contents of " + fetch->what;
    fetch->awaiter.complete();
  }
  static void on_interrupt(lua_batteries::Awaiter& awaiter, lua_batteries::Interruption) {
    static_cast<Fetch*>(awaiter.user_data())->release();
  }
  void release() {
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), [](uv_handle_t* h) { delete static_cast<Fetch*>(h->data); });
  }

  uv_timer_t timer{};
  lua_batteries::Awaiter awaiter;
  std::string what;
  std::string result;
};

// The task continues here once the timer completed: [-0, +1, m]
int fetch_done(lua_State* L, int /*status*/, lua_KContext ctx) {
  auto* fetch = reinterpret_cast<Fetch*>(ctx);
  lua_pushlstring(L, fetch->result.data(), fetch->result.size());
  fetch->release();
  return 1;
}

// host.fetch(ms, what) -> string; suspends the calling task.
int host_fetch(lua_State* L) {
  const lua_Integer ms = luaL_checkinteger(L, 1);
  const char* what = luaL_checkstring(L, 2);
  auto* loop = static_cast<uv_loop_t*>(lua_touserdata(L, lua_upvalueindex(1)));
  auto* fetch = new Fetch(what);
  uv_timer_init(loop, &fetch->timer);
  fetch->timer.data = fetch;
  uv_timer_start(&fetch->timer, &Fetch::on_timer, static_cast<uint64_t>(ms < 0 ? 0 : ms), 0);
  // Raises (and releases nothing) only where the task cannot suspend or is
  // already cancelled; on_interrupt covers the second case.
  return lua_batteries::await(L, fetch->awaiter, "host.fetch", fetch_done, reinterpret_cast<lua_KContext>(fetch));
}

const char* const kScript = R"(
  local task = std.task
  local ok, err = pcall(task.with_timeout, 150, function(s)
    for _, spec in ipairs({ { 20, "a.txt" }, { 60, "b.txt" }, { 500, "slow.txt" } }) do
      s:spawn(function() print("fetched: " .. host.fetch(spec[1], spec[2])) end)
    end
  end, { grace_ms = 0 })
  print("with_timeout: " .. tostring(err))
)";

}  // namespace

int main() {
  uv_loop_t loop;
  uv_loop_init(&loop);
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  lua_batteries::register_task(L, &loop);
  lua_newtable(L);
  lua_pushlightuserdata(L, &loop);
  lua_pushcclosure(L, host_fetch, 1);
  lua_setfield(L, -2, "fetch");
  lua_setglobal(L, "host");

  const lua_batteries::RunResult result = lua_batteries::run_string(L, kScript, "=embed_host");
  if (result.status != lua_batteries::RunResult::Status::ok) std::fprintf(stderr, "%s\n", result.message.c_str());
  lua_close(L);
  uv_run(&loop, UV_RUN_DEFAULT);  // close callbacks free the runtime's and the bridge's handles
  const bool closed = uv_loop_close(&loop) == 0;
  if (!closed) std::fprintf(stderr, "embed_host: libuv handles left open\n");
  return closed ? result.exit_code() : 1;
}
