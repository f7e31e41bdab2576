// Allocation-failure sweep: runs each scenario script with its Nth
// allocation failing, for N = 1, 2, 3 ... until a run never reaches the
// Nth allocation.
//
//   fault_sweep [--cxx] SCENARIO.lua...
//
// Counted allocations are those of the Lua state (its lua_Alloc) and, with
// --cxx, also the C++ side's operator new (one shared counter), so the
// runtime's own containers fail too. For every N the run must either
// end as the scenario does without failures (ok, or the error its first
// line names: "-- expect-error: TEXT") or report "not enough memory"
// (the script's pcalls may swallow it); afterwards the
// runtime must still run a task to completion, lua_close must free every
// byte the state allocated, and the loop must close with no handle open.
// A Lua panic (an allocation outside protected mode) or a crash fails the
// sweep; under the sanitizer build ASan/LSan reports do too.
//
// A scenario with "-- sandbox" among its first lines runs under a Sandbox
// whose one read-write root is a temporary directory made for the sweep,
// named to the script by the environment variable LB_FAULT_SANDBOX (and
// removed at the end), so that the sandbox's path resolution fails at
// every allocation too.
//
// One failure is one allocation request: Lua retries a failed allocation
// once after an emergency collection, so the retry (same block, same size)
// fails as well, and the error reaches the code that asked.
#include <lua.hpp>
#include <uv.h>

#include <lua_batteries/observer.hpp>
#include <lua_batteries/policy.hpp>
#include <lua_batteries/task.hpp>

#include <chrono>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Injector {
  std::size_t count = 0;     // allocation requests so far
  std::size_t fail_at = 0;   // request number that fails, 0: none
  bool failed = false;       // the failure point was reached
  bool in_script = false;    // run_file is running (loading and running the scenario)
  bool failed_during_script = false;
  bool cxx = false;          // operator new shares the counter
  bool active = false;       // counting is on (during one attempt)
  // The failed Lua request, to fail its emergency-collection retry too.
  void* failed_block = nullptr;
  std::size_t failed_size = 0;
  bool retry_pending = false;

  // True if this request must fail.
  bool next_fails(void* block, std::size_t size, bool is_lua) {
    if (!active) return false;
    if (retry_pending && is_lua) {
      retry_pending = false;
      if (block == failed_block && size == failed_size) return true;
    }
    if (++count != fail_at) return false;
    failed = true;
    failed_during_script = in_script;
    if (is_lua) {
      retry_pending = true;
      failed_block = block;
      failed_size = size;
    }
    return true;
  }
};

Injector injector;
bool verbose = false;  // LB_FAULT_VERBOSE: one line per run
long long lua_live_bytes = 0;

void* failing_alloc(void*, void* block, std::size_t old_size, std::size_t new_size) {
  if (new_size == 0) {
    if (block) lua_live_bytes -= static_cast<long long>(old_size);
    std::free(block);
    return nullptr;
  }
  if (injector.next_fails(block, new_size, true)) return nullptr;
  void* result = std::realloc(block, new_size);
  if (result) lua_live_bytes += static_cast<long long>(new_size) - static_cast<long long>(block ? old_size : 0);
  return result;
}

int on_panic(lua_State* L) {
  const char* message = lua_tostring(L, -1);
  std::fprintf(stderr, "fault_sweep: Lua panic (allocation outside protected mode?) at N=%zu: %s\n",
               injector.fail_at, message ? message : "?");
  std::abort();
}

// Counts what the runtime reports, so that its report paths run too.
class CountingObserver : public lua_batteries::Observer {
 public:
  std::size_t events = 0;
  void task_finished(const lua_batteries::TaskEvent&, lua_batteries::Outcome, std::string_view text) override {
    events += 1 + text.size() % 2;
  }
  void unobserved_error(const lua_batteries::TaskEvent&, std::string_view, std::string_view) override { ++events; }
  void close_error(const lua_batteries::TaskEvent*, std::string_view) override { ++events; }
  void main_chunk_failed(std::string_view) override { ++events; }
  void grace_expired(const lua_batteries::ScopeEvent*, std::size_t) override { ++events; }
};

