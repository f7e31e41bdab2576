// Preemption from the host's side (docs/design.md, "Preemption"): what Config
// slice_ms / preempt_signal install, that the previous signal disposition
// comes back, that a host's own handler is never replaced, and that busy
// code no longer keeps the loop (and the host's timers) to itself.
#include <gtest/gtest.h>

#include <signal.h>

#include <cmath>
#include <stdexcept>
#include <thread>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

int default_signal() { return SIGRTMIN + 3; }

bool has_our_handler(int signal_number) {
  struct sigaction action{};
  sigaction(signal_number, nullptr, &action);
  return (action.sa_flags & SA_SIGINFO) != 0;
}

bool is_default(int signal_number) {
  struct sigaction action{};
  sigaction(signal_number, nullptr, &action);
  return !(action.sa_flags & SA_SIGINFO) && action.sa_handler == SIG_DFL;
}

void host_handler(int) {}

class HostPreemptTest : public HostTest {};

TEST_F(HostPreemptTest, PreemptionOffInstallsNothingAndBusyTasksRunToTheEndInTurn) {
  lb::Config config;
  config.slice_ms = 0;
  config.watchdog = false;
  install(config);
  EXPECT_TRUE(is_default(default_signal()));
  const lb::RunResult r = run(R"(
    local order = {}
    local function busy(name)
      return function()
        local t0 = std.time.monotonic()
        while std.time.monotonic() - t0 < 0.05 do end
        order[#order + 1] = name
      end
    end
    local a = std.task.spawn(function() order[#order + 1] = "a starts"; busy("a ends")() end)
    local b = std.task.spawn(function() order[#order + 1] = "b starts"; busy("b ends")() end)
    a:join(); b:join()
    result = table.concat(order, ",")
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("result"), "a starts,a ends,b starts,b ends");
}

TEST_F(HostPreemptTest, TheDefaultWatchdogInstallsItsHandlerAndRunsBusyTasksInTurn) {
  ASSERT_TRUE(is_default(default_signal()));
  install();
  EXPECT_TRUE(has_our_handler(default_signal()));
  const lb::RunResult r = run(R"(
    local order = {}
    local function busy(name, seconds)
      return function()
        order[#order + 1] = name .. " starts"
        local t0 = std.time.monotonic()
        while std.time.monotonic() - t0 < seconds do end
        order[#order + 1] = name .. " ends"
      end
    end
    local a = std.task.spawn(busy("a", 0.1))
    local b = std.task.spawn(busy("b", 0.1))
    a:join(); b:join()
    result = table.concat(order, ",")
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("result"), "a starts,a ends,b starts,b ends");
  lua_close(L_);
  L_ = nullptr;
  EXPECT_TRUE(is_default(default_signal()));
}

TEST_F(HostPreemptTest, TimeSlicingInstallsItsHandlerAndRemovesItWithTheState) {
  ASSERT_TRUE(is_default(default_signal()));
  lb::Config slicing;
  slicing.slice_ms = 10;
  install(slicing);
  EXPECT_TRUE(has_our_handler(default_signal()));
  const lb::RunResult r = run(R"(
    local order = {}
    local function busy(name, seconds)
      return function()
        order[#order + 1] = name .. " starts"
        -- CPU time, not wall time: on a loaded machine a task busy for a
        -- wall-clock interval may use less than a slice of CPU in it.
        local t0 = os.clock()
        while os.clock() - t0 < seconds do end
        order[#order + 1] = name .. " ends"
      end
    end
    local a = std.task.spawn(busy("a", 0.2))
    local b = std.task.spawn(busy("b", 0.4))
    a:join(); b:join()
    result = table.concat(order, ",")
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  // b started while a was still busy
  EXPECT_EQ(global_string("result"), "a starts,b starts,a ends,b ends");
  lua_close(L_);
  L_ = nullptr;
  EXPECT_TRUE(is_default(default_signal()));
}

TEST_F(HostPreemptTest, TwoStatesShareTheHandlerUntilTheLastCloses) {
  lb::Config slicing;
  slicing.slice_ms = 10;
  install(slicing);
  lua_State* second = luaL_newstate();
  luaL_openlibs(second);
  lb::register_with(second, &loop_, slicing);
  EXPECT_TRUE(has_our_handler(default_signal()));
  lua_close(L_);
  L_ = nullptr;
  EXPECT_TRUE(has_our_handler(default_signal())) << "closing one state removed the other's handler";
  // The second state still preempts.
  const lb::RunResult r = lb::run_string(second, R"(
    local stop = false
    local h = std.task.spawn(function() while not stop do end end)
    std.task.sleep(30)
    stop = true
    h:join()
  )", "=second");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  lua_close(second);
  EXPECT_TRUE(is_default(default_signal()));
}

TEST_F(HostPreemptTest, ASignalTheHostHandlesIsRefusedAndLeftAlone) {
  const int mine = SIGRTMIN + 5;
  struct sigaction action{};
  action.sa_handler = &host_handler;
  sigemptyset(&action.sa_mask);
  ASSERT_EQ(sigaction(mine, &action, nullptr), 0);
  lb::Config config;
  config.preempt_signal = mine;
  try {
    lb::register_with(L_, &loop_, config);
    ADD_FAILURE() << "register_with accepted a signal the host handles";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(Contains(e.what(), "already has a handler"));
  }
  struct sigaction after{};
  sigaction(mine, nullptr, &after);
  EXPECT_EQ(after.sa_handler, &host_handler);
  signal(mine, SIG_DFL);
}

TEST_F(HostPreemptTest, AConfiguredSignalIsUsedInsteadOfTheDefault) {
  const int chosen = SIGRTMIN + 6;
  lb::Config config;
  config.preempt_signal = chosen;
  config.slice_ms = 10;
  install(config);
  EXPECT_TRUE(has_our_handler(chosen));
  EXPECT_TRUE(is_default(default_signal()));
  const lb::RunResult r = run(R"(
    local stop = false
    local h = std.task.spawn(function() while not stop do end end)
    std.task.sleep(30)
    stop = true
    h:join()
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  lua_close(L_);
  L_ = nullptr;
  EXPECT_TRUE(is_default(chosen));
}

TEST_F(HostPreemptTest, BadSlicesAndSignalsAreRefused) {
  for (double slice : {-1.0, std::nan(""), 2e9, double(INFINITY)}) {
    lb::Config config;
    config.slice_ms = slice;
    try {
      lb::register_with(L_, &loop_, config);
      ADD_FAILURE() << "slice_ms " << slice << " accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_TRUE(Contains(e.what(), "slice_ms"));
    }
    lua_close(L_);  // the failed installation may have left a runtime behind
    L_ = luaL_newstate();
    luaL_openlibs(L_);
  }
  lb::Config config;
  config.preempt_signal = SIGUSR1;
  EXPECT_THROW(lb::register_with(L_, &loop_, config), std::runtime_error);
  EXPECT_TRUE(is_default(SIGUSR1));
}

TEST_F(HostPreemptTest, TheHostsTimersRunWhileTheMainChunkSpinsAndAbortAllStopsIt) {
  install();
  bool fired = false;
  after_ms(30, [&] {
    fired = true;
    lb::abort_all(L_);
  });
  const lb::RunResult r = run("while true do end");
  EXPECT_TRUE(fired);
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
}

TEST_F(HostPreemptTest, ARuntimeDrivenFromAnotherThreadThanItsRegistrationIsNotPreempted) {
  // A host error (docs/design.md, "Preemption"): the timer measures and signals the
  // registering thread, so the runtime keeps away from it rather than have
  // that thread's handler touch a state another thread runs.
  install();
  lb::RunResult r;
  std::thread other([&] {
    r = lb::run_string(L_, R"(
      local order = {}
      local function busy(name)
        return function()
          order[#order + 1] = name .. " starts"
          local t0 = os.clock()
          while os.clock() - t0 < 0.05 do end
          order[#order + 1] = name .. " ends"
        end
      end
      local a = std.task.spawn(busy("a"))
      local b = std.task.spawn(busy("b"))
      a:join(); b:join()
      result = table.concat(order, ",")
    )", "=other");
  });
  other.join();
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("result"), "a starts,a ends,b starts,b ends");
}

}  // namespace
}  // namespace host_test
