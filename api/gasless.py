"""The relay desk: a member's signed forward request checked at the door, before anything is queued or sent.

No API key: the member's signature is the authority, so the town's policy bounds what anyone can make
the relayer pay. In order: the signature (recovered here; the signer is who the rest is about), the
address's pace, the town's allowlist of contracts and functions, who may (members and verified country
residents), the nonce (the forwarder's next for the signer, one action waiting at a time), the deadline,
the smallest INF transfer, today's quota (actions and gas, the town's day), and last a simulation of the
call exactly as the forwarder will make it: a request that would revert is refused and costs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ost_chain.actions import MemberAction, allowlist, on_contract
from ost_chain.artifacts import Artifacts
from ost_chain.enums import Tier
from ost_chain.gasless import ForwardRequest, GaslessPolicy
from ost_chain.manifest import TownManifest
from ost_chain.member import Member
from ost_chain.townclient import Town
from ost_chain.units import money

from . import relay_quota as quota
from .db import BridgeSession, RelayRequest, RelayStatus, utcnow
from .i18n import Words
from .pace import RateLimiter, hold_to_pace
from .problems import Problem
from .relay_chain import ChainCheck
from .worker.relay import Reverted

MAX_REQUEST_GAS = 1_000_000  # one member action never needs more
MIN_DEADLINE_SECONDS = 60  # a request about to expire would only expire in the queue
MAX_DEADLINE_SECONDS = 7_200  # a signed request stays valid on chain until its deadline: not for long
CLIENT_SHARE = 10  # requests one address may send that no member signed: this many members' worth
DOOR_SHARE = 100  # requests one address may send at all (a town's Wi-Fi, a household): this many members' worth
GATEWAY_SHARE = 1_000  # requests a gateway that shows the town's secret may send: this many members' worth
GATEWAY = "gateway:"  # how a client that showed the town's gateway secret is named
LISTING_RECHECK_SECONDS = 5.0
BUDGET_SECONDS = 2.0  # the town's day's gas is counted again from the database at most this often


@dataclass(frozen=True)
class Checked:
    """A request that passed every check: the row to queue."""

    row: dict[str, Any]


class RelayDesk:
    """The door of ``POST /v1/relay``: the town's policy, its allowlist, the checks."""

    def __init__(self, manifest_path: Path, artifacts: Artifacts, chain_id: int, relayer: str, rpc_url: str) -> None:
        self.manifest_path, self.chain_id, self.relayer, self.rpc_url = manifest_path, chain_id, relayer, rpc_url
        self.queued: Callable[[], None] = lambda: None  # told when rows are in (the worker's wake)
        self._policy_read: tuple[float, GaslessPolicy] | None = None
        # contract → selector → (the member action, its function): the registry's, from the compiled ABIs
        self.by_contract = allowlist(lambda contract: artifacts.get(contract)["abi"])
        self.chain = ChainCheck(artifacts, relayer, rpc_url)
        self.clock: Callable[[], float] = time.monotonic  # the pace's clock (a test sets its own)
        self.pace: RateLimiter | None = None  # per member (signer)
        self.door: RateLimiter | None = None  # per client address (or gateway), before any signature is checked
        self.strangers: RateLimiter | None = None  # per client address, for requests no member signed
        self.gateways: RateLimiter | None = None  # per gateway that showed the town's secret
        # The desk whose paces this one uses (one bridge serving several towns paces each client and member once
        # across them all, at its first town's rates); None: its own.
        self.paced_by: RelayDesk | None = None
        # The town's day's budget of the relayer's gas (the bridge's town_gas_per_day; 0: none), and what its day
        # has taken: counted from the database at most every BUDGET_SECONDS, and added to as this desk queues.
        self.budget = 0
        self._spent: tuple[str, float, int] = ("", -BUDGET_SECONDS, 0)
        self._targets: dict[str, str] = {}  # address (lower) → contract name
        self._listed = -1
        self._targets_checked = 0.0

    # ── the town's policy, read again whenever the plan's deployment changes the manifest ──

    def policy(self) -> GaslessPolicy:
        stamp = self.manifest_path.stat().st_mtime
        if self._policy_read is None or self._policy_read[0] != stamp:
            self._policy_read = (stamp, TownManifest.read(self.manifest_path).gasless)
            rate = self._policy_read[1].requests_per_minute
            if self.pace is None or self.pace.burst != rate:
                self.pace = RateLimiter(rate / 60, rate, self.clock)
                self.door = RateLimiter(rate * DOOR_SHARE / 60, rate * DOOR_SHARE, self.clock)
                self.gateways = RateLimiter(rate * GATEWAY_SHARE / 60, rate * GATEWAY_SHARE, self.clock)
                self.strangers = RateLimiter(rate * CLIENT_SHARE / 60, rate * CLIENT_SHARE, self.clock)
        return self._policy_read[1]

    # ── the checks ──

    def accept(self, session: BridgeSession, town: Town, request: ForwardRequest, client: str | None) -> RelayRequest:
        """Check ``request`` and queue it; the row. ``client`` None: a request the bridge itself signed for a phone
        member (paced by member only)."""
        checked = self.check(session, town, request, client)
        now = utcnow()
        row = RelayRequest(**checked.row, created_at=now, updated_at=now)
        try:
            with session.writing():
                session.add(row)
            self._charged([row])
            self.queued()
        except IntegrityError:
            session.rollback()
            raise Problem(
                409,
                Words(
                    "Another request with nonce {nonce} of {sender} arrived first.",
                    nonce=request.nonce,
                    sender=request.sender,
                ),
                kind="replayed",
            ) from None
        return row

    def spent_today(self, session: BridgeSession, day: str, registry: str) -> int:
        """The gas the town's day has taken of its budget, with what this desk queued since it last counted."""
        counted_day, at, gas = self._spent
        if counted_day != day or self.clock() - at >= BUDGET_SECONDS:
            self._spent = (day, self.clock(), quota.town_used_today(session, day, registry))
        return self._spent[2]

    def _charged(self, rows: list[RelayRequest]) -> None:
        day, at, gas = self._spent
        self._spent = (day, at, gas + sum(int(r.estimate) for r in rows if r.day == day))

    def accept_many(self, session: BridgeSession, town: Town, requests: list[ForwardRequest]) -> list[RelayRequest]:
        """Several actions of one member the bridge signed for it (a phone member's claim, part by part), with
        consecutive nonces, queued together: the first checked as any, the next as its followers (each within the
        day's quota, its call simulated). As many as pass, in order; the first refusal raised if none does."""
        rows: list[RelayRequest] = []
        used = (0, 0)
        for position, request in enumerate(requests):
            try:
                checked = self.check(session, town, request, None, position=position, before=used)
            except Problem:
                if not rows:
                    raise
                break
            now = utcnow()
            rows.append(RelayRequest(**checked.row, created_at=now, updated_at=now))
            used = (used[0] + 1, used[1] + int(checked.row["estimate"]))
        try:
            with session.writing():
                session.add_all(rows)
            self._charged(rows)
            self.queued()
        except IntegrityError:  # the same actions, sent again while the first were being checked
            session.rollback()
            raise Problem(409, Words("These actions were queued already."), kind="replayed") from None
        return rows

    def check(
        self,
        session: BridgeSession,
        town: Town,
        request: ForwardRequest,
        client: str | None,
        *,
        position: int = 0,
        before: tuple[int, int] = (0, 0),
    ) -> Checked:
        """Every check of the door, in order (see the module). ``position``: the request follows that many of the
        same member's in one group (``before``: their actions and gas, not yet stored)."""
        policy, manifest = self.policy(), town.record
        name = self.domain_name(town)
        gate = self.paced_by or self
        gate.policy()  # its paces, at its rates
        assert gate.pace is not None and gate.door is not None and gate.gateways is not None
        # Paced by where it comes from before any work, generously (a town's Wi-Fi is one address for many members;
        # a gateway that shows the town's secret, more so), then by the member once the signature shows who that
        # is; a request that no member signed is paced by where it comes from as well (a client may sign with a new
        # key every time).
        if client is not None:
            door = gate.gateways if client.startswith(GATEWAY) else gate.door
            hold_to_pace(door, client, Words("Too many requests from this client"))
        signer = request.signer(self.chain_id, town.forwarder.address, name)
        if signer is None or signer != request.sender:
            self._stranger(client)
            raise Problem(
                422,
                Words(
                    "The signature is not {sender}'s signature of this request for this town's forwarder: it was "
                    "signed for another town, or changed after signing.",
                    sender=request.sender,
                ),
                kind="bad-signature",
            )
        hold_to_pace(gate.pace, signer, Words("Too many requests from this address"))
        action = self._allowed(town, request)
        if request.value:
            raise Problem(
                422, Words("A relayed action carries no coin: the town pays gas, never a payment."), kind="refused"
            )
        if request.gas > MAX_REQUEST_GAS:
            raise Problem(
                422,
                Words(
                    "The request asks {gas} gas; one action may use {most}.",
                    gas=f"{request.gas:,}",
                    most=f"{MAX_REQUEST_GAS:,}",
                ),
                kind="refused",
            )
        waiting = session.scalars(
            select(RelayRequest.id).where(
                RelayRequest.signer == signer, RelayRequest.status.in_((RelayStatus.QUEUED, RelayStatus.SUBMITTED))
            )
        ).first()
        if waiting is not None and position == 0:
            raise Problem(
                409,
                Words(
                    "{signer}'s previous action ({waiting}) is still on its way: send the next one once it is "
                    "confirmed.",
                    signer=signer,
                    waiting=waiting,
                ),
                kind="one-at-a-time",
                relayId=waiting,
            )
        tier_read, nonce_read, latest, needed = self.chain.reads(town, request, signer)
        if isinstance(tier_read, Reverted) or int(tier_read, 16) == Tier.WORLD:
            self._stranger(client)
        if isinstance(tier_read, Reverted):  # the registry refuses a recovered address
            moved = Member(town, signer).moved_to()
            raise Problem(
                403,
                Words(
                    "{signer} lost its wallet and everything moved to {moved}: sign with that account.",
                    signer=signer,
                    moved=moved,
                ),
                kind="recovered",
            )
        tier = Tier(int(tier_read, 16))
        if tier is Tier.WORLD:
            raise Problem(
                403,
                Words(
                    "{signer} is not a member of {town} nor a verified resident of its country: the town pays gas for "
                    "its own people only.",
                    signer=signer,
                    town=manifest.town,
                ),
                kind="not-a-member",
            )
        expected = int(nonce_read, 16) + position
        if request.nonce < expected:
            raise _replayed(signer, request.nonce)
        if request.nonce > expected:
            raise Problem(
                409,
                Words(
                    "Nonce {nonce} is ahead of {signer}'s next one ({expected}): sign it with {expected}.",
                    nonce=request.nonce,
                    signer=signer,
                    expected=expected,
                ),
                kind="bad-nonce",
            )
        now = int(latest["timestamp"], 16)  # the forwarder's clock
        if request.deadline < now + MIN_DEADLINE_SECONDS:
            raise Problem(
                422,
                Words("The request has expired (or expires within a minute): sign it again with a later deadline."),
                kind="expired",
            )
        if request.deadline > now + MAX_DEADLINE_SECONDS:
            raise Problem(
                422,
                Words(
                    "The request's deadline is more than two hours away, and a signed request stays usable until "
                    "then: sign it again with a nearer one."
                ),
                kind="deadline-too-far",
            )
        if action.slug == "send-inf":
            _, amount = abi_decode(["address", "uint256"], request.data[4:])
            least = int(policy.min_inf_transfer * 10**18)
            if amount < least:
                raise Problem(
                    422,
                    Words(
                        "The town relays INF transfers of {least} or more; this one sends {amount}.",
                        least=money(least, 18, "INF"),
                        amount=money(amount, 18, "INF"),
                    ),
                    kind="below-minimum",
                )
        today = quota.today(manifest)
        registry = town.registry.address  # the town whose desk this is: its quotas are its own
        quota.within_quota(session, signer, today, policy, 0, before, town=registry)
        contract = self._targets.get(request.to.lower())
        estimate = self.chain.simulate(town, request, needed, contract, follower=position > 0)
        quota.within_quota(session, signer, today, policy, estimate, before, town=registry)  # with this action's gas
        spent = self.spent_today(session, today[0], registry)
        quota.within_town_budget(spent, self.budget, estimate + before[1], today, town.record.town)
        day = today[0]
        return Checked(
            {
                "id": "0x" + request.digest(self.chain_id, town.forwarder.address, name).hex(),
                "signer": signer,
                "target": request.to,
                "town": registry,
                "action": action.slug,
                "nonce": request.nonce,
                "gas": request.gas,
                "deadline": request.deadline,
                "data": "0x" + request.data.hex(),
                "signature": "0x" + request.signature.hex(),
                "estimate": estimate,
                "day": day,
                "counted": True,
                "status": RelayStatus.QUEUED,
                "attempts": 0,
            }
        )

    def _stranger(self, client: str | None) -> None:
        """Pace a request no member signed by where it came from: refused with 429 past the client's share."""
        strangers = (self.paced_by or self).strangers
        if client is not None and strangers is not None:
            hold_to_pace(strangers, client, Words("Too many requests from this client"))

    def _allowed(self, town: Town, request: ForwardRequest) -> MemberAction:
        """The member action ``request`` calls, or a 422 naming those the town relays on its target."""
        contract = self._target(town, request.to)
        if contract is None:
            raise Problem(
                422,
                Words(
                    "{to} is not a contract of {town} the town relays for: its INFINITY token, its profit "
                    "distributor, and its businesses' sales and share tokens.",
                    to=request.to,
                    town=town.record.town,
                ),
                kind="not-allowed",
            )
        hit = self.by_contract[contract].get(request.data[:4])
        if hit is None:
            raise Problem(
                422,
                Words(
                    "The town relays only these actions on its {contract}: {actions}.",
                    contract=contract,
                    actions=", ".join(sorted(a.words for a in on_contract(contract))),
                ),
                kind="not-allowed",
            )
        return hit[0]

    def _target(self, town: Town, address: str) -> str | None:
        key = address.lower()
        if key in self._targets:
            return self._targets[key]
        if time.monotonic() < self._targets_checked + LISTING_RECHECK_SECONDS and self._listed >= 0:
            return None
        targets = town.relay_targets()
        self._targets, self._listed, self._targets_checked = targets, len(targets), time.monotonic()
        return targets.get(key)

    def domain_name(self, town: Town) -> str:
        if not hasattr(self, "_name"):
            self._name = town.forwarder_name()
        return self._name


def _replayed(signer: str, nonce: int) -> Problem:
    return Problem(
        409,
        Words(
            "Nonce {nonce} of {signer} was already used on chain: this request was relayed before, or replaced. Sign "
            "the action again.",
            nonce=nonce,
            signer=signer,
        ),
        kind="replayed",
    )