int open_libs(lua_State* L) {
  luaL_openlibs(L);
  return 0;
}

bool mentions_out_of_memory(std::string_view text) { return text.find("not enough memory") != std::string_view::npos; }

// The runtime after the failure: a task still spawns, runs and is joined.
constexpr const char* kStillWorks =
    "local h = std.task.spawn(function() std.task.yield(); return 42 end)\n"
    "assert(h:join() == 42)\n";

enum class Attempt { completed, failed_before_the_script, failed_in_the_script, broken };

// The error a scenario raises on purpose: "-- expect-error: TEXT" on its
// first line ("" when it must succeed).
std::string expected_error(const char* script) {
  std::ifstream in(script);
  std::string line;
  std::getline(in, line);
  const std::string tag = "-- expect-error: ";
  return line.rfind(tag, 0) == 0 ? line.substr(tag.size()) : std::string();
}

// Whether the scenario asks for the sandbox: "-- sandbox" in its first lines.
bool wants_sandbox(const char* script) {
  std::ifstream in(script);
  std::string line;
  for (int i = 0; i < 3 && std::getline(in, line); ++i)
    if (line == "-- sandbox") return true;
  return false;
}

// The sweep's sandbox, made before any attempt (copying it allocates nothing).
std::shared_ptr<const lua_batteries::PathPolicy> sandbox;

// One run of `script` with allocation number `n` failing.
Attempt attempt(const char* script, const std::string& expected, std::size_t n, bool sandboxed) {
  const bool cxx = injector.cxx;
  injector = Injector{};
  injector.fail_at = n;
  injector.cxx = cxx;
  injector.active = true;
  lua_live_bytes = 0;
  std::string problem;

  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) {
    std::fprintf(stderr, "fault_sweep: uv_loop_init failed\n");
    return Attempt::broken;
  }
  CountingObserver observer;
  lua_State* L = lua_newstate(failing_alloc, nullptr);
  if (L) {
    lua_atpanic(L, on_panic);
    bool installed = false;
    lua_pushcfunction(L, open_libs);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
      if (!mentions_out_of_memory(lua_tostring(L, -1))) problem = std::string("openlibs: ") + lua_tostring(L, -1);
      lua_pop(L, 1);
    } else {
      lua_batteries::Config config;
      config.grace_ms = 1;
      config.observer = &observer;
      if (sandboxed) config.policy.paths = sandbox;
      try {
        lua_batteries::register_with(L, &loop, config);
        installed = true;
      } catch (const std::bad_alloc&) {
        // the C++ side's out-of-memory, reported to the host as such
      } catch (const std::exception& e) {
        if (!mentions_out_of_memory(e.what())) problem = std::string("register_with: ") + e.what();
      }
    }
    if (installed) {
      injector.in_script = true;
      lua_batteries::RunResult r;
      try {
        r = lua_batteries::run_file(L, script);
      } catch (const std::exception& e) {
        problem = std::string("run_file threw ") + e.what();
      }
      // From here on the driver allocates for itself: none of that may
      // take the failure meant for the runtime.
      injector.active = false;
      if (verbose)
        std::fprintf(stderr, "N=%zu reached=%d status=%d %s\n", n, injector.failed, static_cast<int>(r.status),
                     r.message.substr(0, r.message.find('\n')).c_str());
      const bool as_expected = expected.empty() ? r.status == lua_batteries::RunResult::Status::ok
                                                : r.status == lua_batteries::RunResult::Status::error &&
                                                      r.message.find(expected) != std::string::npos;
      if (problem.empty() && !as_expected && !mentions_out_of_memory(r.message))
        problem = "run: " + r.message;
      // Later allocations succeed: the runtime must still work.
      if (problem.empty()) {
        const lua_batteries::RunResult again = lua_batteries::run_string(L, kStillWorks, "=still_works");
        if (again.status != lua_batteries::RunResult::Status::ok)
          problem = "the runtime no longer works after the failure: " + again.message;
      }
    }
    injector.active = false;
    lua_close(L);
  }
  injector.active = false;
  uv_run(&loop, UV_RUN_NOWAIT);
  // Threadpool requests the shutdown interrupted (std.sql) come back on a loop turn.
  while (loop.active_reqs.count > 0) uv_run(&loop, UV_RUN_ONCE);
  if (uv_loop_close(&loop) != 0) problem += (problem.empty() ? "" : "; ") + std::string("a libuv handle is left open");
  if (lua_live_bytes != 0)
    problem += (problem.empty() ? "" : "; ") + std::to_string(lua_live_bytes) + " bytes of the Lua state not freed";
  if (!problem.empty()) {
    std::fprintf(stderr, "fault_sweep: %s, allocation %zu failing: %s\n", script, n, problem.c_str());
    return Attempt::broken;
  }
  if (!injector.failed) return Attempt::completed;
  return injector.failed_during_script ? Attempt::failed_in_the_script : Attempt::failed_before_the_script;
}

}  // namespace

