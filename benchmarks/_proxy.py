"""A JSON-RPC proxy on 127.0.0.1 in front of a node (anvil): it forwards what it is asked and counts the calls (each
entry of a batch). A benchmark counts what the bridge asks the chain; a test makes it answer as a hosted provider
would (``answer`` overridden)."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class RpcProxy:
    """Serving from construction until :meth:`stop` (or the end of a ``with`` block)."""

    def __init__(self, upstream: str) -> None:
        self.upstream, self.calls, self.lock = upstream, 0, threading.Lock()
        self.methods: Counter[str] = Counter()  # the calls counted since the last take, by method
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                asked = json.loads(body)
                with proxy.lock:
                    proxy.calls += len(asked) if isinstance(asked, list) else 1
                    proxy.methods.update(a.get("method", "?") for a in (asked if isinstance(asked, list) else [asked]))
                data = proxy.answer(asked, body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, asked: Any, body: bytes) -> bytes:
        """What to send back for ``asked`` (parsed from ``body``): the node's answer."""
        return self.forward(body)

    def forward(self, body: bytes) -> bytes:
        request = urllib.request.Request(self.upstream, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return bytes(answer.read())

    def take(self) -> int:
        """The calls counted since the last take."""
        with self.lock:
            n, self.calls = self.calls, 0
            self.last_methods, self.methods = self.methods, Counter()
        return n

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
