// Scope-owned resources (lua_batteries/resource.hpp, spec std-io.md 0):
// a resource attached where it is made is ended when that scope is done,
// and the scope returns only once the resource finished; a resource
// detached before (closed early) is left alone; the root scope takes none.
#include <gtest/gtest.h>

#include "host_fixture.hpp"
#include "lua_batteries/resource.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

struct Probe {
  Probe() : scoped(&Probe::on_scope_end, this) {}
  static void on_scope_end(lb::ScopedResource& r, bool hard) {
    auto* p = static_cast<Probe*>(r.user_data());
    ++p->ends;
    p->hard = hard;
    if (p->finish_at_once) r.finish();
  }
  lb::ScopedResource scoped;
  int ends = 0;
  bool hard = false;
  bool finish_at_once = false;
  bool attached = false;
};

Probe g_probe;

int l_attach(lua_State* L) {
  g_probe.attached = lb::attach_to_scope(L, g_probe.scoped);
  lua_pushboolean(L, g_probe.attached);
  return 1;
}

int l_detach(lua_State*) {
  g_probe.scoped.detach();
  return 0;
}

int l_ends(lua_State* L) {
  lua_pushinteger(L, g_probe.ends);
  return 1;
}

class ScopedResourceTest : public HostTest {
 protected:
  void SetUp() override {
    HostTest::SetUp();
    g_probe.scoped.detach();
    g_probe.ends = 0;
    g_probe.hard = false;
    g_probe.finish_at_once = false;
    install();
    add_function("attach", l_attach);
    add_function("detach", l_detach);
    add_function("ends", l_ends);
  }
  void TearDown() override {
    g_probe.scoped.detach();
    HostTest::TearDown();
  }
};

TEST_F(ScopedResourceTest, TheScopeEndsItAndReturnsOnlyOnceItFinished) {
  after_ms(100, [] { g_probe.scoped.finish(); });
  const lb::RunResult r = run(R"(
    local t0 = std.time.monotonic()
    std.task.scope(function(s)
      assert(attach())
      s:spawn(function() std.task.sleep(20) end)
      assert(ends() == 0)
    end)
    assert(ends() == 1, "not ended")
    waited_for_finish = std.time.monotonic() - t0 >= 0.09
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(g_probe.ends, 1);
  EXPECT_FALSE(g_probe.hard);
  EXPECT_TRUE(global_boolean("waited_for_finish")) << "the scope returned before the resource finished";
}

TEST_F(ScopedResourceTest, AResourceMadeInATaskBelongsToTheTasksScope) {
  g_probe.finish_at_once = true;
  const lb::RunResult r = run(R"(
    std.task.scope(function(s)
      s:spawn(function() assert(attach()) end):join()
      assert(ends() == 0, "ended with its task")
    end)
    assert(ends() == 1)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
}

TEST_F(ScopedResourceTest, ADetachedResourceIsNotEnded) {
  const lb::RunResult r = run(R"(
    std.task.scope(function()
      assert(attach())
      detach()
    end)
    assert(ends() == 0)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
}

TEST_F(ScopedResourceTest, AHardAbortEndsItAtOnceWithoutWaiting) {
  const lb::RunResult r = run(R"(
    local ok, err = pcall(std.task.with_timeout, 20, function()
      assert(attach())
      while true do std.task.sleep(1000) end
    end, { grace_ms = 0 })
    assert(not ok and err.kind == "timeout")
    assert(ends() == 1)
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(g_probe.hard);
  EXPECT_FALSE(g_probe.scoped.is_attached());
}

TEST_F(ScopedResourceTest, TheRootScopeTakesNone) {
  const lb::RunResult r = run("assert(attach() == false)");
  ASSERT_EQ(r.status, Status::ok) << r.message;
}

}  // namespace
}  // namespace host_test
