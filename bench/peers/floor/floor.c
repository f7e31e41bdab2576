/* The floor: what bare Lua 5.4 coroutines cost through the C API
 * (lua_newthread + lua_resume), with no scheduler around them.
 *
 *   bench_floor empty
 *   bench_floor w1_one N     create, resume to completion, drop; N times
 *   bench_floor w1_alive N   create N coroutines (all alive), then resume each
 *   bench_floor w2 N         two coroutines each yield N times, resumed in turn
 *   bench_floor w8 N         N resume/yield pairs passing an integer in and out
 *   bench_floor w3 N MS      W3 with no runtime: N coroutines each run to a
 *                            yield (as a task goes to sleep), then each is
 *                            resumed to completion MS ms after its yield
 *
 * Prints "RESULT seconds=..." for the measured part, like every workload. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pushes the Lua function `source` evaluates to. */
static void push_function(lua_State *L, const char *source) {
  if (luaL_dostring(L, source) != LUA_OK) {
    fprintf(stderr, "floor: %s\n", lua_tostring(L, -1));
    exit(1);
  }
}

/* Pushes a new coroutine onto L that will run the function at index `fn`
 * of L's stack; returns its thread. */
static lua_State *new_coroutine(lua_State *L, int fn) {
  fn = lua_absindex(L, fn);
  lua_State *co = lua_newthread(L);
  lua_pushvalue(L, fn);
  lua_xmove(L, co, 1);
  return co;
}

/* Resumes co with no arguments and drops what it returns or yields. Exits
 * the program on an error, or if it did not end as `expected` says:
 * LUA_OK (finished), LUA_YIELD, or -1 for either. */
static void resume_coroutine(lua_State *L, lua_State *co, int expected) {
  int nresults;
  int status = lua_resume(co, L, 0, &nresults);
  if (status != LUA_OK && status != LUA_YIELD) {
    fprintf(stderr, "floor: %s\n", lua_tostring(co, -1));
    exit(1);
  }
  if (expected >= 0 && status != expected) {
    fprintf(stderr, "floor: a coroutine %s\n", status == LUA_OK ? "finished early" : "yielded");
    exit(1);
  }
  lua_pop(co, nresults);
}

/* Starts a new coroutine running the function at the top of L's stack
 * (left there) and resumes it once; returns the thread. */
static lua_State *start_coroutine(lua_State *L) {
  lua_State *co = new_coroutine(L, -1);
  resume_coroutine(L, co, -1);
  return co;
}

/* W1, one at a time: each coroutine is created, runs and is dropped. */
static double w1_one(lua_State *L, long n) {
  push_function(L, "return function() end");
  double start = now_seconds();
  for (long i = 0; i < n; i++) {
    start_coroutine(L);
    lua_pop(L, 1);
  }
  return now_seconds() - start;
}

/* W1, all alive: every coroutine exists before any runs, as in a scope
 * that spawns N tasks and then drains. */
static double w1_alive(lua_State *L, long n) {
  push_function(L, "return function() end");
  lua_createtable(L, (int)n, 0);
  int threads = lua_gettop(L);
  double start = now_seconds();
  for (long i = 1; i <= n; i++) {
    new_coroutine(L, threads - 1);
    lua_rawseti(L, threads, i);
  }
  for (long i = 1; i <= n; i++) {
    lua_rawgeti(L, threads, i);
    resume_coroutine(L, lua_tothread(L, -1), LUA_OK);
    lua_pop(L, 1);
  }
  double seconds = now_seconds() - start;
  lua_pop(L, 2);
  return seconds;
}

/* W2: two coroutines, each yields N times; resuming them in turn makes
 * 2N resume/yield switches. */
static double w2(lua_State *L, long n) {
  push_function(L,
                "return function(n) local yield = coroutine.yield "
                "for _ = 1, n do yield() end end");
  lua_State *co[2];
  for (int k = 0; k < 2; k++) co[k] = new_coroutine(L, 1);
  double start = now_seconds();
  int nargs[2] = {1, 1};
  int running = 2;
  while (running > 0) {
    running = 0;
    for (int k = 0; k < 2; k++) {
      if (nargs[k] < 0) continue;
      if (nargs[k] == 1) lua_pushinteger(co[k], n);
      int nresults;
      int status = lua_resume(co[k], L, nargs[k], &nresults);
      lua_pop(co[k], nresults);
      if (status == LUA_YIELD) {
        nargs[k] = 0;
        running++;
      } else if (status == LUA_OK) {
        nargs[k] = -1;
      } else {
        fprintf(stderr, "floor: %s\n", lua_tostring(co[k], -1));
        exit(1);
      }
    }
  }
  return now_seconds() - start;
}

