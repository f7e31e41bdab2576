// A task gets its Lua thread when it first runs, not when it is spawned.
// When no thread can be made then (Lua is out of memory), the task fails
// with Lua's memory error, as its spawn would have, and nothing else
// breaks: its joiner gets the error, an unjoined one is reported, and
// later tasks run.
#include <gtest/gtest.h>

#include <string>

#include "host_fixture.hpp"

namespace host_test {
namespace {

/// Forwards to the state's allocator, but refuses to grow or make a block
/// while `failing` is set (frees and shrinks still go through).
struct FailingAllocator {
  lua_Alloc base = nullptr;
  void* base_ud = nullptr;
  bool failing = false;
  int refused = 0;

  static void* alloc(void* ud, void* block, size_t old_size, size_t new_size) {
    auto* self = static_cast<FailingAllocator*>(ud);
    if (self->failing && new_size > 0 && (block == nullptr || new_size > old_size)) {
      ++self->refused;
      return nullptr;
    }
    return self->base(self->base_ud, block, old_size, new_size);
  }
};

/// Fails Lua's allocations from the moment a task named "victim..." is
/// reported started (the runtime gives it its thread right after) until
/// any task is reported finished.
class StarvingObserver : public RecordingObserver {
 public:
  explicit StarvingObserver(FailingAllocator& allocator) : allocator_(allocator) {}
  void task_started(const lb::TaskEvent& e) override {
    RecordingObserver::task_started(e);
    if (e.has_name && e.name.substr(0, 6) == "victim") allocator_.failing = true;
  }
  void task_finished(const lb::TaskEvent& e, lb::Outcome outcome, std::string_view error) override {
    allocator_.failing = false;
    RecordingObserver::task_finished(e, outcome, error);
  }

