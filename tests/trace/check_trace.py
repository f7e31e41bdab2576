#!/usr/bin/env python3
"""Runs tests/runner/scripts/trace_run.lua with --trace and checks the Chrome
trace-event JSON it writes, event by event: the scope and task tracks, each
task's run and wait slices and instants in order, the spawn and join flows,
the deadline and grace-expiry instants, and that slices on a track nest.

    check_trace.py RUNNER SCRIPT_DIR OUT_DIR
"""
import json
import os
import re
import subprocess
import sys

runner, script_dir, out_dir = sys.argv[1:4]
trace_path = os.path.join(out_dir, "trace_run.json")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


run = subprocess.run([runner, "--virtual-time", "--slice-ms", "2", "--trace", trace_path, "trace_run.lua"],
                     cwd=script_dir, capture_output=True, text=True, timeout=60)
if run.returncode != 0 or run.stdout != "done\n":
    sys.exit(f"the run failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
with open(trace_path) as f:
    trace = json.load(f)  # a parse error fails the test

events = trace["traceEvents"]
check(trace["otherData"]["dropped_events"] == 0, "events were dropped")
meta = [e for e in events if e["ph"] == "M"]
timed = [e for e in events if e["ph"] != "M"]

# --- tracks: a process per scope, a thread per task -------------------------
processes = {e["pid"]: e["args"]["name"] for e in meta if e["name"] == "process_name"}
check(processes == {
    1: "root scope",
    2: "s1 scope (in root, opened by the main chunk)",
    3: "s2 with_timeout (in root, opened by the main chunk)",
    4: "s3 scope (in s2, opened by t8)",
}, f"process names: {processes}")
threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in meta if e["name"] == "thread_name"}
expected_threads = {(1, 1): "main chunk", (2, 2): "t1 sleeper", (2, 3): "t2 joiner", (2, 4): "t3 receiver",
                    (2, 5): "t4 sender", (2, 6): "t5 proc", (2, 7): "t6 busy", (3, 8): "t7 late",
                    (3, 9): "t8 stubborn"}
check(threads == expected_threads, f"thread names: {threads}")
track_of = {name: key for key, name in threads.items()}
for e in timed:
    if e.get("s") in ("p", "g"):
        continue
    check((e["pid"], e["tid"]) in threads, f"an event on no named track: {e}")


def on(name):
    """The track's slices and instants (no flows) in time order (file order on ties)."""
    key = track_of[name]
    return sorted((e for e in timed if (e["pid"], e["tid"]) == key and e["ph"] in "Xi" and e.get("s", "t") == "t"),
                  key=lambda e: e["ts"])


def shape(name):
    return [(e["ph"], e["cat"], e["name"]) + ((e["args"]["detail"],) if "args" in e else ()) for e in on(name)]


RUN = ("X", "run", "run")
expected = {
    "t1 sleeper": [RUN, ("X", "wait", "sleep", "until +10.0 ms"), RUN],
    "t2 joiner": [RUN, ("X", "wait", "join t1"), RUN],
    "t3 receiver": [RUN, ("X", "wait", "channel recv"), RUN],
    "t4 sender": [RUN, ("X", "wait", "sleep", "until +5.0 ms"), RUN],
    "t7 late": [RUN, ("X", "wait", "sleep", "until +1010.0 ms"), ("i", "cancel", "cancel"), RUN,
                ("i", "end", "cancelled")],
    "t8 stubborn": [RUN, ("X", "wait", "scope s3"), ("X", "run", "body of s3"),
                    ("X", "wait", "sleep", "until +1010.0 ms"), ("i", "end", "aborted")],
    "main chunk": [RUN, ("X", "wait", "scope s1"), ("X", "run", "body of s1")] +
                  [("i", "spawn", "spawn " + n) for n in
                   ("t1 sleeper", "t2 joiner", "t3 receiver", "t4 sender", "t5 proc", "t6 busy")] +
                  [RUN, ("X", "wait", "scope s2"), ("X", "run", "body of s2"), ("i", "spawn", "spawn t7 late"),
                   ("i", "spawn", "spawn t8 stubborn"), ("X", "wait", "sleep", "until +1010.0 ms"),
                   ("i", "cancel", "cancel"), ("X", "run", "body of s2"), RUN],
}
for name, want in expected.items():
    got = shape(name)
    check(got == want, f"{name}:\n  got  {got}\n  want {want}")

