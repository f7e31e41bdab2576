// The HTTP client of a runtime (http_client.hpp).
#include "http/http_client.hpp"

#include <unistd.h>

#include <cstddef>
#include <mutex>
#include <new>

#include "data/try_new.hpp"

#include "http/http_transfer.hpp"

namespace lua_batteries::http {

// A socket curl asked us to watch, or a connection's socket (kept).
struct HttpClient::Socket {
  uv_poll_t poll;
  curl_socket_t fd;
  HttpClient* client;
  int events = 0;       // what the poll watches (UV_READABLE, UV_WRITABLE); 0: stopped
  bool kept = false;    // a connection's: closed when curl closes the descriptor
  bool parked = false;  // kept, and curl does not watch it now
  Socket* prev = nullptr;  // the client's sockets
  Socket* next = nullptr;
};

// [-0, +0, -] A socket with its poll (stopped), linked; null when out of
// memory or libuv refuses the descriptor.
HttpClient::Socket* HttpClient::new_socket(curl_socket_t fd) {
  auto* s = data::try_new<Socket>();
  if (s == nullptr) return nullptr;
  s->fd = fd;
  s->client = this;
  s->poll.data = s;
  if (uv_poll_init_socket(loop_, &s->poll, fd) != 0) {
    delete s;
    return nullptr;
  }
  ++open_handles_;
  s->next = sockets_;
  if (sockets_ != nullptr) sockets_->prev = s;
  sockets_ = s;
  return s;
}

HttpClient::Socket* HttpClient::kept_socket(curl_socket_t fd) const {
  return fd >= 0 && static_cast<std::size_t>(fd) < kept_.size() ? kept_[fd] : nullptr;
}

// Restarting a poll costs epoll_ctl calls: only when the events change.
void HttpClient::watch(Socket& s, int events) {
  if (s.events == events) return;
  s.events = events;
  if (events == 0) uv_poll_stop(&s.poll);
  else uv_poll_start(&s.poll, events, &HttpClient::on_poll);
}

void HttpClient::close_socket(Socket& s) {
  if (s.prev != nullptr) s.prev->next = s.next;
  else sockets_ = s.next;
  if (s.next != nullptr) s.next->prev = s.prev;
  if (s.kept) kept_[s.fd] = nullptr;
  uv_poll_stop(&s.poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&s.poll), &HttpClient::on_handle_closed);
}

HttpClient::HttpClient(uv_loop_t* loop, HttpClient** slot)
    : loop_(loop), slot_(slot), owned_(&HttpClient::on_shutdown, this) {
  timer_.data = this;
}

HttpClient* HttpClient::create(lua_State* L, uv_loop_t* loop, HttpClient** slot, const char*& why) {
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  why = "not enough memory";
  auto* c = data::try_new<HttpClient>(loop, slot);
  if (c == nullptr) return nullptr;
  c->multi_ = curl_multi_init();
  const bool owned = c->multi_ != nullptr && own(L, c->owned_);
  if (!owned) {
    if (c->multi_ != nullptr) {
      curl_multi_cleanup(c->multi_);
      why = "the runtime is shut down";
    }
    delete c;
    return nullptr;
  }
  uv_timer_init(loop, &c->timer_);
  c->open_handles_ = 1;
  curl_multi_setopt(c->multi_, CURLMOPT_SOCKETFUNCTION, &HttpClient::on_socket);
  curl_multi_setopt(c->multi_, CURLMOPT_SOCKETDATA, c);
  curl_multi_setopt(c->multi_, CURLMOPT_TIMERFUNCTION, &HttpClient::on_curl_timer);
  curl_multi_setopt(c->multi_, CURLMOPT_TIMERDATA, c);
  return c;
}

void HttpClient::close(HttpClient* client) {
  client->owned_.release();
  client->shut_down();
}

void HttpClient::on_shutdown(OwnedResource& owned) { static_cast<HttpClient*>(owned.user_data())->shut_down(); }

