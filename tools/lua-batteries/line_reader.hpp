// Lines from standard input for the prompt, read on the loop: a task can
// run while the prompt waits for its next line. On a terminal, with GNU
// readline when the build has it (LB_HAVE_READLINE: Debian's Lua 5.4
// already depends on it): line editing and history, through readline's
// callback interface fed from the loop.
#pragma once

#include <uv.h>

#include <optional>
#include <string>

#include "lua_batteries/task.hpp"

namespace lua_batteries::prompt {

/// Reads standard input line by line. One read at a time: start() begins
/// one and hands back the Awaiter that completes when it ends, with
/// outcome() saying how.
class LineReader {
 public:
  enum class Outcome { line, end_of_input, interrupted };

  /// Watches `fd` on `loop`; a descriptor epoll cannot watch (a regular
  /// file) is read synchronously instead, which never waits long.
  LineReader(uv_loop_t* loop, int fd);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// Shows `prompt` and begins reading a line. The returned Awaiter (the
  /// reader's own, valid until the next start()) is already complete if a
  /// line was buffered.
  Awaiter& start(const char* prompt);
  /// Ends the pending read as interrupted (Ctrl-C at the prompt). False
  /// when no read is pending.
  bool interrupt();
  Outcome outcome() const { return outcome_; }
  /// The line read, without its newline.
  const std::string& line() const { return line_; }
  /// Closes the poll handle; the loop must run once more to release it.
  void close();

 private:
  static void on_readable(uv_poll_t* poll, int status, int events);
  /// readline's line handler: the line (malloc'd), or null at the end.
  static void on_readline(char* line);
  /// Moves a complete line out of the buffer; true if there was one.
  bool take_line();
  /// Reads what is available; false at the end of input or on an error.
  bool fill();
  void finish(Outcome outcome);

  int fd_;
  uv_poll_t poll_{};
  bool polling_ = false;
  bool poll_open_ = false;
  bool at_end_ = false;
  bool use_readline_ = false;
  std::optional<Awaiter> waiter_;
  Outcome outcome_ = Outcome::line;
  std::string buffer_;
  std::string line_;
};

}  // namespace lua_batteries::prompt
