// What sibling bridges (SQL, subprocess, HTTP ...) build on (spec section
// 4): effective_token(L) and current_task(L) seen from a Lua-callable C
// function, and the await helper that suspends the calling task until a
// completion arrives, with on_interrupt on cancel and abort.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;
using Interrupts = std::vector<lb::Interruption>;

class HostBridgeTest : public HostTest {
 protected:
  /// The probe labelled `label`.
  Probe probe_of(const std::string& label) {
    for (const Probe& p : probes_)
      if (p.label == label) return p;
    ADD_FAILURE() << "no probe labelled " << label;
    return Probe{};
  }
};

// --- current_task and effective_token -------------------------------------------

TEST_F(HostBridgeTest, WithoutStdTaskThereIsNoTaskAndNoToken) {
  EXPECT_FALSE(lb::current_task(L_).has_value());
  EXPECT_EQ(lb::current_task_number(L_), 0u);
  const lb::CancelTokenRef token = lb::effective_token(L_);
  EXPECT_FALSE(token);
  EXPECT_FALSE(token.is_cancelled());
}

TEST_F(HostBridgeTest, OutsideAnyTaskCurrentTaskIsEmptyAndTheTokenIsTheRootScopes) {
  install();
  ASSERT_EQ(exec("probe('test level')"), "");
  const lb::RunResult r = run(R"(
    probe("main chunk")
    std.task.scope(function() probe("scope of the main chunk") end)
    std.task.sleep(1)
    probe("main chunk after a sleep")
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  for (const char* label : {"test level", "main chunk", "scope of the main chunk", "main chunk after a sleep"}) {
    const Probe p = probe_of(label);
    EXPECT_FALSE(p.task.has_value()) << label;
    EXPECT_EQ(p.task_number, 0u) << label;
    EXPECT_TRUE(p.has_token) << label;
    EXPECT_FALSE(p.token_cancelled) << label;
  }
}

TEST_F(HostBridgeTest, CurrentTaskGivesTheIdNameAndDriverOfTheRunningTask) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local a = t.spawn(function()
      probe("named")
      t.scope("inner", function() t.yield() probe("scope body of the task") end)
      local gen = coroutine.wrap(function() t.sleep(1) probe("user coroutine of the task") end)
      gen()
    end, {name = "worker"})
    local b = t.spawn(function() probe("unnamed") end, {driver = "coroutine"})
    a:join()
    b:join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  for (const char* label : {"named", "scope body of the task", "user coroutine of the task"}) {
    const Probe p = probe_of(label);
    ASSERT_TRUE(p.task.has_value()) << label;
    EXPECT_EQ(p.task->id, "t1") << label;
    EXPECT_EQ(p.task_number, 1u) << label;
    ASSERT_TRUE(p.task->name.has_value()) << label;
    EXPECT_EQ(*p.task->name, "worker") << label;
    EXPECT_EQ(p.task->driver, lb::Driver::async_fn) << label;
    EXPECT_FALSE(p.task->cancelled) << label;
  }
  const Probe unnamed = probe_of("unnamed");
  ASSERT_TRUE(unnamed.task.has_value());
  EXPECT_EQ(unnamed.task->id, "t2");
  EXPECT_EQ(unnamed.task_number, 2u);
  EXPECT_FALSE(unnamed.task->name.has_value());
  EXPECT_EQ(unnamed.task->driver, lb::Driver::coroutine);
}

TEST_F(HostBridgeTest, TheEffectiveTokenReflectsCancellationOfTheInnermostScope) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.spawn(function()
      probe("task")
      t.scope(function(s)
        hold()
        probe("before cancel")
        s:cancel()
        probe("after cancel")
      end)
      probe("after the scope")
    end):join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_FALSE(probe_of("task").token_cancelled);
  EXPECT_FALSE(probe_of("before cancel").token_cancelled);
  EXPECT_FALSE(probe_of("before cancel").task->cancelled);
  EXPECT_TRUE(probe_of("after cancel").token_cancelled);
  ASSERT_TRUE(probe_of("after cancel").task.has_value());
  EXPECT_TRUE(probe_of("after cancel").task->cancelled);
  EXPECT_FALSE(probe_of("after the scope").token_cancelled) << "the scope's cancel reached the task's own scope";
  ASSERT_EQ(held_tokens_.size(), 1u);
  EXPECT_TRUE(held_tokens_[0].is_cancelled()) << "a token taken before the cancel did not see it";
}

