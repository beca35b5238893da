"""SMS receipts to phone members: what happened, in their language, queued in a durable outbox and sent apart.

The notifier finds what a phone member should hear of — a reward minted for them, INF they sent or received,
a basket redeemed, profit claimed — and queues one message each (a unique key per event: never twice). The
sender delivers queued messages through Africa's Talking's SDK when the town configured its credentials, and
otherwise leaves them in the outbox (``ost api sms list``). Neither ever holds up a request or the worker.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from eth_abi import decode as abi_decode
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from web3.exceptions import Web3Exception

from ost_chain.abi import Event, Function
from ost_chain.actions import recorded
from ost_chain.enums import NATIVE
from ost_chain.redact import scrub

from .db import BridgeSession, Participation, PhoneAccount, RelayRequest, Sms, Status, utcnow
from .i18n import _, amount_in, count_in, say

if TYPE_CHECKING:
    from .chain import ChainView
    from .settings import BridgeSettings

log = logging.getLogger("ost.bridge.sms")
EVERY_SECONDS = 2.0
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=1)  # after a failure; doubled after each

DEDUPE_LENGTH = 120  # the outbox's once-only key at most (its column's width)
RECENT = timedelta(days=1)  # what happened longer ago than this was told already (or is too old to tell)


class Refused(Exception):
    """The SMS gateway answered, and did not send."""


# What each side of a transfer is told: the sender, then the receiver (when the receiver has a phone account too).
TRANSFERS = {
    "sent": (_("You sent {amount} to {name}."), _("You received {amount} from {name}.")),
    "shares": (_("You sent {business} x {amount} to {name}."), _("You received {business} x {amount} from {name}.")),
}


class Outbox:
    """Queues receipts for what phone members did or received, and sends them when a gateway is configured."""

    def __init__(
        self,
        options: BridgeSettings,
        sessions: Callable[[], BridgeSession],
        chain: ChainView,
        leading: Callable[[], bool],
        chain_url: str,
    ) -> None:
        """The outbox over what it uses of the bridge: its settings, the database, the chain as the bridge reads it,
        whether this replica leads (one replica sends), and the chain's URL (kept out of what it logs)."""
        self.options, self.sessions, self.chain, self.leading, self.chain_url = (
            options,
            sessions,
            chain,
            leading,
            chain_url,
        )
        self._stop = threading.Event()
        # The towns served, by registry, the first first: a receipt of a bridge of several towns names its town.
        self.towns: dict[str, str] = {}
        self.share_names: dict[str, str] = {}  # share token → its name, read once
        self._thread: threading.Thread | None = None
        self._gateway: Any = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ost-bridge-sms", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(EVERY_SECONDS):
            for step in (self._notice, self._send):  # apart: one failing does not stop the other
                try:
                    step()
                except Exception as exc:  # noqa: BLE001 - the database or the chain is away: next round
                    log.warning("sms: %s", scrub(f"{type(exc).__name__}: {exc}", self.chain_url))

    def _notice(self) -> None:
        with self.sessions() as session:
            phones = {p.address: p for p in session.scalars(select(PhoneAccount))}
            if phones:
                self.notice(session, phones)

    def _send(self) -> None:
        if self.leading():  # one replica sends, as one mints
            with self.sessions() as session:
                self.send(session)

    # ── what to tell ──

    def notice(self, session: BridgeSession, phones: dict[str, PhoneAccount]) -> int:
        """Queue a receipt for every confirmed reward and relayed action of a phone member not told yet."""
        queued = 0
        for p in _recent(session, Participation, Participation.member, phones):
            member = phones[p.member]
            body = say(
                member.language,
                "You earned {amount} for {minutes} minutes of work.",
                amount=amount_in(member.language, int(p.minted or 0), 18, "INF"),
                minutes=p.minutes,
            )
            told = f"reward:{p.coordinator}:{p.participation_id}{self._of(p.town)}"
            queued += self._queue(session, told, member.phone, body, p.town)
        for r in _recent(session, RelayRequest, RelayRequest.signer, phones):
            queued += self._receipts(session, r, phones)
        return queued

    def _receipts(self, session: BridgeSession, row: RelayRequest, phones: dict[str, PhoneAccount]) -> int:
        sender, data = phones[row.signer], bytes.fromhex(row.data[2:])
        lang, action = sender.language, recorded(row.action)
        if action is None:
            log.warning("relay %s: no member action is recorded as %r, so no receipt is sent", row.id, row.action)
            return 0
        receipt = action.receipt
        if receipt in ("sent", "shares"):
            to, units = abi_decode(["address", "uint256"], data[4:])
            receiver = phones.get(self.chain.town().address(to))

            def values(language: str | None) -> dict[str, object]:  # the amount as each side's language writes it
                if receipt == "shares":
                    return {"business": self._share_name(row.target), "amount": count_in(language, int(units))}
                return {"amount": amount_in(language, int(units), 18, "INF")}

            sent, received = TRANSFERS[receipt]
            told = receiver.name if receiver else to[:10]
            body = say(lang, sent, name=told, **values(lang))
            queued = self._queue(session, f"relay:{row.id}:sent", sender.phone, body, row.town)
            if receiver is not None:
                body = say(receiver.language, received, name=sender.name, **values(receiver.language))
                queued += self._queue(session, f"relay:{row.id}:received", receiver.phone, body, row.town)
            return queued
        if receipt == "basket":
            (units,) = abi_decode(["uint256"], data[4:36])
            body = say(lang, "Your basket is confirmed: {amount}.", amount=amount_in(lang, int(units), 18, "INF"))
            return self._queue(session, f"relay:{row.id}", sender.phone, body, row.town)
        if receipt == "claim":
            try:
                paid = self._paid(row, data)
            except (OSError, ValueError, Web3Exception) as exc:  # the chain did not answer: told later, never twice
                said = scrub(f"{type(exc).__name__}: {exc}", self.chain_url)  # no RPC URL in the log
                log.warning("relay %s: its receipt could not be read yet, so its SMS waits (%s)", row.id, said)
                return 0
            if paid is None:  # no payment found in its transaction (not expected): said without the amount
                body = say(lang, "Your profit claim is paid into your account.")
            else:
                symbol, decimals = self.chain.asset(paid[0])
                amount = amount_in(lang, paid[1], decimals, symbol)
                body = say(lang, "Your profit claim of {amount} is paid into your account.", amount=amount)
            return self._queue(session, f"relay:{row.id}", sender.phone, body, row.town)
        return 0

    def _paid(self, row: RelayRequest, data: bytes) -> tuple[str, int] | None:
        """The asset and the amount a relayed claim paid its signer, from its transaction's events: the member part
        (``ProfitClaimed``) or an investor part (``InvestorProfitClaimed``) in the asset the call names (the calls and
        events from the distributor's ABI)."""
        if row.tx_hash is None:
            return None
        town = self.chain.town()
        abi = town.client.artifacts.get("ProfitDistributor")["abi"]
        calls = [Function.of(abi, s) for s in ("claimAsInvestor(uint256,address)", "claim(address)", "claim()")]
        call = next((c for c in calls if c.selector == data[:4]), None)
        if call is None:
            return None
        investor = call is calls[0]
        asset = str(abi_decode(list(call.inputs), data[4:])[-1]).lower() if call.inputs else NATIVE.lower()
        event, party = (
            (Event.of(abi, "InvestorProfitClaimed"), "holder")
            if investor
            else (Event.of(abi, "ProfitClaimed"), "member")
        )
        receipt = town.client.w3.eth.get_transaction_receipt(row.tx_hash)  # type: ignore[arg-type]
        for log_ in map(dict, receipt["logs"]):
            if str(log_["address"]).lower() != row.target.lower() or not event.matches(log_):
                continue
            who, paid_in = event.topic_of(log_, party)[-40:], event.topic_of(log_, "asset")[-40:]
            if who == row.signer.lower()[2:] and paid_in == asset[2:]:
                return asset, event.word(log_, "amount")
        return None

    def _of(self, town: str) -> str:
        """What a receipt's once-only key says of its town: nothing for the first town's (its keys are as they were
        before receipts recorded their town, so an upgrade tells nobody anything twice), else the town."""
        return "" if not self.towns or town == next(iter(self.towns)) else f"@{town}"

    def _share_name(self, token: str) -> str:
        """A share token's name, as the phone shows the business (read once: a name never changes, and the outbox
        looks at the day's receipts every few seconds)."""
        if token not in self.share_names:
            self.share_names[token] = str(self.chain.town().client.at("ShareToken", token).functions.name().call())
        return self.share_names[token]

    def _queue(self, session: BridgeSession, dedupe: str, phone: str, body: str, town: str) -> int:
        """Queue ``body`` for ``phone`` once (``dedupe``), of ``town``: named first when the bridge serves several
        (one short code and one sender for them all)."""
        told = [dedupe]  # a long key was kept whole on SQLite before it was hashed: either means told already
        if len(dedupe) > DEDUPE_LENGTH:  # a long participation id, a town's registry: its digest, as long each time
            dedupe = "sha256:" + hashlib.sha256(dedupe.encode()).hexdigest()
            told.append(dedupe)
        if session.scalar(select(Sms.id).where(Sms.dedupe.in_(told))) is not None:
            return 0
        if len(self.towns) > 1 and town in self.towns:
            body = f"{self.towns[town]}: {body}"
        try:
            with session.writing():
                session.add(Sms(dedupe=dedupe, phone=phone, body=body, status="queued", attempts=0, town=town))
        except IntegrityError:  # another replica queued it first
            session.rollback()
            return 0
        return 1

    # ── sending ──

    def gateway(self) -> Any:
        """Africa's Talking's SMS service, when the town configured its credentials; else None."""
        options = self.options
        if options.sms_username is None or options.sms_api_key is None:
            return None
        if self._gateway is None:
            from africastalking.SMS import SMSService

            service = SMSService(options.sms_username, options.sms_api_key.get_secret_value())
            if options.sms_api_url:  # the SDK keeps its base URL here (africastalking/Service.py)
                service._baseUrl = options.sms_api_url.rstrip("/") + "/version1"
            self._gateway = service
        return self._gateway

    def send(self, session: BridgeSession) -> int:
        gateway = self.gateway()
        if gateway is None:
            return 0
        sent = 0
        due = or_(Sms.not_before.is_(None), Sms.not_before <= utcnow())
        waiting = list(session.scalars(select(Sms.id).where(Sms.status == "queued", due).order_by(Sms.id).limit(50)))
        for sms_id in waiting:
            claimed = session.execute(  # this sender's alone, or another's already: at most once
                update(Sms).where(Sms.id == sms_id, Sms.status == "queued").values(status="sending")
            )
            session.commit()
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            sms = session.get(Sms, sms_id)
            assert sms is not None
            try:
                answer = gateway.send(sms.body, [sms.phone], self.options.sms_sender_id)
                recipients = (answer or {}).get("SMSMessageData", {}).get("Recipients", [])
                if not recipients or recipients[0].get("status") != "Success":
                    said = str(recipients[0].get("status")) if recipients else "no recipient"
                    raise Refused(said if said.isalnum() else "not sent")  # AT's status word, e.g. InvalidPhoneNumber
                sms.status, sms.sent_at, sms.error = "sent", utcnow(), None
                sent += 1
            except Exception as exc:  # noqa: BLE001 - the gateway said no: try again later, a few times
                sms.attempts += 1
                # Never the gateway's text, which may echo the key: the status word it gave, or the error's type.
                sms.error = str(exc) if isinstance(exc, Refused) else type(exc).__name__
                sms.status = "failed" if sms.attempts >= MAX_ATTEMPTS else "queued"
                sms.not_before = utcnow() + RETRY_AFTER * 2 ** (sms.attempts - 1)  # 1, 2, 4, 8 minutes
            session.save()
        return sent


def _recent(session: BridgeSession, model: Any, who: Any, phones: dict[str, PhoneAccount]) -> Any:
    """The rows of ``model`` (participations, relayed actions) confirmed for phone members in the last day: what
    they may not have been told yet (both tables say "confirmed")."""
    return session.scalars(
        select(model).where(model.status == Status.CONFIRMED, who.in_(phones), model.updated_at >= utcnow() - RECENT)
    )
