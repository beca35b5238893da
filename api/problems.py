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
from .i18n import Words, _, chosen_language, in_language, sentence_of
from .models import ID_PATTERN

PROBLEM = "application/problem+json"
UNREACHABLE = _("The chain cannot be reached just now; what you sent is safe. Retry in a few seconds.")
log = logging.getLogger("ost.bridge")
TITLES = {  # English here (the problem's type is made of it), said in the reader's language with its detail
    400: _("Bad request"),
    401: _("Unauthorized"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    409: _("Conflict"),
    413: _("Body too large"),
    415: _("Unsupported media type"),
    422: _("Invalid input"),
    429: _("Too many requests"),
    500: _("Internal error"),
    503: _("Unavailable"),
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
    if isinstance(extra.get("errors"), list):  # each field's sentence too, in the detail's language
        extra["errors"] = [{**e, "message": in_language(e["message"], language)} for e in extra["errors"]]
    body = problem_body(status, detail, kind=kind, instance=request.url.path, request_id=request_id, **extra)
    body["title"] = in_language(body["title"], language)  # with the detail: both in its language, or both English
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
    if exc.status_code == 404 and detail == "Not Found":  # no route: say where to look
        detail = Words("Nothing is served at {path}: /docs lists what this bridge serves.", path=request.url.path)
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        detail = Words(
            "{path} does not take {method}: /docs lists what each path takes.",
            path=request.url.path,
            method=request.method,
        )
    return respond(request, exc.status_code, detail, headers=getattr(exc, "headers", None))


NOT_JSON = Words("The body is not valid JSON.")


async def on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        # The parser's own words are English: where it stopped (a character's place, from 1) is said instead.
        place = next((p for p in first.get("loc", ())[1:] if isinstance(p, int)), None)
        malformed = (
            Words("The body is not valid JSON: it stops making sense at character {place}.", place=place + 1)
            if place is not None
            else NOT_JSON
        )
        return respond(request, 400, malformed, kind="malformed-json")
    said = [_sentence(_where(tuple(e.get("loc", ()))), e) for e in errors]
    fields = [{"field": _where(tuple(e.get("loc", ()))), "message": w} for e, w in zip(errors, said, strict=True)]
    return respond(request, 422, _joined(said[:5]), kind="invalid-input", errors=fields)


# A field's refusal in a sentence about the field, by the validator's kind of error (pydantic's own words name its
# internals: "Input should be less than 18446744073709551616", "String should match pattern '^[A-Za-z0-9]…'").
SENTENCES = {
    "missing": _("{field} is missing."),
    "extra_forbidden": _("{field} is not a field of this request."),
    "int_parsing": _("{field} must be a whole number."),
    "int_from_float": _("{field} must be a whole number."),
    "int_type": _("{field} must be a whole number."),
    "float_parsing": _("{field} must be a number."),
    "float_type": _("{field} must be a number."),
    "finite_number": _("{field} must be a number."),
    "bool_parsing": _("{field} must be true or false."),
    "bool_type": _("{field} must be true or false."),
    "string_type": _("{field} must be text."),
    "string_too_short": _("{field} is too short."),
    "string_too_long": _("{field} is longer than {max_length} characters."),
    "less_than_equal": _("{field} is at most {le}."),
    "less_than": _("{field} must be less than {lt}."),
    "greater_than_equal": _("{field} is at least {ge}."),
    "greater_than": _("{field} must be more than {gt}."),
    "datetime_parsing": _("{field} is not a date and time: write it as 2026-12-06T14:30:00+02:00."),
    "datetime_from_date_parsing": _("{field} is not a date and time: write it as 2026-12-06T14:30:00+02:00."),
    "date_from_datetime_parsing": _("{field} is not a date: write it as 2026-12-06."),
    "url_parsing": _("{field} is not a web address."),
    "model_attributes_type": _("{field} must be an object."),
    "dict_type": _("{field} must be an object."),
    "list_type": _("{field} must be a list."),
}
# Patterns the models use, and what they mean in words.
PATTERNS = {
    ID_PATTERN: _("{field} may hold only letters, digits and . _ : / @ # + = -, 1 to 200 of them."),
    r"^0x[0-9a-fA-F]{130}$": _("{field} is not a signature: 0x followed by 130 digits and letters from a to f."),
    r"^0x[0-9a-fA-F]{64}$": _("{field} is not 32 bytes: 0x followed by 64 digits and letters from a to f."),
    r"^0x([0-9a-fA-F]{2}){4,}$": _("{field} is not a call's data: 0x followed by pairs of digits and letters a to f."),
}


FAILED = _("The bridge could not do this; its operator will find the cause in its log.")
UNKNOWN_FORM = _("{field} is not written in the form it takes.")
_sentence_of = (
    Words  # a sentence from the tables above (every one of them is in the catalogs: tests/core/test_catalogs)
)


def _sentence(field: str, error: dict[str, Any]) -> str:
    kind, ctx = str(error.get("type", "")), dict(error.get("ctx") or {})
    if kind == "string_pattern_mismatch":
        return _sentence_of(PATTERNS.get(str(ctx.get("pattern")), UNKNOWN_FORM), field=field)
    template = SENTENCES.get(kind)
    if template is None:  # a validator of ours: its message (marked _("…") where it is raised) says what is wrong
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        return _sentence_of("{field}: {message}", field=field, message=Words(message))
    values = {k: f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else v for k, v in ctx.items()}
    chosen = {k: values[k] for k in ("le", "lt", "ge", "gt", "max_length") if k in values}
    return _sentence_of(template, field=field, **chosen)


def _joined(said: list[str]) -> str:
    """Several sentences as one detail, each still translatable (a composition, not a sentence of its own)."""
    if len(said) == 1:
        return said[0]
    return _sentence_of("{first} {rest}", first=said[0], rest=_joined(said[1:]))


async def on_unreachable(request: Request, exc: Exception) -> JSONResponse:
    """The chain did not answer: 503, retry shortly. The client gets a sentence; the log gets the scrubbed cause."""
    request_id = getattr(request.state, "request_id", "")
    log.warning("%s %s: the chain cannot be reached: %s", request_id, request.url.path, exc)
    return respond(request, 503, UNREACHABLE, kind="chain-unreachable", headers={"Retry-After": "5"})


async def on_ost_error(request: Request, exc: Exception) -> JSONResponse:
    """An error of ost_chain as a problem: a rule that refused the request is the caller's (422); a chain that
    cannot be used is a wait (503); anything else is the bridge's own fault (500), logged with its cause."""
    if isinstance(exc, ContractRevert | NotAllowed | ConfigError):
        return respond(request, 422, sentence_of(exc), kind="refused")
    if isinstance(exc, ChainError):
        log.warning("%s: %s", request.url.path, scrub(str(exc)))
        return respond(request, 503, UNREACHABLE, kind="chain-unreachable", headers={"Retry-After": "5"})
    log.error("%s: %s", request.url.path, scrub(str(exc)))
    return respond(request, 500, FAILED)


async def on_database(request: Request, exc: Exception) -> JSONResponse:
    """The database did not answer: 503 with ``Retry-After`` and one log line, no traceback — what was accepted
    before is committed and waits. Any other database error is the bridge's fault: 500, logged in full."""
    assert isinstance(exc, DBAPIError)
    request_id = getattr(request.state, "request_id", "")
    if is_outage(exc):
        log.warning("%s %s: the database is not answering: %s", request_id, request.url.path, scrub(cause(exc)))
        return respond(request, 503, AWAY, kind="database-unavailable", headers={"Retry-After": "5"})
    log.error("%s %s: database error", request_id, request.url.path, exc_info=exc)
    return respond(request, 500, FAILED)


async def on_anything(request: Request, exc: Exception) -> JSONResponse:
    """A bug: still a problem document for the client (the server logs the traceback)."""
    return respond(request, 500, FAILED)
