"""JSON-RPC to the node on a thread's own kept-alive HTTP connection, with nothing between the bridge and the socket.

The bridge's hot reads (a phone's balance, a page's figures) are a round trip or two each. Through ``requests`` a
round trip cost about 420 µs of Python (adapters, hooks, cookies) on top of what the node does; through
``http.client`` it costs about 105 µs: a hundred phones at once share one interpreter lock, and this is their time.
No proxy is taken from the environment (the bridge's node is configured, not discovered), credentials in the URL go
in an ``Authorization`` header, and nothing here ever puts the URL in an error (the caller scrubs its own).
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from typing import Any
from urllib.parse import unquote, urlsplit


class NodeError(Exception):
    """The node could not be asked, or answered with something other than JSON-RPC."""


class NodeLink:
    """Posts JSON-RPC batches to one node URL; each thread keeps one connection, reopened when the node closed it."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NodeError("The node URL is not an http(s) URL.")
        self.secure, self.host, self.timeout = parts.scheme == "https", parts.hostname, timeout
        self.port = parts.port or (443 if self.secure else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        self._local = threading.local()

    def ask(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """Each (method, params) asked in one batch: the node's answers in the calls' order (``result`` or
        ``error`` each, as the node gave them)."""
        asked = [{"jsonrpc": "2.0", "id": n, "method": m, "params": params} for n, (m, params) in enumerate(calls)]
        body = json.dumps(asked).encode()
        answers = json.loads(self._post(body))
        if not isinstance(answers, list) or len(answers) != len(calls):
            raise NodeError(f"The node answered a batch of {len(calls)} with {answers!r}")  # cut by the caller
        try:
            return sorted(answers, key=lambda a: int(a["id"]))
        except (KeyError, TypeError, ValueError):
            raise NodeError(f"The node's answers carry no ids: {answers!r}") from None

    def _post(self, body: bytes) -> bytes:
        """``body`` posted on this thread's connection. A kept connection the node closed meanwhile fails at once
        when used: then once more on a new one (these are reads: asking twice is no harm)."""
        for fresh in (False, True):
            connection, used = self._connection(fresh)
            try:
                connection.request("POST", self.path, body, self.headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                self._local.connection = None
                if used and not isinstance(exc, TimeoutError):  # a kept connection gone stale (closed, reset, TLS)
                    continue
                raise NodeError(f"The node could not be asked: {type(exc).__name__}") from None
            if response.status != 200:
                raise NodeError(f"The node answered HTTP {response.status}.")
            return data
        raise AssertionError("unreachable")

    def _connection(self, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it served a request before (else it is new)."""
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None and not fresh:
            return connection, True
        kind = http.client.HTTPSConnection if self.secure else http.client.HTTPConnection
        connection = self._local.connection = kind(self.host, self.port, timeout=self.timeout)
        return connection, False
