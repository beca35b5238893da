"""One request of a member whose PIN is set: the main menu, the PIN's check, acting, and what the screens read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from ost_chain.enums import NATIVE
from ost_chain.exceptions import OstError
from ost_chain.gasless import prepare, sign
from ost_chain.member import Member
from ost_chain.townclient import Town

from ..custody import PIN_TRIES, PinWork, valid_pin
from ..db import BridgeSession, Meal, PhoneAccount
from ..holdings import Holdings
from ..i18n import amount_in, say, say_in, say_n
from ..problems import Problem
from .flows import walk
from .items import MENU
from .layout import fits

if TYPE_CHECKING:
    from .menu import MenuTown, PhoneMenu


class PinNeeded(Exception):
    """A step reached Argon2id work not done yet (``work``): it stops, to be answered again once the work is done."""

    def __init__(self, work: PinWork) -> None:
        super().__init__("a PIN to hash")
        self.work = work


class Screens:
    """The screens of one request of a member whose PIN is set, in one town (``place``: theirs, or the one they chose
    of the towns they are a member of)."""

    def __init__(
        self,
        menu: PhoneMenu,
        place: MenuTown,
        session: BridgeSession,
        account: PhoneAccount,
        path: list[str],
        done: dict[PinWork, bool | str],
    ) -> None:
        self.menu, self.place, self.session, self.account, self.path, self.done = (
            menu,
            place,
            session,
            account,
            path,
            done,
        )
        self.lang = account.language
        self.head: int | None = None
        self.sales_read: list[Any] | None = None

    @property
    def town(self) -> Town:
        """This thread's connection to the town, made when a screen first needs the chain (the menu does not)."""
        return self.place.chain.town()

    @property
    def member(self) -> Member:
        """The member dialling, as every channel sees a member: what they hold, their actions prepared."""
        return Member(self.town, self.account.address)

    def t(self, message: str, **values: object) -> str:
        return say(self.lang, message, **values)

    def show(self) -> str:
        """The main menu, or the item chosen walked through the answers after the choice."""
        if not self.path:
            return "CON " + self.main()
        choice, rest = self.path[0], self.path[1:]
        items = {str(number): flow for number, flow in enumerate(MENU, start=1)}
        if choice not in items:
            return "CON " + self.main(self.t("Please choose 1-{last}.", last=len(MENU)))
        return walk(self, items[choice], rest)

    def main(self, first: str = "") -> str:
        """The menu (after ``first``, a line saying what was wrong), under the town's name when it all fits one page
        (a long name, in Arabic, does not)."""
        lines = [f"{number} {say_in(self.lang, flow.words)}" for number, flow in enumerate(MENU, start=1)]
        menu = "\n".join((self.place.manifest.town, *lines))
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
                return "END " + self.menu.locked(self.lang, account)
            raise PinNeeded(work)
        if self.done[work]:
            self.head, moved = self.place.chain.head_and_recovery(account.address)
            if moved != NATIVE:
                # The member took everything to a wallet of their own (the two-key recovery): the phone has nothing.
                return "END " + self.t(
                    "Your account moved to your own wallet ({address}): use it there.", address=moved
                )
            return None
        self.session.refresh(account)
        if account.pin_failures >= PIN_TRIES:
            return "END " + self.menu.locked(self.lang, account)
        left = PIN_TRIES - account.pin_failures
        return "END " + say_n(
            self.lang, "Wrong PIN. {left} try left.", "Wrong PIN. {left} tries left.", left, left=left
        )

    # ── acting ──

    def act(self, calls: Any, done: str | Callable[[int], str]) -> str:
        """Sign ``calls`` (one, or several in order) with the member's custodial key and queue them through the relay
        desk, with consecutive nonces; ``done`` when queued (or what it says of how many were)."""
        signer = self.menu.vault.open(self.account.sealed_key, self.account.address)
        town, desk = self.town, self.place.desk
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
            if problem.kind == "town-budget-used":
                return "END " + self.t("The town's free actions for today are used up. More tomorrow.")
            if problem.kind in ("one-at-a-time", "replayed"):
                return "END " + self.t("Your last action is still on its way. Dial again in a minute.")
            return "END " + self.t("This cannot be done now. Dial again later.")
        except OstError:
            return "END " + self.t("This cannot be done now. Dial again later.")
        return "END " + (done if isinstance(done, str) else done(queued))

    # ── reading ──

    @property
    def block(self) -> int:
        """The chain's head, asked once a step (with the PIN's check, when there is one): the bridge reads the sales
        and the assets once a block."""
        if self.head is None:
            self.head = self.place.chain.head()
        return self.head

    @property
    def sales(self) -> list[Any]:
        """The sales at the step's head. (Kept on the step by hand: ``functools.cached_property`` holds a lock shared
        by every step in Python 3.11, and a hundred phones waited for one another's chain reads.)"""
        if self.sales_read is None:
            index = self.menu.read(self.place, self.block)
            self.sales_read = index.sales(self.place.chain.time_at(self.block))
        return self.sales_read

    def holdings(self) -> Holdings:
        chain, index = self.place.chain, self.menu.read(self.place, self.block)
        assets = index.profit_assets()
        sales = sorted(self.sales, key=lambda s: s.business_id)
        symbols = {s.business_id: s.symbol for s in sales}
        sold = {s.business_id: s.token for s in sales if s.sold}  # a business that sold no share has no holder
        investing = index.investing()
        return self.place.holdings.read(chain, self.account.address, assets, sold, symbols, investing)

    def money(self, amount: int, asset: str) -> str:
        """An amount of ``asset`` as the member's language writes it (:func:`api.i18n.amount_in`)."""
        symbol, decimals = self.place.chain.asset(asset)
        return amount_in(self.lang, amount, decimals, symbol)

    def inf(self, units: int) -> str:
        """An amount of INF as the member's language writes it."""
        return amount_in(self.lang, units, 18, "INF")

    def business(self, business_id: int) -> str:
        names = {s.business_id: s.name for s in self.sales}
        return str(names.get(business_id, f"#{business_id}"))

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.place.manifest.timeZone)

    def today(self) -> datetime:
        return datetime.now(UTC).astimezone(self.zone())

    def date_in(self, seconds: int | None) -> str:
        if seconds is None:
            return "-"
        when = datetime.fromtimestamp(datetime.now(UTC).timestamp() + seconds, UTC).astimezone(self.zone())
        return when.strftime("%d/%m")

    def meals_this_month(self) -> int:
        month = self.today().strftime("%Y-%m")
        count = self.session.scalar(
            select(func.count())
            .select_from(Meal)
            .where(
                Meal.member == self.account.address,
                Meal.town == self.place.registry,
                Meal.served_on.like(f"{month}-%"),
            )
        )
        return int(count or 0)
