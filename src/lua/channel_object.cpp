// std.task.channel and the Channel methods (spec section 1); see
// channel.hpp for how values and waiters are kept.
#include <climits>
#include <cmath>

#include "lua/channel.hpp"
#include "runtime/error_value.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

const char* const kChannelMetatable = "std.task.Channel";

namespace {

constexpr const char* kClosedMessage = "std.task.channel: send on a closed channel";
// Stack a waiter keeps free for what is handed to it while it waits. Lua
// gives a C function LUA_MINSTACK free slots, and send and recv wait with
// at most two values on their frame, so that room is there already (a
// luaL_checkstack per wait was a fiftieth of a hand-off).
constexpr int kWaiterStack = 4;
static_assert(2 + kWaiterStack <= LUA_MINSTACK, "send and recv rely on a C function's LUA_MINSTACK slots");

// A send or a recv is a hand-off's whole cost but for the switch: a
// Channel is a tagged object (bindings.hpp, test_tagged).
Channel& check_channel(lua_State* L, int index) {
  if (Channel* c = test_tagged<Channel>(L, index, kChannelTag)) return *c;
  return *static_cast<Channel*>(check_object(L, index, kChannelMetatable));
}

[[noreturn]] void raise_closed(lua_State* L) {
  push_new_error(L, ErrorKind::closed, kClosedMessage);
  lua_error(L);
  __builtin_unreachable();
}

// --- the ring ---------------------------------------------------------------

// [-0, +1, -]
void push_ring(lua_State* X, int index) { lua_getiuservalue(X, index, 1); }

int slot_of(const Channel& c, int i) { return (c.head + i) % c.ring_size + 1; }

// [-0, +0, m] Grows the ring to at least `need` slots, keeping the order.
// It allocates, so finalizers may run and change the channel meanwhile:
// callers check again afterwards.
void grow(lua_State* L, int index, Channel& c, int need) {
  if (c.ring_size > INT_MAX / 2) luaL_error(L, "not enough memory");
  int size = c.ring_size * 2;
  if (size < need) size = need;
  if (size < 4) size = 4;
  lua_createtable(L, size, 0);
  if (c.count > size) return lua_pop(L, 1);  // a finalizer filled it meanwhile: the caller retries
  push_ring(L, index);
  for (int i = 0; i < c.count; ++i) {
    lua_rawgeti(L, -1, slot_of(c, i));
    lua_rawseti(L, -3, i + 1);  // within the new array part: no allocation
  }
  lua_pop(L, 1);
  lua_setiuservalue(L, index, 1);
  c.ring_size = size;
  c.head = 0;
}

// [-0, +0, -] Appends the value at `value_index` of X; room must exist.
void ring_push_back(lua_State* X, int index, Channel& c, int value_index) {
  value_index = lua_absindex(X, value_index);
  push_ring(X, index);
  lua_pushvalue(X, value_index);
  lua_rawseti(X, -2, slot_of(c, c.count));  // an array slot: no allocation
  lua_pop(X, 1);
  ++c.count;
}

// [-1, +0, -] Prepends the value on top of X; room must exist.
void ring_push_front(lua_State* X, int index, Channel& c) {
  push_ring(X, index);
  lua_insert(X, -2);
  c.head = (c.head + c.ring_size - 1) % c.ring_size;
  lua_rawseti(X, -2, c.head + 1);
  lua_pop(X, 1);
  ++c.count;
}

// [-0, +1, -] Removes the oldest value and pushes it.
void ring_pop_front(lua_State* X, int index, Channel& c) {
  push_ring(X, index);
  lua_rawgeti(X, -1, c.head + 1);
  lua_pushnil(X);
  lua_rawseti(X, -3, c.head + 1);  // the ring does not keep what it gave away
  lua_remove(X, -2);
  c.head = (c.head + 1) % c.ring_size;
  --c.count;
}

// --- handing values over ----------------------------------------------------

// [-1, +0, -] The value on top of `from` goes to the longest-waiting
// receiver; the caller made room for it to come back.
void hand_to_receiver(Channel& c, lua_State* from) {
  WaitNode& node = *c.receivers.pop_front();
  ++c.handed_out;
  static_cast<ReceiverSite&>(site_of(node)).deliver(c, node, from, true);
}

void complete_sender(Channel& c, WaitNode& node, WaitState how) {
  c.senders.remove(node);
  node.data = how;
  Fiber& f = fiber_of(node);
  f.rt.complete_wait(f);
}

// [-0, +1, -] The first waiting sender's value, which it has now sent.
void take_from_sender(lua_State* L, Channel& c) {
  WaitNode& node = *c.senders.front();
  lua_State* S = fiber_of(node).innermost();
  lua_pushvalue(S, 2);  // send's frame: (channel, value); it kept room
  lua_xmove(S, L, 1);
  complete_sender(c, node, kCompleted);
}

// [-0, +0, -] After a value left the ring: the first waiting sender's value
// takes its place if the buffer has room now.
void refill_from_sender(lua_State* L, int index, Channel& c) {
  if (c.senders.empty() || c.count >= c.capacity) return;
  WaitNode& node = *c.senders.front();
  lua_State* S = fiber_of(node).innermost();
  lua_pushvalue(S, 2);
  lua_xmove(S, L, 1);
  ring_push_back(L, index, c, -1);  // into the slot the taken value left
  lua_pop(L, 1);
  complete_sender(c, node, kCompleted);
}

// --- waits ------------------------------------------------------------------

void recv_deliver(Channel&, WaitNode& node, lua_State* from, bool has_value) {
  Fiber& f = fiber_of(node);
  if (has_value) {
    lua_xmove(from, f.innermost(), 1);  // recv kept room for it
    node.data = kCompleted;
  } else {
    node.data = kClosed;
  }
  f.rt.complete_wait(f);
}

void recv_interrupt(WaitSite&, Fiber& f, Interruption) {
  WaitNode& node = f.site_wait.node;
  lua_State* R = f.innermost();
  Channel& c = *static_cast<Channel*>(lua_touserdata(R, 1));  // recv's frame: (channel)
  if (node.is_queued()) {
    c.receivers.remove(node);
  } else if (node.data == kCompleted) {
    // Hard-aborted after the hand-off and before it ran: the value is
    // still on top of its stack and goes back.
    --c.handed_out;
    channel_give_back(R, 1, c);
  }
  node.data = kInterrupted;
}

ReceiverSite recv_site{&recv_interrupt, &recv_deliver, "channel recv"};

void send_interrupt(WaitSite&, Fiber& f, Interruption) {
  WaitNode& node = f.site_wait.node;
  if (node.is_queued()) {
    lua_State* S = f.innermost();
    static_cast<Channel*>(lua_touserdata(S, 1))->senders.remove(node);
  }
  // Once its value was taken (or the channel closed) the send is over.
  if (node.data == kWaiting) node.data = kInterrupted;
}

WaitSite send_site{&send_interrupt, false, "channel send"};

int after_send(lua_State* L, int, lua_KContext ctx) {
  Fiber& f = *reinterpret_cast<Fiber*>(ctx);
  switch (finish_queued_wait(L, f)) {
    case kCompleted:
      return 0;
    case kClosed:
      raise_closed(L);
    default:
      raise_interrupted(L, f);
  }
}

int after_recv(lua_State* L, int, lua_KContext ctx) {
  Fiber& f = *reinterpret_cast<Fiber*>(ctx);
  switch (finish_queued_wait(L, f)) {
    case kCompleted:
      --static_cast<Channel*>(lua_touserdata(L, 1))->handed_out;
      return 1;  // the value, on top
    case kClosed:
      lua_pushnil(L);
      return 1;
    default:
      raise_interrupted(L, f);
  }
}

// --- methods ----------------------------------------------------------------

void check_sendable(lua_State* L) {
  if (lua_isnoneornil(L, 2)) luaL_error(L, "std.task.channel: cannot send nil");
  if (lua_gettop(L) != 2) lua_settop(L, 2);  // lua_settop costs more than the check
}

// [-0, +0, m] Completes a send at once if it can; false if it must wait.
// Growing the ring may run finalizers, which may use this channel: every
// check is made again after it, and nothing allocates between the last
// check and the commit.
bool send_now(lua_State* L, Channel& c) {
  for (;;) {
    const bool to_receiver = !c.receivers.empty();
    if (!to_receiver && c.count >= c.capacity) return false;
    if (c.count + c.handed_out + 1 > c.ring_size) {
      grow(L, 1, c, c.count + c.handed_out + 1);
      continue;
    }
    if (to_receiver)
      hand_to_receiver(c, L);
    else
      ring_push_back(L, 1, c, 2);
    return true;
  }
}

int channel_send(lua_State* L) {
  Channel& c = check_channel(L, 1);
  check_sendable(L);
  Fiber* f = enter_wait(L, *c.rt);
  if (c.closed) raise_closed(L);
  if (send_now(L, c)) return 0;
  Fiber& waiter = require_fiber(L, f, "std.task.Channel:send");
  prepare_node(waiter);
  c.senders.push_back(waiter.site_wait.node);
  return suspend_in_queue(L, waiter, send_site, &after_send);
}

int channel_try_send(lua_State* L) {
  Channel& c = check_channel(L, 1);
  check_sendable(L);
  if (c.closed) raise_closed(L);
  lua_pushboolean(L, send_now(L, c));
  return 1;
}

int channel_recv(lua_State* L) {
  Channel& c = check_channel(L, 1);
  // Also called by the generic for, with a second value. (lua_settop costs
  // more than the check.)
  if (lua_gettop(L) != 1) lua_settop(L, 1);
  Fiber* f = enter_wait(L, *c.rt);
  if (channel_ready(c)) {
    channel_take(L, 1, c);
    return 1;
  }
  Fiber& waiter = require_fiber(L, f, "std.task.Channel:recv");
  prepare_node(waiter);
  c.receivers.push_back(waiter.site_wait.node);
  return suspend_in_queue(L, waiter, recv_site, &after_recv);
}

int channel_try_recv(lua_State* L) {
  Channel& c = check_channel(L, 1);
  lua_settop(L, 1);
  if (channel_ready(c))
    channel_take(L, 1, c);
  else
    lua_pushnil(L);
  return 1;
}

int channel_close(lua_State* L) {
  Channel& c = check_channel(L, 1);
  if (c.closed) return 0;
  c.closed = true;
  // Receivers wait only while nothing is buffered: they get the end.
  while (WaitNode* node = c.receivers.pop_front())
    static_cast<ReceiverSite&>(site_of(*node)).deliver(c, *node, L, false);
  while (WaitNode* node = c.senders.front()) complete_sender(c, *node, kClosed);
  return 0;
}

int channel_iter(lua_State* L) {
  check_channel(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));  // the metatable: recv's fast type check
  lua_pushcclosure(L, channel_recv, 1);
  lua_pushvalue(L, 1);
  return 2;
}

