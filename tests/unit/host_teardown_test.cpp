// Teardown with live tasks (spec section 4): a host that drives its own
// loop and closes the Lua state while tasks sleep, wait in scopes, in user
// coroutines, in with_timeout and in bridge operations. Every __close
// handler runs exactly once, every operation is interrupted, and no libuv
// handle or callback survives the state.
//
// Handlers count through closed(), a C function bumping a C++ counter:
// Lua globals vanish with the state.
#include <gtest/gtest.h>

#include <string>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Interrupts = std::vector<lb::Interruption>;
using Status = lb::RunResult::Status;

class HostTeardownTest : public HostTest {
 protected:
  /// Calls the global function `name` with one integer at test level.
  void call(const char* name, lua_Integer arg) {
    lua_getglobal(L_, name);
    lua_pushinteger(L_, arg);
    ASSERT_EQ(lua_pcall(L_, 1, 0, 0), LUA_OK) << lua_tostring(L_, -1);
  }
  /// Drives the loop without blocking until `count` tasks called started().
  void run_until_started(int count) {
    for (int i = 0; i < 1000 && started_count_ < count; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    ASSERT_EQ(started_count_, count);
  }
  void close_state() {
    lua_close(L_);
    L_ = nullptr;
  }
};

const char* const kLiveTasks = R"(
  local t = std.task
  local closed, started = closed, started  -- upvalues: no global lookups
  local function closer()
    return setmetatable({}, {__close = function() closed() end})
  end
  function start(n)
    -- n plain sleepers in the root scope
    for i = 1, n do
      t.spawn(function()
        local c <close> = closer()
        started()
        t.sleep(3600000)
      end)
    end
    -- a task waiting for a scope whose body sits in a user coroutine and
    -- whose child waits for a bridge operation
    t.spawn(function()
      local c <close> = closer()
      t.scope(function(s)
        local b <close> = closer()
        s:spawn(function()
          local c2 <close> = closer()
          started()
          wait_ms(3600000, "x")
        end)
        local gen = coroutine.wrap(function()
          local g <close> = closer()
          started()
          t.sleep(3600000)
        end)
        gen()
      end)
    end)
    -- a with_timeout whose deadline is still ahead
    t.spawn(function()
      local c <close> = closer()
      t.with_timeout(3600000, function()
        local b <close> = closer()
        started()
        t.sleep(3600000)
      end)
    end)
  end
)";

// Handlers in kLiveTasks beyond the n sleepers: outer task, scope body,
// scope child, generator, timeout task, timeout body.
constexpr int kExtraHandlers = 6;
constexpr int kExtraStarters = 3;

TEST_F(HostTeardownTest, LuaCloseWithLiveTasksRunsEveryCleanupOnceAndLeavesTheLoopClean) {
  install();
  ASSERT_EQ(exec(kLiveTasks), "");
  call("start", 5);
  run_until_started(5 + kExtraStarters);
  EXPECT_NE(uv_run(&loop_, UV_RUN_NOWAIT), 0) << "sleeping tasks should keep the loop alive";
  EXPECT_EQ(close_count_, 0);

  close_state();
  EXPECT_EQ(close_count_, 5 + kExtraHandlers);
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::aborted}));
  EXPECT_EQ(k_calls_, 0);
  // Every task was reported finished, as aborted.
  EXPECT_EQ(observer_.finishes.size(), 5u + 3u);
  for (const auto& f : observer_.finishes) EXPECT_EQ(f.outcome, lb::Outcome::aborted) << f.task;
  expect_loop_idle();
  // TearDown: uv_loop_close must succeed and every token be freed.
}

TEST_F(HostTeardownTest, ShutdownWithLiveTasksThenLuaCloseRunsEveryCleanupOnce) {
  install();
  ASSERT_EQ(exec(kLiveTasks), "");
  call("start", 3);
  run_until_started(3 + kExtraStarters);
  lb::shutdown(L_);
  EXPECT_EQ(close_count_, 3 + kExtraHandlers);
  expect_loop_idle();
  close_state();
  EXPECT_EQ(close_count_, 3 + kExtraHandlers);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::aborted}));
}

