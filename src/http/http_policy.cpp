#include "http/http_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <new>

namespace lua_batteries::http {
namespace {

// A curl URL handle that frees itself.
struct UrlHandle {
  CURLU* h = curl_url();
  ~UrlHandle() { curl_url_cleanup(h); }
};

// A part of a parsed URL, or nullopt.
std::optional<std::string> url_part(CURLU* h, CURLUPart part, unsigned flags) {
  char* text = nullptr;
  if (curl_url_get(h, part, &text, flags) != CURLUE_OK) return std::nullopt;
  std::optional<std::string> out;
  try {
    out.emplace(text);
  } catch (...) {
    curl_free(text);
    throw;
  }
  curl_free(text);
  return out;
}

// The policy's verdict on the hop curl is on (the URL it is connecting
// for, which after a redirect is the new one) at `address`; once a hop
// was refused, every later one is too. Records a refusal in the gate.
bool hop_allowed(HopGate& gate, const sockaddr& address) noexcept {
  bool allowed = false;
  try {
    char* url = nullptr;
    curl_easy_getinfo(gate.easy, CURLINFO_EFFECTIVE_URL, &url);
    if (url != nullptr && !gate.denied) {
      const auto where = url_host(url);
      allowed = where && gate.policy->allows_connect(where->host, where->port) &&
                gate.policy->allows_connect_address(where->host, address);
      if (!allowed) gate.denied_url = url;
    }
  } catch (const std::bad_alloc&) {
    allowed = false;  // nothing may throw into libcurl: out of memory denies
  }
  if (!allowed) gate.denied = true;
  return allowed;
}

// curl's open-socket callback: the check, then the socket curl would have
// made itself.
curl_socket_t open_socket(void* clientp, curlsocktype purpose, curl_sockaddr* address) {
  auto& gate = *static_cast<HopGate*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN || !hop_allowed(gate, address->addr)) {
    gate.denied = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// curl's pre-request callback, once connected and before the request is
// sent: the same check on the connection's peer. It refuses a request on
// a connection reused from the cache, and one whose transfer saw a hop
// refused while another address was being tried (happy eyeballs).
int before_request(void* clientp, char* primary_ip, char*, int primary_port, int) {
  auto& gate = *static_cast<HopGate*>(clientp);
  sockaddr_storage peer{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&peer);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&peer);
  if (::inet_pton(AF_INET, primary_ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(primary_port));
  } else if (::inet_pton(AF_INET6, primary_ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(primary_port));
  } else {
    gate.denied = true;
    return CURL_PREREQFUNC_ABORT;
  }
  return hop_allowed(gate, reinterpret_cast<const sockaddr&>(peer)) ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

}  // namespace

std::optional<UrlHost> url_host(const char* url) {
  UrlHandle u;
  if (u.h == nullptr) throw std::bad_alloc();
  if (curl_url_set(u.h, CURLUPART_URL, url, 0) != CURLUE_OK) return std::nullopt;
  auto host = url_part(u.h, CURLUPART_HOST, 0);
  auto port = url_part(u.h, CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!host || !port) return std::nullopt;
  UrlHost out;
  out.host = std::move(*host);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  // curl keeps a zone id inside the brackets ("fe80::1%25eth0"): the policy
  // compares addresses without one.
  if (const auto zone = out.host.find('%'); zone != std::string::npos && out.host.find(':') != std::string::npos)
    out.host.resize(zone);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), value);
  if (ec != std::errc() || end != port->data() + port->size() || value == 0 || value > 65535) return std::nullopt;
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

void HopGate::install(CURL* easy_handle) {
  easy = easy_handle;
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &before_request);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, this);
}

}  // namespace lua_batteries::http
