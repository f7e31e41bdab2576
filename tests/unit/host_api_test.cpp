// The C++ host contract (spec section 4): registration, the blocking run
// entries and their results, deadlock detection, request_shutdown /
// abort_all / shutdown, and the Config a host passes in. Every test uses a
// real uv loop and ends by proving the loop closes cleanly (host_fixture).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

class HostApiTest : public HostTest {};

// --- registration -------------------------------------------------------------

TEST_F(HostApiTest, RegisterInstallsStdTaskAndStdTimeAndTheirPackageEntries) {
  lb::register_task(L_, &loop_);
  EXPECT_EQ(lua_gettop(L_), 0);
  EXPECT_EQ(exec(R"(
    assert(type(std) == "table")
    for _, name in ipairs({"spawn", "sleep", "yield", "checkpoint", "scope", "with_timeout",
                           "cancel_token", "current", "is_cancelled"}) do
      assert(type(std.task[name]) == "function", "std.task." .. name)
    end
    for _, name in ipairs({"now", "millis", "monotonic", "measure"}) do
      assert(type(std.time[name]) == "function", "std.time." .. name)
    end
    assert(package.loaded["std.task"] == std.task)
    assert(package.loaded["std.time"] == std.time)
    assert(require("std.task") == std.task)
    assert(require("std.time") == std.time)
  )"), "");
}

TEST_F(HostApiTest, RegisterKeepsAnExistingStdTable) {
  ASSERT_EQ(exec("std = { mine = 42 }"), "");
  lb::register_task(L_, &loop_);
  EXPECT_EQ(exec("assert(std.mine == 42 and type(std.task) == 'table')"), "");
}

TEST_F(HostApiTest, RegisterWorksWithoutThePackageLibrary) {
  // A host with a minimal state (base library only) still gets std.task.
  lua_close(L_);
  L_ = luaL_newstate();
  luaL_requiref(L_, "_G", luaopen_base, 1);
  lua_pop(L_, 1);
  lb::register_task(L_, &loop_);
  EXPECT_EQ(exec("assert(type(std.task.spawn) == 'function')"), "");
}

TEST_F(HostApiTest, RegisteringTwiceThrowsRuntimeError) {
  lb::register_task(L_, &loop_);
  EXPECT_THROW(lb::register_task(L_, &loop_), std::runtime_error);
  EXPECT_THROW(lb::register_with(L_, &loop_, lb::Config{}), std::runtime_error);
  try {
    lb::register_task(L_, &loop_);
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(Contains(e.what(), "already installed"));
  }
  EXPECT_EQ(lua_gettop(L_), 0);
  // The first installation still works.
  EXPECT_EQ(run("std.task.sleep(1)").status, Status::ok);
}

TEST_F(HostApiTest, RegisteringDoesNotKeepTheLoopAlive) {
  lb::register_task(L_, &loop_);
  expect_loop_idle();
}

// --- run_string ----------------------------------------------------------------

TEST_F(HostApiTest, RunStringReturnsOkForAScriptWithTasksAndSleeps) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local hs = {}
    for i = 1, 5 do
      hs[i] = t.spawn(function() t.sleep(i) ; return i * 10 end)
    end
    local sum = 0
    for i = 1, 5 do sum = sum + hs[i]:join() end
    t.sleep(2)
    t.yield()
    total = sum
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(r.message, "");
  EXPECT_EQ(global_integer("total"), 150);
}

TEST_F(HostApiTest, RunWaitsForRootTasksTheMainChunkDidNotJoin) {
  install();
  const lb::RunResult r = run(R"(
    std.task.spawn(function() std.task.sleep(5); late = "done" end)
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("late"), "done");
}

TEST_F(HostApiTest, RunStringReportsARaisingScriptWithMessageAndTraceback) {
  install();
  const lb::RunResult r = run(R"(
    local function inner() error("boom from the script") end
    inner()
  )");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_TRUE(Contains(r.message, "boom from the script"));
  EXPECT_TRUE(Contains(r.message, "stack traceback"));
  EXPECT_TRUE(Contains(r.message, "inner"));
}

TEST_F(HostApiTest, AnErrorAfterASuspensionStillCarriesItsTraceback) {
  install();
  const lb::RunResult r = run(R"(
    std.task.sleep(1)
    error("late failure")
  )");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_TRUE(Contains(r.message, "late failure"));
  EXPECT_TRUE(Contains(r.message, "stack traceback"));
}

