// lua-batteries: one HTTP request of std.http: the curl easy handle, what
// is sent and what came back. It lives in a Lua userdata (the op the
// calling task keeps on its stack, http_module.cpp), so a raise while the
// response is turned into Lua values leaves it to the collector.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "http/http_policy.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::http {

class HttpClient;

class HttpTransfer {
 public:
  /// A transfer on `easy` (from HttpClient::take_easy; null: out of
  /// memory, which setup reports), which it owns.
  explicit HttpTransfer(CURL* easy);
  ~HttpTransfer();
  HttpTransfer(const HttpTransfer&) = delete;
  HttpTransfer& operator=(const HttpTransfer&) = delete;

  /// The settings of the request; false when curl or memory refused one
  /// (error() says which). Call before HttpClient::add.
  bool set_url(const char* url);
  bool set_method(const char* method, bool has_body);
  bool set_body(const char* data, std::size_t size);
  bool add_header(const char* name, const char* value);
  /// Trusts the CA certificates of the PEM file at `path` instead of the
  /// system's store (curl copies the path).
  bool set_ca_file(const char* path);
  bool set_options(bool follow_redirects, bool verify_tls, std::size_t max_body);
  bool finish_setup();
  /// Puts every connection of the transfer under `policy` (http_policy.hpp).
  void set_policy(std::shared_ptr<const NetPolicy> policy);

  /// Called by the client when curl is done with it.
  void on_done(CURLcode result);
  /// The client went away (runtime shutdown) while it was in it.
  void on_client_closed() { client_ = nullptr; in_multi_ = false; }

  CURL* easy() const { return easy_; }
  /// Gives up the easy handle (for HttpClient::recycle_easy) once the
  /// transfer is out of the client; nothing may read the response after.
  CURL* release_easy() { return std::exchange(easy_, nullptr); }
  Awaiter& awaiter() { return awaiter_; }
  bool is_done() const { return done_; }
  CURLcode result() const { return result_; }
  bool overflowed() const { return overflow_; }
  /// Whether it failed for want of memory (curl's or the callbacks').
  bool out_of_memory() const { return out_of_memory_ || result_ == CURLE_OUT_OF_MEMORY; }
  std::size_t max_body() const { return max_body_; }
  long status() const;
  const char* final_url() const;
  const std::string& body() const { return body_; }
  /// The headers of the last response, in order: f(name, value) for each,
  /// the name in lower case.
  template <class F>
  void for_each_header(F&& f) const;
  int header_count() const { return header_count_; }
  const char* error_detail() const { return error_[0] ? error_ : curl_easy_strerror(result_); }
  const char* setup_error() const { return setup_error_; }
  /// Whether the policy refused a hop, and the URL of that hop.
  bool denied() const { return gate_.denied; }
  const char* denied_url() const { return gate_.denied_url.empty() ? final_url() : gate_.denied_url.c_str(); }

  // The client's links.
  HttpClient* client_ = nullptr;
  bool in_multi_ = false;
  bool unwatched_ = false;  // a socket of it could not be watched: it fails
  HttpTransfer* prev_ = nullptr;
  HttpTransfer* next_ = nullptr;

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
  static void on_interrupt(Awaiter& awaiter, Interruption why);

  Awaiter awaiter_;
  CURL* easy_ = nullptr;
  curl_slist* request_headers_ = nullptr;
  std::string request_body_;
  std::string body_;
  // The last response's headers as "name:value\n" lines (the name in
  // lower case, the value trimmed): one buffer rather than two strings
  // a header, read once by for_each_header.
  std::string header_lines_;
  int header_count_ = 0;
  std::size_t max_body_ = std::size_t{64} << 20;
  bool overflow_ = false;
  bool out_of_memory_ = false;  // a callback could not store what curl gave
  bool done_ = false;
  CURLcode result_ = CURLE_OK;
  char error_[CURL_ERROR_SIZE] = "";
  const char* setup_error_ = "";
  HopGate gate_;
};

template <class F>
void HttpTransfer::for_each_header(F&& f) const {
  std::string_view rest = header_lines_;
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::size_t end = rest.find('\n', colon);
    f(rest.substr(0, colon), rest.substr(colon + 1, end - colon - 1));
    rest.remove_prefix(end + 1);
  }
}

}  // namespace lua_batteries::http
