// From an embedded member back to the object that embeds it.
//
// Intrusive hooks and entries (ListHook, CancelWaiter, DeadlineEntry) live
// inside their owners. Rather than each storing a pointer back to its
// owner (8 bytes per embedding, five of them in every task), whoever
// knows which member an entry is (a list knows its hook member, a
// callback knows the entry it was registered with) computes the owner
// from the entry's address.
#pragma once

#include <cstddef>
#include <type_traits>

namespace lua_batteries::detail {

/// The offset of `field` within Outer. A pointer to member has no portable
/// offset, so it is read off an Outer-sized, Outer-aligned buffer (no
/// Outer is made; compilers fold this to a constant).
template <typename Outer, typename Member>
std::ptrdiff_t member_offset(Member Outer::*field) noexcept {
  // With a virtual base the offset would depend on the object.
  static_assert(!std::is_polymorphic_v<Outer>, "container_of needs a fixed member offset");
  alignas(Outer) static constexpr unsigned char probe[sizeof(Outer)] = {};
  const auto* outer = reinterpret_cast<const Outer*>(probe);
  return reinterpret_cast<const unsigned char*>(&(outer->*field)) - probe;
}

/// The Outer whose member `field` is `member`: the inverse of `outer.*field`.
/// `member` must really be that member of a live Outer.
template <typename Outer, typename Member>
Outer& container_of(Member& member, Member Outer::*field) noexcept {
  return *reinterpret_cast<Outer*>(reinterpret_cast<unsigned char*>(&member) - member_offset(field));
}

}  // namespace lua_batteries::detail
