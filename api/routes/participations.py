"""Participations: a coordinator's verified participation in, INFINITY minted for it once."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC
from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ost_chain.units import hash_id, relayed_id

from .. import participation_rules as rules
from ..bridge import Bridge
from ..db import Meal, Participation, Status, utcnow
from ..deps import KeyDep, ServedDep, SessionDep, get_bridge, path_address, town_base
from ..i18n import Words
from ..intake import COLUMNS
from ..models import Links, ParticipationCreate, ParticipationPublic
from ..models.base import _phone_like
from ..problems import Problem
from ..towns import ServedTown

log = logging.getLogger("ost.bridge")
router = APIRouter(prefix="/v1/participations", tags=["participations"])

ACCEPTED_LINKS = {
    "links": {
        "GetParticipation": {
            "operationId": "getParticipation",
            "parameters": {"participation_id": "$response.body#/participationId"},
        },
        "RecordMeal": {
            "operationId": "recordMeal",
            "requestBody": {"participationId": "$response.body#/participationId"},
        },
        "GetMember": {"operationId": "getMember", "parameters": {"address": "$response.body#/member"}},
    }
}


@router.post(
    "",
    status_code=202,
    response_model=ParticipationPublic,
    operation_id="submitParticipation",
    responses={202: ACCEPTED_LINKS, 409: {"description": "The id was used with a different body."}},
)
async def submit_participation(body: ParticipationCreate, request: Request, key: KeyDep) -> JSONResponse:
    """Accept a verified participation; INFINITY is minted for it once, whatever is retried."""
    bridge = await get_bridge(request)  # the busiest route: one dependency fewer to solve per request
    served = bridge.served(request.path_params.get("town"))
    if _phone_like(body.member):  # a phone member, named by number (in full, or as dialled in the town's country)
        body.member = await run_in_threadpool(rules.phone_member, bridge, served, body.member)
    if body.attestation is not None:
        coordinator = rules.check_attestation(served, body)
        await run_in_threadpool(rules.hold_signer_to_its_pace, bridge, served, coordinator)
    elif key is not None:
        coordinator = key.coordinator
    else:
        raise Problem(
            401,
            Words(
                "Authenticate with an API key (`Authorization: Bearer ost_…`) or sign the participation (an "
                "`attestation`)."
            ),
            kind="unauthorized",
            headers={"WWW-Authenticate": "Bearer"},
        )
    digest = _body_hash(body)
    try:
        # The relayer mints what a key sends: it must be a coordinator in the town too (one bridge, several towns).
        minter = bridge.relayer.address if body.attestation is None else None
        if not rules.known_to_pass(served.chain, coordinator, body, minter):  # a chain call: off the event loop
            await run_in_threadpool(rules.check_rules, served, coordinator, body, minter)
    except Problem:
        # A retry of a participation accepted earlier gets its first answer, whatever changed since.
        earlier = await run_in_threadpool(_stored, bridge, served.registry, body.participation_id, coordinator)
        if earlier is None or earlier["body_hash"] != digest:
            raise
        return _accepted(earlier, town_base(request))
    now = utcnow()
    row = {
        "participation_id": body.participation_id,
        # A signed participation is minted under its signer's ids, as it signed it; one the bridge's relayer mints
        # is kept apart in the relayer's ids by its coordinator's address, so no coordinator takes another's id.
        "key": "0x"
        + (
            hash_id(body.participation_id) if body.attestation else relayed_id(coordinator, body.participation_id)
        ).hex(),
        "body_hash": digest,
        "member": body.member,
        "project_id": body.project_id,
        "minutes": body.minutes,
        "evidence_uri": body.evidence_uri,
        "meal": body.meal,
        "coordinator": coordinator,
        "town": served.registry,
        "api_key_id": key.id if key else None,
        "attestation": {"deadline": body.attestation.deadline, "signature": body.attestation.signature}
        if body.attestation
        else None,
        "status": Status.QUEUED,
        "batch_id": None,
        "tx_hash": None,
        "block": None,
        "minted": None,
        "reason": None,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    stored = await asyncio.wrap_future(bridge.intake.submit(row))
    if stored is None:
        raise Problem(
            409, Words("Another of this coordinator's participation ids maps to the same on-chain id."), kind="conflict"
        )
    if stored["body_hash"] != digest:
        raise Problem(
            409,
            Words(
                "The participation {id} was already submitted with a different body; a participation id is used once.",
                id=body.participation_id,
            ),
            kind="conflict",
        )
    if body.meal:  # the kitchen's plate that went with it, recorded with it (once, whatever is retried)
        await run_in_threadpool(_record_meal, bridge, served, stored)
    return _accepted(stored, town_base(request))


def _record_meal(bridge: Bridge, served: ServedTown, stored: dict[str, Any]) -> None:
    """The meal of a participation submitted with ``"meal": true``, served on the day it was accepted (the town's
    day), recorded by its coordinator; one already recorded (a retry, or ``POST /v1/meals``) is left as it is."""
    zone = ZoneInfo(served.manifest.timeZone)
    accepted = stored["created_at"].replace(tzinfo=UTC)
    meal = {
        "participation_id": stored["participation_id"],
        "recorded_by": stored["coordinator"],
        "town": stored["town"],
        "served_on": accepted.astimezone(zone).date().isoformat(),
        "served_at": stored["created_at"],
        "member": stored["member"],
        "note": None,
    }
    with bridge.sessions() as session:
        if session.get(Meal, (meal["participation_id"], meal["recorded_by"], meal["town"])) is not None:
            return
        try:
            with session.writing():
                session.add(Meal(**meal))
        except IntegrityError:  # recorded meanwhile by a retry
            session.rollback()


@router.get(
    "/{participation_id:path}",
    response_model=ParticipationPublic,
    operation_id="getParticipation",
    responses={404: {"description": "Unknown participation."}},
)
def get_participation(
    participation_id: str,
    request: Request,
    served: ServedDep,
    session: SessionDep,
    key: KeyDep,
    coordinator: Annotated[
        str | None,
        Query(description="Whose participation, when several coordinators used the id (default: the key's)."),
    ] = None,
) -> ParticipationPublic:
    """Where a participation is: queued, submitted (with its transaction), confirmed (block, INF) or failed. Who it
    names (member, coordinator, meal, evidence) is shown only with a coordinator's API key. Each coordinator's ids
    are its own: with a key, the key's coordinator's; else the one coordinator that used the id (``coordinator``
    names it when several did)."""
    whose = path_address(coordinator) if coordinator else key.coordinator if key is not None else None
    rows = list(
        session.scalars(
            select(Participation).where(
                Participation.participation_id == participation_id,
                Participation.town == served.registry,
                *([Participation.coordinator == whose] if whose else []),
            )
        )
    )
    if not rows:
        raise Problem(404, Words("No participation '{id}' was submitted here.", id=participation_id), kind="not-found")
    if len(rows) > 1:
        raise Problem(
            422,
            Words("Several coordinators used the id '{id}': name yours with ?coordinator=0x….", id=participation_id),
            kind="ambiguous",
        )
    row = rows[0]
    shown = public(row, town_base(request))
    if key is None:
        return shown.model_copy(update={"member": None, "coordinator": None, "meal": None, "evidence_uri": None})
    return shown


def public(row: Participation, base: str = "/v1") -> ParticipationPublic:
    """The row as the API shows it, its link under ``base`` (its town's part of the URLs); built without validation
    (the row is the bridge's own, already checked)."""
    return ParticipationPublic.model_construct(
        participation_id=row.participation_id,
        status=Status(row.status),
        member=row.member,
        project_id=row.project_id,
        minutes=row.minutes,
        coordinator=row.coordinator,
        meal=row.meal,
        evidence_uri=row.evidence_uri,
        tx_hash=row.tx_hash,
        block=row.block,
        minted=row.minted,
        reason=row.reason,
        created_at=row.created_at.replace(tzinfo=UTC),
        updated_at=row.updated_at.replace(tzinfo=UTC),
        links=Links.model_construct(self=f"{base}/participations/{quote(row.participation_id, safe='')}"),
    )


def _body_hash(body: ParticipationCreate) -> str:
    canonical = {
        "participation_id": body.participation_id,
        "member": body.member,
        "project_id": body.project_id,
        "minutes": body.minutes,
        "evidence_uri": body.evidence_uri,
        "meal": body.meal,
        "attestation": body.attestation.model_dump() if body.attestation else None,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _accepted(row: dict[str, Any], base: str) -> JSONResponse:
    body = public(SimpleNamespace(**row), base).model_dump(mode="json")  # type: ignore[arg-type]
    return JSONResponse(body, status_code=202, headers={"Location": body["links"]["self"]})


def _stored(bridge: Bridge, town: str, participation_id: str, coordinator: str) -> dict[str, Any] | None:
    with bridge.sessions() as session:
        row = session.get(Participation, (participation_id, coordinator, town))
        return None if row is None else {c: getattr(row, c) for c in COLUMNS}
