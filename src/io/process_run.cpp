// std.process.run (spec std-io.md section 2): runs a program to its end,
// feeding its input and capturing its output, on the loop.
//
// The call awaits in deferred-cancel mode: a cancellation terminates the
// child's group (SIGTERM, SIGKILL after kill_grace_ms) and the call raises
// `task cancelled` only once the child is reaped. A hard abort sends
// SIGKILL; the child is then reaped in the background (the runtime owns
// the operation until then).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <new>

#include "core/out_of_memory.hpp"
#include "io/io_context.hpp"
#include "io/io_error.hpp"
#include "io/process_core.hpp"
#include "io/process_module.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kRunMetatable = "std.process.RunOp";
constexpr const char* kFname = "std.process.run";

struct RunOp;

/// One captured output of the child.
struct Capture {
  uv_pipe_t pipe{};
  std::string data;
  RunOp* op = nullptr;
  bool open = false;
  bool eof = true;  // until a pipe is opened: nothing to read
};

struct RunOp {
  explicit RunOp(uv_loop_t* loop);

  void check_done();
  void close_pipes();
  void stop_reading();
  void overflowed();

  ProcessCore core;
  SpawnSpec spec;
  Capture out;
  Capture err;
  uv_pipe_t in{};
  uv_write_t in_req{};
  bool in_open = false;
  bool cancel_requested = false;
  bool overflow = false;
  bool aborted = false;
  int read_error = 0;
  char scratch[64 * 1024];
};

RunOp& op_of(ProcessCore& core) { return *static_cast<RunOp*>(core.owner); }

void on_pipe_closed(uv_handle_t* h) { static_cast<RunOp*>(h->data)->core.handle_closed(); }

void close_pipe(RunOp& op, uv_pipe_t& pipe, bool& open) {
  if (!open) return;
  open = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&pipe), &on_pipe_closed);
}

void RunOp::close_pipes() {
  close_pipe(*this, out.pipe, out.open);
  close_pipe(*this, err.pipe, err.open);
  close_pipe(*this, in, in_open);
}

void RunOp::stop_reading() {
  if (out.open) uv_read_stop(reinterpret_cast<uv_stream_t*>(&out.pipe));
  if (err.open) uv_read_stop(reinterpret_cast<uv_stream_t*>(&err.pipe));
}

// Done once the child is reaped and, unless it was terminated, both
// outputs reached their end.
void RunOp::check_done() {
  if (!core.finished) return;
  const bool terminated = cancel_requested || overflow || aborted;
  if (!terminated && !read_error && (!out.eof || !err.eof)) return;
  close_pipes();
  // Terminated for a cancellation: the call raises `task cancelled`.
  if (cancel_requested) {
    core.awaiter.complete_interrupted();
  } else {
    core.awaiter.complete();
  }
}

void RunOp::overflowed() {
  if (overflow) return;
  overflow = true;
  stop_reading();
  core.terminate(spec.kill_grace_ms);
  check_done();
}

void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  auto* op = static_cast<RunOp*>(h->data);
  *buf = uv_buf_init(op->scratch, sizeof op->scratch);
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  RunOp& op = *static_cast<RunOp*>(stream->data);
  Capture& c = reinterpret_cast<uv_pipe_t*>(stream) == &op.out.pipe ? op.out : op.err;
  if (nread > 0) {
    const auto n = static_cast<std::size_t>(nread);
    if (c.data.size() + n > op.spec.max_output) {
      op.overflowed();
      return;
    }
    try {
      c.data.append(buf->base, n);
    } catch (const std::bad_alloc&) {
      op.read_error = UV_ENOMEM;
      op.stop_reading();
      op.core.terminate(op.spec.kill_grace_ms);
    }
    return;
  }
  if (nread == 0) return;
  if (nread != UV_EOF) op.read_error = static_cast<int>(nread);
  c.eof = true;
  uv_read_stop(stream);
  op.check_done();
}

void on_input_written(uv_write_t* req, int) {
  // Written or refused (EPIPE: the program did not read it all): either
  // way the input ends here.
  RunOp& op = *static_cast<RunOp*>(req->data);
  close_pipe(op, op.in, op.in_open);
}

void on_finished(ProcessCore& core) { op_of(core).check_done(); }
void on_destroy(ProcessCore& core) { delete &op_of(core); }
void on_shutdown(ProcessCore& core) {
  RunOp& op = op_of(core);
  op.stop_reading();
  op.close_pipes();
}

void on_interrupt(Awaiter& a, Interruption why) {
  RunOp& op = op_of(*static_cast<ProcessCore*>(a.user_data()));
  switch (why) {
    case Interruption::cancel_requested:
      op.cancel_requested = true;
      op.stop_reading();
      op.core.terminate(op.spec.kill_grace_ms);
      op.check_done();
      break;
    case Interruption::aborted:
      op.aborted = true;
      op.stop_reading();
      op.core.kill_now();
      op.check_done();
      break;
    case Interruption::cancelled: break;  // reaped already (deferred mode)
  }
}

RunOp::RunOp(uv_loop_t* loop)
    : core(loop, ProcessCore::Hooks{&on_finished, &on_destroy, &on_shutdown}, this, &on_interrupt) {
  core.awaiter.set_cancel_mode(CancelMode::deferred);
  out.op = err.op = this;
}

RunOp* check_op(lua_State* L, int index) {
  return *static_cast<RunOp**>(luaL_checkudata(L, index, kRunMetatable));
}

