// std.http (spec std-io.md 5), on the runtime's HttpClient:
//
//   std.http.request(opts) -> { status, headers, body, url }
//     opts.url (required, http or https), method ("GET"), headers (table),
//     body (string), follow_redirects (true; at most 10), max_body
//     (64 MiB), verify_tls (true), ca_file (a PEM file of CA certificates
//     to trust instead of the system's)
//   std.http.get(url, opts?)
//   std.http.post(url, body, opts?)   Content-Type application/json unless
//                                     opts.headers gives one (the reference's)
//
// A 4xx/5xx status is a response. A failure to resolve, connect or
// complete raises kind "io" "<op>: cannot fetch '<url>': <libcurl's
// text> (<code>)"; a body over max_body raises kind "io" code "EOVERFLOW".
// Cancelled or aborted: the transfer is removed from the multi handle at
// once (its connection closed); nothing keeps running.
//
// Under a network policy (http_policy.hpp) a request whose host the policy
// refuses by name raises kind "denied" ("<op>: access to '<url>' denied
// by policy") before anything starts; a hop refused later (an address, a
// redirect) fails the transfer before its socket exists and raises the
// same with that hop's URL.
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

#include "data/called_by_collector.hpp"
#include "data/data_state.hpp"
#include "http/http_client.hpp"
#include "http/http_module.hpp"
#include "http/http_transfer.hpp"
#include "io/io_error.hpp"
#include "io/policy_gate.hpp"

