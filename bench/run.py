#!/usr/bin/env python3
"""Runs the benchmark workloads on lua-batteries and its peers, side by side.

    bench/run.py [--build DIR] [--smoke] [--reps N] [--out FILE]

Every (implementation, workload) runs in a fresh process; repetitions are
interleaved (the repetition loop is outermost, and each repetition starts
with the next implementation) so that a noisy moment hits every
implementation alike. Each workload script times its measured part
itself and prints one line "RESULT seconds=<s> [key=value ...]"; the peak
RSS of each process comes from bench/peak_rss.c. The harness prints one Markdown
table (medians, min-max spread, ratios of lua-batteries against the floor
and every peer), the targets with met/missed, the 1M-sleeper scale run and
the microbenchmarks, and writes it all to --out.

--smoke runs every workload on every implementation once with tiny sizes
(and the microbenchmarks for a moment): it fails when any script fails or
prints no result, so the scripts cannot rot. Only the standard library.

Adding a workload: a script per implementation plus one Workload entry in
WORKLOADS. Adding a lua-batteries variant (extra runner flags): one more
lua_batteries(...) entry in implementations().
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

PEAK_RSS = "bench_peak_rss"  # set from --build in main()
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(TOP, "bench")


# ---------------------------------------------------------------- workloads

@dataclass
class Sample:
    """One process: its RESULT fields, peak RSS and wall time."""
    fields: dict
    rss_kib: int
    wall_s: float


@dataclass
class Metric:
    """A per-unit figure computed from one sample (and the empty baseline)."""
    label: str
    unit: str
    compute: Callable[[Sample, list, float], float]  # (sample, sizes, empty_rss_kib)
    limit: Optional[float] = None      # target: median <= limit ...
    limit_vs: Optional[str] = None     # ... times this implementation's median


@dataclass
class Workload:
    id: str
    name: str
    sizes: list         # arguments at full size (WORKLOADS.md)
    smoke_sizes: list   # arguments for bench-smoke
    metrics: list = field(default_factory=list)
    # A server every implementation talks to: a command printing its port on
    # its first line, serving until its stdin closes; the URL (with
    # server_path) is the last argument of each run.
    server: Optional[list] = None
    server_path: str = "/"
    # Requests sent to the server before any implementation runs: a fresh
    # Node.js server is about twice slower over its first few thousand
    # requests (its JIT has not compiled the request path yet), which would
    # land on whichever implementation runs first.
    server_warm_up: int = 0


def per_unit_ns(units: Callable[[list], float]):
    return lambda s, sizes, empty: s.fields["seconds"] * 1e9 / units(sizes)


def field_value(key):
    """A RESULT field; None (no figure) where the script does not print it."""
    return lambda s, sizes, empty: s.fields.get(key)


W3_SLEEP_MS = 50
W3A_SLEEP_MS = 1000


def sleep_overhead_ns(sample, sizes, empty):
    """W3: (wall - the sleep) per task; sizes are [N, MS]."""
    return (sample.fields["seconds"] - sizes[1] / 1000) * 1e9 / sizes[0]


def check_all_asleep(sample, n):
    """Stops the run unless all n sleepers were asleep at once (the scripts
    that can tell say so in asleep_max): otherwise peak RSS / n is not the
    bytes of a sleeping task."""
    most = sample.fields.get("asleep_max", n)
    if most < n:
        sys.exit("bench: only %d of %d sleepers were asleep at once; sleep longer" % (most, n))


def bytes_per_sleeper(sample, sizes, empty_rss_kib):
    """W3A: (peak RSS - the empty runtime's) per sleeping task."""
    check_all_asleep(sample, sizes[0])
    return (sample.rss_kib - empty_rss_kib) * 1024 / sizes[0]
PREEMPT_OFF = "lua-batteries, preemption off"
CURL_PARALLEL = "curl --parallel"
PYTHON_SQLITE3 = "python sqlite3"
SQL_HOP = "C, threadpool hop"
SQL_HANDOFF = "C, thread hand-off"
SQL_BATCHED = "lua-batteries, exec_many"
IO_FLOOR = "C on libuv"  # W10's and W11's floor (bench/peers/floor/io_floor.c)


# Targets beyond Metric.limit: (workload id, metric label, limit, reference
# implementation): lua-batteries' median <= limit x the reference's.
EXTRA_TARGETS = [("W12", "µs/request", 1.0, "node fetch"), ("W12", "µs/request", 1.0, "python urllib")]
EXTRA_TARGETS += [("W10", "ns/round trip", 1.0, peer) for peer in ("node", "luv", "cqueues")]
EXTRA_TARGETS += [("W11", "ns/process", 1.0, peer) for peer in ("asyncio", "node")]


def us_per(units: Callable[[list], float]):
    return lambda s, sizes, empty: s.fields["seconds"] * 1e6 / units(sizes)


def per_second(units: Callable[[list], float]):
    return lambda s, sizes, empty: units(sizes) / s.fields["seconds"]

WORKLOADS = [
    # W0 measures nothing: the empty runtime's RSS, the W3 baseline.
    Workload("W0", "empty", [], [], []),
    Workload("W1", "spawn_join", [200000], [100], [
        Metric("ns/task", "ns", per_unit_ns(lambda z: z[0]), 1.3, "floor")]),
    # Not in WORKLOADS.md: W1 as it was before it spawned a fresh closure
    # per task (one function shared by every task), for comparison.
    Workload("W1S", "spawn_join_shared_fn", [200000], [100], [
        Metric("ns/task", "ns", per_unit_ns(lambda z: z[0]))]),
    Workload("W2", "yield_switch", [1000000], [100], [
        Metric("ns/switch", "ns", per_unit_ns(lambda z: 2 * z[0]), 2.5, "floor")]),
    Workload("W3", "sleep_fanout", [100000, W3_SLEEP_MS], [100, 5], [
        Metric("overhead ns/task", "ns", sleep_overhead_ns, 1500),
        Metric("most asleep at once", "", field_value("asleep_max"))]),
    # W3 again, with sleeps long enough that all N are asleep at once on
    # lua-batteries too (see NOTES), for the bytes each sleeping task costs.
    Workload("W3A", "sleep_fanout_all_asleep", [100000, W3A_SLEEP_MS], [100, 50], [
        Metric("overhead ns/task", "ns", sleep_overhead_ns),
        Metric("bytes/task", "B", bytes_per_sleeper, 1300)]),
    Workload("W4", "cancel_storm", [100000], [100], [
        Metric("ns/task", "ns", per_unit_ns(lambda z: z[0]), 400)]),
    Workload("W5", "timeout_churn", [100000], [100], [
        Metric("ns/call", "ns", per_unit_ns(lambda z: z[0]), 700)]),
    Workload("W6", "nested_scopes", [500, 150], [2, 10], [
        Metric("ns/scope", "ns", per_unit_ns(lambda z: z[0] * z[1]), 1000)]),
    Workload("W7", "sleep_precision", [10000], [100], [
        Metric("p50 lateness ms", "ms", field_value("p50_ms")),
        Metric("p99 lateness ms", "ms", field_value("p99_ms"), 2),
        Metric("max lateness ms", "ms", field_value("max_ms"))]),
    # W8, W8B, W9: the coordination primitives (docs/performance.md).
    Workload("W8", "channel_pingpong", [1000000], [100], [
        Metric("ns/hand-off", "ns", per_unit_ns(lambda z: z[0]), 2.5, "floor")]),
    Workload("W8B", "channel_buffered", [1000000], [100], [
        Metric("ns/value", "ns", per_unit_ns(lambda z: z[0]))]),
    Workload("W9", "limited_fanout", [100000], [100], [
        Metric("ns/task", "ns", per_unit_ns(lambda z: z[0]))]),
    # Issue 16: std.http and std.sql against their peers.
    Workload("W12", "http_fanout", [2000, 50], [20, 5], [
        Metric("µs/request", "µs", us_per(lambda z: z[0]), 1.25, CURL_PARALLEL),
        Metric("requests/s", "/s", per_second(lambda z: z[0]))],
        server=["node", os.path.join(BENCH, "peers", "http", "server.mjs")], server_path="/1k",
        server_warm_up=5000),
    Workload("W13", "sql_mix", [10000], [100], [
        Metric("µs/statement", "µs", us_per(lambda z: 2 * z[0]), 2, PYTHON_SQLITE3),
        Metric("insert µs", "µs", field_value("insert_us")),
        Metric("point query µs", "µs", field_value("query_us"))]),
    # W10, W11: I/O on the loop (issue 15). Targets: W10 ahead of Node and
    # the Lua peers and >= 60 % of the C floor's round trips/s, W11 ahead of
    # asyncio and Node and >= 80 % of the floor's processes/s (the rest in
    # EXTRA_TARGETS).
    Workload("W10", "tcp_echo", [100, 1000], [4, 10], [
        Metric("ns/round trip", "ns", per_unit_ns(lambda z: z[0] * z[1]), 1 / 0.6, IO_FLOOR),
        Metric("round trips/s", "", lambda s, z, e: z[0] * z[1] / s.fields["seconds"]),
        Metric("p99 round trip ms", "ms", field_value("p99_ms"))]),
    Workload("W11", "process_fanout", [2000, 16], [20, 4], [
        Metric("ns/process", "ns", per_unit_ns(lambda z: z[0]), 1 / 0.8, IO_FLOOR),
        Metric("processes/s", "", lambda s, z, e: z[0] / s.fields["seconds"])]),
    # Not in WORKLOADS.md: the cost of preemption (docs/design.md, "Preemption") on
    # CPU-bound Lua code, lua-batteries with its default (the watchdog)
    # against itself with preemption off (--no-watchdog).
    Workload("P1", "cpu_loop", [120000000], [100000], [
        Metric("ns/iteration", "ns", per_unit_ns(lambda z: z[0]), 1.03, PREEMPT_OFF)]),
]

# How the peers express what has no direct counterpart.
NOTES = [
    "lua-batteries W3, W3A and the scale run use `--slice-ms 0`: with preemption on, the loop "
    "spawning the sleepers would be preempted and the first would finish before the last were spawned.",
    "W3A is W3 with %d ms sleeps, for bytes per sleeping task. On lua-batteries a task gets its thread "
    "when it first runs, and sleepers whose time came run before the rest of a turn, so at 50 ms the "
    "first sleepers finish before the last start and fewer than N are ever asleep at once (W3's "
    "\"most asleep at once\"); the peers start every task before any timer fires. W3A checks that all "
    "N were asleep together." % W3A_SLEEP_MS,
    "asyncio W4: the scope is a task holding the TaskGroup; cancelling that task cancels the group.",
    "Node.js: tasks are async functions; W4 gives each sleep its own AbortController and the scope "
    "aborts them all (with one signal shared by 100k sleeps, setting them up had not finished after "
    "6 minutes on Node 20); W5 is an AbortController aborted by a timer, cleared on exit; "
    "W6 awaits the child after the nested body.",
    "cqueues: W4 cancels through a condition variable every sleeper waits on; W6 nests one controller "
    "per scope.",
    "W1 spawns a fresh closure per task (WORKLOADS.md); W1S is the former W1, one function shared by "
    "every task (lua-batteries only).",
    "W8 is N hand-offs (one value sent and received) between two tasks over two rendezvous channels; "
    "the floor is N resume/yield pairs passing an integer in and out. asyncio has no rendezvous queue "
    "(W8 uses Queue(maxsize=1)); Node uses the simplest promise queue (an array of values and one of "
    "waiting resolvers); cqueues a table queue with a condition variable (unbounded in W8: in a "
    "ping-pong each side waits for the reply). W8B: capacity 64, one producer, one consumer. W9: "
    "asyncio Semaphore, Node a counter and a linked FIFO of resolvers (p-limit's shape), cqueues a "
    "counter and a condition variable.",
    "W12: one Node.js HTTP/1.1 keep-alive server (bench/peers/http/server.mjs, 1 KiB bodies) in a "
    "process of its own serves every client, after 5000 warm-up requests (a fresh Node.js server "
    "serves its first thousands about twice slower); each client keeps 50 requests in flight. Python's urllib "
    "opens a connection per request (no keep-alive in the standard library); `curl --parallel` is one "
    "curl process on the same libcurl, timed around it.",
    "W10: every implementation connects its clients first and times the round trips only; `%s` "
    "is the echo written in C on uv_tcp (bench/peers/floor/io_floor.c), luv the same callbacks in Lua, "
    "cqueues coroutines over its sockets. W11: `true` with no input and output to /dev/null "
    "(asyncio inherits its descriptors); the floor is uv_spawn with UV_IGNORE, no process group, "
    "the next spawn from the close callback of the last." % IO_FLOOR,
    "W13: every implementation opens a new file in WAL mode. std.sql hands each statement to the "
    "connection's thread and keeps its prepared statements; the C floors prepare once and run each "
    "statement on the calling thread (`C, synchronous`), on a second thread that spins for it while "
    "the caller spins for its end (`%s`: the least a hand-off costs; lua-batteries minus it is the "
    "rest of the runtime), or through uv_queue_work one at a time (`%s`: the threadpool hop std.sql "
    "made before, two thread wake-ups). `%s` inserts the N rows with one db:exec_many (one "
    "hand-off), then queries one statement at a time."
    % (SQL_HANDOFF, SQL_HOP, SQL_BATCHED),
]

SCALE_SLEEPERS = 1000000
SCALE_SLEEP_MS = 5000  # long enough for all of them to be asleep at once
SCALE_RSS_LIMIT_BYTES = 1.5e9  # "1.5 GB"


# ----------------------------------------------------------- implementations

@dataclass
class Impl:
    name: str
    # workload id -> command (without sizes); absent ids are not run
    commands: dict
    # workload id -> why it cannot be expressed (shown as "n/a" + footnote)
    missing: dict = field(default_factory=dict)
    version: str = ""


def lua_batteries(build, name="lua-batteries", flags=(), only=None):
    """The runner with extra `flags`, on every workload or the ids in `only`."""
    runner = os.path.join(build, "lua-batteries")
    # W3 spawns every sleeper before any runs, as the peers (which never
    # preempt) do: with preemption on, the spawning loop would be preempted
    # and the first sleepers would be done before the last were spawned.
    # (With short sleeps they still are: see NOTES and W3A.)
    flags_of = {"W3": ["--slice-ms", "0"], "W3A": ["--slice-ms", "0"]}
    scripts = {
        "W12": "w12_http_fanout.lua", "W13": "w13_sql_mix.lua",
        "W0": "w0_empty.lua", "W1": "w1_spawn_join.lua", "W2": "w2_yield_switch.lua",
        "W3": "w3_sleep_fanout.lua", "W3A": "w3_sleep_fanout.lua", "W4": "w4_cancel_storm.lua",
        "W5": "w5_timeout_churn.lua", "W6": "w6_nested_scopes.lua",
        "W7": "w7_sleep_precision.lua", "P1": "p1_cpu_loop.lua", "W1S": "w1s_spawn_join_shared.lua",
        "W8": "w8_channel_pingpong.lua", "W8B": "w8b_channel_buffered.lua", "W9": "w9_limited_fanout.lua",
        "W10": "w10_tcp_echo.lua", "W11": "w11_process_fanout.lua",
    }
    commands = {w: [runner, *flags_of.get(w, []), *flags, os.path.join(BENCH, "lua-batteries", s)]
                for w, s in scripts.items() if only is None or w in only}
    return Impl(name, commands, version=capture([runner, "--version"]))


def find_program(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    sys.exit("bench: none of %s found; run scripts/install-deps.sh --bench" % ", ".join(names))


def better_sqlite3(node, smoke):
    """The directory holding better-sqlite3 (npm, version 12) for W13,
    installed there with npm on the first full run (never committed:
    .gitignore); None, with the reason, if it is not there."""
    where = os.path.join(BENCH, "peers", "sql", "node")
    if os.path.isdir(os.path.join(where, "node_modules", "better-sqlite3")):
        return where, None
    if smoke:
        return None, "better-sqlite3 not installed (a full bench run installs it with npm)"
    npm = shutil.which("npm")
    if not npm:
        return None, "no npm to install better-sqlite3"
    print("npm install better-sqlite3@12 into %s" % where, file=sys.stderr)
    os.makedirs(where, exist_ok=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", where, "better-sqlite3@12"],
                          stdout=sys.stderr, stderr=sys.stderr)
    if done.returncode != 0:
        return None, "npm install better-sqlite3@12 failed"
    return where, None


def data_peers(build, python, node, smoke):
    """W12's and W13's peers (issue 16)."""
    http_py = [python, os.path.join(BENCH, "peers", "http", "clients.py")]
    http_js = [node, os.path.join(BENCH, "peers", "http", "clients.mjs")]
    sql_floor = os.path.join(build, "bench_sql_floor")
    node_version = "Node.js " + capture([node, "--version"])
    impls = [
        Impl("node fetch", {"W12": http_js + ["fetch"]}, version=node_version),
        Impl("node http.get", {"W12": http_js + ["http_get"]}, version=node_version),
        Impl("python urllib", {"W12": http_py + ["urllib"]}, version=capture([python, "--version"])),
        Impl(CURL_PARALLEL, {"W12": http_py + ["curl"]}, version=capture(["curl", "--version"])),
        Impl(PYTHON_SQLITE3, {"W13": [python, os.path.join(BENCH, "peers", "sql", "python_sqlite3.py")]},
             version=capture([python, "-c", "import sqlite3, sys; print(sys.version.split()[0], "
                                                "'sqlite', sqlite3.sqlite_version)"])),
    ]
    where, why_not = better_sqlite3(node, smoke)
    script = os.path.join(BENCH, "peers", "sql", "better_sqlite3.mjs")
    impls.append(Impl("node better-sqlite3", {"W13": [node, script]} if where else {},
                      missing={} if where else {"W13": why_not},
                      version=capture([node, "-e", "console.log(require('%s/node_modules/better-sqlite3/"
                                                   "package.json').version)" % where]) if where else ""))
    runner = os.path.join(build, "lua-batteries")
    impls.append(Impl(SQL_BATCHED, {"W13": [runner, os.path.join(BENCH, "lua-batteries", "w13_sql_mix_batched.lua")]},
                      version=capture([runner, "--version"])))
    impls += [Impl("C, synchronous", {"W13": [sql_floor, "sync"]}, version="SQLite C API"),
              Impl(SQL_HANDOFF, {"W13": [sql_floor, "handoff"]}, version="SQLite C API, a spinning thread"),
              Impl(SQL_HOP, {"W13": [sql_floor, "hop"]}, version="SQLite C API, libuv threadpool")]
    return impls


def implementations(build, smoke=False, wanted=None):
    """Every implementation; W12's and W13's peers only when one of them is
    `wanted` (all when None), since setting them up may install packages."""
    floor = os.path.join(build, "bench_floor")
    python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else find_program("python3")
    node = find_program("node", "nodejs")
    lua = find_program("lua5.4")
    peer_workloads = ["W0", "W1", "W2", "W3", "W3A", "W4", "W5", "W6", "W7", "W8", "W8B", "W9", "W10", "W11"]
    mode = {"W0": "empty", "W3A": "w3"}  # W3A is their W3 with longer sleeps

    def peer(name, argv, version, workloads=peer_workloads, missing=None):
        commands = {w: argv + [mode.get(w, w.lower())] for w in workloads}
        return Impl(name, commands, missing or {}, version)

    cq_version = capture([lua, "-e", "print('cqueues ' .. require('cqueues').VERSION)"])
    return [
        lua_batteries(build),
        # Extra variants: one line each.
        lua_batteries(build, PREEMPT_OFF, ["--no-watchdog"], only={"P1"}),
        # Bare coroutines (no scopes or cancellation): W1, W2, and W3 with a
        # FIFO of deadlines for the timer queue.
        Impl("floor", {"W0": [floor, "empty"], "W1": [floor, "w1_alive"], "W2": [floor, "w2"],
                       "W3": [floor, "w3"], "W3A": [floor, "w3"], "W8": [floor, "w8"]},
             version="%s C API" % capture([floor, "--version"])),
        Impl("floor, one at a time", {"W1": [floor, "w1_one"]},
             version="%s C API" % capture([floor, "--version"])),
        peer("asyncio", [python, os.path.join(BENCH, "peers", "asyncio", "workloads.py")],
             capture([python, "--version"])),
        peer("node", [node, os.path.join(BENCH, "peers", "node", "workloads.mjs")],
             "Node.js " + capture([node, "--version"])),
        peer("cqueues", [lua, os.path.join(BENCH, "peers", "cqueues", "workloads.lua")],
             "%s, %s" % (" ".join(capture([lua, "-v"]).split()[:2]), cq_version),
             workloads=[w for w in peer_workloads if w not in ("W5", "W11")],
             missing={"W5": "cqueues cannot stop a running coroutine: no with_timeout",
                      "W11": "not written (cqueues has no process API)"}),
    ] + io_peers(build, lua) + (
        data_peers(build, python, node, smoke) if wanted is None or wanted & {"W12", "W13"} else [])


def io_peers(build, lua):
    """W10's and W11's other peers: luv (Lua + libuv, callbacks) and the C floors on libuv."""
    io_floor = os.path.join(build, "bench_io_floor")
    luv = [lua, os.path.join(BENCH, "peers", "luv", "workloads.lua")]
    return [
        Impl("luv", {"W0": luv + ["empty"], "W10": luv + ["w10"]},
             missing={"W11": "not written (W11's peers are asyncio and Node)"},
             version="luv " + capture([lua, "-e", "print(require('luv').version_string())"])),
        Impl(IO_FLOOR, {"W10": [io_floor, "w10"], "W11": [io_floor, "w11"]},
             version=capture([io_floor, "--version"])),
    ]


# ------------------------------------------------------------------ running

def capture(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "?"


class RunFailed(Exception):
    pass


def run_process(argv, timeout_s):
    """Runs argv to completion; returns (stdout, peak RSS KiB, wall seconds).

    The peak RSS comes from bench_peak_rss (built beside the runner): a
    process forked from this Python one would report at least this
    process's RSS (Linux keeps the pre-exec high-water mark)."""
    wrapped = [PEAK_RSS] + argv
    start = time.monotonic()
    proc = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise RunFailed("%s killed after %d s" % (" ".join(argv), timeout_s))
    wall = time.monotonic() - start
    stdout = stdout.decode(errors="replace")
    stderr = stderr.decode(errors="replace")
    if proc.returncode != 0:
        raise RunFailed("%s exited with %d\n%s" % (" ".join(argv), proc.returncode, stderr[-2000:]))
    rss = [l for l in stderr.splitlines() if l.startswith("PEAK_RSS_KIB=")]
    if not rss:
        raise RunFailed("%s: no peak RSS reported\n%s" % (" ".join(argv), stderr[-2000:]))
    return stdout, int(rss[-1].partition("=")[2]), wall


def parse_result(argv, stdout):
    lines = [l for l in stdout.splitlines() if l.startswith("RESULT ")]
    if not lines:
        raise RunFailed("%s printed no RESULT line\n%s" % (" ".join(argv), stdout[-2000:]))
    fields = {}
    for item in lines[-1].split()[1:]:
        key, _, value = item.partition("=")
        fields[key] = float(value)
    if "seconds" not in fields:
        raise RunFailed("%s: RESULT line has no seconds=" % " ".join(argv))
    return fields


def run_sample(argv, timeout_s):
    stdout, rss, wall = run_process(argv, timeout_s)
    return Sample(parse_result(argv, stdout), rss, wall)


def warm_up(port, path, requests, connections=8):
    """Sends `requests` keep-alive GETs of `path` to the server on `port`
    over `connections` connections (Workload.server_warm_up)."""
    def client(count):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(count):
            conn.request("GET", path)
            conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=client, args=(requests // connections,)) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class Server:
    """A workload's server (Workload.server) for the duration of a `with`."""

    def __init__(self, workload):
        self.workload = workload
        self.proc = None
        self.url = None

    def __enter__(self):
        if self.workload.server:
            self.proc = subprocess.Popen(self.workload.server, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True, start_new_session=True)
            port = self.proc.stdout.readline().strip()
            if not port.isdigit():
                self.__exit__()
                raise RunFailed("%s did not print its port" % " ".join(self.workload.server))
            self.url = "http://127.0.0.1:%s%s" % (port, self.workload.server_path)
            warm_up(int(port), self.workload.server_path, self.workload.server_warm_up)
        return self

    def __exit__(self, *exc):
        if self.proc:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def run_all(impls, workloads, reps, smoke, timeout_s):
    """samples[(impl name, workload id)] = [Sample per repetition]."""
    samples = {}
    for rep in range(reps):
        for workload in workloads:
            with Server(workload) as server:
                run_workload(impls, workload, rep, reps, smoke, timeout_s, server, samples)
    return samples


def run_workload(impls, workload, rep, reps, smoke, timeout_s, server, samples):
    """Runs one repetition of `workload` on every implementation that has it,
    each repetition starting one implementation further down the list: what
    the first process after a start pays (a server still warming up, a cold
    page cache) falls on each in turn."""
    sizes = workload.smoke_sizes if smoke else workload.sizes
    runners = [impl for impl in impls if workload.id in impl.commands]
    first = rep % len(runners) if runners else 0
    for impl in runners[first:] + runners[:first]:
        argv = impl.commands[workload.id] + [str(s) for s in sizes] + ([server.url] if server.url else [])
        print("rep %d/%d  %-3s %-22s" % (rep + 1, reps, workload.id, impl.name),
              end="", flush=True, file=sys.stderr)
        sample = run_sample(argv, timeout_s)
        print(" %8.3f s  %7.1f MiB" % (sample.fields["seconds"], sample.rss_kib / 1024),
              file=sys.stderr)
        samples.setdefault((impl.name, workload.id), []).append(sample)


# ---------------------------------------------------------------- reporting

@dataclass
class Figure:
    median: float
    low: float
    high: float
    rss_mib: float


def figures(impls, workloads, samples, smoke):
    """fig[(impl, workload id, metric label)] = Figure."""
    fig = {}
    for impl in impls:
        empty = samples.get((impl.name, "W0"), [])
        empty_rss = statistics.median(s.rss_kib for s in empty) if empty else 0
        for workload in workloads:
            runs = samples.get((impl.name, workload.id))
            if not runs:
                continue
            sizes = workload.smoke_sizes if smoke else workload.sizes
            for metric in workload.metrics:
                values = [metric.compute(s, sizes, empty_rss) for s in runs]
                if None in values:  # a figure this implementation does not report
                    continue
                fig[(impl.name, workload.id, metric.label)] = Figure(
                    statistics.median(values), min(values), max(values),
                    statistics.median(s.rss_kib for s in runs) / 1024)
    return fig


def fmt(value):
    if abs(value) >= 100:
        return "%.0f" % value
    if abs(value) >= 10:
        return "%.1f" % value
    return "%.2f" % value


def ratio(a, b):
    return "%.2f×" % (a / b) if b > 0 else "–"


def summary_table(impls, workloads, fig):
    """One row per figure, one column per implementation: medians, and in
    parentheses lua-batteries' median divided by that implementation's."""
    primary = impls[0].name
    rows = ["| workload | figure | " + " | ".join(i.name for i in impls) + " |",
            "|---|---|" + "---:|" * len(impls)]
    for workload in workloads:
        for metric in workload.metrics:
            mine = fig.get((primary, workload.id, metric.label))
            cells = []
            for impl in impls:
                f = fig.get((impl.name, workload.id, metric.label))
                if not f:
                    cells.append("n/a" if workload.id in impl.missing else "")
                elif impl.name == primary or not mine:
                    cells.append(fmt(f.median))
                else:
                    cells.append("%s (%s)" % (fmt(f.median), ratio(mine.median, f.median)))
            rows.append("| %s %s | %s | %s |" % (workload.id, workload.name, metric.label, " | ".join(cells)))
    return rows + [""]


def results_table(impls, workloads, fig):
    primary = impls[0].name
    footnotes = []
    rows = ["| workload | figure | implementation | median | spread (min–max) | peak RSS MiB | %s ÷ this |" % primary,
            "|---|---|---|---:|---:|---:|---:|"]
    for workload in workloads:
        for metric in workload.metrics:
            mine = fig.get((primary, workload.id, metric.label))
            for impl in impls:
                f = fig.get((impl.name, workload.id, metric.label))
                head = "| %s %s | %s | %s " % (workload.id, workload.name, metric.label, impl.name)
                if f:
                    rel = "" if impl.name == primary or not mine else ratio(mine.median, f.median)
                    rows.append(head + "| %s | %s–%s | %.1f | %s |" % (
                        fmt(f.median), fmt(f.low), fmt(f.high), f.rss_mib, rel))
                elif workload.id in impl.missing:
                    reason = impl.missing[workload.id]
                    if reason not in footnotes:
                        footnotes.append(reason)
                    rows.append(head + "| n/a [%d] | | | |" % (footnotes.index(reason) + 1))
    rows.append("")
    rows += ["[%d] %s" % (i + 1, text) for i, text in enumerate(footnotes)]
    return rows + [""] if footnotes else rows


def targets_table(impls, workloads, fig, scale):
    primary = impls[0].name
    rows = ["| target | measured | met |", "|---|---:|---|"]
    for workload in workloads:
        limits = [(m, m.limit, m.limit_vs) for m in workload.metrics if m.limit is not None]
        for wid, label, limit, vs in EXTRA_TARGETS:
            limits += [(m, limit, vs) for m in workload.metrics if wid == workload.id and m.label == label]
        for metric, limit, limit_vs in limits:
            mine = fig.get((primary, workload.id, metric.label))
            if limit_vs:
                ref = fig.get((limit_vs, workload.id, metric.label))
                if not (mine and ref):
                    continue
                measured = mine.median / ref.median
                text = "%s %s %s ≤ %g × %s" % (workload.id, workload.name, metric.label,
                                               limit, limit_vs)
                shown = "%.2f × (%s vs %s %s)" % (measured, fmt(mine.median), fmt(ref.median), metric.unit)
            else:
                if not mine:
                    continue
                measured = mine.median
                text = "%s %s %s ≤ %g %s" % (workload.id, workload.name, metric.label,
                                             limit, metric.unit)
                shown = "%s %s" % (fmt(measured), metric.unit)
            rows.append("| %s | %s | %s |" % (text, shown, "met" if measured <= limit else "**missed**"))
    if scale:
        rows.append("| 1M sleepers peak RSS < 1.5 GB (%.0f MiB) | %.0f MiB | %s |" % (
            SCALE_RSS_LIMIT_BYTES / 2**20, scale.rss_kib / 1024,
            "met" if scale.rss_kib * 1024 < SCALE_RSS_LIMIT_BYTES else "**missed**"))
    return rows


def scale_run(impl, timeout_s):
    argv = impl.commands["W3"] + [str(SCALE_SLEEPERS), str(SCALE_SLEEP_MS)]
    print("scale     W3 at N=%d on %s" % (SCALE_SLEEPERS, impl.name), file=sys.stderr)
    sample = run_sample(argv, timeout_s)
    check_all_asleep(sample, SCALE_SLEEPERS)
    return sample


def scale_table(impl, scale, empty_rss_kib):
    return ["| run | total time s (process) | measured part s | of it, past the %d ms sleep | peak RSS MiB | "
            "bytes/task |" % SCALE_SLEEP_MS,
            "|---|---:|---:|---:|---:|---:|",
            "| W3 sleep_fanout, N = %d, all asleep at once, %s | %.2f | %.2f | %.2f | %.0f | %.0f |" % (
                SCALE_SLEEPERS, impl.name, scale.wall_s, scale.fields["seconds"],
                scale.fields["seconds"] - SCALE_SLEEP_MS / 1000,
                scale.rss_kib / 1024, bytes_per_sleeper(scale, [SCALE_SLEEPERS], empty_rss_kib))]


def micro_run(build, smoke, timeout_s):
    argv = [os.path.join(build, "bench_micro"), "--benchmark_format=json"]
    if smoke:
        argv += ["--benchmark_min_time=0.001"]
    else:
        argv += ["--benchmark_min_time=0.5", "--benchmark_repetitions=3",
                 "--benchmark_report_aggregates_only=true"]
    print("micro     %s" % " ".join(argv[1:]), file=sys.stderr)
    stdout, _, _ = run_process(argv, timeout_s)
    rows = ["| benchmark | ns/op (median) | coefficient of variation |", "|---|---:|---:|"]
    results = json.loads(stdout)["benchmarks"]
    cv = {b["run_name"]: b.get("items_per_second", 0) for b in results if b.get("aggregate_name") == "cv"}
    for b in results:
        if b.get("aggregate_name", "median") != "median":
            continue
        if not b.get("items_per_second"):
            raise RunFailed("microbenchmark %s reported no items_per_second" % b["name"])
        name = b.get("run_name", b["name"])
        spread = "%.1f%%" % (cv[name] * 100) if name in cv else ""
        rows.append("| %s | %s | %s |" % (name, fmt(1e9 / b["items_per_second"]), spread))
    return rows


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores, Linux %s" % (model, os.cpu_count() or 0, platform.release())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(TOP, "build"),
                        help="build directory holding lua-batteries, bench_floor, bench_micro")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--only", help="comma-separated workload ids (W1,W3...)")
    parser.add_argument("--no-scale", action="store_true", help="skip the 1M-sleeper run")
    parser.add_argument("--no-micro", action="store_true", help="skip the microbenchmarks")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    global PEAK_RSS
    PEAK_RSS = os.path.join(build, "bench_peak_rss")
    reps = 1 if args.smoke else args.reps
    timeout_s = 60 if args.smoke else 900

    wanted = {"W0"} | set(args.only.split(",")) if args.only else None
    impls = implementations(build, args.smoke, wanted)
    workloads = WORKLOADS
    if wanted:
        workloads = [w for w in WORKLOADS if w.id in wanted]

    started = time.monotonic()
    try:
        samples = run_all(impls, workloads, reps, args.smoke, timeout_s)
        scale = None
        if not args.smoke and not args.no_scale:
            scale = scale_run(impls[0], timeout_s)
        micro = None if args.no_micro else micro_run(build, args.smoke, timeout_s)
    except RunFailed as failure:
        print("\nbench: FAILED: %s" % failure, file=sys.stderr)
        return 1
    fig = figures(impls, workloads, samples, args.smoke)

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report = ["# Benchmark results%s" % (" (smoke: tiny sizes, figures meaningless)" if args.smoke else ""), "",
              "%s; %s; %d interleaved repetition(s), each workload in a fresh process; "
              "the whole run took %.0f s." % (when, machine(), reps, time.monotonic() - started), ""]
    report += ["Versions: " + "; ".join("%s: %s" % (i.name, i.version) for i in impls), ""]
    report += ["## Workloads (`../shared/bench/WORKLOADS.md`)", "",
               "Per-unit figures, median over the repetitions; in parentheses lua-batteries' "
               "median divided by that implementation's (below 1×: lua-batteries is faster or "
               "smaller). The floor is bare Lua coroutines through the C API: W1 (all coroutines "
               "alive, and one at a time), W2, and W3 (each coroutine yields from a C function, "
               "as a task sleeps, and is resumed when its deadline comes, from a FIFO). n/a: the "
               "peer cannot express the workload (see the footnotes below).", ""]
    report += summary_table(impls, workloads, fig)
    report += ["Notes:", ""] + ["- " + note for note in NOTES] + [""]
    report += ["### Spread and memory", "",
               "Median, min–max over the repetitions, and the median peak RSS of the process.", ""]
    report += results_table(impls, workloads, fig)
    if not args.smoke:
        report += ["## Targets", ""] + targets_table(impls, workloads, fig, scale) + [""]
    if scale:
        empty = samples.get((impls[0].name, "W0"), [])
        empty_rss = statistics.median(s.rss_kib for s in empty) if empty else 0
        report += ["## Scale: %d concurrent sleepers" % SCALE_SLEEPERS, ""]
        report += scale_table(impls[0], scale, empty_rss) + [""]
    if micro:
        report += ["## Microbenchmarks (Google Benchmark, `build/bench_micro`)", ""] + micro + [""]
    text = "\n".join(report)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
