// LineReader: standard input, one line per read, on the loop.
#include "line_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#ifdef LB_HAVE_READLINE
#include <readline/history.h>
#include <readline/readline.h>
#endif

namespace lua_batteries::prompt {

#ifdef LB_HAVE_READLINE
namespace {

// readline's callback interface has one global line handler; it reaches
// the reader through this.
LineReader* g_readline_reader = nullptr;

/// At exit (os.exit from a task while the prompt waits, say) the terminal
/// leaves readline's mode.
void restore_terminal() {
  if (g_readline_reader != nullptr) rl_callback_handler_remove();
}

}  // namespace
#endif

LineReader::LineReader(uv_loop_t* loop, int fd) : fd_(fd) {
  // uv_poll_init makes the descriptor non-blocking, and with it the
  // terminal's open file shared with the shell and with io.read in the
  // script; epoll does not need that, and reads happen only once it says
  // the descriptor is readable, so the flags go back as they were.
  const int flags = fcntl(fd_, F_GETFL);
  if (uv_poll_init(loop, &poll_, fd_) == 0) {
    poll_open_ = true;
    poll_.data = this;
  }
  if (flags != -1) fcntl(fd_, F_SETFL, flags);
#ifdef LB_HAVE_READLINE
  if (poll_open_ && isatty(fd_) && g_readline_reader == nullptr) {
    use_readline_ = true;
    g_readline_reader = this;
    rl_catch_signals = 0;  // Ctrl-C is the loop's (interrupt())
    rl_catch_sigwinch = 0;
    rl_readline_name = "lua-batteries";
    static bool registered = false;
    if (!registered) registered = std::atexit(restore_terminal) == 0;
  }
#endif
}

LineReader::~LineReader() { close(); }

void LineReader::close() {
#ifdef LB_HAVE_READLINE
  if (use_readline_) {
    if (polling_) rl_callback_handler_remove();
    g_readline_reader = nullptr;
    use_readline_ = false;
  }
#endif
  if (!poll_open_) return;
  poll_open_ = false;
  polling_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), nullptr);
}

Awaiter& LineReader::start(const char* prompt) {
  waiter_.emplace();
#ifdef LB_HAVE_READLINE
  if (use_readline_) {
    rl_callback_handler_install(prompt, &LineReader::on_readline);
    polling_ = uv_poll_start(&poll_, UV_READABLE, &LineReader::on_readable) == 0;
    if (!polling_) finish(Outcome::end_of_input);
    return *waiter_;
  }
#endif
  std::fputs(prompt, stdout);
  std::fflush(stdout);
  if (take_line()) {
    finish(Outcome::line);
  } else if (at_end_) {
    finish(Outcome::end_of_input);
  } else if (poll_open_) {
    polling_ = uv_poll_start(&poll_, UV_READABLE, &LineReader::on_readable) == 0;
    if (!polling_) finish(Outcome::end_of_input);
  } else {
    // A regular file: read until a line or the end.
    bool has_line = false;
    while (!has_line && fill()) has_line = take_line();
    if (!has_line) has_line = take_line();  // a last line without a newline
    finish(has_line ? Outcome::line : Outcome::end_of_input);
  }
  return *waiter_;
}

bool LineReader::interrupt() {
  if (!waiter_ || !waiter_->is_waiting()) return false;
#ifdef LB_HAVE_READLINE
  if (use_readline_) {
    // What was typed goes, and the terminal leaves readline's mode.
    rl_free_line_state();
    rl_callback_sigcleanup();
  }
#endif
  finish(Outcome::interrupted);
  return true;
}

void LineReader::on_readable(uv_poll_t* poll, int status, int) {
  auto* reader = static_cast<LineReader*>(poll->data);
#ifdef LB_HAVE_READLINE
  if (reader->use_readline_) {
    if (status == 0) {
      rl_callback_read_char();  // may call on_readline
    } else {
      reader->finish(Outcome::end_of_input);
    }
    return;
  }
#endif
  const bool open = status == 0 && reader->fill();
  if (reader->take_line()) {
    reader->finish(Outcome::line);
  } else if (!open) {
    reader->finish(Outcome::end_of_input);
  }
}

bool LineReader::take_line() {
  const std::size_t end = buffer_.find('\n');
  if (end == std::string::npos) {
    // The last line of an input without a final newline.
    if (!at_end_ || buffer_.empty()) return false;
    line_ = std::move(buffer_);
    buffer_.clear();
    return true;
  }
  line_.assign(buffer_, 0, end);
  buffer_.erase(0, end + 1);
  return true;
}

bool LineReader::fill() {
  char chunk[4096];
  for (;;) {
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    at_end_ = true;
    return false;
  }
}

void LineReader::on_readline(char* line) {
#ifdef LB_HAVE_READLINE
  LineReader* reader = g_readline_reader;
  if (reader == nullptr) {
    std::free(line);
    return;
  }
  if (line == nullptr) {
    reader->finish(Outcome::end_of_input);
    return;
  }
  if (line[0] != '\0') add_history(line);
  reader->line_ = line;  // may throw bad_alloc: the runner ends, as on any allocation failure here
  std::free(line);
  reader->finish(Outcome::line);
#else
  std::free(line);
#endif
}

void LineReader::finish(Outcome outcome) {
  if (polling_) {
    uv_poll_stop(&poll_);
    polling_ = false;
#ifdef LB_HAVE_READLINE
    if (use_readline_) rl_callback_handler_remove();
#endif
  }
  outcome_ = outcome;
  if (waiter_) waiter_->complete();
}

}  // namespace lua_batteries::prompt
