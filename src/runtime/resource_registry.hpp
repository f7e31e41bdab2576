// The OS resources a runtime owns (lua_batteries/resource.hpp): a list
// threaded through the resources themselves, so owning one never
// allocates, and the one place that ends them all when the runtime closes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lua_batteries/resource.hpp"

namespace lua_batteries::detail {

class ResourceRegistry {
 public:
  ResourceRegistry() = default;
  ResourceRegistry(const ResourceRegistry&) = delete;
  ResourceRegistry& operator=(const ResourceRegistry&) = delete;
  ~ResourceRegistry() { shut_down(); }

  void add(OwnedResource& r);
  static void remove(OwnedResource& r);
  /// Calls every owned resource's on_shutdown, each taken out of the
  /// registry first, until none is left (one added meanwhile included).
  void shut_down();
  std::size_t size() const { return size_; }

  /// The resources that expect a completion (OwnedResource::expect_completion).
  static void expect(OwnedResource& r);
  static void unexpect(OwnedResource& r);
  /// Polls them in turn until one delivers (true) or each has returned false.
  bool poll(std::uint64_t until_ns);

 private:
  OwnedResource* head_ = nullptr;
  OwnedResource* polled_head_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace lua_batteries::detail
