// The await helper's deferred cancel (spec std-io.md 6b): on cancellation
// the bridge is told (cancel_requested) and the task keeps waiting until
// the bridge completes. complete_interrupted() (nothing happened): the
// task raises `task cancelled` after on_interrupt(cancelled).
// complete() (it happened after all): the continuation runs and returns,
// and the cancellation is met at the next suspension point. A hard abort
// ends the wait at once.
#include <gtest/gtest.h>

#include <vector>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;
using Interrupts = std::vector<lb::Interruption>;

// The fixture's bridge: deferred_wait (TimerOp with CancelMode::deferred).
using HostDeferredCancelTest = HostTest;

TEST_F(HostDeferredCancelTest, ACancelledTaskWaitsForTheBridgeToCompleteThenRaisesTaskCancelled) {
  install();
  const lb::RunResult r = run(R"(
    local ok, err = cancel_waiting(deferred_wait, 3600000, 50)
    result_ok = ok
    result_is_cancelled = std.task.is_cancelled(err)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_FALSE(global_boolean("result_ok"));
  EXPECT_TRUE(global_boolean("result_is_cancelled"));
  EXPECT_EQ(k_calls_, 0);
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
  // The wait lasted until the bridge's completion, 50 ms after the cancel.
  ASSERT_NE(ops_[0]->completed_at, 0u);
  EXPECT_GE(ops_[0]->completed_at - ops_[0]->cancel_requested_at, 45'000'000u);
  EXPECT_FALSE(ops_[0]->awaiter.is_waiting());
}

TEST_F(HostDeferredCancelTest, TheScopeDoesNotSettleBeforeTheBridgeCompletes) {
  install();
  const lb::RunResult r = run(R"(
    cancel_waiting(deferred_wait, 3600000, 30)
    scope_returned = true
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("scope_returned"));
  ASSERT_EQ(ops_.size(), 1u);
  // Completed (and the interrupt delivered) before the scope returned.
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
}

TEST_F(HostDeferredCancelTest, ABridgeThatCompletesInsideCancelRequestedEndsTheWaitNextTurn) {
  install();
  const lb::RunResult r = run(R"(
    local ok, err = cancel_waiting(deferred_wait, 3600000, 0)
    result_is_cancelled = std.task.is_cancelled(err)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("result_is_cancelled"));
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
}

TEST_F(HostDeferredCancelTest, AwaitingInAnAlreadyCancelledScopeTellsTheBridgeAndWaitsForIt) {
  install();
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
  ASSERT_EQ(ops_.size(), 2u);
  for (const auto& op : ops_) {
    EXPECT_EQ(op->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
    EXPECT_NE(op->completed_at, 0u);
  }
}

TEST_F(HostDeferredCancelTest, AHardAbortDuringTheDeferredWaitEndsItAtOnce) {
  install();
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
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::aborted}));
  EXPECT_EQ(ops_[0]->completed_at, 0u);
}

TEST_F(HostDeferredCancelTest, ACompletionWithoutCancellationRunsTheContinuation) {
  install();
  const lb::RunResult r = run(R"(
    result = std.task.spawn(function() return deferred_wait(1, 0) end):join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("result"), "completed");
  EXPECT_EQ(k_calls_, 1);
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_TRUE(ops_[0]->interrupts.empty());
}

TEST_F(HostDeferredCancelTest, AnOperationCompletedAfterTheCancelReturnsAndTheNextSuspensionRaises) {
  install();
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
  EXPECT_EQ(k_calls_, 1);
  EXPECT_FALSE(global_boolean("next_ok"));
  EXPECT_TRUE(global_boolean("next_is_cancelled"));
  ASSERT_EQ(ops_.size(), 1u);
  // k ran: the wait did not end with on_interrupt(cancelled).
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested}));
  EXPECT_NE(ops_[0]->completed_at, 0u);
}

TEST_F(HostDeferredCancelTest, AnOperationCompletedInsideCancelRequestedReturns) {
  install();
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
  EXPECT_EQ(k_calls_, 1);
  ASSERT_EQ(ops_.size(), 2u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested}));
  EXPECT_EQ(ops_[1]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
}

TEST_F(HostDeferredCancelTest, CompleteInterruptedWithoutACancelRunsTheContinuation) {
  install();
  const lb::RunResult r = run(R"(
    result = std.task.spawn(function() return deferred_wait(1, 0, "interrupted") end):join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("result"), "completed");
  EXPECT_EQ(k_calls_, 1);
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_TRUE(ops_[0]->interrupts.empty());
  EXPECT_FALSE(ops_[0]->awaiter.cancel_requested());
}

TEST_F(HostDeferredCancelTest, AShutdownRequestWaitsForTheBridgeWithinTheGrace) {
  lb::Config config;
  config.grace_ms = 5000;
  install(config);
  after_ms(20, [this] { lb::request_shutdown(L_); });
  const lb::RunResult r = run(R"(
    std.task.spawn(function() deferred_wait(3600000, 30) end)
  )");
  EXPECT_EQ(r.status, Status::interrupted);
  ASSERT_EQ(ops_.size(), 1u);
  EXPECT_EQ(ops_[0]->interrupts, (Interrupts{lb::Interruption::cancel_requested, lb::Interruption::cancelled}));
  EXPECT_TRUE(observer_.graces.empty()) << "nothing had to be hard-aborted";
}

}  // namespace
}  // namespace host_test