 private:
  FailingAllocator& allocator_;
};

class HostTaskThreadTest : public HostTest {};

TEST_F(HostTaskThreadTest, ATaskThatGetsNoThreadFailsWithTheMemoryErrorAndNothingElseBreaks) {
  FailingAllocator allocator;
  StarvingObserver starving(allocator);
  lb::Config config;
  config.observer = &starving;
  install(config, false);
  allocator.base = lua_getallocf(L_, &allocator.base_ud);
  lua_setallocf(L_, &FailingAllocator::alloc, &allocator);

  const lb::RunResult r = run(R"(
    local t = std.task
    local ran = {}
    local joined = t.spawn(function() ran.joined = true end, {name = "victim-joined"})
    local orphan = t.spawn(function() ran.orphan = true end, {name = "victim-orphan"})
    local ok, err = pcall(joined.join, joined)
    assert(not ok and err == "not enough memory", "join: " .. tostring(err))
    assert(joined:is_finished() and orphan:is_finished(), "a starved task is not finished")
    assert(next(ran) == nil, "a task without a thread ran")
    orphan = nil
    -- Memory is back: later tasks get threads and run.
    local values = {}
    t.scope(function(s)
      for i = 1, 100 do s:spawn(function() t.yield(); values[i] = i end) end
    end)
    assert(#values == 100, "later tasks ran " .. #values .. " of 100")
  )");
  lua_setallocf(L_, allocator.base, allocator.base_ud);
  ASSERT_EQ(r.status, lb::RunResult::Status::ok) << r.message;

  EXPECT_GE(allocator.refused, 2) << "the failure was never reached";
  const auto joined = starving.finish_of("t1(victim-joined)");
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->outcome, lb::Outcome::failed);
  EXPECT_EQ(joined->error, "not enough memory");
  EXPECT_EQ(starving.lines_with("t1(victim-joined)"),
            (std::vector<std::string>{"spawned t1(victim-joined)", "started t1(victim-joined)",
                                      "finished t1(victim-joined) failed"}));
  ASSERT_EQ(starving.unobserved.size(), 1u);
  EXPECT_EQ(starving.unobserved[0].task, "t2(victim-orphan)");
  EXPECT_EQ(starving.unobserved[0].error, "not enough memory");
  EXPECT_EQ(starving.unobserved[0].traceback, "");
}

TEST_F(HostTaskThreadTest, ASpawnedTaskHoldsNoThreadUntilItRuns) {
  install();
  // 2 000 tasks spawned and not yet run cost their handles only: well
  // under the kilobyte a thread takes each.
  const lb::RunResult r = run(R"(
    local t = std.task
    collectgarbage("collect")
    collectgarbage("stop")
    local before = collectgarbage("count")
    local per_task
    t.scope(function(s)
      for _ = 1, 2000 do s:spawn(function() end) end
      per_task = (collectgarbage("count") - before) * 1024 / 2000
    end)
    collectgarbage("restart")
    assert(per_task < 600, ("%.0f bytes per spawned task"):format(per_task))
  )");
  ASSERT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
}

TEST_F(HostTaskThreadTest, ATaskSpawnedUnderADebugHookGetsTheHookOnItsThread) {
  install();
  // A new thread takes its creator's hook (Lua's lua_newthread); a task's
  // thread takes its spawner's, though it is made or reused later. Lua's
  // debug library keeps hook functions per thread, so inside the task
  // debug.gethook shows the hook's mask, not the function.
  const lb::RunResult r = run(R"(
    local t = std.task
    debug.sethook(function() end, "c")
    local hooked = t.spawn(function() return select(2, debug.gethook()) end)
    debug.sethook()
    local plain = t.spawn(function() return select(2, debug.gethook()) end)
    assert(hooked:join() == "c", "the spawner's hook did not reach the task")
    assert(plain:join() == nil, "a hook reached a task spawned without one")
  )");
  ASSERT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
}

/// Fails Lua's allocations from the moment task t<number> is reported
/// started until any task is reported finished.
class StarvingNumberObserver : public RecordingObserver {
 public:
  StarvingNumberObserver(FailingAllocator& allocator, std::uint64_t number) : allocator_(allocator), number_(number) {}
  void task_started(const lb::TaskEvent& e) override {
    RecordingObserver::task_started(e);
    if (e.number == number_) allocator_.failing = true;
  }
  void task_finished(const lb::TaskEvent& e, lb::Outcome outcome, std::string_view error) override {
    allocator_.failing = false;
    RecordingObserver::task_finished(e, outcome, error);
  }

 private:
  FailingAllocator& allocator_;
  std::uint64_t number_;
};

// gather and race run on a fail-fast scope: a task that fails before its
// function could run (no thread) fails the call like any other error,
// instead of leaving a hole in the results.
TEST_F(HostTaskThreadTest, GatherAndRaceRaiseTheFailureOfATaskThatGotNoThread) {
  FailingAllocator allocator;
  StarvingNumberObserver starving(allocator, 2);
  lb::Config config;
  config.observer = &starving;
  config.virtual_time = true;
  install(config, false);
  allocator.base = lua_getallocf(L_, &allocator.base_ud);
  lua_setallocf(L_, &FailingAllocator::alloc, &allocator);

  const lb::RunResult r = run(R"(
    local t = std.task
    local sibling_cancelled = false
    local t0 = std.time.monotonic()
    local ok, err = pcall(t.gather, {
      function()
        local ok2, e2 = pcall(t.sleep, 1000)
        sibling_cancelled = not ok2 and t.is_cancelled(e2)
        return 1
      end,
      function() return 2 end,  -- t2: starved
    })
    assert(not ok and err == "not enough memory", "gather: " .. tostring(err))
    assert(sibling_cancelled, "the other function was cancelled")
    assert(std.time.monotonic() - t0 < 1, "and not waited for")
  )");
  lua_setallocf(L_, allocator.base, allocator.base_ud);
  ASSERT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
  EXPECT_GE(allocator.refused, 1) << "the failure was never reached";
  EXPECT_TRUE(starving.unobserved.empty()) << "the failure gather raised is not reported again";
}

}  // namespace
}  // namespace host_test