TEST_F(HostBridgeTest, TheEffectiveTokenOfATaskFollowsTheScopeItWasSpawnedInto) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      s:spawn(function()
        probe("child before")
        pcall(t.sleep, 3600000)
        probe("child after")
      end)
      t.yield()
      s:cancel()
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_FALSE(probe_of("child before").token_cancelled);
  EXPECT_TRUE(probe_of("child after").token_cancelled);
  EXPECT_TRUE(probe_of("child after").task->cancelled);
}

TEST_F(HostBridgeTest, ABridgeCanCancelTheEffectiveTokenFromCpp) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      local child = s:spawn(function() t.sleep(3600000) end)
      cancel_effective()
      token_cancelled = s:token():is_cancelled()
      local ok, err = pcall(t.checkpoint)
      body_cancelled = t.is_cancelled(err)
      local ok2, err2 = pcall(child.join, child)
      child_cancelled = t.is_cancelled(err2)
    end)
    main_still_runs = pcall(t.checkpoint)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("token_cancelled"));
  EXPECT_TRUE(global_boolean("body_cancelled"));
  EXPECT_TRUE(global_boolean("child_cancelled"));
  EXPECT_TRUE(global_boolean("main_still_runs")) << "cancel climbed to the root scope";
}

TEST_F(HostBridgeTest, AHeldTokenOutlivesTheLuaState) {
  install();
  ASSERT_EQ(run("std.task.scope(function(s) hold() s:cancel() end)").status, Status::ok);
  lua_close(L_);
  L_ = nullptr;
  ASSERT_EQ(held_tokens_.size(), 1u);
  EXPECT_TRUE(held_tokens_[0].is_cancelled());
  lb::CancelTokenRef copy = held_tokens_[0];
  copy.cancel();  // still a valid token, detached from any runtime
  EXPECT_TRUE(copy.is_cancelled());
}

// --- the await helper -------------------------------------------------------------

TEST_F(HostBridgeTest, AwaitResumesWithWhatTheContinuationPushes) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    from_task = t.spawn(function() return wait_ms(5, "hello") end):join()
    from_main = wait_ms(1, 42)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("from_task"), "hello");
  EXPECT_EQ(global_integer("from_main"), 42);
  EXPECT_EQ(k_calls_, 2);
  ASSERT_EQ(ops_.size(), 2u);
  for (const auto& op : ops_) {
    EXPECT_TRUE(op->fired);
    EXPECT_TRUE(op->interrupts.empty());
    EXPECT_FALSE(op->awaiter.is_waiting());
  }
}

TEST_F(HostBridgeTest, AwaitIsWaitingUntilAnotherCallbackCompletesIt) {
  install();
  bool waiting_when_completed = false;
  on_arm_ = [&] {
    ASSERT_EQ(ops_.size(), 1u);
    waiting_when_completed = ops_[0]->awaiter.is_waiting();
    ops_[0]->awaiter.complete();
    ops_[0]->awaiter.complete();  // no effect: already completed
    EXPECT_TRUE(ops_[0]->awaiter.is_waiting()) << "the wait lasts until the continuation runs";
  };
  const lb::RunResult r = run(R"(
    local t = std.task
    local ready = false
    local h = t.spawn(function() ready = true return wait_forever() end)
    while not ready do t.yield() end
    arm()
    got = h:join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(waiting_when_completed);
  EXPECT_FALSE(ops_[0]->awaiter.is_waiting());
  EXPECT_EQ(global_string("got"), "never");
  EXPECT_EQ(k_calls_, 1);
}

TEST_F(HostBridgeTest, CancellingAWaitingTaskInterruptsTheOperationAndRaisesTaskCancelled) {
  install();
  const lb::RunResult r = run(R"(
    local ok, err = cancel_waiting(wait_ms, 3600000, "x")
    result_ok = ok
    result_text = tostring(err)
    result_is_cancelled = std.task.is_cancelled(err)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_FALSE(global_boolean("result_ok"));
  EXPECT_EQ(global_string("result_text"), "task cancelled");
  EXPECT_TRUE(global_boolean("result_is_cancelled"));
  EXPECT_EQ(k_calls_, 0);
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancelled}));
  EXPECT_FALSE(ops_[0]->fired);
  EXPECT_FALSE(ops_[0]->awaiter.is_waiting());
  ops_[0]->awaiter.complete();  // late completion after the wait ended: no effect
  expect_loop_idle();
}