# A bridge operation is named with what it says of itself.
proc = shape("t5 proc")
check(len(proc) == 3 and proc[0] == RUN and proc[2] == RUN and
      re.fullmatch(r"std\.process\.run 'true' \(pid \d+\)", proc[1][2] or "") is not None, f"t5 proc: {proc}")
# Time slicing cut the busy task: run, preempted, run, ... run.
busy = shape("t6 busy")
preempts = [s for s in busy if s == ("i", "preempt", "preempted")]
check(len(preempts) >= 1 and busy == [RUN, ("i", "preempt", "preempted")] * len(preempts) + [RUN],
      f"t6 busy: {busy}")

# --- scope-wide instants ------------------------------------------------------
scoped = [(e["name"], e["pid"], e["s"], e["args"]["detail"]) for e in timed if e.get("s") in ("p", "g")]
check(scoped == [("deadline hit", 3, "p", "with_timeout 20.0 ms"), ("grace expired", 3, "p", "2 hard-aborted")],
      f"scope instants: {scoped}")

# --- slices on a track nest (a body's runs sit inside its opener's wait) --------
for name in threads.values():
    slices = [e for e in on(name) if e["ph"] == "X"]
    for i, a in enumerate(slices):
        for b in slices[i + 1:]:
            a_end, b_end = a["ts"] + a["dur"], b["ts"] + b["dur"]
            # Times are exact ns written as µs: a slice that starts where
            # another ends may differ from the float sum by an ulp.
            if b["ts"] < a_end - 1e-6 and b_end > a_end + 1e-6:
                failures.append(f"{name}: slices overlap without nesting: {a} / {b}")

# --- flows ------------------------------------------------------------------------


def enclosing(track, ts, category):
    """Is ts within a slice of `category` on `track`? (s binds to the enclosing slice)"""
    return any(e["ph"] == "X" and e["cat"] == category and e["ts"] <= ts <= e["ts"] + e["dur"] + 1e-6
               for e in on(track))


flows = {}
for e in timed:
    if e["ph"] in "sf":
        flows.setdefault((e["cat"], e["id"]), {})[e["ph"]] = e
for key, name in threads.items():
    if name == "main chunk":
        continue
    number = int(name.split()[0][1:])
    flow = flows.get(("spawn", 2 * number), {})
    if not check("s" in flow and "f" in flow, f"{name}: no spawn flow"):
        continue
    spawner = threads[(flow["s"]["pid"], flow["s"]["tid"])]
    check(spawner == "main chunk", f"{name} spawned from {spawner}")
    check(enclosing(spawner, flow["s"]["ts"], "run"), f"{name}: spawn flow starts outside a run of {spawner}")
    first_run = on(name)[0]
    check((flow["f"]["pid"], flow["f"]["tid"]) == key and flow["f"]["ts"] == first_run["ts"] and
          flow["f"].get("bp") == "e", f"{name}: spawn flow does not end at its first run")
join = flows.get(("join", 2 * 1 + 1), {})
if check("s" in join and "f" in join, "no join flow t1 -> t2"):
    last_run = [e for e in on("t1 sleeper") if e["ph"] == "X"][-1]
    check((join["s"]["pid"], join["s"]["tid"]) == track_of["t1 sleeper"] and
          join["s"]["ts"] == last_run["ts"] + last_run["dur"] or
          abs(join["s"]["ts"] - (last_run["ts"] + last_run["dur"])) < 1e-3, "join flow does not start at t1's end")
    second_run = [e for e in on("t2 joiner") if e["ph"] == "X" and e["cat"] == "run"][1]
    check((join["f"]["pid"], join["f"]["tid"]) == track_of["t2 joiner"] and join["f"]["ts"] == second_run["ts"],
          "join flow does not end at t2's resume")
check(set(k[0] for k in flows) == {"spawn", "join"} and len(flows) == 8 + 1,
      f"flows: {sorted(flows)}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"ok: {len(events)} events checked")
