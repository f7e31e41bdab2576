// libFuzzer harness: each input becomes a random std.task program
// (program_generator.hpp) run on the virtual clock in a fresh Lua state
// through the host API. A violated invariant aborts with the program and
// what was violated on stderr:
//   - the run returns, neither deadlocked nor interrupted (nothing asks
//     for a shutdown and every wait here can end);
//   - every task finished; no task ran after its scope ended; each join
//     saw the outcome the task had; every __close ran exactly once
//     (recorded by the program, FUZZ.bad);
//   - the observer hears of every task finishing exactly once, with the
//     outcome the program recorded (returned / failed), of as many scopes
//     closing as opening, and of no __close error (none of the program's
//     handlers raises);
//   - closing the Lua state leaves no libuv handle behind (none at all:
//     uv_loop_close would succeed) and no file
//     descriptor open that was not open before the input (the stream
//     statements' sockets, pipes and `cat` process);
//   - the stream statements' own invariants (stream_prelude.hpp), recorded
//     in FUZZ.bad like the rest.
// Memory errors and undefined behaviour are the sanitizers' to report.
//
// LB_FUZZ_PRINT=1 prints each input's program to stderr (to read what a
// crashing input does: run the fuzzer binary on the input file).
//
// LB_FUZZ_SANDBOX=1 is the sandboxed mode: programs also make std.fs calls
// on paths that try to leave a Sandbox root (program_generator.hpp), run
// under that Sandbox in a temporary tree made afresh for each input; the
// invariant is that no file outside the root was touched (the tree
// outside it, names, types, sizes and contents, is the same after the run)
// and that no read returned what lies outside.
#include <lua.hpp>
#include <uv.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "lua_batteries/observer.hpp"
#include "lua_batteries/policy.hpp"
#include "lua_batteries/task.hpp"
#include "program_generator.hpp"

namespace {

namespace lb = lua_batteries;

[[noreturn]] void violation(const std::string& program, const std::string& what) {
  std::fprintf(stderr, "---- program\n%s---- invariant violated\n%s\n", program.c_str(), what.c_str());
  std::abort();
}

/// The violations the program recorded in FUZZ.bad, one per line.
std::string recorded_violations(lua_State* L) {
  std::string all;
  if (lua_getglobal(L, "FUZZ") != LUA_TTABLE || lua_getfield(L, -1, "bad") != LUA_TTABLE) {
    lua_settop(L, 0);
    return "the program's FUZZ table is missing";
  }
  const lua_Integer n = luaL_len(L, -1);
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_geti(L, -1, i);
    const char* text = lua_tostring(L, -1);
    all += text ? text : "?";
    all += '\n';
    lua_pop(L, 1);
  }
  lua_settop(L, 0);
  return all;
}

/// What the runtime itself reports about one run.
class Accounting : public lb::Observer {
 public:
  struct TaskRecord {
    int spawned = 0;
    int finished = 0;
    lb::Outcome outcome = lb::Outcome::returned;
  };
  void task_spawned(const lb::TaskEvent& e) override { ++tasks[e.number].spawned; }
  void task_finished(const lb::TaskEvent& e, lb::Outcome outcome, std::string_view) override {
    TaskRecord& r = tasks[e.number];
    ++r.finished;
    r.outcome = outcome;
  }
  void scope_opened(const lb::ScopeEvent&) override { ++scopes_opened; }
  void scope_closed(const lb::ScopeEvent&) override { ++scopes_closed; }
  void close_error(const lb::TaskEvent*, std::string_view error) override {
    close_errors += std::string(error) + "\n";
  }

  /// Violations of the counts, one per line.
  std::string check() const {
    std::string bad;
    for (const auto& [number, r] : tasks)
      if (r.spawned != 1 || r.finished != 1)
        bad += "task t" + std::to_string(number) + ": spawned " + std::to_string(r.spawned) + " times, finished " +
               std::to_string(r.finished) + " times\n";
    if (scopes_opened != scopes_closed)
      bad += std::to_string(scopes_opened) + " scopes opened, " + std::to_string(scopes_closed) + " closed\n";
    if (!close_errors.empty()) bad += "__close errors reported: " + close_errors;
    return bad;
  }