int run_gc(lua_State* L) {
  auto** slot = static_cast<RunOp**>(lua_touserdata(L, 1));
  RunOp* op = *slot;
  *slot = nullptr;
  if (!op) return 0;
  if (!op->core.finished) {
    op->aborted = true;
    op->stop_reading();
    op->core.kill_now();
  }
  op->core.drop_lua_object();
  return 0;
}

// [-0, +0, e] Opens `fd` as one of the op's pipes.
int open_pipe(uv_loop_t* loop, RunOp& op, uv_pipe_t& pipe, int fd) {
  uv_pipe_init(loop, &pipe, 0);
  pipe.data = &op;
  op.core.handle_opened();
  return uv_pipe_open(&pipe, fd);
}

// [-0, +1, m] The result table of a finished run.
void push_result(lua_State* L, RunOp& op) {
  lua_createtable(L, 0, 5);
  if (op.core.term_signal == 0) {
    lua_pushinteger(L, static_cast<lua_Integer>(op.core.exit_status));
    lua_setfield(L, -2, "code");
  } else {
    lua_pushstring(L, signal_name(op.core.term_signal));
    lua_setfield(L, -2, "signal");
  }
  lua_pushlstring(L, op.out.data.data(), op.out.data.size());
  lua_setfield(L, -2, "stdout");
  lua_pushlstring(L, op.err.data.data(), op.err.data.size());
  lua_setfield(L, -2, "stderr");
  lua_pushinteger(L, op.core.pid);
  lua_setfield(L, -2, "pid");
}

int k_run(lua_State* L, int, lua_KContext) {
  RunOp& op = *check_op(L, 3);
  if (op.overflow) {
    lua_pushfstring(L, "%s: output of '%s' exceeded max_output (%I bytes) (EOVERFLOW)", kFname, op.spec.program(),
                    static_cast<lua_Integer>(op.spec.max_output));
    push_io_error(L, kFname, "EOVERFLOW", lua_tostring(L, -1));
    raise_top(L);
  }
  if (op.read_error)
    raise_uv_error(L, kFname, "cannot read the output of", op.spec.program(), op.read_error);
  push_result(L, op);
  if (op.spec.check && (op.core.term_signal != 0 || op.core.exit_status != 0)) {
    const int result = lua_gettop(L);
    if (op.core.term_signal != 0)
      lua_pushfstring(L, "%s: '%s' was killed by %s", kFname, op.spec.program(), signal_name(op.core.term_signal));
    else
      lua_pushfstring(L, "%s: '%s' exited with %d", kFname, op.spec.program(), static_cast<int>(op.core.exit_status));
    push_io_error(L, kFname, "EXIT", lua_tostring(L, -1));
    lua_pushvalue(L, result);
    lua_setfield(L, -2, "result");
    raise_top(L);
  }
  return 1;
}

// std.process.run(cmd, opts?) -> result
int l_run(lua_State* L) {
  IoContext& ctx = context(L);
  lua_settop(L, 2);
  // The op lives in a userdata slot from here on, so that any raise below
  // leaves it to the collector.
  auto** slot = static_cast<RunOp**>(lua_newuserdatauv(L, sizeof(RunOp*), 0));
  *slot = nullptr;
  luaL_setmetatable(L, kRunMetatable);
  RunOp* op = new (std::nothrow) RunOp(ctx.loop);
  if (!op) return luaL_error(L, "not enough memory");
  *slot = op;
  if (!own(L, op->core.owned)) return luaL_error(L, "%s: runtime is shut down", kFname);
  op->core.reaper = group_reaper(L, ctx);
  parse_spawn(L, 1, 2, true, ctx.grace_ms, kFname, op->spec);

  int fds[3];
  const int r = op->core.start(op->spec, fds);
  if (r < 0) raise_uv_error(L, kFname, "cannot run", op->spec.executable(), r);
  if (fds[0] >= 0 && open_pipe(ctx.loop, *op, op->in, fds[0]) == 0) {
    op->in_open = true;
    uv_buf_t buf = uv_buf_init(op->spec.input.data(), static_cast<unsigned>(op->spec.input.size()));
    op->in_req.data = op;
    if (uv_write(&op->in_req, reinterpret_cast<uv_stream_t*>(&op->in), &buf, 1, &on_input_written) < 0)
      close_pipe(*op, op->in, op->in_open);
  }
  Capture* captures[2] = {&op->out, &op->err};
  for (int i = 0; i < 2; ++i) {
    if (fds[i + 1] < 0) continue;
    Capture& c = *captures[i];
    if (open_pipe(ctx.loop, *op, c.pipe, fds[i + 1]) == 0) {
      c.open = true;
      c.eof = false;
      uv_read_start(reinterpret_cast<uv_stream_t*>(&c.pipe), &on_alloc, &on_read);
    }
  }
  // For the task dump: process.run 'make' (pid 4121). Without memory for
  // it the wait simply has no detail.
  char detail[160];
  std::snprintf(detail, sizeof detail, "'%.120s' (pid %d)", op->spec.program(), op->core.pid);
  (void)lua_batteries::detail::allocation_succeeded([&] { op->core.awaiter.set_detail(detail); });
  return await(L, op->core.awaiter, kFname, &k_run, 0);
}

}  // namespace

void init_run(lua_State* L) {
  luaL_newmetatable(L, kRunMetatable);
  lua_pushcfunction(L, run_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
}

void push_run_function(lua_State* L) { lua_pushcfunction(L, l_run); }

}  // namespace lua_batteries::io
