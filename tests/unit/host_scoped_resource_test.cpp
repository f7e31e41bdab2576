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
    if (p->finish_at_once) {
      r.finish();
    } else if (p->finish_later) {
      HostTest::current->after_ms(50, [p] {
        p->finished = true;
        p->scoped.finish();
      });
    }
  }
  lb::ScopedResource scoped;
  int ends = 0;
  bool hard = false;
  bool finish_at_once = false;
  bool finish_later = false;  // on a loop timer started by on_scope_end
  bool attached = false;
  bool finished = false;  // finish() was called from the loop
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

int l_finished(lua_State* L) {
  lua_pushboolean(L, g_probe.finished);
  return 1;
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
    g_probe.finish_later = false;
    g_probe.finished = false;
    install();
    add_function("attach", l_attach);
    add_function("detach", l_detach);
    add_function("ends", l_ends);
    add_function("finished", l_finished);
  }
  void TearDown() override {
    g_probe.scoped.detach();
    HostTest::TearDown();
  }
};

TEST_F(ScopedResourceTest, TheScopeEndsItAndReturnsOnlyOnceItFinished) {
  // The bridge finishes on a loop timer; the scope must not return before.
  g_probe.finish_later = true;
  const lb::RunResult r = run(R"(
    std.task.scope(function(s)
      assert(attach())
      s:spawn(function() std.task.sleep(20) end)
      assert(ends() == 0)
    end)
    assert(ends() == 1, "not ended")
    returned_after_finish = finished()
  )");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_EQ(g_probe.ends, 1);
  EXPECT_FALSE(g_probe.hard);
  EXPECT_TRUE(global_boolean("returned_after_finish")) << "the scope returned before the resource finished";
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
