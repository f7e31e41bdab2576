/* W13 sql_mix floors in C on the same SQLite: N single-row INSERTs in one
 * transaction, then N point queries by primary key, with statements
 * prepared once, on a new file in WAL mode.
 *
 *   bench_sql_floor sync N   every statement on the calling thread
 *   bench_sql_floor hop N    every statement on libuv's threadpool, one at
 *                            a time (uv_queue_work, then the loop hears of
 *                            it): the cost of a hop with two thread wake-ups
 *   bench_sql_floor handoff N
 *                            every statement on a second thread that spins
 *                            for it, the main thread spinning for its end
 *                            (both yielding the processor at each turn):
 *                            the least a hand-off to another thread costs,
 *                            std.sql's connection thread when statements
 *                            come back to back
 *
 * hop - sync is what a threadpool hop costs per statement, handoff - sync
 * what a hand-off between two awake threads costs; std.sql's time minus
 * handoff is the rest of the runtime's (Lua, binding, queueing). */
#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static sqlite3* db;
static sqlite3_stmt* insert_stmt;
static sqlite3_stmt* select_stmt;
static long n;
static long i;          /* the statement being run (1-based) */
static int inserting;   /* phase: inserts, then queries */
static double t_start, t_inserted, t_done;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
  }
}

static void exec(const char* sql) { check(sqlite3_exec(db, sql, NULL, NULL, NULL), sql); }

/* One statement: the INSERT or the SELECT of row i. */
static void run_one(void) {
  char value[32];
  snprintf(value, sizeof value, "value %ld", i);
  if (inserting) {
    sqlite3_bind_int64(insert_stmt, 1, i);
    sqlite3_bind_text(insert_stmt, 2, value, -1, SQLITE_TRANSIENT);
    check(sqlite3_step(insert_stmt), "insert");
    sqlite3_reset(insert_stmt);
  } else {
    sqlite3_bind_int64(select_stmt, 1, i);
    if (sqlite3_step(select_stmt) != SQLITE_ROW || strcmp((const char*)sqlite3_column_text(select_stmt, 0), value) != 0) {
      fprintf(stderr, "wrong row %ld\n", i);
      exit(1);
    }
    sqlite3_reset(select_stmt);
  }
}

/* Moves to the next statement; 0 when everything ran. */
static int advance(void) {
  if (++i <= n) return 1;
  if (inserting) {
    exec("COMMIT");
    t_inserted = now();
    inserting = 0;
    i = 1;
    return 1;
  }
  t_done = now();
  return 0;
}

static uv_work_t work;
static void work_cb(uv_work_t* w) { (void)w; run_one(); }
static void after_cb(uv_work_t* w, int status) {
  (void)w;
  if (status != 0) exit(1);
  if (advance()) uv_queue_work(uv_default_loop(), &work, work_cb, after_cb);
}

/* handoff: `posted` counts the statements handed to the worker, `done`
 * those it finished; each side waits for the other's counter. */
static atomic_long posted;
static atomic_long done;

static void* handoff_worker(void* arg) {
  (void)arg;
  for (long ran = 0;;) {
    long want;
    while ((want = atomic_load(&posted)) == ran) sched_yield();
    if (want < 0) return NULL;
    run_one();
    atomic_store(&done, ++ran);
  }
}

static void run_handed_off(void) {
  pthread_t worker;
  if (pthread_create(&worker, NULL, handoff_worker, NULL) != 0) exit(1);
  long count = 0;
  do {
    atomic_store(&posted, ++count);
    while (atomic_load(&done) != count) sched_yield();
  } while (advance());
  atomic_store(&posted, -1);
  pthread_join(worker, NULL);
}

int main(int argc, char** argv) {
  if (argc != 3 || (strcmp(argv[1], "sync") != 0 && strcmp(argv[1], "hop") != 0 &&
                    strcmp(argv[1], "handoff") != 0)) {
    fprintf(stderr, "usage: bench_sql_floor sync|hop|handoff N\n");
    return 2;
  }
  n = atol(argv[2]);
  char path[] = "/tmp/w13-floor-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  check(sqlite3_open(path, &db), "open");
  exec("PRAGMA journal_mode=WAL");
  exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  check(sqlite3_prepare_v2(db, "INSERT INTO t (id, v) VALUES (?, ?)", -1, &insert_stmt, NULL), "prepare");
  check(sqlite3_prepare_v2(db, "SELECT v FROM t WHERE id = ?", -1, &select_stmt, NULL), "prepare");
  t_start = now();
  exec("BEGIN");
  inserting = 1;
  i = 1;
  if (strcmp(argv[1], "sync") == 0) {
    do run_one(); while (advance());
  } else if (strcmp(argv[1], "handoff") == 0) {
    run_handed_off();
  } else {
    uv_queue_work(uv_default_loop(), &work, work_cb, after_cb);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
  }
  sqlite3_finalize(insert_stmt);
  sqlite3_finalize(select_stmt);
  sqlite3_close(db);
  char other[sizeof path + 8];
  unlink(path);
  snprintf(other, sizeof other, "%s-wal", path);
  unlink(other);
  snprintf(other, sizeof other, "%s-shm", path);
  unlink(other);
  printf("RESULT seconds=%.9f insert_us=%.3f query_us=%.3f\n", t_done - t_start,
         (t_inserted - t_start) * 1e6 / n, (t_done - t_inserted) * 1e6 / n);
  return 0;
}
