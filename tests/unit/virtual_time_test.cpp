// Config::virtual_time: time stands still while anything can run and jumps
// to the earliest deadline when every fiber is blocked, so sleeps and
// timeouts behave as on the real clock, only without waiting. While a host
// await is outstanding the clock does not jump on its own: the next
// deadline is waited for in real time.
//
// Wall-clock bounds here are deliberately generous (hours of virtual time
// must take well under the real seconds a CI machine may stall for).
#include <gtest/gtest.h>

#include <uv.h>

#include <string>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

class VirtualTimeTest : public HostTest {
 protected:
  void install_virtual() {
    lb::Config config;
    config.virtual_time = true;
    install(config);
  }
  /// run() of `code`, returning the wall time it took in seconds.
  double timed_run(const std::string& code, lb::RunResult& result) {
    const std::uint64_t t0 = uv_hrtime();
    result = run(code);
    return static_cast<double>(uv_hrtime() - t0) / 1e9;
  }
};

TEST_F(VirtualTimeTest, HoursOfSleepPassInstantlyWithTheVirtualElapsedTimeExact) {
  install_virtual();
  lb::RunResult r;
  const double wall = timed_run(R"(
    local t0, m0 = std.time.monotonic(), std.time.millis()
    std.task.sleep(3 * 3600 * 1000)
    elapsed = std.time.monotonic() - t0
    elapsed_millis = std.time.millis() - m0
    local h = std.task.spawn(function() std.task.sleep(1500) end)
    h:join()
    handle_elapsed = h:elapsed()
  )", r);
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_LT(wall, 5.0);
  EXPECT_EQ(exec("assert(math.abs(elapsed - 10800) < 1e-6, elapsed)"), "");
  EXPECT_EQ(global_integer("elapsed_millis"), 10800 * 1000);
  EXPECT_EQ(exec("assert(math.abs(handle_elapsed - 1500) < 1e-6, handle_elapsed)"), "");
}