int channel_len(lua_State* L) {
  lua_pushinteger(L, check_channel(L, 1).count);
  return 1;
}

int channel_capacity(lua_State* L) {
  const Channel& c = check_channel(L, 1);
  if (c.unbounded)
    lua_pushnumber(L, HUGE_VAL);
  else
    lua_pushinteger(L, c.capacity);
  return 1;
}

int channel_is_closed(lua_State* L) {
  lua_pushboolean(L, check_channel(L, 1).closed);
  return 1;
}

int channel_tostring(lua_State* L) {
  const Channel& c = check_channel(L, 1);
  const char* closed = c.closed ? ", closed" : "";
  if (c.unbounded)
    lua_pushfstring(L, "channel: %p (unbounded, %d buffered%s)", lua_topointer(L, 1), c.count, closed);
  else
    lua_pushfstring(L, "channel: %p (capacity %I, %d buffered%s)", lua_topointer(L, 1),
                    static_cast<LUAI_UACINT>(c.capacity), c.count, closed);
  return 1;
}

// std.task.channel(capacity?)
int l_channel(lua_State* L) {
  auto& rt = *static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1)));
  lua_Integer capacity = 0;
  if (!lua_isnoneornil(L, 1) && (!read_count(L, 1, true, &capacity) || capacity < 0))
    raise_bad_value(L, 1, "std.task.channel: capacity must be a non-negative integer or math.huge");
  auto* c = static_cast<Channel*>(lua_newuserdatauv(L, sizeof(Channel), 1));
  c->tag = object_tag(c, kChannelTag);
  c->rt = &rt;
  c->capacity = capacity;
  c->unbounded = capacity == LUA_MAXINTEGER;
  c->closed = false;
  c->ring_size = 0;
  c->head = 0;
  c->count = 0;
  c->handed_out = 0;
  c->receivers.init();
  c->senders.init();
  lua_rawgetp(L, LUA_REGISTRYINDEX, kChannelMetatable);
  lua_setmetatable(L, -2);
  lua_createtable(L, 0, 0);
  lua_setiuservalue(L, -2, 1);
  return 1;
}

}  // namespace

