#include "runtime/loop_driver.hpp"

#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

LoopDriver::LoopDriver(uv_loop_t* loop, Runtime& rt) : loop_(loop), handles_(new Handles) {
  uv_idle_init(loop_, &handles_->idle);
  uv_timer_init(loop_, &handles_->timer);
  handles_->idle.data = handles_;
  handles_->timer.data = handles_;
  handles_->rt = &rt;
  handles_->open = 2;
}

void LoopDriver::on_idle(uv_idle_t* idle) { static_cast<Handles*>(idle->data)->rt->dispatch(); }

void LoopDriver::on_timer(uv_timer_t* timer) {
  Runtime& rt = *static_cast<Handles*>(timer->data)->rt;
  rt.loop_driver().armed_due_ = UINT64_MAX;
  rt.on_timer_due();
}

void LoopDriver::arm(std::uint64_t delay_ms, std::uint64_t due_ns) {
  uv_update_time(loop_);
  uv_timer_start(&handles_->timer, &LoopDriver::on_timer, delay_ms, 0);
  armed_due_ = due_ns;
}

void LoopDriver::disarm() {
  uv_timer_stop(&handles_->timer);
  armed_due_ = UINT64_MAX;
}

void LoopDriver::sync(bool has_runnable, const DeadlineEntry* first, const Clock& clock, bool external_waits) {
  if (!handles_) return;
  if (has_runnable)
    uv_idle_start(&handles_->idle, &LoopDriver::on_idle);
  else
    uv_idle_stop(&handles_->idle);

  if (clock.is_virtual()) {
    // Time stands still while anything can run; with every fiber blocked
    // the timer fires and the runtime moves the clock to the deadline.
    if (!first || has_runnable) {
      disarm();
      return;
    }
    const std::uint64_t now = clock.virtual_now_ns();
    std::uint64_t delay_ms = 0;
    if (external_waits && first->due_ns > now) delay_ms = (first->due_ns - now + 999'999) / 1'000'000;
    arm(delay_ms, first->due_ns);
    return;
  }
  if (!first) {
    if (armed_due_ != UINT64_MAX) disarm();
    return;
  }
  if (first->due_ns == armed_due_) return;
  const std::uint64_t now = uv_hrtime();
  // libuv counts whole milliseconds from its cached loop time; round up
  // and let the runtime re-arm if the timer fires a little early.
  arm(first->due_ns > now ? (first->due_ns - now + 999'999) / 1'000'000 : 0, first->due_ns);
}

void LoopDriver::close() {
  Handles* handles = handles_;
  if (!handles) return;
  handles_ = nullptr;
  armed_due_ = UINT64_MAX;
  uv_idle_stop(&handles->idle);
  uv_timer_stop(&handles->timer);
  auto on_close = [](uv_handle_t* handle) {
    auto* owner = static_cast<Handles*>(handle->data);
    if (--owner->open == 0) delete owner;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&handles->idle), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles->timer), on_close);
}

}  // namespace lua_batteries::detail
