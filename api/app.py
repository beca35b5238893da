"""The bridge's HTTP app: participations in, INFINITY out; members, the town, the kitchen, health.

Routes are plain (synchronous) functions: FastAPI runs them in its thread pool, each with its own
database session and its own chain connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, Literal

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ost_chain.network import load_keystore, resolve_signer
from ost_chain.eip712 import participation_signer
from ost_chain.enums import Phase
from ost_chain.units import hash_id, valid_address

from .chain import MISSING, ChainView, Unreachable
from .db import BridgeSession, Meal, Participation, make_engine, sessions, utcnow
from .intake import COLUMNS, Intake
from .keys import KeyInfo, verify_key
from .problems import Problem, on_http, on_problem, on_validation
from .settings import BridgeSettings
from .worker import Worker

log = logging.getLogger("ost.bridge")
KEY_CACHE_SECONDS = 1.0
STATIC = Path(__file__).resolve().parent / "static"
WHO_MAY_BUY = {
    "pending": "nobody yet: the sale has not opened",
    "local": "the town's members",
    "country": "members and verified residents of the country",
    "world": "anyone",
    "succeeded": "nobody: the raise succeeded",
    "failed": "nobody: the raise failed; buyers may take refunds",
}
WALLET_CALLS = {"buy": "buy(uint256)", "finalize": "finalize()", "refund": "refund()", "claim": "claim(address)",
                "approve": "approve(address,uint256)"}  # fmt: skip
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@#+=-]{0,199}$"
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


# ── request and response bodies ──


def _address(value: str) -> str:
    checked = valid_address(value)
    if checked is None:
        raise ValueError("expected an address: 0x and 40 hex digits, with a valid EIP-55 checksum if mixed case")
    return checked


class Attestation(BaseModel):
    """A coordinator's EIP-712 signature of the participation (see ``participation_typed_data``)."""

    model_config = ConfigDict(extra="forbid")
    coordinator: str = Field(description="The signing coordinator's address.")
    deadline: int = Field(ge=0, lt=2**64, description="Last second (unix time) at which it may be relayed.")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte signature, hex.")

    _check = field_validator("coordinator")(lambda cls, v: _address(v))


class ParticipationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participation_id: str = Field(pattern=ID_PATTERN, description="Unique id; letters, digits and ._:/@#+=- only.")
    member: str = Field(description="The member's address.")
    project_id: int = Field(ge=0, lt=2**64)
    hours: Decimal = Field(gt=0, le=24, description="Hours worked, in whole minutes (e.g. 3 or 1.5).")
    evidence_uri: str | None = Field(default=None, max_length=2048)
    meal: bool = Field(default=False, description="A community-kitchen meal goes with this participation.")
    attestation: Attestation | None = None

    _check = field_validator("member")(lambda cls, v: _address(v))

    @field_validator("hours")
    @classmethod
    def _whole_minutes(cls, value: Decimal) -> Decimal:
        if value * 60 != (value * 60).to_integral_value():
            raise ValueError("hours must come to a whole number of minutes (e.g. 1.5, not 1.51)")
        return value

    @property
    def minutes(self) -> int:
        return int(self.hours * 60)


class Links(BaseModel):
    self: str


class ParticipationOut(BaseModel):
    participation_id: str
    status: Literal["queued", "submitted", "confirmed", "failed"]
    member: str
    project_id: int
    minutes: int
    coordinator: str
    meal: bool
    evidence_uri: str | None
    tx_hash: str | None
    block: int | None
    minted: str | None = Field(description="INF minted, in wei (10^-18 INF), as a decimal string.")
    reason: str | None
    created_at: datetime
    updated_at: datetime
    links: Links


class MealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participation_id: str = Field(pattern=ID_PATTERN)
    served_at: datetime | None = Field(default=None, description="Default: now.")
    note: str | None = Field(default=None, max_length=500)


class MealOut(BaseModel):
    participation_id: str
    member: str
    served_on: str
    served_at: datetime
    note: str | None
    recorded_by: str


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    chain: dict[str, Any]
    queue: dict[str, Any]
    relayer: dict[str, Any]
    warnings: list[str]


