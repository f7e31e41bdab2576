#!/usr/bin/env python3
"""A real HTTP/1.1 server on 127.0.0.1 for the std.http tests.

Prints its port on the first line of stdout, then serves until GET /quit
(or 120 s, should a test die before asking). Routes:
  /hello            200 "hello"
  /slow?ms=N        answers after N ms; stops early when the client goes
  /redirect/N       302 to /redirect/N-1; /redirect/0 answers "done"
  /missing          404 "not found"
  /bytes?n=N        N bytes of "x"
  /echo             the method, Content-Type and body, as JSON
  /headers          Set-Cookie twice and X-Custom
  /stats            JSON: connections open now and accepted in all,
                    slow answers running now and given up (client gone)
"""
import json
import select
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
stats = {"open": 0, "accepted": 0, "slow_running": 0, "slow_abandoned": 0}


def bump(key, by):
    with lock:
        stats[key] += by


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        bump("open", 1)
        bump("accepted", 1)

    def finish(self):
        try:
            super().finish()
        finally:
            bump("open", -1)

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="text/plain", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def client_gone(self, seconds):
        """Waits up to `seconds`; True if the client closed meanwhile."""
        readable, _, _ = select.select([self.connection], [], [], seconds)
        if readable:
            try:
                return self.connection.recv(1, 2) == b""  # MSG_PEEK
            except OSError:
                return True
        return False

    def slow(self, ms):
        bump("slow_running", 1)
        try:
            deadline = time.monotonic() + ms / 1000
            while time.monotonic() < deadline:
                if self.client_gone(min(0.01, max(0, deadline - time.monotonic()))):
                    bump("slow_abandoned", 1)
                    self.close_connection = True
                    return
            self.reply(200, "slow done")
        finally:
            bump("slow_running", -1)

    def route(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/hello":
            self.reply(200, "hello")
        elif url.path == "/slow":
            self.slow(int(query.get("ms", ["1000"])[0]))
        elif url.path.startswith("/redirect/"):
            n = int(url.path.rsplit("/", 1)[1])
            if n == 0:
                self.reply(200, "done")
            else:
                self.reply(302, "", headers=[("Location", "/redirect/%d" % (n - 1))])
        elif url.path == "/missing":
            self.reply(404, "not found")
        elif url.path == "/bytes":
            self.reply(200, b"x" * int(query.get("n", ["0"])[0]))
        elif url.path == "/echo":
            self.reply(200, json.dumps({"method": self.command,
                                        "content_type": self.headers.get("Content-Type"),
                                        "custom": self.headers.get("X-Test"),
                                        "body": body.decode()}), "application/json")
        elif url.path == "/headers":
            self.reply(200, "h", headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Custom", "yes")])
        elif url.path == "/stats":
            with lock:
                self.reply(200, json.dumps(stats), "application/json")
        elif url.path == "/quit":
            self.reply(200, "bye")
            threading.Thread(target=self.server.shutdown).start()
        else:
            self.reply(404, "no route")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = route


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    watchdog = threading.Timer(120, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