namespace lua_batteries::http {
namespace {

constexpr const char* kOpMetatable = "lua_batteries.http.Op";

struct OpSlot {
  bool alive;
  alignas(HttpTransfer) unsigned char storage[sizeof(HttpTransfer)];
  HttpTransfer* transfer() { return std::launder(reinterpret_cast<HttpTransfer*>(storage)); }
};

int op_gc(lua_State* L) {
  auto* slot = static_cast<OpSlot*>(lua_touserdata(L, 1));
  if (slot == nullptr || !slot->alive || !data::called_by_collector(L)) return 0;
  slot->alive = false;
  slot->transfer()->~HttpTransfer();
  return 0;
}

// [-0, +1, m] A new op with a fresh transfer on an easy handle of `client`.
HttpTransfer& push_op(lua_State* L, HttpClient& client) {
  auto* slot = static_cast<OpSlot*>(lua_newuserdatauv(L, sizeof(OpSlot), 0));
  slot->alive = false;
  if (luaL_newmetatable(L, kOpMetatable)) {
    lua_pushcfunction(L, op_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "std.http.Op");
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  HttpTransfer* t = new (slot->storage) HttpTransfer(client.take_easy());
  slot->alive = true;
  return *t;
}

HttpTransfer& op_at(lua_State* L, int index) { return *static_cast<OpSlot*>(lua_touserdata(L, index))->transfer(); }

struct Request {
  const char* url = nullptr;
  const char* method = "GET";
  const char* body = nullptr;
  std::size_t body_size = 0;
  int headers = 0;  // stack index of the headers table, 0: none
  bool follow_redirects = true;
  bool verify_tls = true;
  const char* ca_file = nullptr;  // null: the system's CA store
  lua_Integer max_body = lua_Integer{64} << 20;
  bool json_default = false;  // post: Content-Type application/json unless given
};

[[noreturn]] void bad_option(lua_State* L, const char* op, const char* key, const char* expected) {
  luaL_error(L, "%s: opts.%s: expected %s, got %s", op, key, expected, luaL_typename(L, -1));
  std::abort();
}

// [-0, +0, v] Reads the options table at `index` into `r`.
void read_options(lua_State* L, int index, const char* op, Request& r, bool url_allowed) {
  if (lua_isnoneornil(L, index)) return;
  luaL_checktype(L, index, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "%s: opts keys must be strings, got %s", op, luaL_typename(L, -2));
    const std::string_view key = lua_tostring(L, -2);
    const int type = lua_type(L, -1);
    if (key == "url" && url_allowed) {
      if (type != LUA_TSTRING) bad_option(L, op, "url", "string");
      r.url = lua_tostring(L, -1);
    } else if (key == "method") {
      if (type != LUA_TSTRING) bad_option(L, op, "method", "string");
      r.method = lua_tostring(L, -1);
    } else if (key == "body") {
      if (type != LUA_TSTRING) luaL_error(L, "%s: body must be a string, got %s", op, luaL_typename(L, -1));
      r.body = lua_tolstring(L, -1, &r.body_size);
    } else if (key == "headers") {
      if (type != LUA_TTABLE) bad_option(L, op, "headers", "table");
      r.headers = -1;  // resolved below: the value is pushed to a fixed slot
      lua_pushvalue(L, -1);
      lua_replace(L, index + 1);
    } else if (key == "follow_redirects") {
      if (type != LUA_TBOOLEAN) bad_option(L, op, "follow_redirects", "boolean");
      r.follow_redirects = lua_toboolean(L, -1);
    } else if (key == "verify_tls") {
      if (type != LUA_TBOOLEAN) bad_option(L, op, "verify_tls", "boolean");
      r.verify_tls = lua_toboolean(L, -1);
    } else if (key == "ca_file") {
      if (type != LUA_TSTRING) bad_option(L, op, "ca_file", "string");
      r.ca_file = lua_tostring(L, -1);
    } else if (key == "max_body") {
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0) bad_option(L, op, "max_body", "a non-negative integer");
      r.max_body = lua_tointeger(L, -1);
    } else {
      luaL_error(L, "%s: unknown option '%s'", op, lua_tostring(L, -2));
    }
    lua_pop(L, 1);
  }
  if (r.headers == -1) r.headers = index + 1;
}

bool is_http_url(const char* url) {
  return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

// The code of a failure: libuv's name where one fits, else libcurl's.
const char* code_of(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return "EAI_NONAME";
    case CURLE_COULDNT_CONNECT: return "ECONNREFUSED";
    case CURLE_OPERATION_TIMEDOUT: return "ETIMEDOUT";
    case CURLE_SEND_ERROR: return "EPIPE";
    case CURLE_RECV_ERROR: return "ECONNRESET";
    case CURLE_GOT_NOTHING: return "CURLE_GOT_NOTHING";
    case CURLE_TOO_MANY_REDIRECTS: return "CURLE_TOO_MANY_REDIRECTS";
    case CURLE_UNSUPPORTED_PROTOCOL: return "CURLE_UNSUPPORTED_PROTOCOL";
    case CURLE_URL_MALFORMAT: return "CURLE_URL_MALFORMAT";
    case CURLE_PEER_FAILED_VERIFICATION: return "CURLE_PEER_FAILED_VERIFICATION";
    case CURLE_SSL_CONNECT_ERROR: return "CURLE_SSL_CONNECT_ERROR";
    case CURLE_SSL_CACERT_BADFILE: return "CURLE_SSL_CACERT_BADFILE";
    case CURLE_PARTIAL_FILE: return "CURLE_PARTIAL_FILE";
    case CURLE_OUT_OF_MEMORY: return "ENOMEM";
    default: return "CURLE_ERROR";
  }
}

// [-0, +1, v] The response, or the error of the transfer.
int k_response(lua_State* L, int, lua_KContext ctx) {
  const int op_index = static_cast<int>(ctx);
  HttpTransfer& t = op_at(L, op_index);
  const char* op = lua_tostring(L, lua_upvalueindex(1));
  if (t.denied()) io::raise_denied(L, op, t.denied_url());
  if (t.overflowed()) {
    lua_pushfstring(L, "%s: response body of '%s' over max_body (%I bytes) (EOVERFLOW)", op, t.final_url(),
                    static_cast<LUAI_UACINT>(t.max_body()));
    io::raise_error(L, "io", op, "EOVERFLOW", lua_tostring(L, -1));
  }
  if (t.result() != CURLE_OK) {
    // Out of memory says so in the runtime's words, as everywhere else.
    const char* code = t.out_of_memory() ? "ENOMEM" : code_of(t.result());
    const char* detail = t.out_of_memory() ? "not enough memory" : t.error_detail();
    lua_pushfstring(L, "%s: cannot fetch '%s': %s (%s)", op, t.final_url(), detail, code);
    io::raise_error(L, "io", op, code, lua_tostring(L, -1));
  }
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, static_cast<lua_Integer>(t.status()));
  lua_setfield(L, -2, "status");
  lua_pushlstring(L, t.body().data(), t.body().size());
  lua_setfield(L, -2, "body");
  lua_pushstring(L, t.final_url());
  lua_setfield(L, -2, "url");
  lua_createtable(L, 0, t.header_count());
  t.for_each_header([L](std::string_view name, std::string_view value) {
    lua_pushlstring(L, name.data(), name.size());
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) == LUA_TSTRING) {  // a repeated header: "a, b"
      lua_pushliteral(L, ", ");
      lua_pushlstring(L, value.data(), value.size());
      lua_concat(L, 3);
    } else {
      lua_pop(L, 1);
      lua_pushlstring(L, value.data(), value.size());
    }
    lua_rawset(L, -3);
  });
  lua_setfield(L, -2, "headers");
  if (HttpClient* client = data::check_data_state(L, op).http) client->recycle_easy(t.release_easy());
  return 1;
}

