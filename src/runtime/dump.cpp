// The task-tree dump. Two passes over the tree of scopes: one counts (no
// allocation at all), one writes into a luaL_Buffer. The tree is read
// through the scheduler's own links: a scope's body and live tasks, and
// below a fiber that waits for a scope, that scope.
#include "runtime/dump.hpp"

#include <cstdio>

#include "core/out_of_memory.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// Deeper scopes are left out (a tree 10 000 scopes deep would otherwise
// recurse 10 000 C frames); past the last traceback, fibers get one line.
constexpr int kMaxDepth = 100;
constexpr int kMaxTracebacks = 200;

double ms_between(std::uint64_t from_ns, std::uint64_t to_ns) {
  return to_ns >= from_ns ? static_cast<double>(to_ns - from_ns) / 1e6 : -static_cast<double>(from_ns - to_ns) / 1e6;
}

// Calls on_scope(scope, depth) and on_fiber(fiber, depth) in pre-order:
// a scope, then each of its live fibers (the main chunk or the body
// first, then the tasks in spawn order), each followed by the scope it
// waits for, if any.
template <typename ScopeFn, typename FiberFn>
void walk(const Runtime& rt, const Scope& s, int depth, ScopeFn& on_scope, FiberFn& on_fiber) {
  on_scope(s, depth);
  auto visit = [&](const Fiber& f) {
    on_fiber(f, depth + 1);
    if (f.wait == Wait::scope && f.awaited_scope && depth < kMaxDepth)
      walk(rt, *f.awaited_scope, depth + 2, on_scope, on_fiber);
  };
  if (s.kind == ScopeKind::root) {
    if (const Fiber* main = rt.main_fiber(); main && main->state != FiberState::done) visit(*main);
  } else if (s.body.state != FiberState::done) {
    visit(s.body);
  }
  s.live.for_each([&](const Task& t) { visit(t); });
}

struct Counts {
  std::size_t tasks = 0, running = 0, runnable = 0, sleeping = 0, joining = 0, in_scope = 0, waiting = 0,
              in_bridge = 0, aborting = 0, scopes = 0;

  void add(const Fiber& f) {
    if (f.kind != FiberKind::task) return;
    ++tasks;
    if (f.abort_requested) {
      ++aborting;
      return;
    }
    switch (f.state) {
      case FiberState::running: ++running; return;
      case FiberState::waiting: break;
      default: ++runnable; return;
    }
    switch (f.wait) {
      case Wait::sleep: ++sleeping; return;
      case Wait::join: ++joining; return;
      case Wait::scope: ++in_scope; return;
      case Wait::await: ++in_bridge; return;
      case Wait::site: ++waiting; return;
      default: ++runnable; return;
    }
  }
};

class Writer {
 public:
  // [-0, +1 (the buffer), m]
  Writer(lua_State* L, Runtime& rt, DumpForm form) : L_(L), rt_(rt), form_(form), now_(rt.now_ns()) {
    luaL_buffinit(L, &b_);
  }
  // [-1 (the buffer), +1, m]
  void finish() { luaL_pushresult(&b_); }

  void header(const Counts& c) {
    format("std.task dump at +%.1f ms: %zu task(s) alive", ms_between(rt_.clock().start_ns(), now_), c.tasks);
    format(" (%zu running, %zu runnable, %zu sleeping, %zu joining, %zu in a scope, %zu waiting, %zu in a bridge op, "
           "%zu aborting)",
           c.running, c.runnable, c.sleeping, c.joining, c.in_scope, c.waiting, c.in_bridge, c.aborting);
    format(", %zu scope(s) open\n", c.scopes);
  }

  void scope(const Scope& s, int depth) {
    if (form_ == DumpForm::brief) return;
    indent(depth);
    add_scope_label(s);
    if (s.kind == ScopeKind::root) {
      if (s.token && s.token->is_cancelled()) luaL_addstring(&b_, " (cancelled)");
      luaL_addchar(&b_, '\n');
      return;
    }
    luaL_addstring(&b_, " (opened by ");
    if (s.opener_task)
      format("t%llu", static_cast<unsigned long long>(s.opener_task));
    else
      luaL_addstring(&b_, "the main chunk");
    format(", age %.1f ms", ms_between(s.opened_ns, now_));
    if (s.kind == ScopeKind::with_timeout) {
      if (s.deadline_entry.is_queued())
        format(", deadline in %.1f ms", ms_between(now_, s.deadline_entry.due_ns));
      else if (s.deadline_hit)
        luaL_addstring(&b_, ", deadline hit");
      format(", grace %.1f ms", s.grace_ms);
    }
    if (s.grace_running) {
      luaL_addstring(&b_, ", grace running");
      if (s.grace_entry.is_queued()) format(" (%.1f ms left)", ms_between(now_, s.grace_entry.due_ns));
    }
    if (s.closed ? s.cancelled_when_closed : (s.token && s.token->is_cancelled())) luaL_addstring(&b_, ", cancelled");
    if (s.aborting) luaL_addstring(&b_, ", aborting");
    luaL_addstring(&b_, ")\n");
  }

