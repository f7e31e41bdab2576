// The Observer (spec section 5): task spawned / started / finished with
// outcomes, scope opened / closed, deadline hit, grace expired, unobserved
// task errors and __close errors during an abort.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;
using Lines = std::vector<std::string>;

class HostObserverTest : public HostTest {};

TEST_F(HostObserverTest, TasksAreReportedSpawnedStartedAndFinishedWithTheirOutcome) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local ret = t.spawn(function() return 1 end, {name = "ret"})
    local fail = t.spawn(function() error("bad thing", 0) end, {name = "fail"})
    local victim = t.spawn(function() t.sleep(3600000) end, {name = "abort"})
    assert(not pcall(fail.join, fail))
    assert(ret:join() == 1)
    victim:abort()
    t.scope("named", function(s)
      s:spawn(function() t.sleep(3600000) end, {name = "cancel"})
      t.yield()
      s:cancel()
    end)
    t.spawn(function() end):join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;

  EXPECT_EQ(observer_.lines_with("t1(ret)"), (Lines{"spawned t1(ret)", "started t1(ret)", "finished t1(ret) returned"}));
  EXPECT_EQ(observer_.lines_with("t2(fail)"), (Lines{"spawned t2(fail)", "started t2(fail)", "finished t2(fail) failed"}));
  EXPECT_EQ(observer_.lines_with("t3(abort)"),
            (Lines{"spawned t3(abort)", "started t3(abort)", "finished t3(abort) aborted"}));
  EXPECT_EQ(observer_.lines_with("t4(cancel)"),
            (Lines{"spawned t4(cancel)", "started t4(cancel)", "finished t4(cancel) cancelled"}));
  EXPECT_EQ(observer_.lines_with("t5"), (Lines{"spawned t5", "started t5", "finished t5 returned"}));

  EXPECT_EQ(observer_.finish_of("t2(fail)")->error, "bad thing");
  for (const char* task : {"t1(ret)", "t3(abort)", "t4(cancel)", "t5"})
    EXPECT_EQ(observer_.finish_of(task)->error, "") << task;
  EXPECT_TRUE(observer_.unobserved.empty()) << "a joined failure was reported as unobserved";
}

// The failure of a root task nobody joins: reported as it happens with
// Config::report_failures_at_once, else once the handle is garbage or, for
// a handle the script holds, at the end of the run.
constexpr const char* kHeldRootFailure = R"(
    local t = std.task
    held = t.spawn(function() error("held failure", 0) end, {name = "a"})
    t.yield()
    t.spawn(function() end, {name = "b"}):join()
  )";

TEST_F(HostObserverTest, AHeldRootFailureIsReportedAtTheEndOfTheRun) {
  install();
  const lb::RunResult r = run(kHeldRootFailure);
  ASSERT_EQ(r.status, Status::ok) << r.message;
  const auto& log = observer_.log;
  const auto unobserved = std::find(log.begin(), log.end(), "unobserved t1(a)");
  const auto later = std::find(log.begin(), log.end(), "finished t2(b) returned");
  ASSERT_NE(unobserved, log.end());
  ASSERT_NE(later, log.end());
  EXPECT_LT(later - log.begin(), unobserved - log.begin());
}

TEST_F(HostObserverTest, ARootFailureIsReportedAsItHappensWithReportFailuresAtOnce) {
  lb::Config config;
  config.report_failures_at_once = true;
  install(config);
  const lb::RunResult r = run(kHeldRootFailure);
  ASSERT_EQ(r.status, Status::ok) << r.message;
  const auto& log = observer_.log;
  const auto unobserved = std::find(log.begin(), log.end(), "unobserved t1(a)");
  const auto later = std::find(log.begin(), log.end(), "spawned t2(b)");
  ASSERT_NE(unobserved, log.end());
  ASSERT_NE(later, log.end());
  EXPECT_LT(unobserved - log.begin(), later - log.begin());
  ASSERT_EQ(observer_.unobserved.size(), 1u);
  EXPECT_EQ(observer_.unobserved[0].error, "held failure");
  // Reported and let go of, the handle still gives its error to a join.
  const lb::RunResult again = run(R"(
    local ok, err = pcall(held.join, held)
    assert(not ok and err == "held failure", tostring(err))
  )");
  EXPECT_EQ(again.status, Status::ok) << again.message;
}