TEST_F(HostBridgeTest, ATaskEndedByAnInterruptedAwaitFinishesCancelled) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      local waiting = false
      local h = s:spawn(function() waiting = true wait_ms(3600000, "x") end, {name = "w"})
      while not waiting do t.yield() end
      s:cancel()
      local ok, err = pcall(h.join, h)
      join_is_cancelled = t.is_cancelled(err)
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("join_is_cancelled"));
  ASSERT_TRUE(observer_.finish_of("t1(w)"));
  EXPECT_EQ(observer_.finish_of("t1(w)")->outcome, lb::Outcome::cancelled);
}

TEST_F(HostBridgeTest, AwaitingInACancelledScopeInterruptsAtOnceAndRaises) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      s:cancel()
      local ok, err = pcall(wait_ms, 3600000, "x")
      result_is_cancelled = t.is_cancelled(err)
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("result_is_cancelled"));
  EXPECT_EQ(k_calls_, 0);
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancelled}));
}

TEST_F(HostBridgeTest, AbortingAWaitingTaskInterruptsTheOperationAndNeverRunsTheContinuation) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local waiting = false
    local h = t.spawn(function()
      local c <close> = setmetatable({}, {__close = function() closed() end})
      waiting = true
      wait_ms(3600000, "x")
      after_wait = true
    end)
    while not waiting do t.yield() end
    h:abort()
    local ok, err = pcall(h.join, h)
    join_text = tostring(err)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("join_text"), "task aborted");
  EXPECT_TRUE(global_is_nil("after_wait"));
  EXPECT_EQ(close_count_, 1);
  EXPECT_EQ(k_calls_, 0);
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::aborted}));
}