TEST_F(HostApiTest, AnErrorObjectIsReportedThroughItsTostring) {
  install();
  const lb::RunResult r = run(R"(
    error(setmetatable({}, {__tostring = function() return "custom error text" end}))
  )");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_TRUE(Contains(r.message, "custom error text"));
}

TEST_F(HostApiTest, AFailingMainChunkCancelsRootTasksAndRunsTheirCleanups) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    for i = 1, 3 do
      t.spawn(function()
        local c <close> = setmetatable({}, {__close = function() closed() end})
        t.sleep(3600000)
      end)
    end
    t.yield()
    error("main fails")
  )");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_TRUE(Contains(r.message, "main fails"));
  EXPECT_EQ(close_count_, 3);
  for (const auto& f : observer_.finishes) EXPECT_EQ(f.outcome, lb::Outcome::cancelled) << f.task;
  EXPECT_EQ(observer_.finishes.size(), 3u);
}

TEST_F(HostApiTest, RunStringReportsASyntaxErrorWithoutRunning) {
  install();
  const lb::RunResult r = run("local x = = 1");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_TRUE(Contains(r.message, "test:1:"));
  EXPECT_TRUE(observer_.log.empty());
}

TEST_F(HostApiTest, TheRuntimeRunsAgainAfterAFailedRun) {
  install();
  EXPECT_EQ(run("std.task.spawn(function() std.task.sleep(3600000) end) error('first')").status,
            Status::error);
  const lb::RunResult second = run(R"(
    std.task.checkpoint()  -- the root scope is not left cancelled
    local h = std.task.spawn(function() std.task.sleep(1) return "again" end)
    again = h:join()
  )");
  EXPECT_EQ(second.status, Status::ok) << second.message;
  EXPECT_EQ(global_string("again"), "again");
}

TEST_F(HostApiTest, ExitCodesAreZeroOneAndOneHundredThirty) {
  lb::RunResult r;
  r.status = Status::ok;
  EXPECT_EQ(r.exit_code(), 0);
  r.status = Status::error;
  EXPECT_EQ(r.exit_code(), 1);
  r.status = Status::deadlock;
  EXPECT_EQ(r.exit_code(), 1);
  r.status = Status::interrupted;
  EXPECT_EQ(r.exit_code(), 130);
}

TEST_F(HostApiTest, RunWithoutTheModuleInstalledIsAnError) {
  const lb::RunResult r = lb::run_string(L_, "return 1", "=test");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(lua_gettop(L_), 0);
}

// --- run_file and run_function --------------------------------------------------

TEST_F(HostApiTest, RunFilePassesItsArgumentsAsDots) {
  install();
  const std::string path = ::testing::TempDir() + "host_api_run_file_test.lua";
  {
    std::ofstream out(path);
    out << "local a, b, c = ...\n"
           "count = select('#', ...)\n"
           "first, second = a, b\n"
           "third_is_nil = c == nil\n"
           "std.task.sleep(1)\n";
  }
  lua_pushstring(L_, "alpha");
  lua_pushinteger(L_, 42);
  lua_pushnil(L_);
  const lb::RunResult r = lb::run_file(L_, path.c_str(), 3);
  std::remove(path.c_str());
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(lua_gettop(L_), 0);
  expect_loop_idle();
  EXPECT_EQ(global_integer("count"), 3);
  EXPECT_EQ(global_string("first"), "alpha");
  EXPECT_EQ(global_integer("second"), 42);
  EXPECT_TRUE(global_boolean("third_is_nil"));
}

TEST_F(HostApiTest, RunFileOfAMissingFileIsAnErrorAndPopsTheArguments) {
  install();
  lua_pushstring(L_, "unused");
  const lb::RunResult r = lb::run_file(L_, "/nonexistent/dir/script.lua", 1);
  EXPECT_EQ(r.status, Status::error);
  EXPECT_TRUE(Contains(r.message, "cannot open"));
  EXPECT_EQ(lua_gettop(L_), 0);
}

TEST_F(HostApiTest, RunFunctionRunsAFunctionWithItsArguments) {
  install();
  ASSERT_EQ(luaL_loadstring(L_, "local x, y = ... ; std.task.sleep(1) ; product = x * y"), LUA_OK);
  lua_pushinteger(L_, 6);
  lua_pushinteger(L_, 7);
  const lb::RunResult r = lb::run_function(L_, 2);
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(lua_gettop(L_), 0);
  EXPECT_EQ(global_integer("product"), 42);
}