TEST_F(HostObserverTest, AFailedTaskReportsTheTostringOfAnErrorObject) {
  install();
  const lb::RunResult r = run(R"(
    local h = std.task.spawn(function()
      error(setmetatable({}, {__tostring = function() return "object text" end}))
    end)
    pcall(h.join, h)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  ASSERT_EQ(observer_.finishes.size(), 1u);
  EXPECT_EQ(observer_.finishes[0].outcome, lb::Outcome::failed);
  EXPECT_EQ(observer_.finishes[0].error, "object text");
}

TEST_F(HostObserverTest, ATaskAbortedBeforeItStartedIsFinishedButNeverStarted) {
  install();
  const lb::RunResult r = run(R"(
    local h = std.task.spawn(function() never = true end, {name = "early"})
    h:abort()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(observer_.lines_with("early"), (Lines{"spawned t1(early)", "finished t1(early) aborted"}));
  EXPECT_TRUE(global_is_nil("never"));
}

TEST_F(HostObserverTest, ScopesAreReportedOpenedAndClosedWithKindNameAndOpener) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope("outer", function()
      t.scope(function() end)
    end)
    t.with_timeout(1000, function() end)
    t.spawn(function()
      t.scope("in_task", function() t.yield() end)
    end, {name = "opener"}):join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  const Lines scopes = observer_.lines_with("[");
  EXPECT_EQ(scopes, (Lines{
                        "opened scope[outer] by t0",
                        "opened scope[] by t0",
                        "closed scope[] by t0",
                        "closed scope[outer] by t0",
                        "opened with_timeout[] by t0",
                        "closed with_timeout[] by t0",
                        "opened scope[in_task] by t1",
                        "closed scope[in_task] by t1",
                    }));
}

TEST_F(HostObserverTest, ADeadlineIsReportedWithItsMilliseconds) {
  install();
  const lb::RunResult r = run(R"(
    local ok, err = pcall(std.task.with_timeout, 10, function() std.task.sleep(3600000) end)
    text = tostring(err)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("text"), "task.with_timeout: exceeded 10 ms");
  ASSERT_EQ(observer_.deadlines.size(), 1u);
  EXPECT_EQ(observer_.deadlines[0].scope, "with_timeout[] by t0");
  EXPECT_DOUBLE_EQ(observer_.deadlines[0].deadline_ms, 10.0);
  EXPECT_TRUE(observer_.graces.empty()) << "the body cooperated: nothing was hard-aborted";
}

TEST_F(HostObserverTest, AnExpiredGraceIsReportedWithTheNumberHardAborted) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local function stubborn() while true do pcall(t.yield) end end
    local ok, err = pcall(t.with_timeout, 5, function(s)
      s:spawn(stubborn, {name = "s1"})
      s:spawn(stubborn, {name = "s2"})
      s:spawn(function() t.sleep(3600000) end, {name = "polite"})
      t.sleep(3600000)
    end, {grace_ms = 5})
    text = tostring(err)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("text"), "task.with_timeout: exceeded 5 ms");
  ASSERT_EQ(observer_.graces.size(), 1u);
  EXPECT_TRUE(observer_.graces[0].has_scope);
  EXPECT_EQ(observer_.graces[0].scope, "with_timeout[] by t0");
  EXPECT_EQ(observer_.graces[0].hard_aborted, 2u);
  EXPECT_EQ(observer_.finish_of("t1(s1)")->outcome, lb::Outcome::aborted);
  EXPECT_EQ(observer_.finish_of("t2(s2)")->outcome, lb::Outcome::aborted);
  EXPECT_EQ(observer_.finish_of("t3(polite)")->outcome, lb::Outcome::cancelled);
  const Lines order = observer_.lines_with("with_timeout");
  EXPECT_EQ(order, (Lines{"opened with_timeout[] by t0", "deadline with_timeout[] by t0",
                          "grace with_timeout[] by t0 2", "closed with_timeout[] by t0"}));
}

TEST_F(HostObserverTest, AnUnjoinedFailureInAScopeIsReportedWithItsTextAndTraceback) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      local function deep() error("nobody listens", 0) end
      s:spawn(function() deep() end, {name = "lonely"})
      s:spawn(function()
        error(setmetatable({}, {__tostring = function() return "object error" end}))
      end)
      local joined = s:spawn(function() error("joined failure", 0) end)
      assert(not pcall(joined.join, joined))
      s:spawn(function() t.sleep(3600000) end)  -- cancelled: not an error
      s:spawn(function() t.sleep(3600000) end):abort()
      t.yield()
      s:cancel()
    end)
    after_scope = true
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("after_scope")) << "a child's error failed its scope";
  ASSERT_EQ(observer_.unobserved.size(), 2u);
  EXPECT_EQ(observer_.unobserved[0].task, "t1(lonely)");
  EXPECT_EQ(observer_.unobserved[0].error, "nobody listens");
  EXPECT_TRUE(Contains(observer_.unobserved[0].traceback, "stack traceback"));
  EXPECT_TRUE(Contains(observer_.unobserved[0].traceback, "deep"));
  EXPECT_EQ(observer_.unobserved[1].task, "t2");
  EXPECT_EQ(observer_.unobserved[1].error, "object error");
  // Reported when the scope ends, before it is reported closed.
  const Lines order = observer_.lines_with("unobserved");
  EXPECT_EQ(order.size(), 2u);
  const auto& log = observer_.log;
  const auto closed = std::find(log.begin(), log.end(), "closed scope[] by t0");
  const auto first_report = std::find(log.begin(), log.end(), "unobserved t1(lonely)");
  ASSERT_NE(closed, log.end());
  EXPECT_LT(first_report, closed);
}