  /// [-0, +0, m] Sets the global OUTCOMES: task id ("t<N>") -> outcome name.
  void publish(lua_State* L) const {
    lua_createtable(L, 0, static_cast<int>(tasks.size()));
    for (const auto& [number, r] : tasks) {
      lua_pushstring(L, lb::outcome_name(r.outcome));
      lua_setfield(L, -2, ("t" + std::to_string(number)).c_str());
    }
    lua_setglobal(L, "OUTCOMES");
  }

  std::unordered_map<std::uint64_t, TaskRecord> tasks;
  int scopes_opened = 0;
  int scopes_closed = 0;
  std::string close_errors;
};

// --- the sandboxed mode's tree: <base>/outside (never to change) and
// <base>/root (the sandbox's root, made afresh for each input).

std::string* g_listing = nullptr;  // what nftw callbacks append to

int list_entry(const char* path, const struct stat* st, int type, FTW*) {
  *g_listing += path;
  *g_listing += type == FTW_SL ? " link " : type == FTW_D ? " dir " : " file ";
  *g_listing += std::to_string(st->st_size) + " " + std::to_string(st->st_mode) + "\n";
  if (type == FTW_F) {
    char buf[256];
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    const ssize_t n = fd >= 0 ? ::read(fd, buf, sizeof buf) : -1;
    if (fd >= 0) ::close(fd);
    if (n > 0) g_listing->append(buf, static_cast<std::size_t>(n)).append("\n");
  }
  return 0;
}

// Everything under `dir`, as text, without following links.
std::string listing(const std::string& dir) {
  std::string out;
  g_listing = &out;
  nftw(dir.c_str(), list_entry, 16, FTW_PHYS);
  g_listing = nullptr;
  return out;
}

int remove_entry(const char* path, const struct stat*, int type, FTW*) {
  return type == FTW_DP ? ::rmdir(path) : ::unlink(path);
}

void write_file(const std::string& path, const char* text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, text, std::strlen(text)) < 0) std::abort();
  ::close(fd);
}

struct SandboxTree {
  std::string base;
  std::string outside_before;  // listing() of outside/ when made
  std::shared_ptr<const lb::PathPolicy> policy;

