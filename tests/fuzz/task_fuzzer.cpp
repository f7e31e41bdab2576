// libFuzzer harness: each input becomes a random std.task program
// (program_generator.hpp) run on the virtual clock in a fresh Lua state
// through the host API. A violated invariant aborts with the program and
// what was violated on stderr:
//   - the run returns, neither deadlocked nor interrupted (nothing asks
//     for a shutdown and every wait here can end);
//   - every task finished; no task ran after its scope ended; each join
//     saw the outcome the task had; every __close ran exactly once
//     (recorded by the program, FUZZ.bad);
//   - closing the Lua state leaves no libuv handle behind.
// Memory errors and undefined behaviour are the sanitizers' to report.
//
// LB_FUZZ_PRINT=1 prints each input's program to stderr (to read what a
// crashing input does: run the fuzzer binary on the input file).
#include <lua.hpp>
#include <uv.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

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

uv_loop_t* shared_loop() {
  static uv_loop_t loop;
  static const bool ready = uv_loop_init(&loop) == 0;
  if (!ready) std::abort();
  return &loop;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string program = lb_fuzz::generate_program(data, size);
  static const bool print = std::getenv("LB_FUZZ_PRINT") != nullptr;
  if (print) std::fprintf(stderr, "%s", program.c_str());

  uv_loop_t* loop = shared_loop();
  lua_State* L = luaL_newstate();
  if (!L) std::abort();
  luaL_openlibs(L);
  lb::Config config;
  config.virtual_time = true;
  config.grace_ms = 20;
  // Programs are short and never spin; a CPU-time signal would only make
  // runs less repeatable (and cost a timer per input).
  config.slice_ms = 0;
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

  if (luaL_dostring(L, lb_fuzz::kFinalChecks) != LUA_OK)
    violation(program, std::string("final checks failed: ") + lua_tostring(L, -1));
  const std::string bad = recorded_violations(L);
  if (!bad.empty()) violation(program, bad);

  lua_close(L);
  uv_run(loop, UV_RUN_NOWAIT);  // close callbacks of the runtime's handles
  if (uv_loop_alive(loop)) violation(program, "libuv handles left alive after lua_close");
  return 0;
}