TEST_F(HostObserverTest, AnObserverDecliningLifecycleEventsStillGetsTheWarnings) {
  observer_.lifecycle = false;
  lb::Config config;
  config.grace_ms = 0;
  install(config);
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope("named", function(s)
      s:spawn(function() error("nobody listens", 0) end, {name = "lonely"})
      s:spawn(function() return 1 end):join()
    end)
    assert(not pcall(t.with_timeout, 5, function(s)
      s:spawn(function() while true do pcall(t.sleep, 3600000) end end)
      t.sleep(3600000)
    end))
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  ASSERT_EQ(observer_.unobserved.size(), 1u);
  EXPECT_EQ(observer_.unobserved[0].task, "t1(lonely)");
  EXPECT_EQ(observer_.unobserved[0].error, "nobody listens");
  EXPECT_EQ(observer_.deadlines.size(), 1u);
  EXPECT_EQ(observer_.graces.size(), 1u);
  for (const std::string& line : observer_.log)
    for (const char* lifecycle : {"spawned ", "started ", "finished ", "opened ", "closed "})
      EXPECT_NE(line.rfind(lifecycle, 0), 0u) << "a lifecycle event reached the observer: " << line;
  EXPECT_TRUE(observer_.finishes.empty());
}

TEST_F(HostObserverTest, AnUnjoinedFailureInTheRootScopeIsReportedByTheEndOfTheRun) {
  install();
  const lb::RunResult r = run(R"(
    std.task.spawn(function() error("root failure", 0) end, {name = "stray"})
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  ASSERT_EQ(observer_.unobserved.size(), 1u);
  EXPECT_EQ(observer_.unobserved[0].task, "t1(stray)");
  EXPECT_EQ(observer_.unobserved[0].error, "root failure");
}

TEST_F(HostObserverTest, AFailureJoinedAfterTheTaskEndedIsNotReported) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      local h = s:spawn(function() error("late join", 0) end)
      t.sleep(5)
      assert(h:is_finished())
      assert(not pcall(h.join, h))
    end)
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(observer_.unobserved.empty());
}

TEST_F(HostObserverTest, ACloseHandlerRaisingDuringAnAbortIsReportedAndTheOthersRun) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local log = {}
    local h = t.spawn(function()
      local a <close> = setmetatable({}, {__close = function() log[#log + 1] = "outer" end})
      local b <close> = setmetatable({}, {__close = function() error("close boom", 0) end})
      local c <close> = setmetatable({}, {__close = function() log[#log + 1] = "inner" end})
      t.sleep(3600000)
    end, {name = "closer"})
    t.yield()
    h:abort()
    local ok, err = pcall(h.join, h)
    join_text = tostring(err)
    close_log = table.concat(log, ",")
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("close_log"), "inner,outer");
  EXPECT_EQ(global_string("join_text"), "task aborted");
  ASSERT_EQ(observer_.close_errors.size(), 1u);
  EXPECT_EQ(observer_.close_errors[0].task, "t1(closer)");
  EXPECT_EQ(observer_.close_errors[0].error, "close boom");
  EXPECT_EQ(observer_.finish_of("t1(closer)")->outcome, lb::Outcome::aborted);
}

TEST_F(HostObserverTest, EveryCloseHandlerErrorDuringAnAbortIsReported) {
  // Spec 2: "An error raised inside a __close handler during an abort does
  // not stop the remaining handlers and is reported to the observer."
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local h = t.spawn(function()
      local a <close> = setmetatable({}, {__close = function() error("first boom", 0) end})
      local b <close> = setmetatable({}, {__close = function() error("second boom", 0) end})
      t.sleep(3600000)
    end, {name = "two"})
    t.yield()
    h:abort()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  std::vector<std::string> errors;
  for (const auto& e : observer_.close_errors) errors.push_back(e.error);
  EXPECT_EQ(errors, (Lines{"second boom", "first boom"}));
}

TEST_F(HostObserverTest, ACloseHandlerRaisingInANestedCoroutineDuringAnAbortIsReported) {
  install();
  const lb::RunResult r = run(R"(
    local t = std.task
    local h = t.spawn(function()
      local outer <close> = setmetatable({}, {__close = function() closed() end})
      local gen = coroutine.wrap(function()
        local c <close> = setmetatable({}, {__close = function() error("nested boom", 0) end})
        t.sleep(3600000)
      end)
      gen()
    end, {name = "nested"})
    t.yield()
    h:abort()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(close_count_, 1) << "the task's own handler did not run";
  ASSERT_EQ(observer_.close_errors.size(), 1u);
  EXPECT_EQ(observer_.close_errors[0].task, "t1(nested)");
  EXPECT_EQ(observer_.close_errors[0].error, "nested boom");
}

TEST_F(HostObserverTest, WithoutAnObserverEverythingStillWorks) {
  install(lb::Config{}, /*observe=*/false);
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s) s:spawn(function() error("unseen", 0) end) end)
    pcall(t.with_timeout, 1, function(s)
      s:spawn(function() while true do pcall(t.yield) end end)
    end, {grace_ms = 1})
  )");
  EXPECT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(observer_.log.empty());
}

}  // namespace
}  // namespace host_test
