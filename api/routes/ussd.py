"""The USSD gateway's callback (Africa's Talking's convention): a form in, plain text out (``CON …`` or ``END …``)."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse

from ost_chain.chain import DEV_CHAIN_ID
from ost_chain.manifest import TownManifest
from ost_chain.redact import scrub

from ..deps import MenuDep, SettingsDep, TownRecordDep
from ..gateway import HEADER
from ..i18n import Words, say
from ..problems import Problem
from ..settings import Settings
from ..ussd import PhoneMenu
from .town import PAGE_POLICY, STATIC

router = APIRouter(tags=["phones"])
log = logging.getLogger("ost.bridge")
GATEWAY_HEADER = HEADER  # the one name, api.gateway.HEADER (headers are read whatever their case)
LOOPBACK = ("127.0.0.1", "::1")  # the /phone demo answers this machine only: it dials any member's number


@router.post(
    "/v1/ussd",
    response_class=PlainTextResponse,
    operation_id="ussd",
    responses={401: {"description": "Not the town's gateway: no secret, or the wrong one."}},
)
async def ussd(request: Request, settings: SettingsDep, menu: MenuDep) -> PlainTextResponse:
    """One step of a phone member's USSD session. The form's ``sessionId``, ``serviceCode``, ``phoneNumber``,
    ``networkCode`` and ``text`` (the answers so far, joined by ``*``), as Africa's Talking posts them; the gateway
    shows the secret in the callback URL (``?secret=…``) or the ``X-OST-Gateway-Secret`` header."""
    expected = settings.bridge.ussd_secret
    given = request.headers.get(GATEWAY_HEADER) or request.query_params.get("secret") or ""
    if expected is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise Problem(401, Words("This endpoint answers the town's USSD gateway only."), kind="not-the-gateway")
    form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    phone, text = form.get("phoneNumber", ""), form.get("text", "")
    if not phone or "sessionId" not in form:
        raise Problem(
            422, Words("A USSD callback carries sessionId, phoneNumber and text as a form."), kind="invalid-input"
        )
    return PlainTextResponse(await _answer(menu, settings, phone, text, form["sessionId"]))


async def _answer(menu: PhoneMenu, settings: Settings, phone: str, text: str, session_id: str) -> str:
    """The menu's reply (worked out off the event loop); whatever fails, a last screen the phone can show (the
    gateway shows text, not JSON)."""
    try:
        return await menu.reply(phone, text, session_id)
    except Exception as exc:  # noqa: BLE001 - the chain or the database away, a bug: the phone still gets a line
        log.warning("ussd: %s", scrub(f"{type(exc).__name__}: {exc}", settings.chain_url))
        return "END " + say(None, "This cannot be done now. Dial again later.")


def demo_on(settings: Settings, record: TownManifest) -> bool:
    """Whether the /phone page is served: as the settings say, else on the development chain only."""
    chosen = settings.bridge.phone_demo
    return record.chainId == DEV_CHAIN_ID if chosen is None else chosen


@router.post("/v1/phone-demo", response_class=PlainTextResponse, include_in_schema=False)
async def phone_demo(
    request: Request, settings: SettingsDep, record: TownRecordDep, menu: MenuDep
) -> PlainTextResponse:
    """The /phone page's way in: the same menu, without the gateway (development chain, or when enabled; from this
    machine only, as it dials any member's number)."""
    _demo_here(settings, record, request)
    try:
        body = await request.json()
        phone, text = str(body["phoneNumber"]), str(body.get("text", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Problem(
            422, Words("Send the phone number and the answers as JSON: phoneNumber and text."), kind="invalid-input"
        ) from None
    return PlainTextResponse(await _answer(menu, settings, phone, text, ""))


@router.get("/phone", include_in_schema=False)
async def phone_page(request: Request, settings: SettingsDep, record: TownRecordDep) -> FileResponse:
    """A feature phone in the browser, to show a town meeting how the USSD menu works."""
    _demo_here(settings, record, request)
    headers = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff"}
    return FileResponse(STATIC / "phone.html", media_type="text/html", headers=headers)


def _demo_here(settings: Settings, record: TownManifest, request: Request) -> None:
    if not demo_on(settings, record) or (request.client is not None and request.client.host not in LOOPBACK):
        raise Problem(404, Words("The phone demo is off here: it runs on the development chain."), kind="not-found")
