// Config::max_tasks: the most tasks alive at once across the runtime.
#include "host_fixture.hpp"

namespace host_test {
namespace {

class HostTaskLimitTest : public HostTest {};

lb::Config limited_to(std::size_t max_tasks) {
  lb::Config config;
  config.max_tasks = max_tasks;
  return config;
}

TEST_F(HostTaskLimitTest, NoLimitByDefault) {
  EXPECT_EQ(lb::Config{}.max_tasks, 0u);
  install();
  const lb::RunResult r = run(R"(
    local handles = {}
    for i = 1, 500 do handles[i] = std.task.spawn(function() std.task.yield() end) end
    for _, h in ipairs(handles) do h:join() end
  )");
  EXPECT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
}

TEST_F(HostTaskLimitTest, SpawnBeyondTheLimitRaisesAtTheCallAndStartsNothing) {
  install(limited_to(3));
  const lb::RunResult r = run(R"(
    local task = std.task
    for i = 1, 3 do task.spawn(function() task.yield() end) end
    local ok, err = pcall(task.spawn, function() refused_task_ran = true end, { name = "refused" })
    refused_error = err
    assert(not ok)
  )");
  EXPECT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
  EXPECT_EQ(global_string("refused_error"), "std.task: task limit reached (3)");
  EXPECT_TRUE(global_is_nil("refused_task_ran"));
  EXPECT_TRUE(observer_.lines_with("refused").empty());
  EXPECT_EQ(observer_.lines_with("spawned").size(), 3u);
}

TEST_F(HostTaskLimitTest, FinishedTasksFreeTheirSlotsWhetherJoinedOrNot) {
  install(limited_to(2));
  const lb::RunResult r = run(R"(
    local task = std.task
    local count = 0
    for round = 1, 50 do
      local a = task.spawn(function() return 1 end)
      task.spawn(function() error("unjoined failure") end)
      count = count + a:join()
      task.yield()  -- the unjoined one finishes
    end
    done_rounds = count
  )");
  EXPECT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
  EXPECT_EQ(global_integer("done_rounds"), 50);
}

TEST_F(HostTaskLimitTest, AbortedAndCancelledTasksFreeTheirSlots) {
  install(limited_to(1));
  const lb::RunResult r = run(R"(
    local task = std.task
    local h = task.spawn(function() task.sleep(60000) end)
    assert(not pcall(task.spawn, function() end))
    h:abort()
    local ok = pcall(task.scope, function(s)
      s:spawn(function() task.sleep(60000) end)
      task.yield()
      s:cancel()
    end)
    assert(ok)
    assert(task.spawn(function() return "free" end):join() == "free")
  )");
  EXPECT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
}

TEST_F(HostTaskLimitTest, TheLimitCountsTasksOfEveryScope) {
  install(limited_to(2));
  const lb::RunResult r = run(R"(
    local task = std.task
    -- The root task stays alive until the nested spawn has been tried,
    -- however slow the machine.
    local done = task.event()
    task.spawn(function() done:wait() end)
    task.scope(function(outer)
      outer:spawn(function()
        task.scope(function(inner)
          -- two live tasks now: the root one and this one's parent
          local ok, err = pcall(inner.spawn, inner, function() end)
          nested_error = err
        end)
      end)
    end)
    done:set()
  )");
  EXPECT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
  EXPECT_EQ(global_string("nested_error"), "std.task: task limit reached (2)");
}

}  // namespace
}  // namespace host_test
