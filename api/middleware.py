"""ASGI middleware: a request id for every request, the body limit, one log line per request."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .i18n import Number, Words, chosen_language, in_language
from .problems import PROBLEM, problem_body

log = logging.getLogger("ost.bridge")
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


class Guard:
    """Gives every request an id (``X-Request-ID``), refuses bodies over the limit, logs one line per request."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if re.fullmatch(r"[A-Za-z0-9._-]{1,64}", given) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started, status = time.monotonic(), [0]
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await self._refuse(scope, send, request_id)
            return
        seen = [0]

        async def counted() -> Any:
            message = await receive()
            seen[0] += len(message.get("body", b""))
            if seen[0] > self.max_body:
                raise BodyTooLarge
            return message

        async def tagged(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    (b"vary", b"Accept-Language"),  # sentences are said in the asker's language: caches keep each
                ]
            await send(message)

        try:
            await self.app(scope, counted, tagged)
        except BodyTooLarge:
            if not status[0]:
                status[0] = 413
                await self._refuse(scope, send, request_id)
        finally:
            log.info(
                "%s %s %s %d %.1fms",
                request_id,
                scope["method"],
                scope["path"],
                status[0] or 500,  # nothing was sent: the app failed (the server answers 500)
                (time.monotonic() - started) * 1000,
            )

    async def _refuse(self, scope: Scope, send: Callable[[Any], Awaitable[None]], request_id: str) -> None:
        """The 413, in the asker's language (``Accept-Language``) as every other refusal is."""
        asked = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
        language = chosen_language(asked)
        said = Words("The body is larger than {most} bytes.", most=Number(self.max_body))
        detail = in_language(said, language)
        language = language if detail != str(said) else "en"
        problem = problem_body(413, detail, kind="body-too-large", instance=scope["path"], request_id=request_id)
        problem["title"] = in_language(problem["title"], language)
        body = json.dumps(problem).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"content-language", language.encode()),
                    (b"x-request-id", request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