/* W8: the floor of a hand-off: one coroutine gets an integer by
 * resume and gives the next back by yield, N times; one resume/yield
 * pair per hand-off. */
static double w8(lua_State *L, long n) {
  push_function(L,
                "return function(v) local yield = coroutine.yield "
                "while true do v = yield(v + 1) end end");
  lua_State *co = new_coroutine(L, 1);
  lua_Integer v = 0;
  double start = now_seconds();
  for (long i = 0; i < n; i++) {
    lua_pushinteger(co, v);
    int nresults;
    if (lua_resume(co, L, 1, &nresults) != LUA_YIELD || nresults != 1) {
      fprintf(stderr, "floor: the w8 coroutine did not yield a value\n");
      exit(1);
    }
    v = lua_tointeger(co, -1);
    lua_pop(co, 1);
  }
  double seconds = now_seconds() - start;
  if (v != n) {
    fprintf(stderr, "floor: w8 passed %lld, not %ld\n", (long long)v, n);
    exit(1);
  }
  return seconds;
}

/* W3: what sleeping coroutines cost with nothing around them. Each
 * coroutine calls a C function that yields (as task.sleep does), so that
 * it keeps the same call frames as a sleeping task. Deadlines are set in
 * order, so a FIFO is the whole timer queue; the process sleeps until the
 * next one is due. */
static int yield_from_c(lua_State *L) { return lua_yield(L, 0); }

static double w3(lua_State *L, long n, long ms) {
  lua_pushcfunction(L, yield_from_c);
  lua_setglobal(L, "sleep");
  push_function(L, "return function() sleep() end");
  lua_createtable(L, (int)n, 0);
  int threads = lua_gettop(L);
  double *due = malloc((size_t)n * sizeof *due);
  if (!due) {
    fprintf(stderr, "floor: out of memory\n");
    exit(1);
  }
  double start = now_seconds();
  for (long i = 0; i < n; i++) {
    resume_coroutine(L, new_coroutine(L, threads - 1), LUA_YIELD);
    due[i] = now_seconds() + (double)ms / 1000;
    lua_rawseti(L, threads, i + 1);
  }
  for (long i = 0; i < n; i++) {
    double wait = due[i] - now_seconds();
    if (wait > 0) {
      struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
      nanosleep(&ts, NULL);
    }
    lua_rawgeti(L, threads, i + 1);
    resume_coroutine(L, lua_tothread(L, -1), LUA_OK);
    lua_pop(L, 1);
  }
  double seconds = now_seconds() - start;
  free(due);
  lua_pop(L, 2);
  return seconds;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    puts(LUA_RELEASE);
    return 0;
  }
  const char *mode = argc >= 2 ? argv[1] : "";
  long n = argc >= 3 ? atol(argv[2]) : 0;
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  double seconds;
  if (strcmp(mode, "empty") == 0) {
    seconds = 0;
  } else if (strcmp(mode, "w1_one") == 0 && n > 0) {
    seconds = w1_one(L, n);
  } else if (strcmp(mode, "w1_alive") == 0 && n > 0) {
    seconds = w1_alive(L, n);
  } else if (strcmp(mode, "w2") == 0 && n > 0) {
    seconds = w2(L, n);
  } else if (strcmp(mode, "w8") == 0 && n > 0) {
    seconds = w8(L, n);
  } else if (strcmp(mode, "w3") == 0 && n > 0 && argc >= 4 && atol(argv[3]) >= 0) {
    seconds = w3(L, n, atol(argv[3]));
  } else {
    fprintf(stderr, "usage: bench_floor empty | w1_one N | w1_alive N | w2 N | w3 N MS | w8 N | --version\n");
    return 2;
  }
  printf("RESULT seconds=%.9f\n", seconds);
  lua_close(L);
  return 0;
}