TEST_F(VirtualTimeTest, TimeStandsStillWhileATaskComputes) {
  install_virtual();
  const lb::RunResult r = run(R"(
    local t0 = std.time.monotonic()
    local x = 0
    for i = 1, 2e6 do x = x + i end
    std.task.yield()
    computed = std.time.monotonic() - t0
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(exec("assert(computed == 0, computed)"), "");
}

TEST_F(VirtualTimeTest, WakesComeInDeadlineOrderAsOnTheRealClock) {
  const char* script = R"(
    order = {}
    std.task.scope(function(s)
      for _, ms in ipairs({40, 10, 30, 20, 10, 0}) do
        s:spawn(function() std.task.sleep(ms); order[#order + 1] = tostring(ms) end)
      end
    end)
    order = table.concat(order, " ")
  )";
  install_virtual();
  ASSERT_EQ(run(script).status, Status::ok);
  const std::string virtual_order = global_string("order");
  EXPECT_EQ(virtual_order, "0 10 10 20 30 40");
}

TEST_F(VirtualTimeTest, WithTimeoutCancelsAtTheDeadlineAndCleanupRunsWithinTheGrace) {
  install_virtual();
  lb::RunResult r;
  const double wall = timed_run(R"(
    local clock = std.time.monotonic
    local t0 = clock()
    local ok, err = pcall(std.task.with_timeout, 60000, function(s)
      s:spawn(function()
        local _ <close> = setmetatable({}, {__close = function() closed() end})
        local ok, e = pcall(std.task.sleep, 1e9)
        child_cancelled_at = clock() - t0
        child_error = tostring(e)
      end)
      std.task.sleep(1e9)
    end, {grace_ms = 5000})
    ok_ = ok
    err_ = tostring(err)
    total = clock() - t0
  )", r);
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_LT(wall, 5.0);
  EXPECT_FALSE(global_boolean("ok_"));
  EXPECT_TRUE(Contains(global_string("err_"), "exceeded 60000 ms"));
  EXPECT_EQ(global_string("child_error"), "task cancelled");
  EXPECT_EQ(close_count_, 1);
  // Cleanup takes no virtual time, so everything ends at the deadline.
  EXPECT_EQ(exec("assert(math.abs(child_cancelled_at - 60) < 1e-9 and math.abs(total - 60) < 1e-9, total)"), "");
}

TEST_F(VirtualTimeTest, AZeroGraceHardAbortsAtTheDeadline) {
  install_virtual();
  const lb::RunResult r = run(R"(
    local clock = std.time.monotonic
    local t0 = clock()
    local ok, err = pcall(std.task.with_timeout, 100, function(s)
      s:spawn(function()
        local _ <close> = setmetatable({}, {__close = function() closed() end})
        pcall(std.task.sleep, 1e9)
        after_cancel = clock() - t0
      end)
      std.task.sleep(1e9)
    end, {grace_ms = 0})
    err_ = tostring(err)
    total = clock() - t0
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(Contains(global_string("err_"), "exceeded 100 ms"));
  EXPECT_EQ(close_count_, 1);
  // grace_ms = 0: hard abort at the deadline, the child never resumes.
  EXPECT_TRUE(global_is_nil("after_cancel"));
  EXPECT_EQ(exec("assert(math.abs(total - 0.1) < 1e-9, total)"), "");
}

TEST_F(VirtualTimeTest, AnOutstandingAwaitHoldsTheClockUntilItCompletes) {
  install_virtual();
  const lb::RunResult r = run(R"(
    local clock = std.time.monotonic
    local t0 = clock()
    std.task.scope(function(s)
      s:spawn(function() std.task.sleep(3600 * 1000); slept_until = clock() - t0 end)
      s:spawn(function() wait_ms(20, 1); awaited_until = clock() - t0 end)
    end)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  // The clock stood still while the await was outstanding (20 ms of real
  // time) and moved on to the sleeper's deadline only after it completed.
  EXPECT_EQ(exec("assert(awaited_until == 0, awaited_until)"), "");
  EXPECT_EQ(exec("assert(math.abs(slept_until - 3600) < 1e-6, slept_until)"), "");
}

TEST_F(VirtualTimeTest, ATimeoutAroundAnAwaitNobodyCompletesFiresAfterRealTime) {
  install_virtual();
  lb::RunResult r;
  const double wall = timed_run(R"(
    local t0 = std.time.monotonic()
    ok_, err_ = pcall(std.task.with_timeout, 30, function() wait_forever() end, {grace_ms = 0})
    err_ = tostring(err_)
    total = std.time.monotonic() - t0
  )", r);
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_FALSE(global_boolean("ok_"));
  EXPECT_TRUE(Contains(global_string("err_"), "exceeded 30 ms"));
  EXPECT_EQ(exec("assert(math.abs(total - 0.03) < 1e-9, total)"), "");
  EXPECT_GE(wall, 0.025);  // the real wait happened: the bridge got its time
}

TEST_F(VirtualTimeTest, TheSameProgramPrintsTheSameTimesOnEveryRun) {
  const char* script = R"(
    local t0 = std.time.monotonic()
    local log = {}
    std.task.scope(function(s)
      for i = 1, 20 do
        s:spawn(function()
          std.task.sleep((i * 37) % 11 + 0.5)
          log[#log + 1] = ("%d@%.6f"):format(i, std.time.monotonic() - t0)
        end)
      end
      pcall(std.task.with_timeout, 3, function() std.task.sleep(100) end)
    end)
    trace = table.concat(log, " ")
  )";
  install_virtual();
  ASSERT_EQ(run(script).status, Status::ok);
  const std::string first = global_string("trace");
  ASSERT_EQ(run(script).status, Status::ok);
  // The second run starts later on the same clock: compare relative times.
  EXPECT_EQ(global_string("trace"), first);
  EXPECT_TRUE(Contains(first, "1@0.004500"));
}

TEST_F(VirtualTimeTest, WithoutTheOptionStdTimeReadsTheRealClock) {
  install();
  const lb::RunResult r = run(R"(
    local t0 = std.time.monotonic()
    std.task.sleep(20)
    real_elapsed = std.time.monotonic() - t0
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(exec("assert(real_elapsed >= 0.019, real_elapsed)"), "");
}

}  // namespace
}  // namespace host_test
