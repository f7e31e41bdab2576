// The policy classes of lua_batteries/policy.hpp on their own: endpoint
// parsing and the allow lists' name and address checks, the Sandbox's
// root matching and its kernel-enforced opens on a real temporary tree,
// the module set of Config::policy, and the memory limit's allocator.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>

#include "lua_batteries/memory_limit.hpp"
#include "lua_batteries/policy.hpp"
#include "lua_batteries/task.hpp"

namespace {

namespace lb = lua_batteries;

sockaddr_in v4(const char* text, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, text, &a.sin_addr);
  return a;
}

const sockaddr& as_sockaddr(const sockaddr_in& a) { return reinterpret_cast<const sockaddr&>(a); }

TEST(NetEndpoint, ParsesHostsAddressesAndPorts) {
  auto e = lb::NetEndpoint::parse("Example.COM:443");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "example.com");
  EXPECT_EQ(e->port, 443);
  e = lb::NetEndpoint::parse("[::1]:8080");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 8080);
  e = lb::NetEndpoint::parse("::1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_FALSE(e->port);
  e = lb::NetEndpoint::parse("127.0.0.1");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->port);
  EXPECT_FALSE(lb::NetEndpoint::parse(""));
  EXPECT_FALSE(lb::NetEndpoint::parse(":80"));
  EXPECT_FALSE(lb::NetEndpoint::parse("host:"));
  EXPECT_FALSE(lb::NetEndpoint::parse("host:65536"));
  EXPECT_FALSE(lb::NetEndpoint::parse("host:8x"));
  EXPECT_FALSE(lb::NetEndpoint::parse("[::1"));
}

TEST(NetAllowList, ChecksTheNameAndThenEveryResolvedAddress) {
  lb::NetAllowList net;
  net.connect = {*lb::NetEndpoint::parse("example.com:443"), *lb::NetEndpoint::parse("127.0.0.1"),
                 *lb::NetEndpoint::parse("localhost:8080")};
  EXPECT_TRUE(net.allows_connect("EXAMPLE.com", 443));
  EXPECT_FALSE(net.allows_connect("example.com", 80));
  EXPECT_FALSE(net.allows_connect("example.org", 443));
  EXPECT_TRUE(net.allows_connect("127.0.0.1", 9));
  // A public address of an allowed name passes; an internal one does not.
  EXPECT_TRUE(net.allows_connect_address("example.com", as_sockaddr(v4("93.184.216.34", 443))));
  EXPECT_FALSE(net.allows_connect_address("example.com", as_sockaddr(v4("10.0.0.1", 443))));
  EXPECT_FALSE(net.allows_connect_address("example.com", as_sockaddr(v4("169.254.169.254", 443))));
  EXPECT_FALSE(net.allows_connect_address("example.com", as_sockaddr(v4("127.0.0.2", 443))));
  // Granted by address; "localhost" reaches loopback on its port only.
  EXPECT_TRUE(net.allows_connect_address("127.0.0.1", as_sockaddr(v4("127.0.0.1", 9))));
  EXPECT_TRUE(net.allows_connect_address("localhost", as_sockaddr(v4("127.0.0.1", 8080))));
  EXPECT_TRUE(net.allows_connect_address("localhost", as_sockaddr(v4("127.0.0.2", 8080))));
  EXPECT_FALSE(net.allows_connect_address("localhost", as_sockaddr(v4("127.0.0.2", 8081))));
  EXPECT_FALSE(net.allows_listen("127.0.0.1", 9));
}

TEST(ProcessAllowList, ComparesRealPaths) {
  lb::ProcessAllowList process;
  const auto echo = lb::canonical_program("echo");
  ASSERT_TRUE(echo);
  EXPECT_EQ((*echo)[0], '/');
  process.programs.push_back(*echo);
  process.env_names.insert("HOME");
  EXPECT_TRUE(process.allows_program(*echo));
  EXPECT_FALSE(process.allows_program("/bin/sh"));
  EXPECT_TRUE(process.allows_env("HOME"));
  EXPECT_FALSE(process.allows_env("PATH"));
  EXPECT_FALSE(lb::canonical_program("no-such-program-anywhere"));
}

/// A temporary tree: root/ (with file "in", directory "sub/") and a file
/// "out" beside root, removed at the end.
class SandboxTree : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lb-policy-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    root_ = base_ + "/root";
    ASSERT_EQ(mkdir(root_.c_str(), 0700), 0);
    ASSERT_EQ(mkdir((root_ + "/sub").c_str(), 0700), 0);
    write(root_ + "/in");
    write(base_ + "/out");
  }
  void TearDown() override { std::system(("rm -rf '" + base_ + "'").c_str()); }
  static void write(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "x", 1), 1);
    ::close(fd);
  }
  /// open_beneath of `path` for reading: the descriptor (closed) or -errno.
  int open_read(const lb::Sandbox& sandbox, const std::string& path) {
    auto where = sandbox.locate(path, lb::PathAccess::read);
    if (!where) return -EACCES;
    const int fd = lb::Sandbox::open_beneath(*where, O_RDONLY);
    if (fd >= 0) ::close(fd);
    return fd >= 0 ? 0 : fd;
  }
  std::string base_, root_;
};

