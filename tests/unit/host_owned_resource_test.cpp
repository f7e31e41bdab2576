// Runtime-owned resources (lua_batteries/resource.hpp, spec std-io.md 6b):
// a resource can outlive the task that waited on it until its close
// callback has run; lua_close ends every one still owned, so that one
// uv_run(UV_RUN_NOWAIT) afterwards lets uv_loop_close succeed.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "host_fixture.hpp"
#include "lua_batteries/resource.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

int g_freed = 0;
int g_shutdowns = 0;

// A heap-allocated handle the runtime owns while it is open: a repeating
// timer (something that would keep the loop alive for ever), freed in its
// close callback.
struct Ticker {
  Ticker() : owned(&Ticker::on_shutdown, this) {}
  static Ticker* start(lua_State* L, uv_loop_t* loop) {
    auto* t = new Ticker;
    uv_timer_init(loop, &t->timer);
    t->timer.data = t;
    uv_timer_start(&t->timer, [](uv_timer_t* h) { ++static_cast<Ticker*>(h->data)->ticks; }, 1, 1);
    if (!lb::own(L, t->owned)) t->close();
    return t;
  }
  static void on_shutdown(lb::OwnedResource& r) {
    ++g_shutdowns;
    static_cast<Ticker*>(r.user_data())->close();
  }
  void close() {
    owned.release();
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), [](uv_handle_t* h) {
      ++g_freed;
      delete static_cast<Ticker*>(h->data);
    });
  }

  uv_timer_t timer{};
  lb::OwnedResource owned;
  int ticks = 0;
};

std::vector<Ticker*> g_tickers;

int l_start_ticker(lua_State* L) {
  g_tickers.push_back(Ticker::start(L, &HostTest::current->loop_));
  return 0;
}

int l_owned_count(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(lb::owned_resource_count(L)));
  return 1;
}

class HostOwnedResourceTest : public HostTest {
 protected:
  void SetUp() override {
    HostTest::SetUp();
    g_freed = g_shutdowns = 0;
    g_tickers.clear();
  }
  void install_bridge() {
    install();
    add_function("start_ticker", l_start_ticker);
    add_function("owned_count", l_owned_count);
  }
};

TEST_F(HostOwnedResourceTest, LuaCloseShutsDownEveryOwnedResourceAndTheLoopCloses) {
  install_bridge();
  EXPECT_EQ(exec("start_ticker() start_ticker() count = owned_count()"), "");
  EXPECT_EQ(global_integer("count"), 2);
  lua_close(L_);
  L_ = nullptr;
  EXPECT_EQ(g_shutdowns, 2);
  EXPECT_EQ(g_freed, 0) << "memory goes in the close callbacks";
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(g_freed, 2);
  // TearDown proves uv_loop_close() == 0.
}

TEST_F(HostOwnedResourceTest, AResourceOutlivesTheTaskThatMadeItUntilItIsReleased) {
  install_bridge();
  // lb::run_string, not run(): the ticker keeps the loop alive on purpose.
  const lb::RunResult r = lb::run_string(L_, R"(
    local t = std.task
    local h = t.spawn(function() start_ticker() t.sleep(3600) end)
    t.sleep(5)
    h:abort()
    pcall(h.join, h)
    count_after_abort = owned_count()
  )", "=test");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_integer("count_after_abort"), 1);
  ASSERT_EQ(g_tickers.size(), 1u);
  EXPECT_TRUE(uv_is_active(reinterpret_cast<uv_handle_t*>(&g_tickers[0]->timer))) << "the ticker stopped with its task";
  g_tickers[0]->close();  // the bridge ends it itself: no shutdown call later
  EXPECT_EQ(lb::owned_resource_count(L_), 0u);
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_EQ(g_freed, 1);
  lua_close(L_);
  L_ = nullptr;
  EXPECT_EQ(g_shutdowns, 0);
}

TEST_F(HostOwnedResourceTest, OwnReturnsFalseWithoutARuntimeOrAfterShutdown) {
  lb::OwnedResource r(nullptr);
  EXPECT_FALSE(lb::own(L_, r));  // std.task is not installed
  install_bridge();
  EXPECT_TRUE(lb::own(L_, r));
  EXPECT_TRUE(r.is_owned());
  r.release();
  EXPECT_FALSE(r.is_owned());
  r.release();  // idempotent
  lb::shutdown(L_);
  EXPECT_FALSE(lb::own(L_, r));
  EXPECT_EQ(lb::owned_resource_count(L_), 0u);
}

TEST_F(HostOwnedResourceTest, ADestroyedResourceLeavesTheRegistry) {
  install_bridge();
  {
    lb::OwnedResource a(nullptr), b(nullptr), c(nullptr);
    ASSERT_TRUE(lb::own(L_, a));
    ASSERT_TRUE(lb::own(L_, b));
    ASSERT_TRUE(lb::own(L_, c));
    EXPECT_EQ(lb::owned_resource_count(L_), 3u);
    b.release();
    EXPECT_EQ(lb::owned_resource_count(L_), 2u);
  }
  EXPECT_EQ(lb::owned_resource_count(L_), 0u);
}

// --- expected completions (set_poll, expect_completion) --------------------------

