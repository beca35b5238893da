"""Ambassadors' orders about phone members: sign-up, a PIN reset, a lost SIM's move, the list — each signed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from requests.exceptions import RequestException
from sqlalchemy.exc import IntegrityError
from web3.exceptions import Web3RPCError

from ost_chain.redact import scrub

from ..chain import Unreachable
from ..deps import ChainDep, MenuDep, SessionDep, SettingsDep, SignedPaceDep, TownRecordDep
from ..i18n import Words
from ..models import PhoneOrderCreate
from ..pace import hold_to_pace
from ..phones import carry_out, signer_of
from ..problems import Problem

router = APIRouter(prefix="/v1/phones", tags=["phones"])


@router.post(
    "/orders",
    operation_id="phoneOrder",
    responses={
        403: {"description": "The signer does not hold the role the step needs."},
        404: {"description": "No phone member has this number."},
        409: {"description": "The order was carried out before, or the number's state forbids it."},
        422: {"description": "A bad signature, an order out of date, or a number that cannot be read."},
        429: {"description": "Too many orders from this client."},
    },
)
def phone_order(
    body: PhoneOrderCreate,
    request: Request,
    chain: ChainDep,
    record: TownRecordDep,
    menu: MenuDep,
    pace: SignedPaceDep,
    settings: SettingsDep,
    session: SessionDep,
) -> Any:
    """Carry out an ambassador's signed order about a phone member (``ost phones …`` signs and sends them). No API
    key: the signature is the authority, checked against the signer's role on chain — the Town Ambassador signs
    up, resets a PIN with a one-time PIN, proposes a lost SIM's move and lists; the Country Ambassador confirms a
    move. Each order is carried out once, and recorded with its signer."""
    hold_to_pace(pace, f"phones:{request.client.host if request.client else 'unknown'}", Words("Too many orders"))
    try:
        town = chain.town()
        signer = signer_of(town, record.chainId, body)
    except (RequestException, Web3RPCError, OSError) as exc:  # the node did not answer: say so, never its URL
        chain.forget_connection()
        raise Unreachable(scrub(str(exc), settings.chain_url)) from None
    try:
        names = {registry: place.manifest.town for registry, place in menu.places.items()}
        return carry_out(session, menu.vault, body, signer, settings.bridge.phone_region, town, names)
    except IntegrityError:  # the same order sent twice at once: the other copy was carried out
        session.rollback()
        raise Problem(409, "This order was carried out already: sign a new one.", kind="conflict") from None
