#include "io/net_address.hpp"

#include <cstring>
#include <new>

namespace lua_batteries::io {

bool parse_ip(const char* host, int port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (uv_ip4_addr(host, port, reinterpret_cast<sockaddr_in*>(&out)) == 0) return true;
  return uv_ip6_addr(host, port, reinterpret_cast<sockaddr_in6*>(&out)) == 0;
}

int address_port(const sockaddr* addr) {
  if (addr->sa_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(addr)->sin_port);
  if (addr->sa_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(addr)->sin6_port);
  return 0;
}

std::string format_address(const sockaddr* addr) {
  char ip[64] = "";
  try {
    if (addr->sa_family == AF_INET) {
      uv_ip4_name(reinterpret_cast<const sockaddr_in*>(addr), ip, sizeof ip);
      std::string text = ip;
      text += ':';
      text += std::to_string(address_port(addr));
      return text;
    }
    if (addr->sa_family == AF_INET6) {
      uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(addr), ip, sizeof ip);
      std::string text = "[";
      text += ip;
      text += "]:";
      text += std::to_string(address_port(addr));
      return text;
    }
  } catch (const std::bad_alloc&) {
  }
  return std::string();
}

void describe_tcp(uv_tcp_t* tcp, std::string& peer, std::string& local) {
  sockaddr_storage addr{};
  int len = sizeof addr;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    peer = format_address(reinterpret_cast<sockaddr*>(&addr));
  len = sizeof addr;
  if (uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    local = format_address(reinterpret_cast<sockaddr*>(&addr));
}

}  // namespace lua_batteries::io
