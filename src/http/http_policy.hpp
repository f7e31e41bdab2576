// The network policy (lua_batteries/policy.hpp) as std.http applies it
// (spec std-io.md 7): the request's host is checked by name before the
// transfer starts, and every connection curl opens (the first hop and
// every redirect hop) is checked by the hop's name and port and by the
// address curl resolved it to, in curl's open-socket callback, before the
// socket exists; and the connected peer once more in curl's pre-request
// callback, before a request is sent (a connection reused from the cache
// opens no socket). A refused hop fails the transfer (curl gives up and
// the client removes it); the module then raises the denial.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lua_batteries/policy.hpp"

namespace lua_batteries::http {

/// The host (IPv6 without brackets, as the policy takes it) and port
/// (the scheme's default when none is given) of `url`; nullopt when curl
/// cannot parse it. Throws std::bad_alloc.
struct UrlHost {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<UrlHost> url_host(const char* url);

/// What a transfer under a policy keeps for its open-socket callback.
struct HopGate {
  std::shared_ptr<const NetPolicy> policy;
  CURL* easy = nullptr;
  bool denied = false;
  std::string denied_url;  ///< the hop refused (may be empty when out of memory)

  /// Installs the open-socket and pre-request callbacks on `easy`; this
  /// must outlive the transfer.
  void install(CURL* easy_handle);
};

}  // namespace lua_batteries::http