// [-0, +0, v] Sends `r` and waits (the stack holds the strings r points to).
int send(lua_State* L, const Request& r, const char* op) {
  if (r.url == nullptr) luaL_error(L, "%s: opts.url is required", op);
  if (!is_http_url(r.url)) luaL_error(L, "%s: unsupported URL '%s' (expected http:// or https://)", op, r.url);
  data::DataState& state = data::check_data_state(L, op);
  const std::shared_ptr<const NetPolicy>& policy = io::policy_of(L).net;
  if (policy && !io::policy_answer(L, [&] {
        const auto where = url_host(r.url);
        return !where || policy->allows_connect(where->host, where->port);  // unparsable: curl refuses it
      }))
    io::raise_denied(L, op, r.url);
  const char* why = nullptr;
  if (state.http == nullptr) state.http = HttpClient::create(L, state.loop, &state.http, why);
  if (state.http == nullptr) luaL_error(L, "%s: cannot start the request: %s", op, why);
  HttpTransfer& t = push_op(L, *state.http);
  const int op_index = lua_gettop(L);
  bool ok = t.set_url(r.url) && t.set_method(r.method, r.body != nullptr) &&
            (r.body == nullptr || t.set_body(r.body, r.body_size)) &&
            t.set_options(r.follow_redirects, r.verify_tls, static_cast<std::size_t>(r.max_body)) &&
            (r.ca_file == nullptr || t.set_ca_file(r.ca_file));
  bool has_content_type = false;
  if (ok && r.headers != 0) {
    lua_pushnil(L);
    while (ok && lua_next(L, r.headers) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
        luaL_error(L, "%s: opts.headers: names and values must be strings", op);
      }
      if (strcasecmp(lua_tostring(L, -2), "content-type") == 0) has_content_type = true;
      ok = t.add_header(lua_tostring(L, -2), lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  }
  if (ok && r.json_default && !has_content_type) ok = t.add_header("Content-Type", "application/json");
  if (!ok) luaL_error(L, "%s: %s", op, t.setup_error());
  t.finish_setup();
  if (policy) t.set_policy(policy);
  why = state.http->add(t);
  if (why != nullptr) luaL_error(L, "%s: cannot start the request: %s", op, why);
  return await(L, t.awaiter(), op, k_response, op_index);
}

// Each entry point keeps its op name as upvalue 1 (read by k_response).
int http_request(lua_State* L) {
  const char* op = lua_tostring(L, lua_upvalueindex(1));
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);  // 2: the headers table, if any
  Request r;
  read_options(L, 1, op, r, true);
  if (r.url == nullptr) luaL_error(L, "%s: opts.url is required", op);
  return send(L, r, op);
}

int http_get(lua_State* L) {
  const char* op = lua_tostring(L, lua_upvalueindex(1));
  Request r;
  r.url = luaL_checkstring(L, 1);
  lua_settop(L, 3);  // 3: the headers table, if any
  read_options(L, 2, op, r, false);
  return send(L, r, op);
}

int http_post(lua_State* L) {
  const char* op = lua_tostring(L, lua_upvalueindex(1));
  Request r;
  r.url = luaL_checkstring(L, 1);
  r.body = luaL_checklstring(L, 2, &r.body_size);
  r.method = "POST";
  r.json_default = true;
  lua_settop(L, 4);  // 4: the headers table, if any
  read_options(L, 3, op, r, false);
  if (r.body == nullptr) r.body = "";
  return send(L, r, op);
}

}  // namespace

int push_http_module(lua_State* L) {
  lua_createtable(L, 0, 3);
  const struct {
    const char* name;
    lua_CFunction fn;
  } functions[] = {{"request", http_request}, {"get", http_get}, {"post", http_post}};
  for (const auto& f : functions) {
    lua_pushfstring(L, "std.http.%s", f.name);
    lua_pushcclosure(L, f.fn, 1);
    lua_setfield(L, -2, f.name);
  }
  return 1;
}

}  // namespace lua_batteries::http