// --cxx: the C++ side's allocations share the counter.
void* operator new(std::size_t size) {
  if (injector.cxx && injector.next_fails(nullptr, size, false)) throw std::bad_alloc();
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
// The non-throwing forms too (the I/O modules allocate with them), so that
// they share the counter and pair with the frees below.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (injector.cxx && injector.next_fails(nullptr, size, false)) return nullptr;
  return std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
// GCC pairs the library's operator new with these frees when it inlines.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

int main(int argc, char** argv) {
  std::vector<const char*> scripts;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cxx") == 0)
      injector.cxx = true;
    else
      scripts.push_back(argv[i]);
  }
  if (scripts.empty()) {
    std::fprintf(stderr, "usage: fault_sweep [--cxx] SCENARIO.lua...\n");
    return 2;
  }
  verbose = std::getenv("LB_FAULT_VERBOSE") != nullptr;
  char sandbox_root[] = "/tmp/lb-fault-sandbox-XXXXXX";
  if (mkdtemp(sandbox_root) == nullptr) {
    std::perror("fault_sweep: mkdtemp");
    return 2;
  }
  setenv("LB_FAULT_SANDBOX", sandbox_root, 1);
  sandbox = std::make_shared<const lua_batteries::Sandbox>(
      std::vector<lua_batteries::Sandbox::Root>{{sandbox_root, lua_batteries::Sandbox::Mode::read_write}});
  const bool cxx = injector.cxx;
  std::size_t total = 0, total_in_scripts = 0;
  bool ok = true;
  for (const char* script : scripts) {
    const std::string expected = expected_error(script);
    const bool sandboxed = wants_sandbox(script);
    const auto start = std::chrono::steady_clock::now();
    // LB_FAULT_FROM=N starts the sweep at N (to debug one failure point).
    std::size_t in_script = 0;
    std::size_t n = std::getenv("LB_FAULT_FROM") ? std::strtoull(std::getenv("LB_FAULT_FROM"), nullptr, 10) : 1;
    for (;; ++n) {
      injector.cxx = cxx;
      const Attempt a = attempt(script, expected, n, sandboxed);
      if (a == Attempt::broken) {
        ok = false;
        break;
      }
      if (a == Attempt::completed) break;
      if (a == Attempt::failed_in_the_script) ++in_script;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::size_t survived = n - 1;
    total += survived;
    total_in_scripts += in_script;
    std::printf("%-28s %5zu failure points survived, %4zu of them in the scenario (%.1f s)%s\n",
                std::string(script).substr(std::string(script).find_last_of('/') + 1).c_str(), survived, in_script,
                seconds, ok ? "" : "  BROKEN");
    std::fflush(stdout);
    if (!ok) break;
  }
  sandbox.reset();
  std::system((std::string("rm -rf '") + sandbox_root + "'").c_str());
  std::printf("total: %zu failure points survived, %zu of them in the scenarios%s\n", total, total_in_scripts,
              cxx ? " (Lua and C++ allocations)" : " (Lua allocations)");
  return ok ? 0 : 1;
}