  SandboxTree() {
    char tmpl[] = "/tmp/lb-fuzz-sandbox-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    base = tmpl;
    ::mkdir((base + "/outside").c_str(), 0755);
    ::mkdir((base + "/outside/dir").c_str(), 0755);
    write_file(base + "/outside/secret.txt", "secret");
    outside_before = listing(base + "/outside");
    fresh_root();
    policy = std::make_shared<const lb::Sandbox>(
        std::vector<lb::Sandbox::Root>{{base + "/root", lb::Sandbox::Mode::read_write}});
  }
  ~SandboxTree() { nftw(base.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

  /// root/ as the first input found it: a file, a directory, and symlinks
  /// out (relative and absolute, to the file and to the directory). The
  /// root directory itself stays (the sandbox holds its descriptor).
  void fresh_root() {
    const std::string root = base + "/root";
    ::mkdir(root.c_str(), 0755);
    nftw(root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    ::mkdir(root.c_str(), 0755);
    ::mkdir((root + "/sub").c_str(), 0755);
    write_file(root + "/a", "inside");
    if (::symlink("../outside", (root + "/link-dir").c_str()) != 0 ||
        ::symlink((base + "/outside").c_str(), (root + "/abs-link").c_str()) != 0 ||
        ::symlink("../outside/secret.txt", (root + "/link-file").c_str()) != 0)
      std::abort();
  }
};

/// The number of open file descriptors (entries of /proc/self/fd).
int open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) std::abort();
  int n = 0;
  while (const dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n - 1;  // the directory's own descriptor
}

uv_loop_t* shared_loop() {
  static uv_loop_t loop;
  static const bool ready = [] {
    if (uv_loop_init(&loop) != 0) return false;
    // libuv opens descriptors it keeps for the loop's life on first use:
    // its signal pipes (the process's and the loop's) with the first
    // signal handle (std.process's child watcher) and a spare /dev/null
    // (for running out of descriptors in accept) with the first TCP
    // listen. Open them now so that the per-input descriptor count does
    // not see them.
    uv_signal_t signal;
    uv_tcp_t tcp;
    sockaddr_in any{};
    if (uv_signal_init(&loop, &signal) != 0 || uv_tcp_init(&loop, &tcp) != 0 ||
        uv_ip4_addr("127.0.0.1", 0, &any) != 0 || uv_tcp_bind(&tcp, reinterpret_cast<const sockaddr*>(&any), 0) != 0 ||
        uv_listen(reinterpret_cast<uv_stream_t*>(&tcp), 1, nullptr) != 0)
      return false;
    uv_close(reinterpret_cast<uv_handle_t*>(&signal), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp), nullptr);
    uv_run(&loop, UV_RUN_NOWAIT);
    return true;
  }();
  if (!ready) std::abort();
  return &loop;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool sandboxed = std::getenv("LB_FUZZ_SANDBOX") != nullptr;
  static const std::unique_ptr<SandboxTree> tree(sandboxed ? new SandboxTree : nullptr);
  const std::string program = lb_fuzz::generate_program(data, size, sandboxed);
  static const bool print = std::getenv("LB_FUZZ_PRINT") != nullptr;
  if (print) std::fprintf(stderr, "%s", program.c_str());

  uv_loop_t* loop = shared_loop();
  const int fds_before = open_fds();
  lua_State* L = luaL_newstate();
  if (!L) std::abort();
  luaL_openlibs(L);
  Accounting accounting;
  lb::Config config;
  config.observer = &accounting;
  config.virtual_time = true;
  config.grace_ms = 20;
  // Programs are short and never spin; a CPU-time signal would only make
  // runs less repeatable (and cost a timer per input).
  config.slice_ms = 0;
  config.watchdog = false;
  if (tree) {
    tree->fresh_root();
    config.policy.paths = tree->policy;
    lua_pushstring(L, tree->base.c_str());
    lua_setglobal(L, "SB");
  }
  lb::register_with(L, loop, config);

  // A program that does not compile is the generator's bug.
  if (luaL_loadbuffer(L, program.data(), program.size(), "=fuzz") != LUA_OK)
    violation(program, std::string("the program does not compile: ") + lua_tostring(L, -1));
  lua_pop(L, 1);

  // The main chunk may fail (it raised, or let a task's error through),
  // but the run must end by itself.
  const lb::RunResult result = lb::run_string(L, program, "=fuzz");
  if (result.status == lb::RunResult::Status::deadlock || result.status == lb::RunResult::Status::interrupted)
    violation(program, "the run ended with status " + std::to_string(static_cast<int>(result.status)) + ": " +
                           result.message);

  const std::string miscounted = accounting.check();
  if (!miscounted.empty()) violation(program, miscounted);
  accounting.publish(L);
  if (luaL_dostring(L, lb_fuzz::kFinalChecks) != LUA_OK)
    violation(program, std::string("final checks failed: ") + lua_tostring(L, -1));
  const std::string bad = recorded_violations(L);
  if (!bad.empty()) violation(program, bad);

  lua_close(L);
  uv_run(loop, UV_RUN_NOWAIT);  // close callbacks of the runtime's handles
  // std.fs requests a hard abort left running come back on a loop turn.
  while (loop->active_reqs.count > 0) uv_run(loop, UV_RUN_ONCE);
  if (uv_loop_alive(loop)) violation(program, "libuv handles left alive after lua_close");
  // Any handle left, even an inactive one, would make uv_loop_close fail.
  int handles = 0;
  uv_walk(loop, [](uv_handle_t*, void* n) { ++*static_cast<int*>(n); }, &handles);
  if (handles != 0) violation(program, std::to_string(handles) + " libuv handles left after lua_close");
  if (const int fds = open_fds(); fds != fds_before)
    violation(program, std::to_string(fds_before) + " file descriptors open before the run, " + std::to_string(fds) +
                           " after lua_close");
  if (tree && listing(tree->base + "/outside") != tree->outside_before)
    violation(program, "a file outside the sandbox root changed:\n" + listing(tree->base + "/outside"));
  return 0;
}
