// The await helper's deferred cancel (spec std-io.md 6b): on cancellation
// the bridge is told (cancel_requested) and the task keeps waiting until
// the bridge completes. complete_interrupted() (nothing happened): the
// task raises `task cancelled` after on_interrupt(cancelled).
// complete() (it happened after all): the continuation runs and returns,
// and the cancellation is met at the next suspension point. A hard abort
// ends the wait at once.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;
using Interrupts = std::vector<lb::Interruption>;

// How a DeferredOp completes.
enum class Outcome {
  as_it_went,   // interrupted if a cancel came, else happened (a well-behaved bridge)
  happened,     // complete() always: the work finished regardless
  interrupted,  // complete_interrupted() always
};

// A deferred operation: a timer the task waits for. On cancel_requested it
// takes `wind_down_ms` more before it completes (0: completes inside the
// callback), as a killed child takes a while to exit.
struct DeferredOp {
  DeferredOp(uv_loop_t* loop, std::uint64_t wind_down, Outcome how)
      : awaiter(&DeferredOp::on_interrupt, this, lb::CancelMode::deferred), wind_down_ms(wind_down), outcome(how) {
    uv_timer_init(loop, &timer);
    timer.data = this;
  }
  static void on_timer(uv_timer_t* t) { static_cast<DeferredOp*>(t->data)->finish(); }
  void finish() {
    uv_timer_stop(&timer);
    completed_at = uv_hrtime();
    const bool interrupted = outcome == Outcome::interrupted || (outcome == Outcome::as_it_went && cancel_requested_at);
    if (interrupted) {
      awaiter.complete_interrupted();
    } else {
      awaiter.complete();
    }
  }
  static void on_interrupt(lb::Awaiter& a, lb::Interruption why) {
    auto* op = static_cast<DeferredOp*>(a.user_data());
    op->interrupts.push_back(why);
    if (why != lb::Interruption::cancel_requested) {
      uv_timer_stop(&op->timer);  // the wait is over
      return;
    }
    op->cancel_requested_at = uv_hrtime();
    EXPECT_TRUE(a.cancel_requested());
    if (op->wind_down_ms == 0) {
      op->finish();
      return;
    }
    uv_timer_start(&op->timer, &DeferredOp::on_timer, op->wind_down_ms, 0);
  }
  void close() {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer)))
      uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  }

  uv_timer_t timer{};
  lb::Awaiter awaiter;
  std::uint64_t wind_down_ms;
  Outcome outcome;
  Interrupts interrupts;
  std::uint64_t cancel_requested_at = 0;
  std::uint64_t completed_at = 0;
};

std::vector<std::unique_ptr<DeferredOp>> g_ops;
int g_k_calls = 0;

int k_deferred(lua_State* L, int, lua_KContext) {
  ++g_k_calls;
  lua_pushliteral(L, "completed");
  return 1;
}

// deferred_wait(ms, wind_down_ms [, "happened" | "interrupted"]):
// completes after ms, or wind_down_ms after a cancel.
int l_deferred_wait(lua_State* L) {
  const lua_Integer ms = luaL_checkinteger(L, 1);
  const lua_Integer wind_down = luaL_checkinteger(L, 2);
  const char* how = luaL_optstring(L, 3, "as_it_went");
  const Outcome outcome = std::strcmp(how, "happened") == 0      ? Outcome::happened
                          : std::strcmp(how, "interrupted") == 0 ? Outcome::interrupted
                                                                 : Outcome::as_it_went;
  g_ops.push_back(
      std::make_unique<DeferredOp>(&HostTest::current->loop_, static_cast<std::uint64_t>(wind_down), outcome));
  DeferredOp* op = g_ops.back().get();
  uv_timer_start(&op->timer, &DeferredOp::on_timer, static_cast<std::uint64_t>(ms), 0);
  return lb::await(L, op->awaiter, "test.deferred", &k_deferred, 0);
}

int l_op_count(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(g_ops.size()));
  return 1;
}

