"""The USSD gateway's callback (Africa's Talking's convention): a form in, plain text out (``CON …`` or ``END …``)."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from ..deps import get_bridge
from ..problems import Problem

router = APIRouter(tags=["phones"])
log = logging.getLogger("ost.bridge")
GATEWAY_HEADER = "x-ost-gateway-secret"


@router.post(
    "/v1/ussd",
    response_class=PlainTextResponse,
    operation_id="ussd",
    responses={401: {"description": "Not the town's gateway: no secret, or the wrong one."}},
)
async def ussd(request: Request) -> PlainTextResponse:
    """One step of a phone member's USSD session. The form's ``sessionId``, ``serviceCode``, ``phoneNumber``,
    ``networkCode`` and ``text`` (the answers so far, joined by ``*``), as Africa's Talking posts them; the gateway
    shows the secret in the callback URL (``?secret=…``) or the ``X-OST-Gateway-Secret`` header."""
    bridge = await get_bridge(request)
    expected = bridge.options.ussd_secret
    given = request.headers.get(GATEWAY_HEADER) or request.query_params.get("secret") or ""
    if expected is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise Problem(401, "This endpoint answers the town's USSD gateway only.", kind="not-the-gateway")
    form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    phone, text = form.get("phoneNumber", ""), form.get("text", "")
    if not phone or "sessionId" not in form:
        raise Problem(422, "A USSD callback carries sessionId, phoneNumber and text as a form.", kind="invalid-input")
    reply = await run_in_threadpool(bridge.phone_menu.answer, phone, text)
    return PlainTextResponse(reply)
