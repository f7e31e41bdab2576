// lua_close with I/O objects alive (spec std-io.md section 0): running
// children are killed and reaped, pipes closed, and one uv_run(NOWAIT)
// afterwards lets uv_loop_close succeed (the fixture's TearDown checks it).
// Filesystem requests already running on the threadpool cannot be
// stopped: the host runs the loop until they are done.
#include <gtest/gtest.h>
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using Status = lb::RunResult::Status;

class IoTeardownTest : public HostTest {};

bool process_exists(lua_Integer pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH; }

int count_open_descriptors() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (d && ::readdir(d)) ++n;
  if (d) ::closedir(d);
  return n;
}

// The names in `dir`, one a line.
std::string list_directory(const std::string& dir) {
  std::string out;
  DIR* d = ::opendir(dir.c_str());
  while (const dirent* e = d ? ::readdir(d) : nullptr) {
    if (e->d_name[0] == '.') continue;
    out += e->d_name;
    out += '\n';
  }
  if (d) ::closedir(d);
  return out;
}

void remove_tree(const std::string& dir) {
  const std::string listing = list_directory(dir);
  for (std::size_t i = 0; i < listing.size();) {
    const std::size_t end = listing.find('\n', i);
    ::unlink((dir + "/" + listing.substr(i, end - i)).c_str());
    i = end + 1;
  }
  ::rmdir(dir.c_str());
}

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

TEST_F(IoTeardownTest, LuaCloseWithFilesystemRequestsInFlightLeavesNothingOpen) {
  install();
  char dir_template[] = "/tmp/lb-teardown-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const int fds_before = count_open_descriptors();
  // Tasks wait in threadpool requests and a File is open when the run is
  // hard-aborted; the state is closed after the run returns.
  after_ms(50, [this] { lb::abort_all(L_); });
  const lb::RunResult r = lb::run_string(L_, (R"(
    local dir = ")" + dir + R"("
    local data = string.rep("x", 1 << 20)
    held = std.fs.open(dir .. "/held", "w")
    for i = 1, 16 do
      std.task.spawn(function()
        while true do
          std.fs.write(dir .. "/f" .. i, data)
          std.fs.read(dir .. "/f" .. i)
        end
      end)
    end
    std.task.sleep(60000)
  )").c_str(), "=test");
  EXPECT_EQ(r.status, Status::interrupted) << r.message;
  lua_close(L_);
  L_ = nullptr;
  // Requests already running on the threadpool finish; their completions
  // free what they hold.
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(count_open_descriptors(), fds_before);
  // Each write was all or nothing, and no temporary file is left.
  const std::string listing = list_directory(dir);
  for (std::size_t i = 0; i < listing.size();) {
    const std::size_t end = listing.find('\n', i);
    const std::string name = listing.substr(i, end - i);
    EXPECT_TRUE(name == "held" || name[0] == 'f') << name;
    i = end + 1;
  }
  remove_tree(dir);
}

}  // namespace
}  // namespace host_test