void HttpClient::shut_down() {
  if (closed_) return;
  closed_ = true;
  if (slot_ != nullptr) *slot_ = nullptr;
  while (HttpTransfer* t = transfers_) {
    remove(*t);
    t->on_client_closed();
  }
  // Cleaning up the multi handle closes its cached connections; curl
  // closes each socket through on_socket_closing, which closes its poll.
  curl_multi_cleanup(multi_);
  multi_ = nullptr;
  for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
  idle_easy_.clear();
  while (sockets_ != nullptr) close_socket(*sockets_);  // any curl did not hand back
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &HttpClient::on_handle_closed);
}

CURL* HttpClient::take_easy() {
  if (idle_easy_.empty()) return curl_easy_init();
  CURL* easy = idle_easy_.back();
  idle_easy_.pop_back();
  return easy;
}

void HttpClient::recycle_easy(CURL* easy) {
  if (easy == nullptr) return;
  if (closed_ || idle_easy_.size() >= kIdleEasyMax) {
    curl_easy_cleanup(easy);
    return;
  }
  curl_easy_reset(easy);
  try {
    idle_easy_.push_back(easy);
  } catch (const std::bad_alloc&) {
    curl_easy_cleanup(easy);
  }
}

const char* HttpClient::add(HttpTransfer& t) {
  if (closed_) return "the runtime is shut down";
  curl_easy_setopt(t.easy(), CURLOPT_PRIVATE, &t);
  curl_easy_setopt(t.easy(), CURLOPT_SOCKOPTFUNCTION, &HttpClient::on_socket_opened);
  curl_easy_setopt(t.easy(), CURLOPT_SOCKOPTDATA, this);
  curl_easy_setopt(t.easy(), CURLOPT_CLOSESOCKETFUNCTION, &HttpClient::on_socket_closing);
  curl_easy_setopt(t.easy(), CURLOPT_CLOSESOCKETDATA, this);
  const CURLMcode rc = curl_multi_add_handle(multi_, t.easy());
  if (rc == CURLM_OUT_OF_MEMORY) return "not enough memory";
  if (rc != CURLM_OK) return curl_multi_strerror(rc);
  t.client_ = this;
  t.in_multi_ = true;
  if (++transfer_count_ > most_transfers_) {
    most_transfers_ = transfer_count_;
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, 4 * most_transfers_);
  }
  t.prev_ = nullptr;
  t.next_ = transfers_;
  if (transfers_ != nullptr) transfers_->prev_ = &t;
  transfers_ = &t;
  return nullptr;
}

void HttpClient::remove(HttpTransfer& t) {
  if (!t.in_multi_) return;
  t.in_multi_ = false;
  --transfer_count_;
  if (t.prev_ != nullptr) t.prev_->next_ = t.next_;
  else transfers_ = t.next_;
  if (t.next_ != nullptr) t.next_->prev_ = t.prev_;
  t.prev_ = t.next_ = nullptr;
  curl_multi_remove_handle(multi_, t.easy());
}

// A socket of `easy` cannot be watched (out of memory): without its
// events the transfer would wait forever, so check_done fails it once
// curl has returned. curl is told too (-1).
int HttpClient::refuse_socket(CURL* easy) {
  HttpTransfer* t = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
  if (t != nullptr) {
    t->unwatched_ = true;
    has_unwatched_ = true;
  }
  return -1;
}

void HttpClient::check_done() {
  while (has_unwatched_) {
    has_unwatched_ = false;
    for (HttpTransfer* t = transfers_; t != nullptr; t = t->next_) {
      if (!t->unwatched_) continue;
      t->unwatched_ = false;
      remove(*t);
      t->on_done(CURLE_OUT_OF_MEMORY);
      has_unwatched_ = true;  // the list changed: look again
      break;
    }
  }
  if (multi_ == nullptr) return;
  int pending = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &pending)) {
    if (msg->msg != CURLMSG_DONE) continue;
    HttpTransfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    const CURLcode result = msg->data.result;
    remove(*t);
    t->on_done(result);
  }
}

