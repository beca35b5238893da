"""Members' actions relayed without gas: a signed forward request in, sent once through the town's forwarder."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from requests.exceptions import RequestException
from sqlalchemy import select
from web3.exceptions import Web3RPCError

from ost_chain.actions import recorded
from ost_chain.gasless import ForwardRequest
from ost_chain.redact import scrub

from .. import relay_quota
from ..chain import Unreachable
from ..db import BridgeSession, RelayRequest, Status
from ..deps import (
    ChainDep,
    DeskDep,
    LanguageDep,
    ServedDep,
    SessionDep,
    SettingsDep,
    TownRecordDep,
    path_address,
    town_base,
)
from ..gasless import GATEWAY
from ..i18n import Words, in_language
from ..models import Links, RelayCreate, RelayPublic, RelayQuota
from ..problems import Problem
from ..towns import ServedTown
from .ussd import GATEWAY_HEADER

router = APIRouter(prefix="/v1/relay", tags=["relay"])
LEAST_ACTION_GAS = 100_000  # about what the cheapest relayed action takes of a town's budget (an INF transfer)


def public(row: RelayRequest, base: str = "/v1") -> RelayPublic:
    return RelayPublic(
        relay_id=row.id,
        status=Status(row.status),
        signer=row.signer,
        action=action.words if (action := recorded(row.action)) is not None else row.action,
        target=row.target,
        nonce=row.nonce,
        tx_hash=row.tx_hash,
        block=row.block,
        gas_used=row.gas_used,
        cost=row.cost,
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        links=Links(self=f"{base}/relay/{row.id}"),
    )


def _answer(row: RelayRequest, status: int, base: str) -> JSONResponse:
    body = public(row, base).model_dump(mode="json")
    return JSONResponse(body, status_code=status, headers={"Location": body["links"]["self"]})


def _ours(row: RelayRequest | None, served: ServedTown) -> RelayRequest | None:
    """``row`` if it is the town's (one from before rows named their town is the first town's), else None."""
    if row is None or row.town == served.registry or (row.town == "" and served.first):
        return row
    return None


@router.post(
    "",
    status_code=202,
    response_model=RelayPublic,
    operation_id="relay",
    responses={
        200: {"description": "This request was received before: its state; nothing is sent twice."},
        403: {"description": "The signer is not one of the town's people."},
        409: {"description": "The nonce was used, or the signer's previous action is still on its way."},
        422: {"description": "Not an action the town relays, a bad signature, expired, or it would fail."},
        429: {"description": "Today's free actions are used, or too many requests from this address."},
    },
)
def relay(
    body: RelayCreate,
    request: Request,
    chain: ChainDep,
    record: TownRecordDep,
    desk: DeskDep,
    settings: SettingsDep,
    session: SessionDep,
    served: ServedDep,
) -> JSONResponse:
    """Relay a member's signed action; the town's relayer pays the gas. No API key: the signature is the authority,
    and the town's policy (free actions a day, gas a day, the smallest INF transfer, a pace per address) its bound."""
    town = chain.town()
    forward = ForwardRequest(
        body.sender,
        body.to,
        body.gas,
        body.nonce,
        body.deadline,
        bytes.fromhex(body.data[2:]),
        body.value,
        bytes.fromhex(body.signature[2:]),
    )
    try:
        relay_id = "0x" + forward.digest(record.chainId, town.forwarder.address, desk.domain_name(town)).hex()
        known = _ours(session.get(RelayRequest, relay_id), served)
        if known is not None:  # a retry: its state, never a second relay
            return _answer(known, 200, town_base(request))
        row = desk.accept(session, town, forward, _client(settings.bridge.ussd_secret, request))
    except (RequestException, Web3RPCError, OSError) as exc:  # the node did not answer: say so, never its URL
        chain.forget_connection()
        raise Unreachable(scrub(str(exc), settings.chain_url)) from None
    return _answer(row, 202, town_base(request))


def _client(expected: SecretStr | None, request: Request) -> str:
    """Who sent the request, for the pace: a gateway that shows the town's secret (``expected``, in
    ``X-OST-Gateway-Secret``: the phone gateway's, or a town's own relay desk or Wi-Fi portal), paced as one
    gateway; else its address."""
    given = request.headers.get(GATEWAY_HEADER, "")
    if expected is not None and given and hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        return f"{GATEWAY}town"
    return f"ip:{request.client.host if request.client else 'unknown'}"


@router.get("/quota/{address}", response_model=RelayQuota, operation_id="relayQuota")
def quota(
    address: str, desk: DeskDep, record: TownRecordDep, session: SessionDep, language: LanguageDep, served: ServedDep
) -> dict[str, Any]:
    """How many of today's free actions a member has left, and when the next day's begin (the sentence in the
    language ``Accept-Language`` asks for, when the town speaks it)."""
    address = path_address(address)
    policy = desk.policy()
    day, next_day, _ = relay_quota.today(record)
    used, gas = relay_quota.used_today(session, address, day, served.registry)
    left = max(0, policy.free_actions_per_day - used) if gas < policy.gas_per_member_per_day else 0
    # The town's day's budget of the relayer's gas, too little left for the cheapest action: nobody's is relayed
    # until tomorrow, whatever a member has left of their own.
    town_done = bool(desk.budget) and desk.spent_today(session, day, served.registry) + LEAST_ACTION_GAS > desk.budget
    if town_done:
        left = 0
    return RelayQuota(
        address=address,
        day=day,
        free_actions=policy.free_actions_per_day,
        used=used,
        left=left,
        gas_used=gas,
        gas_per_day=policy.gas_per_member_per_day,
        next_day=next_day,
        sentence=in_language(
            Words(
                "{left} of today's {actions} free actions left; more at {next_day}.",
                left=left,
                actions=policy.free_actions_per_day,
                next_day=next_day,
            )
            if left
            else Words("The town's free actions for today are used up. More tomorrow.")
            if town_done
            else Words("Today's free actions are used; more at {next_day}.", next_day=next_day),
            language,
        ),
    ).model_dump(mode="json")


@router.get("/{relay_id}", response_model=RelayPublic, operation_id="getRelay")
def get_relay(
    relay_id: str, request: Request, session: SessionDep, language: LanguageDep, served: ServedDep
) -> dict[str, Any]:
    """Where a relayed action of the town stands: queued, submitted, confirmed (with its block) or failed (with the
    reason, in the language ``Accept-Language`` asks for when the town's catalog has it)."""
    row = _ours(_find(session, relay_id), served)
    if row is None:  # another town's: not found here
        raise Problem(404, Words("No relayed action {id} here.", id=relay_id), kind="not-found")
    answer = public(row, town_base(request))
    if answer.reason:
        answer.reason = in_language(answer.reason, language)
    return answer.model_dump(mode="json")


def _find(session: BridgeSession, relay_id: str) -> RelayRequest:
    row = session.scalars(select(RelayRequest).where(RelayRequest.id == relay_id.lower())).first()
    if row is None:
        raise Problem(404, Words("No relayed action {id} here.", id=relay_id), kind="not-found")
    return row
