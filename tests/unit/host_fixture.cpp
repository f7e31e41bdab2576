// The host API test fixture (host_fixture.hpp) and the C functions it
// registers into every test's Lua state:
//
//   closed()            bumps close_count_ (for __close handlers)
//   started()           bumps started_count_
//   tick()              bumps tick_count_
//   arm()               runs the test's on_arm_ from a 0 ms uv timer
//   probe(label)        records current_task / effective_token
//   cancel_effective()  cancels effective_token(L) from C++
//   hold()              keeps effective_token(L) in held_tokens_
//   wait_ms(ms, v)      awaits a uv timer; returns v (await helper)
//   wait_ready(v)       awaits an operation completed before the await
//   wait_forever()      awaits an operation nobody completes
//   deferred_wait(ms, wind_down_ms [, "happened" | "interrupted"])
//                       awaits a uv timer with deferred cancel; returns
//                       "completed" (TimerOp says how it ends)
//   op_count()          how many operations the bridge started
//   cancel_waiting(wait, ...)  (Lua) calls wait(...) in a task of a new
//                       scope, cancels the scope once the task is inside
//                       the wait; returns what pcall of the wait returned
//
// Lua is the C build: these functions raise only before any C++ object
// with a destructor is alive in their frame.
#include "host_fixture.hpp"

#include <cstring>

namespace host_test {

HostTest* HostTest::current = nullptr;

namespace {

HostTest& fixture() { return *HostTest::current; }

int l_closed(lua_State*) {
  ++fixture().close_count_;
  return 0;
}

int l_started(lua_State*) {
  ++fixture().started_count_;
  return 0;
}

int l_tick(lua_State* L) {
  lua_pushinteger(L, ++fixture().tick_count_);
  return 1;
}

int l_arm(lua_State*) {
  fixture().after_ms(0, [] {
    if (fixture().on_arm_) fixture().on_arm_();
  });
  return 0;
}

void record_probe(lua_State* L, const char* label) {
  Probe p;
  p.label = label;
  p.task = lb::current_task(L);
  p.task_number = lb::current_task_number(L);
  const lb::CancelTokenRef token = lb::effective_token(L);
  p.has_token = static_cast<bool>(token);
  p.token_cancelled = token.is_cancelled();
  fixture().probes_.push_back(std::move(p));
}

int l_probe(lua_State* L) {
  const char* label = luaL_checkstring(L, 1);  // may raise: nothing alive yet
  record_probe(L, label);
  return 0;
}

void cancel_effective(lua_State* L) { lb::effective_token(L).cancel(); }

int l_cancel_effective(lua_State* L) {
  cancel_effective(L);
  return 0;
}

void hold_token(lua_State* L) { fixture().held_tokens_.push_back(lb::effective_token(L)); }

int l_hold(lua_State* L) {
  hold_token(L);
  return 0;
}

// The continuation of every wait: the value the script passed in.
int k_wait(lua_State* L, int status, lua_KContext ctx) {
  ++fixture().k_calls_;
  EXPECT_EQ(status, LUA_YIELD);
  lua_pushvalue(L, static_cast<int>(ctx));
  return 1;
}

void on_op_timer(uv_timer_t* timer) { static_cast<TimerOp*>(timer->data)->finish(); }

TimerOp* start_timer_op(lua_Integer ms) {
  TimerOp* op = fixture().new_op();
  uv_timer_start(&op->timer, &on_op_timer, static_cast<std::uint64_t>(ms), 0);
  return op;
}

int l_wait_ms(lua_State* L) {
  const lua_Integer ms = luaL_checkinteger(L, 1);
  luaL_checkany(L, 2);
  TimerOp* op = start_timer_op(ms);
  return lb::await(L, op->awaiter, "test.wait", &k_wait, 2);
}

TimerOp* ready_op() {
  TimerOp* op = fixture().new_op();
  op->awaiter.complete();
  op->close();  // no timer needed: the completion is already there
  return op;
}

int l_wait_ready(lua_State* L) {
  luaL_checkany(L, 1);
  TimerOp* op = ready_op();
  return lb::await(L, op->awaiter, "test.wait", &k_wait, 1);
}

int l_wait_forever(lua_State* L) {
  lua_settop(L, 0);
  lua_pushliteral(L, "never");
  TimerOp* op = fixture().new_op();
  return lb::await(L, op->awaiter, "test.wait", &k_wait, 1);
}

int l_deferred_wait(lua_State* L) {
  const lua_Integer ms = luaL_checkinteger(L, 1);
  const lua_Integer wind_down = luaL_checkinteger(L, 2);
  const char* how = luaL_optstring(L, 3, "as_it_went");
  lua_settop(L, 0);
  lua_pushliteral(L, "completed");
  TimerOp* op = fixture().new_op();
  op->awaiter.set_cancel_mode(lb::CancelMode::deferred);
  op->wind_down_ms = static_cast<std::uint64_t>(wind_down);
  op->outcome = std::strcmp(how, "happened") == 0      ? DeferredOutcome::happened
                : std::strcmp(how, "interrupted") == 0 ? DeferredOutcome::interrupted
                                                       : DeferredOutcome::as_it_went;
  uv_timer_start(&op->timer, &on_op_timer, static_cast<std::uint64_t>(ms), 0);
  return lb::await(L, op->awaiter, "test.deferred", &k_wait, 1);
}

int l_op_count(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(fixture().ops_.size()));
  return 1;
}

// The test bridge's helpers written in Lua.
constexpr const char* kLuaHelpers = R"(
  function cancel_waiting(wait, ...)
    local t = std.task
    local args = table.pack(...)
    local result
    t.scope(function(s)
      local waiting = false
      s:spawn(function()
        waiting = true  -- nothing suspends between here and the wait
        result = table.pack(pcall(wait, table.unpack(args, 1, args.n)))
      end)
      while not waiting do t.yield() end
      s:cancel()
    end)
    return table.unpack(result, 1, result.n)
  end
)";

