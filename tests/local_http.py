"""A real HTTP server on 127.0.0.1 for download tests, serving files the test writes.

`/<mode>/<path>` serves the file `<root>/<path>` (subfolders allowed, `..`
refused); most modes misbehave on purpose:

- files: plain 200.
- slow: waits `server.delay` seconds before answering.
- truncated: announces the full Content-Length, sends half, closes.
- nolength: no Content-Length, half the body, closes.
- stall: headers and 1000 bytes, then silence.
- hang: silence before the headers.
- drip: headers (full Content-Length), then `server.drip_bytes` bytes every
  `server.drip_interval` seconds.

Anything else is a 404. Every request path is counted in `server.counts`.
Silent modes end when `server.release` is set (at shutdown) or after 10 s.
"""

import collections
import contextlib
import http.server
import os
import threading
import time

MODES = ("files", "slow", "truncated", "nolength", "stall", "hang", "drip")


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves the files of `server.root` under `/<mode>/<path>` (see the module docstring)."""

    def do_GET(self):
        server = self.server
        with server.lock:
            server.counts[self.path] += 1
        mode, _, name = self.path.lstrip("/").partition("/")
        parts = name.split("/")
        path = os.path.join(server.root, *parts)
        if (mode not in MODES or any(p in ("", ".", "..") for p in parts)
                or not os.path.isfile(path)):
            self.send_error(404, "Not Found")
            return
        with open(path, "rb") as f:
            body = f.read()
        if mode == "hang":
            server.release.wait(10)
            return
        if mode == "slow":
            time.sleep(server.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode != "nolength":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode in ("truncated", "nolength"):
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
        elif mode == "stall":
            self.wfile.write(body[:1000])
            self.wfile.flush()
            server.release.wait(10)  # nothing more until the test ends
        elif mode == "drip":
            with contextlib.suppress(ConnectionError):  # the client gave up
                for start in range(0, len(body), server.drip_bytes):
                    if server.release.wait(server.drip_interval):
                        return
                    self.wfile.write(body[start: start + server.drip_bytes])
                    self.wfile.flush()
        else:
            self.wfile.write(body)

    def log_message(self, *args):
        """Keeps the server's request log out of the test output."""


@contextlib.contextmanager
def serve(root):
    """Runs the server on a free port of 127.0.0.1 over the folder `root`; yields it.

    The server has `base` (`http://127.0.0.1:<port>`), `counts` (requests per
    path), and the knobs `delay`, `drip_bytes`, `drip_interval`. On exit the
    silent handlers are released and the server is shut down.
    """
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.root = str(root)
    httpd.counts = collections.Counter()
    httpd.lock = threading.Lock()
    httpd.release = threading.Event()
    httpd.delay = 0.5
    httpd.drip_bytes = 64
    httpd.drip_interval = 0.2
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