// --- deadlock -------------------------------------------------------------------

TEST_F(HostApiTest, TwoTasksJoiningEachOtherAreADeadlockAndAreTornDown) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local a, b
    a = t.spawn(function()
      local c <close> = setmetatable({}, {__close = function() closed() end})
      t.yield()
      return b:join()
    end)
    b = t.spawn(function()
      local c <close> = setmetatable({}, {__close = function() closed() end})
      t.yield()
      return a:join()
    end)
  )");
  EXPECT_EQ(r.status, Status::deadlock) << r.message;
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_TRUE(Contains(r.message, "deadlock"));
  EXPECT_EQ(close_count_, 2);
}

TEST_F(HostApiTest, AMainChunkJoiningATaskStuckOnADeadlockIsADeadlock) {
  // The main chunk joins one task, which waits for a scope whose two
  // children join each other: nothing can ever wake the main chunk.
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local outer = t.spawn(function()
      t.scope(function(s)
        local a, b
        a = s:spawn(function()
          local c <close> = setmetatable({}, {__close = function() closed() end})
          t.yield()
          return b:join()
        end)
        b = s:spawn(function()
          local c <close> = setmetatable({}, {__close = function() closed() end})
          t.yield()
          return a:join()
        end)
      end)
    end)
    local c <close> = setmetatable({}, {__close = function() closed() end})
    outer:join()
    reached = true
  )");
  EXPECT_EQ(r.status, Status::deadlock) << r.message;
  EXPECT_EQ(close_count_, 3) << "the tasks' and the main chunk's __close handlers";
  EXPECT_TRUE(global_is_nil("reached"));
  for (const auto& f : observer_.finishes) EXPECT_EQ(f.outcome, lb::Outcome::aborted) << f.task;
  // The runtime is usable afterwards.
  EXPECT_EQ(run("std.task.spawn(function() std.task.yield() end):join()").status, Status::ok);
}

TEST_F(HostApiTest, AMainChunkAwaitingAnOperationNothingCanCompleteIsADeadlock) {
  install();
  const lb::RunResult r = run("wait_forever()");
  EXPECT_EQ(r.status, Status::deadlock) << r.message;
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (std::vector<lb::Interruption>{lb::Interruption::aborted}));
  EXPECT_EQ(k_calls_, 0);
}

// --- request_shutdown, abort_all, shutdown ------------------------------------------

