// std.task.select (spec section 4): receive from whichever of several
// channels is ready first.
//
// A select that must wait puts one node into every channel's receivers
// queue. The nodes live in a userdata on the select's own stack (index 2),
// whose user values are the channels, so that they stay alive and the
// same whatever the script does to its array meanwhile. The fiber itself
// waits on select_site, whose interrupt withdraws every node.
// The first channel to deliver takes the others out of their queues before
// anything else runs, so a value can reach at most one of them.
#include <new>

#include "lua/channel.hpp"
#include "runtime/error_value.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

struct SelectWait;

struct SelectNode {
  SiteWait wait;  // on node_site; never interrupted itself
  SelectWait* select;
  Channel* channel;
};

struct SelectWait {
  Fiber* fiber;
  int count;
  int chosen;  // 0-based index of the channel that completed the wait
  WaitState state;
  SelectNode* nodes() { return reinterpret_cast<SelectNode*>(this + 1); }
};

// Takes every node of `sel` but `keep` out of its channel's queue.
void withdraw(SelectWait& sel, int keep) {
  SelectNode* nodes = sel.nodes();
  for (int i = 0; i < sel.count; ++i)
    if (i != keep && nodes[i].wait.node.is_queued()) nodes[i].channel->receivers.remove(nodes[i].wait.node);
}

void node_deliver(Channel&, WaitNode& node, lua_State* from, bool has_value) {
  SelectNode& n = container_of(container_of(node, &SiteWait::node), &SelectNode::wait);
  SelectWait& sel = *n.select;
  const int index = static_cast<int>(&n - sel.nodes());
  withdraw(sel, index);
  sel.chosen = index;
  if (has_value) {
    lua_xmove(from, sel.fiber->innermost(), 1);  // select kept room for it
    sel.state = kCompleted;
  } else {
    sel.state = kClosed;
  }
  sel.fiber->rt.complete_wait(*sel.fiber);
}

// A node is only ever interrupted through its select's own site.
void node_interrupt(WaitSite&, Fiber&, Interruption) {}

ReceiverSite node_site{&node_interrupt, &node_deliver, "channel select"};

void select_interrupt(WaitSite&, Fiber& f, Interruption) {
  SelectWait& sel = *reinterpret_cast<SelectWait*>(f.site_wait.node.data);
  if (sel.state == kWaiting) {
    withdraw(sel, -1);
  } else if (sel.state == kCompleted) {
    // Hard-aborted after a value reached it: the value, on top of the
    // select's stack, goes back to its channel.
    lua_State* W = sel.fiber->innermost();
    Channel& c = *sel.nodes()[sel.chosen].channel;
    --c.handed_out;
    lua_getiuservalue(W, 2, sel.chosen + 1);  // the channel, kept by the wait's userdata
    lua_insert(W, -2);
    channel_give_back(W, lua_gettop(W) - 1, c);
    lua_pop(W, 1);
  }
  sel.state = kInterrupted;
}

WaitSite select_site{&select_interrupt, false, "channel select"};

int after_select(lua_State* L, int, lua_KContext ctx) {
  Fiber& f = *reinterpret_cast<Fiber*>(ctx);
  if (!f.rt.finish_wait(f)) raise_interrupted(L, f);
  auto& sel = *static_cast<SelectWait*>(lua_touserdata(L, 2));
  switch (sel.state) {
    case kCompleted:
      --sel.nodes()[sel.chosen].channel->handed_out;
      lua_pushinteger(L, sel.chosen + 1);
      lua_insert(L, -2);  // index, value
      return 2;
    case kClosed:
      lua_pushinteger(L, sel.chosen + 1);
      lua_pushnil(L);
      return 2;
    default:
      raise_interrupted(L, f);
  }
}

// [-0, +0, v] The Channel at channels[i] (pushed), raising if it is not one.
Channel& push_channel(lua_State* L, int i) {
  lua_rawgeti(L, 1, i);
  Channel* c = test_channel(L, -1);
  if (!c) luaL_error(L, "std.task.select: channels[%d] must be a Channel, got %s", i, luaL_typename(L, -1));
  return *c;
}

// [-0, +(2|0), v] Receives from the first ready channel of the array at
// index 1 (n of them): pushes its index and the value; false if none is.
bool select_now(lua_State* L, int n) {
  for (int i = 1; i <= n; ++i) {
    Channel& c = push_channel(L, i);
    if (channel_ready(c)) {
      const int channel_index = lua_gettop(L);
      lua_pushinteger(L, i);
      channel_take(L, channel_index, c);
      lua_remove(L, channel_index);
      return true;
    }
    lua_pop(L, 1);
  }
  return false;
}

int l_select(lua_State* L) {
  auto& rt = *static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1)));
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  const lua_Unsigned len = lua_rawlen(L, 1);
  if (len == 0) return luaL_error(L, "std.task.select: channels must not be empty");
  if (len > 100000) return luaL_error(L, "std.task.select: too many channels");
  const int n = static_cast<int>(len);
  for (int i = 1; i <= n; ++i) {
    push_channel(L, i);
    lua_pop(L, 1);
  }
  Fiber* f = enter_wait(L, rt);
  if (select_now(L, n)) return 2;
  Fiber& waiter = require_fiber(L, f, "std.task.select");
  luaL_checkstack(L, 8, nullptr);
  void* memory = lua_newuserdatauv(L, sizeof(SelectWait) + sizeof(SelectNode) * n, n);
  auto* sel = new (memory) SelectWait{&waiter, n, -1, kWaiting};
  for (int i = 0; i < n; ++i) {
    Channel* c = &push_channel(L, i + 1);
    lua_setiuservalue(L, 2, i + 1);
    new (&sel->nodes()[i]) SelectNode{SiteWait{&node_site, WaitNode{nullptr, nullptr, 0}}, sel, c};
  }
  // Making the userdata may have run finalizers, and they may have sent:
  // look again before waiting (nothing below allocates).
  if (select_now(L, n)) return 2;
  for (int i = 0; i < n; ++i) sel->nodes()[i].channel->receivers.push_back(sel->nodes()[i].wait.node);
  prepare_node(waiter);  // in no queue: its word is the select's state
  waiter.site_wait.node.data = reinterpret_cast<std::uintptr_t>(sel);
  return suspend_in_queue(L, waiter, select_site, &after_select);
}

}  // namespace

void open_select(lua_State* L, Runtime& rt, int module_index) {
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_select, 1);
  lua_setfield(L, module_index, "select");
}

}  // namespace lua_batteries::detail
