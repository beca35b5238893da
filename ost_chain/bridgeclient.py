"""The town's bridge, as the `ost` command calls it over HTTP: its JSON answers, and its refusals as sentences."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from .exceptions import ChainError, OstError


class Paced(OstError):
    """The bridge asked to slow down: try again after ``wait`` seconds."""

    def __init__(self, message: str, wait: float) -> None:
        super().__init__(message)
        self.wait = wait


class BridgeClient:
    """Calls to the town's bridge at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._routes: dict[str, str] = {}  # a town's registry → where the bridge answers for it

    def route(self, town: str, name: str) -> str:
        """Where the bridge answers for the town of registry ``town`` (named ``name``): /v1/towns/{slug} when it
        serves several towns (``GET /v1/towns``), else /v1; an :class:`OstError` when it serves others only."""
        if town not in self._routes:
            try:
                served = self.call("GET", "/v1/towns")
            except OstError:  # a bridge of one town, from before it served several: its town at /v1
                served = None
            if served is None:
                self._routes[town] = "/v1"
            else:
                match = [t for t in served if str(t["registry"]).lower() == town.lower()]
                if not match:
                    raise OstError(
                        f"The bridge at {self.url} does not serve {name}: it serves "
                        f"{', '.join(t['town'] for t in served)}. Pass the bridge of {name} with --bridge."
                    )
                self._routes[town] = str(match[0]["api"])
        return self._routes[town]

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The bridge's JSON answer; an :class:`OstError` with the bridge's own sentence when it refuses (a
        :class:`Paced` when it asks to slow down), a :class:`ChainError` when nothing answers."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                problem = json.loads(exc.read())
            except ValueError:
                problem = {}
            said = problem.get("detail") or f"The bridge at {self.url} answered {exc.code} {exc.reason}."
            if problem.get("type") == "/problems/rate-limited":
                raise Paced(said, float(exc.headers.get("Retry-After") or 1)) from None
            raise OstError(said) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ChainError(
                f"No bridge answers at {self.url} ({getattr(exc, 'reason', exc)}). Start it (`ost up`, or `ost api`), "
                "or pass --bridge with its URL."
            ) from None
