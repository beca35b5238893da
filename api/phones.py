"""Phone members, as the Town and Country Ambassadors manage them: their signed orders, carried out.

An order (``ost_chain.phones``) is signed by an ambassador's own key. The bridge recovers the signer, checks
on chain that they hold the role the step needs, refuses an order seen before or out of date, and records
each order it carries out, with its signer, in the same transaction as what it did. A lost SIM moves only
with two signatures, the Town Ambassador's proposal and the Country Ambassador's confirmation, as a lost
wallet does; an account is unlocked with a one-time PIN the Town Ambassador hands over in person.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Select, or_, select, update

from ost_chain.eip712 import phone_order_typed_data, typed_signer
from ost_chain.enums import Role
from ost_chain.exceptions import ConfigError
from ost_chain.phones import ORDER_SECONDS, pin_digest
from ost_chain.townclient import Town

from .custody import PIN_TRIES, Vault, e164, hash_pin, valid_pin
from .db import BridgeSession, PhoneAccount, PhoneMove, PhoneOrder, Sms, utcnow
from .i18n import Words, _, sentence_of
from .models import PhoneOrderCreate
from .problems import Problem

NOT_TOWN_AMBASSADOR = _("{signer} is not the Town Ambassador of {town}: only they may do this.")
NOT_COUNTRY_AMBASSADOR = _("{signer} is not the Country Ambassador of {town}: only they may do this.")
NEEDS = {
    "sign-up": (Role.TOWN_AMBASSADOR, NOT_TOWN_AMBASSADOR),
    "reset-pin": (Role.TOWN_AMBASSADOR, NOT_TOWN_AMBASSADOR),
    "propose-move": (Role.TOWN_AMBASSADOR, NOT_TOWN_AMBASSADOR),
    "list": (Role.TOWN_AMBASSADOR, NOT_TOWN_AMBASSADOR),
    "confirm-move": (Role.COUNTRY_AMBASSADOR, NOT_COUNTRY_AMBASSADOR),
}


def signer_of(town: Town, chain_id: int, order: PhoneOrderCreate) -> str:
    """Who signed ``order``, once it is checked: in date, unseen (the caller records it), by who may give it."""
    now = int(time.time())
    if not now <= order.deadline <= now + ORDER_SECONDS + 60:
        raise Problem(
            422, Words("This order is out of date: sign it again (an order is good for ten minutes)."), kind="expired"
        )
    message = {
        **order.model_dump(include={"action", "phone", "detail", "deadline"}),
        "nonce": bytes.fromhex(order.nonce[2:]),
    }
    try:
        signer = typed_signer(
            phone_order_typed_data(chain_id, town.registry.address, message), bytes.fromhex(order.signature[2:])
        )
    except ValueError:
        raise Problem(422, Words("This order's signature cannot be read."), kind="invalid-signature") from None
    role, refusal = NEEDS[order.action]
    if not town.has_role(role, signer):
        raise Problem(403, Words(refusal, signer=signer, town=town.name), kind="not-allowed")
    return signer


def carry_out(
    session: BridgeSession,
    vault: Vault,
    order: PhoneOrderCreate,
    signer: str,
    region: str,
    town: Town,
    names: dict[str, str] | None = None,
) -> dict[str, Any] | list[dict[str, Any]]:
    """Do what ``order`` says (its signer checked, as one of ``town``'s ambassadors), recording the order with it;
    the answer for its signer. An order acts on ``town``'s phone members only (``names``: the towns served, by
    registry, to say whose a number is)."""
    if session.get(PhoneOrder, order.nonce.lower()) is not None:
        raise Problem(409, Words("This order was carried out already: sign a new one."), kind="conflict")
    registry = town.registry.address
    if order.action == "list":  # recorded too: a captured list order cannot be replayed to read the numbers
        with session.writing():
            session.add(PhoneOrder(nonce=order.nonce.lower(), action="list", phone="", signer=signer, town=registry))
        return listed(session, registry)
    try:
        number = e164(order.phone, region)
    except ConfigError as exc:
        raise Problem(422, sentence_of(exc), kind="invalid-input") from None
    record = PhoneOrder(nonce=order.nonce.lower(), action=order.action, phone=number, signer=signer, town=registry)
    if order.action == "sign-up":
        return sign_up(session, vault, record, number, order.detail)
    if order.action == "reset-pin":
        return reset_pin(session, vault, record, number, order, names or {})
    new = e164(order.detail, region) if order.detail else ""
    if order.action == "propose-move":
        return propose_move(session, record, number, new, names or {})
    return confirm_move(session, record, number, new, names or {})


def sign_up(session: BridgeSession, vault: Vault, record: PhoneOrder, number: str, name: str) -> dict[str, Any]:
    """A custodial key made and sealed for ``number`` (or the one made before): the Town Ambassador signs its
    address up on chain next, so a stopped run is finished by running it again, never doubled."""
    if not name.strip():
        raise Problem(
            422, Words("Give the member's name: who sends them INF sees it before confirming."), kind="invalid-input"
        )
    if session.get(PhoneMove, number) is not None:
        raise Problem(
            409,
            Words("{number} moved to a new number after a lost SIM: it cannot hold an account again.", number=number),
        )
    account = session.get(PhoneAccount, number)
    if account is not None and account.town != record.town:
        # A phone member of another town joins this one too: the account stays its town's (its ambassador resets
        # and moves it), its address is signed up here next, and the member chooses the town when they dial. The
        # name given must be the account's: a mistyped number joins nobody, and tells nothing of whose it is.
        if _plain(name) != _plain(account.name):
            raise Problem(
                409,
                Words(
                    "{number} is a phone member's number in another town, under another name: check the number, and "
                    "give the name the member was signed up with there.",
                    number=number,
                ),
                kind="another-town",
            )
        with session.writing():
            session.add(record)
        return {"phone": account.phone, "address": account.address, "name": account.name, "new": False, "joined": True}
    new = account is None
    with session.writing():
        if account is None:
            key = Vault.new_account()
            account = PhoneAccount(
                phone=number, address=key.address, sealed_key=vault.seal(key), name=name[:60], town=record.town
            )
            account.pin_failures, account.pin_reset = 0, False
            session.add(account)
        session.add(record)
    return {"phone": account.phone, "address": account.address, "name": account.name, "new": new}


def reset_pin(
    session: BridgeSession,
    vault: Vault,
    record: PhoneOrder,
    number: str,
    order: PhoneOrderCreate,
    names: dict[str, str],
) -> dict[str, Any]:
    """Unlock an account (or forget a PIN) with the one-time PIN the order carries: the member enters it at the
    next dial, then chooses their own. Until then nobody else can set a PIN by dialling first."""
    pin = order.one_time_pin or ""
    if not valid_pin(pin) or pin_digest(pin) != order.detail:
        raise Problem(422, Words("A reset carries the one-time PIN it signed, of 4 to 6 digits."), kind="invalid-input")
    account = _account(session, number, record.town, names)
    with session.writing():
        account.pin_hash = hash_pin(vault.pepper(account.address, pin))
        account.pin_failures, account.pin_reset = 0, True
        session.add(record)
    return {"phone": account.phone, "unlocked": True}


def propose_move(
    session: BridgeSession, record: PhoneOrder, old: str, new: str, names: dict[str, str]
) -> dict[str, Any]:
    """The Town Ambassador's step for a lost SIM: propose moving the account of ``old`` to ``new``."""
    _account(session, old, record.town, names)
    if not new or session.get(PhoneAccount, new) is not None:
        if not new:
            raise Problem(409, Words("Give the new number: a SIM moves to a number that holds no account."))
        raise Problem(409, Words("{new} cannot take the account: a SIM moves to a number that holds none.", new=new))
    move = session.get(PhoneMove, old)
    if move is not None and move.confirmed_at is not None:
        raise Problem(409, Words("{old} moved to {new} already.", old=old, new=move.new_phone))
    with session.writing():
        if move is None:
            session.add(PhoneMove(old_phone=old, new_phone=new, proposed_by=record.signer, town=record.town))
        else:
            move.new_phone, move.proposed_by = new, record.signer
        session.add(record)
    return {"old": old, "new": new, "proposedBy": record.signer}