TEST_F(HostBridgeTest, ACompletionBeforeTheAwaitContinuesAfterOneTurn) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local log = {}
    local a = t.spawn(function()
      log[#log + 1] = "A1"
      local v = wait_ready("ready")
      log[#log + 1] = "A2:" .. v
    end)
    local b = t.spawn(function()
      log[#log + 1] = "B1"
      t.yield()
      log[#log + 1] = "B2"
    end)
    a:join()
    b:join()
    order = table.concat(log, " ")
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("order"), "A1 B1 A2:ready B2");
  EXPECT_EQ(k_calls_, 1);
  EXPECT_TRUE(ops_[0]->interrupts.empty());
}

TEST_F(HostBridgeTest, AwaitWhereTheCodeCannotSuspendRaisesCannotSuspendHere) {
  install();
  // At test level: no run drives this code.
  EXPECT_TRUE(Contains(exec("wait_forever()"), "test.wait: cannot suspend here"));
  // Inside a comparator called by table.sort (a C boundary), in a task and
  // in the main chunk.
  const lb::RunResult r = run(R"(
    local t = std.task
    local function try()
      local ok, err = pcall(table.sort, {3, 2, 1}, function(a, b) wait_forever() return a < b end)
      return tostring(err)
    end
    in_task = t.spawn(try):join()
    in_main = try()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(Contains(global_string("in_task"), "test.wait: cannot suspend here"));
  EXPECT_TRUE(Contains(global_string("in_main"), "test.wait: cannot suspend here"));
  EXPECT_EQ(k_calls_, 0);
  for (const auto& op : ops_) EXPECT_TRUE(op->interrupts.empty());
}

TEST_F(HostBridgeTest, AShutdownRequestInterruptsAWaitingOperationAsCancelled) {
  install();
  on_arm_ = [this] { lb::request_shutdown(L_); };
  const lb::RunResult r = run(R"(
    local t = std.task
    local waiting = false
    t.spawn(function() waiting = true wait_forever() end)
    while not waiting do t.yield() end
    arm()
    wait_forever()
  )");
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  ASSERT_EQ(ops_.size(), 2u);
  for (const auto& op : ops_) EXPECT_EQ(op->interrupts, (Interrupts{lb::Interruption::cancelled}));
  EXPECT_EQ(k_calls_, 0);
}

// A bridge operation that owns itself, as real bridges do: for every await
// exactly one of its continuation and on_interrupt runs, and that one
// releases it (the Awaiter inside the callback, the rest in the timer's
// close callback).
struct SelfOwnedOp {
  uv_timer_t timer;
  std::unique_ptr<lb::Awaiter> awaiter;
  const char* result = nullptr;
  static inline int completions = 0;
  static inline int continuations = 0;
  static inline std::vector<lb::Interruption> interrupts;
  static inline SelfOwnedOp* last = nullptr;

  static SelfOwnedOp* start(uv_loop_t* loop, std::uint64_t ms) {
    auto* op = new SelfOwnedOp;
    last = op;
    op->awaiter = std::make_unique<lb::Awaiter>(&SelfOwnedOp::on_interrupt, op);
    uv_timer_init(loop, &op->timer);
    op->timer.data = op;
    uv_timer_start(&op->timer, &SelfOwnedOp::on_timer, ms, 0);
    return op;
  }
  void release() {
    awaiter.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&timer),
             [](uv_handle_t* h) { delete static_cast<SelfOwnedOp*>(h->data); });
  }
  static void on_timer(uv_timer_t* t) { static_cast<SelfOwnedOp*>(t->data)->complete(); }
  void complete() {
    ++completions;
    result = "completed";
    uv_timer_stop(&timer);
    awaiter->complete();
  }
  static void on_interrupt(lb::Awaiter& a, lb::Interruption why) {
    auto* op = static_cast<SelfOwnedOp*>(a.user_data());
    interrupts.push_back(why);
    op->release();  // destroys the Awaiter inside its own callback
  }
};

int k_self_owned(lua_State* L, int, lua_KContext ctx) {
  auto* op = reinterpret_cast<SelfOwnedOp*>(ctx);
  ++SelfOwnedOp::continuations;
  lua_pushstring(L, op->result);
  op->release();
  return 1;
}

// Completes the latest operation from the script itself, so that the task
// waiting for it is queued but has not run yet.
int l_complete_last(lua_State* L) {
  SelfOwnedOp::last->complete();
  return 0;
}

int l_self_owned_wait(lua_State* L) {
  const lua_Integer ms = luaL_checkinteger(L, 1);
  SelfOwnedOp* op = SelfOwnedOp::start(&HostTest::current->loop_, static_cast<std::uint64_t>(ms));
  return lb::await(L, *op->awaiter, "test.self_owned", &k_self_owned, reinterpret_cast<lua_KContext>(op));
}

TEST_F(HostBridgeTest, ExactlyOneOfTheContinuationAndOnInterruptReleasesEachOperation) {
  install();
  add_function("self_owned_wait", l_self_owned_wait);
  SelfOwnedOp::completions = 0;
  SelfOwnedOp::continuations = 0;
  SelfOwnedOp::interrupts.clear();
  const lb::RunResult r = run(R"(
    local t = std.task
    done = t.spawn(function() return self_owned_wait(1) end):join()
    t.scope(function(s)
      local waiting = 0
      s:spawn(function() waiting = waiting + 1 pcall(self_owned_wait, 3600000) end)
      local victim = s:spawn(function() waiting = waiting + 1 self_owned_wait(3600000) end)
      while waiting < 2 do t.yield() end
      victim:abort()
      s:cancel()
      pcall(self_owned_wait, 3600000)  -- already cancelled: interrupted at once
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("done"), "completed");
  EXPECT_EQ(SelfOwnedOp::completions, 1);
  EXPECT_EQ(SelfOwnedOp::continuations, 1);
  EXPECT_EQ(SelfOwnedOp::interrupts, (std::vector<lb::Interruption>{lb::Interruption::aborted,
                                                                     lb::Interruption::cancelled,
                                                                     lb::Interruption::cancelled}));
}

TEST_F(HostBridgeTest, ATaskAbortedAfterCompleteButBeforeItsContinuationInterruptsInsteadOfContinuing) {
  install();
  add_function("self_owned_wait", l_self_owned_wait);
  add_function("complete_last", l_complete_last);
  SelfOwnedOp::completions = 0;
  SelfOwnedOp::continuations = 0;
  SelfOwnedOp::interrupts.clear();
  const lb::RunResult r = run(R"(
    local t = std.task
    local waiting = false
    local h = t.spawn(function() waiting = true return self_owned_wait(3600000) end)
    while not waiting do t.yield() end
    complete_last()  -- h is queued, its continuation has not run
    h:abort()
    local ok, err = pcall(h.join, h)
    aborted = not ok and tostring(err) == "task aborted"
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("aborted"));
  EXPECT_EQ(SelfOwnedOp::completions, 1);
  EXPECT_EQ(SelfOwnedOp::continuations, 0);
  EXPECT_EQ(SelfOwnedOp::interrupts, (std::vector<lb::Interruption>{lb::Interruption::aborted}));
}

}  // namespace
}  // namespace host_test
