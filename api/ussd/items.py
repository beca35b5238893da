"""The main menu's items, as members see them: each a flow of questions, the PIN, and the screen it ends on.

A new item is one :class:`~api.ussd.flows.Flow` in :data:`MENU`, its screen (and any question) here, and its words
in the catalogs (docs/extending.md walks through one).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ost_chain.enums import Phase
from ost_chain.exceptions import ConfigError

from ..custody import e164, shown
from ..db import PhoneAccount
from ..i18n import LANGUAGES, count_in, in_context, in_language, say_in, say_n, sentence_of
from .flows import Ask, Flow, Kept, Pin, Said
from .layout import SALE_NAME, Unreadable, amount, fits, numbered, paged

if TYPE_CHECKING:
    from .screens import Screens

# "none" of shares: worded apart where the word agrees with its noun (French "aucune part", "aucun gain").
NO_SHARES = in_context("shares held", "none")
LANGUAGE_CHOICES = list(LANGUAGES)  # 1 English, 2 Afrikaans, 3 العربية, 4 Français


def choose_language() -> str:
    return "\n".join(f"{n} {name}" for n, name in enumerate(LANGUAGES.values(), start=1))


# ── Balance ──


def balance(s: Screens, kept: Kept, more: list[str]) -> str:
    held = s.holdings()
    profit = ", ".join(s.money(p.amount, p.asset) for p in held.owed) or s.t("none")
    shares = ", ".join(f"{s.business(i)} {count_in(s.lang, n)}" for i, n in held.shares.items())
    shares = shares or say_in(s.lang, NO_SHARES)
    return "END " + s.t(
        "Balance: {inf}\nMeals this month: {meals}\nProfit to claim: {profit}\nShares: {shares}",
        inf=s.inf(held.infinity),
        meals=s.meals_this_month(),
        profit=profit,
        shares=shares,
    )


# ── Send INF: the receiver's number, the amount, then the PIN (no balance is shown before it; the receiver's name
# is, to be checked before confirming) ──


def receiver(s: Screens, answer: str, kept: Kept) -> PhoneAccount:
    try:
        number: str | None = e164(answer, s.menu.options.phone_region)
    except ConfigError:
        number = None
    account = s.session.get(PhoneAccount, number) if number else None
    if account is None or account.phone == s.account.phone or not s.place.has_member(account):
        # Another town's phone member (not one of this town's) is no one here: not even their name is shown.
        raise Said("END " + s.t("{phone} is not another member's phone. Dial again to try another.", phone=answer))
    return account


def inf_to_send(s: Screens, answer: str, kept: Kept) -> int:
    least = int(s.place.desk.policy().min_inf_transfer * 10**18)
    try:
        value = amount(answer, s.lang)
    except Unreadable as unread:
        raise Said("END " + in_language(sentence_of(unread), s.lang)) from None
    if value < least:
        raise Said("END " + s.t("Send at least {least}. Dial again.", least=s.inf(least)))
    return value


def confirm_sending(s: Screens, kept: Kept) -> str:
    to: PhoneAccount = kept["receiver"]
    return s.t(
        "Send {amount} to {name} ({phone})?\nEnter your PIN to confirm:",
        amount=s.inf(kept["amount"]),
        name=to.name,
        phone=shown(to.phone),
    )


def send(s: Screens, kept: Kept, more: list[str]) -> str:
    to: PhoneAccount = kept["receiver"]
    value, shown_amount = kept["amount"], s.inf(kept["amount"])
    held = s.member.inf()
    if value > held:
        return "END " + s.t("You hold {inf}, less than {amount}.", inf=s.inf(held), amount=shown_amount)
    return s.act(
        s.member.send_inf(to.address, value),
        s.t("Sending {amount} to {name}. An SMS will confirm it.", amount=shown_amount, name=to.name),
    )


# ── Basket: the price with the PIN; only then whether this month's was taken and whether the INF suffice ──


def basket_price(s: Screens) -> int:
    return int(s.menu.options.basket_inf * 10**18)


def confirm_basket(s: Screens, kept: Kept) -> str:
    return s.t("Take this month's basket for {amount}?\nEnter your PIN to confirm:", amount=s.inf(basket_price(s)))


def basket(s: Screens, kept: Kept, more: list[str]) -> str:
    price, month = basket_price(s), s.today().strftime("%Y-%m")
    if s.member.took_basket(month):
        return "END " + s.t("You took this month's basket already.")
    held = s.member.inf()
    if held < price:
        return "END " + s.t("The basket costs {amount}; you hold {inf}.", amount=s.inf(price), inf=s.inf(held))
    return s.act(
        s.member.take_basket(price, month),
        s.t("Your basket is on its way: {amount}. An SMS will confirm it.", amount=s.inf(price)),
    )


# ── Claim profit: the PIN first (what is owed is private), then what would be claimed, then yes ──


def owed(s: Screens) -> list[Any]:
    parts = s.holdings().owed
    if not parts:
        raise Said("END " + s.t("No profit to claim yet."))
    return parts


def confirm_claim(s: Screens, kept: Kept) -> str:
    amounts = ", ".join(s.money(p.amount, p.asset) for p in owed(s))  # member parts, then investor parts
    return s.t("Claim {amount}?\n1 Yes\n0 Back", amount=amounts)


def yes_to(question: Callable[[Screens, Kept], str]) -> Callable[[Screens, str, Kept], bool]:
    """The answer to a yes-or-back ``question``: "1" takes it; anything else asks it again."""

    def take(s: Screens, answer: str, kept: Kept) -> bool:
        if answer != "1":
            raise Said("CON " + question(s, kept))
        return True

    return take


def claim(s: Screens, kept: Kept, more: list[str]) -> str:
    parts = owed(s)
    calls = [s.member.claim(p.asset, p.business_id) for p in parts]

    def claiming(queued: int) -> str:  # the day's quota may stop the parts after the first few
        taken = ", ".join(s.money(p.amount, p.asset) for p in parts[:queued])
        return s.t("Claiming {amount}. An SMS will confirm it.", amount=taken)

    return s.act(calls, claiming)


# ── Sales: browsed, not asked ──


def sales(s: Screens, kept: Kept, more: list[str]) -> str:
    """The open sales, soonest-ending first, numbered, as many names a page as it holds (three at least, in any
    language: an Arabic page holds 80 characters where an English one holds 182); a number shows that sale."""
    page, chosen = 0, 0
    for answer in more:
        if answer == "00" and not chosen:
            page += 1
        elif answer.isascii() and answer.isdecimal() and len(answer) <= 4 and not chosen:
            chosen = int(answer) or -1
        else:
            chosen = -1
    open_now = [sale for sale in s.sales if sale.phase in Phase.open_labels()]
    open_now.sort(key=lambda sale: (sale.phase_ends_in is None, sale.phase_ends_in or 0))  # the soonest first
    if not open_now:
        return "END " + s.t("No sale is open now.")
    if chosen:
        if not 0 < chosen <= len(open_now):
            return "CON " + s.t("Please choose 1-{last}.", last=len(open_now)) + "\n0 " + s.t("Back")
        return "CON " + one_sale(s, open_now[chosen - 1])
    further, back = "00 " + s.t("More"), "0 " + s.t("Back")
    longest = sorted(open_now, key=lambda sale: len(sale.name))[-3:]  # numbered as the last page's, the longest
    width = next(  # the longest names that still let any three sales share a page
        (w for w in range(SALE_NAME, 7, -1) if fits("\n".join([*numbered(longest, w, len(open_now)), further, back]))),
        8,
    )
    pages: list[list[str]] = [[]]
    for line in numbered(open_now, width):
        if pages[-1] and not fits("\n".join([*pages[-1], line, further, back])):
            if len(pages) > page:  # the page asked for is full, and there is more: no need to lay out the rest
                pages.append([line])
                break
            pages.append([])
        pages[-1].append(line)
    page = min(page, len(pages) - 1)
    footer = [further] if page < len(pages) - 1 else []
    return "CON " + "\n".join([*pages[page], *footer, back])


def one_sale(s: Screens, sale: Any) -> str:
    """One open sale: who may buy, the shares left, the price of one, and when this phase ends."""
    who = s.t(Phase[sale.phase.upper()].buyers)
    left = sale.offered - sale.sold
    lines = [
        say_n(
            s.lang, "{who}: {left} share left", "{who}: {left} shares left", left, who=who, left=count_in(s.lang, left)
        ),
        s.t("{price} a share, to {date}", price=s.money(sale.price, sale.asset), date=s.date_in(sale.phase_ends_in)),
        "0 " + s.t("Back"),
    ]
    name = sale.name
    while not fits("\n".join([name, *lines])) and len(name) > 8:  # the name gives way, never the figures
        name = name[:-1]
    return "\n".join([name.rstrip(), *lines])


# ── Send shares: the PIN first (what is held is private), whose shares, the receiver's number, how many, then yes ──


SHARE_NAME = 14  # a business's name in the list of shares held, at most


def held_shares(s: Screens) -> dict[int, int]:
    """The businesses whose shares the member holds and may send (business → shares): those whose raise has
    succeeded and is settled (the share token refuses the others)."""
    held = {business: n for business, n in s.holdings().shares.items() if n}
    if not held:
        raise Said("END " + s.t("You hold no shares to send."))
    moving = {sale.business_id for sale in s.sales if sale.shares_move}
    movable = {business: n for business, n in held.items() if business in moving}
    if not movable:
        raise Said("END " + s.t("Your shares can be sent once their raise has succeeded and is settled."))
    return movable


def choose_shares(s: Screens, kept: Kept) -> str:
    """The shares held, each numbered by its business (its id and one), not by its place in the list: the answer
    is read again on every request of the session, and a list that changed meanwhile (shares received, a send
    confirmed) must not make the same number another business's."""
    lines = [
        f"{b + 1} {s.business(b)[:SHARE_NAME].rstrip()} x {count_in(s.lang, n)}"
        for b, n in sorted(held_shares(s).items())
    ]
    return paged(s.t("Which business's shares?"), lines, "00 " + s.t("More"), kept["page"])