def confirm_move(
    session: BridgeSession, record: PhoneOrder, old: str, new: str, names: dict[str, str]
) -> dict[str, Any]:
    """The Country Ambassador's step: the account answers the new number, and the old one is refused for good."""
    move = session.get(PhoneMove, old)
    if move is None or move.new_phone != new or move.confirmed_at is not None or move.town != record.town:
        raise Problem(
            409,
            Words(
                "No move of {old} to {new} waits for confirmation: the Town Ambassador proposes it first.",
                old=old,
                new=new,
            ),
        )
    if move.proposed_by == record.signer:
        raise Problem(
            403, Words("A move needs two keys: the one who proposed it cannot confirm it."), kind="not-allowed"
        )
    account = _account(session, old, record.town, names)
    if session.get(PhoneAccount, new) is not None:
        raise Problem(
            409, Words("{new} was signed up since the move was proposed: propose a move to a free number.", new=new)
        )
    with session.writing():
        account.phone = new
        move.confirmed_by, move.confirmed_at = record.signer, utcnow()
        # Receipts not yet sent go to the new number, not to the lost SIM.
        session.execute(update(Sms).where(Sms.phone == old, Sms.status == "queued").values(phone=new))
        session.add(record)
    return {"phone": new, "address": account.address}


def _plain(name: str) -> str:
    """A name as it is compared: its words, without case or spacing."""
    return " ".join(name.casefold().split())