class HostDeferredCancelTest : public HostTest {
 protected:
  void SetUp() override {
    HostTest::SetUp();
    g_ops.clear();
    g_k_calls = 0;
  }
  void TearDown() override {
    if (L_) lua_close(L_);
    L_ = nullptr;
    for (auto& op : g_ops) op->close();
    uv_run(&loop_, UV_RUN_NOWAIT);
    HostTest::TearDown();
    g_ops.clear();
  }
  void install_bridge() {
    install();
    add_function("deferred_wait", l_deferred_wait);
    add_function("op_count", l_op_count);
  }
};

TEST_F(HostDeferredCancelTest, ACancelledTaskWaitsForTheBridgeToCompleteThenRaisesTaskCancelled) {
  install_bridge();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      local waiting = false
      s:spawn(function()
        waiting = true
        local ok, err = pcall(deferred_wait, 3600000, 50)
        result_ok = ok
        result_is_cancelled = t.is_cancelled(err)
        resumed_at = t.now and t.now() or 0
      end)
      while not waiting do t.yield() end
      s:cancel()
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_FALSE(global_boolean("result_ok"));
  EXPECT_TRUE(global_boolean("result_is_cancelled"));
  EXPECT_EQ(g_k_calls, 0);
  ASSERT_EQ(g_ops.size(), 1u);
  EXPECT_EQ(g_ops[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
  // The wait lasted until the bridge's completion, 50 ms after the cancel.
  ASSERT_NE(g_ops[0]->completed_at, 0u);
  EXPECT_GE(g_ops[0]->completed_at - g_ops[0]->cancel_requested_at, 45'000'000u);
  EXPECT_FALSE(g_ops[0]->awaiter.is_waiting());
}

TEST_F(HostDeferredCancelTest, TheScopeDoesNotSettleBeforeTheBridgeCompletes) {
  install_bridge();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      local waiting = false
      s:spawn(function() waiting = true deferred_wait(3600000, 30) end)
      while not waiting do t.yield() end
      s:cancel()
    end)
    scope_returned = true
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("scope_returned"));
  ASSERT_EQ(g_ops.size(), 1u);
  // Completed (and the interrupt delivered) before the scope returned.
  EXPECT_EQ(g_ops[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
}

TEST_F(HostDeferredCancelTest, ABridgeThatCompletesInsideCancelRequestedEndsTheWaitNextTurn) {
  install_bridge();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      local waiting = false
      s:spawn(function()
        waiting = true
        local ok, err = pcall(deferred_wait, 3600000, 0)
        result_is_cancelled = t.is_cancelled(err)
      end)
      while not waiting do t.yield() end
      s:cancel()
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("result_is_cancelled"));
  ASSERT_EQ(g_ops.size(), 1u);
  EXPECT_EQ(g_ops[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
}

TEST_F(HostDeferredCancelTest, AwaitingInAnAlreadyCancelledScopeTellsTheBridgeAndWaitsForIt) {
  install_bridge();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      s:cancel()
      local ok, err = pcall(deferred_wait, 3600000, 20)
      result_is_cancelled = t.is_cancelled(err)
      local ok2, err2 = pcall(deferred_wait, 3600000, 0)
      second_is_cancelled = t.is_cancelled(err2)
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("result_is_cancelled"));
  EXPECT_TRUE(global_boolean("second_is_cancelled"));
  ASSERT_EQ(g_ops.size(), 2u);
  for (const auto& op : g_ops) {
    EXPECT_EQ(op->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
    EXPECT_NE(op->completed_at, 0u);
  }
}

TEST_F(HostDeferredCancelTest, AHardAbortDuringTheDeferredWaitEndsItAtOnce) {
  install_bridge();
  const lb::RunResult r = run(R"(
    local t = std.task
    local h = t.spawn(function()
      local c <close> = setmetatable({}, {__close = function() closed() end})
      t.scope(function(s)
        s:cancel()  -- the wait below starts deferred-cancelled ...
        waiting = true  -- nothing suspends between here and the wait
        deferred_wait(3600000, 3600000)  -- ... and its bridge never completes
      end)
    end)
    while op_count() == 0 do t.yield() end  -- the task is inside its await
    h:abort()
    local ok, err = pcall(h.join, h)
    join_text = tostring(err)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("join_text"), "task aborted");
  EXPECT_EQ(close_count_, 1);
  ASSERT_EQ(g_ops.size(), 1u);
  EXPECT_EQ(g_ops[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::aborted}));
  EXPECT_EQ(g_ops[0]->completed_at, 0u);
}

TEST_F(HostDeferredCancelTest, ACompletionWithoutCancellationRunsTheContinuation) {
  install_bridge();
  const lb::RunResult r = run(R"(
    result = std.task.spawn(function() return deferred_wait(1, 0) end):join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("result"), "completed");
  EXPECT_EQ(g_k_calls, 1);
  ASSERT_EQ(g_ops.size(), 1u);
  EXPECT_TRUE(g_ops[0]->interrupts.empty());
}

TEST_F(HostDeferredCancelTest, AnOperationCompletedAfterTheCancelReturnsAndTheNextSuspensionRaises) {
  install_bridge();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      s:spawn(function()
        result_ok, result = pcall(deferred_wait, 3600000, 20, "happened")
        local ok, err = pcall(t.sleep, 0)
        next_ok, next_is_cancelled = ok, t.is_cancelled(err)
      end)
      while op_count() == 0 do t.yield() end  -- the task is inside its await
      s:cancel()
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("result_ok"));
  EXPECT_EQ(global_string("result"), "completed");
  EXPECT_EQ(g_k_calls, 1);
  EXPECT_FALSE(global_boolean("next_ok"));
  EXPECT_TRUE(global_boolean("next_is_cancelled"));
  ASSERT_EQ(g_ops.size(), 1u);
  // k ran: the wait did not end with on_interrupt(cancelled).
  EXPECT_EQ(g_ops[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested}));
  EXPECT_NE(g_ops[0]->completed_at, 0u);
}

