// The work of a std.fs job on a threadpool thread (fs_job.hpp): blocking
// system calls only, no Lua. Paths resolve either as given (no policy, or
// a PathPolicy checked by its text on the loop thread) or, under a
// Sandbox, from the root descriptor the loop thread located
// (FsJob::where), with openat2(RESOLVE_BENEATH) for every lookup and the
// *at calls on a directory descriptor so opened for the last component:
// a path that would leave its root fails with FsJob::denied set, whatever
// changed on disk since the check.
#pragma once

namespace lua_batteries::io {

struct FsJob;

/// Does the job's work, recording its outcome in the job.
void run_fs_work(FsJob& job);

}  // namespace lua_batteries::io
