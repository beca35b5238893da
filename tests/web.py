"""One-off HTTP requests for tests, as ``httpx.get``/``httpx.post`` make them (a new connection each, httpx's default
5-second timeout), but on one client: each ``httpx.get`` builds a TLS context first, 23 ms of CPU, and a suite that
polls its servers paid that thousands of times. The client keeps no connection, so a request never lands on a
connection to a server that was stopped or restarted since. Safe from several threads at once."""

from __future__ import annotations

from typing import Any

import httpx

_client = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))


def get(url: str, **options: Any) -> httpx.Response:
    return _client.get(url, **options)


def post(url: str, **options: Any) -> httpx.Response:
    return _client.post(url, **options)