Channel* test_channel(lua_State* L, int index) {
  return static_cast<Channel*>(test_object(L, index, kChannelMetatable));
}

bool channel_ready(const Channel& c) { return c.count > 0 || !c.senders.empty() || c.closed; }

void channel_take(lua_State* L, int index, Channel& c) {
  index = lua_absindex(L, index);
  if (c.count > 0) {
    ring_pop_front(L, index, c);
    refill_from_sender(L, index, c);
  } else if (!c.senders.empty()) {
    take_from_sender(L, c);  // rendezvous: straight from the sender
  } else {
    lua_pushnil(L);  // closed and drained
  }
}

bool channel_has_handout_room(const Channel& c) { return c.count + c.handed_out + 1 <= c.ring_size; }

void channel_grow_for_handout(lua_State* L, int index, Channel& c) {
  grow(L, lua_absindex(L, index), c, c.count + c.handed_out + 1);
}

void channel_give_back(lua_State* X, int index, Channel& c) {
  if (!c.receivers.empty()) {
    hand_to_receiver(c, X);  // the room it had stays reserved for this hand-off
    return;
  }
  ring_push_front(X, index, c);
}

void open_channel(lua_State* L, Runtime& rt, int module_index) {
  static const luaL_Reg methods[] = {{"send", channel_send},
                                     {"recv", channel_recv},
                                     {"try_send", channel_try_send},
                                     {"try_recv", channel_try_recv},
                                     {"close", channel_close},
                                     {"iter", channel_iter},
                                     {"len", channel_len},
                                     {"capacity", channel_capacity},
                                     {"is_closed", channel_is_closed},
                                     {nullptr, nullptr}};
  const int ref = register_object_type(
      L, ObjectType{kChannelMetatable, "Channel", methods, nullptr, channel_tostring, nullptr});
  luaL_unref(L, LUA_REGISTRYINDEX, ref);  // found through its registry name
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_channel, 1);
  lua_setfield(L, module_index, "channel");
}

}  // namespace lua_batteries::detail