TEST_F(HostDeferredCancelTest, AnOperationCompletedInsideCancelRequestedReturns) {
  install_bridge();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      s:cancel()  -- already cancelled: the bridge hears of it inside await
      result_ok, result = pcall(deferred_wait, 3600000, 0, "happened")
      interrupted_ok, interrupted_err = pcall(deferred_wait, 3600000, 0)
      interrupted_is_cancelled = t.is_cancelled(interrupted_err)
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("result_ok"));
  EXPECT_EQ(global_string("result"), "completed");
  EXPECT_FALSE(global_boolean("interrupted_ok"));
  EXPECT_TRUE(global_boolean("interrupted_is_cancelled"));
  EXPECT_EQ(g_k_calls, 1);
  ASSERT_EQ(g_ops.size(), 2u);
  EXPECT_EQ(g_ops[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested}));
  EXPECT_EQ(g_ops[1]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
}

TEST_F(HostDeferredCancelTest, CompleteInterruptedWithoutACancelRunsTheContinuation) {
  install_bridge();
  const lb::RunResult r = run(R"(
    result = std.task.spawn(function() return deferred_wait(1, 0, "interrupted") end):join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("result"), "completed");
  EXPECT_EQ(g_k_calls, 1);
  ASSERT_EQ(g_ops.size(), 1u);
  EXPECT_TRUE(g_ops[0]->interrupts.empty());
  EXPECT_FALSE(g_ops[0]->awaiter.cancel_requested());
}

TEST_F(HostDeferredCancelTest, AShutdownRequestWaitsForTheBridgeWithinTheGrace) {
  lb::Config config;
  config.grace_ms = 5000;
  install(config);
  add_function("deferred_wait", l_deferred_wait);
  after_ms(20, [this] { lb::request_shutdown(L_); });
  const lb::RunResult r = run(R"(
    std.task.spawn(function() deferred_wait(3600000, 30) end)
  )");
  EXPECT_EQ(r.status, Status::interrupted);
  ASSERT_EQ(g_ops.size(), 1u);
  EXPECT_EQ(g_ops[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
  EXPECT_TRUE(observer_.graces.empty()) << "nothing had to be hard-aborted";
}

}  // namespace
}  // namespace host_test
