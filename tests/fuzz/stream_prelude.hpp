// The Lua side of the generator's stream statements (program_generator.cpp):
// helpers that write, read and close Streams over three directions and
// record what each reader may have received, and the code that makes the
// streams before the program and drains them after it.
//
// Direction i carries bytes from SW[i] to SR[i]: 1 and 2 are TCP
// connections on 127.0.0.1 (a listener on port 0, connect, accept), 3 is
// `cat`'s stdin -> stdout (pipes). Every write is fresh and unique
// ("[n:" .. a run of one letter .. "]", sometimes with "\n"). What the
// program records:
//   F.wr[i]     every byte of the writes that returned, in order
//   F.pend[i]   the write under way, or the one that raised (its bytes may
//               have gone out in part); after a write raised, the direction
//               is tainted and no more writes are made on it
//   F.rd[i]     bytes the reader took so far
// Invariants: every chunk a read or read_line returns is the next part of
// F.wr[i] .. F.pend[i] (nothing lost, duplicated or reordered, also after
// reads cancelled by move_on/with_timeout/abort, which must lose nothing);
// end of input comes only once the writer was shut down or closed (or a
// write raised) and only after every byte of F.wr[i]; a second reader or
// writer gets `std.io: stream is busy`, unless the first one's task was
// cancelled or aborted and has yet to resume (the first then did nothing
// and raises): a read going through then is checked as any read; after a
// write going through, the order of the bytes is unknown and the direction
// is checked no further (F.lost). After the program (SFIN) every task
// ends, the writers are closed and the readers drained: an untainted
// direction delivered exactly F.wr[i].
#pragma once

namespace lb_fuzz {

/// Helpers SWR (write), SRD (read or read_line), SCL (shutdown/close),
/// SMK(use1, use2, use3) (makes the directions used), SFIN (ends the tasks,
/// drains, checks, closes).
/// Needs kPrelude's F, bad and task.
extern const char* const kStreamPrelude;

}  // namespace lb_fuzz
