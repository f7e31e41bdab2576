// Teardown of the data modules (spec std-io.md 6b): a host closes the Lua
// state, or shuts the runtime down first, while tasks wait for SQLite
// statements running on their connections' threads, statements queued
// behind them, an open transaction, and HTTP transfers connected to a
// server that never answers. Nothing leaks (LeakSanitizer in the ASan
// build), the connections' threads are joined, and uv_loop_close succeeds
// (the fixture's TearDown checks it and the cancel tokens).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "host_fixture.hpp"
#include "lua_batteries/resource.hpp"
#include "lua_batteries/sql.hpp"
#include "thread_count.hpp"

namespace host_test {
namespace {

int l_threads(lua_State* L) {
  lua_pushinteger(L, thread_count());
  return 1;
}

/// Starts libuv's threadpool (its threads stay for the process's
/// lifetime), so that thread counts taken after it see only the
/// connections' threads come and go.
void start_libuv_threadpool(uv_loop_t* loop) {
  uv_work_t work;
  uv_queue_work(loop, &work, [](uv_work_t*) {}, [](uv_work_t*, int) {});
  uv_run(loop, UV_RUN_DEFAULT);
}

const char* const kStart = R"lua(
  local t, started = std.task, started
  local slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
  function start(url, path)
    for _ = 1, 3 do
      t.spawn(function() started() std.http.get(url) end)
    end
    t.spawn(function() started() std.sql.query(slow) end)   -- running
    t.spawn(function() started() std.sql.exec("SELECT 1") end)  -- queued behind it
    t.spawn(function() started() std.kv.set("ns", "k", {1, 2}) end)
    t.spawn(function()
      local db = std.sql.open(path)
      db:exec("CREATE TABLE IF NOT EXISTS t (x)")
      db:transaction(function()
        db:exec("INSERT INTO t VALUES (1)")
        started()
        db:query(slow)
      end)
    end)
  end
)lua";

class DataTeardownTest : public HostTest {
 protected:
  void SetUp() override {
    HostTest::SetUp();
    char dir_template[] = "/tmp/lb-data-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    // A listener that takes connections (the kernel completes them) and
    // never answers: every GET stays in flight.
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(listener_, 64), 0);
    socklen_t size = sizeof addr;
    ASSERT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &size), 0);
    url_ = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";
  }
  void TearDown() override {
    HostTest::TearDown();
    if (listener_ >= 0) close(listener_);
    for (const char* name : {"/main.db", "/main.db-wal", "/main.db-shm", "/other.db", "/other.db-wal", "/other.db-shm"})
      std::remove((dir_ + name).c_str());
    rmdir(dir_.c_str());
  }

  /// Installs everything and starts the tasks; returns once all of them
  /// are waiting and the statements have had time to reach their threads.
  void start_everything() {
    install();
    lb::use_sql_database(L_, (dir_ + "/main.db").c_str());
    ASSERT_EQ(exec(kStart), "");
    lua_getglobal(L_, "start");
    lua_pushstring(L_, url_.c_str());
    lua_pushstring(L_, (dir_ + "/other.db").c_str());
    ASSERT_EQ(lua_pcall(L_, 2, 0, 0), LUA_OK) << lua_tostring(L_, -1);
    for (int i = 0; i < 5000 && started_count_ < 7; ++i) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      usleep(200);
    }
    ASSERT_EQ(started_count_, 7);
    for (int i = 0; i < 50; ++i) {  // let the transfers connect and send
      uv_run(&loop_, UV_RUN_NOWAIT);
      usleep(200);
    }
    EXPECT_GE(lb::owned_resource_count(L_), 3u);  // two connections and the HTTP client
  }

  /// lua_close, then the loop turns that hand back any libuv request the
  /// shutdown interrupted (they have returned already).
  void close_state_and_drain() {
    lua_close(L_);
    L_ = nullptr;
    while (loop_.active_reqs.count > 0) uv_run(&loop_, UV_RUN_ONCE);
  }

  std::string dir_;
  std::string url_;
  int listener_ = -1;
};

TEST_F(DataTeardownTest, lua_close_with_queries_transactions_and_transfers_in_flight_leaves_nothing) {
  start_everything();
  close_state_and_drain();
}

TEST_F(DataTeardownTest, shutdown_then_lua_close_with_everything_in_flight_leaves_nothing) {
  start_everything();
  lb::shutdown(L_);
  EXPECT_EQ(lb::owned_resource_count(L_), 0u);
  for (int i = 0; i < 5; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
  close_state_and_drain();
}

TEST_F(DataTeardownTest, a_transaction_cut_by_lua_close_left_no_rows) {
  start_everything();
  close_state_and_drain();
  // A new state on the same file: the transaction's row is not there.
  L_ = luaL_newstate();
  luaL_openlibs(L_);
  install();
  // (run_string, not run(): db:close() closes the handle on the
  // connection's thread, which may still be at it when the run ends.)
  const lb::RunResult r = lb::run_string(L_, "local db = std.sql.open('" + dir_ + "/other.db')\n"
                              "rows = db:query('SELECT count(*) AS n FROM t')[1].n\n"
                              "db:close()", "=test");
  ASSERT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
  EXPECT_EQ(global_integer("rows"), 0);
  close_state_and_drain();
}

TEST_F(DataTeardownTest, a_connection_has_a_thread_from_its_first_statement_until_it_is_closed) {
  install();
  add_function("threads", l_threads);
  start_libuv_threadpool(&loop_);
  const int before = thread_count();
  const lb::RunResult r = lb::run_string(L_, "local db = std.sql.open('" + dir_ + "/other.db')\n"
                              "db:exec('SELECT 1')\n"
                              "open_threads = threads()\n"
                              "db:close()", "=test");
  ASSERT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
  EXPECT_EQ(global_integer("open_threads"), before + 1);
  // The handle closes on the connection's thread after the run; the loop
  // hears of it, then joins the thread.
  for (int i = 0; i < 5000 && thread_count() != before; ++i) {
    uv_run(&loop_, UV_RUN_NOWAIT);
    usleep(1000);
  }
  EXPECT_EQ(thread_count(), before);
}

TEST_F(DataTeardownTest, lua_close_joins_the_thread_of_every_connection) {
  install();
  add_function("threads", l_threads);
  lb::use_sql_database(L_, (dir_ + "/main.db").c_str());
  start_libuv_threadpool(&loop_);
  const int before = thread_count();
  const lb::RunResult r = lb::run_string(L_, "std.sql.exec('SELECT 1')\n"
                              "kept = std.sql.open('" + dir_ + "/other.db')\n"
                              "kept:exec('SELECT 1')\n"
                              "open_threads = threads()", "=test");
  ASSERT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
  EXPECT_EQ(global_integer("open_threads"), before + 2);
  lua_close(L_);
  L_ = nullptr;
  EXPECT_EQ(thread_count(), before) << "lua_close returned before the connections' threads ended";
}

}  // namespace
}  // namespace host_test
