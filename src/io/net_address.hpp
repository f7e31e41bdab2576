// Socket addresses of std.net: literal parsing and "host:port" text.
#pragma once

#include <uv.h>

#include <string>

namespace lua_batteries::io {

/// Parses a literal IPv4 or IPv6 address (no name lookup); false if `host`
/// is none.
bool parse_ip(const char* host, int port, sockaddr_storage& out);
/// "127.0.0.1:5000" or "[::1]:5000"; "" if `addr` is no IP address.
std::string format_address(const sockaddr* addr);
/// The port of an IP address, or 0.
int address_port(const sockaddr* addr);
/// Fills a TCP handle's peer and local address texts.
void describe_tcp(uv_tcp_t* tcp, std::string& peer, std::string& local);

}  // namespace lua_batteries::io