void on_test_timer(uv_timer_t* handle) {
  auto* t = static_cast<TestTimer*>(handle->data);
  t->closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(handle), nullptr);
  if (t->fn) t->fn();
}

void describe_handle(uv_handle_t* handle, void*) {
  ADD_FAILURE() << "open libuv handle left on the loop: " << uv_handle_type_name(uv_handle_get_type(handle))
                << (uv_is_active(handle) ? " (active)" : "") << (uv_is_closing(handle) ? " (closing)" : "");
}

}  // namespace

void TimerOp::on_interrupt(lb::Awaiter& a, lb::Interruption why) {
  auto* op = static_cast<TimerOp*>(a.user_data());
  op->interrupts.push_back(why);
  if (why != lb::Interruption::cancel_requested) {
    op->close();  // the wait is over
    return;
  }
  op->cancel_requested_at = uv_hrtime();
  EXPECT_TRUE(a.cancel_requested());
  if (op->wind_down_ms == 0) {
    op->finish();
    return;
  }
  uv_timer_start(&op->timer, &on_op_timer, op->wind_down_ms, 0);
}

void TimerOp::finish() {
  fired = true;
  completed_at = uv_hrtime();
  close();
  const bool interrupted = awaiter.cancel_mode() == lb::CancelMode::deferred &&
                           (outcome == DeferredOutcome::interrupted ||
                            (outcome == DeferredOutcome::as_it_went && cancel_requested_at != 0));
  if (interrupted) {
    awaiter.complete_interrupted();
  } else {
    awaiter.complete();
  }
}

void TimerOp::close() {
  if (closing) return;
  closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
}

void HostTest::SetUp() {
  current = this;
  tokens_at_start_ = lb::detail::CancelToken::live_count();
  ASSERT_EQ(uv_loop_init(&loop_), 0);
  loop_ready_ = true;
  L_ = luaL_newstate();
  ASSERT_NE(L_, nullptr);
  luaL_openlibs(L_);
}