def shares_held(s: Screens, answer: str, kept: Kept) -> tuple[int, int]:
    held = held_shares(s)
    business = int(answer) - 1 if answer.isascii() and answer.isdecimal() and len(answer) <= 6 else -1
    if business not in held:
        raise Said("CON " + choose_shares(s, kept))  # not one of the list: the list again
    return business, held[business]


def shares_to_send(s: Screens, answer: str, kept: Kept) -> int:
    _, held = kept["shares"]
    if not (answer.isascii() and answer.isdecimal() and len(answer) <= 12 and 0 < int(answer) <= held):
        raise Said("END " + s.t("Send from 1 to {held}. Dial again.", held=count_in(s.lang, held)))
    return int(answer)


def confirm_shares(s: Screens, kept: Kept) -> str:
    to: PhoneAccount = kept["receiver"]
    business, _ = kept["shares"]
    return s.t(
        "Send {business} x {amount} to {name} ({phone})?\n1 Yes\n0 Back",
        business=s.business(business),
        amount=count_in(s.lang, kept["amount"]),
        name=to.name,
        phone=shown(to.phone),
    )


def send_shares(s: Screens, kept: Kept, more: list[str]) -> str:
    to: PhoneAccount = kept["receiver"]
    business, _ = kept["shares"]
    token = next(sale.token for sale in s.sales if sale.business_id == business)
    return s.act(
        s.member.send_shares(token, to.address, kept["amount"]),
        s.t(
            "Sending {business} x {amount} to {name}. An SMS will confirm it.",
            business=s.business(business),
            amount=count_in(s.lang, kept["amount"]),
            name=to.name,
        ),
    )


