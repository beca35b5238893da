"""Errors as RFC 9457 problem details (``application/problem+json``), one sentence each, in the language the
request asks for (``Accept-Language``) when the town's catalog has the sentence; ``kind`` stays the same in all."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ost_chain.exceptions import ChainError, ConfigError, ContractRevert
from ost_chain.redact import scrub
from ost_chain.townclient import NotAllowed

from .db import AWAY, cause, is_outage
from .i18n import chosen_language, in_language

PROBLEM = "application/problem+json"
UNREACHABLE = "The chain cannot be reached just now; what you sent is safe. Retry in a few seconds."
log = logging.getLogger("ost.bridge")
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Unavailable",
}


class Problem(Exception):
    def __init__(
        self, status: int, detail: str, *, kind: str | None = None, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.kind, self.headers, self.extra = status, detail, kind, headers, extra


def problem_body(
    status: int, detail: str, *, kind: str | None = None, instance: str = "", request_id: str = "", **extra: Any
) -> dict[str, Any]:
    title = TITLES.get(status, "Error")
    return {
        "type": f"/problems/{kind or title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "requestId": request_id,
        **extra,
    }


def respond(
    request: Request,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "")
    language = chosen_language(request.headers.get("accept-language"))  # the sentence in the asker's language
    said = in_language(detail, language)
    if said == str(detail):  # the catalog has no translation of it: it stays English, and says so
        language = "en"
    detail = said
    body = problem_body(status, detail, kind=kind, instance=request.url.path, request_id=request_id, **extra)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM, headers={**(headers or {}), "Content-Language": language}
    )


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


async def on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return respond(request, exc.status, exc.detail, kind=exc.kind, headers=exc.headers, **exc.extra)


async def on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return respond(request, exc.status_code, detail, headers=getattr(exc, "headers", None))


async def on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        where = first.get("ctx", {}).get("error", "")
        return respond(
            request, 400, f"The body is not valid JSON{': ' + str(where) if where else ''}.", kind="malformed-json"
        )
    fields = [{"field": _where(tuple(e.get("loc", ()))), "message": _message(e)} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
    return respond(request, 422, detail, kind="invalid-input", errors=fields)


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


async def on_unreachable(request: Request, exc: Exception) -> JSONResponse:
    """The chain did not answer: 503, retry shortly. The client gets a sentence; the log gets the scrubbed cause."""
    request_id = getattr(request.state, "request_id", "")
    log.warning("%s %s: the chain cannot be reached: %s", request_id, request.url.path, exc)
    return respond(request, 503, UNREACHABLE, kind="chain-unreachable", headers={"Retry-After": "5"})


async def on_ost_error(request: Request, exc: Exception) -> JSONResponse:
    """An error of ost_chain as a problem: a rule that refused the request is the caller's (422); a chain that
    cannot be used is a wait (503); anything else is the bridge's own fault (500), logged with its cause."""
    if isinstance(exc, ContractRevert | NotAllowed | ConfigError):
        return respond(request, 422, str(exc), kind="refused")
    if isinstance(exc, ChainError):
        log.warning("%s: %s", request.url.path, scrub(str(exc)))
        return respond(request, 503, UNREACHABLE, kind="chain-unreachable", headers={"Retry-After": "5"})
    log.error("%s: %s", request.url.path, scrub(str(exc)))
    return respond(request, 500, "The bridge could not do this; its operator will find the cause in its log.")


async def on_database(request: Request, exc: Exception) -> JSONResponse:
    """The database did not answer: 503 with ``Retry-After`` and one log line, no traceback — what was accepted
    before is committed and waits. Any other database error is the bridge's fault: 500, logged in full."""
    assert isinstance(exc, DBAPIError)
    request_id = getattr(request.state, "request_id", "")
    if is_outage(exc):
        log.warning("%s %s: the database is not answering: %s", request_id, request.url.path, scrub(cause(exc)))
        return respond(request, 503, AWAY, kind="database-unavailable", headers={"Retry-After": "5"})
    log.error("%s %s: database error", request_id, request.url.path, exc_info=exc)
    return respond(request, 500, "The bridge could not do this; its operator will find the cause in its log.")


async def on_anything(request: Request, exc: Exception) -> JSONResponse:
    """A bug: still a problem document for the client (the server logs the traceback)."""
    return respond(request, 500, "The bridge could not do this; its operator will find the cause in its log.")