def _signed_up(town: str) -> Select[str]:
    """The numbers ``town``'s ambassador signed up, as signed."""
    return select(PhoneOrder.phone).where(PhoneOrder.town == town, PhoneOrder.action == "sign-up")


def _moved_here(session: BridgeSession, town: str) -> set[str]:
    """The numbers that those ``town``'s ambassador signed up moved to after a lost SIM (their own town's two keys
    move them), followed through every later move: a member who joined this town from another keeps their place
    here when their own town moves their SIM. The signed orders keep the numbers signed. (Moves are few: the map
    of them is read whole.)"""
    moved = dict(
        session.execute(select(PhoneMove.old_phone, PhoneMove.new_phone).where(PhoneMove.confirmed_at.is_not(None)))
        .tuples()
        .all()
    )
    if not moved:
        return set()
    now = set()
    for number in session.scalars(_signed_up(town).where(PhoneOrder.phone.in_(list(moved)))):
        seen = {number}
        while number in moved and moved[number] not in seen:  # a moved number holds no account again: no loop
            number = moved[number]
            seen.add(number)
        now.add(number)
    return now


def _joined(session: BridgeSession, number: str, town: str) -> bool:
    """Whether ``town``'s ambassador signed ``number`` up (a phone member of another town who joined it), under
    this number or one it moved from."""
    signed = session.scalar(_signed_up(town).where(PhoneOrder.phone == number).limit(1)) is not None
    return signed or number in _moved_here(session, town)


def listed(session: BridgeSession, town: str) -> list[dict[str, Any]]:
    """Every phone member of ``town`` (its registry), for its Town Ambassador: number, name, address, language, the
    PIN's state; and those of other towns who joined it (``joined``: their own town's ambassador manages them)."""

    def pin(account: PhoneAccount) -> str:
        if account.pin_failures >= PIN_TRIES:
            return "locked"
        if account.pin_reset:
            return "one-time"
        return "set" if account.pin_hash else "not yet"

    here = or_(
        PhoneAccount.town == town,
        PhoneAccount.phone.in_(_signed_up(town)),
        PhoneAccount.phone.in_(list(_moved_here(session, town))),
    )
    rows = session.scalars(select(PhoneAccount).where(here).order_by(PhoneAccount.created_at))
    # A member who joined from another town: its own town's ambassador sees (and resets) the PIN's state and the
    # language, not this one's.
    return [
        {
            "phone": r.phone,
            "name": r.name,
            "address": r.address,
            "language": r.language if r.town == town else None,
            "pin": pin(r) if r.town == town else "of another town",
            "joined": r.town != town,
        }
        for r in rows
    ]


def _account(session: BridgeSession, number: str, town: str, names: dict[str, str]) -> PhoneAccount:
    """The phone account of ``number`` in ``town`` (its registry): another town's is none of this town's, and a
    member who joined this town from another is managed by the ambassadors of the town that signed them up."""
    account = session.get(PhoneAccount, number)
    joined = account is not None and account.town != town and _joined(session, number, town)
    if account is not None and joined:
        raise Problem(
            409,
            Words(
                "{number} is a phone member of {home} who joined this town too: the Town Ambassador of {home} resets "
                "their PIN and moves their number.",
                number=number,
                home=names.get(account.town, account.town),
            ),
            kind="another-town",
        )
    if account is None or account.town != town:
        raise Problem(404, Words("{number} holds no account in this town's bridge.", number=number), kind="not-found")
    return account
