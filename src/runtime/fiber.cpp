// Construction of fibers, tasks and scopes, and what they report to an
// observer.
#include "runtime/fiber.hpp"

#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

Fiber::Fiber(Runtime& runtime, FiberKind fiber_kind, Scope* spawn_scope, Task* own_task, Driver fiber_driver,
             lua_State* fiber_thread, int nargs)
    : rt(runtime),
      kind(fiber_kind),
      driver(fiber_driver),
      thread(fiber_thread),
      scope(spawn_scope),
      task(own_task),
      cancel_waiter(&Runtime::on_cancelled),
      sleep_entry(&Runtime::on_sleep_due),
      start_nargs(nargs) {}

Task::Task(Runtime& runtime, Scope& spawn_scope, std::uint64_t task_number, const TaskSpec& spec,
           std::uint64_t spawned_at_ns)
    : Fiber(runtime, FiberKind::task, &spawn_scope, this, spec.driver, spec.thread, 0),
      pin(spec.pin),
      number(task_number),
      name(spec.name),
      name_len(spec.name_len),
      spawned_ns(spawned_at_ns) {}

TaskEvent Task::event() const {
  TaskEvent e;
  e.number = number;
  e.has_name = name != nullptr;
  if (name) e.name = std::string_view(name, name_len);
  e.driver = driver;
  e.scope = scope->number;
  return e;
}

bool Task::owns_nothing() const {
  return state == FiberState::done && !run_hook.is_linked() && !scope_hook.is_linked() &&
         !cancel_waiter.is_registered() && !sleep_entry.is_queued() && !nested.has_storage() && pin == LUA_NOREF;
}

Scope::Scope(Runtime& runtime)
    : rt(runtime),
      kind(ScopeKind::root),
      token(TokenRef::adopt(CancelToken::create(nullptr))),
      name(nullptr),
      name_len(0),
      opener_task(0),
      number(0),
      parent(0),
      body(runtime, FiberKind::body, this, nullptr, Driver::async_fn, nullptr, 0),
      pin(LUA_NOREF),
      link_waiter(&Runtime::on_linked_cancelled),
      timeout_ms(0),
      grace_ms(0),
      deadline_entry(&Runtime::on_deadline_due),
      grace_entry(&Runtime::on_grace_due) {}

Scope::Scope(Runtime& runtime, Fiber& opener, const ScopeSpec& spec)
    : rt(runtime),
      kind(spec.kind),
      token(TokenRef::adopt(CancelToken::create(spec.detached ? nullptr : opener.token()))),
      name(spec.name),
      name_len(spec.name_len),
      opener_task(opener.task ? opener.task->number : 0),
      number(runtime.take_scope_number()),
      parent(opener.scope ? opener.scope->number : 0),
      body(runtime, FiberKind::body, this, opener.task, opener.driver, spec.body_thread, 1),
      pin(spec.pin),
      fail_fast(spec.fail_fast),
      linked(TokenRef::share(spec.linked)),
      link_waiter(&Runtime::on_linked_cancelled),
      timeout_ms(spec.timeout_ms),
      grace_ms(spec.grace_ms),
      deadline_entry(&Runtime::on_deadline_due),
      grace_entry(&Runtime::on_grace_due) {}

ScopeEvent Scope::event() const {
  ScopeEvent e;
  e.kind = kind == ScopeKind::root           ? ScopeEvent::Kind::root
           : kind == ScopeKind::with_timeout ? ScopeEvent::Kind::with_timeout
                                             : ScopeEvent::Kind::scope;
  if (name) e.name = std::string_view(name, name_len);
  e.opener_task = opener_task;
  e.number = number;
  e.parent = parent;
  return e;
}

bool Scope::owns_nothing() const {
  return closed && !token && !linked && !link_waiter.is_registered() && live.empty() && unjoined_failures.empty() && !deadline_entry.is_queued() &&
         !grace_entry.is_queued() && !body.run_hook.is_linked() && !body.cancel_waiter.is_registered() &&
         !body.sleep_entry.is_queued() && !body.nested.has_storage() && pin == LUA_NOREF;
}

}  // namespace lua_batteries::detail
