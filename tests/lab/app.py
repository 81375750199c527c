"""The lab's application backend: answers 200 on every path. Run: python -m tests.lab.app HOST PORT.

SIGUSR1 makes it answer 503 until SIGUSR2: an outage that starts and ends exactly when told,
for measuring how precisely the switch test finds it.
"""

from __future__ import annotations

import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAILING = False


def _set(value: bool) -> None:
    global FAILING
    FAILING = value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b"down\n" if FAILING else b"ok\n"
        self.send_response(503 if FAILING else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGUSR1, lambda *_: _set(True))
    signal.signal(signal.SIGUSR2, lambda *_: _set(False))
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer((host, port), Handler).serve_forever()


if __name__ == "__main__":
    main()
