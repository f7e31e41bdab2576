// Channel (spec section 1): what select needs of it besides its methods.
//
// A Channel lives in its userdata; user value 1 is its ring, a Lua table
// whose array part [1, ring_size] holds the buffered values, the oldest at
// head + 1. Receivers that wait sit in `receivers` (recv and select nodes,
// each on a ReceiverSite); senders that wait sit in `senders` with their
// value still at index 2 of their own stack. Every node is the node of a
// SiteWait, whose site says what kind of waiter it is. A value handed to a waiting
// receiver goes onto that receiver's stack; until it runs, the value can
// come back (a hard abort), so the ring always has room for every value
// handed out: ring_size >= count + handed_out. Growing the ring is the only
// allocation, and it happens before an operation commits.
#pragma once

#include <lua.hpp>

#include <cstdint>

#include "core/wait_queue.hpp"
#include "lua/coordination.hpp"

namespace lua_batteries::detail {

struct Channel;

/// The site of a node in a channel's receivers queue.
struct ReceiverSite : WaitSite {
  using DeliverFn = void (*)(Channel& c, WaitNode& node, lua_State* from, bool has_value);
  constexpr ReceiverSite(InterruptFn on_interrupt, DeliverFn on_deliver, const char* what_text)
      : WaitSite(on_interrupt, false, what_text), deliver(on_deliver) {}
  /// Completes the waiter, which the channel already took off its queue:
  /// with the value on top of `from` (popped) when has_value, else with
  /// the channel's end (closed and drained). Never raises.
  DeliverFn deliver;
};

struct Channel {
  /// The channel's own address xor kChannelTag: the fast type check of the
  /// methods (see check_channel).
  std::uintptr_t tag;
  Runtime* rt;
  lua_Integer capacity;  // LUA_MAXINTEGER when unbounded
  bool unbounded;
  bool closed;
  int ring_size;
  int head;   // 0-based slot of the oldest buffered value
  int count;  // values buffered (len())
  int handed_out;
  WaitQueue receivers;
  WaitQueue senders;
};

extern const char* const kChannelMetatable;
constexpr std::uintptr_t kChannelTag = 0x5c4a2e1f9d3b7061u;

/// [-0, +0, -] The Channel at `index`, or null.
Channel* test_channel(lua_State* L, int index);
/// Whether a recv would complete at once (a value buffered, a sender
/// waiting, or closed).
bool channel_ready(const Channel& c);
/// [-0, +1, m] Receives at once from a ready channel at `index` of L:
/// pushes the value, or nil when it is closed and drained.
void channel_take(lua_State* L, int index, Channel& c);
/// Whether the ring has room for one more value handed out (a receiver
/// may be given a value only then).
bool channel_has_handout_room(const Channel& c);
/// [-0, +0, m] Grows the ring of the channel at `index` of L towards that
/// room. It allocates, so finalizers may change any channel meanwhile:
/// check again afterwards.
void channel_grow_for_handout(lua_State* L, int index, Channel& c);
/// [-1, +0, -] A value handed to a receiver came back (a hard abort before
/// it ran): the value on top of X goes to the next waiting receiver, else
/// to the head of the ring; the channel is at `index` of X.
void channel_give_back(lua_State* X, int index, Channel& c);

}  // namespace lua_batteries::detail
