"""W12 http_fanout with the Python standard library and with curl.

    python3 clients.py urllib N INFLIGHT URL   urllib.request in an INFLIGHT-thread pool
                                               (what a Python user without third-party
                                               packages does; a connection per request)
    python3 clients.py curl N INFLIGHT URL     curl --parallel --parallel-max INFLIGHT over
                                               N URLs (libcurl's own floor), timed around it
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time
import urllib.request


def urllib_run(n, inflight, url):
    def get(_):
        with urllib.request.urlopen(url) as r:
            if r.status != 200:
                raise RuntimeError("status %d" % r.status)
            return len(r.read())

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(inflight) as pool:
        total = sum(pool.map(get, range(n)))
    seconds = time.monotonic() - start
    if total != n * 1024:
        raise RuntimeError("short bodies")
    return seconds


def curl_run(n, inflight, url):
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "urls")
        with open(config, "w") as f:
            for _ in range(n):
                f.write('url = "%s"\noutput = "/dev/null"\n' % url)
        argv = ["curl", "--silent", "--fail", "--parallel", "--parallel-max", str(inflight),
                "--config", config, "--write-out", "%{size_download}\n"]
        start = time.monotonic()
        out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
        seconds = time.monotonic() - start
    if sum(int(x) for x in out.split()) != n * 1024:
        raise RuntimeError("short bodies")
    return seconds


def main():
    mode, n, inflight, url = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    seconds = {"urllib": urllib_run, "curl": curl_run}[mode](n, inflight, url)
    print("RESULT seconds=%.9f" % seconds)


if __name__ == "__main__":
    main()