TEST_F(SandboxTree, MatchesRootsByWholeComponentsAndGrantsByMode) {
  write(base_ + "/rootless");
  lb::Sandbox sandbox({{root_, lb::Sandbox::Mode::read_only}});
  EXPECT_TRUE(sandbox.allows(root_ + "/in", lb::PathAccess::read));
  EXPECT_TRUE(sandbox.allows(root_ + "//sub/", lb::PathAccess::list));
  EXPECT_TRUE(sandbox.allows(root_, lb::PathAccess::list));
  EXPECT_FALSE(sandbox.allows(root_ + "less", lb::PathAccess::read));
  EXPECT_FALSE(sandbox.allows(base_ + "/out", lb::PathAccess::read));
  EXPECT_FALSE(sandbox.allows(root_ + "/in", lb::PathAccess::write));
  EXPECT_FALSE(sandbox.allows(root_ + "/in", lb::PathAccess::remove));
  lb::Sandbox writable({{root_, lb::Sandbox::Mode::read_write}});
  EXPECT_TRUE(writable.allows(root_ + "/new", lb::PathAccess::write));
  lb::Sandbox none;
  EXPECT_FALSE(none.allows("/", lb::PathAccess::read));
}

TEST_F(SandboxTree, TheKernelKeepsEveryResolutionBeneathTheRoot) {
  ASSERT_EQ(symlink((base_ + "/out").c_str(), (root_ + "/link-out").c_str()), 0);
  ASSERT_EQ(symlink(base_.c_str(), (root_ + "/dir-out").c_str()), 0);
  ASSERT_EQ(symlink("in", (root_ + "/link-in").c_str()), 0);
  lb::Sandbox sandbox({{root_, lb::Sandbox::Mode::read_only}});
  EXPECT_EQ(open_read(sandbox, root_ + "/in"), 0);
  EXPECT_EQ(open_read(sandbox, root_ + "/link-in"), 0);
  EXPECT_EQ(open_read(sandbox, root_ + "/sub/../in"), 0);
  for (const std::string& escape : {root_ + "/../out", root_ + "/link-out", root_ + "/dir-out/out",
                                    root_ + "/sub/../../out", root_ + "/dir-out/root/in"}) {
    const int r = open_read(sandbox, escape);
    EXPECT_TRUE(lb::Sandbox::is_escape(r)) << escape << ": " << r;
  }
}

TEST_F(SandboxTree, ARelativePathIsTakenFromTheWorkingDirectory) {
  char saved[4096];
  ASSERT_NE(getcwd(saved, sizeof saved), nullptr);
  ASSERT_EQ(chdir(root_.c_str()), 0);
  lb::Sandbox sandbox({{root_, lb::Sandbox::Mode::read_only}});
  EXPECT_EQ(open_read(sandbox, "in"), 0);
  EXPECT_EQ(open_read(sandbox, "sub/../in"), 0);
  EXPECT_TRUE(lb::Sandbox::is_escape(open_read(sandbox, "../out")));
  // A relative root is taken from the working directory when it is made.
  ASSERT_EQ(chdir(base_.c_str()), 0);
  lb::Sandbox relative({{"root", lb::Sandbox::Mode::read_only}});
  ASSERT_EQ(chdir(saved), 0);
  EXPECT_TRUE(relative.allows(root_ + "/in", lb::PathAccess::read));
  EXPECT_EQ(relative.roots()[0].path, root_);
}

TEST_F(SandboxTree, ARootThatIsNoDirectoryIsRefused) {
  EXPECT_THROW(lb::Sandbox({{base_ + "/out", lb::Sandbox::Mode::read_only}}), std::system_error);
  EXPECT_THROW(lb::Sandbox({{base_ + "/missing", lb::Sandbox::Mode::read_only}}), std::system_error);
}

/// Installs with `config` into a fresh state and loop; returns which of the
/// globals std.<names> exist, as "fs,json".
std::string installed_modules(const lb::Config& config) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  lb::register_with(L, &loop, config);
  std::string present;
  for (const char* name : {"task", "time", "log", "process", "net", "fs", "io", "json", "sql", "kv", "http"}) {
    lua_getglobal(L, "std");
    if (lua_getfield(L, -1, name) != LUA_TNIL) present += std::string(present.empty() ? "" : ",") + name;
    lua_pop(L, 2);
  }
  lua_close(L);
  uv_run(&loop, UV_RUN_NOWAIT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
  return present;
}

TEST(PolicyModules, OnlyTheNamedModulesAreInstalledBesideTheRuntime) {
  lb::Config config;
  EXPECT_EQ(installed_modules(config), "task,time,log,process,net,fs,io,json,sql,kv,http");
  config.policy.modules = std::set<std::string, std::less<>>{"fs", "json"};
  EXPECT_EQ(installed_modules(config), "task,time,log,fs,json");
  config.policy.modules = std::set<std::string, std::less<>>{"fs", "sockets"};
  lua_State* L = luaL_newstate();
  uv_loop_t loop;
  uv_loop_init(&loop);
  EXPECT_THROW(lb::register_with(L, &loop, config), std::invalid_argument);
  lua_close(L);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(MemoryLimit, AllocationsBeyondTheLimitFailAndTheStateStaysUsable) {
  lb::MemoryLimit limit;
  limit.limit = 4 * 1024 * 1024;
  lua_State* L = luaL_newstate();
  lb::limit_memory(L, limit);
  luaL_openlibs(L);
  const char* hog = "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end";
  ASSERT_EQ(luaL_loadstring(L, hog), LUA_OK);
  EXPECT_EQ(lua_pcall(L, 0, 0, 0), LUA_ERRMEM);
  EXPECT_STREQ(lua_tostring(L, -1), "not enough memory");
  lua_pop(L, 1);
  EXPECT_LE(limit.peak, limit.limit);
  lua_gc(L, LUA_GCCOLLECT);
  EXPECT_LT(limit.used, limit.limit / 2);  // the table is garbage now
  ASSERT_EQ(luaL_dostring(L, "return ('ok'):rep(2)"), LUA_OK);
  EXPECT_STREQ(lua_tostring(L, -1), "okok");
  lua_close(L);
  EXPECT_EQ(limit.used, 0u);
}

}  // namespace
