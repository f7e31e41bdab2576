// The route for suspending primitives defined outside the scheduler
// (runtime/wait_site.hpp): a one-shot event built as docs/design.md shows,
// waited for by tasks, completed, cancelled and aborted.
#include <gtest/gtest.h>

#include <new>
#include <vector>

#include "core/container_of.hpp"
#include "core/intrusive_list.hpp"
#include "host_fixture.hpp"
#include "lua/bindings.hpp"
#include "runtime/runtime.hpp"

namespace host_test {
namespace {

namespace d = lb::detail;
using Status = lb::RunResult::Status;

struct Event;
Event* g_event = nullptr;  // the running test's event

struct EventWait {  // one waiting fiber, in a userdata on its own stack
  d::WaitSite site{&EventWait::interrupted, false, "event", &EventWait::describe};
  d::ListHook hook;
  d::Fiber* fiber = nullptr;
  static void interrupted(d::WaitSite& site, d::Fiber& f, lb::Interruption why);
  // [-0, +1, m] What the dump shows after "waiting on ".
  static void describe(lua_State* L, const d::WaitSite&, const d::Fiber&) { lua_pushliteral(L, "event e1 (set())"); }
};

struct Event {
  bool is_set = false;
  d::IntrusiveList<EventWait, &EventWait::hook> waiters;
  std::vector<lb::Interruption> interrupts;
  int continued = 0;  // continuations run
};

void EventWait::interrupted(d::WaitSite& site, d::Fiber&, lb::Interruption why) {
  d::container_of(site, &EventWait::site).hook.unlink();
  g_event->interrupts.push_back(why);
}

int after_event_wait(lua_State* L, int, lua_KContext ctx) {
  d::Fiber& f = *reinterpret_cast<d::Fiber*>(ctx);
  ++g_event->continued;
  if (!f.rt.finish_wait(f)) d::check_cancel(L, f);
  lua_pushliteral(L, "woke");
  return 1;
}

// ev_wait(): suspends until ev_set().
int ev_wait(lua_State* L) {
  if (g_event->is_set) {
    lua_pushliteral(L, "already set");
    return 1;
  }
  d::Runtime& rt = *d::Runtime::from(L);
  d::Fiber& f = d::check_suspendable(L, rt, "ev_wait");
  d::check_cancel(L, f);
  auto* w = new (lua_newuserdatauv(L, sizeof(EventWait), 0)) EventWait{};
  w->fiber = &f;
  g_event->waiters.push_back(*w);
  rt.wait_on(f, w->site);
  return rt.suspend(L, f, &after_event_wait, reinterpret_cast<lua_KContext>(&f));
}

int ev_set(lua_State*) {
  g_event->is_set = true;
  while (EventWait* w = g_event->waiters.pop_front()) w->fiber->rt.complete_wait(*w->fiber);
  return 0;
}

class WaitSiteTest : public HostTest {
 protected:
  void SetUp() override {
    HostTest::SetUp();
    g_event = &event_;
    install();
    add_function("ev_wait", ev_wait);
    add_function("ev_set", ev_set);
  }
  void TearDown() override {
    EXPECT_TRUE(event_.waiters.empty()) << "a waiter was left linked";
    HostTest::TearDown();
    g_event = nullptr;
  }
  Event event_;
};

TEST_F(WaitSiteTest, ATaskWaitingOnASiteContinuesWhenTheEventComes) {
  const lb::RunResult r = run(R"(
    local t = std.task
    local a = t.spawn(function() return ev_wait() end)
    local b = t.spawn(function() return ev_wait() end)
    t.yield()
    ev_set()
    assert(a:join() == "woke")
    assert(b:join() == "woke")
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(event_.continued, 2);
  EXPECT_TRUE(event_.interrupts.empty());
}

TEST_F(WaitSiteTest, CancellingASiteWaitInterruptsItOnceAndRaisesTaskCancelled) {
  const lb::RunResult r = run(R"(
    local t = std.task
    t.scope(function(s)
      s:spawn(function()
        local ok, err = pcall(ev_wait)
        outcome = (not ok and t.is_cancelled(err)) and "cancelled" or tostring(err)
      end)
      t.yield()
      s:cancel()
    end)
    ev_set()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_string("outcome"), "cancelled");
  EXPECT_EQ(event_.interrupts, std::vector<lb::Interruption>{lb::Interruption::cancelled});
  EXPECT_EQ(event_.continued, 1);
}

TEST_F(WaitSiteTest, AnAbortBetweenCompletionAndContinuationReachesInterruptAndNotTheContinuation) {
  const lb::RunResult r = run(R"(
    local t = std.task
    local h = t.spawn(function() ev_wait() reached = true end)
    t.yield()
    ev_set()
    h:abort()
    local ok, err = pcall(h.join, h)
    aborted = not ok and tostring(err) == "task aborted"
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(global_boolean("aborted"));
  EXPECT_TRUE(global_is_nil("reached"));
  EXPECT_EQ(event_.interrupts, std::vector<lb::Interruption>{lb::Interruption::aborted});
  EXPECT_EQ(event_.continued, 0);
}

TEST_F(WaitSiteTest, AShutdownInterruptsAPendingSiteWait) {
  const lb::RunResult r = run(R"(
    std.task.spawn(function() ev_wait() end)
    std.task.yield()
    error("main chunk fails")
  )");
  EXPECT_EQ(r.status, Status::error);
  ASSERT_EQ(event_.interrupts.size(), 1u);
  EXPECT_EQ(event_.interrupts[0], lb::Interruption::cancelled);
}

}  // namespace
}  // namespace host_test

namespace host_test {
namespace {

TEST_F(WaitSiteTest, TheDumpSaysWhatASiteWaitIsWaitingOn) {
  const lb::RunResult r = run(R"lua(
    local t = std.task
    local a = t.spawn(function() return ev_wait() end, { name = "listener" })
    t.yield()
    dump = t.dump("brief")
    ev_set()
    a:join()
  )lua");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_NE(global_string("dump").find("  t1 (listener): waiting on event e1 (set()), age "), std::string::npos)
      << global_string("dump");
}

}  // namespace
}  // namespace host_test
