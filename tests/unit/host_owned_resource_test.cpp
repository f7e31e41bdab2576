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

}  // namespace
}  // namespace host_test