TEST_F(HostTeardownTest, LuaCloseBeforeSpawnedTasksStartRunsNoneOfTheirCode) {
  install();
  ASSERT_EQ(exec(R"(
    for i = 1, 10 do
      std.task.spawn(function() started() end)
    end
  )"), "");
  close_state();
  EXPECT_EQ(started_count_, 0);
  expect_loop_idle();
}

TEST_F(HostTeardownTest, LuaCloseDuringAGraceWindowTearsEverythingDown) {
  install();
  ASSERT_EQ(exec(R"(
    local t = std.task
    t.spawn(function()
      pcall(t.with_timeout, 1, function(s)
        s:spawn(function()
          local c <close> = setmetatable({}, {__close = function() closed() end})
          started()
          while true do pcall(t.yield) end
        end)
      end, {grace_ms = 3600000})
    end)
  )"), "");
  run_until_started(1);
  // Drive the loop past the deadline: the grace window (1 h) is running.
  for (int i = 0; i < 10000 && observer_.deadlines.empty(); ++i) uv_run(&loop_, UV_RUN_ONCE);
  ASSERT_EQ(observer_.deadlines.size(), 1u);
  EXPECT_EQ(close_count_, 0);
  close_state();
  EXPECT_EQ(close_count_, 1);
  expect_loop_idle();
}

TEST_F(HostTeardownTest, LuaCloseAfterEverythingFinishedLeavesNothingBehind) {
  install();
  ASSERT_EQ(exec(R"(
    local t = std.task
    done = 0
    for i = 1, 5 do
      t.spawn(function() t.sleep(i) done = done + 1 end)
    end
  )"), "");
  // The host drives its own loop until the tasks are done; then no handle
  // of the runtime keeps it alive.
  for (int i = 0; i < 10000 && global_integer("done") < 5; ++i) uv_run(&loop_, UV_RUN_ONCE);
  ASSERT_EQ(global_integer("done"), 5);
  expect_loop_idle();
  close_state();
  expect_loop_idle();
}

TEST_F(HostTeardownTest, ACloseErrorDuringLuaCloseIsReportedAndTheOtherHandlersRun) {
  install();
  ASSERT_EQ(exec(R"(
    local t = std.task
    local closed, started = closed, started
    t.spawn(function()
      local a <close> = setmetatable({}, {__close = function() closed() end})
      local b <close> = setmetatable({}, {__close = function() error("teardown boom", 0) end})
      started()
      t.sleep(3600000)
    end, {name = "noisy"})
  )"), "");
  run_until_started(1);
  close_state();
  EXPECT_EQ(close_count_, 1);
  ASSERT_EQ(observer_.close_errors.size(), 1u);
  EXPECT_EQ(observer_.close_errors[0].task, "t1(noisy)");
  EXPECT_EQ(observer_.close_errors[0].error, "teardown boom");
}

// --- spawns made by __close handlers while everything is torn down ------------
//
// A hard abort runs nothing but __close handlers (spec 2); a handler that
// spawns must not start new work in what is being torn down. Aborting a
// task waiting in a scope already refuses such spawns ("scope is closed");
// the tests below cover the other teardown paths.

TEST_F(HostTeardownTest, ATaskSpawnedByACleanupDuringStageThreeOfWithTimeoutNeverRuns) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local ok, err = pcall(t.with_timeout, 5, function(s)
      local c <close> = setmetatable({}, {__close = function()
        pcall(s.spawn, s, function()
          escaped = true
          -- (bounded here; a task that loops forever holds with_timeout forever)
          for _ = 1, 100 do pcall(t.yield) end
        end)
      end})
      while true do pcall(t.yield) end
    end, {grace_ms = 0})
    text = tostring(err)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("text"), "task.with_timeout: exceeded 5 ms");
  EXPECT_TRUE(global_is_nil("escaped")) << "code ran in the scope after its stage-3 hard abort";
}

TEST_F(HostTeardownTest, ATaskSpawnedByACleanupDuringAbortAllNeverRuns) {
  install();
  on_arm_ = [this] { lb::abort_all(L_); };
  const lb::RunResult r = run(R"(
    local t = std.task
    local c <close> = setmetatable({}, {__close = function()
      pcall(t.spawn, function() escaped = true end)
    end})
    arm()
    t.sleep(3600000)
  )");
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  EXPECT_TRUE(global_is_nil("escaped")) << "a task started after abort_all";
}

TEST_F(HostTeardownTest, ATaskSpawnedByACleanupDuringLuaCloseNeverRunsAndIsReportedFinished) {
  install();
  ASSERT_EQ(exec(R"(
    local t = std.task
    local started, closed = started, closed
    t.spawn(function()
      local c <close> = setmetatable({}, {__close = function()
        closed()
        pcall(t.spawn, function() started() end, {name = "late"})
      end})
      started()
      t.sleep(3600000)
    end)
  )"), "");
  run_until_started(1);
  close_state();
  EXPECT_EQ(close_count_, 1);
  EXPECT_EQ(started_count_, 1) << "a task spawned during lua_close ran";
  // Every task the observer saw spawned, it also saw finished.
  for (const std::string& line : observer_.lines_with("spawned ")) {
    const std::string task = line.substr(std::string("spawned ").size());
    EXPECT_TRUE(observer_.finish_of(task).has_value()) << task << " was spawned but never reported finished";
  }
}

TEST_F(HostTeardownTest, AStateWithoutTasksClosesCleanly) {
  install();
  close_state();
  expect_loop_idle();
}

}  // namespace
}  // namespace host_test