void HostTest::TearDown() {
  if (L_) lua_close(L_);
  L_ = nullptr;
  // The test's own handles (a test that failed early may leave them open).
  for (auto& t : timers_)
    if (!t->closing) {
      t->closing = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&t->handle), nullptr);
    }
  for (auto& op : ops_) op->close();
  if (loop_ready_) {
    uv_run(&loop_, UV_RUN_NOWAIT);
    const int rc = uv_loop_close(&loop_);
    EXPECT_EQ(rc, 0) << "uv_loop_close failed: a handle was left open";
    if (rc != 0) {
      uv_walk(&loop_, &describe_handle, nullptr);
      // Close what is left so the loop can be released.
      uv_walk(&loop_, [](uv_handle_t* h, void*) { if (!uv_is_closing(h)) uv_close(h, nullptr); }, nullptr);
      uv_run(&loop_, UV_RUN_NOWAIT);
      uv_loop_close(&loop_);
    }
  }
  held_tokens_.clear();  // each kept its token alive past lua_close
  EXPECT_EQ(lb::detail::CancelToken::live_count(), tokens_at_start_) << "a cancel token leaked";
  current = nullptr;
}

void HostTest::install(lb::Config config, bool observe) {
  if (observe) config.observer = &observer_;
  lb::register_with(L_, &loop_, config);
  add_function("closed", l_closed);
  add_function("started", l_started);
  add_function("tick", l_tick);
  add_function("arm", l_arm);
  add_function("probe", l_probe);
  add_function("cancel_effective", l_cancel_effective);
  add_function("hold", l_hold);
  add_function("wait_ms", l_wait_ms);
  add_function("wait_ready", l_wait_ready);
  add_function("wait_forever", l_wait_forever);
  add_function("deferred_wait", l_deferred_wait);
  add_function("op_count", l_op_count);
  ASSERT_EQ(exec(kLuaHelpers), "");
}

void HostTest::add_function(const char* name, lua_CFunction fn) {
  lua_pushcfunction(L_, fn);
  lua_setglobal(L_, name);
}

lb::RunResult HostTest::run(const std::string& code) {
  const lb::RunResult result = lb::run_string(L_, code, "=test");
  EXPECT_EQ(lua_gettop(L_), 0) << "run_string left values on the stack";
  expect_loop_idle();
  return result;
}

std::string HostTest::exec(const std::string& code) {
  if (luaL_dostring(L_, code.c_str()) == LUA_OK) {
    lua_settop(L_, 0);
    return "";
  }
  const char* text = lua_tostring(L_, -1);
  std::string error = text ? text : "(error object)";
  lua_settop(L_, 0);
  return error.empty() ? "(empty error)" : error;
}

std::string HostTest::global_string(const char* name) {
  lua_getglobal(L_, name);
  const char* s = lua_tostring(L_, -1);
  std::string value = s ? s : "(nil or not a string)";
  lua_pop(L_, 1);
  return value;
}

lua_Integer HostTest::global_integer(const char* name) {
  lua_getglobal(L_, name);
  const lua_Integer value = lua_tointeger(L_, -1);
  lua_pop(L_, 1);
  return value;
}

bool HostTest::global_boolean(const char* name) {
  lua_getglobal(L_, name);
  const bool value = lua_toboolean(L_, -1);
  lua_pop(L_, 1);
  return value;
}

bool HostTest::global_is_nil(const char* name) {
  const bool nil = lua_getglobal(L_, name) == LUA_TNIL;
  lua_pop(L_, 1);
  return nil;
}

void HostTest::after_ms(std::uint64_t ms, std::function<void()> fn) {
  auto t = std::make_unique<TestTimer>();
  uv_timer_init(&loop_, &t->handle);
  t->handle.data = t.get();
  t->fn = std::move(fn);
  uv_timer_start(&t->handle, &on_test_timer, ms, 0);
  timers_.push_back(std::move(t));
}

TimerOp* HostTest::new_op() {
  auto op = std::make_unique<TimerOp>();
  uv_timer_init(&loop_, &op->timer);
  op->timer.data = op.get();
  ops_.push_back(std::move(op));
  return ops_.back().get();
}

void HostTest::expect_loop_idle() {
  EXPECT_EQ(uv_run(&loop_, UV_RUN_NOWAIT), 0) << "a libuv handle keeps the loop alive";
}

}  // namespace host_test
