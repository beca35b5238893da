"""What a participation must pass before the bridge takes it: its member named by phone, a signed one's signature and
its signer's pace, and what the town's contracts would refuse for sure (with cached answers when they all pass)."""

from __future__ import annotations

import logging
import time

from sqlalchemy import func, select

from ost_chain.eip712 import participation_signer
from ost_chain.exceptions import OstError
from ost_chain.units import hash_id

from .bridge import Bridge
from .chain import MISSING, ChainView, Unreachable
from .custody import e164
from .db import Participation, PhoneAccount, Status
from .deps import hold_to_pace, require_coordinator
from .i18n import When, Words, sentence_of
from .models import ParticipationCreate
from .problems import Problem
from .towns import ServedTown

log = logging.getLogger("ost.bridge")
# Half the order of secp256k1: a signature with a larger s has a twin the contract (OpenZeppelin's ECDSA) refuses.
HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


def phone_member(bridge: Bridge, served: ServedTown, phone: str) -> str:
    """The address of ``served``'s phone member ``phone`` (its own, or another town's who is a member here too), or
    a 422 saying there is none."""
    try:
        number = e164(phone, bridge.options.phone_region)
    except OstError as exc:
        raise Problem(422, sentence_of(exc), kind="invalid-input") from None
    with bridge.sessions() as session:
        account = session.get(PhoneAccount, number)
    # The town's own phone member, or one of another town who is a member here too (on chain); else nobody here.
    ours = account is not None and (account.town == served.registry or member_here(served, account.address, number))
    if account is None or not ours:
        said = Words("No member of this town has the phone number {number}.", number=number)
        raise Problem(422, said, kind="unknown-phone")
    return account.address


def member_here(served: ServedTown, address: str, number: str) -> bool:
    """Whether another town's phone member (``address``, of ``number``) is a member of ``served`` too; with the
    chain away and the answer not seen recently, a 503 to retry (not "nobody here", which no client retries; nor
    taken unchecked, which could tell another town's coordinator whose the number is)."""
    try:
        return served.chain.is_member(address)
    except Unreachable:
        raise Problem(
            503,
            Words(
                "The chain cannot be reached to check that {number} is a member of {town}; retry in a few seconds.",
                number=number,
                town=served.manifest.town,
            ),
            kind="chain-unreachable",
            headers={"Retry-After": "5"},
        ) from None


def check_attestation(served: ServedTown, body: ParticipationCreate) -> str:
    att = body.attestation
    assert att is not None
    signature = bytes.fromhex(att.signature[2:])
    if signature[64] not in (27, 28) or int.from_bytes(signature[32:64], "big") > HALF_ORDER:
        raise Problem(
            422,
            Words(
                "The attestation's signature is not in canonical form (a low s, and v of 27 or 28), as the contract "
                "requires: sign it again with a standard wallet."
            ),
            kind="bad-signature",
        )
    try:
        signer = participation_signer(
            bytes.fromhex(att.signature[2:]),
            served.manifest.chainId,
            served.manifest.address("InfinityToken"),
            member=body.member,
            minutesWorked=body.minutes,
            participationId=hash_id(body.participation_id),
            projectId=body.project_id,
            coordinator=att.coordinator,
            deadline=att.deadline,
        )
    except Exception:  # noqa: BLE001 - eth-keys raises several kinds for a malformed signature
        signer = ""
    if signer != att.coordinator:
        raise Problem(
            401,
            Words("The attestation's signature is not the coordinator's for this participation."),
            kind="bad-signature",
        )
    if att.deadline < time.time():
        when = When(att.deadline, served.manifest.timeZone)
        raise Problem(422, Words("The attestation expired on {when}.", when=when), kind="expired")
    return att.coordinator


def hold_signer_to_its_pace(bridge: Bridge, served: ServedTown, coordinator: str) -> None:
    """Signed participations need no key, so each signer is held to a pace and a number waiting: a flood of them
    cannot make the relayer pay without end, nor hold up everyone else's."""
    hold_to_pace(
        bridge.signers, coordinator, Words("Too many signed participations from {coordinator}", coordinator=coordinator)
    )
    with bridge.sessions() as session:
        waiting = session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(
                Participation.coordinator == coordinator,
                Participation.town == served.registry,
                Participation.attestation.is_not(None),
                Participation.status.in_((Status.QUEUED, Status.SUBMITTED)),
            )
        )
    if (waiting or 0) >= bridge.options.attestations_waiting:
        raise Problem(
            429,
            Words(
                "{coordinator} has signed participations waiting to be minted ({waiting}); send more once they are.",
                coordinator=coordinator,
                waiting=waiting,
            ),
            kind="rate-limited",
            headers={"Retry-After": "30"},
        )


def known_to_pass(chain: ChainView, coordinator: str, body: ParticipationCreate, minter: str | None) -> bool:
    """True when cached answers show the coordinator, the project and the member are all fine (and the relayer that
    mints it, ``minter``, a coordinator of the town)."""
    project = chain.fresh("project", body.project_id)
    cap = chain.fresh("cap", coordinator)
    return (
        (minter is None or chain.fresh("role", minter) is True)
        and chain.fresh("role", coordinator) is True
        and cap is not MISSING
        and cap > 0
        and project is not MISSING
        and bool(project.active)
        and chain.fresh("member", body.member) is True
    )


def check_rules(served: ServedTown, coordinator: str, body: ParticipationCreate, minter: str | None) -> None:
    """Refuse what the contract would refuse for sure; if the chain is away, the worker finds out later."""
    chain = served.chain
    require_coordinator(chain, coordinator)
    try:
        if minter is not None and not chain.is_coordinator(minter):
            raise Problem(
                503,
                Words(
                    "This bridge's relayer {relayer} is not a coordinator of {town}, so it cannot mint what is sent "
                    "with an API key there: the Town Ambassador grants it COORDINATOR_ROLE and a daily cap first "
                    "(or the coordinator signs each participation).",
                    relayer=minter,
                    town=served.manifest.town,
                ),
                kind="relayer-not-coordinator",
            )
        if chain.cap(coordinator) == 0:
            raise Problem(
                403,
                Words(
                    "{coordinator} has no daily cap in this town, so nothing it confirms can be minted: the Town "
                    "Ambassador sets one first (ost's plan, or setCoordinatorDailyCap).",
                    coordinator=coordinator,
                ),
                kind="no-daily-cap",
            )
        project = chain.project(body.project_id)
        if not project.active:
            said = (
                Words("Project {project} is not active in this town.", project=body.project_id)
                if project.tokensPerShift
                else Words("Project {project} does not exist in this town.", project=body.project_id)
            )
            raise Problem(422, said, kind="unknown-project")
        if not chain.is_member(body.member):
            raise Problem(422, Words("{member} is not a member of this town.", member=body.member), kind="not-a-member")
    except Unreachable:
        log.warning("chain unreachable: accepting %s unchecked", body.participation_id)
