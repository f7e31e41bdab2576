// The task dump from the host side: lua_batteries::dump(L) taken from a
// loop callback while every task is suspended, and what it says about a
// host bridge's pending operation (the Awaiter's `what` and detail).
#include <gtest/gtest.h>

#include <string>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// set_detail(text): the detail of the bridge operation started last.
int l_set_detail(lua_State* L) {
  HostTest::current->ops_.back()->awaiter.set_detail(luaL_checkstring(L, 1));
  return 0;
}

class DumpTest : public HostTest {
 protected:
  void SetUp() override {
    HostTest::SetUp();
    install();
    add_function("set_detail", l_set_detail);
  }
};

TEST_F(DumpTest, AHostDumpFromALoopCallbackShowsEveryTaskWhereItIsSuspended) {
  std::string full;
  std::string brief;
  after_ms(20, [&] {
    full = lb::dump(L_);
    brief = lb::dump(L_, lb::DumpForm::brief);
  });
  const lb::RunResult r = run(R"lua(
    local t = std.task
    local w = t.spawn(function() wait_ms(60000, "x") end, { name = "make" })
    t.spawn(function() t.yield() set_detail("'make' (pid 4121)") end)
    t.sleep(40)
    w:abort()
  )lua");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  EXPECT_TRUE(contains(full, " task(s) alive (0 running, 0 runnable, 0 sleeping, 0 joining, 0 in a scope, 0 waiting, "
                             "1 in a bridge op, 0 aborting), 1 scope(s) open\nroot scope\n  main chunk: sleeping until "))
      << full;
  EXPECT_TRUE(contains(full, "  t1 (make): in bridge op test.wait 'make' (pid 4121), age ")) << full;
  EXPECT_TRUE(contains(full, "    stack traceback:\n      [C]: in function 'wait_ms'\n")) << full;
  EXPECT_TRUE(contains(brief, "  t1 (make): in bridge op test.wait 'make' (pid 4121), age ")) << brief;
  EXPECT_FALSE(contains(brief, "traceback")) << brief;
}

TEST_F(DumpTest, ADumpWithoutTheRuntimeIsEmpty) {
  lua_State* L = luaL_newstate();
  EXPECT_EQ(lb::dump(L), "");
  lua_close(L);
}

}  // namespace
}  // namespace host_test
