// Runtime-owned OS resources (lua_batteries/resource.hpp).
#include "lua_batteries/resource.hpp"

#include "runtime/resource_registry.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries {
namespace detail {

void ResourceRegistry::add(OwnedResource& r) {
  r.registry_ = this;
  r.prev_ = nullptr;
  r.next_ = head_;
  if (head_) head_->prev_ = &r;
  head_ = &r;
  ++size_;
}

void ResourceRegistry::remove(OwnedResource& r) {
  ResourceRegistry* reg = r.registry_;
  if (!reg) return;
  unexpect(r);
  if (r.prev_) r.prev_->next_ = r.next_;
  else reg->head_ = r.next_;
  if (r.next_) r.next_->prev_ = r.prev_;
  r.prev_ = r.next_ = nullptr;
  r.registry_ = nullptr;
  --reg->size_;
}

void ResourceRegistry::expect(OwnedResource& r) {
  ResourceRegistry* reg = r.registry_;
  if (!reg || !r.poll_ || r.polled_) return;
  r.polled_ = true;
  r.polled_prev_ = nullptr;
  r.polled_next_ = reg->polled_head_;
  if (reg->polled_head_) reg->polled_head_->polled_prev_ = &r;
  reg->polled_head_ = &r;
}

void ResourceRegistry::unexpect(OwnedResource& r) {
  if (!r.polled_) return;
  if (r.polled_prev_) r.polled_prev_->polled_next_ = r.polled_next_;
  else r.registry_->polled_head_ = r.polled_next_;
  if (r.polled_next_) r.polled_next_->polled_prev_ = r.polled_prev_;
  r.polled_prev_ = r.polled_next_ = nullptr;
  r.polled_ = false;
}

// A poll that delivers may change the list (the next job expects a
// completion again, another resource's arrives): the walk ends there.
bool ResourceRegistry::poll(std::uint64_t until_ns) {
  for (OwnedResource* r = polled_head_; r != nullptr;) {
    OwnedResource* next = r->polled_next_;
    if (r->poll_(*r, until_ns)) return true;
    r = next;
  }
  return false;
}

void ResourceRegistry::shut_down() {
  while (OwnedResource* r = head_) {
    remove(*r);
    if (r->on_shutdown_) r->on_shutdown_(*r);  // may destroy r
  }
}

}  // namespace detail

void OwnedResource::release() { detail::ResourceRegistry::remove(*this); }

void OwnedResource::expect_completion() { detail::ResourceRegistry::expect(*this); }

void OwnedResource::completion_arrived() { detail::ResourceRegistry::unexpect(*this); }

bool own(lua_State* L, OwnedResource& resource) {
  detail::Runtime* rt = L ? detail::Runtime::from(L) : nullptr;
  if (!rt || rt->is_closed()) return false;
  resource.release();
  rt->resources().add(resource);
  return true;
}

std::size_t owned_resource_count(lua_State* L) {
  detail::Runtime* rt = L ? detail::Runtime::from(L) : nullptr;
  return rt ? rt->resources().size() : 0;
}

}  // namespace lua_batteries
