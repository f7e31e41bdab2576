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
  if (r.prev_) r.prev_->next_ = r.next_;
  else reg->head_ = r.next_;
  if (r.next_) r.next_->prev_ = r.prev_;
  r.prev_ = r.next_ = nullptr;
  r.registry_ = nullptr;
  --reg->size_;
}

void ResourceRegistry::shut_down() {
  while (OwnedResource* r = head_) {
    remove(*r);
    if (r->on_shutdown_) r->on_shutdown_(*r);  // may destroy r
  }
}

}  // namespace detail

void OwnedResource::release() { detail::ResourceRegistry::remove(*this); }

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
