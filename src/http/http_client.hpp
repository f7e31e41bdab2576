// lua-batteries: the HTTP client of a runtime (spec std-io.md 5): one
// libcurl multi handle driven by the runtime's libuv loop with the
// multi-socket interface, as curl's own multi-uv example: a uv_poll per
// socket curl asks to watch, one uv_timer for curl's timeouts. Connections
// are cached by the multi handle and reused across requests.
//
// The poll of a connection's socket lives as long as the socket, not as
// long as curl watches it: curl stops watching a connection between two
// requests (CURL_POLL_REMOVE when it goes back to the cache), and a uv_poll
// closed and made again for the next request costs six epoll_ctl and an
// ioctl. The client learns of the sockets curl opens for connections and
// of their closing (curl's sockopt and closesocket callbacks), keeps their
// polls between requests ("parked") and restarts a poll only when the
// events wanted change. A parked socket that becomes readable (the server
// closed the connection) stops being polled until curl wants it again.
// Any other socket curl asks to watch (the threaded resolver's, which curl
// closes without the callback) gets a poll for as long as curl watches it:
// a poll kept past a close it did not see would watch a stale descriptor
// once its number is reused.
//
// curl sizes its connection cache by the transfers in the multi handle at
// the moment one ends (four connections each); the client removes each
// transfer as it ends, so when many end in one loop turn the count falls
// and curl closes the connections the next requests would have reused.
// The cache is sized from the most transfers there ever were at once.
//
// Lifetime: made on the first request and owned by the runtime
// (lua_batteries::own); closed by the data state's __gc (lua_close) or
// the runtime's shutdown, whichever comes first: every transfer still in
// it is removed, the multi handle cleaned up, the libuv handles closed;
// the object frees itself in the last close callback.
//
// Threading: the loop thread only.
#pragma once

#include <curl/curl.h>
#include <lua.hpp>
#include <uv.h>

#include <cstddef>
#include <vector>

#include "data/try_new.hpp"
#include "lua_batteries/resource.hpp"

namespace lua_batteries::http {

class HttpTransfer;

class HttpClient {
 public:
  /// A new client on `loop`, owned by the runtime of L; `slot` is cleared
  /// when the client goes away. Null when out of memory or the runtime
  /// cannot own it (shut down); `why` then says which.
  static HttpClient* create(lua_State* L, uv_loop_t* loop, HttpClient** slot, const char*& why);
  /// Ends the client (see above). Transfers still in it are told through
  /// HttpTransfer::on_client_closed.
  static void close(HttpClient* client);

  /// An easy handle for a new transfer: one a finished transfer gave back
  /// (recycle_easy), else a new one; null when out of memory.
  CURL* take_easy();
  /// Takes back the easy handle of a finished transfer: reset to curl's
  /// defaults, it serves a later request (making one costs about as much
  /// as a tenth of a whole request), up to kIdleEasyMax of them.
  void recycle_easy(CURL* easy);

  /// Starts `t` (its easy handle is set up). Null, or why it could not:
  /// "not enough memory", "the runtime is shut down", curl's text.
  const char* add(HttpTransfer& t);
  /// Takes `t` out at once (cancel, abort): curl forgets it and closes
  /// its connection if it was mid-transfer.
  void remove(HttpTransfer& t);

 private:
  template <class T, class... Args>
  friend T* data::try_new(Args&&... args);
  HttpClient(uv_loop_t* loop, HttpClient** slot);
  void shut_down();
  void check_done();
  void maybe_free();

  static int on_socket(CURL* easy, curl_socket_t s, int action, void* self, void* socket_data);
  static int on_socket_opened(void* self, curl_socket_t fd, curlsocktype purpose);
  static int on_socket_closing(void* self, curl_socket_t fd);
  static int on_curl_timer(CURLM* multi, long timeout_ms, void* self);
  static void on_uv_timer(uv_timer_t* timer);
  static void on_poll(uv_poll_t* poll, int status, int events);
  static void on_handle_closed(uv_handle_t* handle);
  static void on_shutdown(OwnedResource& owned);

  struct Socket;
  Socket* new_socket(curl_socket_t fd);
  Socket* kept_socket(curl_socket_t fd) const;
  void watch(Socket& s, int events);
  void close_socket(Socket& s);
  int refuse_socket(CURL* easy);

  // Each idle handle keeps its receive buffer (16 KiB): 64 of them take
  // about 1.5 MiB, and cover the requests that end in one loop turn of
  // a fan-out of dozens.
  static constexpr std::size_t kIdleEasyMax = 64;

  uv_loop_t* loop_;
  HttpClient** slot_;
  CURLM* multi_ = nullptr;
  uv_timer_t timer_{};
  HttpTransfer* transfers_ = nullptr;  // in the multi handle, linked
  long transfer_count_ = 0;            // in transfers_
  long most_transfers_ = 0;            // the most transfers_ ever held at once
  Socket* sockets_ = nullptr;          // watched, linked
  std::vector<Socket*> kept_;          // the connections' sockets, by descriptor
  std::vector<CURL*> idle_easy_;       // handed back by finished transfers
  int open_handles_ = 0;               // the timer and the polls not yet closed
  bool has_unwatched_ = false;         // a transfer is marked unwatched_
  bool closed_ = false;
  OwnedResource owned_;
};

}  // namespace lua_batteries::http
