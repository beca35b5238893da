"""A deployed town, loaded from its manifest: typed reads and per-role actions for the CLI and the bridge.

Every action takes the account that signs it and returns what happened; a rule the contracts
would refuse is refused before anything is sent, as a :class:`~ost_chain.exceptions.ContractRevert`
or a :class:`NotAllowed` with a plain sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic.alias_generators import to_camel
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from . import gasless
from ._owed import Owed, owed
from ._roster import projects, residents, role_holders
from ._sales_read import Eligibility, SaleStatus
from ._town_reads import TownReader
from .enums import NATIVE, Phase, Role
from .exceptions import ConfigError, ContractRevert, OstError
from .member import Member
from .units import checksum, hash_id, money, numbered

MEMBER_BATCH = 200  # members signed up in one transaction

__all__ = ["Eligibility", "NotAllowed", "Receipt", "Reward", "SaleStatus", "Town", "as_dict"]


class NotAllowed(OstError):
    """An action the contracts would refuse, explained before anything is sent."""


@dataclass(frozen=True)
class Reward:
    """One participation to reward: the member, minutes worked, the participation id, the project."""

    member: str
    minutes: int
    participation_id: str
    project_id: int

    def as_tuple(self, chain_id: int | None = None) -> tuple[str, int, bytes, int]:
        member = checksum(self.member, "member", chain_id=chain_id)
        return (member, self.minutes, hash_id(self.participation_id), self.project_id)


@dataclass(frozen=True)
class Receipt:
    """What a transaction did: its hash, block and gas."""

    tx: str
    block: int
    gas: int

    @classmethod
    def of(cls, receipt: TxReceipt) -> Receipt:
        return cls(receipt["transactionHash"].to_0x_hex(), int(receipt["blockNumber"]), int(receipt["gasUsed"]))


class Town(TownReader):
    """The contracts of one deployed town: what they hold, and every role's actions.

    With :attr:`relay` set (``--gasless``), every action is signed as a forward request and sent through the
    town's bridge, which pays the gas: the signer needs no coin.
    """

    relay: gasless.RelayClient | None = None

    def send(self, sender: LocalAccount, fn: Any, *, value: int = 0) -> Receipt:
        """Sign ``fn`` with ``sender``, send it, wait for it: what it did (a revert raised, decoded)."""
        return Receipt.of(self._transact(sender, fn, value=value))

    def _transact(self, sender: LocalAccount, fn: Any, *, value: int = 0) -> TxReceipt:
        if self.relay is None:
            return self.client.transact(fn, sender, value=value)
        if value:
            raise NotAllowed(
                "A gasless action cannot send coin: the bridge pays gas, never a payment. Buy in a sale's "
                "stablecoin, or send this one from an account that holds the coin."
            )
        return gasless.relay_call(self, self.relay, sender, fn)

    # ── the OST office ──

    def set_role(self, sender: LocalAccount, role: str, address: str, *, held: bool) -> Receipt | None:
        """Grant (``held``) or revoke ``role`` for ``address``; None when it is so already."""
        address = self.address(address)
        if self.has_role(role, address) == held:
            return None
        if role == Role.COUNTRY_AMBASSADOR:  # the country's, for all its towns: appointed in the OST network
            network = self.network.functions
            fn = network.appointCountryAmbassador if held else (lambda code, _: network.revokeCountryAmbassador(code))
            return self.send(sender, fn(self.country_code, address))
        registry = self.registry.functions
        return self.send(sender, (registry.grantRole if held else registry.revokeRole)(Role.id(role), address))

    def pause_inf(self, sender: LocalAccount, *, paused: bool) -> Receipt:
        """Stop (or let go on) every INF transfer, reward and basket."""
        return self.send(sender, self.infinity.functions.pause() if paused else self.infinity.functions.unpause())

    # ── Town Ambassador and Country Ambassador ──

    def set_coordinator_cap(self, sender: LocalAccount, coordinator: str, cap: int) -> Receipt | None:
        """Set how much INF ``coordinator`` may mint a day; None when it is that already."""
        coordinator = self.address(coordinator, "coordinator")
        if int(self.infinity.functions.coordinatorDay(coordinator).call()[0]) == cap:
            return None
        return self.send(sender, self.infinity.functions.setCoordinatorDailyCap(coordinator, cap))

    def add_members(self, sender: LocalAccount, addresses: Iterable[str]) -> tuple[list[str], Receipt | None]:
        """Sign up ``addresses`` (all checked first; those already members skipped), ``MEMBER_BATCH`` a transaction
        (a sign-up also writes each member's INF slot: about 48,000 gas a member, so 200 stay well inside one
        transaction's gas cap). Returns the added ones, and the last transaction's receipt."""
        wanted = list(dict.fromkeys(self.address(a, "member") for a in addresses))
        new = [a for a in wanted if not self.registry.functions.isMember(a).call()]
        receipt = None
        for i in range(0, len(new), MEMBER_BATCH):
            batch = new[i : i + MEMBER_BATCH]
            registry = self.registry.functions
            receipt = self.send(sender, registry.addMember(batch[0]) if len(batch) == 1 else registry.addMembers(batch))
        return new, receipt

    def remove_member(self, sender: LocalAccount, address: str) -> Receipt:
        return Receipt.of(
            self.client.transact(self.registry.functions.removeMember(self.address(address, "member")), sender)
        )

    def set_residents(self, sender: LocalAccount, addresses: Iterable[str], resident: bool = True) -> list[Receipt]:
        """Mark (or unmark) residents of the town's country, in the OST network for every town of the country (the
        Country Ambassador); one transaction for all not already so."""
        wanted = list(dict.fromkeys(self.address(a, "resident") for a in addresses))
        known = self.client.call_many([self.registry.functions.isCountryResident(a) for a in wanted])
        changed = [a for a, now in zip(wanted, known, strict=True) if now != resident]
        if not changed:
            return []
        fn = self.network.functions.setCountryResidents(self.country_code, changed, resident)
        return [self.send(sender, fn)]

    def propose_recovery(self, sender: LocalAccount, lost: str, replacement: str) -> Receipt:
        """The Town Ambassador's step: propose moving the member ``lost`` to the fresh ``replacement``."""
        fn = self.registry.functions.proposeRecovery(
            self.address(lost, "lost address"), self.address(replacement, "new address")
        )
        return self.send(sender, fn)

    def confirm_recovery(self, sender: LocalAccount, lost: str, replacement: str) -> Receipt:
        """The Country Ambassador's step: confirm the proposal; the membership moves at once."""
        fn = self.registry.functions.confirmRecovery(
            self.address(lost, "lost address"), self.address(replacement, "new address")
        )
        return self.send(sender, fn)

    def sweep_recovery(self, sender: LocalAccount, lost: str) -> dict[str, Any]:
        """Move the INF and every business's shares of a recovered ``lost`` to its replacement (anyone may)."""
        lost = self.address(lost, "lost address")
        moved: dict[str, Any] = {"infinity": 0, "shares": {}}
        moved["infinity"] = int(self.infinity.functions.balanceOf(lost).call())
        if moved["infinity"]:
            self.client.transact(self.infinity.functions.recover(lost), sender)
        listed = self.businesses()
        held = self.client.call_many([token.functions.balanceOf(lost) for _, token in listed])
        # Investor profit may remain with no share left: sweep every business that has an investor part.
        investor = self.client.call_many([self.distributor.functions.investorShare(i) for i in range(len(listed))])
        for business_id, ((_, token), shares, bps) in enumerate(zip(listed, held, investor, strict=True)):
            if shares or bps:
                self.client.transact(token.functions.recover(lost), sender)
            if shares:
                moved["shares"][self._symbol(business_id)] = int(shares)
        return moved

    def advance(self, sender: LocalAccount, ref: str | int) -> tuple[str, Receipt]:
        sale, _ = self.sale(self.business_id(ref))
        receipt = self.send(sender, sale.functions.advancePhase())
        return Phase(sale.functions.phase().call()).label, receipt

    # ── coordinators ──

    def reward(self, sender: LocalAccount, reward: Reward) -> tuple[int, Receipt]:
        """Reward one participation; the INF minted and the receipt."""
        member, minutes, key, project = reward.as_tuple(self.client.chain_id)
        try:
            receipt = self.client.transact(self.infinity.functions.reward(member, minutes, key, project), sender)
        except ContractRevert as exc:
            if exc.error == "InfinityTokenAlreadyRewarded":  # said with the id as typed, not its hash
                raise NotAllowed(
                    f"Participation {reward.participation_id!r} was already rewarded: each participation earns once."
                ) from None
            raise
        return self._minted(receipt), Receipt.of(receipt)

    def reward_batch(
        self, sender: LocalAccount, rewards: Sequence[Reward], gas: int | None = None
    ) -> tuple[int, Receipt]:
        """Reward several participations in one transaction."""
        rows = [r.as_tuple(self.client.chain_id) for r in rewards]
        receipt = self.client.transact(self.infinity.functions.rewardBatch(rows), sender, gas=gas)
        return self._minted(receipt), Receipt.of(receipt)

    def _minted(self, receipt: TxReceipt) -> int:
        return sum(
            int(e["args"]["amount"]) for e in self.infinity.events.Rewarded().process_receipt(receipt, errors=DISCARD)
        )

    # ── members and investors ──

    def redeem(self, sender: LocalAccount, amount: int, redemption_id: str, basket: str) -> Receipt:
        """Burn ``amount`` of the sender's INF for a basket."""
        held = int(self.infinity.functions.balanceOf(sender.address).call())
        if held < amount:
            raise NotAllowed(
                f"{sender.address} holds {money(held, 18, 'INF')}, less than the {money(amount, 18, 'INF')} to "
                "exchange for a basket."
            )
        if self.infinity.functions.isRedeemed(sender.address, hash_id(redemption_id)).call():
            raise NotAllowed(  # said with the id as typed, not its hash
                f"Redemption {redemption_id!r} of {sender.address} was recorded already: each basket is exchanged "
                "once under its id; give this one another --id."
            )
        fn = self.infinity.functions.redeem(amount, hash_id(redemption_id), basket)
        return self.send(sender, fn)

    def send_inf(self, sender: LocalAccount, to: str, amount: int) -> Receipt:
        """Send ``amount`` of the sender's INF to ``to`` (said in whole INF when the balance is short)."""
        to = self.address(to, "receiver")
        held = int(self.infinity.functions.balanceOf(sender.address).call())
        if held < amount:
            raise NotAllowed(
                f"{sender.address} holds {money(held, 18, 'INF')}, less than the {money(amount, 18, 'INF')} to send."
            )
        return self.send(sender, self.infinity.functions.transfer(to, amount))

    def send_shares(self, sender: LocalAccount, ref: str | int, to: str, shares: int) -> Receipt:
        """Send ``shares`` of a business's share token to ``to`` (once the raise has succeeded and the sale is settled,
        shares move; the token refuses before that, and the refusal is said)."""
        to = self.address(to, "receiver")
        if to in (sender.address, NATIVE):
            raise NotAllowed(f"{to} cannot receive these shares: send them to another holder's address.")
        status = self.sale_status(ref)
        if not status.shares_move:
            raise NotAllowed(
                f"{status.symbol}'s shares can be sent once its raise has succeeded and the sale is settled; the sale "
                + (f"{status.phase} and is not settled yet." if status.phase == "succeeded" else f"is {status.phase}.")
            )
        held = int(self.client.at("ShareToken", status.token).functions.balanceOf(sender.address).call())
        if held < shares:
            raise NotAllowed(
                f"{sender.address} holds {numbered(held, 'share')} of {status.symbol}, less than the {shares:,} to "
                "send."
            )
        return self.send(sender, Member(self, sender.address).send_shares(status.token, to, shares))

    def role_holders(self, role: str) -> list[str]:
        return role_holders(self, role)

    def residents(self) -> list[str]:
        return residents(self)

    def projects(self) -> list[dict[str, Any]]:
        return projects(self)

    def buy(self, sender: LocalAccount, ref: str | int, shares: int) -> tuple[int, Receipt]:
        """Buy ``shares`` in the sale's current phase, paying in its asset (approving a token first); the cost."""
        business_id = self.business_id(ref)
        allowed = self.eligibility(business_id, sender.address)
        if not allowed.eligible:
            raise NotAllowed(f"{sender.address} may not buy shares of business #{business_id}: {allowed.sentence}.")
        if shares <= 0:
            raise ConfigError("Buy at least one share.")
        sale, _ = self.sale(business_id)
        terms = self.client.view(sale.functions.terms())
        cost, asset = shares * terms.price, terms.paymentAsset
        if asset == NATIVE:
            return cost, self.send(sender, sale.functions.buy(shares), value=cost)
        if self.relay is not None:  # one signature instead of an approval transaction the member cannot pay for
            return cost, self.send(
                sender, sale.functions.buyWithPermit(shares, *self._permit(sender, asset, sale, cost))
            )
        self._approve(sender, asset, sale.address, cost)
        return cost, self.send(sender, sale.functions.buy(shares))

    def finalize(self, sender: LocalAccount, ref: str | int) -> tuple[bool, Receipt]:
        sale, _ = self.sale(self.business_id(ref))
        receipt = self.send(sender, sale.functions.finalize())
        return Phase(sale.functions.phase().call()) is Phase.SUCCEEDED, receipt

    def refund(self, sender: LocalAccount, ref: str | int) -> tuple[int, Receipt]:
        """Take back what the sender paid into a failed sale; the amount refunded."""
        sale, _ = self.sale(self.business_id(ref))
        receipt = self._transact(sender, sale.functions.refund())
        (event,) = sale.events.Refunded().process_receipt(receipt, errors=DISCARD)
        return int(event["args"]["amount"]), Receipt.of(receipt)

    def deposit(self, sender: LocalAccount, ref: str | int, amount: int, asset: str = NATIVE) -> Receipt:
        """Deposit a business's net profit for the members (and its investors, if it has an investor part)."""
        business_id, asset = self.business_id(ref), self.address(asset, "asset")
        sale, _ = self.sale(business_id)
        treasury = self.client.view(sale.functions.terms()).treasury
        if sender.address != treasury:
            raise NotAllowed(
                f"Only business #{business_id}'s treasury, {treasury}, deposits its profit; {sender.address} is not it."
            )
        fn = self.distributor.functions.deposit(business_id, asset, amount)
        if asset == NATIVE:
            return self.send(sender, fn, value=amount)
        self._approve(sender, asset, self.distributor.address, amount)
        return self.send(sender, fn)

    def distribute_held(self, sender: LocalAccount, asset: str = NATIVE) -> tuple[int, Receipt]:
        """Share out among today's members the profit carried in ``asset`` (anyone may); the amount shared."""
        asset = self.address(asset, "asset")
        before = int(self.pool(asset)["carried"])
        receipt = self.send(sender, self.distributor.functions.distributeHeld(asset))
        return before - int(self.pool(asset)["carried"]), receipt

    def claim(self, sender: LocalAccount, asset: str = NATIVE) -> tuple[int, Receipt]:
        """Claim the sender's share of the profits in ``asset``; the amount paid."""
        receipt = self._transact(sender, self.distributor.functions.claim(self.address(asset, "asset")))
        events = self.distributor.events.ProfitClaimed().process_receipt(receipt, errors=DISCARD)
        return sum(int(e["args"]["amount"]) for e in events), Receipt.of(receipt)

    def claim_everything(self, sender: LocalAccount, asset: str | None = None) -> list[tuple[Owed, Receipt]]:
        """Claim all the sender is owed — its member part and its investor part in each business, in every asset
        (or only ``asset``) — one transaction each; what was paid, by which transaction. Nothing owed is a
        :class:`NotAllowed`; a part that fails after others were paid says what was paid first."""
        parts = owed(self, sender.address)
        if asset is not None:
            parts = [p for p in parts if p.asset == self.address(asset, "asset")]
        if not parts:
            raise NotAllowed(f"Nothing to claim: {sender.address} is owed no profit, as a member or an investor.")
        paid: list[tuple[Owed, Receipt]] = []
        d = self.distributor.functions
        for part in parts:
            if part.business_id is None:
                fn, event = d.claim(part.asset), self.distributor.events.ProfitClaimed()
            else:
                fn, event = (
                    d.claimAsInvestor(part.business_id, part.asset),
                    self.distributor.events.InvestorProfitClaimed(),
                )
            try:
                receipt = self._transact(sender, fn)
            except OstError as exc:
                if not paid:
                    raise
                done = ", ".join(
                    f"{money(p.amount, self.asset_decimals(p.asset), self.asset_symbol(p.asset))} (tx {r.tx})"
                    for p, r in paid
                )
                raise OstError(f"Paid {done}; then claiming in {self.asset_symbol(part.asset)} failed: {exc}") from exc
            amount = sum(int(e["args"]["amount"]) for e in event.process_receipt(receipt, errors=DISCARD))
            paid.append((replace(part, amount=amount), Receipt.of(receipt)))
        return paid

    def _permit(
        self, sender: LocalAccount, asset: str, spender: Contract, amount: int
    ) -> tuple[int, int, bytes, bytes]:
        """An ERC-2612 permit of ``amount`` of ``asset`` to ``spender``, signed by ``sender``: (deadline, v, r, s);
        checked with the token itself before anything is relayed."""
        try:
            signed = gasless.permit(self.client, asset, sender, spender.address, amount)
            self.erc20(asset).functions.permit(sender.address, spender.address, amount, *signed).call()
        except Exception as exc:
            raise NotAllowed(
                f"This sale's coin, {asset}, takes no signed permits (ERC-2612) this member's wallet can make, so a "
                "member without coin for gas cannot pay in it: buy from an account that holds coin for the fee."
            ) from exc
        return signed

    def _approve(self, sender: LocalAccount, asset: str, spender: str, amount: int) -> None:
        coin = self.erc20(asset)
        if coin.functions.allowance(sender.address, spender).call() < amount:
            self.client.transact(coin.functions.approve(spender, amount), sender)


def as_dict(value: Any) -> Any:
    """Dataclasses (and lists of them) as plain dicts with camelCase keys, as every JSON of `ost` and the bridge."""
    if isinstance(value, list | tuple):
        return [as_dict(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {to_camel(k): v for k, v in asdict(value).items()}
    return value
