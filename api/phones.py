"""Phone members, as the Town and Country Ambassadors manage them: sign-up by phone number, a PIN reset, a lost SIM.

Each step checks on chain that its signer holds the role it needs; a lost SIM moves only with two keys, the
Town Ambassador's proposal and the Country Ambassador's confirmation, as a lost wallet does.
"""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from sqlalchemy import select, update

from ost_chain.enums import Role
from ost_chain.exceptions import ConfigError
from ost_chain.townclient import NotAllowed, Town

from .custody import Vault, e164
from .db import BridgeSession, PhoneAccount, PhoneMove, Sms, utcnow


def _holds(town: Town, role: str, signer: LocalAccount, words: str) -> None:
    if not town.has_role(role, signer.address):
        raise NotAllowed(f"{signer.address} is not {words} of {town.name}: only they may do this.")


def sign_up(
    session: BridgeSession, vault: Vault, town: Town, ambassador: LocalAccount, phone: str, name: str, region: str
) -> tuple[PhoneAccount, bool]:
    """A member by phone number: a custodial key made and sealed, recorded, then its address signed up on chain by
    the Town Ambassador. Again for the same number: its address signed up if it is not yet. (account, new)."""
    _holds(town, Role.TOWN_AMBASSADOR, ambassador, "the Town Ambassador")
    number = e164(phone, region)
    if session.get(PhoneMove, number) is not None:
        raise NotAllowed(f"{number} moved to a new number after a lost SIM: it cannot hold an account again.")
    account = session.get(PhoneAccount, number)
    new = account is None
    if account is None:
        key = Vault.new_account()
        account = PhoneAccount(phone=number, address=key.address, sealed_key=vault.seal(key), name=name[:60])
        account.pin_failures = 0
        with session.writing():  # recorded before the chain hears of it: a stopped run is resumed, never doubled
            session.add(account)
    town.add_members(ambassador, [account.address])
    return account, new


def reset_pin(session: BridgeSession, town: Town, ambassador: LocalAccount, phone: str, region: str) -> PhoneAccount:
    """Unlock an account (or forget a PIN): the member chooses a new PIN at the next dial."""
    _holds(town, Role.TOWN_AMBASSADOR, ambassador, "the Town Ambassador")
    account = _account(session, e164(phone, region))
    account.pin_hash, account.pin_failures = None, 0
    session.save()
    return account


def propose_move(
    session: BridgeSession, town: Town, ambassador: LocalAccount, old: str, new: str, region: str
) -> PhoneMove:
    """The Town Ambassador's step for a lost SIM: propose moving the account of ``old`` to ``new``."""
    _holds(town, Role.TOWN_AMBASSADOR, ambassador, "the Town Ambassador")
    old, new = e164(old, region), e164(new, region)
    _account(session, old)
    if session.get(PhoneAccount, new) is not None:
        raise NotAllowed(f"{new} already holds an account: a SIM moves to a number that holds none.")
    move = session.get(PhoneMove, old)
    if move is not None and move.confirmed_at is not None:
        raise NotAllowed(f"{old} moved to {move.new_phone} already.")
    with session.writing():
        if move is None:
            move = PhoneMove(old_phone=old, new_phone=new, proposed_by=ambassador.address)
            session.add(move)
        else:
            move.new_phone, move.proposed_by = new, ambassador.address
    return move


def confirm_move(
    session: BridgeSession, town: Town, country_ambassador: LocalAccount, old: str, new: str, region: str
) -> PhoneAccount:
    """The Country Ambassador's step: the account answers the new number, and the old one is refused for good."""
    _holds(town, Role.COUNTRY_AMBASSADOR, country_ambassador, "the Country Ambassador")
    old, new = e164(old, region), e164(new, region)
    move = session.get(PhoneMove, old)
    if move is None or move.new_phone != new or move.confirmed_at is not None:
        raise NotAllowed(f"No move of {old} to {new} waits for confirmation: the Town Ambassador proposes it first.")
    if move.proposed_by == country_ambassador.address:
        raise NotAllowed("A move needs two keys: the one who proposed it cannot confirm it.")
    account = _account(session, old)
    if session.get(PhoneAccount, new) is not None:
        raise NotAllowed(f"{new} was signed up since the move was proposed: propose a move to a free number.")
    with session.writing():
        account.phone = new
        move.confirmed_by, move.confirmed_at = country_ambassador.address, utcnow()
        # Receipts not yet sent go to the new number, not to the lost SIM.
        session.execute(update(Sms).where(Sms.phone == old, Sms.status == "queued").values(phone=new))
    return account


def listed(session: BridgeSession) -> list[PhoneAccount]:
    return list(session.scalars(select(PhoneAccount).order_by(PhoneAccount.created_at)))


def _account(session: BridgeSession, number: str) -> PhoneAccount:
    account = session.get(PhoneAccount, number)
    if account is None:
        raise ConfigError(f"{number} holds no account in this town's bridge.")
    return account