def _out(row: Participation) -> ParticipationOut:
    return ParticipationOut(
        participation_id=row.participation_id, status=row.status, member=row.member,  # type: ignore[arg-type]
        project_id=row.project_id, minutes=row.minutes, coordinator=row.coordinator, meal=row.meal,
        evidence_uri=row.evidence_uri, tx_hash=row.tx_hash, block=row.block, minted=row.minted, reason=row.reason,
        created_at=row.created_at.replace(tzinfo=UTC), updated_at=row.updated_at.replace(tzinfo=UTC),
        links=Links(self=f"/v1/participations/{row.participation_id}"),
    )  # fmt: skip


def _body_hash(body: ParticipationIn) -> str:
    canonical = {"participation_id": body.participation_id, "member": body.member, "project_id": body.project_id,
                 "minutes": body.minutes, "evidence_uri": body.evidence_uri, "meal": body.meal,
                 "attestation": body.attestation.model_dump() if body.attestation else None}  # fmt: skip
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


# ── the pieces the routes share ──


class RateLimiter:
    """A token bucket per API key: ``rate`` requests a second, bursts of ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if a request may go now, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            return 0.0


class Bridge:
    """Everything one running app holds: settings, database, chain view, worker."""

    def __init__(self, settings: BridgeSettings, relayer: LocalAccount | None = None) -> None:
        self.settings = settings
        try:
            self.manifest = json.loads(settings.manifest.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"Cannot read the town manifest {settings.manifest}: {exc}") from None
        self.chain_id = int(self.manifest["chainId"])
        self.infinity = self.manifest["contracts"]["InfinityToken"]["address"]
        self.engine = make_engine(settings.database())
        self.sessions = sessions(self.engine)
        self.chain = ChainView(settings, self.manifest)
        self.relayer = relayer or self._relayer()
        self.worker = Worker(settings, self.sessions, self.chain, self.relayer)
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_burst)
        self.intake = Intake(self.sessions)
        self._keys: dict[str, tuple[float, KeyInfo | None]] = {}

    def known_key(self, presented: str) -> Any:
        hit = self._keys.get(presented)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < KEY_CACHE_SECONDS else MISSING

    def check_key(self, presented: str) -> KeyInfo | None:
        with self.sessions() as session:
            key = verify_key(session, presented)
        if len(self._keys) > 10_000:
            self._keys.clear()
        self._keys[presented] = (time.monotonic(), key)
        return key

    def _relayer(self) -> LocalAccount:
        chosen = self.settings.relayer
        if chosen and not chosen.startswith("dev:"):
            secret = self.settings.passphrase.get_secret_value() if self.settings.passphrase else None
            return load_keystore(Path(chosen), secret)
        coordinators = self.manifest.get("roles", {}).get("coordinators") or [None]
        return resolve_signer(self.chain_id, chosen, coordinators[0], role="relayer (a coordinator)")


def bridge(request: Request) -> Bridge:
    return request.app.state.bridge


def db(request: Request) -> Any:
    with bridge(request).sessions() as session:
        yield session


DB = Annotated[BridgeSession, Depends(db)]


async def api_key(request: Request) -> KeyInfo | None:
    """The caller's API key from ``Authorization: Bearer ost_…``, or None if none was sent; refused if wrong.

    A verified key is remembered for a second, so a revoked key is refused within a second."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise Problem(401, "Send the API key as `Authorization: Bearer ost_…`.", kind="unauthorized",
                      headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    b = bridge(request)
    key = b.known_key(presented.strip())
    if key is MISSING:
        key = await run_in_threadpool(b.check_key, presented.strip())
    if key is None:
        raise Problem(401, "The API key is unknown or revoked.", kind="unauthorized",
                      headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    wait = b.limiter.take(key.id)
    if wait:
        raise Problem(429, f"Too many requests for this key; retry in {wait:.1f} s.", kind="rate-limited",
                      headers={"Retry-After": str(max(1, round(wait)))})  # fmt: skip
    request.state.key_id = key.id
    return key


Key = Annotated[KeyInfo | None, Depends(api_key)]


def _require_coordinator(b: Bridge, address: str) -> None:
    try:
        allowed = b.chain.is_coordinator(address)
    except Unreachable:
        raise Problem(503, "The chain cannot be reached to check the coordinator's role, and the role was not "
                           "seen recently; retry shortly.", kind="chain-unreachable",
                      headers={"Retry-After": "5"}) from None  # fmt: skip
    if not allowed:
        raise Problem(403, f"{address} does not hold COORDINATOR_ROLE in this town.", kind="not-a-coordinator")


# ── the app ──


def create_app(settings: BridgeSettings | None = None, *, relayer: LocalAccount | None = None) -> FastAPI:
    """The bridge for the town of ``settings.manifest`` (settings from the environment when not given)."""
    settings = settings or BridgeSettings()  # type: ignore[call-arg]
    state = Bridge(settings, relayer)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_worker:
            state.worker.start()
        yield
        state.worker.stop()
        state.intake.stop()
        state.engine.dispose()

    app = FastAPI(
        title="One Small Town bridge",
        version="1",
        description="Coordinators submit verified participations; the bridge mints INFINITY on chain, exactly once.",
        lifespan=lifespan,
    )
    app.state.bridge = state
    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_middleware(Guard, max_body=settings.max_body_bytes)

    accepted_links = {"links": {
        "GetParticipation": {"operationId": "getParticipation",
                             "parameters": {"participation_id": "$response.body#/participation_id"}},
        "RecordMeal": {"operationId": "recordMeal",
                       "requestBody": {"participation_id": "$response.body#/participation_id"}},
        "GetMember": {"operationId": "getMember", "parameters": {"address": "$response.body#/member"}},
    }}  # fmt: skip

    conflict = {"description": "The id was used with a different body."}

    @app.post("/v1/participations", status_code=202, response_model=ParticipationOut,
              operation_id="submitParticipation", responses={202: accepted_links, 409: conflict})  # fmt: skip
    async def submit_participation(body: ParticipationIn, request: Request, key: Key) -> JSONResponse:
        """Accept a verified participation; INFINITY is minted for it once, whatever is retried."""
        b = bridge(request)
        if body.attestation is not None:
            coordinator = _check_attestation(b, body)
        elif key is not None:
            coordinator = key.coordinator
        else:
            raise Problem(401, "Authenticate with an API key (`Authorization: Bearer ost_…`) or sign the "
                               "participation (an `attestation`).", kind="unauthorized",
                          headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        digest = _body_hash(body)
        try:
            if not _rules_known_to_pass(b, coordinator, body):  # a chain call is needed: off the event loop
                await run_in_threadpool(_check_rules, b, coordinator, body)
        except Problem:
            # A retry of a participation accepted earlier gets its first answer, whatever changed since.
            earlier = await run_in_threadpool(_stored, b, body.participation_id)
            if earlier is None or earlier["body_hash"] != digest:
                raise
            return _accepted(earlier)
        now = utcnow()
        row = {
            "participation_id": body.participation_id, "key": "0x" + hash_id(body.participation_id).hex(),
            "body_hash": digest, "member": body.member, "project_id": body.project_id, "minutes": body.minutes,
            "evidence_uri": body.evidence_uri, "meal": body.meal, "coordinator": coordinator,
            "api_key_id": key.id if key else None,
            "attestation": {"deadline": body.attestation.deadline, "signature": body.attestation.signature}
            if body.attestation else None,
            "status": "queued", "batch_id": None, "tx_hash": None, "block": None, "minted": None, "reason": None,
            "attempts": 0, "created_at": now, "updated_at": now,
        }  # fmt: skip
        stored = await asyncio.wrap_future(b.intake.submit(row))
        if stored is None:
            raise Problem(409, "Another participation id maps to the same on-chain id.", kind="conflict")
        if stored["body_hash"] != digest:
            raise Problem(409, f"The participation {body.participation_id} was already submitted with a different "
                               "body; a participation id is used once.", kind="conflict")  # fmt: skip
        return _accepted(stored)

    @app.get("/v1/participations/{participation_id}", response_model=ParticipationOut, operation_id="getParticipation",
             responses={404: {"description": "Unknown participation."}})  # fmt: skip
    def get_participation(participation_id: str, session: DB) -> ParticipationOut:
        """Where a participation is: queued, submitted (with its transaction), confirmed (block, INF) or failed."""
        row = session.get(Participation, participation_id)
        if row is None:
            raise Problem(404, f"No participation {participation_id!r} was submitted here.", kind="not-found")
        return _out(row)

    @app.get("/v1/members/{address}", operation_id="getMember")
    def get_member(address: str, request: Request, session: DB) -> dict[str, Any]:
        """A member's (or investor's) INFINITY, shares, claimable profit, refunds due, and meals."""
        checked = _path_address(address)
        b = bridge(request)
        try:
            view = b.chain.member(checked)
        except Unreachable as exc:
            raise _away(exc) from None
        meals = session.scalar(select(func.count()).select_from(Meal).where(Meal.member == checked)) or 0
        pending = session.scalar(select(func.count()).select_from(Participation).where(
            Participation.member == checked, Participation.status.in_(("queued", "submitted")))) or 0  # fmt: skip
        view["infinity"] = str(view["infinity"])
        view["claimable"] = {k: str(v) for k, v in view["claimable"].items()}
        return {**view, "meals": int(meals), "participationsPending": int(pending)}

    @app.get("/v1/recoveries/{address}")
    def get_recovery(address: str, request: Request) -> dict[str, Any]:
        """Where the recovery of a lost address stands: none, proposed (to whom, by which Town Ambassador,
        awaiting the Country Ambassador) or confirmed (moved to the replacement, the old address refused)."""
        checked = _path_address(address)
        try:
            return bridge(request).chain.recovery(checked)
        except Unreachable as exc:
            raise _away(exc) from None

    @app.get("/v1/town")
    def get_town(request: Request, session: DB) -> dict[str, Any]:
        """The town at a glance: members, INFINITY issued, businesses, profit; and the bridge's counts."""
        b = bridge(request)
        try:
            summary = dict(b.chain.summary())
        except Unreachable as exc:
            raise _away(exc) from None
        counts = dict(session.execute(select(Participation.status, func.count()).group_by(Participation.status))
                      .all())  # fmt: skip
        summary["infinityIssued"] = str(summary["infinityIssued"])
        summary["profit"] = {k: str(v) for k, v in summary["profit"].items()}
        return {**summary, "participations": counts}

    @app.get("/v1/businesses")
    def list_businesses(request: Request) -> list[dict[str, Any]]:
        """Every business's sale: phase, shares sold against minimum and offer, price, time left, who may buy."""
        b = bridge(request)
        try:
            sales = b.chain.sales()
            out = []
            for sale in sales:
                symbol, decimals = b.chain.asset(sale.asset)
                out.append({
                    "id": sale.business_id, "name": sale.name, "symbol": sale.symbol, "phase": sale.phase,
                    "sold": sale.sold, "minimum": sale.minimum, "offered": sale.offered, "price": str(sale.price),
                    "asset": sale.asset, "assetSymbol": symbol, "assetDecimals": decimals,
                    "phaseEndsIn": sale.phase_ends_in, "finalized": sale.finalized, "sale": sale.sale,
                    "token": sale.token, "whoMayBuy": WHO_MAY_BUY[sale.phase],
                })  # fmt: skip
        except Unreachable as exc:
            raise _away(exc) from None
        return out

    @app.get("/v1/businesses/{business_id}/eligibility")
    def business_eligibility(
        business_id: int, request: Request, address: Annotated[str, Query(description="The would-be buyer.")]
    ) -> dict[str, Any]:
        """Whether ``address`` may buy this business's shares now and, if not, why, in plain words."""
        checked = _path_address(address)
        b = bridge(request)
        try:
            verdict = b.chain.eligibility(business_id, checked)
            if verdict is None:
                raise Problem(404, f"No business #{business_id} in this town.", kind="not-found")
        except Unreachable as exc:
            raise _away(exc) from None
        return {"eligible": verdict.eligible, "reason": verdict.reason, "sentence": verdict.sentence,
                "maxShares": verdict.max_shares, "opensAt": verdict.opens_at}  # fmt: skip

    @app.get("/v1/activity")
    def activity(request: Request) -> dict[str, Any]:
        """The latest rewards and the profit claimed so far (native coin)."""
        try:
            data = bridge(request).chain.activity()
        except Unreachable as exc:
            raise _away(exc) from None
        return {"rewards": [{**r, "amount": str(r["amount"])} for r in data["rewards"]],
                "profitClaimed": str(data["profitClaimed"])}  # fmt: skip

    @app.get("/v1/config")
    def config(request: Request) -> dict[str, Any]:
        """What the dashboard needs to build wallet transactions: the chain, the contracts, the call selectors."""
        b = bridge(request)
        contracts = {k: v["address"] for k, v in b.manifest["contracts"].items()}
        selectors = {name: "0x" + keccak(text=sig)[:4].hex() for name, sig in WALLET_CALLS.items()}
        return {"chainId": b.chain_id, "town": b.manifest["town"], "contracts": contracts, "selectors": selectors}

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.post("/v1/meals", status_code=201, response_model=MealOut, operation_id="recordMeal",
              responses={200: {"description": "Already recorded, identically."}, 409: {"description": "Recorded "
                         "differently."}})  # fmt: skip
    def record_meal(body: MealIn, request: Request, key: Key, session: DB) -> JSONResponse:
        """Record the community-kitchen meal served for a participation (at most one each)."""
        if key is None:
            raise Problem(401, "Recording a meal needs an API key.", kind="unauthorized",
                          headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        _require_coordinator(bridge(request), key.coordinator)
        participation = session.get(Participation, body.participation_id)
        if participation is None:
            raise Problem(404, f"No participation {body.participation_id!r} was submitted here.", kind="not-found")
        served_at = (body.served_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
        existing = session.get(Meal, body.participation_id)
        if existing is not None:
            if body.served_at is None or (existing.served_at, existing.note) == (served_at, body.note):
                return JSONResponse(_meal(existing).model_dump(mode="json"), status_code=200)
            raise Problem(409, f"A meal was already recorded for {body.participation_id}.", kind="conflict")
        meal = Meal(participation_id=body.participation_id, served_on=served_at.date().isoformat(), served_at=served_at,
                    member=participation.member, note=body.note, recorded_by=key.coordinator)  # fmt: skip
        try:
            with session.writing():
                session.add(meal)
        except IntegrityError:
            session.rollback()
            raise Problem(409, f"A meal was already recorded for {body.participation_id}.", kind="conflict") from None
        return JSONResponse(_meal(meal).model_dump(mode="json"), status_code=201)

    @app.get("/v1/meals", response_model=list[MealOut])
    def list_meals(session: DB, day: Annotated[date, Query(alias="date", description="YYYY-MM-DD (UTC)")]
                   ) -> list[MealOut]:  # fmt: skip
        """The meals served on one day."""
        rows = session.scalars(select(Meal).where(Meal.served_on == day.isoformat()).order_by(Meal.served_at))
        return [_meal(m) for m in rows]

    @app.get("/healthz", response_model=Health, responses={503: {"description": "The chain is unreachable."}})
    def health(request: Request) -> JSONResponse:
        """Chain reachable, queue depth and oldest waiting item, relayer balance (warned when low)."""
        b = bridge(request)
        warnings: list[str] = []
        chain: dict[str, Any] = {"chainId": b.chain_id, "reachable": False}
        relayer: dict[str, Any] = {"address": b.relayer.address}
        try:
            town = b.chain.town()
            chain.update(reachable=True, block=int(town.client.w3.eth.block_number))
            balance = town.client.balance(b.relayer.address)
            relayer.update(balance=str(balance), low=balance < b.settings.low_balance_wei)
            if balance < b.settings.low_balance_wei:
                warnings.append(f"The relayer {b.relayer.address} holds {balance} wei, below "
                                f"{b.settings.low_balance_wei}: fund it before it runs out of gas.")  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - any failure means unreachable here
            b.chain._local.town = None
            chain["error"] = str(exc)[:200]
            warnings.append("The chain cannot be reached: participations are accepted and wait in the queue.")
        depth, oldest = b.worker.queue_stats()
        if b.worker.problem:
            warnings.append(f"Minting is paused: {b.worker.problem}")
        if b.worker.last_error:
            warnings.append(f"The worker's last error: {b.worker.last_error[:200]}")
        body = Health(status="ok" if chain["reachable"] and not b.worker.problem else "degraded", chain=chain,
                      queue={"depth": depth, "oldestWaitingSeconds": oldest, "workerLeader": b.worker.leader},
                      relayer=relayer, warnings=warnings)  # fmt: skip
        return JSONResponse(body.model_dump(mode="json"), status_code=200 if chain["reachable"] else 503)

    return app


def _path_address(address: str) -> str:
    """An address from the URL, checksummed, or a 422 saying what is wrong with it."""
    try:
        return _address(address)
    except ValueError as exc:
        raise Problem(422, f"{address!r}: {exc}.", kind="invalid-input") from None


def _away(exc: Exception) -> Problem:
    return Problem(503, f"The chain cannot be reached: {exc}", kind="chain-unreachable", headers={"Retry-After": "5"})


def _accepted(row: dict[str, Any]) -> JSONResponse:
    body = _out(SimpleNamespace(**row)).model_dump(mode="json")  # type: ignore[arg-type]
    return JSONResponse(body, status_code=202, headers={"Location": body["links"]["self"]})


def _meal(m: Meal) -> MealOut:
    return MealOut(participation_id=m.participation_id, member=m.member, served_on=m.served_on,
                   served_at=m.served_at.replace(tzinfo=UTC), note=m.note, recorded_by=m.recorded_by)  # fmt: skip


def _check_attestation(b: Bridge, body: ParticipationIn) -> str:
    att = body.attestation
    assert att is not None
    try:
        signer = participation_signer(
            bytes.fromhex(att.signature[2:]), b.chain_id, b.infinity, member=body.member, minutesWorked=body.minutes,
            participationId=hash_id(body.participation_id), projectId=body.project_id, coordinator=att.coordinator,
            deadline=att.deadline,
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - eth-keys raises several kinds for a malformed signature
        signer = ""
    if signer != att.coordinator:
        raise Problem(401, "The attestation's signature is not the coordinator's for this participation.",
                      kind="bad-signature")  # fmt: skip
    if att.deadline < time.time():
        raise Problem(422, f"The attestation expired at {att.deadline} (unix time).", kind="expired")
    return att.coordinator


def _rules_known_to_pass(b: Bridge, coordinator: str, body: ParticipationIn) -> bool:
    """True when cached answers show the coordinator, the project and the member are all fine."""
    project = b.chain.fresh("project", body.project_id)
    return (b.chain.fresh("role", coordinator) is True and project is not MISSING and bool(project[2])
            and b.chain.fresh("member", body.member) is True)  # fmt: skip


def _check_rules(b: Bridge, coordinator: str, body: ParticipationIn) -> None:
    """Refuse what the contract would refuse for sure; if the chain is away, the worker finds out later."""
    _require_coordinator(b, coordinator)
    try:
        tokens, _, active = b.chain.project(body.project_id)
        if not active:
            what = "is not active" if tokens else "does not exist"
            raise Problem(422, f"Project {body.project_id} {what} in this town.", kind="unknown-project")
        if not b.chain.is_member(body.member):
            raise Problem(422, f"{body.member} is not a member of this town.", kind="not-a-member")
    except Unreachable:
        log.warning("chain unreachable: accepting %s unchecked", body.participation_id)


def _stored(b: Bridge, participation_id: str) -> dict[str, Any] | None:
    with b.sessions() as session:
        row = session.get(Participation, participation_id)
        return None if row is None else {c: getattr(row, c) for c in COLUMNS}


# ── middleware: request ids, body limit, access log ──


class BodyTooLarge(Exception):
    pass


class Guard:
    """Gives every request an id (``X-Request-ID``), refuses bodies over the limit, logs one line per request."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:  # fmt: skip
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
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, counted, tagged)
        except BodyTooLarge:
            if not status[0]:
                await self._refuse(scope, send, request_id)
        finally:
            log.info("%s %s %s %d %.1fms", request_id, scope["method"], scope["path"], status[0] or 413,
                     (time.monotonic() - started) * 1000)  # fmt: skip

    async def _refuse(self, scope: Scope, send: Callable[[Any], Awaitable[None]], request_id: str) -> None:
        from .problems import PROBLEM, problem_body

        body = json.dumps(problem_body(413, f"The body is larger than {self.max_body} bytes.", kind="body-too-large",
                                       instance=scope["path"], request_id=request_id)).encode()  # fmt: skip
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode()),
                                (b"x-request-id", request_id.encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})


__all__ = ["Bridge", "create_app"]