// A bridge whose completion comes "soon": its poll delivers at the poll
// numbered deliver_at (0: never; then a 1 ms timer delivers it through
// the loop, as a bridge must be able to). Loop iterations are counted by a
// check handle.
struct Imminent {
  Imminent() : owned(nullptr, this), awaiter(nullptr, this) {}
  static bool poll(lb::OwnedResource& r, std::uint64_t until_ns) {
    auto* b = static_cast<Imminent*>(r.user_data());
    ++b->polls;
    EXPECT_GT(until_ns, 0u);
    if (b->deliver_at == 0 || b->polls - b->polls_before < b->deliver_at) return false;
    b->deliver();
    return true;
  }
  void deliver() {
    uv_timer_stop(&timer);
    owned.completion_arrived();
    awaiter.complete();
  }
  lb::OwnedResource owned;
  lb::Awaiter awaiter;
  uv_timer_t timer{};
  int polls = 0;       // since the test began
  int polls_before = 0;  // at the start of the wait
  int deliver_at = 1;
};

Imminent* g_imminent = nullptr;
int g_iterations = 0;

// -> the polls of this wait, and the loop iterations it took
int k_imminent(lua_State* L, int, lua_KContext iterations_before) {
  lua_pushinteger(L, g_imminent->polls - g_imminent->polls_before);
  lua_pushinteger(L, g_iterations - static_cast<int>(iterations_before));
  return 2;
}

// imminent(deliver_at) -> polls, loop iterations while it waited
int l_imminent(lua_State* L) {
  Imminent& b = *g_imminent;
  b.deliver_at = static_cast<int>(luaL_checkinteger(L, 1));
  b.polls_before = b.polls;
  b.awaiter.reset();
  b.owned.set_poll(&Imminent::poll);
  if (!b.owned.is_owned()) lb::own(L, b.owned);
  b.owned.expect_completion();
  // Through the loop: at once when no poll delivers, else as a fallback
  // (a runtime that never polled would fail the test, not hang it).
  uv_timer_start(&b.timer, [](uv_timer_t*) { g_imminent->deliver(); }, b.deliver_at == 0 ? 1 : 2000, 0);
  return lb::await(L, b.awaiter, "imminent", k_imminent, g_iterations);
}

class HostExpectedCompletionTest : public HostTest {
 protected:
  void SetUp() override {
    HostTest::SetUp();
    g_imminent = &bridge_;
    g_iterations = 0;
    uv_timer_init(&loop_, &bridge_.timer);
    uv_check_init(&loop_, &check_);
    uv_check_start(&check_, [](uv_check_t*) { ++g_iterations; });
    uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
    install();
    add_function("imminent", l_imminent);
  }
  void TearDown() override {
    if (L_ != nullptr) lua_close(L_);
    L_ = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&bridge_.timer), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
    HostTest::TearDown();
  }
  Imminent bridge_;
  uv_check_t check_{};
};

TEST_F(HostExpectedCompletionTest, ACompletionThePollDeliversResumesTheTaskWithoutALoopIteration) {
  const lb::RunResult r = run(R"(
    polls, iterations = imminent(1)
    local t = std.task
    -- polled only once nothing can run: after the other task's turns
    turns = 0
    local other = t.spawn(function() for _ = 1, 3 do turns = turns + 1 t.yield() end end)
    t.yield()  -- the other task starts
    polls2, iterations2 = imminent(1)
    turns_seen = turns
    other:join()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_integer("polls"), 1);
  EXPECT_EQ(global_integer("iterations"), 0) << "the task went on in the same dispatch";
  EXPECT_EQ(global_integer("polls2"), 1);
  EXPECT_EQ(global_integer("turns_seen"), 3);
}

TEST_F(HostExpectedCompletionTest, APollThatReturnsFalseGivesTheLoopItsTurn) {
  const lb::RunResult r = run(R"(
    polls, iterations = imminent(0)  -- no poll delivers: a timer does, through the loop
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(global_integer("polls"), 1) << "polled once, then the loop runs until the timer";
  EXPECT_GE(global_integer("iterations"), 1);
}

TEST_F(HostExpectedCompletionTest, AResourceThatExpectsNothingOrIsReleasedIsNotPolled) {
  ASSERT_EQ(run("imminent(1)").status, Status::ok);
  ASSERT_EQ(bridge_.polls, 1);
  // completion_arrived took it off the list: a wait through the loop polls nothing
  ASSERT_EQ(run("std.task.sleep(2)").status, Status::ok);
  EXPECT_EQ(bridge_.polls, 1);
  // expecting, then released: not polled either
  bridge_.owned.expect_completion();
  bridge_.owned.release();
  ASSERT_EQ(run("std.task.sleep(2)").status, Status::ok);
  EXPECT_EQ(bridge_.polls, 1);
  // not owned: expect_completion has no effect
  bridge_.owned.expect_completion();
  ASSERT_EQ(run("std.task.sleep(2)").status, Status::ok);
  EXPECT_EQ(bridge_.polls, 1);
}

TEST_F(HostExpectedCompletionTest, AResourceStillExpectingAtLuaCloseIsTakenOffTheList) {
  bridge_.owned.set_poll(&Imminent::poll);
  ASSERT_TRUE(lb::own(L_, bridge_.owned));
  bridge_.owned.expect_completion();
  lua_close(L_);  // shuts the runtime down: the registry lets go of it
  L_ = nullptr;
  EXPECT_FALSE(bridge_.owned.is_owned());
  bridge_.owned.completion_arrived();  // idempotent, and the registry is gone
  EXPECT_EQ(bridge_.polls, 0);
}

}  // namespace
}  // namespace host_test
