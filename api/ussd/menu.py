"""The phone menu: a member with a basic phone dials the town's short code and answers numbered screens.

Africa's Talking's convention: each request carries the whole session so far (``text``, the answers
joined by ``*``), so the menu is worked out afresh from it every time; ``0`` goes back and ``00``
shows more. A reply starts ``CON `` (a screen that waits for an answer) or ``END `` (the last). The
first dial sets a language and a PIN; after that, every item that shows or does something private
asks for the PIN before it does (its flow, :mod:`api.ussd.items`). An action is signed with the member's
custodial key and queued through the relay desk, with its quotas: the member's address never holds coin for gas.

A step is worked out on a thread of the menu's own; a PIN's Argon2id work is done between two runs of
the step, on the PIN pool, while the step holds no thread (:meth:`PhoneMenu.reply`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from math import inf
from typing import TYPE_CHECKING

from anyio import CapacityLimiter, to_thread
from sqlalchemy import Update, delete, update
from sqlalchemy.exc import IntegrityError

from ost_chain.exceptions import ConfigError

from ..custody import PIN_TRIES, PinPool, PinWork, Vault, e164, valid_pin, vault_for
from ..db import BridgeSession, PhoneAccount, PhoneMove, UssdStep, utcnow
from ..holdings import HoldingsReader
from ..i18n import say
from ..index.book import checksummed
from .items import LANGUAGE_CHOICES, choose_language
from .layout import answers, trimmed
from .screens import PinNeeded, Screens

if TYPE_CHECKING:
    from ost_chain.artifacts import Artifacts
    from ost_chain.manifest import TownManifest

    from ..chain import ChainView
    from ..gasless import RelayDesk
    from ..index.reads import IndexReader
    from ..index.service import TownIndex
    from ..settings import BridgeSettings
    from ..towns import ServedTown

KEEP_STEPS = timedelta(minutes=10)  # a gateway's retries come within seconds; sessions last a few minutes
# Steps worked out at once, on threads apart from the other routes' (a busy page does not hold a phone back): a step
# mostly waits on the database or the chain, so many more than cores; a PIN's hash holds none of them.
STEPS_AT_ONCE = 32
PIN_ROUNDS = 4  # runs of a step at most: a one-time PIN's check and a new PIN's hash, and a PIN reset meanwhile


@dataclass
class MenuTown:
    """One town as its phone members see it: its record, its chain, its desk for their actions, its part of the
    index, and what they hold in it."""

    manifest: TownManifest
    registry: str
    chain: ChainView
    desk: RelayDesk
    reader: IndexReader
    holdings: HoldingsReader

    def has_member(self, account: PhoneAccount) -> bool:
        """Whether ``account`` is one of this town's phone members: its own, or a member of it on chain too (a member
        of two towns). A chain away, with the answer not seen recently, ends the step (the member dials again): a
        town missing from the list would move the others' numbers under the member's answer."""
        return account.town == self.registry or self.chain.is_member(account.address)


class PhoneMenu:
    """Answers one USSD request of the phone members of every town the bridge serves: one short code for all."""

    def __init__(
        self,
        options: BridgeSettings,
        manifest: TownManifest,
        artifacts: Artifacts,
        sessions: Callable[[], BridgeSession],
        chain: ChainView,
        relay_desk: RelayDesk,
        index: TownIndex,
    ) -> None:
        """The menu over what it uses, and nothing else of the bridge: its settings, the town's record and contracts,
        the database, the chain as the bridge reads it, the index of its events, and the relay desk its members'
        actions go through."""
        self.options, self.manifest, self.sessions, self.artifacts = options, manifest, sessions, artifacts
        self.index = index
        self._vault: Vault | None = None
        registry = checksummed(manifest.address("TownRegistry"))
        first = MenuTown(manifest, registry, chain, relay_desk, index.reader, HoldingsReader(artifacts, manifest))
        self.places = {registry: first}  # by registry, the first town first
        self.pins = PinPool()
        self.steps = CapacityLimiter(STEPS_AT_ONCE)
        self.swept_at = -inf  # when the old replies were last forgotten (monotonic)

    def serve(self, towns: Iterable[ServedTown]) -> None:
        """Answer the phone members of every town of ``towns`` (the first first)."""
        self.places = {
            t.registry: MenuTown(
                t.manifest, t.registry, t.chain, t.desk, t.reader, HoldingsReader(self.artifacts, t.manifest)
            )
            for t in towns
        }

    def locked(self, lang: str | None, account: PhoneAccount) -> str:
        """What a locked account is told: whose Town Ambassador unlocks it (its own town's, named when the bridge
        serves several: a member of two towns may be dialling into the other)."""
        home = self.places.get(account.town)
        if len(self.places) > 1 and home is not None:
            return say(
                lang,
                "Your account is locked after 3 wrong PINs. Ask the Town Ambassador of {town}.",
                town=home.manifest.town,
            )
        return say(lang, "Your account is locked after 3 wrong PINs. Ask your Town Ambassador.")

    def read(self, place: MenuTown, head: int) -> IndexReader:
        """``place``'s part of the index, once the index has read what ``head`` confirms (the index follows every
        town: reading ahead for one reads ahead for all)."""
        self.index.fresh(head)
        return place.reader

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = vault_for(self.options, self.manifest.chainId)
        return self._vault

    async def reply(self, phone: str, text: str, session_id: str = "") -> str:
        """The reply to one step, worked out on a thread (:data:`STEPS_AT_ONCE` steps at most). A step that reaches a
        PIN stops there; the PIN is hashed on the PIN pool while the step holds no thread, then the step is worked
        out again from the same ``text`` with the answer known. So no step waits for a thread behind another
        member's hash, and a hash waits only for a core."""
        done: dict[PinWork, bool | str] = {}
        for _round in range(PIN_ROUNDS):
            try:
                return await to_thread.run_sync(self.answer, phone, text, session_id, done, limiter=self.steps)
            except PinNeeded as needed:
                done[needed.work] = await self.pins.run(needed.work)
        raise RuntimeError(f"A step asked for Argon2id work more than {PIN_ROUNDS} times.")

    def answer(self, phone: str, text: str, session_id: str, done: dict[PinWork, bool | str]) -> str:
        """The reply to one step, with the PIN work ``done`` so far for it (else :class:`PinNeeded`). A step the
        gateway sends again (the same session, number and answers) gets the reply it had, and does nothing twice."""
        try:
            number = e164(phone, self.options.phone_region)
        except ConfigError:
            return "END " + say(None, "This phone number cannot be read.")
        key = hashlib.sha256(f"{session_id}\n{number}\n{text}".encode()).hexdigest() if session_id else None
        with self.sessions() as session:
            if key is not None:
                earlier = session.get(UssdStep, key)
                if earlier is not None:
                    return earlier.reply
            # A right PIN checked for this step gives its try back, with the step's last write (one turn, not two),
            # and whatever happens after the check: a node down, a refused action, the gateway's repeat.
            right = any(verdict is True for verdict in done.values())
            try:
                reply = self._answer(session, number, text, done)
            except PinNeeded:
                raise
            except BaseException:
                session.rollback()
                if right:
                    with session.writing():
                        session.execute(_tries_back(number))
                raise
            kept = key is not None and reply.startswith("END ")  # a last screen may have done something: kept
            if kept or right:
                try:
                    with session.writing():
                        if right:
                            session.execute(_tries_back(number))
                        if kept:
                            session.add(UssdStep(key=key, reply=reply))
                            self._sweep(session)
                except IntegrityError:
                    session.rollback()
                    if right:
                        with session.writing():
                            session.execute(_tries_back(number))
            return reply

    def _sweep(self, session: BridgeSession) -> None:
        """Forget the replies older than :data:`KEEP_STEPS`, once a minute (not with every last screen)."""
        now = time.monotonic()
        if now - self.swept_at >= 60:
            self.swept_at = now
            session.execute(delete(UssdStep).where(UssdStep.created_at < utcnow() - KEEP_STEPS))

    def _answer(self, session: BridgeSession, number: str, text: str, done: dict[PinWork, bool | str]) -> str:
        account = session.get(PhoneAccount, number)
        moved = session.get(PhoneMove, number)
        if moved is not None and moved.confirmed_at is not None:
            return "END " + say(None, "This number no longer holds an account: it moved to a new number.")
        home = self.places.get(account.town) if account is not None else None
        if account is None or home is None:
            return "END " + say(
                None,
                "This number is not a member of {town}. Ask your Town Ambassador.",
                town=" / ".join(place.manifest.town for place in self.places.values()),
            )
        lang = account.language
        checking = any(work.hashed is not None for work in done)  # this step took a try: it may be the third
        if account.pin_failures >= PIN_TRIES and not checking:
            return "END " + self.locked(lang, account)
        path = answers(text)
        if account.pin_hash is None or account.pin_reset:
            return trimmed(self._first_dial(session, home, account, path, done))
        # The towns in the bridge's order (the same number is the same town for every member): their own, and those
        # they are a member of too.
        places = [p for p in self.places.values() if p is home or p.has_member(account)]
        if len(places) > 1:  # a member of several towns chooses one first; 0 comes back here
            if not path or path[0] not in {str(n) for n in range(1, len(places) + 1)}:
                wrong = [say(lang, "Please choose 1-{last}.", last=len(places))] if path else []
                towns = [f"{n} {p.manifest.town}" for n, p in enumerate(places, start=1)]
                return trimmed("CON " + "\n".join([*wrong, say(lang, "Choose a town:"), *towns]))
            home, path = places[int(path[0]) - 1], path[1:]
        return trimmed(Screens(self, home, session, account, path, done).show())

    def _first_dial(
        self,
        session: BridgeSession,
        home: MenuTown,
        account: PhoneAccount,
        path: list[str],
        done: dict[PinWork, bool | str],
    ) -> str:
        """Choose a language (unless the account has one); after a reset, enter the one-time PIN the Town Ambassador
        handed over; then a PIN, twice. All kept at the end, together."""
        lang = account.language
        if lang is None:
            if not path or path[0] not in {str(n) for n in range(1, len(LANGUAGE_CHOICES) + 1)}:
                return "CON " + choose_language()
            lang, path = LANGUAGE_CHOICES[int(path[0]) - 1], path[1:]
        if account.pin_reset:
            if not path:
                return "CON " + say(lang, "Enter the one-time PIN from your Town Ambassador:")
            screens = Screens(self, home, session, account, path, done)
            screens.lang = lang
            refused = screens.pin_ok(path[0])
            if refused is not None:
                return refused
            path = path[1:]
        if not path:
            return "CON " + say(lang, "Choose a PIN of 4 to 6 digits:")
        if not valid_pin(path[0]):
            return "END " + say(lang, "A PIN is 4 to 6 digits. Dial again to choose one.")
        if len(path) == 1:
            return "CON " + say(lang, "Enter the same PIN again:")
        if path[1] != path[0]:
            return "END " + say(lang, "The two PINs differ. Dial again to choose one.")
        hashed = _worked(done, PinWork(self.vault.pepper(account.address, path[0])))
        account.language, account.pin_failures, account.pin_reset = lang, 0, False
        account.pin_hash = str(hashed)
        session.save()
        return "END " + say(lang, "Your PIN is set. Dial again to use your account.")


def _worked(done: dict[PinWork, bool | str], work: PinWork) -> bool | str:
    """What ``work`` came to, if it was done for this step; else the step stops here to have it done."""
    if work not in done:
        raise PinNeeded(work)
    return done[work]


def _tries_back(number: str) -> Update:
    """The statement that gives ``number`` back every PIN try (a right PIN was typed)."""
    return update(PhoneAccount).where(PhoneAccount.phone == number).values(pin_failures=0)
