"""A bridge for a benchmark: `ost api` in its own process on 127.0.0.1, serving once /healthz answers, stopped at
the end (its log kept beside the town, its tracebacks counted)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

OST = str(Path(sys.executable).with_name("ost"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_answering(url: str, seconds: float = 60, every: float = 0.2) -> None:
    """Until the bridge at ``url`` answers /healthz (at most ``seconds``), on one client (a new one per try would
    build a TLS context each time)."""
    deadline = time.monotonic() + seconds
    with httpx.Client() as http:
        while time.monotonic() < deadline:
            try:
                http.get(f"{url}/healthz", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(every)


@contextmanager
def serving(
    manifest: Path,
    rpc_url: str,
    database: str,
    port: int,
    env: dict[str, str] | None = None,
    processes: int = 1,
    towns: list[Path] | None = None,
) -> Iterator[str]:
    """The bridge of ``manifest`` (and of ``towns`` beside it) on ``rpc_url`` and ``database`` (in ``processes``
    serving processes), at the URL this yields."""
    log_path = manifest.parent / "bridge.log"
    with log_path.open("w") as log:
        bridge = subprocess.Popen(
            [
                OST,
                "api",
                "--manifest",
                str(manifest),
                *(part for town in towns or [] for part in ("--manifest", str(town))),
                "--rpc-url",
                rpc_url,
                "--database-url",
                database,
                "--port",
                str(port),
                "--workers",
                str(processes),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_answering(url)
            yield url
        finally:
            bridge.terminate()
            bridge.wait(timeout=30)
    failures = log_path.read_text().count("Traceback")
    if failures:
        print(f"the bridge logged {failures} traceback(s)")
