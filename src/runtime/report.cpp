#include "runtime/report.hpp"

#include <uv.h>

#include "core/out_of_memory.hpp"

namespace lua_batteries::detail {
namespace {

int describe_protected(lua_State* L) {
  luaL_tolstring(L, 1, nullptr);
  return 1;
}

// The running conversion's deadline (uv_hrtime), 0 for none; per thread,
// as each loop thread runs its own runtimes.
thread_local std::uint64_t t_describe_deadline_ns = 0;
thread_local bool t_describe_expired = false;
constexpr int kBudgetCheckInstructions = 1000;

void describe_budget_hook(lua_State* L, lua_Debug*) {
  if (t_describe_deadline_ns == 0) {
    lua_sethook(L, nullptr, 0, 0);
    return;
  }
  if (!t_describe_expired && uv_hrtime() < t_describe_deadline_ns) return;
  t_describe_expired = true;
  // Again at the next instruction, until the conversion has unwound.
  lua_sethook(L, describe_budget_hook, LUA_MASKCOUNT, 1);
  lua_pushstring(L, kDescribeTimedOut);
  lua_error(L);
}

}  // namespace

bool is_describing() { return t_describe_deadline_ns != 0; }

void rearm_describe_budget(lua_State* service) {
  if (t_describe_deadline_ns != 0)
    lua_sethook(service, describe_budget_hook, LUA_MASKCOUNT, t_describe_expired ? 1 : kBudgetCheckInstructions);
}

namespace {

// Runs describe_protected on S (function and value pushed) under the
// budget; a conversion inside a conversion keeps the outer deadline.
// Returns whether the budget ran out.
int pcall_with_budget(lua_State* S, bool& expired) {
  const std::uint64_t outer_deadline = t_describe_deadline_ns;
  const bool outer_expired = t_describe_expired;
  const lua_Hook outer_hook = lua_gethook(S);
  const int outer_mask = lua_gethookmask(S);
  const int outer_count = lua_gethookcount(S);
  if (outer_deadline == 0) {
    t_describe_deadline_ns = uv_hrtime() + kDescribeBudgetNs;
    t_describe_expired = false;
  }
  lua_sethook(S, describe_budget_hook, LUA_MASKCOUNT, t_describe_expired ? 1 : kBudgetCheckInstructions);
  const int status = lua_pcall(S, 1, 1, 0);
  expired = t_describe_expired;
  t_describe_deadline_ns = outer_deadline;
  t_describe_expired = outer_expired;
  lua_sethook(S, outer_hook, outer_mask, outer_count);
  return status;
}

int traceback_protected(lua_State* L) {
  auto* thread = static_cast<lua_State*>(lua_touserdata(L, 1));
  luaL_traceback(L, thread, nullptr, 0);
  return 1;
}

}  // namespace

std::string describe_value(lua_State* service, lua_State* from, int index) {
  lua_State* S = service;
  if (!lua_checkstack(S, 3)) return "?";
  lua_pushcfunction(S, &describe_protected);
  lua_pushvalue(from, index);
  lua_xmove(from, S, 1);
  std::string text;
  bool expired = false;
  const int status = pcall_with_budget(S, expired);
  const bool described = allocation_succeeded([&] {
    if (expired) {
      text = kDescribeTimedOut;
    } else if (status == LUA_OK) {
      size_t len = 0;
      const char* s = lua_tolstring(S, -1, &len);
      text.assign(s, len);
    } else if (lua_type(S, -1) == LUA_TSTRING) {
      text = "(error while converting an error to text: ";
      text += lua_tostring(S, -1);
      text += ")";
    } else {
      text = "(an error value that cannot be converted to text)";
    }
  });
  if (!described && !allocation_succeeded([&] { text = "not enough memory"; })) text.clear();
  lua_pop(S, 1);
  return text;
}

bool push_traceback(lua_State* service, lua_State* thread) {
  lua_State* S = service;
  if (!lua_checkstack(S, 3)) return false;
  lua_pushcfunction(S, &traceback_protected);
  lua_pushlightuserdata(S, thread);
  if (lua_pcall(S, 1, 1, 0) == LUA_OK) return true;
  lua_pop(S, 1);
  return false;
}

}  // namespace lua_batteries::detail