int HttpClient::on_socket(CURL* easy, curl_socket_t fd, int action, void* self, void* socket_data) {
  auto* c = static_cast<HttpClient*>(self);
  auto* s = static_cast<Socket*>(socket_data);
  if (action == CURL_POLL_REMOVE) {
    if (s == nullptr) return 0;
    if (s->kept) {
      // Idle in curl's cache: a readable socket means the peer closed it
      // (on_poll stops watching then); a writable one would wake the loop
      // for nothing.
      s->parked = true;
      if (s->events & UV_WRITABLE) c->watch(*s, 0);
    } else {
      c->close_socket(*s);
    }
    if (c->multi_ != nullptr) curl_multi_assign(c->multi_, fd, nullptr);
    return 0;
  }
  if (s == nullptr) {
    s = c->kept_socket(fd);
    if (s == nullptr) s = c->new_socket(fd);
    if (s == nullptr) return c->refuse_socket(easy);
    s->parked = false;
    curl_multi_assign(c->multi_, fd, s);
  }
  int events = 0;
  if (action == CURL_POLL_IN || action == CURL_POLL_INOUT) events |= UV_READABLE;
  if (action == CURL_POLL_OUT || action == CURL_POLL_INOUT) events |= UV_WRITABLE;
  c->watch(*s, events);
  return 0;
}

// curl made a socket for a connection: its poll is made now and kept
// until curl closes it (on_socket_closing). Out of memory, the socket is
// watched only while curl asks (on_socket), as any other.
int HttpClient::on_socket_opened(void* self, curl_socket_t fd, curlsocktype purpose) {
  auto* c = static_cast<HttpClient*>(self);
  if (purpose != CURLSOCKTYPE_IPCXN || c->closed_ || fd < 0) return CURL_SOCKOPT_OK;
  try {
    if (static_cast<std::size_t>(fd) >= c->kept_.size()) c->kept_.resize(static_cast<std::size_t>(fd) + 1, nullptr);
  } catch (const std::bad_alloc&) {
    return CURL_SOCKOPT_OK;
  }
  if (Socket* s = c->new_socket(fd)) {
    s->kept = true;
    s->parked = true;  // until curl asks to watch it
    c->kept_[fd] = s;
  }
  return CURL_SOCKOPT_OK;
}

// curl closes a connection's socket (in place of close): its poll goes
// first, while the descriptor is still open.
int HttpClient::on_socket_closing(void* self, curl_socket_t fd) {
  auto* c = static_cast<HttpClient*>(self);
  if (Socket* s = c->kept_socket(fd)) c->close_socket(*s);
  return ::close(fd);
}

int HttpClient::on_curl_timer(CURLM*, long timeout_ms, void* self) {
  auto* c = static_cast<HttpClient*>(self);
  if (c->closed_) return 0;
  if (timeout_ms < 0) {
    uv_timer_stop(&c->timer_);
  } else {
    // 0 means "now": from the loop, not from inside curl's own call.
    uv_timer_start(&c->timer_, &HttpClient::on_uv_timer, static_cast<std::uint64_t>(timeout_ms), 0);
  }
  return 0;
}

void HttpClient::on_uv_timer(uv_timer_t* timer) {
  auto* c = static_cast<HttpClient*>(timer->data);
  int running = 0;
  curl_multi_socket_action(c->multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  c->check_done();
}

void HttpClient::on_poll(uv_poll_t* poll, int status, int events) {
  auto* s = static_cast<Socket*>(poll->data);
  HttpClient* c = s->client;
  if (s->parked) {  // closed by the peer, or in error: curl sees it when it next uses the connection
    c->watch(*s, 0);
    return;
  }
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  int running = 0;
  curl_multi_socket_action(c->multi_, s->fd, flags, &running);
  c->check_done();
}

void HttpClient::on_handle_closed(uv_handle_t* handle) {
  HttpClient* c = nullptr;
  if (handle->type == UV_POLL) {
    auto* s = static_cast<Socket*>(handle->data);
    c = s->client;
    delete s;
  } else {
    c = static_cast<HttpClient*>(handle->data);
  }
  --c->open_handles_;
  c->maybe_free();
}

void HttpClient::maybe_free() {
  if (closed_ && open_handles_ == 0) delete this;
}

}  // namespace lua_batteries::http
