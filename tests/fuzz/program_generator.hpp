// Turns fuzzer bytes into a random std.task program (Lua source) whose
// instrumentation records the invariants the fuzz harness checks.
//
// The bytes are read as a stream of choices: each statement takes a byte
// for its kind and a few for its parameters; running out of bytes ends
// every open block, so any input is a valid program and short inputs give
// short programs. Everything is bounded (depth, statements, tasks), so a
// program runs in microseconds on the virtual clock.
//
// What the program records, in the global table FUZZ (see kPrelude):
//   bad       violations found while it ran (strings)
//   tscope    task id -> id of the scope it was spawned into
//   done      scope id -> true once the call that opened it returned
//   handles   task id -> Handle, for the final "every task finished" check
//   made/closes  to-be-closed id -> times created / times its __close ran
//   sent/vch/recvd  value -> "pending"/"ok"/"failed", its channel, received
//   held      semaphore -> permits held now
// Coordination statements (channels, events, semaphores, select, shield,
// move_on, fail-fast scopes, gather, race, task.var) bound every wait by
// a move_on, so that no program deadlocks. Their invariants: a value is
// received at most once, only on its channel, never after its send
// raised, and (once the final checks drained the channels) every send
// that returned was received; permits held never exceed the semaphore's
// size and balance at the end; gather and race return what the functions
// returned; an event wait that returned saw the event set.
// Stream statements (not in the sandboxed mode, where that choice makes an
// std.fs call) write, read, read_line, shut down and close Streams over
// two loopback TCP connections and `cat`'s pipes, each wait bounded by a
// short move_on; their helpers and invariants are stream_prelude.hpp's. A
// program with any wraps its main chunk: the streams are made first, and
// after it SFIN ends every task, drains the streams and checks that no
// byte was lost.
// Checks made inside the program: no task statement runs after its scope
// ended; a join returns or raises what the task recorded as its outcome; a
// successful join happens once; once a task or scope is observed finished,
// every __close it created has run exactly once. The harness checks the
// rest after the run (fuzz_harness.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lb_fuzz {

/// The Lua source of the program that `data` encodes: the prelude, then
/// the generated main chunk. `sandboxed` adds std.fs calls on paths that
/// try to leave a sandbox root (the global SB names the tree the harness
/// made: SB/root is the root, SB/outside/secret.txt holds "secret"); the
/// program records a read of the secret as a violation, and the harness
/// checks that nothing outside the root changed.
std::string generate_program(const std::uint8_t* data, std::size_t size, bool sandboxed = false);

/// Lua code run after the program's run returns (outside any run): adds
/// to FUZZ.bad every task not finished and every __close not run exactly
/// once.
extern const char* const kFinalChecks;

}  // namespace lb_fuzz