  void fiber(const Fiber& f, int depth) {
    indent(form_ == DumpForm::brief ? 1 : depth);
    add_fiber_label(f);
    luaL_addstring(&b_, ": ");
    add_state(f);
    if (f.kind == FiberKind::task) format(", age %.1f ms", ms_between(static_cast<const Task&>(f).spawned_ns, now_));
    lua_State* thread = f.innermost();
    if (form_ == DumpForm::brief || tracebacks_ >= kMaxTracebacks || !thread) {
      if (thread) add_where(thread);
      luaL_addchar(&b_, '\n');
      return;
    }
    ++tracebacks_;
    luaL_addchar(&b_, '\n');
    add_traceback(thread, depth + 1);
  }

 private:
  template <typename... Args>
  void format(const char* fmt, Args... args) {
    char text[160];
    std::snprintf(text, sizeof text, fmt, args...);
    luaL_addstring(&b_, text);
  }

  void indent(int depth) {
    for (int i = 0; i < depth; ++i) luaL_addstring(&b_, "  ");
  }

  void add_name(const char* name, std::size_t len) {
    luaL_addstring(&b_, " \"");
    luaL_addlstring(&b_, name, len);
    luaL_addchar(&b_, '"');
  }

  void add_scope_label(const Scope& s) {
    switch (s.kind) {
      case ScopeKind::root: luaL_addstring(&b_, "root scope"); return;
      case ScopeKind::scope: luaL_addstring(&b_, "scope"); break;
      case ScopeKind::with_timeout: format("with_timeout %.1f ms", s.timeout_ms); break;
    }
    if (s.name) add_name(s.name, s.name_len);
  }

  void add_task_label(const Task& t) {
    format("t%llu", static_cast<unsigned long long>(t.number));
    if (!t.name) return;
    luaL_addstring(&b_, " (");
    luaL_addlstring(&b_, t.name, t.name_len);
    luaL_addchar(&b_, ')');
  }

  void add_fiber_label(const Fiber& f) {
    switch (f.kind) {
      case FiberKind::task: add_task_label(static_cast<const Task&>(f)); return;
      case FiberKind::main: luaL_addstring(&b_, "main chunk"); return;
      case FiberKind::body:
        luaL_addstring(&b_, "body of ");
        add_scope_label(*f.scope);
        return;
    }
  }

  void add_state(const Fiber& f) {
    if (f.abort_requested) {
      luaL_addstring(&b_, "aborting");
      return;
    }
    switch (f.state) {
      case FiberState::created: luaL_addstring(&b_, "runnable (not started)"); return;
      case FiberState::runnable:
        if (f.kind == FiberKind::task && !static_cast<const Task&>(f).started)
          luaL_addstring(&b_, "runnable (not started)");
        else
          luaL_addstring(&b_, "runnable");
        return;
      case FiberState::running: luaL_addstring(&b_, "running"); return;
      case FiberState::done: luaL_addstring(&b_, "finished"); return;
      case FiberState::waiting: break;
    }
    switch (f.wait) {
      case Wait::sleep:
        if (f.sleep_entry.is_queued())
          format("sleeping until +%.1f ms (%.1f ms left)", ms_between(rt_.clock().start_ns(), f.sleep_entry.due_ns),
                 ms_between(now_, f.sleep_entry.due_ns));
        else
          luaL_addstring(&b_, "sleeping");
        return;
      case Wait::join:
        luaL_addstring(&b_, "joining ");
        if (f.join_target)
          add_task_label(*f.join_target);
        else
          luaL_addstring(&b_, "a task");
        return;
      case Wait::scope:
        luaL_addstring(&b_, "in ");
        if (f.awaited_scope)
          add_scope_label(*f.awaited_scope);
        else
          luaL_addstring(&b_, "a scope");
        return;
      case Wait::await:
        luaL_addstring(&b_, "in bridge op ");
        luaL_addstring(&b_, f.await_call.what ? f.await_call.what : "?");
        if (const Awaiter* a = f.await_call.awaiter; a && !a->detail().empty()) {
          luaL_addchar(&b_, ' ');
          luaL_addlstring(&b_, a->detail().data(), a->detail().size());
        }
        return;
      case Wait::site:
        luaL_addstring(&b_, "waiting on ");
        if (const WaitSite* site = f.site_wait.site; !site) {
          luaL_addstring(&b_, "a wait site");
        } else if (site->describe) {
          site->describe(L_, *site, f);
          luaL_addvalue(&b_);
        } else {
          luaL_addstring(&b_, site->what);
        }
        return;
      case Wait::turn:
      case Wait::none:
        luaL_addstring(&b_, "suspended");
        return;
    }
  }

