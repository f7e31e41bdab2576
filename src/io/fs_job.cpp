#include "io/fs_job.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <new>

#include "io/fs_file.hpp"
#include "io/fs_work.hpp"
#include "io/io_context.hpp"
#include "io/io_error.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kJobMetatable = "std.fs.Job";

void do_work(uv_work_t* req) { run_fs_work(*static_cast<FsJob*>(req->data)); }

// --- back on the loop thread.

void after_work(uv_work_t* req, int status) {
  FsJob& job = *static_cast<FsJob*>(req->data);
  job.in_flight = false;
  if (status == UV_ECANCELED) job.error = UV_ECANCELED;  // it never ran
  if (job.file) job.file->job_done(job);
  // A descriptor the job opened for a task that no longer waits, or one a
  // closed File left to it.
  if (job.owns_fd && job.fd >= 0 && (job.interrupted || job.kind != FsJob::Kind::open)) {
    ::close(job.fd);
    job.fd = -1;
  }
  if (job.lua_gone) {
    delete &job;
    return;
  }
  if (job.interrupted) return;
  // A cancelled call whose request changed something returns what it did
  // (an operation that happened returns); one that never ran, or only
  // read, raises `task cancelled` and its result is discarded.
  const bool ran = status != UV_ECANCELED;
  if (job.awaiter.cancel_requested() && !(ran && job.has_effect())) {
    job.awaiter.complete_interrupted();
  } else {
    job.awaiter.complete();
  }
}

// Deferred cancel: the task waits until the request is done, so that a
// cancelled call leaves nothing running. cancel_requested cancels a
// request that has not started; after_work then decides how the call ends.
// The end of the wait (a discarded result, or a hard abort at once)
// releases what the job holds.
void on_interrupt(Awaiter& a, Interruption why) {
  auto& job = *static_cast<FsJob*>(a.user_data());
  if (job.in_flight) uv_cancel(reinterpret_cast<uv_req_t*>(&job.work));  // fails harmlessly once running
  if (why == Interruption::cancel_requested) return;
  job.interrupted = true;
  if (job.waiting_file) {
    job.waiting_file->busy = false;
    job.waiting_file = nullptr;
  }
  if (!job.in_flight && job.file) {  // never started: its File forgets it
    job.file->job = nullptr;
    job.file = nullptr;
  }
  if (!job.in_flight && job.owns_fd && job.fd >= 0) {
    ::close(job.fd);  // opened for a task that no longer waits
    job.fd = -1;
  }
}

int job_gc(lua_State* L) {
  auto** slot = static_cast<FsJob**>(lua_touserdata(L, 1));
  FsJob* job = *slot;
  *slot = nullptr;
  if (job) job->drop_lua_object();
  return 0;
}

}  // namespace

FsJob::FsJob() : awaiter(&on_interrupt, this, CancelMode::deferred) { work.data = this; }

int FsJob::start(uv_loop_t* loop) {
  const int r = uv_queue_work(loop, &work, &do_work, &after_work);
  if (r == 0) in_flight = true;
  return r;
}

bool FsJob::has_effect() const {
  switch (kind) {
    case Kind::write_file:
    case Kind::append_file:
    case Kind::pwrite:
    case Kind::mkdir:
    case Kind::remove:
    case Kind::rename: return true;
    case Kind::open: return (flags & (O_CREAT | O_TRUNC)) != 0;  // "w" and "a" modes
    case Kind::read_file:
    case Kind::pread:
    case Kind::file_size:
    case Kind::stat:
    case Kind::list: return false;
  }
  return false;
}

void FsJob::drop_lua_object() {
  interrupted = true;
  if (in_flight) {
    lua_gone = true;
    uv_cancel(reinterpret_cast<uv_req_t*>(&work));
    return;
  }
  if (owns_fd && fd >= 0) ::close(fd);  // opened, never handed to a File
  delete this;
}

int start_and_await_job(lua_State* L, FsJob& job, const char* op, lua_KFunction k, lua_KContext ctx) {
  if (effective_token(L).is_cancelled()) {
    // Queued, a threadpool thread could take it before uv_cancel: the job
    // never starts (its File forgets it) and the call raises.
    on_interrupt(job.awaiter, Interruption::aborted);
    return check_cancelled(L);
  }
  const int r = job.start(context(L).loop);
  if (r < 0) {
    on_interrupt(job.awaiter, Interruption::aborted);  // unlinks its File
    raise_uv_error(L, op, "cannot queue", job.path.c_str(), r);
  }
  return await(L, job.awaiter, op, k, ctx);
}

FsJob& push_fs_job(lua_State* L) {
  auto** slot = static_cast<FsJob**>(lua_newuserdatauv(L, sizeof(FsJob*), 0));
  *slot = nullptr;
  luaL_setmetatable(L, kJobMetatable);
  auto* job = new (std::nothrow) FsJob;
  if (!job) luaL_error(L, "not enough memory");
  *slot = job;
  return *job;
}

FsJob& fs_job_at(lua_State* L, int index) { return **static_cast<FsJob**>(lua_touserdata(L, index)); }

void init_fs_jobs(lua_State* L) {
  luaL_newmetatable(L, kJobMetatable);
  lua_pushcfunction(L, job_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
}

}  // namespace lua_batteries::io
