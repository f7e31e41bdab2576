#!/usr/bin/env python3
"""Draws the timeline of examples/fanout_report.lua in headless Chromium and
checks it against the JSON trace of the same run: every task of the run has
its row under its scope, and the deadline marker sits where the trace puts
the deadline. Writes a screenshot of the page (docs/timeline.png comes from
here: see docs/guide.md, "Debugging a stuck program").

    check_timeline_page.py RUNNER EXAMPLE OUT_DIR

Needs Debian's chromium (scripts/install-deps.sh installs it); fails if it is
missing, as make test installs it. Chromium runs with --no-sandbox: CI runs
as root, where its sandbox refuses to start.
"""
import re
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

runner, example, out_dir = sys.argv[1:4]
json_path = os.path.join(out_dir, "fanout_report.trace.json")
html_path = os.path.join(out_dir, "fanout_report.trace.html")
png_path = os.path.join(out_dir, "timeline.png")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    sys.exit("chromium is not installed: scripts/install-deps.sh installs it (Debian's chromium)")

run = subprocess.run([runner, "--trace", json_path, "--trace-html", html_path, example],
                     capture_output=True, text=True, timeout=60)
if run.returncode != 0:
    sys.exit(f"the example failed ({run.returncode}):\n{run.stderr}")
with open(json_path) as f:
    trace = json.load(f)


def chromium_run(*args):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               f"--user-data-dir={profile}", "--window-size=1400,720",
                               "--virtual-time-budget=5000", *args, "file://" + os.path.abspath(html_path)],
                              capture_output=True, text=True, timeout=120)


dom = chromium_run("--dump-dom")
if dom.returncode != 0 or "<html" not in dom.stdout:
    sys.exit(f"chromium --dump-dom failed ({dom.returncode}):\n{dom.stderr[-2000:]}")


class Elements(html.parser.HTMLParser):
    """Every element with a class, as (classes, attributes)."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.found.append((set((a.get("class") or "").split()), a, tag))


page = Elements()
page.feed(dom.stdout)
body = [a for classes, a, tag in page.found if tag == "body"]
check(body and body[0].get("data-ready") == "1", "the page's script did not run to its end")
timeline = [a for classes, a, tag in page.found if a.get("id") == "timeline"]
if not check(len(timeline) == 1, "no #timeline element"):
    sys.exit("\n".join(failures))
timeline = timeline[0]
view_start = float(timeline["data-view-start"])
px_per_us = float(timeline["data-px-per-us"])
lane_left = float(timeline["data-lane-left"])

# Every task of the run (a thread of the trace) has its row, under its scope.
threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in trace["traceEvents"]
           if e["ph"] == "M" and e["name"] == "thread_name"}
rows = {(int(a["data-pid"]), int(a["data-tid"])): a["data-name"] for classes, a, _ in page.found if "row" in classes}
check(len(threads) == 25, f"the trace has {len(threads)} tracks, not the main chunk and 24 tasks")
check(rows == threads, f"rows differ from the trace's tracks:\n  rows  {sorted(rows.items())}\n"
                       f"  trace {sorted(threads.items())}")
processes = {e["pid"]: e["args"]["name"] for e in trace["traceEvents"]
             if e["ph"] == "M" and e["name"] == "process_name"}
groups = {int(a["data-pid"]) for classes, a, _ in page.found if "group" in classes}
check(groups == set(processes), f"scope groups {groups} differ from the trace's {set(processes)}")

# The deadline marker is where the trace says the deadline was hit.
deadlines = [e for e in trace["traceEvents"] if e["ph"] == "i" and e["name"] == "deadline hit"]
markers = [a for classes, a, _ in page.found if "marker" in classes and "deadline" in classes]
if check(len(deadlines) == 1 and len(markers) == 1,
         f"{len(deadlines)} deadline(s) in the trace, {len(markers)} marker(s) on the page"):
    d, m = deadlines[0], markers[0]
    check(abs(float(m["data-ts"]) - d["ts"]) < 1e-3, f"marker at ts {m['data-ts']}, trace says {d['ts']}")
    check(int(m["data-pid"]) == d["pid"], "the marker is not on the with_timeout's scope")
    expected_left = lane_left + (d["ts"] - view_start) * px_per_us
    left = float(m["data-left"])
    check(abs(left - expected_left) < 0.5, f"marker drawn at {left}px, the trace puts it at {expected_left:.2f}px")
    # The browser writes the style back in its own form (1329.80px as 1329.8px).
    style_left = re.search(r"left:\s*([-0-9.]+)px", m.get("style", ""))
    check(style_left is not None and abs(float(style_left.group(1)) - left) < 0.01,
          f"marker style {m.get('style')} is not its data-left")
    check(lane_left <= left <= 1400, f"marker at {left}px is outside the 1400px window")
    # The deadline comes after every fetch that finished in time and is
    # drawn right of their slices.
    first_ends = [float(a["data-left"]) + float(a["data-dur"]) * px_per_us
                  for classes, a, _ in page.found if "slice" in classes and a.get("data-name") == "sleep"
                  and float(a["data-ts"]) + float(a["data-dur"]) < d["ts"]]
    check(first_ends and max(first_ends) <= left + 0.5, "a sleep that ended before the deadline is drawn after it")

# Every run and wait slice of the trace is drawn once.
slices = sum(1 for e in trace["traceEvents"] if e["ph"] == "X")
drawn = sum(1 for classes, _, _ in page.found if "slice" in classes)
check(drawn == slices, f"{drawn} slices drawn, the trace has {slices}")

shot = chromium_run(f"--screenshot={png_path}", "--hide-scrollbars")
check(shot.returncode == 0 and os.path.getsize(png_path) > 10000 if os.path.exists(png_path) else False,
      f"no screenshot ({shot.returncode}): {shot.stderr[-1000:]}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"ok: {len(rows)} rows, deadline marker at {markers[0]['data-left']}px; screenshot {png_path}")