# ── Rewards: the last five, with their day and project ──


def rewards(s: Screens, kept: Kept, more: list[str]) -> str:
    found = s.menu.read(s.place, s.block).latest_rewards(5, member=s.account.address)  # from the index, newest first
    if not found:
        return "END " + s.t("No rewards yet.")
    lines = []
    for reward in found[::-1]:
        day = datetime.fromtimestamp(reward["time"], UTC).astimezone(s.zone()).strftime("%d/%m")
        lines.append(f"{day} {s.inf(reward['amount'])} {reward['projectName']}"[:40])
    return "END " + "\n".join(lines)


# ── Language: the PIN, then the language (a borrowed phone does not change it) ──


def language_choice(s: Screens, answer: str, kept: Kept) -> str:
    if answer not in {str(n) for n in range(1, len(LANGUAGE_CHOICES) + 1)}:
        raise Said("CON " + choose_language())
    return LANGUAGE_CHOICES[int(answer) - 1]


def language(s: Screens, kept: Kept, more: list[str]) -> str:
    s.account.language = s.lang = kept["language"]
    s.session.save()
    return "END " + s.t("Language set.")


# The main menu, in its order: a new item is one line here.
MENU = (
    Flow(in_context("phone menu", "Balance"), (Pin(),), balance),
    Flow(
        in_context("phone menu", "Send INF"),
        (
            Ask("receiver", lambda s, kept: s.t("Receiver's phone number:"), receiver),
            Ask("amount", lambda s, kept: s.t("How much INF to send?"), inf_to_send),
            Pin(confirm_sending),
        ),
        send,
    ),
    Flow(in_context("phone menu", "Basket"), (Pin(confirm_basket),), basket),
    Flow(in_context("phone menu", "Claim profit"), (Pin(), Ask("yes", confirm_claim, yes_to(confirm_claim))), claim),
    Flow(in_context("phone menu", "Sales"), (), sales),
    Flow(in_context("phone menu", "Rewards"), (Pin(),), rewards),
    Flow(
        in_context("phone menu", "Language"),
        (Pin(), Ask("language", lambda s, kept: choose_language(), language_choice)),
        language,
    ),
    Flow(
        in_context("phone menu", "Send shares"),
        (
            Pin(),
            Ask("shares", choose_shares, shares_held, paged=True),
            Ask("receiver", lambda s, kept: s.t("Receiver's phone number:"), receiver),
            Ask("amount", lambda s, kept: s.t("How many shares to send?"), shares_to_send),
            Ask("yes", confirm_shares, yes_to(confirm_shares)),
        ),
        send_shares,
    ),
)
