// Resources that belong to scopes (lua_batteries::ScopedResource): a list
// per scope, threaded through the resources (attaching never allocates),
// ended when the scope is done; the scope settles once every resource
// ended gracefully has called finish(). Resources being ended wait in one
// list of the runtime, so that closing the runtime can cut them loose.
#include "lua_batteries/resource.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries {
namespace detail {
void Runtime::attach_resource(Scope& s, ScopedResource& r) {
  detach_resource(r);
  r.scope_ = &s;
  r.prev_ = nullptr;
  r.next_ = s.resources;
  if (s.resources) s.resources->prev_ = &r;
  s.resources = &r;
}

void Runtime::detach_resource(ScopedResource& r) {
  Scope* s = r.scope_;
  if (!s) return;
  ScopedResource*& head = r.ending_ ? s->rt.ending_ : s->resources;
  if (r.prev_)
    r.prev_->next_ = r.next_;
  else
    head = r.next_;
  if (r.next_) r.next_->prev_ = r.prev_;
  r.prev_ = r.next_ = nullptr;
  r.scope_ = nullptr;
  if (!r.ending_) return;
  r.ending_ = false;
  --s->ending_resources;
  if (s->ending_resources == 0 && !s->ending_in_progress) s->rt.settle(*s);
}

void Runtime::end_resources(Scope& s) {
  s.ending_in_progress = true;
  const bool hard = s.aborting;
  while (ScopedResource* r = s.resources) {
    s.resources = r->next_;
    if (s.resources) s.resources->prev_ = nullptr;
    r->prev_ = r->next_ = nullptr;
    if (hard) {
      r->scope_ = nullptr;
    } else {
      r->ending_ = true;
      ++s.ending_resources;
      r->next_ = ending_;
      if (ending_) ending_->prev_ = r;
      ending_ = r;
    }
    r->on_scope_end_(*r, hard);  // may finish (detach) r at once
  }
  s.ending_in_progress = false;
}

void Runtime::forget_ending_resources() {
  while (ScopedResource* r = ending_) {
    ending_ = r->next_;
    if (r->scope_) --r->scope_->ending_resources;
    r->prev_ = r->next_ = nullptr;
    r->scope_ = nullptr;
    r->ending_ = false;
  }
}

}  // namespace detail

void ScopedResource::detach() { detail::Runtime::detach_resource(*this); }

bool attach_to_scope(lua_State* L, ScopedResource& resource) {
  detail::Runtime* rt = L ? detail::Runtime::from(L) : nullptr;
  if (!rt || rt->is_closed()) return false;
  detail::Fiber* f = rt->running();
  if (!f || !f->scope || f->scope->kind == detail::ScopeKind::root || f->scope->closed) return false;
  detail::Runtime::attach_resource(*f->scope, resource);
  return true;
}

}  // namespace lua_batteries