  // ", at file:line": the first frame of `thread` that is Lua code.
  void add_where(lua_State* thread) {
    lua_Debug ar;
    for (int level = 0; lua_getstack(thread, level, &ar); ++level) {
      if (!lua_getinfo(thread, "Sl", &ar) || ar.currentline <= 0) continue;
      format(", at %s:%d", ar.short_src, ar.currentline);
      return;
    }
  }

  // Lines of `thread`'s traceback, indented one step below `depth`.
  void add_traceback(lua_State* thread, int depth) {
    char line_start[2 * (kMaxDepth + 4) + 2] = "\n";
    const int width = 2 * (depth + 1);
    for (int i = 0; i < width && i + 2 < static_cast<int>(sizeof line_start); ++i) line_start[i + 1] = ' ';
    indent(depth);  // before anything is pushed: luaL_add* but addvalue need the buffer on top
    // A fiber dumping itself starts at its caller, not at the dump.
    luaL_traceback(L_, thread, nullptr, thread == L_ ? 1 : 0);
    luaL_gsub(L_, lua_tostring(L_, -1), "\n\t", line_start);
    lua_remove(L_, -2);
    luaL_addvalue(&b_);
    luaL_addchar(&b_, '\n');
  }

  lua_State* L_;
  Runtime& rt_;
  DumpForm form_;
  std::uint64_t now_;
  luaL_Buffer b_;
  int tracebacks_ = 0;
};

struct DumpRequest {
  Runtime* rt;
  DumpForm form;
  const Scope* only;
};

// [-1, +1, m] The request (light userdata) in, the dump out.
int dump_protected(lua_State* L) {
  const auto& req = *static_cast<const DumpRequest*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  push_dump(L, *req.rt, req.form, req.only);
  return 1;
}

}  // namespace

void push_dump(lua_State* L, Runtime& rt, DumpForm form, const Scope* only) {
  const Scope& top = only ? *only : rt.root_scope();
  Counts counts;
  auto count_scope = [&counts](const Scope&, int) { ++counts.scopes; };
  auto count_fiber = [&counts](const Fiber& f, int) { counts.add(f); };
  walk(rt, top, 0, count_scope, count_fiber);

  Writer writer(L, rt, form);
  if (form == DumpForm::full) writer.header(counts);
  auto write_scope = [&writer](const Scope& s, int depth) { writer.scope(s, depth); };
  auto write_fiber = [&writer](const Fiber& f, int depth) { writer.fiber(f, depth); };
  walk(rt, top, 0, write_scope, write_fiber);
  writer.finish();
}

std::string dump_text(lua_State* L, Runtime& rt, DumpForm form, const Scope* only) {
  std::string text;
  if (!lua_checkstack(L, 3)) return text;
  DumpRequest req{&rt, form, only};
  lua_pushcfunction(L, &dump_protected);
  lua_pushlightuserdata(L, &req);
  if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    if (!allocation_succeeded([&] { text.assign(s, len); })) text.clear();
  }
  lua_pop(L, 1);
  return text;
}

}  // namespace lua_batteries::detail

namespace lua_batteries::detail {

void Runtime::report_grace_expiring(const Scope* s, double grace_ms) {
  if (!observer()) return;
  const Scope& top = s ? *s : *root_;
  bool any_left = s ? s->body.state != FiberState::done : (run_ && run_->main->state != FiberState::done);
  if (!top.live.empty()) any_left = true;
  if (!any_left) return;
  // Best effort, like every report: without memory the texts are empty.
  const std::string who = dump_text(service_, *this, DumpForm::brief, s);
  const std::string dump = dump_text(service_, *this, DumpForm::full, s);
  GraceExpiry expiry;
  ScopeEvent event;
  if (s) {
    event = s->event();
    expiry.scope = &event;
  }
  expiry.grace_ms = grace_ms;
  expiry.who = who;
  expiry.dump = dump;
  observer()->grace_expiring(expiry);
}

}  // namespace lua_batteries::detail
