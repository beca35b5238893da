"""The phone menu: a member with a basic phone dials the town's short code and answers numbered screens.

Africa's Talking's convention: each request carries the whole session so far (``text``, the answers
joined by ``*``), so the menu is worked out afresh from it every time; ``0`` goes back and ``00``
shows more. A reply starts ``CON `` (a screen that waits for an answer) or ``END `` (the last). The
first dial sets a language and a PIN; after that, every screen that shows or does something private
asks for the PIN as its last step. An action is signed with the member's custodial key and queued
through the relay desk, with its quotas: the member's address never holds coin for gas.

A step is worked out on a thread of the menu's own; a PIN's Argon2id work is done between two runs of
the step, on the PIN pool, while the step holds no thread (:meth:`PhoneMenu.reply`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from math import inf
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from anyio import CapacityLimiter, to_thread
from sqlalchemy import Update, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ost_chain.enums import NATIVE, Phase
from ost_chain.exceptions import ConfigError, OstError
from ost_chain.gasless import prepare, sign
from ost_chain.member import Member
from ost_chain.townclient import Town
from ost_chain.units import money

from .custody import PIN_TRIES, PinPool, PinWork, Vault, e164, shown, valid_pin, vault_for
from .db import BridgeSession, Meal, PhoneAccount, PhoneMove, UssdStep, utcnow
from .holdings import Holdings, HoldingsReader
from .i18n import LANGUAGES, _, in_context, page_room, say, say_in, say_n
from .problems import Problem

if TYPE_CHECKING:
    from ost_chain.artifacts import Artifacts
    from ost_chain.manifest import TownManifest

    from .chain import ChainView
    from .gasless import RelayDesk
    from .settings import BridgeSettings

ASK_PIN = _("Enter your PIN:")


@dataclass(frozen=True)
class Item:
    """One item of the main menu: its words (one catalog entry, worded short for a phone's page), the screen that
    answers it, and its PIN. ``pin_first``: the item's first answer is the member's PIN, asked and checked here
    before the screen reads anything private (``ask``: the question, or None when the screen asks it itself, with
    what the PIN will confirm); an item that asks other answers before the PIN (sending) checks it in its screen."""

    words: tuple[str, str]
    screen: str
    pin_first: bool = False
    ask: str | None = ASK_PIN


# The main menu, as members see it. A new item is one line here, its words in the catalogs, and its screen.
MENU = (
    Item(in_context("phone menu", "Balance"), "balance", pin_first=True),
    Item(in_context("phone menu", "Send INF"), "send"),
    Item(in_context("phone menu", "Basket"), "basket", pin_first=True, ask=None),  # asks with the basket's price
    Item(in_context("phone menu", "Claim profit"), "claim", pin_first=True),
    Item(in_context("phone menu", "Sales"), "sales"),
    Item(in_context("phone menu", "Rewards"), "rewards", pin_first=True),
    Item(in_context("phone menu", "Language"), "language", pin_first=True),
)
MENU_ITEMS = len(MENU)
KEEP_STEPS = timedelta(minutes=10)  # a gateway's retries come within seconds; sessions last a few minutes
LANGUAGE_CHOICES = list(LANGUAGES)  # 1 English, 2 Afrikaans, 3 العربية, 4 Français
# Steps worked out at once, on threads apart from the other routes' (a busy page does not hold a phone back): a step
# mostly waits on the database or the chain, so many more than cores; a PIN's hash holds none of them.
STEPS_AT_ONCE = 32
SALE_NAME = 24  # a sale's name in a list, at most (cut shorter where a page is smaller)
PIN_ROUNDS = 4  # runs of a step at most: a one-time PIN's check and a new PIN's hash, and a PIN reset meanwhile


def choose_language() -> str:
    return "\n".join(f"{n} {name}" for n, name in enumerate(LANGUAGES.values(), start=1))


class PinNeeded(Exception):
    """A step reached Argon2id work not done yet (``work``): it stops, to be answered again once the work is done."""

    def __init__(self, work: PinWork) -> None:
        super().__init__("a PIN to hash")
        self.work = work


class PhoneMenu:
    """Answers one USSD request of the town's phone members."""

    def __init__(
        self,
        options: BridgeSettings,
        manifest: TownManifest,
        artifacts: Artifacts,
        sessions: Callable[[], BridgeSession],
        chain: ChainView,
        relay_desk: RelayDesk,
    ) -> None:
        """The menu over what it uses, and nothing else of the bridge: its settings, the town's record and contracts,
        the database, the chain as the bridge reads it, and the relay desk its members' actions go through."""
        self.options, self.manifest, self.sessions = options, manifest, sessions
        self.chain, self.relay_desk = chain, relay_desk
        self._vault: Vault | None = None
        self.holdings = HoldingsReader(artifacts, manifest)
        self.pins = PinPool()
        self.steps = CapacityLimiter(STEPS_AT_ONCE)
        self.swept_at = -inf  # when the old replies were last forgotten (monotonic)

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
        if account is None:
            return "END " + say(
                None,
                "This number is not a member of {town}. Ask your Town Ambassador.",
                town=self.manifest.town,
            )
        lang = account.language
        checking = any(work.hashed is not None for work in done)  # this step took a try: it may be the third
        if account.pin_failures >= PIN_TRIES and not checking:
            return "END " + say(lang, "Your account is locked after 3 wrong PINs. Ask your Town Ambassador.")
        path = _path(text)
        if account.pin_hash is None or account.pin_reset:
            return trimmed(self._first_dial(session, account, path, done))
        return trimmed(Screens(self, session, account, path, done).show())

    def _first_dial(
        self, session: BridgeSession, account: PhoneAccount, path: list[str], done: dict[PinWork, bool | str]
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
            screens = Screens(self, session, account, path, done)
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


class Screens:
    """The screens of one request of a member whose PIN is set."""

    def __init__(
        self,
        menu: PhoneMenu,
        session: BridgeSession,
        account: PhoneAccount,
        path: list[str],
        done: dict[PinWork, bool | str],
    ) -> None:
        self.menu, self.session, self.account, self.path, self.done = menu, session, account, path, done
        self.lang = account.language
        self.head: int | None = None
        self.sales_read: list[Any] | None = None

    @property
    def town(self) -> Town:
        """This thread's connection to the town, made when a screen first needs the chain (the menu does not)."""
        return self.menu.chain.town()

    @property
    def member(self) -> Member:
        """The member dialling, as every channel sees a member: what they hold, their actions prepared."""
        return Member(self.town, self.account.address)

    def t(self, message: str, **values: object) -> str:
        return say(self.lang, message, **values)

    def show(self) -> str:
        if not self.path:
            return "CON " + self.main()
        choice, rest = self.path[0], self.path[1:]
        items = {str(number): item for number, item in enumerate(MENU, start=1)}
        if choice not in items:
            return "CON " + self.main(self.t("Please choose 1-{last}.", last=MENU_ITEMS))
        item = items[choice]
        if item.pin_first and not rest and item.ask is not None:
            return "CON " + self.t(item.ask)
        if item.pin_first and rest:
            refused = self.pin_ok(rest[0])
            if refused:
                return refused
        screen: Callable[[list[str]], str] = getattr(self, item.screen)
        return screen(rest)

    def main(self, first: str = "") -> str:
        """The menu (after ``first``, a line saying what was wrong), under the town's name when it all fits one page
        (a long name, in Arabic, does not)."""
        lines = [f"{number} {say_in(self.lang, item.words)}" for number, item in enumerate(MENU, start=1)]
        menu = "\n".join((self.menu.manifest.town, *lines))
        screen = f"{first}\n{menu}" if first else menu
        if fits(screen):
            return screen
        items = menu.split("\n", 1)[1]
        if not first:
            return items
        # The menu was on the last screen: the line, and the way back to it, when both no longer fit.
        return f"{first}\n{items}" if fits(f"{first}\n{items}") else f"{first}\n0 {self.t('Back')}"

    # ── the PIN ──

    def pin_ok(self, pin: str) -> str | None:
        """None when ``pin`` is the member's; else the last screen (a try fewer, or locked). A try is taken before
        the PIN is checked, in one statement, so guesses sent at once cannot pass the lock; the right PIN gives it
        back. An answer that cannot be a PIN takes none. The first run of the step takes the try and stops for the
        check (:class:`PinNeeded`); the next reads its verdict."""
        account = self.account
        if not valid_pin(pin):
            return "END " + self.t("A PIN is 4 to 6 digits. Dial again.")
        # An account without a hash matches no PIN ("" is no Argon2 hash).
        work = PinWork(self.menu.vault.pepper(account.address, pin), account.pin_hash or "")
        if work not in self.done:
            with self.session.writing():
                taken = self.session.execute(
                    update(PhoneAccount)
                    .where(PhoneAccount.phone == account.phone, PhoneAccount.pin_failures < PIN_TRIES)
                    .values(pin_failures=PhoneAccount.pin_failures + 1)
                )
            if taken.rowcount == 0:  # type: ignore[attr-defined]
                return "END " + self.t("Your account is locked after 3 wrong PINs. Ask your Town Ambassador.")
            raise PinNeeded(work)
        if self.done[work]:
            self.head, moved = self.menu.chain.head_and_recovery(account.address)
            if moved != NATIVE:
                # The member took everything to a wallet of their own (the two-key recovery): the phone has nothing.
                return "END " + self.t(
                    "Your account moved to your own wallet ({address}): use it there.", address=moved
                )
            return None
        self.session.refresh(account)
        if account.pin_failures >= PIN_TRIES:
            return "END " + self.t("Your account is locked after 3 wrong PINs. Ask your Town Ambassador.")
        left = PIN_TRIES - account.pin_failures
        return "END " + say_n(
            self.lang, "Wrong PIN. {left} try left.", "Wrong PIN. {left} tries left.", left, left=left
        )

    # ── the screens ──

    def balance(self, rest: list[str]) -> str:
        held = self._holdings()
        profit = ", ".join(self._money(p.amount, p.asset) for p in held.owed) or self.t("none")
        shares = ", ".join(f"{self._business(i)} {n}" for i, n in held.shares.items()) or self.t("none")
        return "END " + self.t(
            "INF: {inf}\nMeals this month: {meals}\nProfit to claim: {profit}\nShares: {shares}",
            inf=money(held.infinity, 18, "INF"),
            meals=self._meals_this_month(),
            profit=profit,
            shares=shares,
        )

    def send(self, rest: list[str]) -> str:
        """Receiver's number, amount, then the PIN: no balance is shown before the PIN (the receiver's name is, to
        be checked before confirming)."""
        if not rest:
            return "CON " + self.t("Receiver's phone number:")
        try:
            number = e164(rest[0], self.menu.options.phone_region)
        except ConfigError:
            number = None
        receiver = self.session.get(PhoneAccount, number) if number else None
        if receiver is None or receiver.phone == self.account.phone:
            return "END " + self.t("{phone} is not another member's phone. Dial again to try another.", phone=rest[0])
        if len(rest) == 1:
            return "CON " + self.t("How much INF to send?")
        least = int(self.menu.relay_desk.policy().min_inf_transfer * 10**18)
        amount = _amount(rest[1])
        if amount is None or amount < least:
            return "END " + self.t("Send at least {least}. Dial again.", least=money(least, 18, "INF"))
        shown_amount = money(amount, 18, "INF")
        if len(rest) == 2:
            return "CON " + self.t(
                "Send {amount} to {name} ({phone})?\nEnter your PIN to confirm:",
                amount=shown_amount,
                name=receiver.name,
                phone=shown(receiver.phone),
            )
        refused = self.pin_ok(rest[2])
        if refused:
            return refused
        held = self.member.inf()
        if amount > held:
            return "END " + self.t(
                "You hold {inf}, less than {amount}.", inf=money(held, 18, "INF"), amount=shown_amount
            )
        return self.act(
            self.member.send_inf(receiver.address, amount),
            self.t("Sending {amount} to {name}. An SMS will confirm it.", amount=shown_amount, name=receiver.name),
        )

    def basket(self, rest: list[str]) -> str:
        """The price, then the PIN; only then whether this month's basket was taken and whether the INF suffice."""
        price = int(self.menu.options.basket_inf * 10**18)
        if not rest:
            return "CON " + self.t(
                "Take this month's basket for {amount}?\nEnter your PIN to confirm:", amount=money(price, 18, "INF")
            )
        month = self._today().strftime("%Y-%m")
        if self.member.took_basket(month):
            return "END " + self.t("You took this month's basket already.")
        held = self.member.inf()
        if held < price:
            return "END " + self.t(
                "The basket costs {amount}; you hold {inf}.", amount=money(price, 18, "INF"), inf=money(held, 18, "INF")
            )
        return self.act(
            self.member.take_basket(price, month),
            self.t("Your basket is on its way: {amount}. An SMS will confirm it.", amount=money(price, 18, "INF")),
        )

    def claim(self, rest: list[str]) -> str:
        """The PIN first (what is owed is private), then what would be claimed, then yes."""
        parts = self._holdings().owed
        if not parts:
            return "END " + self.t("No profit to claim yet.")
        amount = ", ".join(self._money(p.amount, p.asset) for p in parts)  # member parts, then investor parts
        if len(rest) == 1 or rest[1] != "1":
            return "CON " + self.t("Claim {amount}?\n1 Yes\n0 Back", amount=amount)
        calls = [self.member.claim(p.asset, p.business_id) for p in parts]

        def claiming(queued: int) -> str:  # the day's quota may stop the parts after the first few
            taken = ", ".join(self._money(p.amount, p.asset) for p in parts[:queued])
            return self.t("Claiming {amount}. An SMS will confirm it.", amount=taken)

        return self.act(calls, claiming)

    def sales(self, rest: list[str]) -> str:
        """The open sales, soonest-ending first, numbered, as many names a page as it holds (three at least, in any
        language: an Arabic page holds 80 characters where an English one holds 182); a number shows that sale."""
        page, chosen = 0, 0
        for answer in rest:
            if answer == "00" and not chosen:
                page += 1
            elif answer.isascii() and answer.isdecimal() and len(answer) <= 4 and not chosen:
                chosen = int(answer) or -1
            else:
                chosen = -1
        open_now = [s for s in self._sales if s.phase in Phase.open_labels()]
        open_now.sort(key=lambda s: (s.phase_ends_in is None, s.phase_ends_in or 0))  # the soonest to end first
        if not open_now:
            return "END " + self.t("No sale is open now.")
        if chosen:
            if not 0 < chosen <= len(open_now):
                return "CON " + self.t("Please choose 1-{last}.", last=len(open_now)) + "\n0 " + self.t("Back")
            return "CON " + self._sale(open_now[chosen - 1])
        more, back = "00 " + self.t("More"), "0 " + self.t("Back")
        longest = sorted(open_now, key=lambda s: len(s.name))[-3:]  # numbered as the last page's, the longest
        width = next(  # the longest names that still let any three sales share a page
            (
                w
                for w in range(SALE_NAME, 7, -1)
                if fits("\n".join([*_numbered(longest, w, len(open_now)), more, back]))
            ),
            8,
        )
        pages: list[list[str]] = [[]]
        for line in _numbered(open_now, width):
            if pages[-1] and not fits("\n".join([*pages[-1], line, more, back])):
                if len(pages) > page:  # the page asked for is full, and there is more: no need to lay out the rest
                    pages.append([line])
                    break
                pages.append([])
            pages[-1].append(line)
        page = min(page, len(pages) - 1)
        footer = [more] if page < len(pages) - 1 else []
        return "CON " + "\n".join([*pages[page], *footer, back])

    def _sale(self, sale: Any) -> str:
        """One open sale: who may buy, the shares left, the price of one, and when this phase ends."""
        who = {"local": self.t("members"), "country": self.t("residents"), "world": self.t("anyone")}[sale.phase]
        left = sale.offered - sale.sold
        shown = [
            say_n(self.lang, "{who}: {left} share left", "{who}: {left} shares left", left, who=who, left=left),
            self.t(
                "{price} a share, to {date}",
                price=self._money(sale.price, sale.asset),
                date=self._date_in(sale.phase_ends_in),
            ),
            "0 " + self.t("Back"),
        ]
        name = sale.name
        while not fits("\n".join([name, *shown])) and len(name) > 8:  # the name gives way, never the figures
            name = name[:-1]
        return "\n".join([name.rstrip(), *shown])

    def rewards(self, rest: list[str]) -> str:
        events = self.town.latest_logs(self.town.infinity.events.Rewarded(), 5, member=self.account.address)
        if not events:
            return "END " + self.t("No rewards yet.")
        names = self.town.record.projects
        lines = []
        for event in events[::-1]:
            block = self.town.client.w3.eth.get_block(event["blockNumber"])
            day = datetime.fromtimestamp(int(block["timestamp"]), UTC).astimezone(self._zone()).strftime("%d/%m")
            number = int(event["args"]["projectId"])
            project = names.get(str(number), f"#{number}")
            lines.append(f"{day} {money(int(event['args']['amount']), 18, 'INF')} {project}"[:40])
        return "END " + "\n".join(lines)

    def language(self, rest: list[str]) -> str:
        """The PIN, then the language: a borrowed phone does not change it."""
        if len(rest) == 1 or rest[1] not in {str(n) for n in range(1, len(LANGUAGE_CHOICES) + 1)}:
            return "CON " + choose_language()
        self.account.language = self.lang = LANGUAGE_CHOICES[int(rest[1]) - 1]
        self.session.save()
        return "END " + self.t("Language set.")

    # ── acting ──

    def act(self, calls: Any, done: str | Callable[[int], str]) -> str:
        """Sign ``calls`` (one, or several in order) with the member's custodial key and queue them through the relay
        desk, with consecutive nonces; ``done`` when queued (or what it says of how many were)."""
        signer = self.menu.vault.open(self.account.sealed_key, self.account.address)
        town, desk = self.town, self.menu.relay_desk
        try:
            name = desk.domain_name(town)
            requests = []
            for position, fn in enumerate(calls if isinstance(calls, list) else [calls]):
                request = prepare(town, signer.address, fn)
                request = replace(request, nonce=request.nonce + position)
                requests.append(sign(signer, request, town.client.chain_id, town.forwarder.address, name))
            queued = len(desk.accept_many(self.session, town, requests))
        except Problem as problem:
            if problem.kind == "quota-used":
                return "END " + self.t("You have used today's free actions. More tomorrow.")
            if problem.kind in ("one-at-a-time", "replayed"):
                return "END " + self.t("Your last action is still on its way. Dial again in a minute.")
            return "END " + self.t("This cannot be done now. Dial again later.")
        except OstError:
            return "END " + self.t("This cannot be done now. Dial again later.")
        return "END " + (done if isinstance(done, str) else done(queued))

    # ── reading ──

    @property
    def _block(self) -> int:
        """The chain's head, asked once a step (with the PIN's check, when there is one): the bridge reads the sales
        and the assets once a block."""
        if self.head is None:
            self.head = self.menu.chain.head()
        return self.head

    @property
    def _sales(self) -> list[Any]:
        """The sales at the step's head. (Kept on the step by hand: ``functools.cached_property`` holds a lock shared
        by every step in Python 3.11, and a hundred phones waited for one another's chain reads.)"""
        if self.sales_read is None:
            self.sales_read = self.menu.chain.sales(self._block)
        return self.sales_read

    def _holdings(self) -> Holdings:
        chain = self.menu.chain
        assets = chain.profit_assets(self._block)
        sales = sorted(self._sales, key=lambda s: s.business_id)
        symbols = {s.business_id: s.symbol for s in sales}
        sold = {s.business_id: s.token for s in sales if s.sold}  # a business that sold no share has no holder
        investing = chain.investing(self._block)
        return self.menu.holdings.read(chain, self.account.address, assets, sold, symbols, investing)

    def _money(self, amount: int, asset: str) -> str:
        symbol, decimals = self.menu.chain.asset(asset)
        return money(amount, decimals, symbol)

    def _business(self, business_id: int) -> str:
        names = {s.business_id: s.name for s in self._sales}
        return str(names.get(business_id, f"#{business_id}"))

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.menu.manifest.timeZone)

    def _today(self) -> datetime:
        return datetime.now(UTC).astimezone(self._zone())

    def _date_in(self, seconds: int | None) -> str:
        if seconds is None:
            return "-"
        when = datetime.fromtimestamp(datetime.now(UTC).timestamp() + seconds, UTC).astimezone(self._zone())
        return when.strftime("%d/%m")

    def _meals_this_month(self) -> int:
        month = self._today().strftime("%Y-%m")
        count = self.session.scalar(
            select(func.count())
            .select_from(Meal)
            .where(Meal.member == self.account.address, Meal.served_on.like(f"{month}-%"))
        )
        return int(count or 0)


def _worked(done: dict[PinWork, bool | str], work: PinWork) -> bool | str:
    """What ``work`` came to, if it was done for this step; else the step stops here to have it done."""
    if work not in done:
        raise PinNeeded(work)
    return done[work]


def _tries_back(number: str) -> Update:
    """The statement that gives ``number`` back every PIN try (a right PIN was typed)."""
    return update(PhoneAccount).where(PhoneAccount.phone == number).values(pin_failures=0)


def _numbered(sales: list[Any], width: int, start: int = 1) -> list[str]:
    """The sales' lines of a list, numbered on from ``start`` across the pages (the number a member sees is the one
    they answer), each name cut to ``width`` characters."""
    return [f"{n} {s.name[:width].rstrip()}" for n, s in enumerate(sales, start=start)]


def fits(screen: str) -> bool:
    """Whether ``screen`` fits one USSD page."""
    used, room = page_room(screen)
    return used <= room


def trimmed(reply: str) -> str:
    """``reply`` cut to one page (a long list of shares or a long name), its last line ending in ``...``."""
    kind, screen = reply[:4], reply[4:]
    while not fits(screen) and len(screen) > 3:
        screen = screen[:-4].rstrip() + "..."
    return kind + screen


def _path(text: str) -> list[str]:
    """The answers so far, ``0`` taking the one before it back."""
    path: list[str] = []
    for part in text.split("*") if text else []:
        if part == "0":
            if path:
                path.pop()
        else:
            path.append(part.strip())
    return path


def _amount(text: str) -> int | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > 10**12 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 10**18)
