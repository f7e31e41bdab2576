// One HTTP request of std.http (http_transfer.hpp). curl's callbacks
// catch C++ allocation failures: nothing may throw into libcurl.
#include "http/http_transfer.hpp"

#include <cstring>
#include <new>

#include "http/http_client.hpp"

namespace lua_batteries::http {

HttpTransfer::HttpTransfer(CURL* easy) : awaiter_(&HttpTransfer::on_interrupt, this), easy_(easy) {}

HttpTransfer::~HttpTransfer() {
  if (client_ != nullptr) client_->remove(*this);
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  curl_slist_free_all(request_headers_);
}

// Cancel or abort: the transfer leaves the multi handle now; a connection
// it was using mid-transfer is closed, not reused.
void HttpTransfer::on_interrupt(Awaiter& awaiter, Interruption) {
  auto* t = static_cast<HttpTransfer*>(awaiter.user_data());
  if (t->client_ != nullptr) t->client_->remove(*t);
}

bool HttpTransfer::set_url(const char* url) {
  if (easy_ == nullptr) return setup_error_ = "not enough memory", false;
  if (curl_easy_setopt(easy_, CURLOPT_URL, url) != CURLE_OK) return setup_error_ = "not enough memory", false;
  return true;
}

bool HttpTransfer::set_method(const char* method, bool has_body) {
  if (std::strcmp(method, "GET") == 0 && !has_body) return true;
  if (std::strcmp(method, "HEAD") == 0) return curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L) == CURLE_OK;
  if (std::strcmp(method, "POST") == 0 && has_body) return true;  // set_body makes it a POST
  return curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK || (setup_error_ = "not enough memory", false);
}

bool HttpTransfer::set_body(const char* data, std::size_t size) {
  try {
    request_body_.assign(data, size);
  } catch (const std::bad_alloc&) {
    return setup_error_ = "not enough memory", false;
  }
  curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_body_.size()));
  curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request_body_.data());
  return true;
}

bool HttpTransfer::add_header(const char* name, const char* value) {
  std::string line;
  try {
    line.append(name).append(*value ? ": " : ";").append(value);  // "Name;" sends an empty header
  } catch (const std::bad_alloc&) {
    return setup_error_ = "not enough memory", false;
  }
  curl_slist* added = curl_slist_append(request_headers_, line.c_str());
  if (added == nullptr) return setup_error_ = "not enough memory", false;
  request_headers_ = added;
  return true;
}

bool HttpTransfer::set_options(bool follow_redirects, bool verify_tls, std::size_t max_body) {
  max_body_ = max_body;
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, follow_redirects ? 1L : 0L);
  curl_easy_setopt(easy_, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, verify_tls ? 1L : 0L);
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, verify_tls ? 2L : 0L);
  return true;
}

bool HttpTransfer::set_ca_file(const char* path) {
  if (curl_easy_setopt(easy_, CURLOPT_CAINFO, path) != CURLE_OK) return setup_error_ = "not enough memory", false;
  return true;
}

bool HttpTransfer::finish_setup() {
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpTransfer::on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &HttpTransfer::on_header);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  if (request_headers_ != nullptr) curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, request_headers_);
  return true;
}

void HttpTransfer::set_policy(std::shared_ptr<const NetPolicy> policy) {
  gate_.policy = std::move(policy);
  gate_.install(easy_);
}

void HttpTransfer::on_done(CURLcode result) {
  result_ = result;
  done_ = true;
  awaiter_.complete();
}

std::size_t HttpTransfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<HttpTransfer*>(self);
  const std::size_t n = size * count;
  if (t->body_.size() + n > t->max_body_) {
    t->overflow_ = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  try {
    t->body_.append(data, n);
  } catch (const std::bad_alloc&) {
    t->out_of_memory_ = true;
    return 0;
  }
  return n;
}

// Header lines of every response on the way (redirects, 100 Continue):
// a status line starts a new set, so the last response's headers remain.
std::size_t HttpTransfer::on_header(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<HttpTransfer*>(self);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    t->header_lines_.clear();
    t->header_count_ = 0;
    return n;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  try {
    std::string& lines = t->header_lines_;
    if (lines.capacity() < 256) lines.reserve(256);  // the usual response's in one allocation
    const std::size_t start = lines.size();
    lines.append(line.substr(0, colon)).append(1, ':').append(value).append(1, '\n');
    for (std::size_t i = start; i < start + colon; ++i) {
      if (lines[i] >= 'A' && lines[i] <= 'Z') lines[i] = static_cast<char>(lines[i] - 'A' + 'a');  // names are ASCII tokens
    }
  } catch (const std::bad_alloc&) {
    t->out_of_memory_ = true;
    return 0;
  }
  ++t->header_count_;
  return n;
}

long HttpTransfer::status() const {
  long code = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

const char* HttpTransfer::final_url() const {
  char* url = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &url);
  return url ? url : "";
}

}  // namespace lua_batteries::http
