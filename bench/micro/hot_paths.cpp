// Microbenchmarks of the runtime's hot paths (Google Benchmark).
//
// The scheduler paths run Lua through the host API, a batch of operations
// per blocking run so the run's own setup is amortised; the core
// structures (token tree, deadline queue) are driven directly.
#include <benchmark/benchmark.h>

#include <lua.hpp>
#include <uv.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include <lua_batteries/task.hpp>

#include "core/cancel_token.hpp"
#include "core/deadline_queue.hpp"

namespace lb = lua_batteries;
namespace lbd = lua_batteries::detail;

namespace {

// A Lua state with std.task on its own loop, and one Lua function `fn(n)`
// that performs n operations of the benchmarked kind.
class LuaHost {
 public:
  explicit LuaHost(const char* function_source) {
    uv_loop_init(&loop_);
    L_ = luaL_newstate();
    luaL_openlibs(L_);
    lb::register_task(L_, &loop_);
    if (luaL_dostring(L_, function_source) != LUA_OK) throw std::runtime_error(lua_tostring(L_, -1));
    fn_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  }
  ~LuaHost() {
    lua_close(L_);
    uv_run(&loop_, UV_RUN_NOWAIT);
    uv_loop_close(&loop_);
  }
  LuaHost(const LuaHost&) = delete;
  LuaHost& operator=(const LuaHost&) = delete;

  // Runs fn(n) as a main chunk until it and its tasks are done.
  void run(lua_Integer n) {
    lua_rawgeti(L_, LUA_REGISTRYINDEX, fn_ref_);
    lua_pushinteger(L_, n);
    const lb::RunResult result = lb::run_function(L_, 1);
    if (result.status != lb::RunResult::Status::ok) throw std::runtime_error(result.message);
  }

 private:
  uv_loop_t loop_{};
  lua_State* L_ = nullptr;
  int fn_ref_ = LUA_NOREF;
};

constexpr lua_Integer kBatch = 1000;

// Items per second is what the bench harness turns into ns per operation.
void per_operation(benchmark::State& state, std::int64_t operations_per_iteration) {
  state.SetItemsProcessed(state.iterations() * operations_per_iteration);
}

// Spawn a task that returns at once and let it finish: the scope drains a
// batch of kBatch of them.
void BM_SpawnFinish(benchmark::State& state) {
  LuaHost host(R"(
    local task = std.task
    local function nothing() end
    return function(n)
      task.scope(function(scope)
        for _ = 1, n do scope:spawn(nothing) end
      end)
    end)");
  for (auto _ : state) host.run(kBatch);
  per_operation(state, kBatch);
}
BENCHMARK(BM_SpawnFinish);

// One scheduler switch: two tasks yield to each other, kBatch switches.
void BM_SchedulerSwitch(benchmark::State& state) {
  LuaHost host(R"(
    local task = std.task
    return function(n)
      local function yielder() for _ = 1, n // 2 do task.yield() end end
      task.scope(function(scope)
        scope:spawn(yielder)
        scope:spawn(yielder)
      end)
    end)");
  for (auto _ : state) host.run(kBatch);
  per_operation(state, kBatch);
}
BENCHMARK(BM_SchedulerSwitch);

// Cancelling a subtree of N tokens (a 8-ary tree, the shape of scopes
// holding tasks holding scopes). Building and freeing it is not timed.
void BM_CancelSubtree(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<lbd::CancelToken*> tokens(n);
  for (auto _ : state) {
    state.PauseTiming();
    tokens[0] = lbd::CancelToken::create(nullptr);
    for (std::size_t i = 1; i < n; ++i) tokens[i] = lbd::CancelToken::create(tokens[(i - 1) / 8]);
    state.ResumeTiming();

    tokens[0]->cancel();

    state.PauseTiming();
    for (std::size_t i = n; i-- > 0;) tokens[i]->release();
    state.ResumeTiming();
  }
  per_operation(state, static_cast<std::int64_t>(n));
}
BENCHMARK(BM_CancelSubtree)->Arg(1000)->Arg(100000);

// Deadline insert + remove in a heap holding 100k entries: one entry at a
// time is taken out and put back with a new random due time.
void BM_DeadlineInsertRemove(benchmark::State& state) {
  constexpr std::size_t kEntries = 100000;
  std::vector<lbd::DeadlineEntry> entries(kEntries);
  lbd::DeadlineQueue heap;
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::uint64_t> due(0, 3'600'000'000'000);
  for (auto& entry : entries) heap.insert(entry, due(random));
  std::uniform_int_distribution<std::size_t> pick(0, kEntries - 1);
  for (auto _ : state) {
    lbd::DeadlineEntry& entry = entries[pick(random)];
    heap.remove(entry);
    heap.insert(entry, due(random));
  }
  for (auto& entry : entries) heap.remove(entry);
  per_operation(state, 1);
}
BENCHMARK(BM_DeadlineInsertRemove);

}  // namespace

BENCHMARK_MAIN();
