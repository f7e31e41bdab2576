// The built-in network policy (lua_batteries/policy.hpp): endpoint lists.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "lua_batteries/policy.hpp"

namespace lua_batteries {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// An address literal as a sockaddr_storage (port 0), or nothing for a name.
bool parse_address(std::string_view host, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  const std::string text(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    return true;
  }
  return false;
}

bool same_address(const sockaddr_storage& a, const sockaddr& b) {
  if (a.ss_family != b.sa_family) return false;
  if (b.sa_family == AF_INET)
    return reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr == reinterpret_cast<const sockaddr_in&>(b).sin_addr.s_addr;
  if (b.sa_family == AF_INET6)
    return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr,
                       &reinterpret_cast<const sockaddr_in6&>(b).sin6_addr, sizeof(in6_addr)) == 0;
  return false;
}

std::uint16_t port_of(const sockaddr& address) {
  if (address.sa_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  if (address.sa_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return 0;
}

bool is_loopback(const sockaddr& address) {
  if (address.sa_family == AF_INET)
    return (ntohl(reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr) >> 24) == 127;
  if (address.sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a)) return a.s6_addr[12] == 127;
    return IN6_IS_ADDR_LOOPBACK(&a);
  }
  return false;
}

// Loopback, private, link-local, unspecified, multicast, CGNAT, unique
// local: where a name must not lead unless granted by address.
bool is_internal(const sockaddr& address) {
  if (is_loopback(address)) return true;
  std::uint32_t v4 = 0;
  if (address.sa_family == AF_INET) {
    v4 = ntohl(reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr);
  } else if (address.sa_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
    if (!IN6_IS_ADDR_V4MAPPED(&a))
      return IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LINKLOCAL(&a) || IN6_IS_ADDR_SITELOCAL(&a) ||
             IN6_IS_ADDR_MULTICAST(&a) || (a.s6_addr[0] & 0xfe) == 0xfc;
    std::memcpy(&v4, &a.s6_addr[12], 4);
    v4 = ntohl(v4);
  } else {
    return true;
  }
  const auto in = [v4](std::uint32_t net, int bits) { return (v4 >> (32 - bits)) == (net >> (32 - bits)); };
  return in(0x00000000, 8) || in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16) ||
         in(0xa9fe0000, 16) || in(0x64400000, 10) || in(0xe0000000, 4) || in(0xf0000000, 4);
}

bool host_matches(const NetEndpoint& entry, std::string_view host) {
  sockaddr_storage a{}, b{};
  const bool a_is_address = parse_address(entry.host, a);
  if (a_is_address) return parse_address(host, b) && same_address(a, reinterpret_cast<const sockaddr&>(b));
  return entry.host == lowercase(host);
}

bool name_check(const std::vector<NetEndpoint>& entries, std::string_view host, std::uint16_t port) {
  for (const NetEndpoint& e : entries)
    if (host_matches(e, host) && (!e.port || *e.port == port)) return true;
  return false;
}

bool address_check(const std::vector<NetEndpoint>& entries, std::string_view host, const sockaddr& address) {
  const std::uint16_t port = port_of(address);
  for (const NetEndpoint& e : entries) {
    if (e.port && *e.port != port) continue;
    sockaddr_storage literal{};
    if (parse_address(e.host, literal)) {
      if (same_address(literal, address)) return true;
      continue;
    }
    if (e.host != lowercase(host)) continue;
    if (!is_internal(address)) return true;
    if (e.host == "localhost" && is_loopback(address)) return true;
  }
  return false;
}

}  // namespace

std::optional<NetEndpoint> NetEndpoint::parse(std::string_view text) {
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    if (text.find(':', colon + 1) == std::string_view::npos) {  // one colon: host:port
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }  // more: an IPv6 literal without a port
  }
  if (host.empty()) return std::nullopt;
  NetEndpoint endpoint;
  endpoint.host = lowercase(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value > 65535) return std::nullopt;
    endpoint.port = static_cast<std::uint16_t>(value);
  }
  return endpoint;
}

bool NetAllowList::allows_connect(std::string_view host, std::uint16_t port) const {
  return name_check(connect, host, port);
}
bool NetAllowList::allows_connect_address(std::string_view host, const sockaddr& address) const {
  return address_check(connect, host, address);
}
bool NetAllowList::allows_listen(std::string_view host, std::uint16_t port) const {
  return name_check(listen, host, port);
}
bool NetAllowList::allows_listen_address(std::string_view host, const sockaddr& address) const {
  return address_check(listen, host, address);
}

}  // namespace lua_batteries