const char* const kSleepersScript = R"(
  local t = std.task
  local log = {}
  closed_log = log
  local function closer(name)
    return setmetatable({}, {__close = function() log[#log + 1] = name end})
  end
  local n = 0
  for i = 1, 3 do
    t.spawn(function()
      local c <close> = closer("task" .. i)
      n = n + 1
      t.sleep(3600000)
      log[#log + 1] = "task" .. i .. " woke"
    end, {name = "sleeper" .. i})
  end
  while n < 3 do t.yield() end
  arm()
  local c <close> = closer("main")
  t.sleep(3600000)
  reached_end = true
)";

std::string closed_log(HostTest& test) {
  EXPECT_EQ(test.exec("closed_text = table.concat(closed_log, ',')"), "");
  return test.global_string("closed_text");
}

// kSleepersScript was interrupted: the run says so, no sleeper woke, every
// cleanup ran, and each sleeper ended with `outcome`.
void expect_sleepers_interrupted(HostTest& test, const lb::RunResult& r, lb::Outcome outcome) {
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  EXPECT_EQ(r.exit_code(), 130);
  EXPECT_TRUE(test.global_is_nil("reached_end"));
  const std::string log = closed_log(test);
  for (const char* name : {"task1", "task2", "task3", "main"}) EXPECT_TRUE(Contains(log, name));
  EXPECT_EQ(log.find("woke"), std::string::npos) << log;
  for (int i = 1; i <= 3; ++i) {
    const auto f = test.observer_.finish_of("t" + std::to_string(i) + "(sleeper" + std::to_string(i) + ")");
    ASSERT_TRUE(f) << i;
    EXPECT_EQ(f->outcome, outcome);
  }
}

TEST_F(HostApiTest, RequestShutdownFromATimerEndsTheRunAsInterrupted) {
  install();
  on_arm_ = [this] { lb::request_shutdown(L_); };
  expect_sleepers_interrupted(*this, run(kSleepersScript), lb::Outcome::cancelled);
  EXPECT_TRUE(observer_.graces.empty()) << "cooperative tasks finished within the grace";
}

TEST_F(HostApiTest, RequestShutdownHardAbortsWhatOutlivesTheConfiguredGrace) {
  lb::Config config;
  config.grace_ms = 20;
  install(config);
  on_arm_ = [this] { lb::request_shutdown(L_); };
  const lb::RunResult r = run(R"(
    local t = std.task
    local stubborn = t.spawn(function()
      local c <close> = setmetatable({}, {__close = function() closed() end})
      started()
      while true do pcall(t.yield) end  -- swallows every cancellation
    end, {name = "stubborn"})
    t.yield()
    arm()
    t.sleep(3600000)
  )");
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  EXPECT_EQ(close_count_, 1);
  ASSERT_EQ(observer_.graces.size(), 1u);
  EXPECT_FALSE(observer_.graces[0].has_scope);
  EXPECT_EQ(observer_.graces[0].hard_aborted, 1u);
  const auto f = observer_.finish_of("t1(stubborn)");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->outcome, lb::Outcome::aborted);
}

TEST_F(HostApiTest, AbortAllFromATimerEndsTheRunAsInterruptedAndRunsCleanups) {
  install();
  on_arm_ = [this] { lb::abort_all(L_); };
  expect_sleepers_interrupted(*this, run(kSleepersScript), lb::Outcome::aborted);
}

TEST_F(HostApiTest, AbortAllStopsAMainChunkThatIgnoresCancellation) {
  install();
  on_arm_ = [this] { lb::abort_all(L_); };
  const lb::RunResult r = run(R"(
    local c <close> = setmetatable({}, {__close = function() closed() end})
    arm()
    while true do pcall(std.task.yield) end
  )");
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  EXPECT_EQ(close_count_, 1);
}

TEST_F(HostApiTest, RequestShutdownAfterTheMainChunkReturnedIsStillInterrupted) {
  install();
  on_arm_ = [this] { lb::request_shutdown(L_); };
  const lb::RunResult r = run(R"(
    std.task.spawn(function()
      local c <close> = setmetatable({}, {__close = function() closed() end})
      arm()
      std.task.sleep(3600000)
    end)
  )");
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  EXPECT_EQ(close_count_, 1);
}

TEST_F(HostApiTest, AbortAllAfterRequestShutdownSkipsTheRestOfTheGrace) {
  // The runner's second Ctrl-C: the grace window (1 h here) is cut short.
  lb::Config config;
  config.grace_ms = 3600000;
  install(config);
  on_arm_ = [this] {
    lb::request_shutdown(L_);
    after_ms(0, [this] { lb::abort_all(L_); });
  };
  const lb::RunResult r = run(R"(
    local t = std.task
    t.spawn(function()
      local c <close> = setmetatable({}, {__close = function() closed() end})
      while true do pcall(t.yield) end
    end, {name = "stubborn"})
    t.yield()
    arm()
    while true do pcall(t.yield) end
  )");
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  EXPECT_EQ(close_count_, 1);
  ASSERT_TRUE(observer_.finish_of("t1(stubborn)"));
  EXPECT_EQ(observer_.finish_of("t1(stubborn)")->outcome, lb::Outcome::aborted);
}

TEST_F(HostApiTest, RequestShutdownWhileTheHostDrivesItsOwnLoopCancelsThenAborts) {
  lb::Config config;
  config.grace_ms = 10;
  install(config);
  ASSERT_EQ(exec(R"(
    local t = std.task
    polite = t.spawn(function() started() t.sleep(3600000) end, {name = "polite"})
    stubborn = t.spawn(function()
      local c <close> = setmetatable({}, {__close = function() closed() end})
      started()
      while true do pcall(t.yield) end
    end, {name = "stubborn"})
  )"), "");
  for (int i = 0; i < 1000 && started_count_ < 2; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
  ASSERT_EQ(started_count_, 2);
  lb::request_shutdown(L_);
  for (int i = 0; i < 100000 && observer_.finishes.size() < 2; ++i) uv_run(&loop_, UV_RUN_ONCE);
  ASSERT_EQ(observer_.finishes.size(), 2u);
  EXPECT_EQ(observer_.finish_of("t1(polite)")->outcome, lb::Outcome::cancelled);
  EXPECT_EQ(observer_.finish_of("t2(stubborn)")->outcome, lb::Outcome::aborted);
  EXPECT_EQ(close_count_, 1);
  ASSERT_EQ(observer_.graces.size(), 1u);
  EXPECT_EQ(observer_.graces[0].hard_aborted, 1u);
  expect_loop_idle();
}

TEST_F(HostApiTest, RequestShutdownWithNothingAliveDoesNotKeepTheLoopAlive) {
  // Spec 4: no libuv handle of the runtime keeps the loop alive when no
  // task is sleeping or waiting.
  install();
  lb::request_shutdown(L_);
  expect_loop_idle();
}

TEST_F(HostApiTest, RequestShutdownOutsideARunStopsKeepingTheLoopAliveOnceTheTasksEnded) {
  install();
  ASSERT_EQ(exec(R"(
    std.task.spawn(function() started() std.task.sleep(3600000) end, {name = "polite"})
  )"), "");
  for (int i = 0; i < 1000 && started_count_ < 1; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
  ASSERT_EQ(started_count_, 1);
  lb::request_shutdown(L_);
  for (int i = 0; i < 1000 && observer_.finishes.empty(); ++i) uv_run(&loop_, UV_RUN_NOWAIT);
  ASSERT_EQ(observer_.finishes.size(), 1u);
  EXPECT_EQ(observer_.finishes[0].outcome, lb::Outcome::cancelled);
  expect_loop_idle();  // the (1 s) shutdown grace timer must not hold the loop
}

TEST_F(HostApiTest, ARunStartedFromInsideARunIsRefused) {
  install();
  add_function("nested_run", [](lua_State* L) -> int {
    static std::string message;  // static: nothing to destroy if the push raises
    {
      const lb::RunResult r = lb::run_string(L, "nested_ran = true", "=nested");
      message = r.status == lb::RunResult::Status::error ? r.message : "not an error";
    }
    lua_pushstring(L, message.c_str());
    return 1;
  });
  const lb::RunResult r = run("nested_text = nested_run()");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(Contains(global_string("nested_text"), "already in progress"));
  EXPECT_TRUE(global_is_nil("nested_ran"));
}

TEST_F(HostApiTest, TheRuntimeRunsAgainAfterAnInterruptedRun) {
  install();
  on_arm_ = [this] { lb::request_shutdown(L_); };
  ASSERT_EQ(run(kSleepersScript).status, Status::interrupted);
  const lb::RunResult second = run(R"(
    std.task.sleep(1)
    std.task.checkpoint()
    after = "ran"
  )");
  EXPECT_EQ(second.status, Status::ok) << second.message;
  EXPECT_EQ(global_string("after"), "ran");
}

TEST_F(HostApiTest, ShutdownRunsCleanupsOnceAndThenSpawnRaisesRuntimeIsShutDown) {
  install();
  ASSERT_EQ(exec(R"(
    local t = std.task
    for i = 1, 4 do
      t.spawn(function()
        local c <close> = setmetatable({}, {__close = function() closed() end})
        started()
        t.sleep(3600000)
      end)
    end
  )"), "");
  for (int i = 0; i < 100 && started_count_ < 4; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
  ASSERT_EQ(started_count_, 4);

  lb::shutdown(L_);
  EXPECT_EQ(close_count_, 4);
  expect_loop_idle();
  EXPECT_TRUE(Contains(exec("std.task.spawn(function() end)"), "std.task: runtime is shut down"));
  EXPECT_TRUE(Contains(exec("std.task.sleep(1)"), "std.task: runtime is shut down"));
  const lb::RunResult r = lb::run_string(L_, "return 1", "=test");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_TRUE(Contains(r.message, "runtime is shut down"));
  EXPECT_EQ(lua_gettop(L_), 0);
  lb::shutdown(L_);  // idempotent
  lua_close(L_);
  L_ = nullptr;
  EXPECT_EQ(close_count_, 4) << "lua_close ran a cleanup a second time";
}

// --- Config ------------------------------------------------------------------------

TEST_F(HostApiTest, ConfigDefaultDriverIsUsedAndOptsDriverWins) {
  lb::Config config;
  config.default_driver = lb::Driver::coroutine;
  install(config);
  const lb::RunResult r = run(R"(
    local t = std.task
    local h1 = t.spawn(function() probe("default") return t.current().driver end)
    local h2 = t.spawn(function() return t.current().driver end, {driver = "async_fn"})
    local h3 = t.spawn(function()
      coroutine.yield()        -- a cooperative yield under the coroutine driver
      coroutine.yield(1)       -- a sleep
      return "yielded"
    end)
    d1, d2, d3 = h1:join(), h2:join(), h3:join()
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("d1"), "coroutine");
  EXPECT_EQ(global_string("d2"), "async_fn");
  EXPECT_EQ(global_string("d3"), "yielded");
  ASSERT_EQ(probes_.size(), 1u);
  ASSERT_TRUE(probes_[0].task);
  EXPECT_EQ(probes_[0].task->driver, lb::Driver::coroutine);
  ASSERT_TRUE(observer_.finish_of("t1") && observer_.finish_of("t2"));
  EXPECT_EQ(observer_.finish_of("t1")->driver, lb::Driver::coroutine);
  EXPECT_EQ(observer_.finish_of("t2")->driver, lb::Driver::async_fn);
}

TEST_F(HostApiTest, TheDefaultDriverIsAsyncFn) {
  install();
  const lb::RunResult r = run(R"(
    d = std.task.spawn(function() return std.task.current().driver end):join()
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("d"), "async_fn");
}

// A with_timeout whose body and child ignore cancellation; tick() counts
// their iterations.
const char* const kStubbornTimeout = R"(
  local t = std.task
  local function stubborn()
    local c <close> = setmetatable({}, {__close = function() closed() end})
    while true do tick() pcall(t.yield) end
  end
  local ok, err = pcall(t.with_timeout, 5, function(s)
    s:spawn(stubborn)
    stubborn()
  end%s)
  timeout_text = tostring(err)
)";

std::string stubborn_timeout(const char* opts) {
  char buf[1024];
  std::snprintf(buf, sizeof buf, kStubbornTimeout, opts);
  return buf;
}

TEST_F(HostApiTest, WithTimeoutWithoutOptsUsesTheConfiguredGraceZero) {
  lb::Config config;
  config.grace_ms = 0;  // stage 3 at the deadline: nothing runs again
  install(config);
  int ticks_at_deadline = -1;
  int ticks_at_grace = -1;
  observer_.on_deadline = [&] { ticks_at_deadline = tick_count_; };
  observer_.on_grace = [&] { ticks_at_grace = tick_count_; };
  const lb::RunResult r = run(stubborn_timeout(""));
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("timeout_text"), "task.with_timeout: exceeded 5 ms");
  ASSERT_EQ(observer_.graces.size(), 1u);
  EXPECT_EQ(observer_.graces[0].hard_aborted, 2u);
  EXPECT_GT(ticks_at_deadline, 0);
  EXPECT_EQ(ticks_at_grace, ticks_at_deadline) << "code of the scope ran between deadline and hard abort";
  EXPECT_EQ(close_count_, 2);
}

TEST_F(HostApiTest, WithTimeoutWithoutOptsWaitsTheConfiguredGrace) {
  lb::Config config;
  config.grace_ms = 30;
  install(config);
  const lb::RunResult r = run(stubborn_timeout(""));
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("timeout_text"), "task.with_timeout: exceeded 5 ms");
  ASSERT_EQ(observer_.deadlines.size(), 1u);
  ASSERT_EQ(observer_.graces.size(), 1u);
  const double grace_ms = static_cast<double>(observer_.graces[0].at_ns - observer_.deadlines[0].at_ns) / 1e6;
  EXPECT_GE(grace_ms, 30.0);
  EXPECT_LT(grace_ms, 900.0) << "the library default (1000 ms) was used instead of the config";
}

TEST_F(HostApiTest, WithTimeoutOptsGraceWinsOverTheConfig) {
  lb::Config config;
  config.grace_ms = 3600000;
  install(config);
  int ticks_at_deadline = -1;
  int ticks_at_grace = -1;
  observer_.on_deadline = [&] { ticks_at_deadline = tick_count_; };
  observer_.on_grace = [&] { ticks_at_grace = tick_count_; };
  const lb::RunResult r = run(stubborn_timeout(", {grace_ms = 0}"));
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("timeout_text"), "task.with_timeout: exceeded 5 ms");
  EXPECT_EQ(ticks_at_grace, ticks_at_deadline);
}

}  // namespace
}  // namespace host_test
