// lua_close with I/O objects alive (spec std-io.md section 0): running
// children are killed and reaped, pipes closed, and one uv_run(NOWAIT)
// afterwards lets uv_loop_close succeed (the fixture's TearDown checks it).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

class IoTeardownTest : public HostTest {};

bool process_exists(lua_Integer pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH; }

TEST_F(IoTeardownTest, LuaCloseKillsAndReapsRunningProcessesAndClosesTheirPipes) {
  install();
  // Handles stay open on purpose: run_string, not run() (which expects an
  // idle loop afterwards).
  const lb::RunResult r = lb::run_string(L_, R"(
    kept = std.process.spawn({"sleep", "30"})
    kept_pid = kept.pid
    piped = std.process.spawn({"cat"})
    piped.stdin:write("x")
    assert(piped.stdout:read(1) == "x")
    piped_pid = piped.pid
  )", "=test");
  ASSERT_EQ(r.status, Status::ok) << r.message;
  const lua_Integer kept = global_integer("kept_pid");
  const lua_Integer piped = global_integer("piped_pid");
  ASSERT_GT(kept, 0);
  ASSERT_GT(piped, 0);
  lua_close(L_);
  L_ = nullptr;
  EXPECT_FALSE(process_exists(kept)) << "a child outlived lua_close";
  EXPECT_FALSE(process_exists(piped)) << "a child outlived lua_close";
}

TEST_F(IoTeardownTest, LuaCloseDuringARunEndsEveryChildAndTheLoopCloses) {
  install();
  // Tasks wait in process.run and a Process is open when the run is
  // hard-aborted; the state is closed after the run returns.
  after_ms(200, [this] { lb::abort_all(L_); });
  const lb::RunResult r = lb::run_string(L_, R"(
    for i = 1, 4 do
      std.task.spawn(function() std.process.run({"sleep", "30"}) end)
    end
    p = std.process.spawn({"sleep", "30"})
    pid = p.pid
    std.task.sleep(60000)
  )", "=test");
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  const lua_Integer pid = global_integer("pid");
  lua_close(L_);
  L_ = nullptr;
  EXPECT_FALSE(process_exists(pid));
  int status = 0;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1) << "a child is left unreaped";
}

}  // namespace
}  // namespace host_test
