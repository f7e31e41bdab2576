// The network policy as std.net and std.http consult it (spec std-io.md
// 7), with a host policy that lets the name "localhost" pass but grants
// only the address 127.0.0.2 for connecting: a name that resolves to an
// address the policy did not grant (localhost is 127.0.0.1 in /etc/hosts)
// is denied after the lookup and before any socket exists. Real loopback
// sockets; the listener that the denied connects aimed at proves, by the
// first connection it accepts being the test's own probe, that none of
// them reached it.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "host_fixture.hpp"
#include "lua_batteries/policy.hpp"

namespace host_test {
namespace {

bool is_v4(const sockaddr& address, const char* text) {
  if (address.sa_family != AF_INET) return false;
  in_addr want{};
  inet_pton(AF_INET, text, &want);
  return reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr == want.s_addr;
}

bool is_literal(std::string_view host) { return !host.empty() && host[0] >= '0' && host[0] <= '9'; }

// Connect: the names "localhost" and "127.0.0.2" pass, the address
// 127.0.0.2 only. Listen: "localhost", "127.0.0.1" and "127.0.0.2" pass by
// name; by address only a literal one (so "localhost" is refused after
// its lookup).
class LocalhostByNameOnly final : public lb::NetPolicy {
 public:
  bool allows_connect(std::string_view host, std::uint16_t) const override {
    return host == "localhost" || host == "127.0.0.2";
  }
  bool allows_connect_address(std::string_view, const sockaddr& address) const override {
    return is_v4(address, "127.0.0.2");
  }
  bool allows_listen(std::string_view host, std::uint16_t) const override {
    return host == "localhost" || host == "127.0.0.1" || host == "127.0.0.2";
  }
  bool allows_listen_address(std::string_view host, const sockaddr& address) const override {
    return is_literal(host) && (is_v4(address, "127.0.0.1") || is_v4(address, "127.0.0.2"));
  }
};

// open_fds() -> the number of this process's descriptors.
int l_open_fds(lua_State* L) {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (d && ::readdir(d)) ++n;
  if (d) ::closedir(d);
  lua_pushinteger(L, n);
  return 1;
}

// probe(port): connects to 127.0.0.1:port outside the runtime (a blocking
// connect of the test's own) and sends "P".
int l_probe(lua_State* L) {
  const auto port = static_cast<std::uint16_t>(luaL_checkinteger(L, 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::write(fd, "P", 1) == 1;
  if (fd >= 0) ::close(fd);
  lua_pushboolean(L, ok);
  return 1;
}

class NetPolicyTest : public HostTest {
 protected:
  void install_policy() {
    lb::Config config;
    config.policy.net = std::make_shared<LocalhostByNameOnly>();
    install(config);
    add_function("open_fds", l_open_fds);
    add_function("probe_connect", l_probe);
  }
};

TEST_F(NetPolicyTest, ANameThatResolvesToADeniedAddressOpensNoSocket) {
  install_policy();
  const lb::RunResult r = run(R"(
    local net, http = std.net, std.http
    local function denied(want, fn, ...)
      local ok, e = pcall(fn, ...)
      assert(not ok, "not denied: " .. want)
      assert(type(e) == "table" and e.kind == "denied" and e.code == "EACCES", tostring(e))
      assert(e.message == want, e.message .. " ~= " .. want)
    end
    local target <close> = net.listen("127.0.0.1", 0)
    local port = target.port
    local before = open_fds()
    -- By name: localhost passes, then its address 127.0.0.1 is refused.
    denied("std.net.connect: access to 'localhost:" .. port .. "' denied by policy", net.connect, "localhost", port)
    -- By name already: 127.0.0.1 is not in the list.
    denied("std.net.connect: access to '127.0.0.1:" .. port .. "' denied by policy", net.connect, "127.0.0.1", port)
    assert(open_fds() == before, "a denied connect left a descriptor")
    -- std.http: the name passes, the address curl resolved is refused
    -- before its socket exists.
    local url = "http://localhost:" .. port .. "/"
    denied("std.http.get: access to '" .. url .. "' denied by policy", http.get, url)
    denied("std.http.get: access to 'http://127.0.0.1:" .. port .. "/x' denied by policy", http.get,
           "http://127.0.0.1:" .. port .. "/x")
    -- Listen: "localhost" passes by name and is refused by address.
    denied("std.net.listen: access to 'localhost:0' denied by policy", net.listen, "localhost", 0)
    denied("std.net.listen: access to '127.0.0.3:0' denied by policy", net.listen, "127.0.0.3", 0)
    -- None of the denied connects reached the listener: the first
    -- connection in its queue is the probe made now.
    assert(probe_connect(port))
    local first <close> = target:accept()
    assert(first:read(1) == "P", "the listener saw a denied connection first")
    -- What the policy grants works.
    local server <close> = net.listen("127.0.0.2", 0)
    local client <close> = net.connect("127.0.0.2", server.port)
    local accepted <close> = server:accept()
    client:write("ping\n")
    assert(accepted:read_line() == "ping")
  )");
  EXPECT_EQ(r.status, lb::RunResult::Status::ok) << r.message;
}

}  // namespace
}  // namespace host_test
